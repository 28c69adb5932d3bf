"""Two steps of one dossier at the same instant (times typed to the minute on the counter; the province holds
them to the second): the first finishing step and the last step are still each one step (ordered by seq)."""

from __future__ import annotations

from datetime import date

from counter_app.domain.dossier import DocumentLine
from counter_app.domain.lifecycle import Status
from counter_app.reports.model import Period
from counter_app.services import reports
from counter_app.services.lifecycle import record_supplied, request_supplement, transition
from counter_app.services.returns import return_at_desk
from counter_app.storage.database import Database
from tests.reports.test_daily_report import at, receive

DAY = date(2026, 3, 10)


def test_a_finish_and_a_return_typed_for_the_same_minute_count_one_finished_dossier(counter_db: Database) -> None:
    code = receive(counter_db, at(DAY, 8))
    transition(counter_db, code, Status.PROCESSING, agency="Phòng Tư pháp", at=at(DAY, 9), now=at(DAY, 9))
    transition(counter_db, code, Status.RESULT_READY, agency="Phòng Tư pháp", at=at(DAY, 14, 30), now=at(DAY, 14, 30))
    return_at_desk(counter_db, code, receiver_name="Nguyễn Văn Đức", id_number="049090001234", at=at(DAY, 14, 30),
                   now=at(DAY, 14, 30))
    values = reports.daily_report(counter_db, Period.day(DAY)).total.values
    finished = {key: values[key] for key in ("finished_early", "finished_on_time", "finished_late")}
    assert sum(finished.values()) == 1, finished
    assert [line.code for key in finished for line in reports.dossiers_behind(counter_db, key, Period.day(DAY))] == [code]


def test_a_supplement_asked_and_supplied_in_the_same_minute_leaves_the_dossier_processing(counter_db: Database) -> None:
    code = receive(counter_db, at(DAY, 8))
    transition(counter_db, code, Status.PROCESSING, agency="Phòng Tư pháp", at=at(DAY, 9), now=at(DAY, 9))
    request_supplement(counter_db, code, missing=[DocumentLine("Giấy chứng sinh", originals=1)],
                       reason="Thiếu giấy chứng sinh", at=at(DAY, 10), now=at(DAY, 10))
    record_supplied(counter_db, code, at=at(DAY, 10), now=at(DAY, 10))
    # Weeks later it is overdue: its last step (5 → 4, recorded after 4 → 5 at the same minute) is not a wait.
    later = Period.day(date(2026, 4, 20))
    assert [line.code for line in reports.dossiers_behind(counter_db, "overdue", later)] == [code]

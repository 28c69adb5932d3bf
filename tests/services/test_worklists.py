"""The worklists: which dossier is in which list, as of one moment, on a real counter database."""

from datetime import datetime

from counter_app.domain.dossier import OFFICE_TZ
from counter_app.domain.lifecycle import Status
from counter_app.services.dossiers import change_status
from counter_app.services.intake import IntakeRequest, PersonInput, receive_dossier
from counter_app.services.worklists import WorklistKind, all_worklists, worklist
from counter_app.storage.database import Database

MONDAY = datetime(2026, 3, 9, 9, 0, tzinfo=OFFICE_TZ)
TUESDAY = datetime(2026, 3, 10, 9, 0, tzinfo=OFFICE_TZ)
NOW = datetime(2026, 3, 10, 10, 0, tzinfo=OFFICE_TZ)
SAME_DAY = "1.001193"  # khai sinh: due at 17:00 the day received
ONE_WORKING_DAY = "2.000908"


def receive(db: Database, at: datetime, procedure: str = SAME_DAY, *path: Status) -> str:
    applicant = PersonInput(full_name="Nguyễn Văn Đức", id_number="049090001234", phone="0905123456", street="12 Lê Lợi")
    dossier = receive_dossier(db, IntakeRequest(procedure_code=procedure, applicant=applicant, received_at=at), now=at)
    for status in path:
        change_status(db, dossier.code, status, note="thử", now=at)
    return dossier.code


def codes(db: Database, kind: WorklistKind) -> list[str]:
    return [d.code for d in worklist(db, kind, now=NOW).dossiers]


def test_each_dossier_is_in_the_list_of_its_next_step(counter_db: Database) -> None:
    due_today = receive(counter_db, TUESDAY)
    overdue_received = receive(counter_db, MONDAY)
    overdue_processing = receive(counter_db, MONDAY, SAME_DAY, Status.PROCESSING)
    waiting = receive(counter_db, MONDAY, SAME_DAY, Status.PROCESSING, Status.SUPPLEMENT_REQUESTED)
    ready = receive(counter_db, MONDAY, SAME_DAY, Status.PROCESSING, Status.RESULT_READY)
    receive(counter_db, MONDAY, SAME_DAY, Status.PROCESSING, Status.RESULT_READY, Status.RETURNED)  # done
    receive(counter_db, MONDAY, SAME_DAY, Status.WITHDRAWN)  # final: in no list, although its date passed
    receive(counter_db, TUESDAY, ONE_WORKING_DAY)  # due tomorrow

    lists = all_worklists(counter_db, now=NOW)
    assert [d.code for d in lists[WorklistKind.DUE_TODAY].dossiers] == [due_today]
    assert [d.code for d in lists[WorklistKind.OVERDUE].dossiers] == [overdue_received, overdue_processing]
    assert [d.code for d in lists[WorklistKind.WAITING_FOR_PAPERS].dossiers] == [waiting]
    assert [d.code for d in lists[WorklistKind.READY_TO_RETURN].dossiers] == [ready]
    # C's shipment tables are not merged yet: the hooks answer with empty lists.
    assert lists[WorklistKind.SHIPMENTS_NOT_DELIVERED].dossiers == []
    assert lists[WorklistKind.RETURNED_ITEMS].dossiers == []
    # Every overdue dossier is late by the domain's own rule, and none of the others is.
    assert all(d.is_overdue(NOW) for d in lists[WorklistKind.OVERDUE].dossiers)
    others = [d for kind, w in lists.items() if kind is not WorklistKind.OVERDUE for d in w.dossiers]
    assert not any(d.is_overdue(NOW) for d in others)


def test_due_today_becomes_overdue_once_its_time_passes(counter_db: Database) -> None:
    code = receive(counter_db, TUESDAY)
    evening = datetime(2026, 3, 10, 17, 1, tzinfo=OFFICE_TZ)
    assert [d.code for d in worklist(counter_db, WorklistKind.OVERDUE, now=evening).dossiers] == [code]
    assert worklist(counter_db, WorklistKind.DUE_TODAY, now=evening).dossiers == []


def test_a_capped_list_says_how_many_there_are(counter_db: Database) -> None:
    first, second, third = (receive(counter_db, MONDAY) for _ in range(3))
    capped = worklist(counter_db, WorklistKind.OVERDUE, now=NOW, limit=2)
    assert [d.code for d in capped.dossiers] == [first, second]
    assert capped.total == 3 and capped.capped
    assert not worklist(counter_db, WorklistKind.OVERDUE, now=NOW).capped
    assert third in codes(counter_db, WorklistKind.OVERDUE)


FEE_10000 = "2.000884"  # chứng thực chữ ký: a fee of 10.000 đồng in the sample catalog


def issue_receipt(db: Database, code: str, status: str = "issued", number: int = 1) -> None:
    """A receipt row as part B's collect_fee writes it (only the columns the list reads matter here)."""
    import uuid

    from counter_app.storage.models import ReceiptRow

    with db.write() as session:
        session.add(ReceiptRow(id=str(uuid.uuid4()), form_number="01BLP0-001", symbol="AA-26P", number=number,
                               dossier_code=code, payer_name="Nguyễn Văn Đức", items=[], fee_vnd=10_000, charge_vnd=0,
                               total_vnd=10_000, method="cash", collected_at=NOW, day=NOW.date(), collector="Mai",
                               status=status))


def test_fees_due_lists_status_6_and_unpaid_dossiers_of_procedures_with_fees(counter_db: Database) -> None:
    unpaid = receive(counter_db, MONDAY, FEE_10000)
    paid = receive(counter_db, MONDAY, FEE_10000)
    issue_receipt(counter_db, paid)
    cancelled = receive(counter_db, TUESDAY, FEE_10000)  # its only receipt was cancelled: owes again
    issue_receipt(counter_db, cancelled, status="cancelled", number=2)
    awaiting = receive(counter_db, MONDAY, SAME_DAY, Status.PROCESSING, Status.AWAITING_PAYMENT)  # no catalog fee
    receive(counter_db, MONDAY, SAME_DAY)  # no fee, not in status 6
    receive(counter_db, MONDAY, FEE_10000, Status.WITHDRAWN)  # withdrawn: nothing to collect any more

    fees = worklist(counter_db, WorklistKind.FEES_DUE, now=NOW)
    assert fees.kind.label == "Chờ nộp phí, lệ phí"
    assert sorted(d.code for d in fees.dossiers) == sorted([unpaid, cancelled, awaiting])
    assert fees.total == 3
    capped = worklist(counter_db, WorklistKind.FEES_DUE, now=NOW, limit=1)
    assert (len(capped.dossiers), capped.total) == (1, 3)
    assert all_worklists(counter_db, now=NOW)[WorklistKind.FEES_DUE].total == 3

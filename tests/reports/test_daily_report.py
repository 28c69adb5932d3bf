"""The counter's daily report over a real SQLite file, made through the real services: a first check of
the figures, their drill-down lists and the per-day chart (the full ground truth: test_report_truth.py)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from counter_app.domain.dossier import OFFICE_TZ
from counter_app.domain.lifecycle import Status
from counter_app.reports.figures import DAILY_FIGURES
from counter_app.reports.model import Period, Progress, ReportCancelled
from counter_app.reports.queries import UnknownFigure
from counter_app.services import reports
from counter_app.services.intake import IntakeRequest, PersonInput, receive_dossier
from counter_app.services.lifecycle import transition
from counter_app.storage.database import Database
from tests.conftest import UNIT_CODE

DAY = date(2026, 3, 10)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=OFFICE_TZ) + timedelta(hours=hour, minutes=minute)


def receive(db: Database, when: datetime, channel: int = 1, name: str = "Nguyễn Văn Đức") -> str:
    request = IntakeRequest("1.001193", PersonInput(full_name=name, id_number="049090001234", phone="0905123456",
                                                    street="12 Lê Lợi"), channel=channel, received_at=when)
    return receive_dossier(db, request, now=when).code


def test_one_day_counts_by_channel_steps_and_lists_the_same_dossiers(counter_db: Database) -> None:
    direct = [receive(counter_db, at(DAY, 8, n)) for n in range(3)]
    postal = receive(counter_db, at(DAY, 9), channel=3, name="Trần Thị Bình")
    other_day = receive(counter_db, at(DAY + timedelta(days=1), 8))
    transition(counter_db, direct[0], Status.REFUSED, reason="Hồ sơ không thuộc thẩm quyền", at=at(DAY, 10),
               now=at(DAY, 10))
    transition(counter_db, direct[1], Status.PROCESSING, agency="Phòng Tư pháp", at=at(DAY, 11), now=at(DAY, 11))

    report = reports.daily_report(counter_db, Period.day(DAY), now=at(DAY, 18))
    total = report.total.values
    assert set(total) == {f.key for f in DAILY_FIGURES}
    assert (total["received_direct"], total["received_postal"], total["received_total"]) == (3, 1, 4)
    assert total["refused"] == 1
    # Pending at the end of the day: received that day and not refused (the next day's dossier not yet).
    assert total["pending"] == 3
    assert [row.desk_slot for row in report.desks] == [1] and report.units[0].unit_code == UNIT_CODE
    assert report.units[0].values == total == report.desks[0].values
    assert report.received_per_day == {DAY: {1: 3, 2: 0, 3: 1}}

    assert [line.code for line in reports.dossiers_behind(counter_db, "received_total", Period.day(DAY))] == \
        [*direct, postal]
    assert [line.code for line in reports.dossiers_behind(counter_db, "refused", Period.day(DAY))] == [direct[0]]
    pending = reports.dossiers_behind(counter_db, "pending", Period.day(DAY))
    assert sorted(line.code for line in pending) == sorted([direct[1], direct[2], postal])
    assert other_day not in {line.code for line in pending}
    two_days = reports.daily_report(counter_db, Period(DAY, DAY + timedelta(days=1)), now=at(DAY, 18))
    assert two_days.total.values["received_total"] == 5 and two_days.total.values["pending"] == 4
    with pytest.raises(UnknownFigure):
        reports.dossiers_behind(counter_db, "closes", Period.day(DAY))


def test_a_cancelled_report_raises_and_shows_nothing(counter_db: Database) -> None:
    receive(counter_db, at(DAY, 8))
    steps: list[int] = []
    progress = Progress(on_step=lambda done, total: steps.append(done), cancelled=lambda: len(steps) >= 3)
    with pytest.raises(ReportCancelled):
        reports.daily_report(counter_db, Period.day(DAY), progress=progress)
    assert steps == [0, 1, 2]


def test_scope_and_period_limits(counter_db: Database) -> None:
    from counter_app.reports.counter_sources import counter_sources
    from counter_app.reports.model import Scope
    from counter_app.reports.queries import PeriodTooLong, build_daily

    code = receive(counter_db, at(DAY, 8))
    with counter_db.read() as session:
        sources = counter_sources(session)
        other_desk = build_daily(session, sources, Period.day(DAY), Scope(desk_slot=2), now=at(DAY, 18))
        this_desk = build_daily(session, sources, Period.day(DAY), Scope(UNIT_CODE, 1), now=at(DAY, 18))
    assert other_desk.desks == [] and other_desk.total.values["received_total"] == 0
    assert other_desk.total.values["not_synced"] == 0  # this desk's pending operations are not desk 2's
    assert this_desk.total.values["received_total"] == 1
    assert this_desk.desks[0].values["not_synced"] == 1  # the dossier's creation is not acknowledged yet
    assert reports.dossiers_behind(counter_db, "received_direct", Period.day(DAY))[0].code == code
    with pytest.raises(PeriodTooLong, match="tối đa 366 ngày"):
        reports.daily_report(counter_db, Period(date(2025, 1, 1), date(2026, 1, 2)))
    assert reports.register(counter_db, Period(date(2025, 3, 11), DAY)).rows[0].code == code  # 366 days


def test_every_figure_query_compiles_for_postgresql(counter_db: Database) -> None:
    """The server runs the same queries on PostgreSQL (part C runs them there for real)."""
    from sqlalchemy.dialects import postgresql

    from counter_app.reports.counter_sources import counter_sources
    from counter_app.reports.figure_rules import FigureRules
    from counter_app.reports.model import Scope
    from counter_app.reports.queries import KPI_ONLY

    with counter_db.read() as session:
        rules = FigureRules(counter_sources(session), Period.day(DAY), Scope())
    for key in [*(f.key for f in DAILY_FIGURES if f.key != "not_synced"), *KPI_ONLY]:
        sql = str(rules.members(key).compile(dialect=postgresql.dialect()))
        assert "'+7 hours'" not in sql, key  # SQLite's office date never reaches PostgreSQL
        if key.startswith("finished"):
            assert "timezone('Asia/Ho_Chi_Minh'" in sql, key

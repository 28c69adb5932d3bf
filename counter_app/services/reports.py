"""The counter's reports (issue 11): its own desk's figures over its own database, in one read transaction.

The rules and their SQL live in `counter_app.reports.queries` (shared with the province); this module
only refuses a period over a year (`queries.PeriodTooLong`), opens one read transaction, builds the
counter's sources and says "now". docs/reports.md.
"""

from __future__ import annotations

from datetime import datetime

from counter_app.reports import queries
from counter_app.reports.counter_sources import counter_sources
from counter_app.reports.model import DailyReport, DossierLine, KpiReport, Period, Progress, Register, Scope
from counter_app.services.clock import utc_now
from counter_app.storage.database import Database

ALL_DESKS = Scope()


def daily_report(db: Database, period: Period, *, progress: Progress | None = None,
                 now: datetime | None = None) -> DailyReport:
    """The daily report of `period` for every desk this counter's database holds."""
    queries.check_period(period)
    with db.read() as session:
        return queries.build_daily(session, counter_sources(session), period, ALL_DESKS, now=now or utc_now(),
                                   progress=progress)


def kpi_report(db: Database, period: Period, *, progress: Progress | None = None,
               now: datetime | None = None) -> KpiReport:
    """The QĐ 766 indicators of `period`."""
    queries.check_period(period)
    with db.read() as session:
        return queries.build_kpi(session, counter_sources(session), period, ALL_DESKS, now=now or utc_now(),
                                 progress=progress)


def register(db: Database, period: Period, *, progress: Progress | None = None,
             now: datetime | None = None) -> Register:
    """Sổ theo dõi hồ sơ (Mẫu 06) of the dossiers received in `period`."""
    queries.check_period(period)
    with db.read() as session:
        return queries.build_register(session, counter_sources(session), period, ALL_DESKS,
                                      now=now or utc_now(), progress=progress)


def dossiers_behind(db: Database, key: str, period: Period, scope: Scope = ALL_DESKS) -> list[DossierLine]:
    """The dossiers (or receipts, records) figure `key` counts, of every desk or of `scope`'s desk;
    `queries.UnknownFigure` for any other key."""
    queries.check_period(period)
    with db.read() as session:
        return queries.dossiers_behind(session, counter_sources(session), key, period, scope)

"""What a report is, whatever computes or prints it: the counter (one desk), the province (every unit),
the screen (F6), the CLI and the three export formats all speak these types.

Every figure is a count or a sum that adds up across desks and units, so the province's total is the
sum of its units' rows and every figure can be opened into the dossiers (or receipts) that make it.
The rules that decide which dossiers a figure counts live in `counter_app.reports.figures` (one home);
the SQL that applies them in `counter_app.reports.queries`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum

from counter_app.domain.dossier import OFFICE_TZ


class ReportKind(StrEnum):
    DAILY = "daily"  # báo cáo ngày (one day or a range), per desk and per unit
    REGISTER = "register"  # Sổ theo dõi hồ sơ (Mẫu 06)
    KPI = "kpi"  # chỉ số QĐ 766/QĐ-TTg


@dataclass(frozen=True)
class Period:
    """Office dates, both ends included (domain.md §8: dates compared as DATE, Asia/Ho_Chi_Minh)."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("period ends before it starts")

    @classmethod
    def day(cls, day: date) -> Period:
        return cls(day, day)

    def instants(self) -> tuple[datetime, datetime]:
        """[start 00:00, day after end 00:00) at the office, in UTC: what the indexed columns compare with."""
        first = datetime.combine(self.start, time(0), tzinfo=OFFICE_TZ)
        after = datetime.combine(self.end + timedelta(days=1), time(0), tzinfo=OFFICE_TZ)
        return first.astimezone(UTC), after.astimezone(UTC)

    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]


@dataclass(frozen=True)
class Scope:
    """Which desks a report covers: None means all (the counter holds one desk; the province all)."""

    unit_code: str | None = None
    desk_slot: int | None = None


@dataclass(frozen=True)
class ReportRow:
    """One line of a report: a desk (unit and slot), a unit (slot None) or the total (both None).

    `values` holds every key of `figures.DAILY_FIGURES` (0 when nothing happened), so rows add up key by key.
    """

    unit_code: str | None
    desk_slot: int | None
    values: dict[str, int]
    unit_name: str = ""


@dataclass(frozen=True)
class DayCloseLine:
    """A desk's close of a day in the period (issue 10): what was counted and how far it was off."""

    unit_code: str
    desk_slot: int
    day: date
    clerk: str
    expected_cash: int
    counted_total: int
    difference: int
    explanation: str = ""


@dataclass(frozen=True)
class DailyReport:
    """The supervisor's daily report (one day or a range): per desk, per unit and in total."""

    period: Period
    scope: Scope
    generated_at: datetime
    desks: list[ReportRow]  # one per desk that has anything, sorted (unit, slot)
    units: list[ReportRow]  # one per unit (sum of its desks)
    total: ReportRow  # sum of the units
    received_per_day: dict[date, dict[int, int]]  # day -> channel (1, 2, 3) -> count: the chart
    closes: list[DayCloseLine] = field(default_factory=list)
    title: str = ""  # e.g. the unit's name, or the province's


@dataclass(frozen=True)
class Indicator:
    """One QĐ 766 indicator: numerator over denominator; `rate` is None when nothing was recorded
    (never a made-up 0 % or 100 %)."""

    key: str
    numerator: int
    denominator: int

    @property
    def rate(self) -> Decimal | None:
        if self.denominator == 0:
            return None
        return (Decimal(self.numerator) * 100 / Decimal(self.denominator)).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class KpiRow:
    unit_code: str | None  # None: the total
    desk_slot: int | None
    indicators: dict[str, Indicator]  # every key of `figures.KPI_INDICATORS`
    counts: dict[str, int]  # the raw counts behind them (every key of `figures.KPI_COUNTS`)
    unit_name: str = ""


@dataclass(frozen=True)
class KpiReport:
    period: Period
    scope: Scope
    generated_at: datetime
    units: list[KpiRow]
    total: KpiRow
    on_time_per_day: dict[date, Indicator]  # the chart: finished early or on time, per day
    title: str = ""


@dataclass(frozen=True)
class RegisterRow:
    """One line of the Sổ theo dõi hồ sơ (Mẫu 06), in the official columns (domain.md, Mẫu 06 [M])."""

    number: int  # STT in the printed register
    code: str
    procedure_name: str
    sets_count: int
    applicant_name: str
    applicant_address: str
    applicant_phone: str
    agency: str  # cơ quan chủ trì giải quyết (the hand-over's «to», or the default name)
    received_at: datetime
    due_at: datetime
    sent_to_agency_at: datetime | None
    result_from_agency_at: datetime | None
    returned_at: datetime | None
    register_book: str | None  # «Vào Sổ theo dõi hồ sơ, Quyển số…, Số thứ tự…» of the slip
    register_number: int | None
    note: str  # status words when refused/withdrawn/stopped, back-dated entry, return by post …
    unit_code: str = ""
    desk_slot: int = 0


@dataclass(frozen=True)
class Register:
    period: Period
    scope: Scope
    generated_at: datetime
    rows: list[RegisterRow]
    title: str = ""


@dataclass(frozen=True)
class DossierLine:
    """A dossier behind a figure (the drill-down list)."""

    code: str
    applicant_name: str
    procedure_name: str
    received_at: datetime
    due_at: datetime
    status: int
    detail: str = ""  # what made it count: «Trả qua bưu chính», «Biên lai 01BLP3-001/AA-26P/0000012» …


class ReportCancelled(Exception):
    """The person cancelled a long report (Esc on the reports screen)."""


@dataclass
class Progress:
    """How a long report tells the screen how far it is and learns it was cancelled.

    `report(done, total)` is called between steps (each a few queries); `check()` raises ReportCancelled
    once `cancelled` returns True. The default does nothing (the CLI and the server)."""

    on_step: Callable[[int, int], None] = lambda done, total: None
    cancelled: Callable[[], bool] = lambda: False

    def report(self, done: int, total: int) -> None:
        if self.cancelled():
            raise ReportCancelled()
        self.on_step(done, total)

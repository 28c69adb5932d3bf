"""Reports built by hand for the export tests: known figures, two units, a desk each, Vietnamese names.

The exports must print what a report holds whatever computed it, so these are plain dataclasses with
figures chosen to be told apart (no two totals equal), not the output of the engine.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from counter_app.domain.dossier import OFFICE_TZ
from counter_app.reports.figures import DAILY_FIGURES, KPI_COUNTS, KPI_INDICATORS
from counter_app.reports.model import (
    DailyReport,
    DayCloseLine,
    Indicator,
    KpiReport,
    KpiRow,
    Period,
    Register,
    RegisterRow,
    ReportRow,
    Scope,
)

GENERATED = datetime(2026, 3, 11, 1, 30, tzinfo=UTC)  # 08:30 office time
PERIOD = Period(date(2026, 3, 9), date(2026, 3, 10))
UNITS = (("000.31.48.H15", "Bưu điện xã Hòa Vang"), ("000.32.48.H15", "Bưu điện phường Hải Châu"))


def _values(seed: int) -> dict[str, int]:
    values = {f.key: seed + i for i, f in enumerate(DAILY_FIGURES)}
    values["received_direct"], values["received_online"], values["received_postal"] = 7 * seed, 2 * seed, seed
    values["received_total"] = 10 * seed
    values["fee_cash"], values["fee_transfer"] = 1_250_000 * seed, 50_000 * seed
    values["charge_cash"], values["charge_transfer"] = 30_000 * seed, 0
    values["collected_total"] = sum(values[k] for k in ("fee_cash", "fee_transfer", "charge_cash", "charge_transfer"))
    values["close_difference"] = -1_000 * seed
    return values


def _sum(rows: list[ReportRow]) -> dict[str, int]:
    return {f.key: sum(r.values[f.key] for r in rows) for f in DAILY_FIGURES}


def daily_report() -> DailyReport:
    desks = [ReportRow(code, 1, _values(seed), name) for seed, (code, name) in ((1, UNITS[0]), (3, UNITS[1]))]
    units = [ReportRow(d.unit_code, None, d.values, d.unit_name) for d in desks]
    total = ReportRow(None, None, _sum(units))
    chart = {PERIOD.start: {1: 12, 2: 5, 3: 3}, PERIOD.end: {1: 16, 2: 3, 3: 1}}
    closes = [DayCloseLine(UNITS[0][0], 1, PERIOD.start, "Nguyễn Thị Lan", 1_280_000, 1_279_000, -1_000,
                           "Trả nhầm tiền thừa")]
    return DailyReport(PERIOD, Scope(), GENERATED, desks, units, total, chart, closes, "Tỉnh Đà Nẵng")


def _kpi_row(code: str | None, name: str, scale: int) -> KpiRow:
    counts = {f.key: scale * (i + 1) for i, f in enumerate(KPI_COUNTS)}
    indicators = {f.key: Indicator(f.key, 15 * scale, 16 * scale) for f in KPI_INDICATORS}
    indicators["satisfaction"] = Indicator("satisfaction", 0, 0)  # nothing recorded: no rate
    return KpiRow(code, None, indicators, counts, name)


def kpi_report() -> KpiReport:
    units = [_kpi_row(UNITS[0][0], UNITS[0][1], 1), _kpi_row(UNITS[1][0], UNITS[1][1], 2)]
    per_day = {PERIOD.start: Indicator("on_time_rate", 3, 4), PERIOD.end: Indicator("on_time_rate", 0, 0)}
    return KpiReport(PERIOD, Scope(), GENERATED, units, _kpi_row(None, "", 3), per_day, "Tỉnh Đà Nẵng")


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=OFFICE_TZ).astimezone(UTC)


def register_row(number: int, *, returned: bool = True) -> RegisterRow:
    received = _at(PERIOD.start, 8, number % 60)
    return RegisterRow(
        number=number, code=f"000.31.48.H15-260309-{number:04d}", procedure_name="Đăng ký khai sinh",
        sets_count=1, applicant_name=f"Trần Văn Đức {number}", applicant_address="12 Lê Lợi, Hòa Vang, Đà Nẵng",
        applicant_phone="0905123456", agency="UBND xã Hòa Vang", received_at=received,
        due_at=received + timedelta(days=3), sent_to_agency_at=received + timedelta(hours=2),
        result_from_agency_at=received + timedelta(days=2) if returned else None,
        returned_at=_at(date(2026, 3, 12), 14, 15) if returned else None,
        register_book="01/2026", register_number=number, note="" if returned else "Trả qua bưu chính",
        unit_code=UNITS[0][0], desk_slot=1)


def register(rows: int = 3) -> Register:
    lines = [register_row(n, returned=n != 2) for n in range(1, rows + 1)]
    return Register(PERIOD, Scope(UNITS[0][0]), GENERATED, lines, UNITS[0][1])

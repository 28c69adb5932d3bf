"""The words every export of a report shares (XLSX, CSV, PDF): row names, unit words, channels, rates.

One home so the three formats name a desk, a unit, the total, a missing rate and a figure's unit the same way.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from counter_app.domain.formats import office_date, to_office
from counter_app.reports.model import DailyReport, KpiReport, KpiRow, Period, Register, ReportKind, ReportRow

Report = DailyReport | KpiReport | Register

TOTAL = "Tổng cộng"
NO_RATE = "—"  # a rate with nothing to divide by (never a made-up 0 % or 100 %)
CHANNELS = {1: "Trực tiếp", 2: "Trực tuyến", 3: "Bưu chính"}
UNIT_WORDS = {"dossier": "hồ sơ", "record": "lượt", "vnd": "đồng", "receipt": "biên lai", "operation": "thao tác",
              "close": "lần"}
KIND_TITLES = {ReportKind.DAILY: "BÁO CÁO TÌNH HÌNH TIẾP NHẬN VÀ TRẢ KẾT QUẢ",
               ReportKind.KPI: "CHỈ SỐ ĐÁNH GIÁ CHẤT LƯỢNG PHỤC VỤ (QĐ 766/QĐ-TTg)",
               ReportKind.REGISTER: "SỔ THEO DÕI HỒ SƠ"}
KIND_NAMES = {ReportKind.DAILY: "Báo cáo tình hình tiếp nhận và trả kết quả",
              ReportKind.KPI: "Chỉ số đánh giá chất lượng phục vụ (QĐ 766/QĐ-TTg)",
              ReportKind.REGISTER: "Sổ theo dõi hồ sơ"}


def kind_of(report: Report) -> ReportKind:
    if isinstance(report, DailyReport):
        return ReportKind.DAILY
    if isinstance(report, KpiReport):
        return ReportKind.KPI
    if isinstance(report, Register):
        return ReportKind.REGISTER
    raise TypeError(f"not a report: {type(report).__name__}")


def period_text(period: Period) -> str:
    """'Ngày 10/03/2026' for one day, else 'Từ ngày 01/03/2026 đến ngày 31/03/2026'."""
    if period.start == period.end:
        return f"Ngày {office_date(period.start)}"
    return f"Từ ngày {office_date(period.start)} đến ngày {office_date(period.end)}"


def unit_text(code: str | None, name: str) -> str:
    return name or code or ""


def row_label(row: ReportRow | KpiRow, *, many_units: bool) -> str:
    """'Tổng cộng', the unit's name, or 'Quầy 2' ('<unit> – quầy 2' when the report covers several units)."""
    if row.unit_code is None:
        return TOTAL
    unit = unit_text(row.unit_code, row.unit_name)
    if row.desk_slot is None:
        return unit
    return f"{unit} – quầy {row.desk_slot}" if many_units else f"Quầy {row.desk_slot}"


def level_of(row: ReportRow | KpiRow) -> str:
    """The CSV's 'Cấp' column: which kind of line a row is."""
    if row.unit_code is None:
        return TOTAL
    return "Đơn vị" if row.desk_slot is None else "Quầy"


def rate_text(rate: Decimal | None) -> str:
    """'93.75' (a dot, as JSON and CSV carry it) or '' when there is nothing to divide by."""
    return "" if rate is None else f"{rate:.2f}"


def rate_percent(rate: Decimal | None) -> str:
    """'93,75 %' for a person (Vietnamese decimal comma), '—' when there is nothing to divide by."""
    return NO_RATE if rate is None else f"{rate:.2f}".replace(".", ",") + " %"


def office_naive(instant: datetime | None) -> datetime | None:
    """The instant on the office clock without its zone: what a spreadsheet cell can hold."""
    return None if instant is None else to_office(instant).replace(tzinfo=None)

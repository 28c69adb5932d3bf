"""A report as an Excel workbook (openpyxl): what a supervisor forwards, sorts and sums.

Daily report: a «Thông tin» sheet (title, period, when made), a sheet per section of figures.py (rows =
figures, columns = each desk, each unit, «Tổng cộng»), «Chốt sổ» (the day closes) and «Theo ngày» (the
chart: received per day by channel). KPI: «Chỉ số» (a row per unit and indicator: numerator, denominator,
rate as a percentage), «Số liệu» (the raw counts, laid out like a daily section) and «Theo ngày». Register:
one sheet in the Mẫu 06 columns. Every sheet has its header in row 1, frozen; amounts '#,##0'; dates
'dd/mm/yyyy'. The book is written streaming (openpyxl's write-only mode): the largest register the server
allows (100,000 rows) took ~900 MB and 25 s as a whole workbook in memory. docs/report-exports.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet as Worksheet

from counter_app.reports.export_labels import (
    CHANNELS,
    KIND_NAMES,
    KIND_TITLES,
    NO_DOSSIERS,
    NO_RATE,
    TOTAL,
    UNIT_WORDS,
    Report,
    kind_of,
    office_naive,
    period_text,
    row_label,
)
from counter_app.reports.figures import DAILY_FIGURES, KPI_COUNTS, KPI_INDICATORS, FigureDef
from counter_app.reports.model import DailyReport, KpiReport, KpiRow, Register, ReportRow
from counter_app.storage.atomic_file import write_atomically

NUMBER = "#,##0"
DATE = "dd/mm/yyyy"
DATETIME = "dd/mm/yyyy hh:mm"
PERCENT = "0.00%"
BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")
HEAD_ALIGNMENT = Alignment(wrap_text=True, vertical="center", horizontal="center")

Cell = str | int | float | date | datetime | None

REGISTER_COLUMNS = (
    ("STT", 6), ("Mã hồ sơ", 26), ("Tên TTHC", 36), ("Số lượng hồ sơ (bộ)", 10), ("Tên cá nhân, tổ chức", 24),
    ("Địa chỉ, số điện thoại", 34), ("Cơ quan chủ trì giải quyết", 24), ("Nhận hồ sơ", 17),
    ("Hẹn trả kết quả", 17), ("Chuyển hồ sơ đến cơ quan giải quyết", 17),
    ("Nhận kết quả từ cơ quan giải quyết", 17), ("Trả kết quả cho cá nhân, tổ chức", 17), ("Ký nhận", 12),
    ("Ghi chú", 30), ("Quyển số", 10), ("Số thứ tự", 9),
)


def write_xlsx(report: Report, path: Path) -> Path:
    """Write the workbook to `path` (replaced whole or not at all) and answer the path."""
    book = Workbook(write_only=True)  # rows go out as they are appended; none is kept
    book.properties.title = f"{KIND_NAMES[kind_of(report)]} – {period_text(report.period)}"
    book.properties.creator = report.title or "counter-app"
    _info_sheet(book, report)
    if isinstance(report, DailyReport):
        _daily(book, report)
    elif isinstance(report, KpiReport):
        _kpi(book, report)
    else:
        _register(book, report)
    return write_atomically(path, book.save)


def _sheet(book: Workbook, title: str, head: Sequence[str], widths: Sequence[float]) -> Worksheet:
    sheet = book.create_sheet(title)
    for column, width in enumerate(widths, start=1):  # before any row: a streamed sheet writes them first
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = "A2"
    _append(sheet, head, (), HEAD_ALIGNMENT, BOLD)
    return sheet


def _append(sheet: Worksheet, values: Sequence[Cell], formats: Sequence[str | None],
            alignment: Alignment | None = None, font: Font | None = None) -> None:
    """One row, its cells formatted before they are placed (asking a sheet for its last row scans it whole)."""
    cells = []
    for index, value in enumerate(values):
        cell = WriteOnlyCell(sheet, value=_text(value) if isinstance(value, str) else value)
        if isinstance(value, str):
            cell.data_type = "s"  # a name typed as «=…» stays text, never a formula
        number_format = formats[index] if index < len(formats) else None
        if number_format:
            cell.number_format = number_format
        if alignment is not None:
            cell.alignment = alignment
        if font is not None:
            cell.font = font
        cells.append(cell)
    sheet.append(cells)


def _text(value: str) -> str:
    """Text from the counters (names, addresses, notes) without the control characters a workbook cannot hold."""
    return ILLEGAL_CHARACTERS_RE.sub("", value)


def _info_sheet(book: Workbook, report: Report) -> None:
    sheet = _sheet(book, "Thông tin", ("Mục", "Nội dung"), (22, 60))
    _append(sheet, ("Báo cáo", KIND_TITLES[kind_of(report)]), ())
    _append(sheet, ("Đơn vị", report.title), ())
    _append(sheet, ("Từ ngày", report.period.start), (None, DATE))
    _append(sheet, ("Đến ngày", report.period.end), (None, DATE))
    _append(sheet, ("Lập lúc", office_naive(report.generated_at)), (None, DATETIME))


# -- daily ---------------------------------------------------------------------------------------------

def _figure_table(book: Workbook, title: str, figures: Sequence[FigureDef], rows: Sequence[ReportRow | KpiRow],
                  value_of: dict[str, str], many_units: bool) -> None:
    """Rows = figures, columns = the report's rows (desks, units, total); `value_of` picks the dict of a row."""
    head = ["Chỉ tiêu", "Đơn vị tính", *(row_label(r, many_units=many_units) for r in rows)]
    sheet = _sheet(book, title, head, (42, 12, *[16] * len(rows)))
    for figure in figures:
        values = [getattr(r, value_of[figure.key]).get(figure.key, 0) for r in rows]
        _append(sheet, (figure.label, UNIT_WORDS[figure.unit], *values), (None, None, *[NUMBER] * len(rows)))


def _daily(book: Workbook, report: DailyReport) -> None:
    rows: list[ReportRow] = [*report.desks, *report.units, report.total]
    many = len(report.units) > 1
    sections = dict.fromkeys(f.section for f in DAILY_FIGURES)
    for section in sections:
        figures = [f for f in DAILY_FIGURES if f.section == section]
        _figure_table(book, section, figures, rows, dict.fromkeys((f.key for f in figures), "values"),
                      many)
    closes = _sheet(book, "Chốt sổ", ("Đơn vị", "Quầy", "Ngày", "Người khóa sổ", "Tiền mặt theo biên lai (đồng)",
                                       "Tiền mặt đếm được (đồng)", "Chênh lệch (đồng)", "Giải trình"),
                    (18, 7, 12, 24, 18, 18, 16, 40))
    for c in report.closes:
        _append(closes, (c.unit_code, c.desk_slot, c.day, c.clerk, c.expected_cash, c.counted_total, c.difference,
                         c.explanation), (None, None, DATE, None, NUMBER, NUMBER, NUMBER, None))
    per_day = _sheet(book, "Theo ngày", ("Ngày", *CHANNELS.values(), TOTAL), (12, 14, 14, 14, 14))
    for day, by in sorted(report.received_per_day.items()):
        counts = [by.get(channel, 0) for channel in CHANNELS]
        _append(per_day, (day, *counts, sum(counts)), (DATE, NUMBER, NUMBER, NUMBER, NUMBER))


# -- KPI -----------------------------------------------------------------------------------------------

def _fraction(rate: Decimal | None) -> float | str:
    """A percentage cell holds the fraction (0.9375 shows as 93,75 %); no rate is a dash, never 0 %."""
    return NO_RATE if rate is None else float(rate / 100)


def _kpi(book: Workbook, report: KpiReport) -> None:
    rows = [*report.units, report.total]
    many = len(report.units) > 1
    sheet = _sheet(book, "Chỉ số", ("Đơn vị", "Chỉ số", "Tử số", "Mẫu số", "Tỷ lệ"), (28, 44, 12, 12, 12))
    for row in rows:
        for figure in KPI_INDICATORS:
            found = row.indicators.get(figure.key)
            numerator, denominator = (found.numerator, found.denominator) if found else (0, 0)
            rate = found.rate if found else None
            _append(sheet, (row_label(row, many_units=many), figure.label, numerator, denominator, _fraction(rate)),
                    (None, None, NUMBER, NUMBER, PERCENT if rate is not None else None))
    _figure_table(book, "Số liệu", KPI_COUNTS, rows, {f.key: "counts" for f in KPI_COUNTS}, many)
    per_day = _sheet(book, "Theo ngày", ("Ngày", "Trước hạn và đúng hạn", "Đã giải quyết", "Tỷ lệ"), (12, 18, 16, 12))
    for day, indicator in sorted(report.on_time_per_day.items()):
        rate = indicator.rate
        _append(per_day, (day, indicator.numerator, indicator.denominator, _fraction(rate)),
                (DATE, NUMBER, NUMBER, PERCENT if rate is not None else None))


# -- register ------------------------------------------------------------------------------------------

def _register(book: Workbook, report: Register) -> None:
    head = [name for name, _ in REGISTER_COLUMNS]
    sheet = _sheet(book, "Sổ theo dõi hồ sơ", head, [width for _, width in REGISTER_COLUMNS])
    formats = (None, None, None, NUMBER, None, None, None, *[DATETIME] * 5, None, None, None, None)
    for r in report.rows:
        address = ", ".join(part for part in (r.applicant_address, r.applicant_phone) if part)
        _append(sheet, (r.number, r.code, r.procedure_name, r.sets_count, r.applicant_name, address, r.agency,
                        office_naive(r.received_at), office_naive(r.due_at), office_naive(r.sent_to_agency_at),
                        office_naive(r.result_from_agency_at), office_naive(r.returned_at), None, r.note,
                        r.register_book, r.register_number), formats, WRAP)
    if not report.rows:  # said in the sheet, not left for the reader to wonder about
        _append(sheet, (None, NO_DOSSIERS), ())

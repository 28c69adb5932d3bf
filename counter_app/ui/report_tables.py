"""The reports screen's tables: the figures of a report, the dossiers behind one figure, and the register.

Each report becomes plain `FigureLine`s first (`daily_lines`, `kpi_lines`: no Qt), with the words of
`reports.figures` (one home for them) and amounts written by `domain.money.format_dong`; the tables
only show them. A line's `key` is what Enter opens (services.reports.dossiers_behind); a line that opens
nothing (a section's heading, the day's closes, a rate) has `opens` False.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem, QWidget

from counter_app.domain.formats import column_datetime, office_date
from counter_app.domain.lifecycle import Status
from counter_app.domain.money import format_dong
from counter_app.reports.figures import DAILY_FIGURES, FIGURES_BY_KEY, KPI_COUNTS, KPI_INDICATORS, FigureDef
from counter_app.reports.model import DailyReport, DossierLine, Indicator, KpiReport, RegisterRow
from counter_app.ui.report_chart import rate_text

KEY_ROLE = Qt.ItemDataRole.UserRole  # a figure's key, or a dossier's code
OPENS_TEXT = "Enter: xem hồ sơ"


@dataclass(frozen=True)
class FigureLine:
    label: str
    value: str
    key: str | None = None  # None: a section's heading
    opens: bool = False  # Enter lists the dossiers behind it


def value_text(figure: FigureDef, value: int) -> str:
    return format_dong(value) if figure.unit == "vnd" else f"{value:,}".replace(",", ".")


def _with_headings(figures: tuple[FigureDef, ...], line_of) -> list[FigureLine]:
    lines: list[FigureLine] = []
    section = None
    for figure in figures:
        if figure.section != section:
            section = figure.section
            lines.append(FigureLine(section, ""))
        lines.append(line_of(figure))
    return lines


def daily_lines(report: DailyReport) -> list[FigureLine]:
    """The report's total (the counter's desk, or every desk in scope), figure by figure, by section."""
    values = report.total.values
    return _with_headings(DAILY_FIGURES, lambda f: FigureLine(f.label, value_text(f, values.get(f.key, 0)), f.key,
                                                              f.lists_dossiers))


def indicator_text(indicator: Indicator) -> str:
    """«93,75 % (15/16)»; «— (chưa có hồ sơ)» when nothing was there to rate."""
    if indicator.rate is None:
        return f"{rate_text(None)} (chưa có số liệu)"
    return f"{rate_text(indicator.rate)} ({indicator.numerator}/{indicator.denominator})"


def kpi_lines(report: KpiReport) -> list[FigureLine]:
    """The indicators (rates open nothing), then the counts behind them; a count opens its dossiers when
    the daily report has the same figure (same key, same rule)."""
    total = report.total
    lines = [FigureLine("Chỉ số QĐ 766", "")]
    for figure in KPI_INDICATORS:
        indicator = total.indicators.get(figure.key)
        lines.append(FigureLine(figure.label, indicator_text(indicator) if indicator else rate_text(None), figure.key))

    def count_line(figure: FigureDef) -> FigureLine:
        daily = FIGURES_BY_KEY.get(figure.key)
        opens = daily is not None and daily.lists_dossiers
        return FigureLine(figure.label, value_text(figure, total.counts.get(figure.key, 0)), figure.key, opens)

    return lines + _with_headings(KPI_COUNTS, count_line)


def _setup(table: QTableWidget, columns: tuple[str, ...], stretch: int) -> None:
    table.setColumnCount(len(columns))
    table.setHorizontalHeaderLabels(list(columns))
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setTabKeyNavigation(False)
    table.setWordWrap(False)
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(24)
    header = table.horizontalHeader()
    header.setHighlightSections(False)
    for column in range(len(columns)):
        mode = QHeaderView.ResizeMode.Stretch if column == stretch else QHeaderView.ResizeMode.ResizeToContents
        header.setSectionResizeMode(column, mode)


def _item(text: str, key: str | None = None, *, bold: bool = False, right: bool = False) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setData(KEY_ROLE, key)
    if bold:
        font = QFont()
        font.setBold(True)
        item.setFont(font)
    if right:
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


class KeyedTable(QTableWidget):
    """A read-only table whose rows carry a key (a figure's, a dossier's code) in their first cell."""

    def key_at(self, row: int) -> str | None:
        item = self.item(row, 0)
        return item.data(KEY_ROLE) if item is not None else None

    def current_key(self) -> str | None:
        row = self.currentRow()
        return self.key_at(row) if row >= 0 else None

    def keys(self) -> list[str | None]:
        return [self.key_at(row) for row in range(self.rowCount())]

    def select_first_key(self) -> None:
        for row in range(self.rowCount()):
            if self.key_at(row) is not None:
                self.selectRow(row)
                return


class FigureTable(KeyedTable):
    """Label and value per figure; a figure that opens its dossiers says so («Enter»)."""

    COLUMNS = ("Chỉ tiêu", "Số liệu", "")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        _setup(self, self.COLUMNS, 0)
        header = self.horizontalHeader()
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(2, self.fontMetrics().horizontalAdvance(OPENS_TEXT) + 16)
        self.lines: list[FigureLine] = []

    def set_lines(self, lines: list[FigureLine]) -> None:
        self.lines = lines
        self.setRowCount(len(lines))
        for row, line in enumerate(lines):
            heading = line.key is None
            self.setItem(row, 0, _item(line.label, line.key, bold=heading))
            self.setItem(row, 1, _item(line.value, right=True))
            self.setItem(row, 2, _item(OPENS_TEXT if line.opens else ""))
        self.select_first_key()

    def line_of(self, key: str) -> FigureLine | None:
        return next((line for line in self.lines if line.key == key), None)

    def value_of(self, key: str) -> str | None:
        line = self.line_of(key)
        return line.value if line else None


class DossierLineTable(KeyedTable):
    """The dossiers behind one figure; Enter opens the selected one."""

    COLUMNS = ("Mã hồ sơ", "Chủ hồ sơ", "Thủ tục", "Tiếp nhận", "Hẹn trả", "Trạng thái", "Chi tiết")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        _setup(self, self.COLUMNS, 2)

    def set_dossiers(self, lines: list[DossierLine]) -> None:
        self.setRowCount(len(lines))
        for row, line in enumerate(lines):
            status = Status(line.status).label if line.status in Status._value2member_map_ else str(line.status)
            cells = [line.code, line.applicant_name, line.procedure_name, column_datetime(line.received_at),
                     column_datetime(line.due_at), status, line.detail]
            for column, text in enumerate(cells):
                self.setItem(row, column, _item(text, line.code if column == 0 else None))
        if lines:
            self.selectRow(0)


def _moment(value) -> str:
    return column_datetime(value) if value is not None else ""


class RegisterTable(KeyedTable):
    """Sổ theo dõi hồ sơ (Mẫu 06) on screen: the main columns; the PDF export prints them all."""

    COLUMNS = ("STT", "Mã hồ sơ", "Tên thủ tục", "Tổ chức, cá nhân", "Nhận hồ sơ", "Hẹn trả", "Chuyển cơ quan",
               "Nhận kết quả", "Trả kết quả", "Quyển số / Số thứ tự", "Ghi chú")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        _setup(self, self.COLUMNS, 2)

    def set_rows(self, rows: list[RegisterRow]) -> None:
        self.setRowCount(len(rows))
        for n, row in enumerate(rows):
            book = f"{row.register_book or ''} / {row.register_number}" if row.register_number is not None else ""
            cells = [str(row.number), row.code, row.procedure_name, row.applicant_name, _moment(row.received_at),
                     office_date(row.due_at), _moment(row.sent_to_agency_at), _moment(row.result_from_agency_at),
                     _moment(row.returned_at), book, row.note]
            for column, text in enumerate(cells):
                self.setItem(n, column, _item(text, row.code if column == 0 else None))
        if rows:
            self.selectRow(0)

"""The reports screen's tables: the figures of a report, the dossiers behind one figure, and the register.

Each report becomes plain `FigureLine`s first (`daily_lines`, `kpi_lines`: no Qt), with the words of
`reports.figures` (one home for them) and amounts written by `domain.money.format_dong`; the tables
only show them. A line's `key` is what Enter opens (services.reports.dossiers_behind); a line that opens
nothing (a section's heading, the day's closes, a rate) has `opens` False.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from counter_app.domain.formats import column_datetime, office_date
from counter_app.domain.lifecycle import Status
from counter_app.domain.money import format_dong, format_vnd
from counter_app.reports.export_labels import rate_percent, row_label
from counter_app.reports.figures import DAILY_FIGURES, FIGURES_BY_KEY, KPI_COUNTS, KPI_INDICATORS, FigureDef
from counter_app.reports.model import DailyReport, DossierLine, Indicator, KpiReport, RegisterRow

KEY_ROLE = Qt.ItemDataRole.UserRole  # a figure's key, or a dossier's code
OPENS_TEXT = "Enter: xem hồ sơ"
_Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class FigureLine:
    label: str
    value: str
    key: str | None = None  # None: a section's heading
    opens: bool = False  # Enter lists the dossiers behind it
    desk_values: tuple[str, ...] = ()  # one per desk, after the total, when the report has several desks


def count_text(value: int) -> str:
    """«1.234»: a count with the dots of amounts (domain/money.format_vnd), without «đồng»."""
    return format_vnd(value)


def value_text(figure: FigureDef, value: int) -> str:
    return format_dong(value) if figure.unit == "vnd" else count_text(value)


def _with_headings(figures: tuple[FigureDef, ...], line_of) -> list[FigureLine]:
    lines: list[FigureLine] = []
    section = None
    for figure in figures:
        if figure.section != section:
            section = figure.section
            lines.append(FigureLine(section, ""))
        lines.append(line_of(figure))
    return lines


def desk_titles(report: DailyReport) -> tuple[str, ...]:
    """«Quầy 1», «Quầy 2» … when the report has several desks (one unit); «unit – quầy n» across units."""
    if len(report.desks) < 2:
        return ()
    several_units = len({row.unit_code for row in report.desks}) > 1
    return tuple(row_label(row, many_units=several_units) for row in report.desks)  # the exports' words


def daily_lines(report: DailyReport) -> list[FigureLine]:
    """The report's total, figure by figure, by section; with each desk's value too when it has several
    (`desk_titles`)."""
    values = report.total.values
    desks = report.desks if desk_titles(report) else []

    def line(f: FigureDef) -> FigureLine:
        per_desk = tuple(value_text(f, desk.values.get(f.key, 0)) for desk in desks)
        return FigureLine(f.label, value_text(f, values.get(f.key, 0)), f.key, f.lists_dossiers, per_desk)

    return _with_headings(DAILY_FIGURES, line)


def indicator_text(indicator: Indicator) -> str:
    """«93,75 % (15/16)»; «— (chưa có hồ sơ)» when nothing was there to rate."""
    if indicator.rate is None:
        return QCoreApplication.translate("report_tables", "{rate_percent} (chưa có số liệu)").format(rate_percent=rate_percent(None))
    return f"{rate_percent(indicator.rate)} ({count_text(indicator.numerator)}/{count_text(indicator.denominator)})"


def kpi_lines(report: KpiReport) -> list[FigureLine]:
    """The indicators (rates open nothing), then the counts behind them; a count opens its dossiers when
    the daily report has the same figure (same key, same rule)."""
    total = report.total
    lines = [FigureLine(QCoreApplication.translate("report_tables", "Chỉ số QĐ 766"), "")]
    for figure in KPI_INDICATORS:
        indicator = total.indicators.get(figure.key)
        lines.append(FigureLine(figure.label, indicator_text(indicator) if indicator else rate_percent(None), figure.key))

    def count_line(figure: FigureDef) -> FigureLine:
        daily = FIGURES_BY_KEY.get(figure.key)
        opens = daily is not None and daily.lists_dossiers
        return FigureLine(figure.label, value_text(figure, total.counts.get(figure.key, 0)), figure.key, opens)

    return lines + _with_headings(KPI_COUNTS, count_line)


class RowsModel(QAbstractTableModel):
    """Read-only rows of any objects, each drawn by `cells(obj)` when Qt asks (a long register costs
    nothing until it scrolls into view); row `n`'s key (a figure's, a dossier's code) is `keys[n]`."""

    def __init__(self, columns: tuple[str, ...], cells: Callable[[Any], tuple[str, ...]],
                 parent: QObject | None = None, *, right: tuple[int, ...] = ()) -> None:
        super().__init__(parent)
        self.columns = columns
        self.cells = cells
        self.right = right
        self.objects: list[Any] = []
        self.keys: list[str | None] = []
        self._drawn: dict[int, tuple[str, ...]] = {}

    def set_rows(self, objects: list[Any], keys: list[str | None], *, columns: tuple[str, ...] | None = None,
                 right: tuple[int, ...] | None = None) -> None:
        self.beginResetModel()
        self.objects, self.keys, self._drawn = list(objects), list(keys), {}
        self.columns = self.columns if columns is None else columns
        self.right = self.right if right is None else right
        self.endResetModel()

    def texts(self, row: int) -> tuple[str, ...]:
        if row not in self._drawn:
            self._drawn[row] = self.cells(self.objects[row])
        return self._drawn[row]

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's own signature
        return 0 if parent.isValid() else len(self.objects)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's own signature
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.columns[section] if 0 <= section < len(self.columns) else None
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.objects):
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            texts = self.texts(index.row())
            return texts[index.column()] if index.column() < len(texts) else ""  # a heading: its words only
        if role == KEY_ROLE:
            return self.keys[index.row()]
        if role == Qt.ItemDataRole.FontRole and self.keys[index.row()] is None:
            font = QFont()  # a section's heading
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() in self.right:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class KeyedTable(QTableView):
    """A read-only table of a `RowsModel`; widths come from `samples` (the widest text of each column, the
    `stretch` column takes the rest), measured once: never every cell of a long list."""

    def __init__(self, columns: tuple[str, ...], cells: Callable[[Any], tuple[str, ...]], samples: tuple[str, ...],
                 stretch: int, parent: QWidget | None = None, *, right: tuple[int, ...] = ()) -> None:
        super().__init__(parent)
        self.rows = RowsModel(columns, cells, self, right=right)
        self.setModel(self.rows)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.setTabKeyNavigation(False)
        self.setWordWrap(False)
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setDefaultSectionSize(24)
        self.horizontalHeader().setHighlightSections(False)
        self.size_columns(samples, stretch)

    def size_columns(self, samples: tuple[str, ...], stretch: int) -> None:
        header = self.horizontalHeader()
        metrics = self.fontMetrics()
        for column, (title, sample) in enumerate(zip(self.rows.columns, samples, strict=True)):
            if column == stretch:
                header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
                continue
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(column, max(metrics.horizontalAdvance(title), metrics.horizontalAdvance(sample)) + 16)

    def rowCount(self) -> int:
        return self.rows.rowCount()

    def key_at(self, row: int) -> str | None:
        return self.rows.keys[row] if 0 <= row < len(self.rows.keys) else None

    def current_key(self) -> str | None:
        index = self.currentIndex()
        return self.key_at(index.row()) if index.isValid() else None

    def keys(self) -> list[str | None]:
        return list(self.rows.keys)

    def select_first_key(self) -> None:
        for row, key in enumerate(self.rows.keys):
            if key is not None:
                self.selectRow(row)
                return


def _figure_cells(line: FigureLine) -> tuple[str, ...]:
    return (line.label, line.value, *line.desk_values, OPENS_TEXT if line.opens else "")


class FigureTable(KeyedTable):
    """Label and value per figure (the total, then a column per desk when there are several); a figure that
    opens its dossiers says so («Enter»)."""

    COLUMNS = ("Chỉ tiêu", "Số liệu", "")
    NO_STRETCH = -1  # the last column (Enter) takes what is left; the others fit their contents

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(self.COLUMNS, _figure_cells, ("", "", ""), self.NO_STRETCH, parent, right=(1,))
        self.horizontalHeader().setStretchLastSection(True)
        self.lines: list[FigureLine] = []

    def set_lines(self, lines: list[FigureLine], desks: tuple[str, ...] = ()) -> None:
        """`desks`: the titles of the desk columns (`desk_titles`), none for a report of one desk."""
        self.lines = lines
        columns = (self.tr("Chỉ tiêu"), self.tr("Tổng cộng") if desks else self.tr("Số liệu"), *desks, "")  # the total always in sight
        values = tuple(range(1, len(desks) + 2))
        self.rows.set_rows(lines, [line.key for line in lines], columns=columns, right=values)
        self.resizeColumnsToContents()  # a few dozen short rows: measuring them is cheap, and no value is cut
        self.select_first_key()

    def line_of(self, key: str) -> FigureLine | None:
        return next((line for line in self.lines if line.key == key), None)

    def value_of(self, key: str) -> str | None:
        line = self.line_of(key)
        return line.value if line else None


def _status_text(status: int) -> str:
    return Status(status).label if status in Status._value2member_map_ else str(status)


def _dossier_cells(line: DossierLine) -> tuple[str, ...]:
    return (line.code, line.applicant_name, line.procedure_name, column_datetime(line.received_at),
            column_datetime(line.due_at), _status_text(line.status), line.detail)


CODE_SAMPLE = "000.00.00.H00-000000-0000"
MOMENT_SAMPLE = "00/00/0000 00:00"
NAME_SAMPLE = "Nguyễn Thị Hồng Nhung"
PROCEDURE_SAMPLE = "Đăng ký khai sinh có yếu tố nước ngoài"


class DossierLineTable(KeyedTable):
    """The dossiers behind one figure; Enter opens the selected one."""

    COLUMNS = ("Mã hồ sơ", "Chủ hồ sơ", "Thủ tục", "Tiếp nhận", "Hẹn trả", "Trạng thái", "Chi tiết")

    def __init__(self, parent: QWidget | None = None) -> None:
        samples = (CODE_SAMPLE, NAME_SAMPLE, PROCEDURE_SAMPLE, MOMENT_SAMPLE, MOMENT_SAMPLE,
                   self.tr("Yêu cầu bổ sung giấy tờ"), "")
        super().__init__(self.COLUMNS, _dossier_cells, samples, len(self.COLUMNS) - 1, parent)

    def set_dossiers(self, lines: list[DossierLine]) -> None:
        self.rows.set_rows(lines, [line.code for line in lines])
        if lines:
            self.selectRow(0)


def _moment(value: datetime | None) -> str:
    return column_datetime(value) if value is not None else ""


def _register_cells(row: RegisterRow) -> tuple[str, ...]:
    book = f"{row.register_book or ''} / {row.register_number}" if row.register_number is not None else ""
    return (str(row.number), row.code, row.procedure_name, row.applicant_name, _moment(row.received_at),
            office_date(row.due_at), _moment(row.sent_to_agency_at), _moment(row.result_from_agency_at),
            _moment(row.returned_at), book, row.note)


class RegisterTable(KeyedTable):
    """Sổ theo dõi hồ sơ (Mẫu 06) on screen: the main columns; the PDF export prints them all."""

    COLUMNS = ("STT", "Mã hồ sơ", "Tên thủ tục", "Tổ chức, cá nhân", "Nhận hồ sơ", "Hẹn trả", "Chuyển cơ quan",
               "Nhận kết quả", "Trả kết quả", "Quyển số / Số thứ tự", "Ghi chú")

    def __init__(self, parent: QWidget | None = None) -> None:
        samples = ("00000", CODE_SAMPLE, PROCEDURE_SAMPLE, NAME_SAMPLE, MOMENT_SAMPLE, "00/00/0000", MOMENT_SAMPLE,
                   MOMENT_SAMPLE, MOMENT_SAMPLE, "01/2026 / 0000", "")
        super().__init__(self.COLUMNS, _register_cells, samples, len(self.COLUMNS) - 1, parent, right=(0,))

    def set_rows(self, rows: list[RegisterRow]) -> None:
        self.rows.set_rows(rows, [row.code for row in rows])
        if rows:
            self.selectRow(0)

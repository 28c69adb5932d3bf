"""The table model behind every list of dossiers (search results now, day lists later).

It only formats: dates in office time as dd/mm/yyyy HH:MM, and "Quá hạn" in red for open dossiers past
their due time. Whether a dossier is overdue is the domain's call (`Dossier.is_overdue`), made once per
refresh against one `now`, so a whole list agrees on what "late" means.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

from counter_app.domain.dossier import Dossier
from counter_app.domain.formats import column_datetime, office_date
from counter_app.services.clock import utc_now
from counter_app.ui import palette

COLUMNS = [QT_TRANSLATE_NOOP("dossier_table", "Mã hồ sơ"), QT_TRANSLATE_NOOP("dossier_table", "Chủ hồ sơ"), QT_TRANSLATE_NOOP("dossier_table", "Số giấy tờ"), QT_TRANSLATE_NOOP("dossier_table", "Điện thoại"), QT_TRANSLATE_NOOP("dossier_table", "Thủ tục"), QT_TRANSLATE_NOOP("dossier_table", "Trạng thái"), QT_TRANSLATE_NOOP("dossier_table", "Tiếp nhận"), QT_TRANSLATE_NOOP("dossier_table", "Hẹn trả")]
CODE, APPLICANT, ID_NUMBER, PHONE, PROCEDURE, STATUS, RECEIVED, DUE = range(len(COLUMNS))
OVERDUE_TEXT = QT_TRANSLATE_NOOP("dossier_table", "Quá hạn")
OVERDUE_COLOR = QColor(palette.ERROR)  # overdue is an error: the same red
CODE_ROLE = Qt.ItemDataRole.UserRole
OVERDUE_ROLE = Qt.ItemDataRole.UserRole + 1

_Index = QModelIndex | QPersistentModelIndex


class DossierTableModel(QAbstractTableModel):
    """Read-only rows of `Dossier`; the row's code is under `CODE_ROLE` for whoever opens it."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._dossiers: list[Dossier] = []
        self._overdue: list[bool] = []

    # -- contents ---------------------------------------------------------------------------------

    def set_dossiers(self, dossiers: Sequence[Dossier], now: datetime | None = None) -> None:
        """Replace every row at once (one reset is cheaper than many inserts for a result list)."""
        now = now or utc_now()
        self.beginResetModel()
        self._dossiers = list(dossiers)
        self._overdue = [d.is_overdue(now) for d in self._dossiers]
        self.endResetModel()

    def clear(self) -> None:
        self.set_dossiers([])

    def dossier_at(self, row: int) -> Dossier:
        return self._dossiers[row]

    def code_at(self, row: int) -> str:
        return self._dossiers[row].code

    def is_overdue(self, row: int) -> bool:
        return self._overdue[row]

    def codes(self) -> list[str]:
        return [d.code for d in self._dossiers]

    # -- Qt model API -----------------------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's own signature
        return 0 if parent.isValid() else len(self._dossiers)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's own signature
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return QCoreApplication.translate("dossier_table", COLUMNS[section]) if 0 <= section < len(COLUMNS) else None
        return str(section + 1)

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._dossiers):
            return None
        dossier = self._dossiers[index.row()]
        overdue = self._overdue[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == RECEIVED:  # the day is what matters in a list; the time is in the tooltip
                return office_date(dossier.received_at)
            return self._text(dossier, column, overdue)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._text(dossier, column, overdue)
        if role == CODE_ROLE:
            return dossier.code
        if role == OVERDUE_ROLE:
            return overdue
        if overdue and column in (STATUS, DUE):
            if role == Qt.ItemDataRole.ForegroundRole:
                return QBrush(OVERDUE_COLOR)
            if role == Qt.ItemDataRole.FontRole:
                font = QFont()
                font.setBold(True)
                return font
        return None

    @staticmethod
    def _text(dossier: Dossier, column: int, overdue: bool) -> str:
        if column == CODE:
            return dossier.code
        if column == APPLICANT:
            return dossier.applicant.full_name
        if column == ID_NUMBER:
            return dossier.applicant.id_number
        if column == PHONE:
            return dossier.applicant.phone
        if column == PROCEDURE:
            return dossier.procedure_name
        if column == STATUS:
            return f"{QCoreApplication.translate('dossier_table', OVERDUE_TEXT)} · {dossier.status.label}" if overdue else dossier.status.label
        if column == RECEIVED:
            return column_datetime(dossier.received_at)
        if column == DUE:
            return column_datetime(dossier.due_at)
        return ""


# The widest text each column holds (the procedure's name stretches instead).
_COLUMN_SAMPLES = {
    CODE: "000.00.00.H00-000000-0000",
    APPLICANT: "Nguyễn Thị Hồng Nhung",
    ID_NUMBER: "000000000000",
    PHONE: "00000000000",
    STATUS: "Quá hạn · Đang xử lý",
    RECEIVED: "00/00/0000",
    DUE: "00/00/0000 00:00 ",  # bold when overdue: a little wider
}


def setup_dossier_table(table: QTableView) -> None:
    """The look every list of dossiers shares (search, worklists): whole rows, read-only, the dossier code
    always whole. Widths come from the font and the fixed shape of each column's text, once:
    ResizeToContents would measure every cell of every list again, a visible stall while the clerk types."""
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    table.setTabKeyNavigation(False)
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(24)
    header = table.horizontalHeader()
    header.setHighlightSections(False)
    metrics = table.fontMetrics()
    for column in range(len(COLUMNS)):
        if column == PROCEDURE:
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
            continue
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
        text = max(_COLUMN_SAMPLES[column], QCoreApplication.translate("dossier_table", COLUMNS[column]), key=metrics.horizontalAdvance)
        header.resizeSection(column, metrics.horizontalAdvance(text) + 16)

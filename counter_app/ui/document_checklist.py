"""The papers checklist (thành phần hồ sơ) of the intake form: one row per paper, counts typed as digits.

The catalog says which papers a procedure needs and how many of each; the clerk corrects the counts
to what the citizen actually handed in, from the keyboard (a digit replaces the count, arrows move,
Tab leaves the table). Kept apart from the intake screen because the table and its editor are
self-contained Qt item-view code.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QSpinBox,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from counter_app.domain.dossier import DocumentLine


class CountDelegate(QStyledItemDelegate):
    """Counts of copies edited in a 0–99 spin box whose text is selected, so a typed digit replaces it."""

    def createEditor(
        self, parent: QWidget, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QWidget:
        editor = QSpinBox(parent)
        editor.setRange(0, 99)
        editor.setFrame(False)
        return editor

    def setEditorData(self, editor: QWidget, index: QModelIndex | QPersistentModelIndex) -> None:
        assert isinstance(editor, QSpinBox)
        editor.setValue(int(index.data(Qt.ItemDataRole.EditRole) or 0))
        editor.selectAll()

    def setModelData(self, editor: QWidget, model, index: QModelIndex | QPersistentModelIndex) -> None:
        assert isinstance(editor, QSpinBox)
        editor.interpretText()
        model.setData(index, editor.value(), Qt.ItemDataRole.EditRole)


class DocumentTable(QTableWidget):
    """The papers checklist: name (fixed), originals, certified copies, photocopies (typed digits)."""

    HEADERS = ("Tên giấy tờ", "Bản chính", "Bản sao chứng thực", "Bản photo")

    def __init__(self) -> None:
        super().__init__(0, len(self.HEADERS))
        self.setObjectName("documents")
        self.setAccessibleName("Thành phần hồ sơ")
        self.setHorizontalHeaderLabels(list(self.HEADERS))
        header = self.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.verticalHeader().setDefaultSectionSize(24)
        self.setWordWrap(False)
        self.setTabKeyNavigation(False)  # Tab leaves the table; arrows move inside it
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(
            QAbstractItemView.EditTrigger.AnyKeyPressed
            | QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.SelectedClicked
        )
        self.setItemDelegateForColumn(1, CountDelegate(self))
        self.setItemDelegateForColumn(2, CountDelegate(self))
        self.setItemDelegateForColumn(3, CountDelegate(self))

    def set_lines(self, lines: Iterable[DocumentLine]) -> None:
        self.setRowCount(0)
        for row, line in enumerate(lines):
            self.insertRow(row)
            name = QTableWidgetItem(line.name)
            name.setFlags(name.flags() & ~Qt.ItemFlag.ItemIsEditable)
            name.setToolTip(line.name)
            self.setItem(row, 0, name)
            for column, count in enumerate((line.originals, line.certified_copies, line.photocopies), start=1):
                item = QTableWidgetItem()
                item.setData(Qt.ItemDataRole.EditRole, count)
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.setItem(row, column, item)
        if self.rowCount():
            self.setCurrentCell(0, 1)

    def lines(self) -> list[DocumentLine]:
        result = []
        for row in range(self.rowCount()):
            name_item = self.item(row, 0)
            counts = []
            for column in (1, 2, 3):
                item = self.item(row, column)
                counts.append(int(item.data(Qt.ItemDataRole.EditRole) or 0) if item else 0)
            result.append(DocumentLine(name_item.text() if name_item else "", *counts))
        return result

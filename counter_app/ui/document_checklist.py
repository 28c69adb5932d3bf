"""The papers checklist (thành phần hồ sơ) of the intake form: one row per paper, counts typed as digits.

The catalog says which papers a procedure lists, how many of each and their kind; the form starts with
the required papers at their count and the others at 0 (domain.papers). The clerk corrects the counts
to what the citizen actually handed in, from the keyboard: a digit replaces the count, + and − step
it, arrows move (also right after typing: ↑/↓ commit the typed count and go to the next paper, they
never step the count), Tab leaves the table. Kept apart from the intake screen because the table and its editor are
self-contained Qt item-view code.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QHeaderView,
    QSpinBox,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from counter_app.domain import labels
from counter_app.domain.dossier import DocumentLine
from counter_app.domain.papers import MAX_COUNT

NAME_ROLE = Qt.ItemDataRole.UserRole  # the paper's own name; the cell shows its kind before it
_STEP_KEYS = {Qt.Key.Key_Plus: 1, Qt.Key.Key_Minus: -1}
_ROW_KEYS = {Qt.Key.Key_Up: -1, Qt.Key.Key_Down: 1}


class CountDelegate(QStyledItemDelegate):
    """Counts of copies edited in a 0–99 spin box whose text is selected, so a typed digit replaces it.

    The spin box's own ↑/↓ would step the count the clerk just typed: here they commit it and move to
    the paper above or below; + and − step the count instead.
    """

    def __init__(self, table: DocumentTable) -> None:
        super().__init__(table)
        self.table = table

    def eventFilter(self, editor: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent) and isinstance(editor, QSpinBox):
            key = Qt.Key(event.key())
            if key in _ROW_KEYS:
                self.commitData.emit(editor)
                self.closeEditor.emit(editor, QAbstractItemDelegate.EndEditHint.NoHint)
                self.table.move_row(_ROW_KEYS[key])
                return True
            if key in _STEP_KEYS:
                editor.interpretText()
                editor.setValue(editor.value() + _STEP_KEYS[key])
                editor.selectAll()
                return True
        return super().eventFilter(editor, event)

    def createEditor(
        self, parent: QWidget, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QWidget:
        editor = QSpinBox(parent)
        editor.setRange(0, MAX_COUNT)
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

    HEADERS = ("Tên giấy tờ", "Bản chính", "Bản sao\nchứng thực", "Bản photo")

    def __init__(self) -> None:
        super().__init__(0, len(self.HEADERS))
        self.setObjectName("documents")
        self.setAccessibleName(labels.DOCUMENTS)
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

    def move_row(self, step: int) -> None:
        """Go to the paper `step` rows away, same column (stays put at the first or last paper)."""
        row = min(max(self.currentRow() + step, 0), self.rowCount() - 1)
        self.setCurrentCell(row, self.currentColumn())

    def keyPressEvent(self, event: QKeyEvent) -> None:
        step = _STEP_KEYS.get(Qt.Key(event.key()))
        item = self.currentItem()
        if step is not None and item is not None and self.currentColumn() in (1, 2, 3):
            count = int(item.data(Qt.ItemDataRole.EditRole) or 0)
            item.setData(Qt.ItemDataRole.EditRole, min(max(count + step, 0), MAX_COUNT))
            return
        super().keyPressEvent(event)

    def set_lines(self, lines: Iterable[DocumentLine], notes: Iterable[str] = ()) -> None:
        """Show `lines`; `notes` (papers.kind_note, same order) open each paper's name, where a long name
        cut at the column's edge still shows them."""
        self.setRowCount(0)
        note_of = list(notes)
        for row, line in enumerate(lines):
            self.insertRow(row)
            note = note_of[row] if row < len(note_of) else ""
            shown = f"[{note}] {line.name}" if note else line.name
            name = QTableWidgetItem(shown)
            name.setData(NAME_ROLE, line.name)
            name.setFlags(name.flags() & ~Qt.ItemFlag.ItemIsEditable)
            name.setToolTip(shown)
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
            result.append(DocumentLine(name_item.data(NAME_ROLE) if name_item else "", *counts))
        return result

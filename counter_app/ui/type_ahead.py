"""A line edit with a suggestion list under it that never takes the focus (procedure, commune pickers).

The list is a child of the window, not a popup window: the keys stay in the line edit (Up/Down and
PageUp/PageDown move in the list, Enter chooses, Esc closes), so a scanner burst is always seen where
it lands. Subclasses fill the list (`show_rows`) when the text is edited and say what a chosen row means.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QFocusEvent, QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QLineEdit, QListWidget, QListWidgetItem, QWidget

VISIBLE_ROWS = 10  # at least 8 suggestions whole, with the note row above them, at 1366×768


class TypeAheadEdit(QLineEdit):
    """Subclasses implement `_on_edited` (fill the list), `_choose_data` and optionally `_open_list`."""

    def __init__(self, popup_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.popup = QListWidget()
        self.popup.setObjectName(popup_name)
        self.popup.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.popup.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.popup.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.popup.setWordWrap(True)
        self.popup.itemClicked.connect(self._choose_item)
        self.popup.hide()
        self.textEdited.connect(self._on_edited)

    # -- hooks -----------------------------------------------------------------------------------

    def _on_edited(self, text: str) -> None:
        raise NotImplementedError

    def _choose_data(self, data: object) -> None:
        raise NotImplementedError

    def _open_list(self) -> bool:
        """Down/PageDown while the list is closed: show it and return True, or False to ignore the key."""
        return False

    # -- list ------------------------------------------------------------------------------------

    def setText(self, text: str) -> None:
        """A programmatic change (e.g. the scanner restoring the field) closes the list."""
        super().setText(text)
        self.hide_popup()

    def show_rows(self, rows: Iterable[tuple[str, object, str]], note: str = "") -> None:
        """Show (text, data, tooltip) rows, after an unselectable `note` when there is one; row 0 current."""
        self.popup.clear()
        if note:
            item = QListWidgetItem(note)
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.popup.addItem(item)
        first = self.popup.count()
        for text, data, tooltip in rows:
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, data)
            item.setToolTip(tooltip)
            self.popup.addItem(item)
        if self.popup.count() > first:
            self.popup.setCurrentRow(first)
        self._place_popup()

    def _place_popup(self) -> None:
        host = self.window()
        if self.popup.parentWidget() is not host:
            self.popup.setParent(host)
            self.popup.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        origin = self.mapTo(host, QPoint(0, self.height()))
        width = max(self.width(), min(760, host.width() - origin.x() - 8))
        room = max(80, host.height() - origin.y() - 8)
        # The width first: wrapped rows are as tall as that width makes them, so measure them after it.
        self.popup.setGeometry(origin.x(), origin.y(), width, room)
        self.popup.show()  # a hidden view does not lay its rows out at the new width
        self.popup.doItemsLayout()
        rows = min(VISIBLE_ROWS, self.popup.count())
        minimum = self.fontMetrics().height() + 6
        wanted = sum(max(self.popup.visualItemRect(self.popup.item(row)).height(), minimum) for row in range(rows))
        height = min((wanted or minimum) + 2 * self.popup.frameWidth() + 2, room)
        self.popup.setGeometry(origin.x(), origin.y(), width, height)
        self.popup.raise_()

    def hide_popup(self) -> None:
        self.popup.hide()

    @property
    def popup_visible(self) -> bool:
        return self.popup.isVisible()

    def _choose_item(self, item: QListWidgetItem | None) -> None:
        data = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        if data is not None:
            self._choose_data(data)

    def _move(self, step: int) -> None:
        count = self.popup.count()
        if not count:
            return
        row = min(max(self.popup.currentRow() + step, 0), count - 1)
        self.popup.setCurrentRow(row)
        self.popup.scrollToItem(self.popup.currentItem())

    # -- keys ------------------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if self.popup_visible:
            steps = {
                Qt.Key.Key_Down: 1,
                Qt.Key.Key_Up: -1,
                Qt.Key.Key_PageDown: VISIBLE_ROWS,
                Qt.Key.Key_PageUp: -VISIBLE_ROWS,
            }
            if key in steps:
                self._move(steps[key])
                return
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self._choose_item(self.popup.currentItem())
                return
            if key == Qt.Key.Key_Escape:
                self.hide_popup()
                return
        elif key in (Qt.Key.Key_Down, Qt.Key.Key_PageDown) and self._open_list():
            return
        super().keyPressEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        self.hide_popup()
        super().focusOutEvent(event)

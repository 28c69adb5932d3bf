"""Small pieces the intake forms share: combo boxes that carry data, and the red message under a field.

The service reports problems by field name (ValidationError.field). `FieldErrors` knows which widget
and which label show each name, so the intake screen and its person form mark the faulty widget, show
the message under it and take the mark away as soon as the clerk edits it.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from counter_app.domain.errors import ValidationError
from counter_app.ui.palette import ERROR_STYLE, INVALID_FIELD_STYLE


def error_label(object_name: str) -> QLabel:
    """The red message label shown under a field (hidden until there is something to say)."""
    label = QLabel("")
    label.setObjectName(object_name)
    label.setStyleSheet(ERROR_STYLE)
    label.setWordWrap(True)
    label.hide()
    return label


def combo(items: Iterable[tuple[str, object]]) -> QComboBox:
    """A combo box of (text shown, data kept) items."""
    box = QComboBox()
    for text, data in items:
        box.addItem(text, data)
    return box


def select_data(box: QComboBox, data: object) -> None:
    """Choose the item carrying `data` (the first item when none does)."""
    index = box.findData(data)
    box.setCurrentIndex(max(index, 0))


def merge_by_field(errors: list[ValidationError]) -> dict[str, str]:
    """Field name -> its messages, one per line; the errors of single papers (documents[i]) go to the table."""
    merged: dict[str, str] = {}
    for error in errors:
        name = "documents" if error.field.startswith("documents[") else error.field
        merged[name] = f"{merged[name]}\n{error.message}" if name in merged else error.message
    return merged


class FieldErrors:
    """Field name (ValidationError.field) -> the widget to mark and focus, and the label under it."""

    def __init__(self) -> None:
        self._fields: dict[str, tuple[QWidget, QLabel]] = {}

    def wrap(self, widget: QWidget, *fields: str) -> QWidget:
        """`widget` with a small red label under it that shows the messages of `fields`."""
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(1)
        layout.addWidget(widget)
        label = error_label(f"error_{fields[0]}")
        layout.addWidget(label)
        for name in fields:
            self._fields[name] = (widget, label)
        return box

    def pair(self, first: QWidget, second: QWidget, fields: tuple[str, ...], caption: str = "") -> QWidget:
        """Two widgets on one row sharing an error label (type + number, date + gender)."""
        row = QWidget()
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(first)
        if caption:
            layout.addWidget(QLabel(caption))
        layout.addWidget(second, 1)
        box = self.wrap(row, *fields)
        for name, widget in zip(fields, (first, second), strict=False):
            self._fields[name] = (widget, self._fields[name][1])
        return box

    def field_of(self, widget: QWidget) -> str | None:
        return next((name for name, (w, _) in self._fields.items() if w is widget), None)

    def text(self, name: str) -> str:
        """The message shown under the field `name` ("" when none)."""
        widget_label = self._fields.get(name)
        return widget_label[1].text() if widget_label and widget_label[1].isVisible() else ""

    def show(self, errors: dict[str, str]) -> tuple[QWidget | None, list[str]]:
        """Mark each field and show its messages; returns the first widget marked and the messages of
        names no field shows (for the screen's message line)."""
        labels: dict[QLabel, list[str]] = {}
        first: QWidget | None = None
        unplaced = []
        for name, message in errors.items():
            if name not in self._fields:
                unplaced.append(message)
                continue
            widget, label = self._fields[name]
            labels.setdefault(label, []).append(message)
            widget.setStyleSheet(INVALID_FIELD_STYLE)
            widget.setProperty("error_text", message)
            if first is None:
                first = widget
        for label, messages in labels.items():
            label.setText("\n".join(messages))
            label.show()
        return first, unplaced

    def clear_field(self, name: str) -> None:
        if name in self._fields:
            self.clear_widget(self._fields[name][0])

    def clear_widget(self, widget: QWidget) -> None:
        if not widget.property("error_text"):
            return
        widget.setProperty("error_text", "")
        widget.setStyleSheet("")
        label = next((lbl for w, lbl in self._fields.values() if w is widget), None)
        if label is None:
            return
        still = [w.property("error_text") for w, lbl in self._fields.values() if lbl is label]
        remaining = list(dict.fromkeys(text for text in still if text))
        label.setText("\n".join(remaining))
        label.setVisible(bool(remaining))

    def clear_all(self) -> None:
        for widget, label in self._fields.values():
            widget.setProperty("error_text", "")
            widget.setStyleSheet("")
            label.clear()
            label.hide()

"""The base of every screen in the main window's stack."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from counter_app.ui.context import UiContext


class Screen(QWidget):
    """A page of the main window. Subclasses set `title` and list their own shortcuts for the help panel.

    `open_dossier_requested` asks the main window to show a dossier (by code) from any screen.
    """

    title = ""
    open_dossier_requested = Signal(str)

    def __init__(self, context: UiContext) -> None:
        super().__init__()
        self.context = context

    def on_shown(self) -> None:
        """Called each time the screen becomes the current one: put the focus where work starts."""

    def shortcut_help(self) -> list[tuple[str, str]]:
        """(key, what it does) pairs shown in the help panel (F1)."""
        return []

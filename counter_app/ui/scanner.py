"""USB barcode / QR scanners in keyboard mode: recognise their bursts from any screen.

A scanner "types" what it reads much faster than a person, then presses Enter. An application-wide
event filter reads each key press's time; when Enter ends a burst whose characters arrived faster than a
person can type and whose text has the shape of a dossier code or of a chip ID card's QR payload, the
burst is taken away from the focused field (its text is restored to what it was before the burst)
and a signal is emitted instead. Anything else passes through untouched.

Key times come from the events themselves (the window system stamps every key when it happens), never
from when this filter gets to see them: a busy GUI thread delivers a scanner's keys late and bunched or
spread, and a burst measured by the wall clock at delivery would be lost under load. Events without a
stamp (made by software) are timed by an injected clock; a gap between the two kinds starts a new burst.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QLineEdit, QPlainTextEdit, QWidget

from counter_app.domain.codes import looks_like_dossier_code
from counter_app.domain.identity import looks_like_id_qr
from counter_app.domain.text import nfc

# Scanners send a key every 1-20 ms; fast typists stay above ~60 ms between keys.
MAX_GAP_SECONDS = 0.035
MIN_BURST_LENGTH = 8


class ScannerListener(QObject):
    """Install once on the QApplication; connect to its signals."""

    dossier_code_scanned = Signal(str)
    id_card_scanned = Signal(str)

    def __init__(self, parent: QObject | None = None, max_gap: float = MAX_GAP_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(parent)
        self._max_gap = max_gap
        self._clock = clock
        self._buffer: list[str] = []
        self._last: tuple[bool, float] = (False, float("-inf"))  # (stamped by the event, seconds)
        self._widget: QObject | None = None
        self._snapshot: str | None = None

    def install(self, app: QApplication) -> None:
        app.installEventFilter(self)

    def uninstall(self, app: QApplication) -> None:
        """When the window's event loop has ended (run_gui): no filter of a closed window stays on the app."""
        app.removeEventFilter(self)

    def _start_burst(self) -> None:
        self._buffer = []
        focus = QApplication.focusWidget()
        self._widget = focus
        if isinstance(focus, QLineEdit):
            self._snapshot = focus.text()
        elif isinstance(focus, QPlainTextEdit):
            self._snapshot = focus.toPlainText()
        else:
            self._snapshot = None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return False
        # The same event is offered once per object it travels through; count it once, at the widget.
        # Without a focus widget it goes to the QWindow and then to the window's widget: count the widget.
        focus = QApplication.focusWidget()
        at_widget = watched is focus if focus is not None else isinstance(watched, QWidget)
        if not at_widget:
            return False
        gap = self._gap(event)
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            text = nfc("".join(self._buffer))
            fast = gap <= self._max_gap and len(self._buffer) >= MIN_BURST_LENGTH
            self._buffer = []
            if fast and (looks_like_dossier_code(text) or looks_like_id_qr(text)):
                self._restore()
                if looks_like_dossier_code(text):
                    self.dossier_code_scanned.emit(text.upper())
                else:
                    self.id_card_scanned.emit(text)
                return True
            return False
        typed = event.text()
        if not typed or not typed.isprintable():
            return False
        if gap > self._max_gap or not self._buffer:
            self._start_burst()
        self._buffer.append(typed)
        return False

    def _gap(self, event: QKeyEvent) -> float:
        """Seconds since the previous key press, by the events' own stamps where they have them."""
        stamp = event.timestamp()
        now = (True, stamp / 1000) if stamp else (False, self._clock())
        previous, self._last = self._last, now
        return now[1] - previous[1] if now[0] == previous[0] else float("inf")

    def _restore(self) -> None:
        """Put the focused field back as it was before the scanner typed into it."""
        widget, snapshot = self._widget, self._snapshot
        if snapshot is None:
            return
        if isinstance(widget, QLineEdit):
            widget.setText(snapshot)
        elif isinstance(widget, QPlainTextEdit):
            widget.setPlainText(snapshot)

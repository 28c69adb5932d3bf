"""GUI test fixtures: real widgets offscreen on a real counter database."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget

from counter_app.services.unit_setup import load_profile
from counter_app.storage.database import Database
from counter_app.ui.context import UiContext
from counter_app.ui.scanner import ScannerListener
from counter_app.ui.settings import CounterSettings
from counter_app.ui.tasks import TaskRunner
from tests.conftest import open_counter


class KeyClock:
    """The time stamped on the key events tests send, in milliseconds.

    The scanner listener reads when a key was pressed from its event, as the window system stamps it;
    tests stamp theirs from this clock, so machine-speed bursts and human pauses are exactly what the
    test says, whatever the load on the machine.
    """

    def __init__(self) -> None:
        self.ms = 1_000_000

    def tick(self, ms: int) -> int:
        self.ms += ms
        return self.ms


KEYS = KeyClock()
SCANNER_KEY_MS = 5  # scanners send a key every 1-20 ms
HUMAN_PAUSE_MS = 1_000

INTAKE_WAIT_MS = 10_000


def key_event(kind: QEvent.Type, key: Qt.Key, modifier: Qt.KeyboardModifier, text: str, after_ms: int) -> QKeyEvent:
    event = QKeyEvent(kind, key, modifier, text)
    event.setTimestamp(KEYS.tick(after_ms if kind == QEvent.Type.KeyPress else 1))
    return event


def type_text(widget: QWidget, text: str, gap_ms: int = SCANNER_KEY_MS) -> None:
    """Type `text` key by key, `gap_ms` apart (machine speed by default), with events that carry the
    character (QTest.keyClicks aborts on non-ASCII)."""
    for char in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(widget, key_event(kind, Qt.Key.Key_unknown, Qt.KeyboardModifier.NoModifier, char,
                                                     gap_ms))


def press(widget: QWidget, key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier,
          gap_ms: int = SCANNER_KEY_MS) -> None:
    for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
        QApplication.sendEvent(widget, key_event(kind, key, modifier, "", gap_ms))


def pause(ms: int = HUMAN_PAUSE_MS) -> None:
    """The person's hand moving to the scanner: the next key is `ms` after the last one."""
    KEYS.tick(ms)


def make_context(db: Database, settings_dir: Path) -> UiContext:
    return UiContext(
        db=db,
        tasks=TaskRunner(),
        profile=load_profile(db),
        settings=CounterSettings.for_data_dir(settings_dir),
    )


@pytest.fixture
def ui_context(qapp, tmp_path: Path) -> Iterator[UiContext]:
    db = open_counter(tmp_path / "counter")
    context = make_context(db, tmp_path)
    yield context
    context.tasks.wait()
    db.close()


def open_dossier_dialog(qtbot, context: UiContext, code: str, timeout: int = 10_000):
    """The dossier dialog of `code`, shown, active and loaded, as the clerk sees it after a scan."""
    from counter_app.ui.dossier_view import DossierDialog

    dialog = DossierDialog(context, code)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: dialog.loaded, timeout=timeout)
    return dialog


def open_intake_screen(qtbot, context: UiContext):
    """The intake screen shown, active and with its procedure list loaded, as a clerk first sees it."""
    from counter_app.ui.intake_screen import IntakeScreen  # the screen is heavy: only its tests import it

    widget = IntakeScreen(context)
    qtbot.addWidget(widget)
    widget.resize(1176, 700)
    widget.show()
    qtbot.waitExposed(widget)
    widget.activateWindow()
    qtbot.waitUntil(widget.isActiveWindow, timeout=INTAKE_WAIT_MS)
    qtbot.waitUntil(lambda: widget.picker.is_loaded, timeout=INTAKE_WAIT_MS)
    return widget


@pytest.fixture
def scanner(qapp) -> Iterator[ScannerListener]:
    """The app's USB-scanner listener on the whole application, as the main window installs it."""
    listener = ScannerListener()
    listener.install(qapp)
    yield listener
    qapp.removeEventFilter(listener)


def scan(qtbot, widget: QWidget, payload: str) -> None:
    """What a keyboard-mode scanner does: the whole line at machine speed, then Enter.

    The pause first is the clerk's hand moving to the scanner: what was typed before it is not part
    of the burst (tests type at machine speed too).
    """
    pause()
    type_text(widget, payload)
    press(widget, Qt.Key.Key_Return)

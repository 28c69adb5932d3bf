"""GUI test fixtures: real widgets offscreen on a real counter database."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QSettings, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget

from counter_app.services.unit_setup import load_profile
from counter_app.storage.database import Database
from counter_app.ui.context import UiContext
from counter_app.ui.tasks import TaskRunner
from tests.conftest import open_counter


def type_text(widget: QWidget, text: str) -> None:
    """Type `text` key by key with events that carry the character (QTest.keyClicks aborts on non-ASCII)."""
    for char in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, Qt.Key.Key_unknown, Qt.KeyboardModifier.NoModifier, char))


def press(widget: QWidget, key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
        QApplication.sendEvent(widget, QKeyEvent(kind, key, modifier))


def make_context(db: Database, settings_dir: Path) -> UiContext:
    return UiContext(
        db=db,
        tasks=TaskRunner(),
        profile=load_profile(db),
        settings=QSettings(str(settings_dir / "settings.ini"), QSettings.Format.IniFormat),
    )


@pytest.fixture
def ui_context(qapp, tmp_path: Path) -> Iterator[UiContext]:
    db = open_counter(tmp_path / "counter")
    context = make_context(db, tmp_path)
    yield context
    context.tasks.wait()
    db.close()

"""Answering a dialog a test expects, without outliving the test.

A modal box runs its own event loop, so a test answers it from a timer that looks for it every few
milliseconds. A look-out left running after its test (the box it waited for never came) would answer the
next test's box instead: `when_shown` stops as soon as the test that asked for it has ended
(tests/conftest.py calls `end_of_test` after every test).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")
_test_number = [0]


def end_of_test() -> None:
    _test_number[0] += 1


def when_shown(find: Callable[[], T | None], act: Callable[[T], None], *, every_ms: int = 10) -> None:
    """Call `act(found)` once `find()` returns something, looking every `every_ms` while this test runs."""
    from PySide6.QtCore import QTimer

    asked_in = _test_number[0]

    def look() -> None:
        if _test_number[0] != asked_in:
            return  # its test is over: never touch another test's dialogs
        found = find()
        if found is None:
            QTimer.singleShot(every_ms, look)
            return
        act(found)

    QTimer.singleShot(0, look)


def active_message_box() -> object | None:
    """The visible modal QMessageBox, if one is up."""
    from PySide6.QtWidgets import QApplication, QMessageBox

    box = QApplication.activeModalWidget()
    return box if isinstance(box, QMessageBox) and box.isVisible() else None

"""The Qt binding the installer ships must not eat Python's None.

PySide6-Essentials 6.12.0 on Python 3.11 dropped one reference to None on every call of a Qt method that
returns void (QLabel.setText, QTableWidget.setItem …): after a few thousand calls the interpreter aborts
with "none_dealloc: deallocating None", taking the counter down in the middle of a clerk's day. The pin
in pyproject.toml avoids that release; this test fails on any binding that brings the bug back.
"""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QLabel, QTableWidget, QTableWidgetItem

CALLS = 2_000


def test_void_qt_calls_keep_none_alive(qtbot) -> None:
    label = QLabel()
    table = QTableWidget(10, 2)
    qtbot.addWidget(label)
    qtbot.addWidget(table)
    before = sys.getrefcount(None)
    for i in range(CALLS):
        label.setText(str(i))
        table.setItem(i % 10, 0, QTableWidgetItem(str(i)))
    lost = before - sys.getrefcount(None)
    # A sound binding loses nothing (a few references may come and go with the interpreter's own work);
    # the broken one loses two per loop, 4,000 here.
    assert lost < CALLS // 10, f"{lost} references to None lost over {CALLS} Qt calls"

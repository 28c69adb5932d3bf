"""The audit check at start: a broken trail shows a warning naming the rows, which stays in the status bar
and can be opened again, while the window keeps working; a whole trail shows nothing."""

import sqlite3
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox

from counter_app.services.intake import IntakeRequest, PersonInput, receive_dossier
from counter_app.storage.database import Database
from counter_app.ui.audit_warning import check_audit_trail
from counter_app.ui.tasks import TaskRunner
from tests.conftest import open_counter


def counter_with_rows(folder: Path, count: int) -> Database:
    db = open_counter(folder)
    for number in range(count):
        receive_dossier(db, IntakeRequest("1.002211", PersonInput(
            full_name=f"Nguyễn Văn Đức {'ABC'[number]}", id_number="049090001234", phone="0905123456",
            street="12 Lê Lợi", birth_date="1990-05-04", gender="male")))
    return db


def started(qtbot, db: Database) -> tuple[QMainWindow, TaskRunner]:
    window = QMainWindow()
    qtbot.addWidget(window)
    window.show()
    tasks = TaskRunner()
    check_audit_trail(window, db, tasks)
    tasks.wait()
    return window, tasks


def test_a_broken_trail_is_named_and_stays_on_screen_without_stopping_the_desk(qtbot, tmp_path: Path) -> None:
    db = counter_with_rows(tmp_path / "counter", 3)
    with sqlite3.connect(db.path) as tamperer:
        tamperer.execute("DROP TRIGGER audit_log_no_update")
        tamperer.execute("UPDATE audit_log SET clerk_name = 'Ai Đó' WHERE seq = 2")
    tamperer.close()
    window, _tasks = started(qtbot, db)
    qtbot.waitUntil(lambda: window.findChild(QMessageBox, "auditBreakBox") is not None)
    box = window.findChild(QMessageBox, "auditBreakBox")
    assert box.isVisible() and not box.isModal() and box.windowModality() == Qt.WindowModality.NonModal
    assert "Dòng số 2 đã bị sửa" in box.text() and "bị phá vỡ" in box.text()
    label = window.findChild(QLabel, "auditBreakLabel")
    assert "dòng 2" in label.text() and label.isVisible()
    box.close()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)  # the clerk's click back on the window
    qtbot.keyClick(window, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert box.isVisible()  # Ctrl+Shift+A shows it again; the label never went
    assert label.isVisible()
    db.close()


def test_a_whole_trail_shows_nothing(qtbot, tmp_path: Path) -> None:
    db = counter_with_rows(tmp_path / "counter", 2)
    window, _tasks = started(qtbot, db)
    qtbot.wait(50)
    assert window.findChild(QMessageBox, "auditBreakBox") is None
    assert window.findChild(QLabel, "auditBreakLabel") is None
    db.close()

"""The main window's backups: the daily one on close (a warning that closes by itself when the USB folder is
unplugged) and Ctrl+Shift+B for a supervisor. Real widgets offscreen, real files."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from counter_app.services.accounts import create_account
from counter_app.services.backups import default_backup_dir
from counter_app.storage.backup import list_backups
from counter_app.ui.context import UiContext
from tests.support.qt_polling import when_shown

WAIT = 10_000
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def open_window(qtbot, context: UiContext):
    from counter_app.ui.main_window import MainWindow

    window = MainWindow(context)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=WAIT)
    return window


def test_close_backs_up_to_default_and_warns_when_usb_is_unplugged(qtbot, ui_context: UiContext, tmp_path: Path) -> None:
    stick = tmp_path / "usb" / "sao-luu"
    ui_context.settings.set_backup_dir(stick)
    window = open_window(qtbot, ui_context)
    seen: list[str] = []

    def visible_box() -> QMessageBox | None:
        boxes = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]
        return boxes[0] if boxes else None

    def answer_warning(box: QMessageBox) -> None:
        seen.append(box.text())
        box.accept()

    when_shown(visible_box, answer_warning, every_ms=20)
    window.close()

    assert seen and "chưa cắm ổ USB" in seen[0]
    default = default_backup_dir(ui_context.db.path.parent)
    assert len(list_backups(default)) == 1 and not stick.exists()


def test_ctrl_shift_b_backs_up_now_for_a_supervisor_only(qtbot, ui_context: UiContext, tmp_path: Path) -> None:
    stick = tmp_path / "usb"
    stick.mkdir()
    ui_context.settings.set_backup_dir(stick)
    ui_context.clerk = create_account(ui_context.db, username="giamsat", full_name="Lê Văn Giám", role="supervisor",
                                      password="matkhau-gs1", by=None)
    clerk = create_account(ui_context.db, username="mai", full_name="Trần Thị Mai", role="clerk",
                           password="matkhau123", by="giamsat")
    window = open_window(qtbot, ui_context)

    qtbot.keyClick(window, Qt.Key.Key_B, CTRL_SHIFT)
    qtbot.waitUntil(lambda: "Đã sao lưu vào" in window.statusBar().currentMessage(), timeout=WAIT)
    assert len(list_backups(stick)) == 1

    ui_context.clerk = clerk
    qtbot.keyClick(window, Qt.Key.Key_B, CTRL_SHIFT)
    assert "Chỉ giám sát viên" in window.statusBar().currentMessage()

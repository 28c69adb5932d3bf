"""An uncaught exception anywhere (a thread, a TaskRunner task nobody handles, a slot) reaches the log file and
the one crash dialog, on the GUI thread; the app goes on, and the dialog saves the diagnostics bundle."""

import sys
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QVBoxLayout, QWidget

from counter_app import logs
from counter_app.ui.crash_dialog import MAX_SHOWN, CrashDialog, install_crash_dialog, uninstall_crash_dialog
from counter_app.ui.tasks import TaskRunner
from tests.conftest import open_counter

WAIT = 10_000
ID_NUMBER = "079123456789"

pytestmark = pytest.mark.qt_no_exception_capture  # the app's own hooks are under test, not pytest-qt's


@pytest.fixture
def data_dir(qapp, tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "counter"
    open_counter(folder).close()
    saved = sys.excepthook, threading.excepthook
    logs.setup_logging(folder)
    install_crash_dialog(qapp, folder)
    yield folder
    for dialog in crash_dialogs():
        dialog.close()
    uninstall_crash_dialog()
    sys.excepthook, threading.excepthook = saved
    logs.setup_logging(tmp_path / "after")


def crash_dialogs() -> list[CrashDialog]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, CrashDialog) and w.isVisible()]


def log_text(folder: Path) -> str:
    return logs.log_file(folder).read_text(encoding="utf-8") if logs.log_file(folder).exists() else ""


def the_dialog(qtbot, crashes: int) -> CrashDialog:
    qtbot.waitUntil(lambda: len(crash_dialogs()) == 1 and len(crash_dialogs()[0].crashes) == crashes, timeout=WAIT)
    return crash_dialogs()[0]


def test_a_thread_and_a_task_nobody_handles_reach_the_log_and_one_dialog(qtbot, data_dir: Path) -> None:
    def failing_thread() -> None:
        raise RuntimeError(f"luồng hỏng với {ID_NUMBER}")

    thread = threading.Thread(target=failing_thread, name="in-phieu")
    thread.start()
    thread.join()
    dialog = the_dialog(qtbot, 1)
    assert dialog.windowTitle() == "Lỗi không mong muốn"
    assert "Dữ liệu đã lưu vẫn được giữ nguyên" in dialog.explanation.text()
    assert str(logs.log_file(data_dir)) in dialog.explanation.text()
    assert "RuntimeError trong luồng nền «in-phieu»" in dialog.details.toPlainText()

    def failing_task() -> None:
        raise KeyError("mã thủ tục lạ")

    tasks = TaskRunner()
    tasks.run(failing_task)  # no on_error: nobody handles it
    dialog = the_dialog(qtbot, 2)
    assert "KeyError trong tác vụ nền" in dialog.details.toPlainText()
    assert dialog.count_label.text() == "Đã gặp 2 lỗi kể từ khi hộp thoại này mở."
    written = log_text(data_dir)
    assert "RuntimeError: luồng hỏng với <số giấy tờ>" in written
    assert "KeyError: 'mã thủ tục lạ'" in written and "Tác vụ nền lỗi" in written
    assert ID_NUMBER not in written and ID_NUMBER not in dialog.details.toPlainText()


def test_an_exception_in_a_slot_opens_the_dialog_and_the_event_loop_goes_on(qtbot, data_dir: Path) -> None:
    after: list[str] = []

    def failing_slot() -> None:
        raise ZeroDivisionError("chia cho không")

    QTimer.singleShot(0, failing_slot)
    QTimer.singleShot(0, lambda: after.append("vẫn chạy"))
    dialog = the_dialog(qtbot, 1)
    qtbot.waitUntil(lambda: after == ["vẫn chạy"], timeout=WAIT)
    assert "ZeroDivisionError trong luồng chính" in dialog.details.toPlainText()
    assert "ZeroDivisionError: chia cho không" in log_text(data_dir)

    dialog.copy_details()
    assert "ZeroDivisionError" in QGuiApplication.clipboard().text()
    dialog.continue_button.click()
    qtbot.waitUntil(lambda: crash_dialogs() == [], timeout=WAIT)


def test_the_dialog_saves_the_diagnostics_bundle_in_the_background(qtbot, data_dir: Path, tmp_path: Path) -> None:
    QTimer.singleShot(0, lambda: 1 / 0)
    dialog = the_dialog(qtbot, 1)
    out = tmp_path / "gui" / "chan-doan.zip"
    dialog.save_bundle_to(out)
    qtbot.waitUntil(lambda: dialog.status.text().startswith("Đã lưu gói chẩn đoán"), timeout=WAIT)
    assert str(out) in dialog.status.text()
    with zipfile.ZipFile(out) as bundle:
        assert "ZeroDivisionError" in bundle.read("logs/counter-app.log").decode("utf-8")

    blocked = tmp_path / "not-a-folder"
    blocked.write_text("x", encoding="utf-8")
    dialog.save_bundle_to(blocked / "chan-doan.zip")
    qtbot.waitUntil(lambda: dialog.status.text().startswith("Không lưu được gói chẩn đoán"), timeout=WAIT)
    assert dialog.save_button.isEnabled()


def test_qt_warnings_reach_the_log_file(data_dir: Path, qtbot) -> None:
    widget = QWidget()
    qtbot.addWidget(widget)
    QVBoxLayout(widget)
    QVBoxLayout(widget)  # a second layout on one widget: Qt warns (a real Qt message, not a Python one)
    assert "which already has a layout" in log_text(data_dir)
    assert " qt: QLayout: Attempting to add QLayout" in log_text(data_dir)


def test_a_slot_failing_again_and_again_is_counted_not_piled_up(qtbot, data_dir: Path) -> None:
    """Like a paint handler that fails on every repaint: the dialog counts them all and shows the first
    MAX_SHOWN, so its text (and the time to redraw it) stops growing; the log has every one."""
    def failing_slot() -> None:
        raise ZeroDivisionError("chia cho không")

    for _ in range(300):
        QTimer.singleShot(0, failing_slot)
    qtbot.waitUntil(lambda: len(crash_dialogs()) == 1 and crash_dialogs()[0].total == 300, timeout=WAIT)
    dialog = crash_dialogs()[0]
    assert len(dialog.crashes) == MAX_SHOWN
    assert dialog.details.toPlainText().count("ZeroDivisionError trong luồng chính") == MAX_SHOWN
    assert dialog.count_label.text() == ("Đã gặp 300 lỗi kể từ khi hộp thoại này mở; dưới đây là chi tiết của "
                                         f"{MAX_SHOWN} lỗi đầu, nhật ký ghi đủ tất cả.")
    assert log_text(data_dir).count("ZeroDivisionError: chia cho không") == 300

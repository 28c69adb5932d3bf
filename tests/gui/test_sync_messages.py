"""F9 always says why it could not sync; enrolment errors name a cause a clerk can act on and fit their box."""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from counter_app.ui.context import UiContext
from counter_app.ui.main_window import MainWindow
from tests.conftest import UNIT_CODE
from tests.gui.conftest import press, type_text
from tests.sync.harness import ServerProcess, free_port

WAIT_MS = 60_000
CLASS_NAME = re.compile(r"\b\w*(Error|Exception|Timeout)\b")


@pytest.fixture
def window(qtbot, ui_context: UiContext) -> MainWindow:
    main = MainWindow(ui_context)
    main.sync_worker.runner_options.update({"max_attempts": 1, "base_delay": 0.1, "max_delay": 0.2})
    qtbot.addWidget(main)
    main.show()
    qtbot.waitExposed(main)
    main.activateWindow()
    return main


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    with ServerProcess(f"sqlite:///{tmp_path / 'server.sqlite'}") as process:
        process.admin("create-unit", "--code", UNIT_CODE, "--name", "UBND phường Hải Châu")
        yield process


def f9(qtbot, window: MainWindow) -> str:
    with qtbot.waitSignal(window.sync_worker.run_finished, timeout=WAIT_MS):
        qtbot.keyClick(window, Qt.Key.Key_F9)
    return window.statusBar().currentMessage()


def test_f9_on_an_unenrolled_counter_says_why(qtbot, window: MainWindow) -> None:
    message = f9(qtbot, window)
    assert "chưa đăng ký với máy chủ tỉnh" in message
    assert "F7" in message  # and where to go


@pytest.mark.slow
def test_f9_with_the_server_down_says_why(qtbot, window: MainWindow, ui_context: UiContext, server: ServerProcess) -> None:
    from sync.client.enrollment import enroll

    enroll(ui_context.db, server.url, server.enrollment_code(UNIT_CODE))
    server.stop()  # the province's server is down (a real process, stopped)
    message = f9(qtbot, window)
    assert message.startswith("Chưa đồng bộ được:")
    assert "từ chối kết nối" in message or "không phản hồi" in message
    assert not CLASS_NAME.search(message), message


def test_enrolment_error_names_the_cause_in_vietnamese_and_fits_its_box(qtbot, window: MainWindow) -> None:
    dialog = window.sync_screen.open_enroll_dialog()
    qtbot.waitExposed(dialog)
    dialog.url_edit.clear()
    type_text(dialog.url_edit, f"http://127.0.0.1:{free_port()}")  # nothing listens there
    type_text(dialog.code_edit, "ABCDEFGHJK")
    press(dialog.code_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.busy, timeout=WAIT_MS)
    text = dialog.error_at("url")
    assert text.startswith("Không kết nối được máy chủ tỉnh: máy chủ từ chối kết nối")
    assert not CLASS_NAME.search(text), text
    label = dialog.errors["url"]
    qtbot.waitUntil(lambda: label.height() >= label.heightForWidth(label.width()), timeout=WAIT_MS)
    assert label.wordWrap()
    assert dialog.height() <= 768 and dialog.width() <= 1366  # the desk's screen
    dialog.reject()

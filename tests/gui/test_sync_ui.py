"""The sync screens against a real provincial server process: enrol, send, fail, recover, show conflicts.

The status bar must say what is true (sync-anchors §7 item 32): never "lỗi" after a successful run,
never "đã gửi hết" while operations wait, and the pending count right while the server is down.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from counter_app.domain.lifecycle import Status
from counter_app.services.dossiers import change_status
from counter_app.services.intake import IntakeRequest, PersonInput, receive_dossier
from counter_app.services.sync_status import SyncStatus, problem_records, sync_status
from counter_app.storage.database import Database
from counter_app.ui.context import UiContext
from counter_app.ui.enroll_dialog import EnrollDialog
from counter_app.ui.main_window import MainWindow
from counter_app.ui.sync_screen import SyncScreen
from counter_app.ui.sync_worker import status_text
from tests.conftest import UNIT_CODE
from tests.gui.conftest import press, type_text
from tests.sync.harness import ServerProcess, free_port

WAIT_MS = 30_000
FAST_RUNNER = {"max_attempts": 3, "base_delay": 0.3, "max_delay": 1.0}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    with ServerProcess(f"sqlite:///{tmp_path / 'server.sqlite'}") as process:
        process.admin("create-unit", "--code", UNIT_CODE, "--name", "UBND phường Hải Châu")
        yield process


@pytest.fixture
def window(qtbot, ui_context: UiContext) -> MainWindow:
    main = MainWindow(ui_context)
    main.sync_worker.runner_options.update(FAST_RUNNER)
    qtbot.addWidget(main)
    main.show()
    qtbot.waitExposed(main)
    main.activateWindow()
    return main


def intake(db: Database, name: str = "Nguyễn Văn Đức") -> str:
    request = IntakeRequest("1.001193", PersonInput(full_name=name, id_number="049090001234", phone="0905123456",
                                                    street="12 Lê Lợi"))
    return receive_dossier(db, request).code


def bar(window: MainWindow) -> str:
    """The status bar's sync line without its colour markup."""
    return re.sub(r"<[^>]+>", "", window.sync_label.text()).replace("&amp;", "&")


def sync_and_wait(qtbot, window: MainWindow) -> None:
    """Press F9 as the clerk does and wait until that run's result is on screen."""
    with qtbot.waitSignal(window.sync_worker.run_finished, timeout=WAIT_MS):
        qtbot.keyClick(window, Qt.Key.Key_F9)
    qtbot.waitUntil(lambda: "đang đồng bộ" not in bar(window), timeout=WAIT_MS)


def enrol_through_dialog(qtbot, window: MainWindow, server: ServerProcess) -> EnrollDialog:
    screen = window.sync_screen
    dialog = screen.open_enroll_dialog()
    qtbot.waitExposed(dialog)

    def submit(url: str, code: str) -> None:
        dialog.url_edit.clear()
        dialog.code_edit.clear()
        type_text(dialog.url_edit, url)
        type_text(dialog.code_edit, code)
        press(dialog.code_edit, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: not dialog.busy, timeout=WAIT_MS)

    # Nothing listens on this port: the error is at the address, and what was typed stays.
    dead = f"http://127.0.0.1:{free_port()}"
    submit(dead, "ABCDEFGHJK")
    assert "Không kết nối được máy chủ tỉnh" in dialog.error_at("url")
    assert dialog.url_edit.text() == dead and dialog.result_enrolment is None

    submit(server.url, "ZZZZZZZZZZ")
    assert "Mã đăng ký không đúng" in dialog.error_at("code")
    assert dialog.error_at("url") == ""

    # A machine without a secure key store: said plainly, below the fields, and the code is not spent.
    code = server.enrollment_code(UNIT_CODE)
    saved_backend = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        submit(server.url, code)
    finally:
        keyring.set_keyring(saved_backend)
    assert "kho lưu khóa an toàn" in dialog.error_at("general")
    assert dialog.result_enrolment is None

    with qtbot.waitSignal(window.sync_worker.run_finished, timeout=WAIT_MS):  # enrolment starts a first run
        submit(server.url, code)
    assert dialog.result_enrolment is not None
    assert dialog.error_at("code") == "" and dialog.error_at("general") == ""
    assert dialog.result_enrolment.desk_slot == 1 and not dialog.result_enrolment.slot_changed
    assert UNIT_CODE in dialog.result_label.text() and "quầy số 1" in dialog.result_label.text()
    press(dialog.ok_button, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    window.activateWindow()  # offscreen gives activation back to no one when a dialog closes
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    return dialog


def test_status_line_wording() -> None:
    now = datetime(2025, 6, 5, 3, 42, tzinfo=UTC)  # 10:42 in Hà Nội
    waiting = SyncStatus(enrolled=True, server_url="http://x", pending=12, oldest_pending_age=timedelta(hours=2),
                         last_success_at=now, problems=1, checked_at=now)
    assert status_text(waiting) == "Đồng bộ: chờ gửi 12 (cũ nhất 2 giờ) · lần cuối 10:42 · 1 thao tác cần xem lại (F7)"
    done = SyncStatus(enrolled=True, last_success_at=now, checked_at=now)
    assert status_text(done) == "Đồng bộ: đã gửi hết · lần cuối 10:42"
    assert status_text(SyncStatus(enrolled=False)) == "Đồng bộ: chưa đăng ký máy chủ tỉnh"
    failed = SyncStatus(enrolled=True, pending=3, oldest_pending_age=timedelta(minutes=5), last_success_at=now,
                        last_error="Không kết nối được máy chủ tỉnh (ConnectionError).", checked_at=now)
    assert status_text(failed).startswith("Đồng bộ: lỗi — Không kết nối được máy chủ tỉnh (ConnectionError). · chờ gửi 3")
    skewed = SyncStatus(enrolled=True, last_success_at=now, clock_skew_seconds=-300, checked_at=now)
    assert status_text(skewed).endswith("· Đồng hồ máy lệch 5 phút so với máy chủ")
    assert "Đồng hồ" not in status_text(SyncStatus(enrolled=True, clock_skew_seconds=90, checked_at=now))


def test_unenrolled_counter_says_so_and_never_runs(qtbot, window: MainWindow) -> None:
    qtbot.waitUntil(lambda: bar(window) == "Đồng bộ: chưa đăng ký máy chủ tỉnh")
    assert window.sync_worker.next_run_in_ms is None
    with qtbot.waitSignal(window.sync_worker.run_finished, timeout=WAIT_MS) as run:
        qtbot.keyClick(window, Qt.Key.Key_F9)
    assert run.args[0].not_enrolled and window.sync_worker.failures == 0
    assert bar(window) == "Đồng bộ: chưa đăng ký máy chủ tỉnh"
    assert window.sync_worker.next_run_in_ms is None


def test_enrol_send_fail_recover_and_conflict(qtbot, window: MainWindow, server: ServerProcess) -> None:
    db = window.context.db
    worker = window.sync_worker
    qtbot.keyClick(window, Qt.Key.Key_F7)
    screen = window.sync_screen
    assert isinstance(window.current_screen(), SyncScreen)

    enrol_through_dialog(qtbot, window, server)
    qtbot.waitUntil(lambda: bar(window).startswith("Đồng bộ: đã gửi hết · lần cuối"), timeout=WAIT_MS)
    assert server.url in screen.server_label.text()
    assert worker.next_run_in_ms is not None  # the periodic rhythm has begun

    # Intake saves are counted at once.
    codes = [intake(db) for _ in range(3)]
    window.intake.dossier_saved.emit(codes[-1])
    qtbot.waitUntil(lambda: bar(window).startswith("Đồng bộ: chờ gửi 3 (cũ nhất vừa xong)"), timeout=WAIT_MS)

    sync_and_wait(qtbot, window)
    assert bar(window).startswith("Đồng bộ: đã gửi hết · lần cuối"), bar(window)
    assert "lỗi" not in bar(window)
    assert server.stats()[UNIT_CODE]["dossiers"] == 3
    assert sync_status(db).pending == 0
    assert "Thành công" in screen.journal.toPlainText()

    # The server goes away: the run fails, the GUI keeps turning, and the count stays true.
    server.stop()
    codes.append(intake(db, "Lê Thị Hoa"))
    worker.refresh()
    qtbot.waitUntil(lambda: "chờ gửi 1" in bar(window), timeout=WAIT_MS)
    ticks: list[int] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(1) if worker.running else None)
    timer.start(10)
    sync_and_wait(qtbot, window)
    timer.stop()
    assert len(ticks) >= 5, "the event loop stalled during the sync attempt"
    assert bar(window).startswith("Đồng bộ: lỗi — Không kết nối được máy chủ tỉnh"), bar(window)
    assert "chờ gửi 1 (cũ nhất" in bar(window) and "đã gửi hết" not in bar(window)
    assert sync_status(db).pending == 1
    assert worker.failures == 1
    # The rule's wait, not the timer's remaining time: Qt's coarse timer may fire up to 5 % late.
    first_wait = worker.chosen_delay_ms
    assert worker.next_run_in_ms is not None
    assert first_wait is not None and 48_000 <= first_wait <= 60_000  # 0.8–1 × the 60 s base
    sync_and_wait(qtbot, window)
    second_wait = worker.chosen_delay_ms
    assert worker.failures == 2 and second_wait is not None and 96_000 <= second_wait <= 120_000
    assert "Thất bại" in screen.journal.toPlainText()

    # Back online: the error goes away with the first successful run.
    server.start()
    sync_and_wait(qtbot, window)
    assert bar(window).startswith("Đồng bộ: đã gửi hết · lần cuối"), bar(window)
    assert "lỗi" not in bar(window) and worker.failures == 0
    assert worker.next_run_in_ms is not None and worker.chosen_delay_ms == worker.interval_ms
    assert server.stats()[UNIT_CODE]["dossiers"] == 4

    # The province moved a dossier on while the counter withdrew it from its stale copy: a conflict.
    server.admin("set-status", codes[0], "4", "--note", "Chuyển phòng Tư pháp")
    change_status(db, codes[0], Status.WITHDRAWN, actor="Trần Thị Mai", note="Công dân xin rút")
    worker.refresh()
    qtbot.waitUntil(lambda: "chờ gửi 1" in bar(window), timeout=WAIT_MS)
    sync_and_wait(qtbot, window)
    assert "1 thao tác cần xem lại" in bar(window) and "lỗi" not in bar(window), bar(window)
    qtbot.waitUntil(lambda: screen.problems.rowCount() == 1, timeout=WAIT_MS)
    record = screen.problems.record_at(0)
    assert record.state == "Xung đột" and record.dossier_code == codes[0]
    assert record.op_type == "Chuyển trạng thái hồ sơ" and record.code == "status_conflict"
    reason = screen.problems.index(0, 5).data()
    assert "đã được chuyển sang «" in reason and "giám sát viên" in reason
    assert problem_records(db)[0].message == reason
    assert screen.problem_count_label.text() == "1"

"""The worklists (F5) and the assisted-filing dialog (Ctrl+Shift+H), used with the keyboard alone."""

import threading
from datetime import datetime

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from sqlalchemy import event

from counter_app.domain.assisted_filing import AssistOutcome
from counter_app.domain.dossier import OFFICE_TZ
from counter_app.domain.lifecycle import Status
from counter_app.services.assisted_filing import assisted_counts, assisted_on
from counter_app.services.dossiers import change_status
from counter_app.services.intake import IntakeRequest, PersonInput, receive_dossier
from counter_app.services.worklists import WorklistKind
from counter_app.ui.context import UiContext
from counter_app.ui.lifecycle_dialogs import ApologyDialog
from counter_app.ui.worklist_screen import (
    APOLOGISE,
    HANDOVER_FROM_AGENCY,
    RETURN_AT_DESK,
    TAB_ORDER,
    WorklistScreen,
)
from tests.conftest import UNIT_CODE
from tests.gui.conftest import press, type_text

MONDAY = datetime(2026, 3, 9, 9, 0, tzinfo=OFFICE_TZ)
NOW = datetime(2026, 3, 10, 10, 0, tzinfo=OFFICE_TZ)
CTRL = Qt.KeyboardModifier.ControlModifier
WAIT = 10_000


def receive(context: UiContext, *path: Status, name: str = "Nguyễn Văn Đức") -> str:
    applicant = PersonInput(full_name=name, id_number="049090001234", phone="0905123456", street="12 Lê Lợi")
    dossier = receive_dossier(context.db, IntakeRequest("1.001193", applicant, received_at=MONDAY), now=MONDAY)
    for status in path:
        change_status(context.db, dossier.code, status, note="thử", now=MONDAY)
    return dossier.code


@pytest.fixture
def context(ui_context: UiContext) -> UiContext:
    ui_context.clock = lambda: NOW
    return ui_context


def shown(qtbot, screen: WorklistScreen) -> WorklistScreen:
    qtbot.addWidget(screen)
    screen.resize(1280, 640)
    screen.show()
    qtbot.waitExposed(screen)
    screen.activateWindow()
    with qtbot.waitSignal(screen.loaded, timeout=WAIT):
        screen.on_shown()
    return screen


def test_rows_open_and_fire_their_next_step_from_the_keyboard(qtbot, context: UiContext) -> None:
    overdue = receive(context, name="Lê Thị Hồng")
    overdue_processing = receive(context, Status.PROCESSING)
    ready = receive(context, Status.PROCESSING, Status.RESULT_READY, name="Phạm Văn Nam")
    screen = shown(qtbot, WorklistScreen(context))
    fired: list[tuple[str, str]] = []
    opened: list[str] = []
    screen.action_requested.connect(lambda action, code: fired.append((action, code)))
    screen.open_dossier_requested.connect(opened.append)

    assert screen.tabs.tabText(TAB_ORDER.index(WorklistKind.OVERDUE)) == "Quá hạn (2)"
    qtbot.keyClick(screen.current_table, Qt.Key.Key_2, CTRL)  # through the shortcut map, as a real key
    assert screen.current_kind is WorklistKind.OVERDUE
    table = screen.current_table
    assert QApplication.focusWidget() is table
    press(table, Qt.Key.Key_Return)
    assert opened == [overdue]
    press(table, Qt.Key.Key_X)  # Mẫu 04 from the overdue list: the list's key, then the dialog
    assert fired == [(APOLOGISE, overdue)]
    press(table, Qt.Key.Key_K)  # "result back from the agency" is for a dossier being processed only
    assert fired == [(APOLOGISE, overdue)]
    assert "không áp dụng" in screen.status.text() and "Được tiếp nhận" in screen.status.text()
    press(table, Qt.Key.Key_Down)
    press(table, Qt.Key.Key_K)
    assert fired[-1] == (HANDOVER_FROM_AGENCY, overdue_processing)

    qtbot.keyClick(table, Qt.Key.Key_4, CTRL)
    assert screen.current_kind is WorklistKind.READY_TO_RETURN
    assert QApplication.focusWidget() is screen.current_table
    press(screen.current_table, Qt.Key.Key_T)
    assert fired[-1] == (RETURN_AT_DESK, ready)
    assert "T: Trả kết quả tại quầy" in screen.hint.text()


def test_the_lists_are_read_off_the_gui_thread_and_the_screen_answers_meanwhile(qtbot, context: UiContext) -> None:
    receive(context)
    screen = shown(qtbot, WorklistScreen(context))
    gui_thread = threading.get_ident()
    release, reading = threading.Event(), threading.Event()
    sql_threads: set[int] = set()

    def hold(*_args: object) -> None:
        sql_threads.add(threading.get_ident())
        reading.set()
        release.wait(WAIT / 1000)  # the query is "slow" until the test says so

    event.listen(context.db.engine, "before_cursor_execute", hold)
    try:
        screen.refresh()
        assert reading.wait(WAIT / 1000)
        assert screen.loading and screen.status.text() == "Đang tải danh sách…"
        qtbot.keyClick(screen.current_table, Qt.Key.Key_3, CTRL)  # the GUI still takes keys
        assert screen.current_kind is WorklistKind.WAITING_FOR_PAPERS
    finally:
        release.set()
        event.remove(context.db.engine, "before_cursor_execute", hold)
    qtbot.waitUntil(lambda: not screen.loading, timeout=WAIT)
    assert sql_threads and gui_thread not in sql_threads


def test_f5_shows_the_worklists_and_ctrl_h_logs_an_assisted_filing(qtbot, context: UiContext) -> None:
    from counter_app.ui.main_window import MainWindow

    code = receive(context)
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=WAIT)
    with qtbot.waitSignal(window.worklists.loaded, timeout=WAIT):
        qtbot.keyClick(window, Qt.Key.Key_F5)
    assert window.current_screen() is window.worklists
    assert window.nav.currentItem().text() == "Việc cần làm\tF5"
    qtbot.keyClick(window.worklists.current_table, Qt.Key.Key_2, CTRL)
    qtbot.waitUntil(lambda: window.worklists.current_table.hasFocus(), timeout=WAIT)
    press(window.worklists.current_table, Qt.Key.Key_X)  # Mẫu 04 from the overdue list: Ctrl+2, then X
    qtbot.waitUntil(lambda: isinstance(window.worklist_steps.dialog, ApologyDialog), timeout=WAIT)
    apology = window.worklist_steps.dialog
    assert apology.dossier.code == code and apology.reason.hasFocus()
    # The proposed new date is the close of the next working day (today is Tuesday 10/3, 10:00).
    qtbot.waitUntil(lambda: apology.new_due_at() == datetime(2026, 3, 11, 17, 0, tzinfo=OFFICE_TZ), timeout=WAIT)
    press(apology, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not apology.isVisible() and window.worklists.current_table.hasFocus(), timeout=WAIT)

    qtbot.keyClick(window, Qt.Key.Key_H, CTRL | Qt.KeyboardModifier.ShiftModifier)
    dialog = window.assist_dialog
    qtbot.waitUntil(lambda: dialog.name.hasFocus(), timeout=WAIT)
    type_text(dialog.name, "trần văn bình")
    type_text(dialog.procedure, "1.001193")
    dialog.outcome.setFocus()
    press(dialog.outcome, Qt.Key.Key_Down)  # "Đã nộp hồ sơ trực tuyến"
    assert dialog.outcome.currentData() == AssistOutcome.FILED.value
    press(dialog.note, Qt.Key.Key_Return)  # no portal code: refused, the message under its field
    qtbot.waitUntil(lambda: dialog.errors.text("portal_code") != "", timeout=WAIT)
    assert dialog.isVisible() and dialog.name.text() == "trần văn bình"
    type_text(dialog.portal_code, f"{UNIT_CODE}-260310-0042")
    with qtbot.waitSignal(dialog.saved, timeout=WAIT):
        qtbot.keyClick(dialog.portal_code, Qt.Key.Key_S, CTRL)
    assert assisted_counts(context.db, NOW.date())[AssistOutcome.FILED] == 1
    [record] = assisted_on(context.db, NOW.date())
    assert (record.applicant_name, record.portal_code) == ("Trần Văn Bình", f"{UNIT_CODE}-260310-0042")
    assert "Đã ghi nhật ký hỗ trợ" in window.statusBar().currentMessage()

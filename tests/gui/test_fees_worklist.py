"""The seventh worklist, "Chờ nộp phí, lệ phí", reached with Ctrl+7 from the keyboard."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt

from counter_app.domain.dossier import OFFICE_TZ
from counter_app.domain.lifecycle import Status
from counter_app.services.dossiers import change_status
from counter_app.services.intake import IntakeRequest, PersonInput, receive_dossier
from counter_app.services.worklists import WorklistKind
from counter_app.ui.context import UiContext
from counter_app.ui.worklist_screen import (
    COLLECT_FEE,
    COLLECT_FEE_ACTION,
    NEXT_ACTIONS,
    TAB_ORDER,
    WorklistScreen,
    hint_text,
)
from tests.gui.conftest import press

MONDAY = datetime(2026, 3, 9, 9, 0, tzinfo=OFFICE_TZ)
NOW = datetime(2026, 3, 10, 10, 0, tzinfo=OFFICE_TZ)


def test_ctrl_7_shows_the_dossiers_waiting_for_fees(qtbot, ui_context: UiContext) -> None:
    ui_context.clock = lambda: NOW
    applicant = PersonInput(full_name="Nguyễn Văn Đức", id_number="049090001234", phone="0905123456", street="12 Lê Lợi")
    code = receive_dossier(ui_context.db, IntakeRequest("1.001193", applicant, received_at=MONDAY), now=MONDAY).code
    for status in (Status.PROCESSING, Status.AWAITING_PAYMENT):
        change_status(ui_context.db, code, status, note="thử", now=MONDAY)
    screen = WorklistScreen(ui_context)
    qtbot.addWidget(screen)
    screen.show()
    qtbot.waitExposed(screen)
    with qtbot.waitSignal(screen.loaded, timeout=10_000):
        screen.on_shown()
    assert len(TAB_ORDER) == 7
    qtbot.keyClick(screen.current_table, Qt.Key.Key_7, Qt.KeyboardModifier.ControlModifier)
    assert screen.current_kind is WorklistKind.FEES_DUE
    assert screen.tabs.tabText(6) == "Chờ nộp phí, lệ phí (1)"
    assert screen.models[WorklistKind.FEES_DUE].codes() == [code]
    # The list's step: P opens the fees screen (F4) on the row (tests/gui/test_fees_screen.py drives it).
    assert NEXT_ACTIONS[WorklistKind.FEES_DUE] == (COLLECT_FEE_ACTION,)
    assert screen.hint.text() == hint_text(WorklistKind.FEES_DUE) == (
        "Enter: mở hồ sơ · P: Thu phí (F4) · Ctrl+1…Ctrl+7: chọn danh sách · Ctrl+R: tải lại")
    fired: list[tuple[str, str]] = []
    screen.action_requested.connect(lambda action, code: fired.append((action, code)))
    press(screen.current_table, Qt.Key.Key_P)
    assert fired == [(COLLECT_FEE, code)]
    opened: list[str] = []
    screen.open_dossier_requested.connect(opened.append)
    press(screen.current_table, Qt.Key.Key_Return)
    assert opened == [code]

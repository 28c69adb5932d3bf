"""Clerks sign in, lock the desk with Ctrl+L and hand over: each slip and history row names its clerk.

Real widgets offscreen on a real counter database with real accounts; the slips are real PDFs read back.
The lockout is driven by the context's clock, moved by the test (no waiting five real minutes).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from counter_app.services.accounts import create_account
from counter_app.services.dossiers import get_dossier
from counter_app.services.slips import receipt_slip_pdf
from counter_app.ui.context import UiContext
from counter_app.ui.sign_in_dialog import SignInDialog
from tests.conftest import open_counter
from tests.gui.conftest import make_context, press, type_text
from tests.gui.test_intake_screen import fill_applicant, save_and_wait

WAIT = 10_000
CTRL = Qt.KeyboardModifier.ControlModifier


class Clock:
    """The time the sign-in dialogs read: moved by the test."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)  # Tuesday 09:00 office time

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def context(qapp, tmp_path: Path) -> Iterator[UiContext]:
    db = open_counter(tmp_path / "counter")
    create_account(db, username="giamsat", full_name="Lê Văn Giám", role="supervisor", password="matkhau-gs1", by=None)
    create_account(db, username="mai", full_name="Trần Thị Mai", role="clerk", password="matkhau-mai1", by="giamsat")
    create_account(db, username="hoa", full_name="Nguyễn Thị Hoa", role="clerk", password="matkhau-hoa1", by="giamsat")
    context = make_context(db, tmp_path)
    context.clock = Clock()
    yield context
    context.tasks.wait()
    db.close()


def type_credentials(qtbot, dialog: SignInDialog, username: str, password: str) -> None:
    """As a clerk does: the name, Enter, the password, Enter."""
    dialog.username.setFocus()
    qtbot.waitUntil(dialog.username.hasFocus, timeout=WAIT)
    dialog.username.selectAll()
    type_text(dialog.username, username)
    press(dialog.username, Qt.Key.Key_Return)
    assert QApplication.focusWidget() is dialog.password
    type_text(dialog.password, password)
    press(dialog.password, Qt.Key.Key_Return)


def sign_in_with(qtbot, dialog: SignInDialog, username: str, password: str) -> None:
    with qtbot.waitSignal(dialog.accepted, timeout=WAIT):
        type_credentials(qtbot, dialog, username, password)


def refused(qtbot, dialog: SignInDialog, username: str, password: str) -> str:
    dialog.error.hide()
    type_credentials(qtbot, dialog, username, password)
    qtbot.waitUntil(lambda: bool(dialog.error_message()), timeout=WAIT)
    assert dialog.isVisible() and dialog.account is None
    return dialog.error_message()


def activate(qtbot, window) -> None:
    """Give the window the focus back, as the clerk's click would (application shortcuts need it)."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=WAIT)


def slip_text(context: UiContext, code: str) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(receipt_slip_pdf(context.db, code))).pages)


def test_two_clerks_hand_over_with_ctrl_l_and_each_slip_and_history_names_its_clerk(qtbot, context: UiContext) -> None:
    from counter_app.ui.main_window import MainWindow

    first = SignInDialog(context.db, context.tasks, title="Đăng nhập quầy", clock=context.clock)
    qtbot.addWidget(first)
    first.open()
    sign_in_with(qtbot, first, "mai", "matkhau-mai1")
    context.clerk = first.account

    window = MainWindow(context)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=WAIT)
    qtbot.waitUntil(lambda: window.intake.picker.is_loaded, timeout=WAIT)
    assert "Trần Thị Mai" in window.clerk_label.text()
    fill_applicant(qtbot, window.intake, "Nguyễn Văn Đức", "12 Lê Lợi")
    code_mai = save_and_wait(qtbot, window.intake)

    activate(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_L, CTRL)  # QTest goes through the shortcut map, as a real key does
    qtbot.waitUntil(lambda: getattr(window, "sign_in_dialog", None) is not None, timeout=WAIT)
    lock = window.sign_in_dialog
    assert not window.centralWidget().isVisible()  # the work is hidden while the desk is locked
    press(lock.username, Qt.Key.Key_Escape)
    assert lock.isVisible()  # Esc does not unlock
    sign_in_with(qtbot, lock, "hoa", "matkhau-hoa1")
    qtbot.waitUntil(lambda: window.centralWidget().isVisible(), timeout=WAIT)
    assert "Nguyễn Thị Hoa" in window.clerk_label.text()
    activate(qtbot, window)
    fill_applicant(qtbot, window.intake, "Phạm Thị Lan", "5 Hùng Vương")
    code_hoa = save_and_wait(qtbot, window.intake)

    for code, clerk, other in ((code_mai, "Trần Thị Mai", "Nguyễn Thị Hoa"), (code_hoa, "Nguyễn Thị Hoa", "Trần Thị Mai")):
        dossier = get_dossier(context.db, code)
        assert dossier.received_by == clerk
        assert [change.actor for change in dossier.history] == [clerk]
        text = slip_text(context, code)
        assert clerk in text and other not in text


def test_five_wrong_passwords_lock_the_account_until_five_minutes_pass(qtbot, context: UiContext) -> None:
    dialog = SignInDialog(context.db, context.tasks, clock=context.clock)
    qtbot.addWidget(dialog)
    dialog.open()
    for attempt in range(1, 5):
        assert f"Còn {5 - attempt} lần thử" in refused(qtbot, dialog, "mai", "sai-mat-khau")
    assert "bị tạm khóa đến 09:05" in refused(qtbot, dialog, "mai", "sai-mat-khau")
    context.clock.now += timedelta(minutes=4, seconds=59)  # type: ignore[attr-defined]
    assert "đang tạm khóa" in refused(qtbot, dialog, "mai", "matkhau-mai1")  # the right password, still locked
    context.clock.now += timedelta(seconds=2)  # type: ignore[attr-defined]
    sign_in_with(qtbot, dialog, "mai", "matkhau-mai1")
    assert dialog.account is not None and dialog.account.full_name == "Trần Thị Mai"


def test_f8_opens_the_accounts_only_for_a_supervisor(qtbot, context: UiContext) -> None:
    from counter_app.services.accounts import list_accounts
    from counter_app.ui.main_window import MainWindow

    context.clerk = next(a for a in list_accounts(context.db) if a.username == "giamsat")
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.show_accounts()
    qtbot.waitUntil(lambda: window.accounts_dialog.loaded, timeout=WAIT)  # read on the task runner
    table = window.accounts_dialog.table
    assert [table.item(row, 0).text() for row in range(table.rowCount())] == ["giamsat", "hoa", "mai"]
    window.accounts_dialog.close()

"""«Thời điểm tiếp nhận» (Alt+T) on the intake screen: a paper dossier typed afterwards keeps the time it
was received; before the working day in progress it is a late entry, which needs its reason and a
supervisor signed in (as `--clerk <giám sát viên> --late-entry-reason` on the command line). The
context's clock is fixed on Tuesday 10/03/2026 10:00; Monday was a working day."""

from __future__ import annotations

from datetime import datetime

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from counter_app.domain.dossier import OFFICE_TZ
from counter_app.services.accounts import create_account, list_accounts
from counter_app.services.dossiers import get_dossier
from counter_app.storage.models import DossierRow
from counter_app.ui.context import UiContext
from counter_app.ui.intake_screen import IntakeScreen
from tests.gui.conftest import open_intake_screen, press, type_text
from tests.gui.test_intake_outcomes import fill_applicant

NOW = datetime(2026, 3, 10, 10, 0, tzinfo=OFFICE_TZ)
ALT = Qt.KeyboardModifier.AltModifier
CTRL = Qt.KeyboardModifier.ControlModifier
WAIT = 10_000


@pytest.fixture
def context(ui_context: UiContext) -> UiContext:
    db = ui_context.db
    create_account(db, username="giamsat", full_name="Lê Văn Giám", role="supervisor", password="matkhau-gs1", by=None)
    create_account(db, username="mai", full_name="Trần Thị Mai", role="clerk", password="matkhau-mai1", by="giamsat")
    ui_context.clerk = next(a for a in list_accounts(db) if a.username == "mai")
    ui_context.clock = lambda: NOW
    return ui_context


@pytest.fixture
def screen(qtbot, context: UiContext) -> IntakeScreen:
    return open_intake_screen(qtbot, context)


def type_received_at(screen: IntakeScreen, text: str) -> None:
    """Alt+T from wherever the clerk is, then type over the time shown."""
    press(QApplication.focusWidget(), Qt.Key.Key_T, ALT)
    assert QApplication.focusWidget() is screen.received_at
    press(screen.received_at, Qt.Key.Key_A, CTRL)
    type_text(screen.received_at, text)


def save_refused(qtbot, screen: IntakeScreen) -> None:
    press(QApplication.focusWidget(), Qt.Key.Key_S, CTRL)
    qtbot.waitUntil(lambda: not screen.saving and "Chưa lưu" in screen.message.text(), timeout=WAIT)
    assert not screen.last_code


def test_earlier_today_is_kept_and_the_due_date_follows_it(qtbot, screen: IntakeScreen, context: UiContext) -> None:
    fill_applicant(qtbot, screen)
    assert screen.received_at.text() == "10:00 10/03/2026"  # now, on the context's clock
    type_received_at(screen, "07:30")
    assert not screen.late_reason.isVisible()  # today: not a late entry
    press(screen.received_at, Qt.Key.Key_S, CTRL)
    qtbot.waitUntil(lambda: bool(screen.last_code), timeout=WAIT)
    dossier = get_dossier(context.db, screen.last_code)
    assert dossier.received_at == datetime(2026, 3, 10, 7, 30, tzinfo=OFFICE_TZ)
    assert screen.received_at.text() == "10:00 10/03/2026"  # the next citizen is received now again


def test_a_time_in_the_future_or_unreadable_is_refused_at_the_field(qtbot, screen: IntakeScreen) -> None:
    fill_applicant(qtbot, screen)
    type_received_at(screen, "14:00")
    save_refused(qtbot, screen)
    assert "tương lai" in screen.field_error("received_at")
    type_received_at(screen, "hôm qua")
    save_refused(qtbot, screen)
    assert "không đúng dạng giờ:phút ngày/tháng/năm" in screen.field_error("received_at")
    assert QApplication.focusWidget() is screen.received_at and screen.full_name.text()


def test_a_late_entry_needs_its_reason_and_a_supervisor(qtbot, screen: IntakeScreen, context: UiContext) -> None:
    fill_applicant(qtbot, screen)
    type_received_at(screen, "15:00 09/03/2026")  # yesterday afternoon: before today's working day
    assert screen.late_reason.isVisible()
    save_refused(qtbot, screen)
    assert "nhập muộn" in screen.field_error("received_at")
    assert "Lý do nhập muộn" in screen.field_error("received_at")

    press(screen.received_at, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is screen.late_reason
    type_text(screen.late_reason, "Hồ sơ giấy nhận lúc mất điện")
    save_refused(qtbot, screen)  # Mai is a clerk: a clerk's reason is not an approval
    assert "giám sát viên" in screen.message.text()

    context.clerk = next(a for a in list_accounts(context.db) if a.username == "giamsat")  # Ctrl+L, the supervisor
    press(screen.late_reason, Qt.Key.Key_S, CTRL)
    qtbot.waitUntil(lambda: bool(screen.last_code), timeout=WAIT)
    dossier = get_dossier(context.db, screen.last_code)
    assert dossier.received_at == datetime(2026, 3, 9, 15, 0, tzinfo=OFFICE_TZ)
    with context.db.read() as session:
        row = session.query(DossierRow).filter(DossierRow.code == dossier.code).one()
        assert (row.late_entry_reason, row.late_entry_by) == ("Hồ sơ giấy nhận lúc mất điện", "giamsat")
    assert not screen.late_reason.isVisible() and screen.late_reason.text() == ""


def test_a_time_typed_alone_is_unsaved_work(screen: IntakeScreen) -> None:
    assert not screen.has_typed_data()  # the time shown is "now": nothing to lose
    type_received_at(screen, "08:15 09/03/2026")
    assert screen.has_typed_data()  # a back-dated time would be lost by F2: the clerk is asked first
    screen.received_at.set_now()
    assert not screen.has_typed_data()

"""A channel-2 dossier at the intake screen keeps the national portal's code (no desk code is spent)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from counter_app.domain.dossier import OFFICE_TZ, Channel
from counter_app.services.clock import utc_now
from counter_app.services.dossiers import get_dossier
from counter_app.ui.context import UiContext
from counter_app.ui.intake_screen import IntakeScreen
from tests.conftest import UNIT_CODE
from tests.gui.conftest import open_intake_screen, press, type_text
from tests.gui.test_intake_screen import WAIT, fill_applicant, focused, save_and_wait

CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def screen(qtbot, ui_context: UiContext) -> IntakeScreen:
    return open_intake_screen(qtbot, ui_context)


def test_the_portal_code_is_typed_for_channel_2_only_and_becomes_the_dossier_code(qtbot, screen: IntakeScreen) -> None:
    portal = screen.dossier.portal_code
    assert not portal.isEnabled()  # walk-in: nothing to type there
    fill_applicant(qtbot, screen, "Lê Thị Hoa", "Số 5 Trần Phú")
    screen.channel.setFocus()
    press(screen.channel, Qt.Key.Key_Down)  # 2 — Trực tuyến
    assert screen.channel.currentData() == Channel.ONLINE.value and portal.isEnabled()
    press(focused(), Qt.Key.Key_S, CTRL)  # no portal code yet: refused, the message under the field
    qtbot.waitUntil(lambda: screen.dossier.errors.text("portal_code") != "", timeout=WAIT)
    assert "hãy ghi mã đó" in screen.dossier.errors.text("portal_code")
    today = utc_now().astimezone(OFFICE_TZ).date()
    code = f"{UNIT_CODE}-{today:%y%m%d}-0042"
    portal.setFocus()
    type_text(portal, code.lower())
    assert screen.dossier.errors.text("portal_code") == ""  # the mark goes as soon as the clerk types
    assert save_and_wait(qtbot, screen) == code
    assert get_dossier(screen.context.db, code).channel is Channel.ONLINE
    assert not portal.isEnabled() and portal.text() == ""  # the form is back to a walk-in dossier

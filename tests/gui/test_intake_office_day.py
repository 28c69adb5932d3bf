"""The intake screen checks a citizen's dates against the office's today, read from the screen's clock: the
same card is refused a second before New Year's midnight (Vietnam time) and read a second after it."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt

from counter_app.domain.dossier import OFFICE_TZ
from counter_app.services.clock import stopped_at
from counter_app.ui.context import UiContext
from tests.gui.conftest import open_intake_screen, scan

EVE = datetime(2026, 12, 31, 23, 59, 59, tzinfo=OFFICE_TZ)
NEW_YEAR = datetime(2027, 1, 1, 0, 0, 1, tzinfo=OFFICE_TZ)
BORN_IN_2027 = "048227001234"  # Đà Nẵng (048), a boy born 2000–2099 (2), in 2027 (27)
CARD = f"{BORN_IN_2027}||Nguyễn Minh An|01012027|Nam|Số 12 Lê Lợi, phường Hải Châu, thành phố Đà Nẵng|01012027"
WAIT = 10_000


def test_a_card_of_a_child_born_on_new_years_day(qtbot, ui_context: UiContext, scanner) -> None:
    ui_context.clock = stopped_at(EVE)
    screen = open_intake_screen(qtbot, ui_context)
    scanner.id_card_scanned.connect(screen.fill_from_id_card)
    screen.phone.setFocus()
    qtbot.waitUntil(screen.phone.hasFocus, timeout=WAIT)

    scan(qtbot, screen.phone, CARD)
    assert "Mã QR căn cước" in screen.message.text() and "tương lai" in screen.message.text()
    assert screen.id_number.text() == ""  # nothing of a refused card is filled in
    screen.id_number.setFocus()
    qtbot.waitUntil(screen.id_number.hasFocus, timeout=WAIT)
    qtbot.keyClicks(screen.id_number, BORN_IN_2027)
    qtbot.keyClick(screen.id_number, Qt.Key.Key_Tab)
    assert "cho năm sinh 2027, là năm trong tương lai" in screen.field_error("id_number")

    ui_context.clock = stopped_at(NEW_YEAR)  # two seconds later, in 2027
    screen.id_number.clear()
    screen.phone.setFocus()
    qtbot.waitUntil(screen.phone.hasFocus, timeout=WAIT)
    scan(qtbot, screen.phone, CARD)
    assert (screen.id_number.text(), screen.birth_date.text(), screen.full_name.text()) == (
        BORN_IN_2027, "01/01/2027", "Nguyễn Minh An")
    screen.id_number.setFocus()
    qtbot.waitUntil(screen.id_number.hasFocus, timeout=WAIT)
    qtbot.keyClick(screen.id_number, Qt.Key.Key_Tab)
    assert screen.field_error("id_number") == ""
    screen.birth_date.setFocus()
    qtbot.waitUntil(screen.birth_date.hasFocus, timeout=WAIT)
    qtbot.keyClick(screen.birth_date, Qt.Key.Key_Tab)
    assert screen.field_error("birth_date") == ""

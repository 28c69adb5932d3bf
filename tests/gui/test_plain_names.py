"""Names go onto the slip in title case; a name typed without any diacritic is asked about once."""

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from counter_app.services.dossiers import get_dossier, search_dossiers
from counter_app.ui.context import UiContext
from counter_app.ui.intake_questions import PLAIN_NAME_YES
from counter_app.ui.intake_screen import IntakeScreen
from tests.gui.conftest import press
from tests.gui.test_intake_screen import CTRL, WAIT, fill_applicant, save_and_wait
from tests.gui.test_intake_screen import screen as intake_screen
from tests.support.qt_polling import active_message_box, when_shown

screen = intake_screen  # the same fixture, under the name its helpers use


def answer(qtbot, act, seen: list[str]) -> None:
    def note_and_act(box) -> None:
        seen.append(box.text())
        act(box)

    when_shown(active_message_box, note_and_act)


def reactivate(qtbot, screen: IntakeScreen) -> None:
    """The window manager gives the focus back after a dialog; offscreen, the test does."""
    screen.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None, timeout=WAIT)


def test_a_name_without_marks_is_asked_about_once_then_saved_in_title_case(
    qtbot, screen: IntakeScreen, ui_context: UiContext
) -> None:
    fill_applicant(qtbot, screen, "pham van tu", "Số 3 Trần Phú")
    seen: list[str] = []
    answer(qtbot, lambda box: qtbot.keyClick(box, Qt.Key.Key_Escape), seen)
    press(screen.phone, Qt.Key.Key_S, CTRL)
    assert seen == ["Họ tên «pham van tu» không có dấu. Bạn có chắc tên không dấu?"]
    assert not screen.saving
    assert screen.focusWidget() is screen.full_name  # back to fix it
    reactivate(qtbot, screen)
    assert screen.full_name.text() == "pham van tu"
    assert search_dossiers(ui_context.db, "pham van tu") == []

    answer(qtbot, lambda box: next(b for b in box.buttons() if b.text() == PLAIN_NAME_YES).click(), seen)
    code = save_and_wait(qtbot, screen)
    assert len(seen) == 2
    assert get_dossier(ui_context.db, code).applicant.full_name == "Pham Van Tu"

    reactivate(qtbot, screen)
    fill_applicant(qtbot, screen, "pham van tu", "Số 3 Trần Phú")  # the same citizen again: asked once only
    code = save_and_wait(qtbot, screen)
    assert len(seen) == 2
    assert get_dossier(ui_context.db, code).applicant.full_name == "Pham Van Tu"


def test_a_name_with_marks_is_not_asked_and_is_title_cased(qtbot, screen: IntakeScreen, ui_context: UiContext) -> None:
    fill_applicant(qtbot, screen, "phạm văn tú", "Số 3 Trần Phú")
    seen: list[str] = []
    answer(qtbot, lambda box: box.reject(), seen)
    code = save_and_wait(qtbot, screen)
    assert seen == []
    assert get_dossier(ui_context.db, code).applicant.full_name == "Phạm Văn Tú"

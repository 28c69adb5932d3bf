"""Nothing typed is lost: closing the window, Ctrl+Q or Esc with unsaved work asks first.

The question is answered the way a clerk answers it: a key or a click on the message box that shows.
"""

from collections.abc import Callable, Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from counter_app.services.dossiers import search_dossiers
from counter_app.ui.context import UiContext
from counter_app.ui.intake_questions import UNSAVED_DISCARD, UNSAVED_KEEP, UNSAVED_SAVE
from counter_app.ui.main_window import MainWindow
from tests.gui.conftest import press, type_text
from tests.support.qt_polling import active_message_box, when_shown

CTRL = Qt.KeyboardModifier.ControlModifier
WAIT = 10_000


def answer_question(qtbot, act: Callable[[QMessageBox], None], seen: list[str]) -> None:
    """When the question shows, note its text and answer it with `act` (a real key or click)."""

    def note_and_act(box: QMessageBox) -> None:
        seen.append(box.text())
        act(box)

    when_shown(active_message_box, note_and_act)


def button(box: QMessageBox, text: str):
    return next(b for b in box.buttons() if b.text() == text)


@pytest.fixture
def window(qtbot, ui_context: UiContext) -> Iterator[MainWindow]:
    main = MainWindow(ui_context)  # not qtbot.addWidget: it would close the window before this fixture clears it
    main.show()
    qtbot.waitExposed(main)
    main.activateWindow()
    qtbot.waitUntil(lambda: main.intake.picker.is_loaded, timeout=WAIT)
    yield main
    main.intake.clear_form()  # the fixture's own closing must not ask
    main.close()
    main.deleteLater()


def half_type(qtbot, window: MainWindow) -> None:
    intake = window.intake
    intake.full_name.setFocus()
    qtbot.waitUntil(intake.full_name.hasFocus, timeout=WAIT)
    type_text(intake.full_name, "Phạm Văn Tú", gap_ms=80)
    intake.id_number.setFocus()
    type_text(intake.id_number, "0490900", gap_ms=80)
    intake.summary.setText("Xin cấp bản sao")


def fields(window: MainWindow) -> tuple[str, str, str]:
    intake = window.intake
    return intake.full_name.text(), intake.id_number.text(), intake.summary.text()


def test_ctrl_q_with_a_half_typed_dossier_asks_and_cancelling_keeps_every_field(qtbot, window: MainWindow) -> None:
    half_type(qtbot, window)
    before = fields(window)
    seen: list[str] = []
    answer_question(qtbot, lambda box: qtbot.keyClick(box, Qt.Key.Key_Escape), seen)

    press(window.intake.id_number, Qt.Key.Key_Q, CTRL)

    assert len(seen) == 1 and "chưa được lưu" in seen[0]
    assert window.isVisible()
    assert fields(window) == before == ("Phạm Văn Tú", "0490900", "Xin cấp bản sao")
    assert window.current_screen() is window.intake


def test_the_question_offers_save_discard_and_keep_editing(qtbot, window: MainWindow) -> None:
    half_type(qtbot, window)
    texts: list[list[str]] = []

    def keep(box: QMessageBox) -> None:
        texts.append(sorted(b.text() for b in box.buttons()))
        button(box, UNSAVED_KEEP).click()

    answer_question(qtbot, keep, [])
    window.close()
    assert texts == [sorted([UNSAVED_SAVE, UNSAVED_DISCARD, UNSAVED_KEEP])]
    assert window.isVisible()


def test_discard_closes_the_window(qtbot, window: MainWindow, ui_context: UiContext) -> None:
    half_type(qtbot, window)
    answer_question(qtbot, lambda box: button(box, UNSAVED_DISCARD).click(), [])
    window.close()
    assert not window.isVisible()
    assert search_dossiers(ui_context.db, "Phạm Văn Tú") == []


def test_an_empty_form_closes_without_a_question(qtbot, window: MainWindow) -> None:
    seen: list[str] = []
    answer_question(qtbot, lambda box: box.reject(), seen)
    window.close()
    qtbot.wait(50)
    assert not window.isVisible()
    assert seen == []


def test_save_on_closing_with_a_faulty_form_keeps_the_window_and_the_fields(qtbot, window: MainWindow) -> None:
    half_type(qtbot, window)  # no procedure chosen: the save is refused field by field
    before = fields(window)
    answer_question(qtbot, lambda box: button(box, UNSAVED_SAVE).click(), [])
    window.close()
    qtbot.waitUntil(lambda: not window.intake.saving and bool(window.intake.field_error("procedure_code")),
                    timeout=WAIT)
    assert window.isVisible()
    assert fields(window) == before


def test_esc_on_the_intake_screen_asks_before_emptying_the_form(qtbot, window: MainWindow) -> None:
    half_type(qtbot, window)
    before = fields(window)
    seen: list[str] = []
    answer_question(qtbot, lambda box: qtbot.keyClick(box, Qt.Key.Key_Escape), seen)
    press(window.intake.id_number, Qt.Key.Key_Escape)
    assert len(seen) == 1
    assert fields(window) == before

    answer_question(qtbot, lambda box: button(box, UNSAVED_DISCARD).click(), seen)
    press(window.intake.id_number, Qt.Key.Key_Escape)
    assert len(seen) == 2
    assert fields(window) == ("", "", "")
    assert window.isVisible()

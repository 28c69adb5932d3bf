"""Giving a dossier a new code from its screen, with the keyboard (ui/dossier_view.py, services/recode.py).

A dossier the province keeps another citizen's dossier under the code of says so and why; Ctrl+Shift+M asks
first (Enter answers no), Alt+C gives the new code, the screen follows the dossier to it and opens the new
slip to print; the old code still opens the dossier. A dossier whose code stands offers nothing.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox

from counter_app.domain.codes import parse_dossier_code
from counter_app.ui.context import UiContext
from counter_app.ui.dossier_view import DossierDialog
from counter_app.ui.slip_preview import SlipPreviewDialog
from tests.gui.conftest import open_dossier_dialog as opened
from tests.support.conflict_notices import decided, received

CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier




def label(dialog: DossierDialog, name: str) -> QLabel:
    found = dialog.findChild(QLabel, name)
    assert found is not None, name
    return found


def test_a_dossier_whose_code_the_province_keeps_for_another_citizen_gets_a_new_one_and_its_slip(
        qtbot, ui_context: UiContext) -> None:
    old = received(ui_context.db, clerk="")
    decided(ui_context.db, old)
    dialog = opened(qtbot, ui_context, old)
    needed = label(dialog, "dossier_recode_needed")
    assert needed.isVisibleTo(dialog) and "Hai công dân khác nhau" in needed.text()
    assert dialog.recode_button.isEnabled() and dialog.recode_button.text() == "Cấp mã mới (Ctrl+Shift+M)"

    qtbot.keyClick(dialog, Qt.Key.Key_M, CTRL_SHIFT)
    box = dialog.recode_box
    qtbot.waitExposed(box)
    assert old in box.text() and "Nguyễn Văn Đức" in box.text()
    qtbot.keyClick(box, Qt.Key.Key_Return)  # Enter is "no": nothing changes
    qtbot.waitUntil(lambda: not box.isVisible())
    assert dialog.code == old and label(dialog, "dossier_code").text() == old

    qtbot.keyClick(dialog, Qt.Key.Key_M, CTRL_SHIFT)
    box = dialog.recode_box
    qtbot.waitExposed(box)
    box.activateWindow()
    qtbot.waitUntil(box.isActiveWindow)
    qtbot.keyClick(box, Qt.Key.Key_C, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: dialog.code != old, timeout=10_000)

    new = dialog.code
    assert parse_dossier_code(new).number == parse_dossier_code(old).number + 1
    qtbot.waitUntil(lambda: label(dialog, "dossier_code").text() == new)
    qtbot.waitUntil(lambda: label(dialog, "dossier_old_codes").isVisibleTo(dialog))
    assert label(dialog, "dossier_old_codes").text().startswith(f"Mã cũ: {old} (cấp mã mới lúc ")
    assert not needed.isVisibleTo(dialog) and not dialog.recode_button.isEnabled()
    qtbot.waitUntil(lambda: dialog.findChild(SlipPreviewDialog) is not None)
    preview = dialog.findChild(SlipPreviewDialog)
    assert preview.code == new
    qtbot.waitUntil(lambda: preview.pdf is not None, timeout=20_000)
    preview.reject()

    scanned = opened(qtbot, ui_context, old)  # the citizen's old slip, scanned
    assert label(scanned, "dossier_code").text() == new and scanned.code == new


def test_a_dossier_whose_code_stands_offers_no_new_code(qtbot, ui_context: UiContext) -> None:
    code = received(ui_context.db, clerk="")
    dialog = opened(qtbot, ui_context, code)
    assert not dialog.recode_button.isEnabled()
    assert not label(dialog, "dossier_recode_needed").isVisibleTo(dialog)
    assert not label(dialog, "dossier_old_codes").isVisibleTo(dialog)
    qtbot.keyClick(dialog, Qt.Key.Key_M, CTRL_SHIFT)
    assert dialog.findChild(QMessageBox) is None and dialog.code == code

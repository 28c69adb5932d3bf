"""The lifecycle keys of the dossier view: hand-over, supplement, papers supplied, apology, refusal (issue 9)."""

from datetime import timedelta

import pytest
from PySide6.QtCore import QDateTime, Qt
from PySide6.QtWidgets import QApplication, QLabel

from counter_app.domain.dossier import OFFICE_TZ, Dossier
from counter_app.domain.lifecycle import Status
from counter_app.services.dossiers import get_dossier
from counter_app.services.intake import IntakeRequest, PersonInput, receive_dossier
from counter_app.services.lifecycle import records_of
from counter_app.ui.context import UiContext
from counter_app.ui.dossier_view import DossierDialog
from counter_app.ui.lifecycle_dialogs import ApologyDialog, HandoverDialog, StepDialog, SupplementDialog
from tests.gui.conftest import open_dossier_dialog as opened
from tests.gui.conftest import press, type_text

CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def dossier(ui_context: UiContext) -> Dossier:
    applicant = PersonInput(full_name="Nguyễn Văn Đức", id_number="049090001234", phone="0905123456",
                            street="12 Lê Lợi", birth_date="1990-05-04", gender="male")
    return receive_dossier(ui_context.db, IntakeRequest("1.002211", applicant))



def key(qtbot, dialog: DossierDialog, letter: Qt.Key, kind: type):
    """Press Ctrl+letter in the dossier view and return the lifecycle dialog it opened."""
    before = getattr(dialog, "lifecycle_dialog", None)
    press(dialog.focusWidget() or dialog, letter, CTRL)
    qtbot.waitUntil(lambda: getattr(dialog, "lifecycle_dialog", None) not in (None, before))
    opened = dialog.lifecycle_dialog
    assert isinstance(opened, kind)
    qtbot.waitExposed(opened)
    opened.activateWindow()  # what the window manager does for a new dialog; offscreen Qt leaves it to us
    qtbot.waitUntil(lambda: QApplication.activeWindow() is opened)
    return opened


def ctrl_enter(step) -> None:
    """Ctrl+Enter where the clerk's cursor is."""
    press(step.focusWidget() or step, Qt.Key.Key_Return, CTRL)


def save_and_wait(qtbot, ui_context: UiContext, dialog: DossierDialog, step, status: Status) -> None:
    ctrl_enter(step)
    qtbot.waitUntil(lambda: not step.isVisible(), timeout=10_000)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    qtbot.waitUntil(lambda: dialog.dossier is not None and dialog.dossier.status is status, timeout=10_000)
    assert dialog.findChild(QLabel, "dossier_status").text().startswith(f"Trạng thái: {status.label}")


def test_the_dossier_goes_to_the_agency_waits_for_papers_and_comes_back_with_the_keyboard(
    qtbot, ui_context: UiContext, dossier: Dossier
) -> None:
    dialog = opened(qtbot, ui_context, dossier.code)
    assert [b.text() for b in dialog.lifecycle_buttons][:2] == ["Chuyển trạng thái (Ctrl+T)", "Yêu cầu bổ sung (Ctrl+B)"]
    assert not dialog.lifecycle_buttons[2].isEnabled()  # nothing to supply yet

    given = key(qtbot, dialog, Qt.Key.Key_G, HandoverDialog)
    type_text(given.agency, "Phòng Tư pháp")
    save_and_wait(qtbot, ui_context, dialog, given, Status.PROCESSING)

    asked = key(qtbot, dialog, Qt.Key.Key_B, SupplementDialog)
    qtbot.waitUntil(lambda: asked.loaded)
    press(asked.papers, Qt.Key.Key_Plus)  # one original of the first paper
    ctrl_enter(asked)  # no reason yet: refused, what was typed is kept
    qtbot.waitUntil(lambda: "Hãy ghi lý do" in asked.error.text())
    assert asked.papers.lines()[0].originals == 1
    type_text(asked.reason, "Thiếu bản chính quyết định")
    save_and_wait(qtbot, ui_context, dialog, asked, Status.SUPPLEMENT_REQUESTED)

    supplied = key(qtbot, dialog, Qt.Key.Key_D, StepDialog)
    assert supplied.target.count() == 1 and supplied.chosen() is Status.PROCESSING
    save_and_wait(qtbot, ui_context, dialog, supplied, Status.PROCESSING)

    apology = key(qtbot, dialog, Qt.Key.Key_H, ApologyDialog)
    new_due = dialog.dossier.due_at.astimezone(OFFICE_TZ) + timedelta(days=7)
    while new_due.weekday() >= 5:
        new_due += timedelta(days=1)
    apology.new_due.setDateTime(QDateTime(new_due.date(), new_due.time().replace(tzinfo=None, second=0, microsecond=0)))
    type_text(apology.reason, "Chờ ý kiến của cơ quan công an")
    ctrl_enter(apology)
    qtbot.waitUntil(lambda: not apology.isVisible(), timeout=10_000)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    qtbot.waitUntil(lambda: dialog.dossier.previous_due_at is not None, timeout=10_000)

    back = key(qtbot, dialog, Qt.Key.Key_G, HandoverDialog)
    press(back.direction, Qt.Key.Key_Down)  # "Nhận kết quả từ cơ quan giải quyết"
    type_text(back.agency, "Phòng Tư pháp")
    save_and_wait(qtbot, ui_context, dialog, back, Status.RESULT_READY)

    records = records_of(ui_context.db, dossier.code)
    assert [h.direction.label for h in records.handovers] == ["Giao", "Nhận"]
    assert records.supplements[0].reason == "Thiếu bản chính quyết định"
    assert records.apologies[0].reason == "Chờ ý kiến của cơ quan công an"
    assert "trước đó" in dialog.findChild(QLabel, "dossier_due").text()


def test_a_refusal_after_receipt_needs_its_reason(qtbot, ui_context: UiContext, dossier: Dossier) -> None:
    dialog = opened(qtbot, ui_context, dossier.code)
    step = key(qtbot, dialog, Qt.Key.Key_T, StepDialog)
    assert step.chosen() is Status.REFUSED  # 2 → 3 is the first move offered
    ctrl_enter(step)
    qtbot.waitUntil(lambda: step.error.text() == "Hãy ghi lý do khi chuyển hồ sơ sang «Không được tiếp nhận».")
    type_text(step.reason, "Hồ sơ không thuộc thẩm quyền của xã")
    save_and_wait(qtbot, ui_context, dialog, step, Status.REFUSED)
    assert get_dossier(ui_context.db, dossier.code).history[-1].note == "Hồ sơ không thuộc thẩm quyền của xã"
    assert not any(button.isEnabled() for button in dialog.lifecycle_buttons)  # a final status

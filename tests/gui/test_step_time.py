"""«Thời điểm» in the lifecycle and return dialogs: a step typed afterwards keeps its real time; a time in
the future or before the dossier's last step is refused under the field, with everything typed kept.
The context's clock is fixed (no wall clock): the dossier was received on Monday, now is Tuesday 10:00."""

from __future__ import annotations

from datetime import datetime

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from counter_app.domain.dossier import OFFICE_TZ
from counter_app.domain.errors import ValidationError
from counter_app.domain.lifecycle import Status
from counter_app.services.dossiers import change_status, get_dossier
from counter_app.services.intake import IntakeRequest, PersonInput, receive_dossier
from counter_app.services.lifecycle import records_of
from counter_app.services.returns import returns_of
from counter_app.ui.context import UiContext
from counter_app.ui.dossier_view import DossierDialog
from counter_app.ui.lifecycle_dialogs import HandoverDialog
from counter_app.ui.moment_field import parse_office_moment
from counter_app.ui.return_dialog import ReturnDialog
from tests.gui.conftest import open_dossier_dialog as opened
from tests.gui.conftest import press, type_text

MONDAY = datetime(2026, 3, 9, 9, 0, tzinfo=OFFICE_TZ)
NOW = datetime(2026, 3, 10, 10, 0, tzinfo=OFFICE_TZ)
CTRL = Qt.KeyboardModifier.ControlModifier
WAIT = 10_000


@pytest.fixture
def context(ui_context: UiContext) -> UiContext:
    ui_context.clock = lambda: NOW
    return ui_context


def received_monday(context: UiContext, *path: Status) -> str:
    applicant = PersonInput(full_name="Nguyễn Văn Đức", id_number="049090001234", phone="0905123456",
                            street="12 Lê Lợi")
    code = receive_dossier(context.db, IntakeRequest("1.001193", applicant, received_at=MONDAY), now=MONDAY).code
    for status in path:
        change_status(context.db, code, status, note="thử", now=MONDAY)
    return code



def handover_dialog(qtbot, view: DossierDialog) -> HandoverDialog:
    """Ctrl+G in the dossier view: the hand-over dialog, active."""
    press(view.focusWidget() or view, Qt.Key.Key_G, CTRL)
    qtbot.waitUntil(lambda: isinstance(getattr(view, "lifecycle_dialog", None), HandoverDialog))
    step = view.lifecycle_dialog
    qtbot.waitExposed(step)
    step.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is step)
    return step


def retype(widget, text: str) -> None:
    """Select what the field shows and type over it, as the clerk does."""
    press(widget, Qt.Key.Key_A, CTRL)
    type_text(widget, text)


def test_the_typed_forms_of_a_moment() -> None:
    today = NOW.date()
    assert parse_office_moment("14:30 09/03/2026", today) == datetime(2026, 3, 9, 14, 30, tzinfo=OFFICE_TZ)
    assert parse_office_moment(" 8h05  09/03 ", today) == datetime(2026, 3, 9, 8, 5, tzinfo=OFFICE_TZ)
    assert parse_office_moment("07:45", today) == datetime(2026, 3, 10, 7, 45, tzinfo=OFFICE_TZ)
    for wrong in ("25:00", "14:30 31/02/2026", "hôm qua", "14:30 09-03-2026"):
        with pytest.raises(ValidationError, match="không đúng dạng giờ:phút ngày/tháng/năm"):
            parse_office_moment(wrong, today)


def test_a_hand_over_typed_afterwards_keeps_its_time_and_wrong_times_are_refused_at_the_field(
        qtbot, context: UiContext) -> None:
    code = received_monday(context)
    view = opened(qtbot, context, code)
    step = handover_dialog(qtbot, view)
    assert step.when.edit.text() == "10:00 10/03/2026"  # now, on the context's clock
    step.direction.setFocus()
    press(step.direction, Qt.Key.Key_Tab)
    type_text(QApplication.focusWidget(), "Phòng Tư pháp")
    press(QApplication.focusWidget(), Qt.Key.Key_Tab)
    field = step.when.edit
    assert QApplication.focusWidget() is field  # «Thời điểm» comes after the dialog's own fields

    for typed, why in (("08:00 09/03/2026", "trước bước gần nhất"), ("11:00", "ở tương lai")):
        retype(field, typed)
        press(field, Qt.Key.Key_Return, CTRL)
        qtbot.waitUntil(lambda why=why: why in step.when.error_text(), timeout=WAIT)
        assert step.isVisible() and field.text() == typed and step.agency.text() == "Phòng Tư pháp"
        assert QApplication.focusWidget() is field
        assert get_dossier(context.db, code).status is Status.RECEIVED

    retype(field, "15:30 09/03/2026")
    assert step.when.error_text() == ""  # editing the field takes the old message away
    press(field, Qt.Key.Key_Return, CTRL)
    qtbot.waitUntil(lambda: not step.isVisible(), timeout=WAIT)
    records = records_of(context.db, code)
    moment = datetime(2026, 3, 9, 15, 30, tzinfo=OFFICE_TZ)
    assert [h.at for h in records.handovers] == [moment]
    assert records.dossier.status is Status.PROCESSING
    assert records.dossier.history[-1].at == moment


def test_a_step_left_at_now_is_stamped_by_the_clock(qtbot, context: UiContext) -> None:
    code = received_monday(context)
    view = opened(qtbot, context, code)
    step = handover_dialog(qtbot, view)
    press(step.direction, Qt.Key.Key_Return, CTRL)
    qtbot.waitUntil(lambda: not step.isVisible(), timeout=WAIT)
    assert records_of(context.db, code).handovers[0].at == NOW


def test_a_result_returned_yesterday_at_the_desk_keeps_that_time(qtbot, context: UiContext) -> None:
    code = received_monday(context, Status.PROCESSING, Status.RESULT_READY)
    view = opened(qtbot, context, code)
    press(view, Qt.Key.Key_R, CTRL)
    qtbot.waitUntil(lambda: view.findChild(ReturnDialog) is not None)
    dialog = view.findChild(ReturnDialog)
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: dialog.recipient.text() != "")
    type_text(dialog.receiver, "Lê Văn Cường")
    press(dialog.receiver, Qt.Key.Key_Tab)
    type_text(QApplication.focusWidget(), "049090001234")
    press(QApplication.focusWidget(), Qt.Key.Key_Tab)
    field = dialog.when.edit
    assert QApplication.focusWidget() is field

    retype(field, "10:01")  # a minute ahead of the clock
    press(field, Qt.Key.Key_S, CTRL)
    qtbot.waitUntil(lambda: "ở tương lai" in dialog.when.error_text(), timeout=WAIT)
    assert dialog.record is None and dialog.receiver.text() == "Lê Văn Cường"

    retype(field, "16:45 09/03")
    press(field, Qt.Key.Key_S, CTRL)
    qtbot.waitUntil(lambda: dialog.record is not None, timeout=WAIT)
    moment = datetime(2026, 3, 9, 16, 45, tzinfo=OFFICE_TZ)
    assert [r.returned_at for r in returns_of(context.db, code)] == [moment]
    returned = get_dossier(context.db, code)
    assert returned.status is Status.RETURNED and returned.history[-1].at == moment

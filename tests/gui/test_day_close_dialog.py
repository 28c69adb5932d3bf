"""The day-close dialog (Ctrl+Shift+K): counting by denomination with the keyboard, the live difference,
a refusal without sign-off that keeps the count, then a close signed by a supervisor."""

from __future__ import annotations

from PySide6.QtCore import Qt

from counter_app.services.accounts import create_account
from counter_app.services.clock import office_today
from counter_app.services.day_close import day_summary
from counter_app.ui.context import UiContext
from counter_app.ui.day_close_dialog import DayCloseDialog
from tests.gui.conftest import type_text
from tests.support.receipts import add_receipt

WAIT = 10_000
CTRL = Qt.KeyboardModifier.ControlModifier
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def test_counting_the_drawer_and_closing_the_day_from_the_keyboard(qtbot, ui_context: UiContext) -> None:
    from counter_app.ui.main_window import MainWindow

    db = ui_context.db
    create_account(db, username="giamsat", full_name="Lê Văn Giám", role="supervisor", password="matkhau-gs1", by=None)
    ui_context.clerk = create_account(db, username="mai", full_name="Trần Thị Mai", role="clerk",
                                      password="matkhau123", by="giamsat")
    today = office_today(ui_context.clock())
    add_receipt(db, day=today, number=1, fee=10_000, charge=5_000)
    add_receipt(db, day=today, number=2, fee=20_000)
    add_receipt(db, day=today, number=3, charge=50_000, method="transfer", bank_reference="FT1")

    window = MainWindow(ui_context)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=WAIT)
    qtbot.keyClick(window, Qt.Key.Key_K, CTRL_SHIFT)  # through the shortcut map, as a real key press
    qtbot.waitUntil(lambda: getattr(window, "day_close_dialog", None) is not None, timeout=WAIT)
    dialog: DayCloseDialog = window.day_close_dialog
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=WAIT)
    assert "35.000 đồng" in dialog.findChildren(type(dialog.total))[0].text()  # the intro: cash expected

    # 20.000 × 1, 10.000 × 1, 2.000 × 2: 34.000 counted, 1.000 short.
    spins = dialog.spins
    for value, pieces in ((20_000, "1"), (10_000, "1"), (2_000, "2")):
        spins[value].setFocus()
        spins[value].selectAll()
        type_text(spins[value].lineEdit(), pieces)
    qtbot.waitUntil(lambda: dialog.total.text() == "34.000 đồng", timeout=WAIT)
    assert dialog.difference.text().startswith("thiếu 1.000 đồng") and dialog.explanation.isEnabled()

    qtbot.keyClick(dialog.focusWidget() or dialog, Qt.Key.Key_Return, CTRL)  # no explanation: refused
    qtbot.waitUntil(lambda: "giải trình" in dialog.message.text(), timeout=WAIT)
    assert dialog.isVisible() and dialog.total.text() == "34.000 đồng"  # the count is kept
    assert day_summary(db, today).close is None

    dialog.explanation.setFocus()
    type_text(dialog.explanation, "Trả nhầm tiền thừa cho khách")
    type_text(dialog.supervisor, "giamsat")
    type_text(dialog.password, "sai-mat-khau")
    qtbot.keyClick(dialog.focusWidget() or dialog, Qt.Key.Key_Return, CTRL)  # a wrong password: refused
    qtbot.waitUntil(lambda: "mật khẩu" in dialog.message.text().lower(), timeout=WAIT)
    assert day_summary(db, today).close is None and dialog.password.text() == ""

    type_text(dialog.password, "matkhau-gs1")
    with qtbot.waitSignal(dialog.closed, timeout=WAIT) as signal:
        qtbot.keyClick(dialog.focusWidget() or dialog, Qt.Key.Key_Return, CTRL)
    close = signal.args[0]
    assert (close.counted, close.counted_total, close.difference) == ({20_000: 1, 10_000: 1, 2_000: 2}, 34_000, -1_000)
    assert (close.clerk, close.supervisor, close.explanation) == ("Trần Thị Mai", "giamsat",
                                                                  "Trả nhầm tiền thừa cho khách")
    assert day_summary(db, today).close == close

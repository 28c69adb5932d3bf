"""Returning results from the worklists (F5) with the keyboard alone, in the real main window: at the
desk (T), by post with its label printed (B), and the shipment's next steps on one key each."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pypdfium2 as pdfium
import pytest
import zxingcpp
from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QApplication

from counter_app.domain.lifecycle import Status
from counter_app.domain.postal_codes import parse_item_code, s10_check_digit
from counter_app.domain.returns import ShipmentState
from counter_app.services.dossiers import get_dossier
from counter_app.services.returns import returned_items, returns_of
from counter_app.services.worklists import WorklistKind
from counter_app.ui.context import UiContext
from counter_app.ui.main_window import MainWindow
from counter_app.ui.return_dialog import POST_TAB, ReturnDialog
from counter_app.ui.worklist_screen import TAB_ORDER
from tests.gui.conftest import press, type_text
from tests.support.returns import grant_item_range, result_ready_dossier

CTRL = Qt.KeyboardModifier.ControlModifier
WAIT = 20_000


def focused():
    return QApplication.focusWidget()


@pytest.fixture
def window(qtbot, ui_context: UiContext) -> Iterator[MainWindow]:
    main = MainWindow(ui_context)
    qtbot.addWidget(main)
    main.show()
    main.resize(1366, 768)
    qtbot.waitExposed(main)
    main.activateWindow()
    yield main


def worklist_tab(qtbot, window: MainWindow, kind: WorklistKind) -> None:
    """F5, then Ctrl+N for the list, each as a key press, and wait until the rows are read."""
    screen = window.worklists
    press(focused() or window, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: window.current_screen() is screen, timeout=WAIT)
    qtbot.waitUntil(lambda: not screen.loading, timeout=WAIT)
    press(focused(), Qt.Key(Qt.Key.Key_1 + TAB_ORDER.index(kind)), CTRL)
    qtbot.waitUntil(lambda: screen.current_kind is kind and focused() is screen.current_table, timeout=WAIT)


def row_codes(window: MainWindow) -> list[str]:
    return [d.code for d in window.worklists.worklists[window.worklists.current_kind].dossiers]


def opened_return_dialog(qtbot, window: MainWindow) -> ReturnDialog:
    qtbot.waitUntil(lambda: isinstance(window.worklist_steps.dialog, ReturnDialog), timeout=WAIT)
    dialog = window.worklist_steps.dialog
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: dialog.recipient.text() != "", timeout=WAIT)  # prefilled from the dossier
    return dialog


@pytest.mark.slow
def test_return_at_the_desk_from_the_worklist_with_the_keyboard_alone(qtbot, window: MainWindow) -> None:
    db = window.context.db
    code = result_ready_dossier(db)
    worklist_tab(qtbot, window, WorklistKind.READY_TO_RETURN)
    assert row_codes(window) == [code]

    press(focused(), Qt.Key.Key_T)  # the row's next step: return at the desk
    dialog = opened_return_dialog(qtbot, window)
    assert dialog.tabs.currentIndex() == 0 and focused() is dialog.receiver
    type_text(focused(), "lê văn cường", 5)
    press(focused(), Qt.Key.Key_Return)
    type_text(focused(), "049090001234", 5)
    press(focused(), Qt.Key.Key_Return)  # Enter in the last field saves
    qtbot.waitUntil(lambda: dialog.is_ready, timeout=WAIT)
    assert get_dossier(db, code).status is Status.RETURNED
    record = returns_of(db, code)[0]
    assert (record.receiver_name, record.receiver_id_number) == ("Lê Văn Cường", "049090001234")

    press(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: code not in row_codes(window) and not window.worklists.loading, timeout=WAIT)


@pytest.mark.slow
def test_send_by_post_from_the_worklist_print_the_label_then_follow_the_item(
        qtbot, window: MainWindow, tmp_path: Path) -> None:
    db = window.context.db
    code = result_ready_dossier(db)
    grant_item_range(db, 47312482, 47312490)
    worklist_tab(qtbot, window, WorklistKind.READY_TO_RETURN)

    press(focused(), Qt.Key.Key_B)  # the row's next step: send by post
    dialog = opened_return_dialog(qtbot, window)
    assert dialog.tabs.currentIndex() == POST_TAB
    dialog.postage.setFocus()
    type_text(focused(), "25000", 5)
    press(focused(), Qt.Key.Key_S, CTRL)
    qtbot.waitUntil(lambda: dialog.is_ready, timeout=WAIT)
    item = returns_of(db, code)[0].item_code
    assert item == "RR473124829VN" and item in dialog.status.text()

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "nhan.pdf"))
    printer.setPageSize(dialog.page_size())
    done: list[bool] = []
    dialog.print_to(printer, lambda: done.append(True))
    qtbot.waitUntil(lambda: bool(done), timeout=WAIT)
    document = pdfium.PdfDocument(str(tmp_path / "nhan.pdf"))
    try:
        image = document[0].render(scale=203 / 72).to_pil().convert("L")
    finally:
        document.close()
    decoded = {r.format: r.text for r in zxingcpp.read_barcodes(image)}[zxingcpp.BarcodeFormat.Code128]
    assert decoded == item and int(decoded[10]) == s10_check_digit(parse_item_code(decoded).serial)
    press(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible() and focused() is window.worklists.current_table, timeout=WAIT)

    # The item waits for the postman: G (handed), then H (returned to sender) moves it to the returned list.
    worklist_tab(qtbot, window, WorklistKind.SHIPMENTS_NOT_DELIVERED)
    qtbot.waitUntil(lambda: row_codes(window) == [code], timeout=WAIT)
    press(focused(), Qt.Key.Key_G)
    qtbot.waitUntil(lambda: returns_of(db, code)[0].shipment_state is ShipmentState.HANDED, timeout=WAIT)
    qtbot.waitUntil(lambda: not window.worklists.loading and row_codes(window) == [code], timeout=WAIT)
    press(focused(), Qt.Key.Key_H)
    qtbot.waitUntil(lambda: [r.dossier_code for r in returned_items(db)] == [code], timeout=WAIT)
    qtbot.waitUntil(lambda: not window.worklists.loading and row_codes(window) == [], timeout=WAIT)
    worklist_tab(qtbot, window, WorklistKind.RETURNED_ITEMS)
    assert row_codes(window) == [code]


@pytest.mark.slow
def test_an_apology_from_the_overdue_list_in_two_keys_then_its_form_04(qtbot, window: MainWindow) -> None:
    from datetime import timedelta

    from pypdf import PdfReader

    from counter_app.services.clock import utc_now
    from counter_app.services.intake import IntakeRequest, PersonInput, receive_dossier
    from counter_app.services.lifecycle import records_of
    from counter_app.ui.lifecycle_dialogs import ApologyDialog

    db = window.context.db
    last_week = utc_now() - timedelta(days=7)  # a same-day procedure received a week ago: overdue now
    code = receive_dossier(db, IntakeRequest("1.001193", PersonInput(
        full_name="Lê Thị Hồng", id_number="049090001234", phone="0905123456", street="12 Lê Lợi"),
        received_at=last_week), now=last_week).code
    worklist_tab(qtbot, window, WorklistKind.OVERDUE)  # F5, Ctrl+2
    assert row_codes(window) == [code]

    press(focused(), Qt.Key.Key_X)  # the row's next step: Mẫu 04
    qtbot.waitUntil(lambda: isinstance(window.worklist_steps.dialog, ApologyDialog), timeout=WAIT)
    apology = window.worklist_steps.dialog
    qtbot.waitExposed(apology)
    apology.activateWindow()
    qtbot.waitUntil(lambda: apology.new_due_at() > utc_now(), timeout=WAIT)  # the next working day's close
    proposed = apology.new_due_at()
    type_text(apology.reason, "Cơ quan chuyên môn cần xác minh thêm", 5)
    press(apology.reason, Qt.Key.Key_Return, CTRL)  # Ctrl+Enter saves

    qtbot.waitUntil(lambda: bool(records_of(db, code).apologies), timeout=WAIT)
    saved = records_of(db, code).apologies[-1]
    assert (saved.reason, saved.new_due_at) == ("Cơ quan chuyên môn cần xác minh thêm", proposed)
    qtbot.waitUntil(lambda: getattr(window.worklist_steps.dialog, "is_ready", False), timeout=WAIT)
    preview = window.worklist_steps.dialog
    text = " ".join(PdfReader(io.BytesIO(preview.pdf)).pages[0].extract_text().split())
    assert "Cơ quan chuyên môn cần xác minh thêm" in text and code in text
    press(preview, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not window.worklists.loading and code not in row_codes(window), timeout=WAIT)

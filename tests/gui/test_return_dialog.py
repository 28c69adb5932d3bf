"""Returning a result from the keyboard alone: at the desk from the dossier view, and by post with its
label printed (a real QPrinter writing a PDF) and its barcode read back."""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium
import pytest
import zxingcpp
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QApplication

from counter_app.domain.lifecycle import Status
from counter_app.domain.postal_codes import parse_item_code, s10_check_digit
from counter_app.services.dossiers import get_dossier
from counter_app.services.returns import returns_of
from counter_app.ui.context import UiContext
from counter_app.ui.dossier_view import DossierDialog
from counter_app.ui.return_dialog import POST_TAB, ReturnDialog
from tests.gui.conftest import HUMAN_PAUSE_MS, press, type_text
from tests.support.returns import grant_item_range, result_ready_dossier

CTRL = Qt.KeyboardModifier.ControlModifier
WAIT = 20_000


def focused():
    return QApplication.focusWidget()


def open_from_dossier_view(qtbot, ui_context: UiContext, code: str) -> tuple[DossierDialog, ReturnDialog]:
    view = DossierDialog(ui_context, code)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitExposed(view)
    view.activateWindow()
    qtbot.waitUntil(lambda: view.loaded)
    press(view, Qt.Key.Key_R, CTRL)
    qtbot.waitUntil(lambda: view.findChild(ReturnDialog) is not None)
    dialog = view.findChild(ReturnDialog)
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: dialog.recipient.text() != "")  # prefilled from the dossier
    return view, dialog


def print_to_pdf(qtbot, dialog: ReturnDialog, out: Path) -> None:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(out))
    printer.setPageSize(dialog.page_size())
    done: list[bool] = []
    dialog.print_to(printer, lambda: done.append(True))
    qtbot.waitUntil(lambda: bool(done), timeout=WAIT)


@pytest.mark.slow
def test_return_at_desk_with_the_keyboard_alone(qtbot, ui_context: UiContext, tmp_path: Path) -> None:
    code = result_ready_dossier(ui_context.db)
    view, dialog = open_from_dossier_view(qtbot, ui_context, code)
    assert focused() is dialog.receiver
    type_text(focused(), "lê văn cường", HUMAN_PAUSE_MS // 10)
    press(focused(), Qt.Key.Key_Return)
    assert focused() is dialog.id_number
    type_text(focused(), "049090001234", HUMAN_PAUSE_MS // 10)
    press(focused(), Qt.Key.Key_Return)  # Enter in the last field saves
    qtbot.waitUntil(lambda: dialog.is_ready, timeout=WAIT)
    assert "Ctrl+P để in phiếu giao nhận kết quả" in dialog.status.text()
    assert get_dossier(ui_context.db, code).status is Status.RETURNED
    qtbot.waitUntil(lambda: "Đã trả kết quả" in view.status_label.text(), timeout=WAIT)

    printed = tmp_path / "phieu.pdf"
    print_to_pdf(qtbot, dialog, printed)
    width_mm = float(PdfReader(printed).pages[0].mediabox.width) / 72 * 25.4
    assert width_mm == pytest.approx(148, abs=1)  # A5
    saved = dialog.save_pdf(tmp_path / "phieu-luu")
    assert "Lê Văn Cường" in PdfReader(saved).pages[0].extract_text()
    press(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()


@pytest.mark.slow
def test_refused_post_return_keeps_the_fields_then_sends_and_prints_the_label(
        qtbot, ui_context: UiContext, tmp_path: Path) -> None:
    code = result_ready_dossier(ui_context.db)
    _, dialog = open_from_dossier_view(qtbot, ui_context, code)
    press(focused(), Qt.Key.Key_2, CTRL)
    assert dialog.tabs.currentIndex() == POST_TAB and focused() is dialog.recipient
    assert (dialog.phone.text(), dialog.street.text()) == ("0905123456", "12 Lê Lợi")
    dialog.postage.setFocus()
    type_text(focused(), "25000", HUMAN_PAUSE_MS // 10)
    press(focused(), Qt.Key.Key_Return)  # saves: this desk has no item numbers yet
    qtbot.waitUntil(lambda: "hết mã bưu gửi" in dialog.status.text(), timeout=WAIT)
    assert dialog.record is None and dialog.postage.text() == "25000"
    assert get_dossier(ui_context.db, code).status is Status.RESULT_READY

    grant_item_range(ui_context.db, 47312482, 47312490)  # the province's grant arrives
    press(focused(), Qt.Key.Key_S, CTRL)
    qtbot.waitUntil(lambda: dialog.is_ready, timeout=WAIT)
    item = returns_of(ui_context.db, code)[0].item_code
    assert item == "RR473124829VN" and item in dialog.status.text()

    printed = tmp_path / "nhan.pdf"
    print_to_pdf(qtbot, dialog, printed)
    box = PdfReader(printed).pages[0].mediabox
    assert (round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4)) == (105, 148)  # A6
    document = pdfium.PdfDocument(str(printed))
    try:
        image = document[0].render(scale=203 / 72).to_pil().convert("L")
    finally:
        document.close()
    decoded = {r.format: r.text for r in zxingcpp.read_barcodes(image)}[zxingcpp.BarcodeFormat.Code128]
    assert decoded == item
    assert int(decoded[10]) == s10_check_digit(parse_item_code(decoded).serial)

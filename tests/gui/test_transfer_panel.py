"""The transfer panel: the QR it shows decodes to the payload, and the bank reference is required."""

from __future__ import annotations

import io

import zxingcpp
from PIL import Image
from PySide6.QtCore import QBuffer, QIODevice, Qt

from counter_app.domain.vietqr import read_transfer
from counter_app.services.bank_account import NoBankAccount, transfer_request
from counter_app.services.intake import IntakeRequest, PersonInput, receive_dossier
from counter_app.services.unit_setup import set_bank_account
from counter_app.ui.context import UiContext
from counter_app.ui.transfer_panel import TransferPanel
from tests.gui.conftest import press, type_text


def grabbed(widget) -> Image.Image:
    """The widget as drawn on screen, as a grey PIL image for zxing-cpp."""
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    widget.grab().save(buffer, "PNG")
    return Image.open(io.BytesIO(bytes(buffer.data()))).convert("L")


def dossier(context: UiContext) -> str:
    applicant = PersonInput(full_name="Nguyễn Văn Đức", id_number="048090001234", phone="0905123456",
                            street="12 Lê Lợi", birth_date="01/02/1990", gender="male")
    return receive_dossier(context.db, IntakeRequest(procedure_code="2.000884", applicant=applicant)).code


def test_the_panel_shows_a_code_that_decodes_and_asks_for_the_bank_reference(qtbot, ui_context: UiContext) -> None:
    set_bank_account(ui_context.db, "970449", "0123456789", "BƯU ĐIỆN HẢI CHÂU")
    code = dossier(ui_context)
    request = transfer_request(ui_context.db, code)
    panel = TransferPanel()
    qtbot.addWidget(panel)
    panel.show_request(request)
    panel.show()
    qtbot.waitExposed(panel)

    found = [r.text for r in zxingcpp.read_barcodes(grabbed(panel)) if r.format == zxingcpp.BarcodeFormat.QRCode]
    assert found == [request.payload]
    back = read_transfer(found[0])
    assert (back["amount_vnd"], back["description"]) == (10_000, code.replace(".", ""))
    assert panel.amount.text() == "10.000 đồng" and panel.words.text() == "Mười nghìn đồng"

    confirmed: list[str] = []
    panel.confirmed.connect(confirmed.append)
    panel.bank_reference.setFocus()
    press(panel.bank_reference, Qt.Key.Key_Return)
    assert confirmed == [] and "Mã giao dịch ngân hàng" in panel.error.text()
    type_text(panel.bank_reference, "FT24335123456789")
    assert panel.error.text() == ""
    press(panel.bank_reference, Qt.Key.Key_Return)
    assert confirmed == ["FT24335123456789"]


def test_without_an_account_the_panel_says_why_and_offers_nothing(qtbot, ui_context: UiContext) -> None:
    panel = TransferPanel()
    qtbot.addWidget(panel)
    try:
        transfer_request(ui_context.db, dossier(ui_context))
    except NoBankAccount as error:
        panel.show_unavailable(error.message)
    assert "chưa đặt tài khoản ngân hàng" in panel.notice.text()
    assert not panel.confirm_button.isEnabled() and not panel.bank_reference.isEnabled()
    assert panel.qr.pixmap().isNull()


def test_the_unit_settings_show_the_account_or_how_to_set_one(qtbot, ui_context: UiContext) -> None:
    from counter_app.ui.unit_settings_dialog import UnitSettingsDialog

    for expected in ("chưa đặt tài khoản ngân hàng", "0123456789 tại LPBank"):
        dialog = UnitSettingsDialog(ui_context)
        qtbot.addWidget(dialog)
        qtbot.waitUntil(lambda dialog=dialog: dialog.loaded, timeout=10_000)
        assert expected in dialog.bank_account.text()
        set_bank_account(ui_context.db, "970449", "0123456789", "BƯU ĐIỆN HẢI CHÂU")

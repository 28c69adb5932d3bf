"""The fees screen (F4), with the keyboard alone, on a real counter database: cash and transfer collected
against receipts, a desk without numbers refused before anything, a cancellation signed by a supervisor,
and the ways in (a typed code, a scan, an open dossier's F4, the fees-due worklist's P)."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
import zxingcpp
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from counter_app.domain.catalog import FeeKind
from counter_app.domain.fees import FeeLine
from counter_app.domain.lifecycle import Status
from counter_app.domain.receipts import PaymentMethod, ReceiptStatus
from counter_app.domain.vietqr import read_transfer
from counter_app.services.accounts import create_account
from counter_app.services.clock import utc_now
from counter_app.services.dossiers import change_status, get_dossier
from counter_app.services.fees import assess_at_intake, intake_fees_payload, request_fee
from counter_app.services.intake import IntakeRequest, PersonInput, receive_dossier
from counter_app.services.receipts import NO_NUMBERS, collect_fee, receipts_of
from counter_app.services.recode import recode_dossier
from counter_app.services.unit_setup import set_bank_account
from counter_app.services.worklists import WorklistKind
from counter_app.storage.conflict_notices import take_decided_intake_fees
from counter_app.storage.dossiers import get_row
from counter_app.storage.procedures import get_procedure
from counter_app.ui.context import UiContext
from counter_app.ui.fees_screen import FeesScreen
from counter_app.ui.help_panel import HelpDialog
from counter_app.ui.receipt_cancel_dialog import CancelReceiptDialog
from counter_app.ui.receipt_preview import ReceiptPreviewDialog
from counter_app.ui.scanner import ScannerListener
from tests.gui.conftest import pause, press, type_text
from tests.gui.test_transfer_panel import grabbed
from tests.support.conflict_notices import decided
from tests.support.receipts import fee_dossier, grant_receipt_range

WAIT = 10_000
CTRL = Qt.KeyboardModifier.ControlModifier
ALT = Qt.KeyboardModifier.AltModifier
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


@pytest.fixture
def desk(ui_context: UiContext) -> UiContext:
    """A counter with a supervisor and the clerk Mai signed in."""
    db = ui_context.db
    create_account(db, username="giamsat", full_name="Lê Văn Giám", role="supervisor", password="matkhau-gs1", by=None)
    ui_context.clerk = create_account(db, username="mai", full_name="Trần Thị Mai", role="clerk",
                                      password="matkhau123", by="giamsat")
    return ui_context


@pytest.fixture
def window(qtbot, qapp, desk: UiContext) -> Iterator:
    from counter_app.ui.main_window import MainWindow

    listener = ScannerListener()
    listener.install(qapp)
    main = MainWindow(desk, listener)
    qtbot.addWidget(main)
    main.show()
    qtbot.waitExposed(main)
    main.activateWindow()
    qtbot.waitUntil(main.isActiveWindow, timeout=WAIT)
    yield main
    qapp.removeEventFilter(listener)


def key(qtbot, keys: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    """A key pressed where the focus is, through Qt's shortcut map as a real key press."""
    target = QApplication.focusWidget() or QApplication.activeWindow()
    assert target is not None, "no window has the keyboard"
    qtbot.keyClick(target, keys, modifier)


def open_on_fees(qtbot, window, code: str) -> FeesScreen:
    """F4, type the code, Enter: the screen shows the dossier."""
    key(qtbot, Qt.Key.Key_F4)
    fees: FeesScreen = window.fees
    assert window.current_screen() is fees
    qtbot.waitUntil(lambda: QApplication.focusWidget() is fees.code_box, timeout=WAIT)
    type_text(fees.code_box, code, gap_ms=120)  # a person typing: not a scanner burst
    with qtbot.waitSignal(fees.loaded, timeout=WAIT):
        press(fees.code_box, Qt.Key.Key_Return, gap_ms=120)
    assert fees.desk is not None and fees.desk.code == code
    return fees


def preview_text(qtbot, fees: FeesScreen) -> str:
    qtbot.waitUntil(lambda: isinstance(fees.dialog, ReceiptPreviewDialog) and fees.dialog.is_ready, timeout=WAIT)
    pdf = fees.dialog.pdf
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())
    fees.dialog.reject()
    fees.window().activateWindow()  # the clerk is back on the screen
    qtbot.waitUntil(fees.window().isActiveWindow, timeout=WAIT)
    return text


def cancel_dialog(qtbot, fees: FeesScreen, number_text: str, reason: str) -> CancelReceiptDialog:
    """Ctrl+Shift+X on the selected receipt: its cancel dialog, the reason and the supervisor typed in."""
    key(qtbot, Qt.Key.Key_X, CTRL_SHIFT)
    dialog = fees.dialog
    assert isinstance(dialog, CancelReceiptDialog) and dialog.number == number_text
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.reason, timeout=WAIT)
    type_text(dialog.reason, reason, gap_ms=120)
    type_text(dialog.supervisor, "giamsat", gap_ms=120)
    return dialog


def test_cash_collected_with_ctrl_enter_issues_a_receipt_by_the_clerk_and_opens_its_preview(
        qtbot, window, desk: UiContext) -> None:
    grant_receipt_range(desk.db, 1, 50)
    code = fee_dossier(desk.db, clerk="mai")
    fees = open_on_fees(qtbot, window, code)
    assert "Nguyễn Văn Đức" in fees.summary.text() and "Được tiếp nhận" in fees.summary.text()
    assert "Phí: Phí chứng thực chữ ký × 1 trường hợp: <b>10.000 đồng</b>" in fees.due.text()
    assert "Tổng: 10.000 đồng" in fees.due.text()
    assert "Mười nghìn đồng" in fees.due.text()
    assert fees.numbers.text() == "Số biên lai còn lại của quầy: 50."
    assert fees.payment.collect_button.isEnabled()

    key(qtbot, Qt.Key.Key_Return, CTRL)
    text = preview_text(qtbot, fees)
    [receipt] = receipts_of(desk.db, code)
    assert (receipt.method, receipt.collector_username, receipt.collector) == (
        PaymentMethod.CASH, "mai", "Trần Thị Mai")
    assert (receipt.total_vnd, receipt.number_text) == (10_000, "01BLP3-001/AA-26P/0000001")
    assert "Mẫu số: 01BLP3-001 Ký hiệu: AA-26P Số: 0000001" in text and "Liên 2: Giao cho người nộp tiền" in text
    qtbot.waitUntil(lambda: fees.desk is not None and bool(fees.desk.receipts), timeout=WAIT)
    assert "biên lai số 01BLP3-001/AA-26P/0000001" in fees.message.text()
    assert fees.due.text() == "Không còn khoản phí, lệ phí nào phải nộp." and not fees.payment.collect_button.isEnabled()
    assert fees.receipts.rowCount() == 1 and fees.receipts.item(0, 4).text() == "Đã thu"
    assert fees.numbers.text() == "Số biên lai còn lại của quầy: 49."

    key(qtbot, Qt.Key.Key_Return, CTRL)  # nothing left to pay: refused, no second receipt
    assert "không còn khoản phí" in fees.message.text() and len(receipts_of(desk.db, code)) == 1

    key(qtbot, Qt.Key.Key_D, CTRL)  # today's receipts and totals
    qtbot.waitUntil(lambda: fees.today.summary is not None and not fees.today.loading, timeout=WAIT)
    assert fees.today.table.rowCount() == 1
    assert "Tiền mặt: 1 biên lai — phí 10.000, lệ phí 0, cộng 10.000 đồng" in fees.today.totals.text()
    key(qtbot, Qt.Key.Key_R, CTRL)  # reprint the day's selected receipt
    assert "Số: 0000001" in preview_text(qtbot, fees)
    key(qtbot, Qt.Key.Key_K, CTRL_SHIFT)  # the day's close, on the same day's receipts
    qtbot.waitUntil(lambda: getattr(window, "day_close_dialog", None) is not None, timeout=WAIT)
    assert window.day_close_dialog.summary.cash_expected == 10_000
    window.day_close_dialog.reject()


def test_transfer_shows_the_qr_for_the_amount_and_records_the_bank_reference(qtbot, window, desk: UiContext) -> None:
    set_bank_account(desk.db, "970449", "0123456789", "BƯU ĐIỆN HẢI CHÂU", by="giamsat")
    grant_receipt_range(desk.db, 1, 50)
    code = fee_dossier(desk.db, clerk="mai")
    window.showNormal()
    window.resize(1366, 768)  # the common counter screen: the code, the fields and the button all show
    fees = open_on_fees(qtbot, window, code)

    key(qtbot, Qt.Key.Key_2, ALT)
    assert fees.payment.transfer.isVisible() and fees.payment.transfer.request is not None
    button = fees.payment.collect_button
    central = window.centralWidget()
    assert button.isVisible() and button.mapTo(central, button.rect().bottomRight()).y() <= central.height()
    found = [r.text for r in zxingcpp.read_barcodes(grabbed(fees.payment.transfer)) if r.format == zxingcpp.BarcodeFormat.QRCode]
    back = read_transfer(found[0])
    assert (back["amount_vnd"], back["description"]) == (10_000, code.replace(".", ""))
    assert QApplication.focusWidget() is fees.payment.transfer.bank_reference

    key(qtbot, Qt.Key.Key_Return, CTRL)  # no bank reference yet: the panel asks for it, nothing issued
    assert "Mã giao dịch ngân hàng" in fees.payment.transfer.error.text() and receipts_of(desk.db, code) == []
    type_text(fees.payment.transfer.bank_reference, "FT24335123456789", gap_ms=120)
    key(qtbot, Qt.Key.Key_Return, CTRL)
    preview_text(qtbot, fees)
    [receipt] = receipts_of(desk.db, code)
    assert (receipt.method, receipt.bank_reference, receipt.collector_username) == (
        PaymentMethod.TRANSFER, "FT24335123456789", "mai")
    qtbot.waitUntil(lambda: fees.receipts.rowCount() == 1, timeout=WAIT)
    assert fees.receipts.item(0, 3).text() == "Chuyển khoản: FT24335123456789"


def test_a_desk_without_numbers_refuses_before_the_citizen_pays(qtbot, window, desk: UiContext) -> None:
    code = fee_dossier(desk.db, clerk="mai")
    fees = open_on_fees(qtbot, window, code)
    assert fees.numbers.text() == NO_NUMBERS and not fees.payment.collect_button.isEnabled()
    assert fees.payment.collect_button.toolTip() == NO_NUMBERS
    key(qtbot, Qt.Key.Key_Return, CTRL)
    assert fees.message.text() == NO_NUMBERS and "hết số biên lai" in fees.message.text()
    assert receipts_of(desk.db, code) == []

    grant_receipt_range(desk.db, 1, 5)  # a nearly spent book: said before it runs out
    key(qtbot, Qt.Key.Key_F4)
    key(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: fees.numbers_left == 5, timeout=WAIT)
    assert fees.numbers.text().startswith("Sắp hết số biên lai: quầy chỉ còn 5 số") and fees.payment.collect_button.isEnabled()


def test_unknown_amounts_are_named_and_collecting_them_is_refused(qtbot, window, desk: UiContext) -> None:
    """Reached from an open dossier with F4 (the death registration's lệ phí is the province's to set)."""
    from counter_app.ui.dossier_view import DossierDialog

    grant_receipt_range(desk.db, 1, 50)
    code = fee_dossier(desk.db, clerk="mai", procedure="1.000656")
    window.open_dossier(code)
    dialog: DossierDialog = window._last_dossier_dialog
    qtbot.waitUntil(lambda: dialog.loaded, timeout=WAIT)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=WAIT)
    with qtbot.waitSignal(window.fees.loaded, timeout=WAIT):
        qtbot.keyClick(dialog, Qt.Key.Key_F4)
    fees = window.fees
    assert not dialog.isVisible() and window.current_screen() is fees and fees.desk.code == code
    assert "Lệ phí đăng ký khai tử: chưa biết số tiền" in fees.due.text()
    assert "Tổng các khoản đã biết số tiền: 0 đồng" in fees.due.text()
    qtbot.waitUntil(window.isActiveWindow, timeout=WAIT)
    key(qtbot, Qt.Key.Key_Return, CTRL)
    qtbot.waitUntil(lambda: not fees.collecting and "Chưa biết số tiền của" in fees.message.text(), timeout=WAIT)
    assert "Lệ phí đăng ký khai tử" in fees.message.text() and receipts_of(desk.db, code) == []


def test_a_cancellation_needs_the_supervisors_password_and_then_the_dossier_owes_again(
        qtbot, window, desk: UiContext) -> None:
    grant_receipt_range(desk.db, 1, 50)
    code = fee_dossier(desk.db, clerk="mai")
    receipt = collect_fee(desk.db, code, method="cash", by="mai")
    fees = open_on_fees(qtbot, window, code)
    assert fees.receipts.rowCount() == 1 and fees.due.text().startswith("Không còn")

    dialog = cancel_dialog(qtbot, fees, receipt.number_text, "Ghi sai người nộp")
    type_text(dialog.password, "sai-mat-khau", gap_ms=120)
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return, CTRL)
    qtbot.waitUntil(lambda: "mật khẩu" in dialog.message.text().lower(), timeout=WAIT)
    [still] = receipts_of(desk.db, code)
    assert still.status is ReceiptStatus.ISSUED and dialog.isVisible() and dialog.password.text() == ""

    type_text(dialog.password, "matkhau-gs1", gap_ms=120)
    with qtbot.waitSignal(fees.loaded, timeout=WAIT):
        qtbot.keyClick(dialog.password, Qt.Key.Key_Return, CTRL)
    [cancelled] = receipts_of(desk.db, code)
    assert (cancelled.status, cancelled.cancel_reason, cancelled.cancelled_by) == (
        ReceiptStatus.CANCELLED, "Ghi sai người nộp", "giamsat")
    assert fees.receipts.item(0, 4).text().startswith("Đã hủy: Ghi sai người nộp (giám sát viên giamsat")
    assert "Tổng: 10.000 đồng" in fees.due.text() and fees.payment.collect_button.isEnabled()
    assert f"Đã hủy biên lai {receipt.number_text}" in fees.message.text()

    qtbot.waitUntil(lambda: QApplication.focusWidget() is fees.receipts, timeout=WAIT)
    key(qtbot, Qt.Key.Key_K, ALT)  # the receipt paper: 80 mm thermal at this desk, kept in its settings
    assert QApplication.focusWidget() is fees.payment.paper
    key(qtbot, Qt.Key.Key_Down)
    assert desk.settings.receipt_paper() == "80mm"
    key(qtbot, Qt.Key.Key_R, CTRL)  # the cancelled receipt reprints, marked, on the narrow paper
    qtbot.waitUntil(lambda: isinstance(fees.dialog, ReceiptPreviewDialog) and fees.dialog.is_ready, timeout=WAIT)
    first_page = PdfReader(io.BytesIO(fees.dialog.pdf)).pages[0]
    assert round(float(first_page.mediabox.width) / 72 * 25.4) == 80
    assert "ĐÃ HỦY" in preview_text(qtbot, fees)


def test_from_the_fees_due_worklist_p_collects_and_a_dossier_waiting_for_its_fee_goes_back_to_processing(
        qtbot, window, desk: UiContext) -> None:
    grant_receipt_range(desk.db, 1, 50)
    code = fee_dossier(desk.db, clerk="mai")
    collect_fee(desk.db, code, method="cash", by="mai")  # the intake's fee is paid; the agency then asks more
    change_status(desk.db, code, Status.PROCESSING, note="Giao cơ quan giải quyết", clerk_username="mai")
    request_fee(desk.db, code, [FeeLine("Lệ phí cấp bản sao trích lục", FeeKind.CHARGE, 8_000)],
                "Cơ quan giải quyết xác định lệ phí", by="mai")
    assert get_dossier(desk.db, code).status is Status.AWAITING_PAYMENT

    key(qtbot, Qt.Key.Key_F5)
    worklists = window.worklists
    qtbot.waitUntil(lambda: not worklists.loading, timeout=WAIT)
    qtbot.keyClick(worklists.current_table, Qt.Key.Key_7, CTRL)
    assert worklists.current_kind is WorklistKind.FEES_DUE and worklists.models[WorklistKind.FEES_DUE].codes() == [code]
    assert "P: Thu phí (F4)" in worklists.hint.text()
    with qtbot.waitSignal(window.fees.loaded, timeout=WAIT):
        press(worklists.current_table, Qt.Key.Key_P)
    fees = window.fees
    assert window.current_screen() is fees and fees.desk.code == code
    assert "Lệ phí: Lệ phí cấp bản sao trích lục: <b>8.000 đồng</b>" in fees.due.text()

    key(qtbot, Qt.Key.Key_Return, CTRL)
    preview_text(qtbot, fees)
    assert get_dossier(desk.db, code).status is Status.PROCESSING
    assert [r.total_vnd for r in receipts_of(desk.db, code)] == [10_000, 8_000]
    qtbot.waitUntil(lambda: not worklists.loading and worklists.models[WorklistKind.FEES_DUE].codes() == [],
                    timeout=WAIT)


def test_a_scanned_slip_on_the_fees_screen_loads_that_dossier(qtbot, window, desk: UiContext) -> None:
    code = fee_dossier(desk.db, clerk="mai")
    key(qtbot, Qt.Key.Key_F4)
    fees = window.fees
    qtbot.waitUntil(lambda: QApplication.focusWidget() is fees.code_box, timeout=WAIT)
    type_text(fees.code_box, "000.31.48.H15-991231-9999", gap_ms=120)  # a code typed wrong: said, nothing shown
    with qtbot.waitSignal(fees.loaded, timeout=WAIT):
        press(fees.code_box, Qt.Key.Key_Return, gap_ms=120)
    assert fees.desk is None and "Không tìm thấy hồ sơ có mã «000.31.48.H15-991231-9999»" in fees.message.text()
    assert not fees.payment.collect_button.isEnabled()
    fees.code_box.selectAll()
    pause()
    with qtbot.waitSignal(fees.loaded, timeout=WAIT):
        type_text(fees.code_box, code)  # a scanner's burst, then Enter
        press(fees.code_box, Qt.Key.Key_Return)
    assert fees.desk.code == code and fees.code_box.text() == code
    assert getattr(window, "_last_dossier_dialog", None) is None  # loaded here, not opened in a dialog

    key(qtbot, Qt.Key.Key_F1)  # the help panel lists the screen's keys and F4 in an open dossier
    qtbot.waitUntil(lambda: window.findChild(HelpDialog) is not None, timeout=WAIT)
    help_text = window.findChild(HelpDialog).body.text()
    assert "<h3>Thu phí</h3>" in help_text and "Ctrl+Shift+X" in help_text
    assert "Hồ sơ đang mở: thu phí, lệ phí của hồ sơ" in help_text


def test_an_old_slip_scanned_on_the_fees_screen_collects_for_the_dossiers_new_code(
        qtbot, window, desk: UiContext) -> None:
    grant_receipt_range(desk.db, 1, 50)
    old = fee_dossier(desk.db, clerk="mai")
    decided(desk.db, old)  # the province kept another citizen's dossier under the code
    new = recode_dossier(desk.db, old, by="mai").code
    key(qtbot, Qt.Key.Key_F4)
    fees = window.fees
    qtbot.waitUntil(lambda: QApplication.focusWidget() is fees.code_box, timeout=WAIT)
    with qtbot.waitSignal(fees.loaded, timeout=WAIT):
        type_text(fees.code_box, old)  # the citizen's old slip, scanned
        press(fees.code_box, Qt.Key.Key_Return)
    assert fees.desk is not None and fees.desk.code == new and fees.code_box.text() == new
    assert fees.payment.collect_button.isEnabled()
    key(qtbot, Qt.Key.Key_Return, CTRL)
    assert new in preview_text(qtbot, fees)
    [receipt] = receipts_of(desk.db, new)
    assert receipt.dossier_code == new and receipts_of(desk.db, old) == []


def test_f4_right_after_an_intake_opens_the_fees_of_the_dossier_just_received(qtbot, window, desk: UiContext) -> None:
    """Fees collected at intake: save the dossier, close the slip, F4 (on that dossier), Ctrl+Enter."""
    from tests.gui.test_intake_screen import focused, save_and_wait

    grant_receipt_range(desk.db, 1, 50)
    intake = window.intake
    qtbot.waitUntil(lambda: intake.picker.is_loaded, timeout=WAIT)
    intake.picker.choose(intake.picker.find_by_code("2.000884"))  # chứng thực chữ ký: 10.000 đồng
    intake.full_name.setText("Lê Thị Hoa")
    intake.id_number.setText("048195012345")
    intake.phone.setText("0905123456")
    intake.address.setText("Số 5 Trần Phú")
    intake.full_name.setFocus()
    qtbot.waitUntil(lambda: focused() is intake.full_name, timeout=WAIT)
    code = save_and_wait(qtbot, intake)
    assert code and window.current_screen() is intake

    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=WAIT)
    with qtbot.waitSignal(window.fees.loaded, timeout=WAIT):
        key(qtbot, Qt.Key.Key_F4)
    fees: FeesScreen = window.fees
    assert window.current_screen() is fees and fees.desk is not None and fees.desk.code == code
    assert "Tổng: 10.000 đồng" in fees.due.text()
    key(qtbot, Qt.Key.Key_Return, CTRL)
    preview_text(qtbot, fees)
    assert [r.total_vnd for r in receipts_of(desk.db, code)] == [10_000]


COPY = "2.000815"  # chứng thực bản sao từ bản chính: a fee per page and copy


def take_decided_fees(db, code: str, quantities: dict[str, int]) -> int:
    """What a supervisor's decision on a sync conflict does to the desk's intake assessment (the sync side is
    tests/sync/test_conflict_decisions_client.py); the decided fee."""
    with db.write() as session:
        procedure = get_procedure(session, COPY)
        row = get_row(session, code)
        assert procedure is not None and row is not None
        assessment, counts = assess_at_intake(procedure, quantities, "")
        take_decided_intake_fees(session, row, intake_fees_payload(assessment, counts, ""), "Giám sát viên Lê Văn Giám",
                                 "Theo quyết định về xung đột đồng bộ: công dân chỉ xin 1 bản", utc_now())
    return assessment.fee_vnd


def test_receipts_that_took_more_than_a_decided_assessment_say_so_until_cancelled(qtbot, window, desk: UiContext) -> None:
    grant_receipt_range(desk.db, 1, 50)
    applicant = PersonInput(full_name="Nguyễn Văn Đức", id_number="049090001234", phone="0905123456", street="12 Lê Lợi")
    code = receive_dossier(desk.db, IntakeRequest(COPY, applicant, clerk_username="mai",
                                                  fee_quantities={"pages": 5, "copies": 3})).code
    receipt = collect_fee(desk.db, code, method="cash", by="mai")
    assert receipt.total_vnd == 21_000
    decided = take_decided_fees(desk.db, code, {"pages": 2, "copies": 1})
    assert decided == 4_000

    fees = open_on_fees(qtbot, window, code)
    assert "đã thu nhiều hơn số phải nộp 17.000 đồng" in fees.due.text()
    assert "Ctrl+Shift+X" in fees.due.text() and "Không còn khoản phí" in fees.due.text()
    assert not fees.payment.collect_button.isEnabled()

    dialog = cancel_dialog(qtbot, fees, receipt.number_text, "Phí được xác định lại")
    type_text(dialog.password, "matkhau-gs1", gap_ms=120)
    with qtbot.waitSignal(fees.loaded, timeout=WAIT):
        qtbot.keyClick(dialog.password, Qt.Key.Key_Return, CTRL)

    assert "thu nhiều hơn" not in fees.due.text() and "Tổng: 4.000 đồng" in fees.due.text()
    assert fees.payment.collect_button.isEnabled()

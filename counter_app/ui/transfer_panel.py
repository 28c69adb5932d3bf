"""Paying by bank transfer at the desk: the VietQR code for the exact amount, and the bank's reference.

The panel shows what services.bank_account.transfer_request built (and already read back): the code,
the bank, the account and its holder, the amount in figures and in words, and the reference the
transfer's description carries (the dossier code). The citizen scans and pays; the clerk checks the
transfer on the citizen's phone and types the bank's transaction reference it shows (Alt+M), then
confirms with Enter or Ctrl+Enter. Reconciliation is manual: the reference is kept on the receipt so
the day's transfers can be matched with the unit's bank statement (docs/payments.md).

The panel does not issue the receipt: it emits `confirmed(bank_reference)` and the fees screen (F4)
calls services.receipts.collect_fee(method="transfer", bank_reference=…).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from counter_app.domain.errors import ValidationError
from counter_app.domain.money import format_vnd, vnd_in_words
from counter_app.domain.vietqr import require_valid_reference
from counter_app.services.bank_account import TransferRequest
from counter_app.ui.palette import ERROR_STYLE, HINT_STYLE, INVALID_FIELD_STYLE
from counter_app.ui.qr_image import qr_image

QR_SIDE_PX = 280  # about 7 cm on a 96-dpi monitor: a phone reads it from an arm's length
CONFIRM_TEXT = "&Xác nhận đã nhận chuyển khoản (Ctrl+Enter)"


class TransferPanel(QWidget):
    """`show_request()` draws a request; `show_unavailable()` says why transfer cannot be used."""

    confirmed = Signal(str)  # the bank's transaction reference, validated

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.request: TransferRequest | None = None
        self.qr = QLabel()
        self.qr.setObjectName("transfer_qr")
        self.qr.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.notice = QLabel()
        self.notice.setObjectName("transfer_notice")
        self.notice.setWordWrap(True)
        self.bank, self.account, self.holder = QLabel(), QLabel(), QLabel()
        self.amount, self.words, self.reference = QLabel(), QLabel(), QLabel()
        self.amount.setObjectName("transfer_amount")
        self.words.setObjectName("transfer_amount_words")
        self.reference.setObjectName("transfer_reference")
        for label in (self.account, self.reference):
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.bank_reference = QLineEdit()
        self.bank_reference.setObjectName("bank_reference")
        self.bank_reference.setMaxLength(64)
        self.bank_reference.setPlaceholderText(self.tr("mã giao dịch trên biên nhận chuyển khoản của công dân"))
        self.bank_reference.returnPressed.connect(self.confirm)
        self.bank_reference.textEdited.connect(self._clear_error)
        self.error = QLabel()
        self.error.setObjectName("transfer_error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(ERROR_STYLE)
        self.confirm_button = QPushButton(CONFIRM_TEXT)
        self.confirm_button.setObjectName("transfer_confirm")
        self.confirm_button.clicked.connect(self.confirm)
        form = QFormLayout()
        form.addRow(self.tr("Ngân hàng:"), self.bank)
        form.addRow(self.tr("Số tài khoản:"), self.account)
        form.addRow(self.tr("Chủ tài khoản:"), self.holder)
        form.addRow(self.tr("Số tiền:"), self.amount)
        form.addRow(self.tr("Bằng chữ:"), self.words)
        form.addRow(self.tr("Nội dung chuyển khoản:"), self.reference)
        buddy = QLabel(self.tr("&Mã giao dịch ngân hàng:"))
        buddy.setBuddy(self.bank_reference)
        form.addRow(buddy, self.bank_reference)
        hint = QLabel(self.tr("Công dân quét mã bằng ứng dụng ngân hàng; số tiền và nội dung đã điền sẵn, không sửa. Xem biên nhận trên điện thoại rồi chép mã giao dịch vào ô trên."))
        hint.setWordWrap(True)
        hint.setStyleSheet(HINT_STYLE)
        layout = QVBoxLayout(self)
        layout.addWidget(self.qr)
        layout.addWidget(self.notice)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(self.error)
        layout.addWidget(self.confirm_button)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(self.confirm)
        self.show_unavailable("")

    def show_request(self, request: TransferRequest) -> None:
        """Draw the code and its details; the reference field starts empty (a new transfer, a new reference)."""
        self.request = request
        self.qr.setPixmap(QPixmap.fromImage(qr_image(request.payload, QR_SIDE_PX)))
        self.qr.setVisible(True)
        self.notice.setText(self.tr("Quét mã để chuyển đúng {format_vnd} đồng cho hồ sơ {dossier_code}.").format(format_vnd=format_vnd(request.amount_vnd), dossier_code=request.dossier_code))
        account = request.account
        self.bank.setText(f"{account.bank.short_name} — {account.bank.name} (BIN {account.bank.bin})")
        self.account.setText(account.number)
        self.holder.setText(account.holder)
        self.amount.setText(self.tr("{format_vnd} đồng").format(format_vnd=format_vnd(request.amount_vnd)))
        self.words.setText(vnd_in_words(request.amount_vnd))
        self.reference.setText(request.reference)
        self.bank_reference.clear()
        self._clear_error()
        self._set_enabled(True)
        self.bank_reference.setFocus(Qt.FocusReason.OtherFocusReason)

    def show_unavailable(self, message: str) -> None:
        """No code: `message` says why (no bank account set, nothing owed…), in Vietnamese."""
        self.request = None
        self.qr.clear()
        self.qr.setVisible(False)
        self.notice.setText(message)
        for label in (self.bank, self.account, self.holder, self.amount, self.words, self.reference):
            label.clear()
        self.bank_reference.clear()
        self._clear_error()
        self._set_enabled(False)

    def confirm(self) -> None:
        """Emit `confirmed` with the typed bank reference, or say next to the field what is wrong."""
        if self.request is None:
            return
        try:
            reference = require_valid_reference(self.bank_reference.text())
        except ValidationError as error:
            self.error.setText(error.message)
            self.bank_reference.setStyleSheet(INVALID_FIELD_STYLE)
            self.bank_reference.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        self.confirmed.emit(reference)

    def _set_enabled(self, enabled: bool) -> None:
        self.bank_reference.setEnabled(enabled)
        self.confirm_button.setEnabled(enabled)

    def _clear_error(self) -> None:
        self.error.clear()
        self.bank_reference.setStyleSheet("")

"""Hủy biên lai (Ctrl+Shift+X on the fees screen): the reason, and a supervisor who signs it there.

The supervisor types their username and password at the clerk's desk; they are checked with
services.accounts.sign_in, then services.receipts.cancel_receipt marks the receipt cancelled (it stays in
its book) and the dossier owes again. Both run in one background task; a refusal (wrong password, not a
supervisor, no reason, already cancelled) is shown in Vietnamese, the dialog stays open with what was
typed (but the password), and nothing is saved. docs/fees.md, "The fees screen".
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
)

from counter_app.domain.receipts import MAX_CANCEL_REASON, Receipt
from counter_app.ui.context import UiContext
from counter_app.ui.messages import error_text
from counter_app.ui.palette import ERROR_STYLE
from counter_app.ui.receipt_list import ReceiptView


class CancelReceiptDialog(QDialog):
    """`cancelled(Receipt)` fires once the cancellation is saved."""

    cancelled = Signal(object)

    def __init__(self, context: UiContext, receipt: ReceiptView, parent=None) -> None:
        super().__init__(parent)
        self.context = context
        self.number = receipt.number
        self.saving = False
        self.setWindowTitle(self.tr("Hủy biên lai {number}").format(number=receipt.number))
        intro = QLabel(self.tr("Hủy biên lai số <b>{number}</b> của hồ sơ {dossier_code}, {amount_text}. Số biên lai vẫn ở trong quyển, ghi «Đã hủy»; hồ sơ sẽ phải nộp lại và được lập biên lai mới. Cần giám sát viên ký xác nhận.").format(number=receipt.number, dossier_code=receipt.dossier_code, amount_text=receipt.amount_text))
        intro.setWordWrap(True)
        self.reason = QLineEdit()
        self.reason.setObjectName("cancel_reason")
        self.reason.setMaxLength(MAX_CANCEL_REASON)
        self.reason.setPlaceholderText(self.tr("Vì sao hủy: ghi sai số tiền, sai người nộp…"))
        self.supervisor = QLineEdit()
        self.supervisor.setObjectName("cancel_supervisor")
        self.supervisor.setMaxLength(32)
        self.password = QLineEdit()
        self.password.setObjectName("cancel_password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setMaxLength(128)
        form = QFormLayout()
        form.addRow(self.tr("&Lý do hủy:"), self.reason)
        form.addRow(self.tr("&Giám sát viên (tên đăng nhập):"), self.supervisor)
        form.addRow(self.tr("&Mật khẩu giám sát viên:"), self.password)
        self.message = QLabel("")
        self.message.setObjectName("cancel_message")
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.setWordWrap(True)
        self.cancel_button = QPushButton(self.tr("Hủy biên lai (Ctrl+Enter)"))
        self.cancel_button.setObjectName("cancel_receipt")
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(self.submit)
        close = QPushButton(self.tr("Đóng, không hủy (Esc)"))
        close.setAutoDefault(False)
        close.clicked.connect(self.reject)
        buttons = QDialogButtonBox()
        buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(close, QDialogButtonBox.ButtonRole.RejectRole)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self).activated.connect(self.submit)
        self.password.returnPressed.connect(self.submit)
        self.reason.setFocus()

    def submit(self) -> None:
        if self.saving:
            return
        self.saving = True
        self.message.clear()
        db, number, now = self.context.db, self.number, self.context.clock()
        reason, supervisor, password = self.reason.text(), self.supervisor.text().strip(), self.password.text()

        def work() -> Receipt:
            from counter_app.services.accounts import sign_in
            from counter_app.services.receipts import cancel_receipt

            signer = sign_in(db, supervisor, password, now=now)
            return cancel_receipt(db, number, reason=reason, supervisor=signer.username)

        self.context.tasks.run(work, self._done, self._refused, write=True, owner=self)

    def _done(self, receipt: Receipt) -> None:
        self.saving = False
        self.cancelled.emit(receipt)
        self.accept()

    def _refused(self, error: Exception) -> None:
        self.saving = False
        self.password.clear()
        self.message.setText(error_text(error))
        focus = self.reason if getattr(error, "field", "") == "reason" else self.password
        focus.setFocus()

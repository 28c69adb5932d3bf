"""Đăng nhập: who sits at the desk, at start, after Ctrl+L, and a supervisor approving something.

Sign-in works offline against the desk's own database (`services.accounts.sign_in`, on the task
runner: scrypt takes a tenth of a second). The time comes from the context's clock, so a test can move
it past a 5-minute lock. Enter in the username goes to the password; Enter in the password signs in.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from counter_app.domain.accounts import Account
from counter_app.services.clock import utc_now
from counter_app.storage.database import Database
from counter_app.ui.form_fields import error_label
from counter_app.ui.messages import error_text
from counter_app.ui.tasks import TaskRunner


class SignInDialog(QDialog):
    """Modal sign-in; after `exec()` returns Accepted, `account` is the signed-in account.

    `supervisor_only`: for an approval, only an enabled supervisor is accepted. `can_cancel`: False when
    the window is locked (Esc then does nothing: the desk stays locked until someone signs in).
    """

    def __init__(self, db: Database, tasks: TaskRunner, parent: QWidget | None = None, *, title: str = "",
                 intro: str = "", can_cancel: bool = True, supervisor_only: bool = False,
                 clock: Callable[[], datetime] = utc_now) -> None:
        super().__init__(parent)
        self.db, self._tasks, self._clock = db, tasks, clock
        self.account: Account | None = None
        self._can_cancel, self._supervisor_only = can_cancel, supervisor_only
        self._busy = False
        self.setWindowTitle(title or self.tr("Đăng nhập"))
        self.setMinimumWidth(420)
        self.username = QLineEdit()
        self.username.setObjectName("username")
        self.username.setMaxLength(32)
        self.password = QLineEdit()
        self.password.setObjectName("password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setMaxLength(128)
        self.error = error_label("sign_in_error")
        form = QFormLayout()
        form.addRow(self.tr("&Tên đăng nhập:"), self.username)
        form.addRow(self.tr("&Mật khẩu:"), self.password)
        self.sign_in_button = QPushButton(self.tr("Đăng nhập (Enter)"))
        self.sign_in_button.setObjectName("sign_in")
        self.sign_in_button.setAutoDefault(False)
        self.sign_in_button.clicked.connect(self.submit)
        buttons = QDialogButtonBox()
        buttons.addButton(self.sign_in_button, QDialogButtonBox.ButtonRole.AcceptRole)
        if can_cancel:
            cancel = QPushButton(self.tr("Hủy (Esc)"))
            cancel.setAutoDefault(False)
            cancel.clicked.connect(self.reject)
            buttons.addButton(cancel, QDialogButtonBox.ButtonRole.RejectRole)
        layout = QVBoxLayout(self)
        if intro:
            label = QLabel(intro)
            label.setWordWrap(True)
            layout.addWidget(label)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.username.returnPressed.connect(self.password.setFocus)
        self.password.returnPressed.connect(self.submit)
        self.username.setFocus()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()  # the fields handle Enter; never a default button closing the dialog
            return
        super().keyPressEvent(event)

    def submit(self) -> None:
        if self._busy:
            return
        username, password = self.username.text(), self.password.text()
        if not username.strip():
            self._show(self.tr("Hãy nhập tên đăng nhập."))
            self.username.setFocus()
            return
        db, now, supervisor_only = self.db, self._clock(), self._supervisor_only

        def work() -> Account:
            from counter_app.services.accounts import NotAllowed, sign_in

            account = sign_in(db, username, password, now=now)
            if supervisor_only and not account.is_supervisor:
                raise NotAllowed(self.tr("«{username}» không phải giám sát viên: cần giám sát viên duyệt.").format(username=account.username))
            return account

        self._busy = True
        self.sign_in_button.setEnabled(False)
        self._tasks.run(work, self._signed_in, self._refused, write=True)

    def _show(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()

    def error_message(self) -> str:
        return self.error.text() if self.error.isVisible() else ""

    def _signed_in(self, account: Account) -> None:
        self._busy = False
        self.sign_in_button.setEnabled(True)
        self.account = account
        self.accept()

    def _refused(self, error: Exception) -> None:
        self._busy = False
        self.sign_in_button.setEnabled(True)
        self._show(error_text(error))
        self.password.clear()
        self.password.setFocus()

    def reject(self) -> None:
        if self._can_cancel and not self._busy:
            super().reject()

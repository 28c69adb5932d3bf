"""Tài khoản (F8, supervisors only): add a clerk, reset a password, disable an account.

Every change goes through `services.accounts` as the signed-in supervisor and reaches the unit's other
desks with the next sync. The services run on the task runner (a password is hashed with scrypt, ~0.1 s,
and a write may wait for the database): the dialog stays responsive and says what it is doing. `AccountForm` (username, full name, password twice) is also the supervisor part
of the first-run setup.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from counter_app.domain.accounts import Account, Role
from counter_app.domain.errors import DomainError
from counter_app.storage.database import Database
from counter_app.ui.context import UiContext
from counter_app.ui.form_fields import error_label
from counter_app.ui.messages import error_text


class AccountForm(QWidget):
    """The fields of a new account; `values()` for `services.accounts.create_account`."""

    def __init__(self, parent: QWidget | None = None, *, with_role: bool = True, prefix: str = "") -> None:
        super().__init__(parent)
        self.username = QLineEdit()
        self.username.setObjectName(f"{prefix}username")
        self.username.setMaxLength(32)
        self.username.setPlaceholderText(self.tr("chữ không dấu, số, . _ - (ví dụ: mai.tt)"))
        self.full_name = QLineEdit()
        self.full_name.setObjectName(f"{prefix}full_name")
        self.full_name.setMaxLength(120)
        self.full_name.setPlaceholderText(self.tr("Họ và tên in trên giấy tiếp nhận"))
        self.password = QLineEdit()
        self.password.setObjectName(f"{prefix}password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setMaxLength(128)
        self.repeat = QLineEdit()
        self.repeat.setObjectName(f"{prefix}password_repeat")
        self.repeat.setEchoMode(QLineEdit.EchoMode.Password)
        self.repeat.setMaxLength(128)
        self.role = QComboBox()
        for role in Role:
            self.role.addItem(role.label, role.value)
        self.role.setCurrentIndex(self.role.findData(Role.CLERK.value))
        layout = QFormLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addRow(self.tr("Tên đăng nhập:"), self.username)
        layout.addRow(self.tr("Họ và tên:"), self.full_name)
        if with_role:
            layout.addRow(self.tr("Vai trò:"), self.role)
        layout.addRow(self.tr("Mật khẩu:"), self.password)
        layout.addRow(self.tr("Nhập lại mật khẩu:"), self.repeat)
        self.with_role = with_role

    def fields(self) -> list[QWidget]:
        widgets: list[QWidget] = [self.username, self.full_name]
        if self.with_role:
            widgets.append(self.role)
        return [*widgets, self.password, self.repeat]

    def values(self, role: Role | None = None) -> dict[str, str]:
        """The typed values; a mismatch of the two passwords is refused here (the service never sees it)."""
        if self.password.text() != self.repeat.text():
            raise DomainError(self.tr("Hai lần nhập mật khẩu không khớp."))
        chosen = role or Role(self.role.currentData())
        return {"username": self.username.text(), "full_name": self.full_name.text(), "role": chosen.value,
                "password": self.password.text()}

    def is_filled(self) -> bool:
        return all(w.text().strip() for w in (self.username, self.full_name, self.password, self.repeat))


class AccountsDialog(QDialog):
    """The unit's accounts; every action as the signed-in supervisor (`context.clerk`)."""

    def __init__(self, context: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.setWindowTitle(self.tr("Tài khoản người tiếp nhận"))
        self.setMinimumSize(640, 360)
        self.table = QTableWidget(0, 4)
        self.table.setObjectName("accounts")
        self.table.setHorizontalHeaderLabels([self.tr("Tên đăng nhập"), self.tr("Họ và tên"), self.tr("Vai trò"), self.tr("Tình trạng")])
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.message = QLabel()
        self.error = error_label("accounts_error")
        self.add_button = QPushButton(self.tr("Thêm tài khoản…"))
        self.reset_button = QPushButton(self.tr("Đặt lại mật khẩu…"))
        self.disable_button = QPushButton(self.tr("Vô hiệu hóa"))
        for button, slot in ((self.add_button, self.add_account), (self.reset_button, self.reset_password),
                             (self.disable_button, self.disable)):
            button.setAutoDefault(False)
            button.clicked.connect(slot)
        row = QHBoxLayout()
        for button in (self.add_button, self.reset_button, self.disable_button):
            row.addWidget(button)
        row.addStretch(1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.button(QDialogButtonBox.StandardButton.Close).setText(self.tr("Đóng (Esc)"))
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addLayout(row)
        layout.addWidget(self.message)
        layout.addWidget(self.error)
        layout.addWidget(close)
        self.busy = False  # a change is being written: one at a time
        self.loaded = False  # the table shows the accounts read at least once
        self.refresh()

    @property
    def supervisor(self) -> str:
        return self.context.clerk_username

    def refresh(self) -> None:
        """Read the accounts in the background; the newest answer fills the table."""
        from counter_app.services.accounts import list_accounts

        db = self.context.db
        self.context.tasks.run(lambda: list_accounts(db), self._show_accounts, self._failed, owner=self,
                               request="list")

    def _show_accounts(self, accounts: list[Account]) -> None:
        self.loaded = True
        self.table.setRowCount(len(accounts))
        for index, account in enumerate(accounts):
            for column, text in enumerate((account.username, account.full_name, account.role.label,
                                           self.tr("Đã vô hiệu hóa") if account.disabled else self.tr("Đang dùng"))):
                self.table.setItem(index, column, QTableWidgetItem(text))

    def selected(self) -> str | None:
        items = self.table.selectedItems()
        return self.table.item(items[0].row(), 0).text() if items else None

    def _change(self, work: Callable[[], Any], done_text: Callable[[Any], str]) -> None:
        """Run one change on the task runner's writer; the buttons wait until it is answered."""
        self._set_busy(True)
        self.error.hide()
        self.message.setText(self.tr("Đang lưu…"))

        def done(result: Any) -> None:
            self._set_busy(False)
            self._done(done_text(result))

        def failed(error: Exception) -> None:
            self._set_busy(False)
            self.message.setText("")
            self._failed(error)

        self.context.tasks.run(work, done, failed, write=True, owner=self)

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        for button in (self.add_button, self.reset_button, self.disable_button):
            button.setEnabled(not busy)

    def _done(self, text: str) -> None:
        self.error.hide()
        self.message.setText(text)
        self.refresh()

    def _failed(self, error: Exception) -> None:
        self.error.setText(error_text(error))
        self.error.show()

    def add_account(self) -> None:
        if self.busy:
            return
        dialog = QDialog(self)
        dialog.setWindowTitle(self.tr("Thêm tài khoản"))
        form = AccountForm(dialog)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Thêm"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Hủy"))
        buttons.accepted.connect(dialog.accept)
        buttons.rejected.connect(dialog.reject)
        layout = QVBoxLayout(dialog)
        layout.addWidget(form)
        layout.addWidget(buttons)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self.add_account_with(form)

    def add_account_with(self, form: AccountForm) -> None:
        """Create the account typed in `form` (in the background, as the signed-in supervisor)."""
        from counter_app.services.accounts import create_account

        try:
            values = form.values()
        except DomainError as error:
            self._failed(error)
            return
        db, by = self.context.db, self.supervisor
        self._change(lambda: create_account(db, **values, by=by),
                     lambda account: self.tr("Đã thêm tài khoản {username} ({full_name}).").format(username=account.username, full_name=account.full_name))

    def reset_password(self) -> None:
        from counter_app.services.accounts import change_password

        username = self.selected()
        if username is None:
            self._failed(DomainError(self.tr("Hãy chọn một tài khoản trong bảng.")))
            return
        password, ok = QInputDialog.getText(self, self.tr("Đặt lại mật khẩu"), self.tr("Mật khẩu mới cho {username}:").format(username=username),
                                            QLineEdit.EchoMode.Password)
        if not ok:
            return
        db, by = self.context.db, self.supervisor
        self._change(lambda: change_password(db, username, password, by=by),
                     lambda _account: self.tr("Đã đặt mật khẩu mới cho {username}.").format(username=username))

    def disable(self) -> None:
        from counter_app.services.accounts import disable_account

        username = self.selected()
        if username is None:
            self._failed(DomainError(self.tr("Hãy chọn một tài khoản trong bảng.")))
            return
        answer = QMessageBox.question(self, self.tr("Vô hiệu hóa tài khoản"),
                                      self.tr("Vô hiệu hóa tài khoản {username} ở mọi quầy của đơn vị? Không hoàn tác được.").format(username=username))
        if answer != QMessageBox.StandardButton.Yes:
            return
        db, by = self.context.db, self.supervisor
        self._change(lambda: disable_account(db, username, by=by),
                     lambda _account: self.tr("Đã vô hiệu hóa tài khoản {username}.").format(username=username))


class FirstSupervisorDialog(QDialog):
    """A counter set up before accounts existed: its first supervisor account, before anyone signs in."""

    def __init__(self, db: Database, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.setWindowTitle(self.tr("Tạo tài khoản giám sát viên"))
        intro = QLabel(self.tr("Quầy chưa có tài khoản nào. Tạo tài khoản giám sát viên đầu tiên; giám sát viên sẽ thêm tài khoản cho nhân viên (phím F8)."))
        intro.setWordWrap(True)
        self.form = AccountForm(with_role=False, prefix="supervisor_")
        self.error = error_label("supervisor_error")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Tạo tài khoản"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Thoát (Esc)"))
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def save(self) -> None:
        from counter_app.services.accounts import create_account

        try:
            create_account(self.db, **self.form.values(Role.SUPERVISOR), by=None)
        except DomainError as error:
            self.error.setText(error_text(error))
            self.error.show()
            return
        self.accept()

"""Đăng ký máy chủ: link this counter to the provincial server with a one-time code from the supervisor.

The exchange runs in the background (the network may be slow); what goes wrong is said at the field
that caused it: a wrong, used or expired code at the code, an unreachable or wrong address at the
address, a machine without a secure key store below both. A plain http:// address to another machine is
refused (the token would cross the network readable) unless the clerk ticks the warned «Cho phép http://»
box (sync.client.enrollment.check_server_url, the rule `counter-app enroll --insecure-http` follows too).
On success the dialog shows which unit and which desk slot the province assigned, and
`enrolled(Enrolment)` fires.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from counter_app.domain.errors import DomainError
from counter_app.domain.text import nfc
from counter_app.services.credentials import NoSecureStore, TokenMissing
from counter_app.ui.context import UiContext
from counter_app.ui.form_fields import error_label
from counter_app.ui.messages import error_text
from counter_app.ui.palette import ERROR_STYLE, OK_STYLE

if TYPE_CHECKING:
    from sync.client.enrollment import Enrolment

INSECURE_WARNING = (
    "Cảnh báo: với http:// mã xác thực của quầy đi qua mạng ở dạng ai cũng đọc được và dùng lại được. "
    "Chỉ chọn khi máy chủ nằm trong mạng nội bộ tin cậy; ngoài ra hãy dùng https://."
)
FIELDS = ("url", "code", "general")
ADDRESS_CODES = {"network", "not_json", "unavailable", "tls", "bad_response"}
WORKING = "Đang liên hệ máy chủ tỉnh…"


def error_field(error: Exception) -> str:
    """Which field an enrolment failure belongs to: 'url', 'code' or 'general'."""
    from sync.client.enrollment import InsecureServerUrl
    from sync.client.transport import SyncError

    if isinstance(error, NoSecureStore | TokenMissing):
        return "general"
    if isinstance(error, InsecureServerUrl):
        return "url"
    if isinstance(error, SyncError):
        if "enrollment_code" in error.code or error.code in ("unknown_unit",):
            return "code"
        if error.code in ADDRESS_CODES or error.status in (404, 405) or error.transient:
            return "url"
        return "general"
    if isinstance(error, DomainError):
        return "code"  # the code belongs to another unit
    return "general"


def error_message(error: Exception, field: str) -> str:
    from sync.client.transport import SyncError

    message = error_text(error)
    if field == "url" and isinstance(error, SyncError) and error.code != "network":
        message += QCoreApplication.translate("enroll_dialog", " Hãy kiểm tra địa chỉ máy chủ tỉnh.")
    elif field == "url":
        message += QCoreApplication.translate("enroll_dialog", " Hãy kiểm tra địa chỉ và đường mạng, rồi thử lại.")
    return message


class EnrollDialog(QDialog):
    """Server address + one-time code; Enter enrols, Esc closes."""

    enrolled = Signal(object)  # Enrolment

    def __init__(self, context: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.result_enrolment: Enrolment | None = None
        self.busy = False
        self.setWindowTitle(self.tr("Đăng ký quầy với máy chủ tỉnh"))
        self.setMinimumWidth(520)

        self.url_edit = QLineEdit()
        self.url_edit.setObjectName("server_url")
        self.url_edit.setPlaceholderText(self.tr("Ví dụ: https://dongbo.buudien-tinh.vn"))
        self.url_edit.setText(context.settings.last_server_url())
        self.code_edit = QLineEdit()
        self.code_edit.setObjectName("enrollment_code")
        self.code_edit.setPlaceholderText(self.tr("Mã một lần do giám sát viên cấp"))
        url_label = QLabel(self.tr("Địa chỉ &máy chủ:"))
        url_label.setBuddy(self.url_edit)
        code_label = QLabel(self.tr("Mã đăng &ký:"))
        code_label.setBuddy(self.code_edit)
        self.insecure_check = QCheckBox(self.tr("Cho phép http:// không mã hoá (chỉ trong mạng nội bộ tin cậy)"))
        self.insecure_check.setObjectName("allow_insecure_http")
        self.insecure_warning = QLabel(INSECURE_WARNING)
        self.insecure_warning.setObjectName("insecure_warning")
        self.insecure_warning.setWordWrap(True)
        self.insecure_warning.setStyleSheet(ERROR_STYLE)
        self.insecure_warning.hide()
        self.insecure_check.toggled.connect(self.insecure_warning.setVisible)

        self.errors: dict[str, QLabel] = {}
        for field in FIELDS:
            self.errors[field] = error_label(f"{field}_error")
        self.result_label = QLabel()
        self.result_label.setObjectName("enroll_result")
        self.result_label.setWordWrap(True)
        self.result_label.hide()

        form = QFormLayout()
        form.addRow(url_label, self.url_edit)
        form.addRow("", self.errors["url"])
        form.addRow(code_label, self.code_edit)
        form.addRow("", self.errors["code"])
        form.addRow("", self.insecure_check)
        form.addRow("", self.insecure_warning)

        self.ok_button = QPushButton(self.tr("Đăng ký (Enter)"))
        self.ok_button.setObjectName("enroll_ok")
        self.ok_button.setDefault(True)
        self.ok_button.clicked.connect(self.submit)
        self.cancel_button = QPushButton(self.tr("Đóng (Esc)"))
        self.cancel_button.clicked.connect(self.reject)
        buttons = QDialogButtonBox()
        buttons.addButton(self.ok_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)

        layout = QVBoxLayout(self)
        hint = QLabel(self.tr("Nhập địa chỉ máy chủ tỉnh và mã đăng ký một lần do giám sát viên cấp cho quầy này."))
        hint.setWordWrap(True)
        layout.addWidget(hint)
        layout.addLayout(form)
        layout.addWidget(self.errors["general"])
        layout.addWidget(self.result_label)
        layout.addWidget(buttons)

        (self.code_edit if self.url_edit.text() else self.url_edit).setFocus(Qt.FocusReason.OtherFocusReason)

    # -- public -------------------------------------------------------------------------------------

    def error_at(self, field: str) -> str:
        """The message shown at `field` ('' when none): for tests and screen readers."""
        label = self.errors[field]
        return label.text() if not label.isHidden() else ""

    def submit(self) -> None:
        """Check the fields, then enrol in the background; the dialog keeps what was typed on error."""
        if self.result_enrolment is not None:
            self.accept()  # already enrolled: Enter closes
            return
        if self.busy:
            return
        for field in FIELDS:
            self._clear_error(field)
        from sync.client.enrollment import InsecureServerUrl, check_server_url

        url = nfc(self.url_edit.text()).strip()
        code = nfc(self.code_edit.text()).strip()
        allow_http = self.insecure_check.isChecked()
        valid = True
        if not url:
            self._show_error("url", self.tr("Hãy nhập địa chỉ máy chủ tỉnh."))
            valid = False
        else:
            try:
                check_server_url(url, allow_insecure_http=allow_http)
            except InsecureServerUrl as error:
                self._show_error("url", error.message)
                valid = False
        if not code:
            self._show_error("code", self.tr("Hãy nhập mã đăng ký do giám sát viên cấp."))
            valid = False
        if not valid:
            return
        self._set_busy(True)
        db = self.context.db
        # On the network lane: the exchange may take a while and neither searches nor saves wait for it.
        def work() -> Enrolment:
            from sync.client.enrollment import enroll  # the network client loads on first use

            return enroll(db, url, code, allow_insecure_http=allow_http)

        self.context.tasks.run(work, lambda result: self._done(url, result), self._failed, network=True, owner=self)

    # -- results ------------------------------------------------------------------------------------

    def _done(self, url: str, enrolment: Enrolment) -> None:
        self._set_busy(False)
        self.result_enrolment = enrolment
        self.context.settings.set_last_server_url(url)
        text = (self.tr("Đã đăng ký: {unit_name} ({unit_code}), quầy số {desk_slot}. Quầy sẽ bắt đầu đồng bộ ngay.").format(unit_name=enrolment.unit_name, unit_code=enrolment.unit_code, desk_slot=enrolment.desk_slot))
        if enrolment.slot_changed:
            text += self.tr(" Lưu ý: máy chủ tỉnh cấp số quầy {desk_slot}; hồ sơ mới sẽ mang số quầy này.").format(desk_slot=enrolment.desk_slot)
        self.result_label.setText(text)
        self.result_label.setStyleSheet(OK_STYLE)
        self.result_label.show()
        self._fit()
        self.url_edit.setEnabled(False)
        self.code_edit.setEnabled(False)
        self.insecure_check.setEnabled(False)
        self.ok_button.setText("Xong (Enter)")
        self.ok_button.setFocus(Qt.FocusReason.OtherFocusReason)
        self.cancel_button.hide()
        self.enrolled.emit(enrolment)

    def _failed(self, error: Exception) -> None:
        self._set_busy(False)
        field = error_field(error)
        self._show_error(field, error_message(error, field))
        target = self.url_edit if field == "url" else self.code_edit
        target.setFocus(Qt.FocusReason.OtherFocusReason)
        target.selectAll()

    # -- helpers ------------------------------------------------------------------------------------

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.ok_button.setEnabled(not busy)
        self.url_edit.setReadOnly(busy)
        self.code_edit.setReadOnly(busy)
        self.insecure_check.setEnabled(not busy)
        if busy:
            self.result_label.setStyleSheet("")
            self.result_label.setText(WORKING)
            self.result_label.show()
        else:
            self.result_label.hide()

    def _clear_error(self, field: str) -> None:
        self.errors[field].clear()
        self.errors[field].hide()

    def _show_error(self, field: str, message: str) -> None:
        self.errors[field].setText(message)
        self.errors[field].show()
        self._fit()

    def _fit(self) -> None:
        """Grow the dialog so every wrapped message shows whole (a form row keeps its first height)."""
        self.layout().activate()
        self.resize(self.width(), max(self.height(), self.sizeHint().height()))

    def reject(self) -> None:
        if self.busy:
            return  # the exchange is running; closing now would hide its answer
        super().reject()

"""The «Đơn vị» tab of the settings screen (F10): the unit's fields, and this machine's slip printer and
scan-inbox folder (kept on this tab, in the order Enter walks them since issue 9). The dialog
(ui/unit_settings_dialog.py) loads, checks and saves them.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtPrintSupport import QPrinterInfo
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from counter_app.domain.codes import MAX_DESK_SLOTS
from counter_app.domain.lookup_url import FIELD as LOOKUP_FIELD
from counter_app.domain.lookup_url import MAX_LEN as LOOKUP_MAX_LEN
from counter_app.services.unit_setup import CounterProfile
from counter_app.ui.commune_picker import CommunePicker
from counter_app.ui.form_fields import error_label
from counter_app.ui.scan_inbox_watcher import INBOX_FIELD

SYSTEM_PRINTER = "— Máy in mặc định của hệ thống —"
FIELDS = ("unit_name", "ward_code", "place_name", "desk", LOOKUP_FIELD, "printer", INBOX_FIELD)


def bank_account_text(profile: CounterProfile) -> str:
    """The unit's bank account for fees paid by transfer, or how to set one."""
    from counter_app.services.bank_account import account_of, describe_account

    account = account_of(profile)
    return describe_account(account) + ("" if account else QCoreApplication.translate("unit_settings_page", " Đặt bằng «counter-app setup … --bank-bin … --bank-account … --bank-account-name …»."))


class UnitSettingsPage(QWidget):
    """The fields of the «Đơn vị» tab and their error labels (`errors`, by field, plus "general")."""

    def __init__(self, profile: CounterProfile, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.unit_name = QLineEdit()
        self.unit_name.setObjectName("unit_name")
        self.unit_name.setMaxLength(200)
        self.commune = CommunePicker(profile.ward_code, profile.province_code)
        self.commune.setObjectName("unit_commune")
        self.commune.setPlaceholderText(self.tr("Gõ tên xã/phường của đơn vị (không cần dấu), ví dụ: hai chau"))
        self.place_name = QLineEdit()
        self.place_name.setObjectName("place_name")
        self.place_name.setMaxLength(120)
        self.place_name.setPlaceholderText(self.tr("Địa danh ghi trước ngày tháng trên giấy, ví dụ: Hải Châu"))
        self.desk = QSpinBox()
        self.desk.setObjectName("desk")
        self.desk.setRange(1, MAX_DESK_SLOTS - 1)
        self.desk_note = QLabel()
        self.desk_note.setObjectName("desk_note")
        self.desk_note.setWordWrap(True)
        self.desk_note.hide()
        self.lookup_url = QLineEdit()
        self.lookup_url.setObjectName("lookup_url")
        self.lookup_url.setMaxLength(LOOKUP_MAX_LEN)
        self.lookup_url.setPlaceholderText(self.tr("https://dichvucong.example.vn/tra-cuu?ma={code} (để trống: QR chỉ ghi mã)"))
        self.printer = QComboBox()
        self.printer.setObjectName("printer")
        self.printer.setEditable(True)
        self.printer.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.printer.addItem(SYSTEM_PRINTER, "")
        for name in QPrinterInfo.availablePrinterNames():
            self.printer.addItem(name, name)
        self.scan_inbox = QLineEdit()
        self.scan_inbox.setObjectName(INBOX_FIELD)
        self.scan_inbox.setPlaceholderText(self.tr("thư mục máy quét lưu bản quét vào, ví dụ D:\\BanQuet"))
        self.browse_button = QPushButton(self.tr("Chọn… (Ctrl+O)"))
        self.browse_button.setAutoDefault(False)
        self.browse_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # reached by its key; Enter walks the fields
        inbox_row = QHBoxLayout()
        inbox_row.addWidget(self.scan_inbox, 1)
        inbox_row.addWidget(self.browse_button)
        self.errors = {field: error_label(f"error_{field}") for field in (*FIELDS, "general")}

        form = QFormLayout(self)
        form.addRow(self._buddy(self.tr("Tên đơn &vị:"), self.unit_name), self.unit_name)
        form.addRow("", self.errors["unit_name"])
        form.addRow(self._buddy(self.tr("&Xã/phường:"), self.commune), self.commune)
        form.addRow("", self.errors["ward_code"])
        form.addRow(self._buddy(self.tr("Địa &danh trên giấy:"), self.place_name), self.place_name)
        form.addRow("", self.errors["place_name"])
        form.addRow(self._buddy(self.tr("Số &quầy (1–9):"), self.desk), self.desk)
        form.addRow("", self.desk_note)
        form.addRow("", self.errors["desk"])
        form.addRow(self._buddy(self.tr("Địa chỉ &tra cứu (QR):"), self.lookup_url), self.lookup_url)
        form.addRow("", self.errors[LOOKUP_FIELD])
        # The account fees paid by transfer go to (VietQR): shown here, set with `counter-app setup --bank-…`.
        self.bank_account = QLabel()
        self.bank_account.setObjectName("bank_account")
        self.bank_account.setWordWrap(True)
        form.addRow(self.tr("Tài khoản thu phí:"), self.bank_account)
        form.addRow(self._buddy(self.tr("Máy &in giấy tiếp nhận:"), self.printer), self.printer)
        form.addRow("", QLabel(self.tr("Máy in là thiết lập riêng của máy tính này.")))
        form.addRow("", self.errors["printer"])
        form.addRow(self._buddy(self.tr("Thư &mục nhận bản quét:"), self.scan_inbox), inbox_row)
        form.addRow("", QLabel(self.tr("Cũng là thiết lập riêng của máy này; đổi thư mục thì có hiệu lực ngay.")))
        form.addRow("", self.errors[INBOX_FIELD])

    @staticmethod
    def _buddy(text: str, widget: QWidget) -> QLabel:
        label = QLabel(text)
        label.setBuddy(widget)
        return label

    def set_printer_text(self, name: str) -> None:
        index = self.printer.findData(name) if name else 0
        if index >= 0:
            self.printer.setCurrentIndex(index)
        else:
            self.printer.setEditText(name)

    def printer_name(self) -> str:
        text = self.printer.currentText().strip()
        return "" if text == SYSTEM_PRINTER else text

"""The fees screen's payment column: cash or transfer (Alt+1 / Alt+2), the receipt's paper, the collect
button. For a transfer it holds the VietQR panel (ui/transfer_panel.py) for the exact amount.

The screen owns Ctrl+Enter: the panel's own Ctrl+Enter would make the key ambiguous, so it is switched
off here and the screen asks the panel to `confirm()` (its `confirmed(reference)` then collects).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from counter_app.domain.money import format_dong
from counter_app.domain.receipts import PaymentMethod
from counter_app.ui.fee_desk import FeeDesk
from counter_app.ui.settings import RECEIPT_PAPERS, CounterSettings
from counter_app.ui.transfer_panel import TransferPanel

PAPER_NAMES = {"a5": "A5", "80mm": "Giấy nhiệt 80 mm"}


class PaymentPanel(QWidget):
    """`method_changed` fires when the clerk picks cash or transfer."""

    method_changed = Signal()

    def __init__(self, settings: CounterSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.cash_button = QRadioButton(self.tr("Tiền mặt (Alt+1)"))
        self.transfer_button = QRadioButton(self.tr("Chuyển khoản (Alt+2)"))
        self.cash_button.setObjectName("method_cash")
        self.transfer_button.setObjectName("method_transfer")
        self.cash_button.setChecked(True)
        group = QButtonGroup(self)
        for button in (self.cash_button, self.transfer_button):
            group.addButton(button)
        group.buttonToggled.connect(lambda _button, checked: checked and self.method_changed.emit())
        self.paper = QComboBox()
        self.paper.setObjectName("receipt_paper")
        for paper in RECEIPT_PAPERS:
            self.paper.addItem(PAPER_NAMES[paper], paper)
        self.paper.setCurrentIndex(max(0, self.paper.findData(settings.receipt_paper())))
        self.paper.currentIndexChanged.connect(lambda _index: settings.set_receipt_paper(self.paper_choice))
        paper_label = QLabel(self.tr("&Khổ giấy biên lai:"))
        paper_label.setBuddy(self.paper)
        methods = QHBoxLayout()
        methods.addWidget(self.cash_button)
        methods.addWidget(self.transfer_button)
        methods.addStretch(1)
        methods.addWidget(paper_label)
        methods.addWidget(self.paper)

        self.cash_text = QLabel()
        self.cash_text.setObjectName("cash_text")
        self.cash_text.setWordWrap(True)
        self.cash_text.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.transfer = TransferPanel()
        for shortcut in self.transfer.findChildren(QShortcut):
            shortcut.setEnabled(False)  # the screen's Ctrl+Enter asks it to confirm
        self.transfer.confirm_button.hide()
        self.pages = QStackedWidget()
        self.pages.addWidget(self.cash_text)
        self.pages.addWidget(self.transfer)
        self.collect_button = QPushButton(self.tr("Thu tiền và lập biên lai (Ctrl+Enter)"))
        self.collect_button.setObjectName("collect_fee")
        self.collect_button.setAutoDefault(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(methods)
        layout.addWidget(self.pages, 1)
        layout.addWidget(self.collect_button)

    @property
    def method(self) -> PaymentMethod:
        return PaymentMethod.TRANSFER if self.transfer_button.isChecked() else PaymentMethod.CASH

    @property
    def paper_choice(self) -> str:
        return str(self.paper.currentData())

    def show_desk(self, desk: FeeDesk | None, hint: str) -> None:
        """The chosen method's page for `desk`: the cash amount, or the transfer code (or why there is none)."""
        if self.method is PaymentMethod.CASH:
            self.pages.setCurrentWidget(self.cash_text)
            owed = desk.due.total_vnd if desk else 0
            self.cash_text.setText(self.tr("Thu tiền mặt: <b>{format_dong}</b>. Nhận đủ tiền rồi nhấn Ctrl+Enter để lập và in biên lai.").format(format_dong=format_dong(owed)) if owed else "")
        else:
            self.pages.setCurrentWidget(self.transfer)
            if desk is not None and desk.transfer is not None:
                self.transfer.show_request(desk.transfer)
            else:
                self.transfer.show_unavailable(desk.transfer_unavailable if desk else hint)

"""A table of receipts, as the fees screen (F4) shows them: a dossier's, or the whole day's.

One row per receipt, cancelled ones too (a cancelled number stays in its book): number, time, amount
(phí and lệ phí apart), method with the bank's reference, and the status; a cancellation reads "Đã hủy"
with its reason, who signed it and when, in the error colour. The selected row's number is what Ctrl+R
reprints and Ctrl+Shift+X cancels.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem, QWidget

from counter_app.domain.formats import column_datetime
from counter_app.domain.money import format_vnd
from counter_app.domain.receipts import PaymentMethod, Receipt, ReceiptStatus
from counter_app.services.day_close import ReceiptLine
from counter_app.ui import palette


@dataclass(frozen=True)
class ReceiptView:
    """What one row shows; made from a dossier's `Receipt` or a day's `ReceiptLine`."""

    number: str
    collected_at: datetime
    dossier_code: str
    payer: str
    fee_vnd: int
    charge_vnd: int
    method: str
    bank_reference: str
    cancelled: bool
    cancel_reason: str = ""
    cancelled_by: str = ""
    cancelled_at: datetime | None = None

    @classmethod
    def of_receipt(cls, r: Receipt) -> ReceiptView:
        return cls(r.number_text, r.collected_at, r.dossier_code, r.payer_name, r.fee_vnd, r.charge_vnd, r.method.value,
                   r.bank_reference, r.cancelled, r.cancel_reason, r.cancelled_by, r.cancelled_at)

    @classmethod
    def of_line(cls, r: ReceiptLine) -> ReceiptView:
        return cls(r.number, r.collected_at, r.dossier_code, r.payer, r.fee_vnd, r.charge_vnd, r.method,
                   r.bank_reference, r.cancelled, r.cancel_reason, r.cancelled_by, r.cancelled_at)

    @property
    def amount_text(self) -> str:
        return (QCoreApplication.translate("ReceiptView", "{format_vnd} đồng (phí {format_vnd2}, lệ phí {format_vnd3})").format(format_vnd=format_vnd(self.fee_vnd + self.charge_vnd), format_vnd2=format_vnd(self.fee_vnd), format_vnd3=format_vnd(self.charge_vnd)))

    @property
    def method_text(self) -> str:
        label = PaymentMethod(self.method).label
        return f"{label}: {self.bank_reference}" if self.bank_reference else label

    @property
    def status_text(self) -> str:
        if not self.cancelled:
            return ReceiptStatus.ISSUED.label
        when = f", {column_datetime(self.cancelled_at)}" if self.cancelled_at else ""
        return QCoreApplication.translate("ReceiptView", "{label}: {cancel_reason} (giám sát viên {cancelled_by}{when})").format(label=ReceiptStatus.CANCELLED.label, cancel_reason=self.cancel_reason, cancelled_by=self.cancelled_by, when=when)


DOSSIER_COLUMNS = (QT_TRANSLATE_NOOP("receipt_list", "Số biên lai"), QT_TRANSLATE_NOOP("receipt_list", "Thời gian"), QT_TRANSLATE_NOOP("receipt_list", "Số tiền"), QT_TRANSLATE_NOOP("receipt_list", "Hình thức"), QT_TRANSLATE_NOOP("receipt_list", "Trạng thái"))
DAY_COLUMNS = (QT_TRANSLATE_NOOP("receipt_list", "Số biên lai"), QT_TRANSLATE_NOOP("receipt_list", "Thời gian"), QT_TRANSLATE_NOOP("receipt_list", "Mã hồ sơ"), QT_TRANSLATE_NOOP("receipt_list", "Người nộp"), QT_TRANSLATE_NOOP("receipt_list", "Số tiền"), QT_TRANSLATE_NOOP("receipt_list", "Hình thức"), QT_TRANSLATE_NOOP("receipt_list", "Trạng thái"))


class ReceiptTable(QTableWidget):
    """Receipts, one per row; `with_dossier` adds the dossier code and the payer (the day's list)."""

    def __init__(self, with_dossier: bool = False, parent: QWidget | None = None) -> None:
        self.columns = DAY_COLUMNS if with_dossier else DOSSIER_COLUMNS
        super().__init__(0, len(self.columns), parent)
        self.setHorizontalHeaderLabels([QCoreApplication.translate("receipt_list", text) for text in self.columns])
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setTabKeyNavigation(False)
        self.setWordWrap(True)
        self.verticalHeader().setVisible(False)
        header = self.horizontalHeader()
        for column in range(len(self.columns)):
            stretch = column == len(self.columns) - 1
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch if stretch
                                        else QHeaderView.ResizeMode.ResizeToContents)
        self.rows: list[ReceiptView] = []

    def set_rows(self, rows: list[ReceiptView]) -> None:
        """Show `rows`; the newest stays selected (what Ctrl+R reprints without moving)."""
        self.rows = list(rows)
        self.setRowCount(len(self.rows))
        for r, row in enumerate(self.rows):
            values = [row.number, column_datetime(row.collected_at)]
            if self.columns is DAY_COLUMNS:
                values += [row.dossier_code, row.payer]
            values += [row.amount_text, row.method_text, row.status_text]
            for c, value in enumerate(values):
                item = QTableWidgetItem(value)
                if row.cancelled:
                    item.setForeground(QColor(palette.ERROR))
                self.setItem(r, c, item)
        self.resizeRowsToContents()
        if self.rows:
            self.selectRow(len(self.rows) - 1)

    def selected(self) -> ReceiptView | None:
        row = self.currentRow()
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def focus(self) -> None:
        self.setFocus(Qt.FocusReason.ShortcutFocusReason)

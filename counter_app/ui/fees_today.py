"""The fees screen's "today" tab (Ctrl+D): the day's receipts at this desk and their totals.

Totals are by method (cash, transfer) and by kind (phí, lệ phí), of issued receipts only, from the same
services.day_close.day_summary the day's close checks, so what the clerk reads here is what the close
will compare the drawer with. A button (and Ctrl+Shift+K from anywhere) opens the day-close dialog.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from counter_app.domain.formats import office_date, office_datetime
from counter_app.domain.money import format_vnd
from counter_app.services.day_close import (
    CASH,
    METHOD_LABELS,
    TRANSFER,
    DaySummary,
    MethodTotals,
    day_summary,
)
from counter_app.ui.context import UiContext
from counter_app.ui.messages import error_text
from counter_app.ui.receipt_list import ReceiptTable, ReceiptView

LOADING = QT_TRANSLATE_NOOP("fees_today", "Đang tải biên lai trong ngày…")


def totals_line(label: str, totals: MethodTotals) -> str:
    return (QCoreApplication.translate("fees_today", "{label}: {count} biên lai — phí {format_vnd}, lệ phí {format_vnd2}, cộng {format_vnd3} đồng").format(label=label, count=totals.count, format_vnd=format_vnd(totals.fee_vnd), format_vnd2=format_vnd(totals.charge_vnd), format_vnd3=format_vnd(totals.total_vnd)))


def totals_text(summary: DaySummary) -> str:
    """The day's totals, one line per method and one for both, and the cancellations."""
    lines = [totals_line(METHOD_LABELS[m], summary.by_method.get(m, MethodTotals())) for m in (CASH, TRANSFER)]
    issued = summary.issued
    both = MethodTotals(sum(r.fee_vnd for r in issued), sum(r.charge_vnd for r in issued), len(issued))
    lines.append(totals_line(QCoreApplication.translate("fees_today", "Tổng cộng"), both))
    if summary.cancellations:
        lines.append(QCoreApplication.translate("fees_today", "Đã hủy: {len} biên lai (không tính vào tổng).").format(len=len(summary.cancellations)))
    if summary.close is not None:
        lines.append(QCoreApplication.translate("fees_today", "Ngày đã khóa sổ lúc {office_datetime} ({clerk}).").format(office_datetime=office_datetime(summary.close.closed_at), clerk=summary.close.clerk))
    return "\n".join(lines)


class FeesTodayView(QWidget):
    """`refresh(day)` reads the day in the background; `loaded` fires once the table shows it."""

    loaded = Signal()
    day_close_requested = Signal()

    def __init__(self, context: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.loading = False
        self.summary: DaySummary | None = None
        self.heading = QLabel()
        self.table = ReceiptTable(with_dossier=True)
        self.table.setObjectName("today_receipts")
        self.totals = QLabel(QCoreApplication.translate("fees_today", LOADING))
        self.totals.setObjectName("today_totals")
        self.totals.setWordWrap(True)
        close_button = QPushButton(self.tr("Khóa sổ cuối ngày (Ctrl+Shift+K)"))
        close_button.setObjectName("open_day_close")
        close_button.setAutoDefault(False)
        close_button.clicked.connect(self.day_close_requested)
        bottom = QHBoxLayout()
        bottom.addWidget(self.totals, 1)
        bottom.addWidget(close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)

    def refresh(self, day: date) -> None:
        self.loading = True
        self.heading.setText(self.tr("<b>Biên lai ngày {office_date} tại quầy này</b>").format(office_date=office_date(day)))
        self.totals.setText(QCoreApplication.translate("fees_today", LOADING))
        db = self.context.db
        self.context.tasks.run(lambda: day_summary(db, day), self._loaded, self._failed, owner=self, request="day")

    def _loaded(self, summary: DaySummary) -> None:
        self.loading = False
        self.summary = summary
        self.table.set_rows([ReceiptView.of_line(line) for line in summary.receipts])
        self.totals.setText(totals_text(summary) if summary.receipts else self.tr("Hôm nay chưa thu phí, lệ phí nào."))
        self.loaded.emit()

    def _failed(self, error: Exception) -> None:
        self.loading = False
        self.totals.setText(self.tr("Không tải được biên lai trong ngày: {error_text}").format(error_text=error_text(error)))

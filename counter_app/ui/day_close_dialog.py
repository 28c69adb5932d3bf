"""Khóa sổ cuối ngày (Ctrl+Shift+K): count the drawer by denomination, see the difference, close the day.

Keyboard first: one spin box per denomination (Tab moves down, the number typed is the pieces), the total
and the difference against the day's cash receipts update as the clerk types. A difference opens the
explanation and the supervisor's sign-in (username and password, checked with services.accounts.sign_in
on the task runner) before Ctrl+Enter closes the day; Esc closes the dialog. A refused close keeps every
count and shows the service's Vietnamese message. docs/day-close.md.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
)

from counter_app.domain.day_close import DENOMINATIONS, MAX_EXPLANATION_LENGTH, MAX_PIECES, DayClose
from counter_app.domain.formats import office_date
from counter_app.domain.money import format_vnd
from counter_app.services.clock import office_today
from counter_app.services.day_close import DaySummary, close_day, day_summary
from counter_app.ui.context import UiContext
from counter_app.ui.messages import error_text
from counter_app.ui.palette import ERROR_STYLE, OK_STYLE, WARNING_STYLE


class DayCloseDialog(QDialog):
    """`closed(DayClose)` fires once the close is saved (and queued for the province)."""

    closed = Signal(object)

    def __init__(self, context: UiContext, parent=None, day: date | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.day = day or office_today(context.clock())
        self.summary: DaySummary = day_summary(context.db, self.day)
        self.saving = False
        self.setWindowTitle(self.tr("Khóa sổ cuối ngày {office_date}").format(office_date=office_date(self.day)))
        issued, cancelled = len(self.summary.issued), len(self.summary.cancellations)
        intro = QLabel(self.tr("Ngày {office_date}: {issued} biên lai ({cancelled} đã hủy không tính); tiền mặt theo biên lai <b>{format_vnd} đồng</b>, chuyển khoản {format_vnd2} đồng.").format(office_date=office_date(self.day), issued=issued, cancelled=cancelled, format_vnd=format_vnd(self.summary.cash_expected), format_vnd2=format_vnd(self.summary.transfers_total)))
        intro.setWordWrap(True)
        grid = QGridLayout()
        self.spins: dict[int, QSpinBox] = {}
        for row, value in enumerate(DENOMINATIONS):
            spin = QSpinBox()
            spin.setObjectName(f"pieces_{value}")
            spin.setRange(0, MAX_PIECES)
            spin.setSuffix(self.tr(" tờ/xu"))
            spin.valueChanged.connect(self._update)
            label = QLabel(self.tr("{format_vnd} đồng:").format(format_vnd=format_vnd(value)))
            label.setBuddy(spin)
            grid.addWidget(label, row // 2, (row % 2) * 2)
            grid.addWidget(spin, row // 2, (row % 2) * 2 + 1)
            self.spins[value] = spin
        self.total = QLabel()
        self.total.setObjectName("counted_total")
        self.difference = QLabel()
        self.difference.setObjectName("difference")
        self.explanation = QLineEdit()
        self.explanation.setObjectName("explanation")
        self.explanation.setMaxLength(MAX_EXPLANATION_LENGTH)
        self.explanation.setPlaceholderText(self.tr("Bắt buộc khi có chênh lệch: vì sao thừa hoặc thiếu"))
        self.supervisor = QLineEdit()
        self.supervisor.setObjectName("supervisor")
        self.supervisor.setMaxLength(32)
        self.password = QLineEdit()
        self.password.setObjectName("supervisor_password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setMaxLength(128)
        form = QFormLayout()
        form.addRow(self.tr("Tiền mặt đếm được:"), self.total)
        form.addRow(self.tr("Chênh lệch:"), self.difference)
        form.addRow(self.tr("&Giải trình chênh lệch:"), self.explanation)
        form.addRow(self.tr("Giám sát viên &ký xác nhận (tên đăng nhập):"), self.supervisor)
        form.addRow(self.tr("&Mật khẩu giám sát viên:"), self.password)
        self.message = QLabel("")
        self.message.setObjectName("day_close_message")
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.setWordWrap(True)
        self.close_button = QPushButton(self.tr("Khóa sổ (Ctrl+Enter)"))
        self.close_button.setObjectName("close_day")
        self.close_button.setAutoDefault(False)
        self.close_button.clicked.connect(self.submit)
        cancel = QPushButton(self.tr("Đóng (Esc)"))
        cancel.setAutoDefault(False)
        cancel.clicked.connect(self.reject)
        buttons = QDialogButtonBox()
        buttons.addButton(self.close_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(cancel, QDialogButtonBox.ButtonRole.RejectRole)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(grid)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self).activated.connect(self.submit)
        if self.summary.close is not None:
            self._already_closed(self.summary.close)
        self._update()
        self.spins[DENOMINATIONS[0]].setFocus()

    def counted(self) -> dict[int, int]:
        return {value: spin.value() for value, spin in self.spins.items() if spin.value()}

    def counted_total(self) -> int:
        return sum(value * pieces for value, pieces in self.counted().items())

    def _update(self) -> None:
        total = self.counted_total()
        self.total.setText(self.tr("{amount} đồng").format(amount=format_vnd(total)))
        difference = total - self.summary.cash_expected
        if difference:
            self.difference.setText((self.tr("thừa {amount} đồng: cần giải trình và giám sát viên ký xác nhận") if difference > 0
                                     else self.tr("thiếu {amount} đồng: cần giải trình và giám sát viên ký xác nhận")).format(amount=format_vnd(abs(difference))))
            self.difference.setStyleSheet(WARNING_STYLE)
        else:
            self.difference.setText(self.tr("khớp với biên lai"))
            self.difference.setStyleSheet(OK_STYLE)
        for widget in (self.explanation, self.supervisor, self.password):
            widget.setEnabled(bool(difference) and self.summary.close is None)

    def _already_closed(self, close: DayClose) -> None:
        self.message.setText(self.tr("Ngày {office_date} đã khóa sổ ({clerk}, đếm được {format_vnd} đồng); mỗi ngày chỉ khóa sổ một lần.").format(office_date=office_date(close.day), clerk=close.clerk, format_vnd=format_vnd(close.counted_total)))
        self.close_button.setEnabled(False)
        for spin in self.spins.values():
            spin.setEnabled(False)

    def submit(self) -> None:
        if self.saving or self.summary.close is not None:
            return
        self.saving = True
        self.message.clear()
        db, day, now, counted = self.context.db, self.day, self.context.clock(), self.counted()
        clerk = self.context.clerk_username
        explanation = self.explanation.text()
        supervisor, password = self.supervisor.text().strip(), self.password.text()
        different = self.counted_total() != self.summary.cash_expected

        def work() -> DayClose:
            from counter_app.services.accounts import sign_in

            signer = sign_in(db, supervisor, password, now=now).username if different and supervisor else ""
            return close_day(db, day, counted=counted, explanation=explanation, supervisor=signer, by=clerk, now=now)

        self.context.tasks.run(work, self._closed, self._refused, write=True, owner=self)

    def _closed(self, close: DayClose) -> None:
        self.saving = False
        self.closed.emit(close)
        self.accept()

    def _refused(self, error: Exception) -> None:
        self.saving = False
        self.password.clear()
        self.message.setText(error_text(error))
        field = getattr(error, "field", "")
        focus = {"explanation": self.explanation, "supervisor": self.supervisor}.get(field)
        if focus is not None:
            focus.setFocus()

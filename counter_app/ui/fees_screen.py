"""Thu phí (F4): collect a dossier's phí and lệ phí against a receipt, keyboard first.

Type or scan the dossier code, Enter: the dossier, what it still owes (phí and lệ phí apart, the total in
figures and in words, amounts not known yet named), its receipts, and the receipt numbers the desk has
left (a warning at ten or fewer; none left and collecting is refused before the citizen pays). Alt+1 cash,
Alt+2 transfer (the VietQR code for the exact amount and the bank reference, ui/transfer_panel.py);
Ctrl+Enter collects (services.receipts.collect_fee, as the signed-in clerk), then the receipt's preview
opens to print. Ctrl+R reprints the selected receipt, Ctrl+Shift+X cancels it (a supervisor signs),
Ctrl+D shows today's receipts with their totals and the way to the day's close. Every read and write goes
through the task runner: the screen never waits on the database. docs/fees.md, "The fees screen (F4)".
"""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from counter_app.domain.money import format_dong
from counter_app.domain.receipts import PaymentMethod, Receipt
from counter_app.services.clock import office_today
from counter_app.ui.context import UiContext
from counter_app.ui.fee_desk import (
    FeeDesk,
    due_html,
    normal_code,
    numbers_left_text,
    read_fee_desk,
    summary_html,
)
from counter_app.ui.fee_payment import PaymentPanel
from counter_app.ui.fees_today import FeesTodayView
from counter_app.ui.messages import error_text
from counter_app.ui.palette import ERROR_STYLE, OK_STYLE, WARNING_STYLE
from counter_app.ui.receipt_list import ReceiptTable, ReceiptView
from counter_app.ui.screen import Screen

HINT = QT_TRANSLATE_NOOP("fees_screen", "Gõ hoặc quét mã hồ sơ rồi nhấn Enter.")
LOADING = QT_TRANSLATE_NOOP("fees_screen", "Đang tải hồ sơ…")
COLLECTING = QT_TRANSLATE_NOOP("fees_screen", "Đang lập biên lai…")
LEVEL_STYLES = {"error": ERROR_STYLE, "warning": WARNING_STYLE, "ok": ""}
SHORTCUTS = [
    ("F4", QT_TRANSLATE_NOOP("Shortcuts", "Màn hình thu phí; nhấn lại: về ô mã hồ sơ")),
    ("Alt+S", QT_TRANSLATE_NOOP("Shortcuts", "Về ô mã hồ sơ")),
    (QT_TRANSLATE_NOOP("Shortcuts", "Enter (ô mã hồ sơ)"), QT_TRANSLATE_NOOP("Shortcuts", "Mở hồ sơ vừa gõ hoặc quét")),
    ("Alt+1 / Alt+2", QT_TRANSLATE_NOOP("Shortcuts", "Thu bằng tiền mặt / chuyển khoản (hiện mã VietQR đúng số tiền)")),
    ("Alt+M", QT_TRANSLATE_NOOP("Shortcuts", "Chuyển khoản: ô mã giao dịch ngân hàng")),
    ("Ctrl+Enter", QT_TRANSLATE_NOOP("Shortcuts", "Thu tiền, lập biên lai rồi xem và in biên lai")),
    ("Alt+B", QT_TRANSLATE_NOOP("Shortcuts", "Đến danh sách biên lai của hồ sơ")),
    ("Ctrl+R", QT_TRANSLATE_NOOP("Shortcuts", "In lại biên lai đang chọn")),
    ("Ctrl+Shift+X", QT_TRANSLATE_NOOP("Shortcuts", "Hủy biên lai đang chọn (lý do, giám sát viên ký xác nhận)")),
    ("Alt+K", QT_TRANSLATE_NOOP("Shortcuts", "Khổ giấy biên lai của quầy: A5 hoặc giấy nhiệt 80 mm")),
    ("Ctrl+D", QT_TRANSLATE_NOOP("Shortcuts", "Biên lai hôm nay và tổng theo hình thức, loại; nhấn lại: về hồ sơ")),
    ("Ctrl+Shift+K", QT_TRANSLATE_NOOP("Shortcuts", "Khóa sổ cuối ngày (cũng có nút ở thẻ biên lai hôm nay)")),
]


class FeesScreen(Screen):
    """The F4 page. `loaded` fires when a dossier's answer is drawn, `collected(Receipt)` after a receipt."""

    title = QT_TRANSLATE_NOOP("Screen", "Thu phí")  # translated where shown (main window)
    loaded = Signal()
    collected = Signal(object)
    day_close_requested = Signal()

    def __init__(self, context: UiContext) -> None:
        super().__init__(context)
        self.desk: FeeDesk | None = None
        self.loading = False
        self.collecting = False
        self.numbers_left: int | None = None
        self.dialog = None  # the preview or the cancel dialog while it is open (tests reach it here)

        self.code_box = QLineEdit()
        self.code_box.setObjectName("fees_code")
        self.code_box.setPlaceholderText(self.tr("Mã hồ sơ trên giấy tiếp nhận (gõ hoặc quét)"))
        self.code_box.setMaxLength(64)
        self.code_box.returnPressed.connect(lambda: self.load(self.code_box.text()))
        self.code_box.textEdited.connect(lambda _text: self._update_collect())  # another code: not until Enter
        code_label = QLabel(self.tr("Mã hồ &sơ:"))
        code_label.setBuddy(self.code_box)
        self.numbers = QLabel()
        self.numbers.setObjectName("receipt_numbers_left")
        self.numbers.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(code_label)
        top.addWidget(self.code_box, 1)
        top.addWidget(self.numbers, 1)

        self.tabs = QTabWidget()
        self.tabs.setObjectName("fees_tabs")
        self.tabs.addTab(self._dossier_page(), self.tr("Thu phí hồ sơ"))
        self.today = FeesTodayView(context)
        self.today.day_close_requested.connect(self.day_close_requested)
        self.tabs.addTab(self.today, self.tr("Biên lai hôm nay (Ctrl+D)"))
        self.tabs.currentChanged.connect(self._tab_changed)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.tabs, 1)

        for keys, slot in (("Ctrl+Return", self.collect), ("Ctrl+Enter", self.collect), ("Alt+1", self.choose_cash),
                           ("Alt+2", self.choose_transfer), ("Ctrl+R", self.reprint),
                           ("Ctrl+Shift+X", self.cancel_selected), ("Ctrl+D", self.toggle_today)):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)
        self._show_desk(None)

    def _dossier_page(self) -> QWidget:
        self.summary = QLabel(QCoreApplication.translate("fees_screen", HINT))
        self.summary.setObjectName("fees_summary")
        self.summary.setWordWrap(True)
        self.due = QLabel()
        self.due.setObjectName("fees_due")
        self.due.setWordWrap(True)
        self.receipts = ReceiptTable()
        self.receipts.setObjectName("dossier_receipts")
        receipts_label = QLabel(self.tr("&Biên lai của hồ sơ (Ctrl+R in lại, Ctrl+Shift+X hủy):"))
        receipts_label.setBuddy(self.receipts)
        left = QVBoxLayout()
        left.addWidget(self.summary)
        owed = QGroupBox(self.tr("Phải nộp"))
        QVBoxLayout(owed).addWidget(self.due)
        left.addWidget(owed)
        left.addWidget(receipts_label)
        left.addWidget(self.receipts, 1)

        self.payment = PaymentPanel(self.context.settings)
        self.payment.method_changed.connect(self._show_method)
        self.payment.collect_button.clicked.connect(self.collect)
        self.payment.transfer.confirmed.connect(lambda reference: self._collect(PaymentMethod.TRANSFER, reference))
        self.message = QLabel()
        self.message.setObjectName("fees_message")
        self.message.setWordWrap(True)
        right = QVBoxLayout()
        right.addWidget(self.payment, 1)
        right.addWidget(self.message)

        page = QWidget()
        row = QHBoxLayout(page)
        row.addLayout(left, 1)
        row.addLayout(right, 1)
        return page

    # -- public -----------------------------------------------------------------------------------

    def on_shown(self) -> None:
        self.focus_code()
        if self.desk is not None:
            self.load(self.desk.code)  # a step taken elsewhere may have changed what it owes
        else:
            self.refresh_numbers()
        if self.tabs.currentWidget() is self.today:
            self.today.refresh(office_today(self.context.clock()))

    def focus_code(self) -> None:
        self.code_box.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.code_box.selectAll()

    def shortcut_help(self) -> list[tuple[str, str]]:
        return SHORTCUTS

    def load(self, code: str, message: str = "") -> None:
        """Read dossier `code` in the background (typed + Enter, scanned, from a dossier or a worklist);
        `message` is said once it is shown (what was just done to it)."""
        code = normal_code(code)
        if not code:
            self._say(QCoreApplication.translate("fees_screen", HINT), "")
            return
        self.tabs.setCurrentIndex(0)
        if self.code_box.text() != code:
            self.code_box.setText(code)
        self.loading = True
        self._say(QCoreApplication.translate("fees_screen", LOADING), "")
        db = self.context.db
        self.context.tasks.run(lambda: read_fee_desk(db, code), lambda desk: self._loaded(desk, message, code),
                               self._load_failed, owner=self, request="desk")

    def refresh_numbers(self) -> None:
        from counter_app.services.receipts import receipt_numbers_left

        db = self.context.db
        self.context.tasks.run(lambda: receipt_numbers_left(db), self._show_numbers, owner=self, request="numbers")

    # -- showing ----------------------------------------------------------------------------------

    def _loaded(self, desk: FeeDesk, message: str, asked: str) -> None:
        self.loading = False
        if desk.code != asked and normal_code(self.code_box.text()) == asked:  # an old code: the dossier's now
            self.code_box.setText(desk.code)
        self._show_desk(desk)
        self._say(message, "ok" if message else "")
        self.loaded.emit()

    def _load_failed(self, error: Exception) -> None:
        self.loading = False
        self._show_desk(None)
        self._say(error_text(error), "error")
        self.focus_code()
        self.loaded.emit()

    def _show_desk(self, desk: FeeDesk | None) -> None:
        self.desk = desk
        if desk is None:
            self.summary.setText(QCoreApplication.translate("fees_screen", HINT))
            self.due.setText("")
            self.receipts.set_rows([])
        else:
            self.summary.setText(summary_html(desk))
            self.due.setText(due_html(desk))
            self.receipts.set_rows([ReceiptView.of_receipt(r) for r in desk.receipts])
            self._show_numbers(desk.numbers_left)
        self._show_method()

    def _show_numbers(self, left: int) -> None:
        self.numbers_left = left
        text, level = numbers_left_text(left)
        self.numbers.setText(text)
        self.numbers.setStyleSheet(LEVEL_STYLES[level])
        self._update_collect()

    def _show_method(self) -> None:
        self.payment.show_desk(self.desk, QCoreApplication.translate("fees_screen", HINT))
        self._update_collect()

    def _refusal(self) -> str:
        """Why Ctrl+Enter cannot collect now ("" when it can)."""
        if self.numbers_left is not None and self.numbers_left < 1:
            return numbers_left_text(0)[0]
        desk = self.desk
        if desk is None:
            return QCoreApplication.translate("fees_screen", HINT)
        if normal_code(self.code_box.text()) != desk.code:
            return self.tr("Ô mã hồ sơ đang ghi mã khác hồ sơ {code}: nhấn Enter để mở hồ sơ vừa gõ trước khi thu tiền.").format(code=desk.code)
        if desk.refusal():
            return desk.refusal()
        if self.payment.method is PaymentMethod.TRANSFER and desk.transfer is None:
            return desk.transfer_unavailable
        return ""

    def _update_collect(self) -> None:
        refusal = self._refusal()
        self.payment.collect_button.setEnabled(not refusal and not self.collecting)
        self.payment.collect_button.setToolTip(refusal)

    def _say(self, text: str, level: str) -> None:
        self.message.setText(text)
        self.message.setStyleSheet({"error": ERROR_STYLE, "ok": OK_STYLE}.get(level, ""))

    # -- collecting -------------------------------------------------------------------------------

    def choose_cash(self) -> None:
        self.tabs.setCurrentIndex(0)
        self.payment.cash_button.setChecked(True)

    def choose_transfer(self) -> None:
        self.tabs.setCurrentIndex(0)
        self.payment.transfer_button.setChecked(True)

    def collect(self) -> None:
        """Ctrl+Enter: cash at once; transfer once the panel has a valid bank reference."""
        if self.collecting or self.tabs.currentIndex() != 0:
            return
        if self.loading:
            self._say(QCoreApplication.translate("fees_screen", LOADING), "")
            return
        refusal = self._refusal()
        if refusal:
            self._say(refusal, "error")
            return
        if self.payment.method is PaymentMethod.TRANSFER:
            self.payment.transfer.confirm()  # `confirmed(reference)` → _collect, or the panel says what is missing
            return
        self._collect(PaymentMethod.CASH, "")

    def _collect(self, method: PaymentMethod, reference: str) -> None:
        if self.collecting or self.desk is None or self._refusal():
            return
        self.collecting = True
        self._update_collect()
        self._say(QCoreApplication.translate("fees_screen", COLLECTING), "")
        db, code, clerk = self.context.db, self.desk.code, self.context.clerk_username

        def work() -> Receipt:
            from counter_app.services.receipts import collect_fee

            return collect_fee(db, code, method=method, bank_reference=reference, by=clerk)

        self.context.tasks.run(work, self._collected, self._refused, write=True, owner=self)

    def _collected(self, receipt: Receipt) -> None:
        self.collecting = False
        self.collected.emit(receipt)
        self.load(receipt.dossier_code, self.tr("Đã thu {format_dong} ({lower}) của hồ sơ {dossier_code}: biên lai số {number_text}.").format(format_dong=format_dong(receipt.total_vnd), lower=receipt.method.label.lower(), dossier_code=receipt.dossier_code, number_text=receipt.number_text))
        self.preview(receipt.number_text)

    def _refused(self, error: Exception) -> None:
        self.collecting = False
        self._update_collect()
        self._say(error_text(error), "error")

    # -- receipts ---------------------------------------------------------------------------------

    def selected_table(self) -> ReceiptTable:
        return self.today.table if self.tabs.currentWidget() is self.today else self.receipts

    def selected_receipt(self) -> ReceiptView | None:
        return self.selected_table().selected()

    def preview(self, number: str) -> None:
        from counter_app.ui.receipt_preview import ReceiptPreviewDialog  # pdfium and reportlab on first use

        dialog = ReceiptPreviewDialog(self.context, number, self.payment.paper_choice, self)
        self.dialog = dialog
        dialog.open()

    def reprint(self) -> None:
        """Ctrl+R: the selected receipt's preview (a cancelled one prints marked «ĐÃ HỦY»)."""
        receipt = self.selected_receipt()
        if receipt is None:
            self._say(self.tr("Chưa chọn biên lai nào để in lại."), "error")
            return
        self.preview(receipt.number)

    def cancel_selected(self) -> None:
        """Ctrl+Shift+X: cancel the selected receipt, signed by a supervisor (ui/receipt_cancel_dialog.py)."""
        from counter_app.ui.receipt_cancel_dialog import CancelReceiptDialog

        receipt = self.selected_receipt()
        if receipt is None:
            self._say(self.tr("Chưa chọn biên lai nào để hủy."), "error")
            return
        if receipt.cancelled:
            self._say(self.tr("Biên lai {number} đã hủy; không hủy lại.").format(number=receipt.number), "error")
            return
        dialog = CancelReceiptDialog(self.context, receipt, self)
        dialog.cancelled.connect(self._receipt_cancelled)
        self.dialog = dialog
        dialog.open()

    def _receipt_cancelled(self, receipt: Receipt) -> None:
        self.collected.emit(receipt)  # the dossier owes again: the lists that show it are read again
        self.window().activateWindow()  # the keys come back to the screen, on the receipts list
        self.selected_table().focus()
        said = self.tr("Đã hủy biên lai {number_text}; hồ sơ {dossier_code} phải nộp lại.").format(number_text=receipt.number_text, dossier_code=receipt.dossier_code)
        if self.tabs.currentWidget() is self.today:
            self.today.refresh(office_today(self.context.clock()))
            self._say(said, "ok")
        else:
            self.load(receipt.dossier_code, said)

    # -- today ------------------------------------------------------------------------------------

    def toggle_today(self) -> None:
        self.tabs.setCurrentIndex(0 if self.tabs.currentWidget() is self.today else 1)

    def _tab_changed(self, _index: int) -> None:
        if self.tabs.currentWidget() is self.today:
            self.today.refresh(office_today(self.context.clock()))
            self.today.table.focus()

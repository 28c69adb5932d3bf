"""Returning a result (→ 10) from the keyboard: Ctrl+1 at the desk, Ctrl+2 by public postal service.

Ctrl+S (or Enter in the last field) saves through services.returns in the writer lane; then the paper
of that return (the hand-over receipt, or the address label with the item code as a barcode) is made
in the background: Ctrl+P prints it, Ctrl+Shift+S saves it as PDF, Esc closes. A refused save keeps
every field and says why in Vietnamese (a desk without item numbers says so before anything is saved).
docs/returns-and-post.md.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from pathlib import Path

from PySide6.QtCore import QSizeF, Signal
from PySide6.QtGui import QImage, QKeySequence, QPageLayout, QPageSize, QShortcut
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from counter_app.domain import labels
from counter_app.domain.admin_units import ward
from counter_app.domain.dossier import Dossier
from counter_app.domain.errors import ValidationError, ValidationErrors
from counter_app.domain.return_checks import (
    PAYER_LABEL,
    POSTAGE_LABEL,
    RECEIVER_LABEL,
    RECIPIENT_LABEL,
    STREET_LABEL,
)
from counter_app.domain.returns import Payer
from counter_app.services.dossiers import get_dossier
from counter_app.services.returns import ReturnRecord, ReturnTimeRefused, return_at_desk, return_by_post
from counter_app.ui.commune_picker import CommunePicker
from counter_app.ui.context import UiContext
from counter_app.ui.messages import error_text
from counter_app.ui.moment_field import MomentField
from counter_app.ui.palette import ERROR_STYLE, INVALID_BACKGROUND, OK_STYLE
from counter_app.ui.slip_preview import paint_pages, render_pdf_pages, safe_file_name

DESK_TAB, POST_TAB = 0, 1
LABEL_PAGE_SIZES = {"a6": (105.0, 148.0), "100x150": (100.0, 150.0)}


def make_paper(context: UiContext, record: ReturnRecord, size: str) -> bytes:
    """The PDF of a return just saved (worker thread; reportlab loaded on first use)."""
    from counter_app.services.return_papers import handover_pdf, label_pdf

    if record.item_code:
        return label_pdf(context.db, record.dossier_code, size)
    return handover_pdf(context.db, record.dossier_code)


class ReturnDialog(QDialog):
    """Return the result of dossier `code`; `returned` is emitted with the saved `ReturnRecord`."""

    returned = Signal(object)

    def __init__(self, context: UiContext, code: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.code = code
        self.record: ReturnRecord | None = None
        self.pdf: bytes | None = None
        self.saving = False
        self.printing = False
        self.setWindowTitle(self.tr("Trả kết quả — {code}").format(code=code))
        self.resize(640, 480)

        self.receiver = QLineEdit(objectName="receiver_name")
        self.id_number = QLineEdit(objectName="receiver_id_number")
        desk = QWidget()
        desk_form = QFormLayout(desk)
        desk_form.addRow(f"{RECEIVER_LABEL}:", self.receiver)
        desk_form.addRow(f"{labels.ID_NUMBER}:", self.id_number)

        self.recipient = QLineEdit(objectName="recipient_name")
        self.phone = QLineEdit(objectName="phone")
        profile = context.profile
        self.commune = CommunePicker(profile.ward_code, profile.province_code)
        self.street = QLineEdit(objectName="street")
        self.postage = QLineEdit(objectName="postage")
        self.postage.setPlaceholderText(self.tr("số đồng, ví dụ 25000"))
        self.payer = QComboBox(objectName="payer")
        for payer in Payer:
            self.payer.addItem(payer.label, payer.value)
        self.size = QComboBox(objectName="label_size")
        self.size.addItem(self.tr("Nhãn A6 (105×148 mm)"), "a6")
        self.size.addItem(self.tr("Nhãn 100×150 mm"), "100x150")
        post = QWidget()
        post_form = QFormLayout(post)
        for title, widget in ((RECIPIENT_LABEL, self.recipient), (labels.PHONE, self.phone),
                              (labels.WARD, self.commune), (STREET_LABEL, self.street),
                              (POSTAGE_LABEL, self.postage), (PAYER_LABEL, self.payer), (self.tr("Khổ nhãn"), self.size)):
            post_form.addRow(f"{title}:", widget)
        self.fields: dict[str, QWidget] = {
            "receiver_name": self.receiver, "id_number": self.id_number, "recipient_name": self.recipient,
            "phone": self.phone, "ward_code": self.commune, "street": self.street, "postage": self.postage,
            "payer": self.payer}

        self.tabs = QTabWidget()
        self.tabs.addTab(desk, self.tr("Trả tại quầy (Ctrl+1)"))
        self.tabs.addTab(post, self.tr("Gửi qua bưu chính (Ctrl+2)"))
        self.tabs.currentChanged.connect(self._focus_first)

        self.when = MomentField(context.clock)
        self.when.edit.setObjectName("return_at")
        when_form = QFormLayout()
        when_form.addRow(self.tr("Thời điểm trả:"), self.when)
        self.status = QLabel(self.tr("Ctrl+S: trả kết quả. Esc: đóng."), objectName="return_status")
        self.status.setWordWrap(True)
        self.save_button = QPushButton(self.tr("Trả kết quả (Ctrl+S)"))
        self.print_button = QPushButton("In (Ctrl+P)")
        self.pdf_button = QPushButton(self.tr("Lưu PDF (Ctrl+Shift+S)"))
        close_button = QPushButton(self.tr("Đóng (Esc)"))
        for button in (self.print_button, self.pdf_button):
            button.setEnabled(False)
        for button in (self.save_button, self.print_button, self.pdf_button, close_button):
            button.setAutoDefault(False)
        self.save_button.clicked.connect(self.save)
        self.print_button.clicked.connect(self.print_paper)
        self.pdf_button.clicked.connect(self.save_as)
        close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        for button in (self.save_button, self.print_button, self.pdf_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(close_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addLayout(when_form)
        layout.addWidget(self.status)
        layout.addStretch(1)
        layout.addLayout(buttons)

        self._bind("Ctrl+1", lambda: self.tabs.setCurrentIndex(DESK_TAB))
        self._bind("Ctrl+2", lambda: self.tabs.setCurrentIndex(POST_TAB))
        self._bind("Ctrl+S", self.save)
        self._bind("Ctrl+P", self.print_paper)
        self._bind("Ctrl+Shift+S", self.save_as)
        self.receiver.returnPressed.connect(self.id_number.setFocus)
        self.id_number.returnPressed.connect(self.save)
        self.recipient.returnPressed.connect(self.phone.setFocus)
        self.phone.returnPressed.connect(self.commune.setFocus)
        self.street.returnPressed.connect(self.postage.setFocus)
        self.postage.returnPressed.connect(self.save)

        db = context.db
        context.tasks.run(lambda: get_dossier(db, code), self._prefill, self._failed, owner=self)
        self.receiver.setFocus()

    def _bind(self, keys: str, slot: Callable[[], None]) -> None:
        QShortcut(QKeySequence(keys), self).activated.connect(slot)

    def _focus_first(self, index: int) -> None:
        (self.receiver if index == DESK_TAB else self.recipient).setFocus()

    def _prefill(self, dossier: Dossier) -> None:
        """The applicant's name, phone and address as a start: the clerk changes what differs."""
        person = dossier.applicant
        if not self.recipient.text():
            self.recipient.setText(person.full_name)
        if not self.phone.text():
            self.phone.setText(person.phone)
        if not self.street.text():
            self.street.setText(person.address.street)
        if person.address.ward_code is not None and self.commune.is_default():
            with suppress(KeyError):  # a pre-2025 ward code: the clerk picks the commune
                self.commune.choose(ward(person.address.ward_code))

    def _failed(self, error: Exception) -> None:
        self._say(error_text(error), error=True)

    def _say(self, text: str, *, error: bool = False) -> None:
        self.status.setText(text)
        self.status.setStyleSheet(ERROR_STYLE if error else OK_STYLE)

    def _mark(self, fields: set[str]) -> None:
        for name, widget in self.fields.items():
            widget.setStyleSheet(f"background: {INVALID_BACKGROUND};" if name in fields else "")

    # -- save --------------------------------------------------------------------------------------

    def save(self) -> None:
        """Ctrl+S: record the return in the writer lane; the fields stay as typed if it is refused."""
        if self.saving or self.record is not None:
            return
        db, code, ctx = self.context.db, self.code, self.context
        self.when.clear_error()
        try:
            at = self.when.moment()
        except ValidationError as problem:
            self._refused(problem)
            return
        who = {"clerk_username": ctx.clerk_username, "actor": ctx.profile.clerk_name, "at": at, "now": ctx.clock()}
        if self.tabs.currentIndex() == DESK_TAB:
            receiver, number = self.receiver.text(), self.id_number.text()

            def work() -> ReturnRecord:
                return return_at_desk(db, code, receiver_name=receiver, id_number=number, **who)
        else:
            unit = self.commune.resolve_typed()
            values = {"recipient": self.recipient.text(), "phone": self.phone.text(),
                      "ward_code": unit.code if unit else None, "street": self.street.text(),
                      "postage": self.postage.text(), "payer": self.payer.currentData()}

            def work() -> ReturnRecord:
                return return_by_post(db, code, **values, **who)
        self.saving = True
        self._say(self.tr("Đang lưu…"))
        ctx.tasks.run(work, self._saved, self._refused, write=True, owner=self)

    def _refused(self, error: Exception) -> None:
        self.saving = False
        if isinstance(error, ReturnTimeRefused | ValidationError):  # the time typed: said under its field
            self._mark(set())
            self._say(self.tr("Chưa trả kết quả: xem thời điểm trả."), error=True)
            self.when.show_error(error.message)
            return
        self._mark(set(error.by_field()) if isinstance(error, ValidationErrors) else set())
        self._say(error_text(error), error=True)

    def _saved(self, record: ReturnRecord) -> None:
        self.saving = False
        self.record = record
        self._mark(set())
        self.save_button.setEnabled(False)
        self.tabs.setEnabled(False)
        done = (self.tr("Đã gửi kết quả qua bưu chính, mã bưu gửi {item_code}. Đang tạo nhãn…").format(item_code=record.item_code) if record.item_code
                else self.tr("Đã trả kết quả cho {receiver_name}. Đang tạo phiếu giao nhận…").format(receiver_name=record.receiver_name))
        self._say(done)
        self.returned.emit(record)
        ctx, size = self.context, self.size.currentData()
        ctx.tasks.run(lambda: make_paper(ctx, record, size), self._paper_ready, self._failed, owner=self)

    def _paper_ready(self, pdf: bytes) -> None:
        self.pdf = pdf
        paper = self.tr("nhãn bưu gửi") if self.record and self.record.item_code else self.tr("phiếu giao nhận kết quả")
        item = self.tr(" Mã bưu gửi {item_code}.").format(item_code=self.record.item_code) if self.record and self.record.item_code else ""
        self._say(self.tr("Đã trả kết quả.{item} Ctrl+P để in {paper}, Ctrl+Shift+S để lưu PDF, Esc để đóng.").format(item=item, paper=paper))
        self.print_button.setEnabled(True)
        self.pdf_button.setEnabled(True)
        self.print_button.setFocus()

    @property
    def is_ready(self) -> bool:
        return self.pdf is not None

    # -- the paper ---------------------------------------------------------------------------------

    def default_file_name(self) -> str:
        kind = "nhan-buu-gui" if self.record and self.record.item_code else "phieu-giao-nhan"
        return f"{kind}-{safe_file_name(self.code)}.pdf"

    def save_pdf(self, path: Path) -> Path:
        """Write the paper to `path` atomically."""
        from counter_app.services.return_papers import save_pdf

        if self.pdf is None:
            raise RuntimeError(self.tr("Giấy tờ chưa tạo xong."))
        path = Path(path)
        if path.suffix.lower() != ".pdf":
            path = path.with_name(path.name + ".pdf")
        save_pdf(self.pdf, path)
        self.context.settings.set_last_pdf_dir(path.parent)
        self._say(self.tr("Đã lưu vào «{path}».").format(path=path))
        return path

    def save_as(self) -> None:
        if self.pdf is None:
            return
        folder = self.context.settings.last_pdf_dir(Path.home())
        chosen, _ = QFileDialog.getSaveFileName(self, self.tr("Lưu thành tệp PDF"), str(folder / self.default_file_name()),
                                                self.tr("Tệp PDF (*.pdf)"))
        if chosen:
            try:
                self.save_pdf(Path(chosen))
            except OSError as error:
                self._say(self.tr("Không lưu được tệp «{chosen}»: {value}.").format(chosen=chosen, value=error.strerror or error), error=True)

    def page_size(self) -> QPageSize:
        if self.record is not None and self.record.item_code:
            width, height = LABEL_PAGE_SIZES[self.size.currentData()]
            return QPageSize(QSizeF(width, height), QPageSize.Unit.Millimeter, self.tr("Nhãn bưu gửi"))
        return QPageSize(QPageSize.PageSizeId.A5)

    def print_paper(self) -> None:
        """Ctrl+P: choose the printer, then print the receipt (A5) or the label (its own size)."""
        if self.pdf is None or self.printing:
            return
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setPageSize(self.page_size())
        printer.setPageOrientation(QPageLayout.Orientation.Portrait)
        chosen = self.context.settings.printer_name()
        if chosen:
            printer.setPrinterName(chosen)
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle(self.tr("In giấy tờ trả kết quả"))
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.print_to(printer)

    def print_to(self, printer: QPrinter, on_printed: Callable[[], None] | None = None) -> None:
        """Render at the printer's resolution in the background, then paint the page (GUI thread)."""
        if self.pdf is None:
            raise RuntimeError(self.tr("Giấy tờ chưa tạo xong."))
        self.printing = True
        data, dpi = self.pdf, printer.resolution()
        self._printer = printer

        def done(images: list[QImage]) -> None:
            self.printing = False
            try:
                paint_pages(printer, images)
            except RuntimeError as error:
                self._say(self.tr("Không in được: {error_text}").format(error_text=error_text(error)), error=True)
                return
            self._say(self.tr("Đã gửi tới máy in."))
            if on_printed:
                on_printed()

        def failed(error: Exception) -> None:
            self.printing = False
            self._say(self.tr("Không in được: {error_text}").format(error_text=error_text(error)), error=True)

        self.context.tasks.run(lambda: render_pdf_pages(data, dpi), done, failed, owner=self)

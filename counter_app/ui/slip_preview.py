"""The Mẫu 01 slip on screen right after intake: look, print (Ctrl+P), save as PDF (Ctrl+Shift+S), Esc.

The PDF is made by the same code that the CLI uses (services.slips), in a background task, and shown
as page images rendered by pdfium; printing paints pdfium images rendered at the printer's own
resolution, so the paper matches the PDF exactly (barcodes included) without needing QtPdf.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QRect, Qt
from PySide6.QtGui import QImage, QKeySequence, QPageLayout, QPageSize, QPainter, QPixmap, QShortcut
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from counter_app.storage.database import Database
from counter_app.ui import palette
from counter_app.ui.context import UiContext
from counter_app.ui.messages import error_text
from counter_app.ui.palette import ERROR_STYLE

PREVIEW_DPI = 110
# pdfium is not thread-safe: one render at a time across the whole application.
_PDFIUM_LOCK = threading.Lock()
_UNSAFE_IN_NAME = re.compile(r'[\\/:*?"<>|\s]+')


def safe_file_name(code: str) -> str:
    """A dossier code as a Windows-safe file name ("/" and friends become "-")."""
    return _UNSAFE_IN_NAME.sub("-", code).strip("-.") or "giay-tiep-nhan"


def render_pdf_pages(data: bytes, dpi: float) -> list[QImage]:
    """Every page of `data` as an image at `dpi`. Runs in a worker: QImage (not QPixmap) is thread-safe."""
    images: list[QImage] = []
    with _PDFIUM_LOCK:
        import pypdfium2 as pdfium  # loaded on first preview, not at every start of the app

        document = pdfium.PdfDocument(data)
        try:
            for index in range(len(document)):
                page = document[index]
                bitmap = page.render(scale=dpi / 72, force_bitmap_format=pdfium.raw.FPDFBitmap_BGRx)
                image = QImage(
                    bytes(bitmap.buffer), bitmap.width, bitmap.height, bitmap.stride, QImage.Format.Format_RGB32
                )
                images.append(image.copy())  # own the pixels before pdfium frees its buffer
                bitmap.close()
                page.close()
        finally:
            document.close()
    return images


def make_slip(db: Database, code: str) -> tuple[bytes, list[QImage]]:
    """The slip PDF of a stored dossier and its preview images (worker thread)."""
    from counter_app.services.slips import receipt_slip_pdf  # reportlab: loaded on first use

    data = receipt_slip_pdf(db, code)
    return data, render_pdf_pages(data, PREVIEW_DPI)


class SlipPreviewDialog(QDialog):
    """Shows the receipt slip of one saved dossier; `save_pdf(path)` and `print_to(printer)` do the work.

    The other papers (Mẫu 02–05, ui/form_preview.py) are shown by subclasses that change the class
    attributes below and `make_document`."""

    title = "Giấy tiếp nhận hồ sơ và hẹn trả kết quả"
    noun = "giấy tiếp nhận"
    page_label = "A5"
    page_size = QPageSize.PageSizeId.A5

    def make_document(self, db: Database, code: str) -> tuple[bytes, list[QImage]]:
        """The PDF and its preview images (worker thread)."""
        return make_slip(db, code)

    def __init__(self, context: UiContext, code: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.code = code
        self.pdf: bytes | None = None
        self.pages: list[QImage] = []
        self.closed = False
        self.printing = False
        self.setWindowTitle(f"{self.title} — {code}")
        self.resize(720, 700)

        layout = QVBoxLayout(self)
        self.status = QLabel(self.tr("Đang tạo {noun}…").format(noun=self.noun))
        self.status.setObjectName("slip_status")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)

        self.pages_box = QWidget()
        self.pages_layout = QVBoxLayout(self.pages_box)
        self.pages_layout.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setWidget(self.pages_box)
        self.scroll.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self.scroll, 1)

        buttons = QHBoxLayout()
        self.print_button = QPushButton("In (Ctrl+P)")
        self.save_button = QPushButton(self.tr("Lưu PDF (Ctrl+Shift+S)"))
        self.close_button = QPushButton(self.tr("Đóng (Esc)"))
        self.print_button.setDefault(True)
        for button in (self.print_button, self.save_button):
            button.setEnabled(False)
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        layout.addLayout(buttons)
        self.print_button.clicked.connect(self.print_slip)
        self.save_button.clicked.connect(self.save_as)
        self.close_button.clicked.connect(self.reject)
        self._bind("Ctrl+P", self.print_slip)
        self._bind("Ctrl+Shift+S", self.save_as)
        self.finished.connect(self._on_finished)

        db, code = context.db, code
        context.tasks.run(lambda: self.make_document(db, code), self._on_ready, self._on_failed)

    def _bind(self, keys: str, slot: Callable[[], None]) -> None:
        shortcut = QShortcut(QKeySequence(keys), self)
        shortcut.activated.connect(slot)

    # -- background results ----------------------------------------------------------------------

    @property
    def is_ready(self) -> bool:
        return self.pdf is not None

    def _on_ready(self, result: tuple[bytes, list[QImage]]) -> None:
        if self.closed:
            return
        self.pdf, self.pages = result
        for image in self.pages:
            page = QLabel()
            page.setPixmap(QPixmap.fromImage(image))
            page.setStyleSheet(f"background: white; border: 1px solid {palette.PAGE_BORDER};")
            self.pages_layout.addWidget(page)
        count = len(self.pages)
        self.status.setText(
            self.tr("Hồ sơ {code}: {noun} {count} trang (khổ {page_label}). Ctrl+P để in, Ctrl+Shift+S để lưu PDF, Esc để đóng.").format(code=self.code, noun=self.noun, count=count, page_label=self.page_label)
        )
        self.print_button.setEnabled(True)
        self.save_button.setEnabled(True)
        self.print_button.setFocus()

    def _on_failed(self, error: Exception) -> None:
        if self.closed:
            return
        self.status.setText(
            self.tr("Không tạo được {noun}: {error_text} Hồ sơ đã được lưu; có thể in lại từ màn hình tra cứu.").format(noun=self.noun, error_text=error_text(error))
        )
        self.status.setStyleSheet(ERROR_STYLE)

    def _on_finished(self) -> None:
        self.closed = True

    # -- save ------------------------------------------------------------------------------------

    def default_file_name(self) -> str:
        return f"{safe_file_name(self.code)}.pdf"

    def save_pdf(self, path: Path) -> Path:
        """Write the slip to `path` atomically (a half-written file never replaces a good one)."""
        if self.pdf is None:
            raise RuntimeError(self.tr("Giấy tiếp nhận chưa tạo xong."))
        path = Path(path)
        if path.suffix.lower() != ".pdf":
            path = path.with_name(path.name + ".pdf")
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(self.pdf)
        tmp.replace(path)
        self.context.settings.set_last_pdf_dir(path.parent)
        self.status.setText(self.tr("Đã lưu {noun} vào «{path}».").format(noun=self.noun, path=path))
        self.status.setStyleSheet("")
        return path

    def save_as(self) -> None:
        """Ctrl+Shift+S: ask where, then `save_pdf`."""
        if self.pdf is None:
            return
        folder = self.context.settings.last_pdf_dir(Path.home())
        chosen, _ = QFileDialog.getSaveFileName(
            self, self.tr("Lưu {noun} thành tệp PDF").format(noun=self.noun), str(folder / self.default_file_name()),
            self.tr("Tệp PDF (*.pdf)"),
        )
        if not chosen:
            return
        try:
            self.save_pdf(Path(chosen))
        except OSError as error:
            self.status.setText(self.tr("Không lưu được tệp «{chosen}»: {value}.").format(chosen=chosen, value=error.strerror or error))
            self.status.setStyleSheet(ERROR_STYLE)

    # -- print -----------------------------------------------------------------------------------

    def print_slip(self) -> None:
        """Ctrl+P: choose the printer, then print on the paper's size (A5 for the slip)."""
        if self.pdf is None or self.printing:
            return
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setPageSize(QPageSize(self.page_size))
        printer.setPageOrientation(QPageLayout.Orientation.Portrait)
        printer.setDocName(f"{self.noun.capitalize()} {self.code}")
        chosen = self.context.settings.printer_name()  # this machine's slip printer (F10, a supervisor's)
        if chosen:
            printer.setPrinterName(chosen)
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle(f"In {self.noun}")
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self.print_to(printer)

    def print_to(self, printer: QPrinter, on_printed: Callable[[], None] | None = None) -> None:
        """Render at the printer's resolution in the background, then paint each page (GUI thread)."""
        if self.pdf is None:
            raise RuntimeError(self.tr("Giấy tiếp nhận chưa tạo xong."))
        self.printing = True
        self.print_button.setEnabled(False)
        self.status.setText(self.tr("Đang chuẩn bị bản in…"))
        data, dpi = self.pdf, printer.resolution()
        self._printer = printer  # kept alive until the pages are painted

        def done(images: list[QImage]) -> None:
            self.printing = False
            if not self.closed:
                self.print_button.setEnabled(True)
            try:
                paint_pages(printer, images)
            except RuntimeError as error:
                failed(error)
                return
            if not self.closed:
                self.status.setText(self.tr("Đã gửi {noun} {code} tới máy in.").format(noun=self.noun, code=self.code))
            if on_printed:
                on_printed()

        def failed(error: Exception) -> None:
            self.printing = False
            if not self.closed:
                self.print_button.setEnabled(True)
                self.status.setText(self.tr("Không in được: {error_text}").format(error_text=error_text(error)))

        self.context.tasks.run(lambda: render_pdf_pages(data, dpi), done, failed)


def paint_pages(printer: QPrinter, images: list[QImage]) -> None:
    """Each image fills one printer page, keeping its proportions.

    Full-page mode: the PDF already carries the form's own margins, so the slip prints at 1:1 scale.
    """
    printer.setFullPage(True)
    painter = QPainter()
    if not painter.begin(printer):
        raise RuntimeError(QCoreApplication.translate("slip_preview", "Không mở được máy in."))
    try:
        for index, image in enumerate(images):
            if index:
                printer.newPage()
            area = painter.viewport()
            size = image.size().scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio)
            painter.drawImage(QRect(area.x(), area.y(), size.width(), size.height()), image)
    finally:
        painter.end()

"""The pages of one paper's scan bundle, one at a time: PgDown/PgUp, Home/End, Ctrl++/Ctrl+- to zoom.

Pages are rendered by pdfium in the background (ui/slip_preview.render_pdf_pages; QtPdf is not in
PySide6-Essentials), one page per request, so a 500-page paper opens as fast as a one-page one.
"""

from __future__ import annotations

import io

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QScrollArea, QVBoxLayout, QWidget

from counter_app.ui.context import UiContext
from counter_app.ui.messages import error_text

DPI_STEPS = (50, 72, 100, 130, 170)
DEFAULT_DPI_STEP = 2


def render_page(data: bytes, index: int, dpi: float) -> QImage:
    """Page `index` of `data` (a worker thread; the pdfium lock is the slip preview's)."""
    import pikepdf

    from counter_app.ui.slip_preview import render_pdf_pages

    with pikepdf.open(io.BytesIO(data)) as source, pikepdf.new() as single:
        single.pages.append(source.pages[index])
        out = io.BytesIO()
        single.save(out)
    return render_pdf_pages(out.getvalue(), dpi)[0]


class PageViewer(QDialog):
    """Shows page `start` of `pages` pages of the PDF `data`; the title names the paper."""

    def __init__(self, context: UiContext, title: str, data: bytes, pages: int, start: int = 0,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context, self.data, self.pages = context, data, max(pages, 1)
        self.index = min(max(start, 0), self.pages - 1)
        self.zoom = DEFAULT_DPI_STEP
        self.setWindowTitle(title)
        self.resize(760, 700)
        self.image = QLabel(self.tr("Đang tải…"))
        self.image.setObjectName("page_image")
        self.image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.image)
        self.position = QLabel()
        self.position.setObjectName("page_position")
        close_button = QPushButton(self.tr("Đóng (Esc)"))
        close_button.setAutoDefault(False)
        close_button.clicked.connect(self.reject)
        bar = QHBoxLayout()
        bar.addWidget(QLabel(self.tr("PgUp/PgDn: trang trước/sau · Home/End · Ctrl++/Ctrl+-: phóng to/thu nhỏ")))
        bar.addStretch(1)
        bar.addWidget(self.position)
        bar.addWidget(close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addLayout(bar)
        for keys, step in (("PgDown", 1), ("PgUp", -1), ("Home", -self.pages), ("End", self.pages)):
            QShortcut(QKeySequence(keys), self).activated.connect(lambda step=step: self.go(self.index + step))
        for keys, step in (("Ctrl++", 1), ("Ctrl+=", 1), ("Ctrl+-", -1)):
            QShortcut(QKeySequence(keys), self).activated.connect(lambda step=step: self.set_zoom(self.zoom + step))
        self._render()

    @property
    def dpi(self) -> int:
        return DPI_STEPS[self.zoom]

    def go(self, index: int) -> None:
        index = min(max(index, 0), self.pages - 1)
        if index != self.index:
            self.index = index
            self._render()

    def set_zoom(self, step: int) -> None:
        step = min(max(step, 0), len(DPI_STEPS) - 1)
        if step != self.zoom:
            self.zoom = step
            self._render()

    def _render(self) -> None:
        self.position.setText(f"Trang {self.index + 1}/{self.pages}")
        data, index, dpi = self.data, self.index, self.dpi
        self.context.tasks.run(lambda: render_page(data, index, dpi), self._rendered, self._failed, owner=self,
                               request="page")

    def _rendered(self, image: QImage) -> None:
        self.image.setPixmap(QPixmap.fromImage(image))

    def _failed(self, error: Exception) -> None:
        self.image.setText(error_text(error))

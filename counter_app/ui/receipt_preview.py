"""A receipt's three copies on screen, to print (Ctrl+P) or save as PDF (Ctrl+Shift+S): the slip preview's
dialog with the receipt's paper (services.receipts.receipt_pdf, as `counter-app print receipt` makes it),
on A5 or on 80 mm thermal paper as this desk's settings say (ui/settings.py `receipt_paper`)."""

from __future__ import annotations

from PySide6.QtCore import QSizeF
from PySide6.QtGui import QImage, QPageSize
from PySide6.QtWidgets import QWidget

from counter_app.storage.database import Database
from counter_app.ui.context import UiContext
from counter_app.ui.slip_preview import PREVIEW_DPI, SlipPreviewDialog, render_pdf_pages

PAPER_LABELS = {"a5": "A5", "80mm": "giấy nhiệt 80 mm"}
THERMAL_WIDTH_MM = 80


class ReceiptPreviewDialog(SlipPreviewDialog):
    """Receipt `number` ("01BLP3-001/AA-26P/0000001") on `paper` ("a5" or "80mm")."""

    title = "Biên lai thu phí, lệ phí"
    noun = "biên lai"

    def __init__(self, context: UiContext, number: str, paper: str, parent: QWidget | None = None) -> None:
        self.paper = paper  # read by make_document, which the base class starts in its __init__
        self.page_label = PAPER_LABELS.get(paper, paper)
        super().__init__(context, number, parent)

    def make_document(self, db: Database, code: str) -> tuple[bytes, list[QImage]]:
        from counter_app.services.receipts import receipt_pdf  # reportlab: loaded on first use

        data = receipt_pdf(db, code, self.paper)
        return data, render_pdf_pages(data, PREVIEW_DPI)

    def _on_ready(self, result: tuple[bytes, list[QImage]]) -> None:
        super()._on_ready(result)
        if self.closed:
            return
        if self.paper == "80mm" and self.pages:  # one long page per copy: the printer's page follows it
            first = self.pages[0]
            height = THERMAL_WIDTH_MM * first.height() / max(1, first.width())
            self.page_size = QPageSize(QSizeF(THERMAL_WIDTH_MM, height), QPageSize.Unit.Millimeter)
        self.status.setText(self.tr("Biên lai số {code}: {len} trang — liên 1, 2, 3 (khổ {page_label}). Ctrl+P để in, Ctrl+Shift+S để lưu PDF, Esc để đóng.").format(code=self.code, len=len(self.pages), page_label=self.page_label))

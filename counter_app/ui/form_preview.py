"""Mẫu 02–05 on screen, to print (Ctrl+P, A5) or save as PDF (Ctrl+Shift+S): the slip preview's dialog
with another paper (services/forms.py makes it, as the CLI's `print formNN` does)."""

from __future__ import annotations

from PySide6.QtGui import QImage
from PySide6.QtWidgets import QWidget

from counter_app.storage.database import Database
from counter_app.ui.context import UiContext
from counter_app.ui.slip_preview import PREVIEW_DPI, SlipPreviewDialog, render_pdf_pages

FORM_NAMES = {
    "form02": ("Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ (Mẫu 02)", "phiếu yêu cầu bổ sung"),
    "form03": ("Phiếu từ chối tiếp nhận giải quyết hồ sơ (Mẫu 03)", "phiếu từ chối tiếp nhận"),
    "form04": ("Phiếu xin lỗi và hẹn lại ngày trả kết quả (Mẫu 04)", "phiếu xin lỗi"),
    "form05": ("Phiếu kiểm soát quá trình giải quyết hồ sơ (Mẫu 05)", "phiếu kiểm soát"),
}


class FormPreviewDialog(SlipPreviewDialog):
    """One of Mẫu 02–05 for `key` (a dossier code, or a guidance reference HD… for Mẫu 02)."""

    form = "form02"  # printed on A5 like Mẫu 01 (the slip preview's page)

    def make_document(self, db: Database, code: str) -> tuple[bytes, list[QImage]]:
        from counter_app.services.forms import FORM_PDFS  # reportlab: loaded on first use

        data = FORM_PDFS[self.form](db, code)
        return data, render_pdf_pages(data, PREVIEW_DPI)


def form_preview(context: UiContext, form: str, key: str, parent: QWidget | None = None) -> FormPreviewDialog:
    """The preview dialog of `form` ("form02"…"form05"); its class carries the form's names."""
    title, noun = FORM_NAMES[form]
    kind = type(f"{form.capitalize()}Preview", (FormPreviewDialog,), {"form": form, "title": title, "noun": noun})
    return kind(context, key, parent)

"""The Mẫu 01 preview: rendered pages, saved PDF, and printing through a real QPrinter (to a PDF file)."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtGui import QPageSize
from PySide6.QtPrintSupport import QPrinter

from counter_app.services.intake import IntakeRequest, PersonInput, receive_dossier
from counter_app.ui.context import UiContext
from counter_app.ui.slip_preview import SlipPreviewDialog, safe_file_name
from tests.gui.conftest import press

WAIT = 10_000


@pytest.fixture
def code(ui_context: UiContext) -> str:
    request = IntakeRequest(
        procedure_code="1.001193",
        applicant=PersonInput(
            full_name="Võ Thị Ánh", id_number="048195012345", phone="0905123456", address_text="Hải Châu, Đà Nẵng"
        ),
    )
    return receive_dossier(ui_context.db, request).code


def test_preview_save_and_print(qtbot, ui_context: UiContext, code: str, tmp_path: Path) -> None:
    dialog = SlipPreviewDialog(ui_context, code)
    qtbot.addWidget(dialog)
    dialog.open()
    assert not dialog.print_button.isEnabled()  # nothing to print before the PDF exists
    qtbot.waitUntil(lambda: dialog.is_ready, timeout=WAIT)
    assert dialog.pages and dialog.pages[0].width() > 500
    assert dialog.print_button.isEnabled() and dialog.save_button.isEnabled()
    assert code in dialog.status.text()

    saved = dialog.save_pdf(tmp_path / "slip")  # ".pdf" is added
    assert saved.name == "slip.pdf" and saved.read_bytes().startswith(b"%PDF")
    text = unicodedata.normalize("NFC", PdfReader(saved).pages[0].extract_text())
    assert "Võ Thị Ánh" in text and code in text

    printed = tmp_path / "printed.pdf"
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(printed))
    printer.setPageSize(QPageSize(QPageSize.PageSizeId.A5))
    done: list[bool] = []
    dialog.print_to(printer, lambda: done.append(True))
    qtbot.waitUntil(lambda: bool(done), timeout=WAIT)
    assert "máy in" in dialog.status.text()
    pages = PdfReader(printed).pages
    assert len(pages) == len(dialog.pages)
    width_mm = float(pages[0].mediabox.width) / 72 * 25.4
    assert width_mm == pytest.approx(148, abs=1)  # A5

    press(dialog, Qt.Key.Key_Escape)
    assert dialog.closed and not dialog.isVisible()


def test_unknown_dossier_says_so(qtbot, ui_context: UiContext) -> None:
    dialog = SlipPreviewDialog(ui_context, "000.31.48.H15-260101-9999")
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: "Không tạo được" in dialog.status.text(), timeout=WAIT)
    assert "Không tìm thấy hồ sơ" in dialog.status.text()
    assert not dialog.save_button.isEnabled()


def test_safe_file_name() -> None:
    assert safe_file_name("000.31.48.H15-260224-1001") == "000.31.48.H15-260224-1001"
    assert safe_file_name("H15/2026:01") == "H15-2026-01"

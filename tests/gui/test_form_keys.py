"""Mẫu 02–05 from the dossier window with Alt+2…Alt+5; a refused dossier's Ctrl+P shows Mẫu 03, not Mẫu 01."""

from __future__ import annotations

import io
from datetime import datetime

from pypdf import PdfReader
from PySide6.QtCore import Qt

from counter_app.domain.dossier import OFFICE_TZ
from counter_app.services.intake import IntakeRequest, PersonInput, receive_dossier, refuse_at_intake
from counter_app.ui.context import UiContext
from counter_app.ui.dossier_view import DossierDialog
from counter_app.ui.form_preview import FormPreviewDialog
from tests.gui.conftest import open_dossier_dialog as open_dialog

AT = datetime(2026, 3, 10, 9, 0, tzinfo=OFFICE_TZ)
PERSON = PersonInput(full_name="Nguyễn Văn Đức", id_number="049090001234", phone="0905123456", street="12 Lê Lợi")
ALT = Qt.KeyboardModifier.AltModifier
WAIT = 10_000


def pdf_text(pdf: bytes) -> str:
    return " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())



def preview_of(qtbot, dialog: DossierDialog) -> FormPreviewDialog:
    qtbot.waitUntil(lambda: any(p.isVisible() for p in dialog.findChildren(FormPreviewDialog)), timeout=WAIT)
    preview = next(p for p in dialog.findChildren(FormPreviewDialog) if p.isVisible())
    qtbot.waitUntil(lambda: preview.is_ready or "Không tạo được" in preview.status.text(), timeout=WAIT)
    return preview


def test_alt_5_shows_the_control_slip_and_alt_4_says_why_there_is_no_apology(qtbot, ui_context: UiContext) -> None:
    code = receive_dossier(ui_context.db, IntakeRequest("1.001193", PERSON, received_at=AT), now=AT).code
    dialog = open_dialog(qtbot, ui_context, code)
    qtbot.keyClick(dialog, Qt.Key.Key_5, ALT)
    preview = preview_of(qtbot, dialog)
    assert preview.pdf is not None and "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ" in pdf_text(preview.pdf)
    preview.reject()
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=WAIT)
    qtbot.keyClick(dialog, Qt.Key.Key_4, ALT)
    preview = preview_of(qtbot, dialog)
    assert preview.pdf is None and "chưa có phiếu xin lỗi" in preview.status.text()
    preview.reject()


def test_ctrl_p_of_a_refused_dossier_shows_form_03(qtbot, ui_context: UiContext) -> None:
    code = refuse_at_intake(ui_context.db, IntakeRequest("1.001193", PERSON, received_at=AT), "Không thuộc thẩm quyền",
                            now=AT).code
    dialog = open_dialog(qtbot, ui_context, code)
    qtbot.keyClick(dialog, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    preview = preview_of(qtbot, dialog)
    assert preview.pdf is not None and "Không thuộc thẩm quyền" in pdf_text(preview.pdf)
    assert "Mẫu 03" in preview.windowTitle()
    preview.reject()

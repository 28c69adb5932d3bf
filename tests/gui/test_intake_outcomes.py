"""The two other ends of an intake, from the keyboard: Ctrl+G guidance (Mẫu 02, no code) and Ctrl+R refusal (Mẫu 03)."""

from __future__ import annotations

import io

from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from counter_app.domain.lifecycle import Status
from counter_app.services.dossiers import get_dossier
from counter_app.services.guidance import get_guidance
from counter_app.storage.models import DeskDayCounter
from counter_app.ui.context import UiContext
from counter_app.ui.intake_screen import IntakeScreen
from tests.gui.conftest import press, type_text
from tests.gui.test_intake_screen import CCCD, NAME, WAIT, choose_birth_registration, screen  # noqa: F401

CTRL = Qt.KeyboardModifier.ControlModifier


def pdf_text(pdf: bytes) -> str:
    return " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())


def fill_applicant(qtbot, screen: IntakeScreen) -> None:  # noqa: F811
    choose_birth_registration(qtbot, screen)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is screen.full_name
    type_text(screen.full_name, NAME)
    screen.id_number.setFocus()
    type_text(screen.id_number, CCCD)
    screen.phone.setFocus()
    type_text(screen.phone, "0912345678")


def test_ctrl_g_gives_guidance_with_the_missing_papers_and_spends_no_code(
        qtbot, screen: IntakeScreen, ui_context: UiContext) -> None:  # noqa: F811
    fill_applicant(qtbot, screen)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_G, CTRL)
    qtbot.waitUntil(lambda: screen.outcome_dialog is not None and screen.outcome_dialog.isVisible(), timeout=WAIT)
    dialog = screen.outcome_dialog
    assert dialog is not None and dialog.papers is not None
    papers = dialog.papers
    qtbot.waitUntil(papers.hasFocus, timeout=WAIT)
    first = papers.item(0)
    ticked_before = first.checkState()
    qtbot.keyClick(papers, Qt.Key.Key_Space)  # Space ticks/unticks the current paper
    assert first.checkState() != ticked_before
    if first.checkState() != Qt.CheckState.Checked:
        qtbot.keyClick(papers, Qt.Key.Key_Space)
    wanted = {papers.item(row).text() for row in range(papers.count())
              if papers.item(row).checkState() == Qt.CheckState.Checked}
    qtbot.keyClick(papers, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is dialog.reason
    press(dialog.reason, Qt.Key.Key_Return, CTRL)  # no reason yet: refused, the dialog stays
    assert dialog.isVisible() and dialog.error.isVisible()
    type_text(dialog.reason, "Thiếu giấy chứng sinh bản chính")
    press(dialog.reason, Qt.Key.Key_Return, CTRL)
    qtbot.waitUntil(lambda: not screen.saving, timeout=WAIT)
    assert "Đã lập phiếu hướng dẫn" in screen.message.text(), screen.message.text()
    qtbot.waitUntil(lambda: screen.slip_dialog is not None and screen.slip_dialog.is_ready, timeout=WAIT)
    preview = screen.slip_dialog
    assert preview is not None and preview.pdf is not None
    reference = screen.message.text().split("phiếu hướng dẫn ")[1].split()[0]
    guidance = get_guidance(ui_context.db, reference)
    assert {line.name for line in guidance.missing} == wanted and guidance.applicant.full_name == NAME
    text = pdf_text(preview.pdf)
    assert "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ" in text and "Thiếu giấy chứng sinh bản chính" in text
    with ui_context.db.read() as session:
        assert session.query(DeskDayCounter).count() == 0  # no dossier code spent
    assert screen.full_name.text() == ""  # the form is ready for the next citizen
    preview.reject()


def test_ctrl_r_refuses_with_a_reason_and_shows_form_03(qtbot, screen: IntakeScreen, ui_context: UiContext) -> None:  # noqa: F811
    fill_applicant(qtbot, screen)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_R, CTRL)
    qtbot.waitUntil(lambda: screen.outcome_dialog is not None and screen.outcome_dialog.isVisible(), timeout=WAIT)
    dialog = screen.outcome_dialog
    assert dialog is not None and dialog.papers is None
    qtbot.waitUntil(dialog.reason.hasFocus, timeout=WAIT)
    type_text(dialog.reason, "Không thuộc thẩm quyền giải quyết của phường")
    press(dialog.reason, Qt.Key.Key_Return, CTRL)
    qtbot.waitUntil(lambda: screen.slip_dialog is not None and screen.slip_dialog.is_ready, timeout=WAIT)
    preview = screen.slip_dialog
    assert preview is not None and preview.pdf is not None
    dossier = get_dossier(ui_context.db, screen.last_code)
    assert dossier.status is Status.REFUSED
    assert dossier.history[-1].note == "Không thuộc thẩm quyền giải quyết của phường"
    assert "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ" in pdf_text(preview.pdf)
    assert "Mẫu 03" in preview.windowTitle() and "A5" in preview.status.text()
    preview.reject()

"""The intake screen's fees, driven by keys: counts change the total live, an exemption shows its legal
basis, and the dossier saved keeps the assessment shown (issue 10, A)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from counter_app.services.fees import fees_due
from counter_app.ui.context import UiContext
from counter_app.ui.intake_screen import IntakeScreen
from tests.gui.conftest import press

COPY = "2.000815"
DEATH = "1.000656"
BIRTH = "1.001193"
WAIT = 10_000
ALT = Qt.KeyboardModifier.AltModifier


@pytest.fixture
def screen(qtbot, ui_context: UiContext) -> IntakeScreen:
    widget = IntakeScreen(ui_context)
    qtbot.addWidget(widget)
    widget.resize(1176, 700)
    widget.show()
    qtbot.waitExposed(widget)
    widget.activateWindow()
    qtbot.waitUntil(widget.isActiveWindow, timeout=WAIT)
    qtbot.waitUntil(lambda: widget.picker.is_loaded, timeout=WAIT)
    return widget


def choose(screen: IntakeScreen, code: str) -> None:
    found = screen.picker.find_by_code(code)
    assert found is not None
    screen.picker.choose(found)


def retype(qtbot, widget, text: str) -> None:
    widget.selectAll()
    qtbot.keyClicks(widget, text)


def test_pages_and_copies_change_the_total_as_typed(qtbot, screen: IntakeScreen, ui_context: UiContext) -> None:
    choose(screen, COPY)
    panel = screen.fees
    assert panel.isVisible() and panel.total.text().endswith("Tổng: 2.000 đồng")
    assert not panel.spins["cases"].isVisibleTo(panel) and not panel.exemption.isVisibleTo(panel)

    press(screen, Qt.Key.Key_R, ALT)  # Alt+R: «Số trang bản chính»
    assert QApplication.focusWidget() is panel.spins["pages"]
    retype(qtbot, panel.spins["pages"], "5")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is panel.spins["copies"]
    retype(qtbot, panel.spins["copies"], "3")
    assert panel.total.text() == "Phí: 21.000 đồng · Lệ phí: 0 đồng · Tổng: 21.000 đồng"
    assert "5 trang × 3 bản: 7.000 đồng/bản" in panel.lines.text()

    screen.full_name.setText("Lê Thị Hoa")
    screen.id_number.setText("048195012345")
    screen.phone.setText("0905123456")
    screen.address.setText("12 Lê Lợi")
    press(screen, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: screen.slip_dialog is not None and screen.slip_dialog.is_ready, timeout=WAIT)
    with ui_context.db.read() as session:
        assert fees_due(session, screen.last_code).fee_vnd == 21_000
    press(screen.slip_dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: screen.slip_dialog is None, timeout=WAIT)
    assert not panel.isVisible()  # cleared for the next citizen


def test_exemption_shows_its_basis_and_waives_the_province_amount(qtbot, screen: IntakeScreen) -> None:
    choose(screen, DEATH)
    panel = screen.fees
    assert "chưa có mức thu trong danh mục" in panel.lines.text()
    press(screen, Qt.Key.Key_M, ALT)  # Alt+M: «Miễn, giảm»
    assert QApplication.focusWidget() is panel.exemption
    while panel.exemption.currentData() != "ho-ngheo":
        qtbot.keyClick(panel.exemption, Qt.Key.Key_Down)
    assert "Luật Hộ tịch 2014, Điều 11" in panel.basis.text()
    assert "chưa có mức thu" not in panel.lines.text() and panel.total.text().endswith("Tổng: 0 đồng")
    assert screen.build_request().fee_exemption == "ho-ngheo"


def test_a_procedure_without_fee_amounts_asks_for_no_counts(screen: IntakeScreen) -> None:
    choose(screen, BIRTH)
    panel = screen.fees
    assert not any(spin.isVisibleTo(panel) for spin in panel.spins.values())
    assert panel.lines.text() == "Không phải nộp phí, lệ phí."

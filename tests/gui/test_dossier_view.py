"""The dossier dialog: loads in the background, shows the dossier and its history, says plainly when not found."""

from datetime import datetime

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QTableWidget

from counter_app.domain.dossier import OFFICE_TZ, Dossier
from counter_app.domain.lifecycle import Status
from counter_app.services.dossiers import change_status
from counter_app.services.intake import IntakeRequest, PersonInput, receive_dossier
from counter_app.ui.context import UiContext
from counter_app.ui.dossier_view import LOADING, DossierDialog
from tests.gui.conftest import press

RECEIVED = datetime(2026, 3, 10, 9, 0, tzinfo=OFFICE_TZ)
MOVED = datetime(2026, 3, 10, 14, 30, tzinfo=OFFICE_TZ)


@pytest.fixture
def dossier(ui_context: UiContext) -> Dossier:
    applicant = PersonInput(full_name="Nguyễn Văn Đức", id_number="049090001234", phone="0905123456",
                            street="12 Lê Lợi")
    submitter = PersonInput(full_name="Trần Thị Đào", id_number="048185002345", phone="0935222333")
    received = receive_dossier(
        ui_context.db,
        IntakeRequest("1.001193", applicant, submitter=submitter, received_at=RECEIVED),
        now=RECEIVED,
    )
    return change_status(ui_context.db, received.code, Status.PROCESSING, actor="Lê Văn Hùng",
                         note="Chuyển bộ phận Tư pháp", now=MOVED)


def table_rows(table: QTableWidget) -> list[list[str]]:
    return [[table.item(r, c).text() for c in range(table.columnCount())] for r in range(table.rowCount())]


def text(dialog: DossierDialog, name: str) -> str:
    label = dialog.findChild(QLabel, name)
    assert label is not None, name
    return label.text()


def test_dialog_shows_the_dossier_and_its_history(qtbot, ui_context: UiContext, dossier: Dossier) -> None:
    dialog = DossierDialog(ui_context, dossier.code)
    qtbot.addWidget(dialog)
    assert text(dialog, "dossier_message") == LOADING == "Đang tải…"
    assert not dialog.print_button.isEnabled()
    dialog.show()
    qtbot.waitUntil(lambda: dialog.loaded)

    assert text(dialog, "dossier_code") == dossier.code
    code_label = dialog.findChild(QLabel, "dossier_code")
    assert code_label.textInteractionFlags() & Qt.TextInteractionFlag.TextSelectableByMouse
    assert code_label.font().pointSizeF() > dialog.font().pointSizeF()
    assert text(dialog, "dossier_status").startswith("Trạng thái: Đang xử lý")
    assert "Quá hạn" in text(dialog, "dossier_status")  # due 10/03/2026 17:00 (same day), still processing
    assert text(dialog, "dossier_procedure").startswith(dossier.procedure_name)
    assert text(dialog, "dossier_applicant").startswith("Nguyễn Văn Đức")
    assert text(dialog, "dossier_submitter").startswith("Trần Thị Đào")
    assert text(dialog, "dossier_id") == "Căn cước/CCCD 049090001234"
    assert text(dialog, "dossier_phone") == "0905123456"
    assert "12 Lê Lợi" in text(dialog, "dossier_address")
    assert text(dialog, "dossier_channel") == "Trực tiếp"
    assert text(dialog, "dossier_delivery") == "Tại Bộ phận Một cửa"
    assert text(dialog, "dossier_received") == "10/03/2026 09:00 — Trần Thị Mai"
    assert text(dialog, "dossier_due") == "10/03/2026 17:00"  # khai sinh: same day

    documents = table_rows(dialog.documents)
    assert documents and documents[0][0] == dossier.documents[0].name
    assert [dialog.history.horizontalHeaderItem(c).text() for c in range(5)] == [
        "Thời gian", "Từ", "Sang", "Người thực hiện", "Ghi chú"]
    assert table_rows(dialog.history) == [
        ["10/03/2026 09:00", "—", "Được tiếp nhận", "Trần Thị Mai", "Tiếp nhận hồ sơ"],
        ["10/03/2026 14:30", "Được tiếp nhận", "Đang xử lý", "Lê Văn Hùng", "Chuyển bộ phận Tư pháp"],
    ]
    assert dialog.print_button.isEnabled()
    assert dialog.print_button.text() == "In lại giấy tiếp nhận (Ctrl+P)"


def test_unknown_code_says_not_found(qtbot, ui_context: UiContext) -> None:
    code = "000.31.48.H15-260101-9999"
    dialog = DossierDialog(ui_context, code)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: text(dialog, "dossier_message") != LOADING)
    assert text(dialog, "dossier_message").startswith(f"Không tìm thấy hồ sơ có mã «{code}»")
    assert not dialog.loaded
    assert not dialog.print_button.isEnabled()


def test_escape_closes(qtbot, ui_context: UiContext, dossier: Dossier) -> None:
    dialog = DossierDialog(ui_context, dossier.code)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.loaded)
    press(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()


def test_ctrl_p_opens_the_slip_preview(qtbot, ui_context: UiContext, dossier: Dossier) -> None:
    from counter_app.ui.slip_preview import SlipPreviewDialog

    dialog = DossierDialog(ui_context, dossier.code)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: dialog.loaded)
    qtbot.keyClick(dialog, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: dialog.findChild(SlipPreviewDialog) is not None)
    preview = dialog.findChild(SlipPreviewDialog)
    assert preview.code == dossier.code
    qtbot.waitUntil(lambda: preview.pdf is not None, timeout=20_000)
    preview.reject()

"""One processing time, one text: the picker, the intake screen, the printed slip and the CLI all say it alike."""

from __future__ import annotations

import io
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from pypdf import PdfReader
from PySide6.QtCore import Qt

from counter_app.domain.dossier import OFFICE_TZ, Channel
from counter_app.domain.time_rules import procedure_time_text, processing_time_text
from counter_app.services.catalog import procedures
from counter_app.services.intake import IntakeRequest, PersonInput, receive_dossier
from counter_app.services.slips import receipt_slip_pdf
from counter_app.ui.context import UiContext
from counter_app.ui.intake_screen import IntakeScreen

ROOT = Path(__file__).resolve().parents[2]
WAIT = 10_000
SAME_DAY_TEXT = "Trong ngày (tiếp nhận sau 15 giờ: ngày làm việc tiếp theo)"


def slip_text(pdf: bytes) -> str:
    """The slip's words on one line (a long item wraps)."""
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())


def cli_catalog(data_dir: Path, query: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "counter_app", "--data-dir", str(data_dir), "catalog", query],
        capture_output=True, text=True, encoding="utf-8", cwd=ROOT, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def picker_row_text(qtbot, screen: IntakeScreen, code: str) -> str:
    screen.on_shown()
    qtbot.waitUntil(screen.picker.hasFocus, timeout=WAIT)
    qtbot.keyClicks(screen.picker, code)
    assert screen.picker.popup_visible
    rows = [screen.picker.popup.item(r) for r in range(screen.picker.popup.count())]
    (row,) = [r for r in rows if r.data(Qt.ItemDataRole.UserRole).code == code]
    return row.text()


def test_picker_screen_slip_and_cli_show_the_same_text(qtbot, ui_context: UiContext, tmp_path: Path) -> None:
    screen = IntakeScreen(ui_context)
    qtbot.addWidget(screen)
    screen.show()
    qtbot.waitExposed(screen)
    qtbot.waitUntil(lambda: screen.picker.is_loaded, timeout=WAIT)

    (birth,) = [p for p in procedures(ui_context.db, "1.001193")]
    assert procedure_time_text(birth) == SAME_DAY_TEXT

    # The picker's list and, once chosen, the screen's time line.
    assert f"({SAME_DAY_TEXT})" in picker_row_text(qtbot, screen, "1.001193")
    qtbot.keyClick(screen.picker, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: SAME_DAY_TEXT in screen.time_label.text(), timeout=WAIT)

    # The printed slip of a dossier of that procedure.
    applicant = PersonInput(full_name="Nguyễn Văn Đức", id_number="049090001234", phone="0905123456",
                            street="12 Lê Lợi")
    received = datetime(2026, 3, 10, 9, 0, tzinfo=OFFICE_TZ)
    dossier = receive_dossier(
        ui_context.db, IntakeRequest(procedure_code="1.001193", applicant=applicant, received_at=received),
        now=received,
    )
    assert f"3. Thời gian giải quyết hồ sơ theo quy định: {SAME_DAY_TEXT}" in slip_text(
        receipt_slip_pdf(ui_context.db, dossier.code)
    )

    # The command line.
    assert f"({SAME_DAY_TEXT})" in cli_catalog(tmp_path / "counter", "1.001193")


def test_a_channel_specific_time_is_worded_per_channel_everywhere(qtbot, ui_context: UiContext, tmp_path: Path) -> None:
    land_text = "Trực tiếp: 15 ngày; trực tuyến, qua bưu chính: 5 ngày"
    screen = IntakeScreen(ui_context)
    qtbot.addWidget(screen)
    screen.show()
    qtbot.waitExposed(screen)
    qtbot.waitUntil(lambda: screen.picker.is_loaded, timeout=WAIT)
    assert f"({land_text})" in picker_row_text(qtbot, screen, "1.013952")
    assert f"({land_text})" in cli_catalog(tmp_path / "counter", "1.013952")

    # The slip states the time of the dossier's own channel.
    (land,) = procedures(ui_context.db, "1.013952")
    applicant = PersonInput(full_name="Nguyễn Văn Đức", id_number="049090001234", phone="0905123456",
                            street="12 Lê Lợi")
    received = datetime(2026, 3, 9, 9, 0, tzinfo=OFFICE_TZ)
    postal = receive_dossier(
        ui_context.db,
        IntakeRequest(procedure_code="1.013952", applicant=applicant, received_at=received,
                      channel=Channel.POSTAL.value),
        now=received,
    )
    text = slip_text(receipt_slip_pdf(ui_context.db, postal.code))
    expected = processing_time_text(land.time_rule(Channel.POSTAL))
    assert expected == "5 ngày"
    assert f"3. Thời gian giải quyết hồ sơ theo quy định: {expected} 4." in text

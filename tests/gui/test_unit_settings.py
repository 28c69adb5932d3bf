"""F10: a supervisor changes the unit's settings and the next slip shows them; nobody else can; Esc asks.

Also: this machine's settings live in one typed module (the printer survives a restart), and the accounts
dialog (F8) runs its services on the task runner, so it answers while a write waits for the database.
Real widgets offscreen, a real counter database, real PDFs read back and their QR decoded by zxing-cpp.
"""

from __future__ import annotations

import io
import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pypdfium2 as pdfium
import pytest
import zxingcpp
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from counter_app.domain.errors import ValidationError
from counter_app.services.accounts import NotAllowed, create_account, list_accounts
from counter_app.services.slips import receipt_slip_pdf
from counter_app.services.unit_setup import (
    desk_locked_reason,
    load_profile,
    unit_settings,
    update_unit_settings,
)
from counter_app.ui.accounts_dialog import AccountForm, AccountsDialog
from counter_app.ui.context import UiContext
from counter_app.ui.settings import DEFAULT_SYNC_INTERVAL_MINUTES, CounterSettings
from counter_app.ui.unit_settings_dialog import UnitSettingsDialog
from tests.conftest import open_counter
from tests.gui.conftest import make_context, press, type_text
from tests.gui.test_intake_screen import fill_applicant, save_and_wait

WAIT = 10_000
NEW_NAME = "Bộ phận Tiếp nhận và Trả kết quả phường Hải Châu"
LOOKUP = "https://dichvucong.danang.gov.vn/tra-cuu?ma={code}&nguon=qr"
PRINTER = "Máy in nhiệt quầy 2"


def account(context: UiContext, username: str):
    return next(a for a in list_accounts(context.db) if a.username == username)


@pytest.fixture
def context(qapp, tmp_path: Path) -> Iterator[UiContext]:
    db = open_counter(tmp_path / "counter")
    create_account(db, username="giamsat", full_name="Lê Văn Giám", role="supervisor", password="matkhau-gs1", by=None)
    create_account(db, username="mai", full_name="Trần Thị Mai", role="clerk", password="matkhau-mai1", by="giamsat")
    context = make_context(db, tmp_path)
    yield context
    context.tasks.wait()
    db.close()


def open_window(qtbot, context: UiContext):
    from counter_app.ui.main_window import MainWindow

    window = MainWindow(context)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=WAIT)
    return window


def focused():
    return QApplication.focusWidget()


def retype(widget, text: str) -> None:
    """Select what the field holds and type over it, as a clerk does."""
    widget.selectAll()
    type_text(widget, text)


def open_settings(qtbot, window) -> UnitSettingsDialog:
    qtbot.keyClick(window, Qt.Key.Key_F10)  # through the shortcut map, as a real key
    qtbot.waitUntil(lambda: getattr(window, "unit_settings_dialog", None) is not None, timeout=WAIT)
    dialog = window.unit_settings_dialog
    qtbot.waitUntil(lambda: dialog.loaded, timeout=WAIT)
    return dialog


def test_a_supervisor_changes_name_lookup_and_printer_and_the_next_slip_shows_them(qtbot, context: UiContext) -> None:
    context.clerk = account(context, "giamsat")
    window = open_window(qtbot, context)
    qtbot.waitUntil(lambda: window.intake.picker.is_loaded, timeout=WAIT)
    dialog = open_settings(qtbot, window)
    assert focused() is dialog.unit_name and dialog.desk.isEnabled()  # no code issued, not enrolled

    # Enter walks the fields: name, commune, place, desk, lookup address, printer, scan inbox; the last saves.
    retype(dialog.unit_name, NEW_NAME)
    for expected in (dialog.commune, dialog.place_name, dialog.desk, dialog.lookup_url):
        press(focused(), Qt.Key.Key_Return)
        assert focused() is expected
    retype(dialog.lookup_url, LOOKUP)
    press(focused(), Qt.Key.Key_Return)
    assert dialog.printer.isAncestorOf(focused()) or focused() is dialog.printer
    retype(dialog.printer.lineEdit(), PRINTER)
    press(focused(), Qt.Key.Key_Return)
    assert focused() is dialog.scan_inbox  # the scan-inbox folder, last (test_scan_inbox_setting.py)
    with qtbot.waitSignal(dialog.accepted, timeout=WAIT):
        press(focused(), Qt.Key.Key_Return)

    assert NEW_NAME in window.windowTitle() and NEW_NAME in window.unit_label.text()
    assert load_profile(context.db).lookup_url == LOOKUP
    # The printer is this machine's: read again from the same file, as the next start does.
    assert CounterSettings(context.settings.path).printer_name() == PRINTER

    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=WAIT)
    fill_applicant(qtbot, window.intake, "Nguyễn Văn Đức", "12 Lê Lợi")
    code = save_and_wait(qtbot, window.intake)
    data = receipt_slip_pdf(context.db, code)
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    assert NEW_NAME.upper() in " ".join(text.split())  # the office line, wrapped on the slip
    image = pdfium.PdfDocument(data)[0].render(scale=203 / 72).to_pil().convert("L")
    found = {r.format: r.text for r in zxingcpp.read_barcodes(image)}
    assert found[zxingcpp.BarcodeFormat.QRCode] == LOOKUP.replace("{code}", code)

    # Now the desk has issued a code: its slot is shown read-only, with the reason.
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=WAIT)
    again = open_settings(qtbot, window)
    assert not again.desk.isEnabled() and "đã cấp 1 mã hồ sơ" in again.desk_note.text()
    assert again.printer_name() == PRINTER
    press(focused(), Qt.Key.Key_Escape)  # nothing changed: closes without asking
    qtbot.waitUntil(lambda: not again.isVisible(), timeout=WAIT)


def test_a_clerk_cannot_open_the_unit_settings_and_is_told_why(qtbot, context: UiContext) -> None:
    context.clerk = account(context, "mai")
    window = open_window(qtbot, context)
    qtbot.keyClick(window, Qt.Key.Key_F10)
    qtbot.waitUntil(lambda: getattr(window, "unit_settings_refusal", None) is not None, timeout=WAIT)
    text = window.unit_settings_refusal.text()
    assert "Chỉ giám sát viên mới đổi được thiết lập đơn vị" in text and "«mai»" in text
    assert getattr(window, "unit_settings_dialog", None) is None
    # The service itself refuses too, so the CLI and any other caller obey the same rule.
    with pytest.raises(NotAllowed, match="Chỉ giám sát viên"):
        update_unit_settings(context.db, unit_settings(context.profile), by="mai")


def test_esc_with_changes_asks_and_cancelling_keeps_them(qtbot, context: UiContext) -> None:
    context.clerk = account(context, "giamsat")
    dialog = UnitSettingsDialog(context)
    qtbot.addWidget(dialog)
    dialog.open()
    qtbot.waitUntil(lambda: dialog.loaded, timeout=WAIT)
    dialog.lookup_url.setFocus()
    type_text(dialog.lookup_url, "https://tra-cuu.example.vn/?ma=")
    press(dialog.lookup_url, Qt.Key.Key_Escape)
    box = dialog.discard_box
    assert box is not None and dialog.isVisible()
    qtbot.keyClick(box, Qt.Key.Key_Escape)  # the default answer: keep editing
    qtbot.waitUntil(lambda: dialog.discard_box is None, timeout=WAIT)
    assert dialog.isVisible() and dialog.lookup_url.text() == "https://tra-cuu.example.vn/?ma="

    press(dialog.lookup_url, Qt.Key.Key_Escape)
    box = dialog.discard_box
    assert box is not None
    with qtbot.waitSignal(dialog.rejected, timeout=WAIT):
        dialog.discard_button.click()
    assert load_profile(context.db).lookup_url == ""  # nothing was saved


def test_a_bad_lookup_address_is_refused_at_its_field_and_nothing_is_lost(qtbot, context: UiContext) -> None:
    context.clerk = account(context, "giamsat")
    dialog = UnitSettingsDialog(context)
    qtbot.addWidget(dialog)
    dialog.open()
    qtbot.waitUntil(lambda: dialog.loaded, timeout=WAIT)
    retype(dialog.unit_name, NEW_NAME)
    dialog.lookup_url.setText("http://tra-cuu.example.vn/?ma={code}")
    dialog.save()
    qtbot.waitUntil(lambda: bool(dialog.error_at("lookup_url")), timeout=WAIT)
    assert "phải bắt đầu bằng https://" in dialog.error_at("lookup_url")
    assert dialog.isVisible() and focused() is dialog.lookup_url and dialog.unit_name.text() == NEW_NAME
    assert load_profile(context.db).unit_name != NEW_NAME  # one transaction: nothing half-saved


def test_the_desk_cannot_change_once_it_issued_a_code(context: UiContext) -> None:
    from counter_app.services.intake import receive_dossier
    from tests.services.test_papers_and_slip import request

    assert desk_locked_reason(context.db) == ""
    moved = update_unit_settings(context.db, replace(unit_settings(context.profile), desk=4), by="giamsat")
    assert moved.desk_slot == 4
    receive_dossier(context.db, replace(request("2.000815"), clerk_username="mai", received_at=None))
    wanted = replace(unit_settings(moved), desk=5)
    with pytest.raises(ValidationError) as refused:
        update_unit_settings(context.db, wanted, by="giamsat")
    assert refused.value.field == "desk" and "đã cấp 1 mã hồ sơ" in refused.value.message
    assert load_profile(context.db).desk_slot == 4


def test_settings_read_as_their_type_whatever_the_file_holds(tmp_path: Path) -> None:
    path = tmp_path / "settings.ini"
    path.write_text("[sync]\ninterval_minutes=abc\nlast_server_url=@Variant(\\0\\0\\0\\x7f\\0\\0\\0\\x1)\n"
                    "[main_window]\ngeometry=42\n", encoding="utf-8")
    settings = CounterSettings(path)
    assert settings.sync_interval_minutes() == DEFAULT_SYNC_INTERVAL_MINUTES
    assert settings.window_geometry() is None and settings.printer_name() == ""
    assert settings.last_pdf_dir(tmp_path) == tmp_path
    settings.set_printer_name("  Máy in A5  ")
    settings.set_last_server_url("https://dongbo.example.vn")
    again = CounterSettings(path)
    assert (again.printer_name(), again.last_server_url()) == ("Máy in A5", "https://dongbo.example.vn")
    path.write_text("[sync]\ninterval_minutes=inf\n", encoding="utf-8")
    assert CounterSettings(path).sync_interval_minutes() == DEFAULT_SYNC_INTERVAL_MINUTES


def test_the_accounts_dialog_answers_while_a_new_account_waits_for_the_database(qtbot, context: UiContext) -> None:
    context.clerk = account(context, "giamsat")
    dialog = AccountsDialog(context)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.loaded, timeout=WAIT)
    form = AccountForm()
    form.username.setText("hoa")
    form.full_name.setText("Nguyễn Thị Hoa")
    form.password.setText("matkhau-hoa1")
    form.repeat.setText("matkhau-hoa1")

    # Another connection holds the write lock: a save on the GUI thread would block here (then fail).
    holder = sqlite3.connect(context.db.path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        dialog.add_account_with(form)  # returns at once: scrypt and the write run on the task runner
        assert dialog.busy and context.tasks.busy
        assert not dialog.add_button.isEnabled() and dialog.message.text() == "Đang lưu…"
        dialog.loaded = False
        dialog.refresh()  # the GUI thread keeps serving events, and reads still answer meanwhile
        qtbot.waitUntil(lambda: dialog.loaded, timeout=WAIT)
        assert dialog.table.rowCount() == 2
        assert dialog.busy
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    qtbot.waitUntil(lambda: not dialog.busy, timeout=WAIT)
    assert dialog.message.text() == "Đã thêm tài khoản hoa (Nguyễn Thị Hoa)."
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 3, timeout=WAIT)
    assert "hoa" in [a.username for a in list_accounts(context.db)]


def test_only_the_settings_module_touches_qsettings() -> None:
    """One home for this machine's settings: every other module goes through its typed accessors."""
    root = Path(__file__).resolve().parents[2]
    users = sorted(str(path.relative_to(root)) for folder in ("counter_app", "bench", "tests")
                   for path in (root / folder).rglob("*.py")
                   if "QSettings" in path.read_text(encoding="utf-8") and path.name != Path(__file__).name)
    assert users == ["counter_app/ui/settings.py"]

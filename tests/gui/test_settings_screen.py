"""F10's «Máy này» tab: this machine's receipt paper, server address, sync interval, backup folder and count,
and language; reached from the keyboard, every field checked before anything is written, all refusals shown
at once at their fields, and what is saved read back from the settings file as the next start does.

Real widgets offscreen, a real counter database, a real settings.ini and real folders.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from counter_app.ui.context import UiContext
from counter_app.ui.settings import CounterSettings
from tests.gui.conftest import press, type_text
from tests.gui.test_unit_settings import WAIT, account, context, focused, open_settings, open_window, retype  # noqa: F401
from tests.support.tmpfs import mounted_tmpfs

ALT = Qt.KeyboardModifier.AltModifier
CTRL = Qt.KeyboardModifier.ControlModifier


def test_the_machine_tab_is_checked_then_saved_and_read_back(qtbot, context: UiContext, tmp_path: Path) -> None:  # noqa: F811
    context.clerk = account(context, "giamsat")
    window = open_window(qtbot, context)
    dialog = open_settings(qtbot, window)
    machine = dialog.machine
    ini_before = context.settings.path.read_bytes() if context.settings.path.exists() else b""

    press(focused(), Qt.Key.Key_2, ALT)  # the «Máy này» tab, its first field focused
    assert dialog.tabs.currentWidget() is machine and focused() is machine.receipt_paper
    assert machine.sync_interval.value() == 3 and machine.backups_to_keep.value() == 10
    assert machine.language.currentData() == "vi" and machine.server_url.text() == ""
    assert "chưa đăng ký" in machine.server_note.text()

    press(focused(), Qt.Key.Key_Down)  # 80 mm thermal paper
    press(focused(), Qt.Key.Key_Return)
    assert focused() is machine.server_url
    type_text(machine.server_url, "http://192.0.2.10:8443")
    press(focused(), Qt.Key.Key_Return)
    assert focused() is machine.sync_interval
    retype(machine.sync_interval.lineEdit(), "10")
    press(focused(), Qt.Key.Key_Return)
    assert focused() is machine.outbox_retention and machine.outbox_retention.value() == 30
    retype(machine.outbox_retention.lineEdit(), "90")
    press(focused(), Qt.Key.Key_S, ALT)
    assert focused() is machine.backup_dir
    usb = tmp_path / "usb" / "sao-luu"  # the stick is not plugged in
    type_text(machine.backup_dir, str(usb))
    press(focused(), Qt.Key.Key_G, ALT)
    retype(machine.backups_to_keep.lineEdit(), "30")
    press(focused(), Qt.Key.Key_Return)
    assert focused() is machine.language
    press(focused(), Qt.Key.Key_Down)  # English
    press(focused(), Qt.Key.Key_Return)  # the last field: saves (and is refused)

    qtbot.waitUntil(lambda: bool(dialog.error_at("backup_dir")), timeout=WAIT)
    assert "http:// không mã hoá" in dialog.error_at("server_url")  # both refusals at once, each at its field
    assert "Không thấy thư mục" in dialog.error_at("backup_dir") and "chưa cắm USB" in dialog.error_at("backup_dir")
    assert focused() is machine.server_url and dialog.isVisible()
    after_refusal = context.settings.path.read_bytes() if context.settings.path.exists() else b""
    assert after_refusal == ini_before  # nothing written
    assert not usb.exists()  # a missing USB folder is never created on the machine's own disk

    usb.mkdir(parents=True)
    retype(machine.server_url, "https://dongbo.buudien-tinh.vn/")
    press(focused(), Qt.Key.Key_N, ALT)
    assert focused() is machine.language
    with qtbot.waitSignal(dialog.accepted, timeout=WAIT):
        press(focused(), Qt.Key.Key_Return)
    again = CounterSettings(context.settings.path)  # as the next start reads it
    assert again.receipt_paper() == "80mm" and again.sync_interval_minutes() == 10
    assert again.outbox_retention_days() == 90
    assert again.last_server_url() == "https://dongbo.buudien-tinh.vn"  # the enrolment dialog starts with it
    assert again.backup_dir(Path("/mac-dinh")) == usb and again.backups_to_keep() == 30
    assert again.language() == "en"
    assert window.sync_worker.interval_ms == 10 * 60_000  # the running sync follows from its next run


def test_ctrl_tab_moves_between_tabs_and_esc_asks_for_a_change_on_either(qtbot, context: UiContext) -> None:  # noqa: F811
    context.clerk = account(context, "giamsat")
    window = open_window(qtbot, context)
    dialog = open_settings(qtbot, window)
    press(focused(), Qt.Key.Key_Tab, CTRL)
    assert dialog.tabs.currentWidget() is dialog.machine and focused() is dialog.machine.receipt_paper
    press(focused(), Qt.Key.Key_Tab, CTRL)
    assert dialog.tabs.currentIndex() == 0 and focused() is dialog.unit_name
    press(focused(), Qt.Key.Key_2, ALT)
    press(focused(), Qt.Key.Key_Down)
    press(focused(), Qt.Key.Key_Escape)
    assert dialog.discard_box is not None and dialog.isVisible()
    with qtbot.waitSignal(dialog.rejected, timeout=WAIT):
        dialog.discard_button.click()
    assert CounterSettings(context.settings.path).receipt_paper() == "a5"


@contextmanager
def read_only_folder(tmp_path: Path) -> Iterator[Path]:
    """A folder this process cannot write to: mode 0500, or for root (CI) a read-only tmpfs mounted there."""
    folder = tmp_path / "chi-doc"
    folder.mkdir()
    if os.geteuid() != 0:
        folder.chmod(0o500)
        try:
            yield folder
        finally:
            folder.chmod(0o700)
        return
    with mounted_tmpfs(folder, "ro,size=64k"):
        yield folder


def test_a_read_only_backup_folder_is_refused(tmp_path: Path) -> None:
    from counter_app.domain.errors import ValidationError
    from counter_app.ui.machine_settings_panel import checked_backup_dir

    with read_only_folder(tmp_path) as folder, pytest.raises(ValidationError, match="không ghi được"):
        checked_backup_dir(str(folder))


def test_the_interval_and_language_setters_refuse_what_the_screen_cannot_offer(tmp_path: Path) -> None:
    settings = CounterSettings(tmp_path / "settings.ini")
    for wrong in (0, 121):
        with pytest.raises(ValueError, match="Chu kỳ đồng bộ phải từ 1 đến 120 phút"):
            settings.set_sync_interval_minutes(wrong)
    with pytest.raises(ValueError, match="Ngôn ngữ không hỗ trợ"):
        settings.set_language("fr")
    (tmp_path / "settings.ini").write_text("[ui]\nlanguage=klingon\n", encoding="utf-8")
    assert CounterSettings(tmp_path / "settings.ini").language() == "vi"


def test_an_enrolled_counters_address_is_moved_in_its_database(qtbot, context: UiContext) -> None:  # noqa: F811
    """Enrolled on a trusted LAN over http:// (`--insecure-http`): other fields still save; a new address goes
    to the sync state (the enrolment's device and epoch kept), an empty one is refused."""
    from counter_app.services.clock import utc_now
    from counter_app.services.server_address import enrolled_server_url
    from counter_app.storage.sync_store import get_state, record_enrolment

    lan = "http://10.20.0.5:8000"
    with context.db.write() as session:  # what `enroll` stores, without a server: this test is about the screen
        record_enrolment(session, server_url=lan, device_id="dev-quay-1", unit_code=context.profile.unit_code,
                         unit_name=context.profile.unit_name, desk_slot=1, server_epoch="e1", now=utc_now())
    with context.db.read() as session:
        epoch = get_state(session).device_epoch
    context.clerk = account(context, "giamsat")
    window = open_window(qtbot, context)
    dialog = open_settings(qtbot, window)
    machine = dialog.machine
    press(focused(), Qt.Key.Key_2, ALT)
    assert machine.server_url.text() == lan and "đã đăng ký" in machine.server_note.text()
    press(focused(), Qt.Key.Key_P, ALT)
    retype(machine.sync_interval.lineEdit(), "7")
    with qtbot.waitSignal(dialog.accepted, timeout=WAIT):
        dialog.save()  # the http:// address was accepted at enrolment and is not changed: no refusal
    assert enrolled_server_url(context.db) == lan and CounterSettings(context.settings.path).sync_interval_minutes() == 7

    first = dialog
    window.unit_settings_dialog = None
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=WAIT)
    dialog = open_settings(qtbot, window)
    assert dialog is not first and dialog.machine.server_url.text() == lan
    machine = dialog.machine
    dialog.tabs.setCurrentWidget(machine)
    machine.server_url.clear()
    dialog.save()
    qtbot.waitUntil(lambda: bool(dialog.error_at("server_url")), timeout=WAIT)
    assert "không để trống" in dialog.error_at("server_url") and enrolled_server_url(context.db) == lan
    type_text(machine.server_url, "https://dongbo-moi.buudien-tinh.vn/")
    with qtbot.waitSignal(dialog.accepted, timeout=WAIT):
        dialog.save()
    assert enrolled_server_url(context.db) == "https://dongbo-moi.buudien-tinh.vn"
    with context.db.read() as session:
        state = get_state(session)
        assert (state.device_id, state.device_epoch) == ("dev-quay-1", epoch)
    assert CounterSettings(context.settings.path).last_server_url() == ""  # the database holds it, not settings.ini


def test_each_machine_field_is_refused_with_its_own_message(tmp_path: Path) -> None:
    """The checks the screen runs on save, all at once (a file handed as a folder, a relative path, an interval
    out of bounds, a server address that is not a URL); the widgets bound the numbers too."""
    from counter_app.domain.errors import ValidationErrors
    from counter_app.ui.machine_settings_panel import MachineValues, check_machine_values

    a_file = tmp_path / "sao-luu.txt"
    a_file.write_text("x")
    for backup_dir, why in ((str(a_file), "là một tệp, không phải thư mục"), ("sao-luu", "chưa phải đường dẫn đầy đủ")):
        wanted = MachineValues(receipt_paper="a5", server_url="dongbo.example.vn", sync_interval=0,
                               outbox_retention=3, backup_dir=backup_dir, backups_to_keep=10, language="vi")
        with pytest.raises(ValidationErrors) as refused:
            check_machine_values(wanted, shown_url="", enrolled_url="")
        by_field = refused.value.by_field()
        assert why in by_field["backup_dir"]
        assert by_field["sync_interval"] == "Chu kỳ đồng bộ phải từ 1 đến 120 phút."
        assert by_field["outbox_retention"] == "Số ngày giữ thao tác đã đồng bộ phải từ 7 đến 3650."
        assert "https://tên-máy-chủ" in by_field["server_url"]
    fine = MachineValues(receipt_paper="80mm", server_url="https://dongbo.example.vn/", sync_interval=120, outbox_retention=7,
                         backup_dir=str(tmp_path), backups_to_keep=365, language="en")
    checked = check_machine_values(fine, shown_url="", enrolled_url="")
    assert (checked.server_url, checked.backup_dir) == ("https://dongbo.example.vn", str(tmp_path))

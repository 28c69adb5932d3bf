"""The scan-inbox folder in the unit settings (F10): chosen from the keyboard, checked before anything is
saved, kept in this machine's settings, and followed by the running watcher without a restart."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from counter_app.services.unit_setup import load_profile
from counter_app.ui.context import UiContext
from counter_app.ui.scan_inbox_watcher import INBOX_DIRNAME
from counter_app.ui.settings import CounterSettings
from tests.gui.conftest import press
from tests.gui.test_unit_settings import WAIT, account, context, focused, open_settings, open_window, retype  # noqa: F401

ALT = Qt.KeyboardModifier.AltModifier


def test_a_new_scan_inbox_is_watched_at_once_and_a_wrong_one_is_refused_at_its_field(
        qtbot, context: UiContext, tmp_path: Path) -> None:  # noqa: F811
    context.clerk = account(context, "giamsat")
    window = open_window(qtbot, context)
    watcher = window.scan_inbox
    assert watcher.folder == context.db.path.parent / INBOX_DIRNAME  # the default, beside the database
    name_before = load_profile(context.db).unit_name

    dialog = open_settings(qtbot, window)
    assert dialog.scan_inbox.text() == str(watcher.folder)
    a_file = tmp_path / "khong-phai-thu-muc.txt"
    a_file.write_text("x")
    retype(dialog.unit_name, "Tên mới chưa được lưu")
    for typed, why in ((str(a_file), "là một tệp, không phải thư mục"), ("ban-quet", "chưa phải đường dẫn đầy đủ")):
        press(focused(), Qt.Key.Key_M, ALT)
        assert focused() is dialog.scan_inbox
        retype(dialog.scan_inbox, typed)
        press(focused(), Qt.Key.Key_Return)  # the last field: saves
        qtbot.waitUntil(lambda why=why: why in dialog.error_at("scan_inbox"), timeout=WAIT)
        assert dialog.isVisible() and focused() is dialog.scan_inbox
        assert load_profile(context.db).unit_name == name_before  # nothing saved, the unit's part neither
        assert watcher.folder == context.db.path.parent / INBOX_DIRNAME

    new_inbox = tmp_path / "may-quet" / "ban-quet"  # missing: created on save
    retype(dialog.scan_inbox, str(new_inbox))
    with qtbot.waitSignal(dialog.accepted, timeout=WAIT):
        press(dialog.scan_inbox, Qt.Key.Key_Return)
    assert new_inbox.is_dir() and watcher.folder == new_inbox
    assert load_profile(context.db).unit_name == "Tên mới chưa được lưu"  # saved together, once the folder is fine
    assert CounterSettings(context.settings.path).scan_inbox_dir(Path("/khong-dung")) == new_inbox  # kept

    (new_inbox / "trang-1.png").write_bytes(b"\x89PNG quet")
    (context.db.path.parent / INBOX_DIRNAME / "cu.png").write_bytes(b"\x89PNG cu")  # the old folder is left alone

    def polled_new_file() -> bool:
        watcher.poll()  # seen once, then settled: two polls (a poll already running is not doubled)
        return [p.name for p in watcher.waiting] == ["trang-1.png"]

    qtbot.waitUntil(polled_new_file, timeout=WAIT)

"""The settings screen's folder fields (backup folder, scan inbox) with hostile text: control characters
(a NUL byte, an escape sequence pasted from elsewhere) and a name longer than the file system allows are
refused at the field in Vietnamese, never as the operating system's English words or an unexpected error."""

from __future__ import annotations

from pathlib import Path

import pytest

from counter_app.domain.errors import ValidationError
from counter_app.ui.machine_settings_panel import checked_backup_dir
from counter_app.ui.scan_inbox_watcher import checked_inbox_dir


@pytest.mark.parametrize("check", [checked_backup_dir, checked_inbox_dir], ids=["backup", "inbox"])
@pytest.mark.parametrize("name", ["a\x00b", "\x1b[31mdo", "sao\tluu"], ids=["nul", "escape", "tab"])
def test_control_characters_in_a_folder_are_refused(check, name: str, tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="có ký tự điều khiển không in được"):
        check(str(tmp_path / name))
    assert list(tmp_path.iterdir()) == []  # the inbox check creates its folder: not this one


def test_a_backup_folder_name_too_long_for_the_file_system_is_refused_in_vietnamese(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="tên quá dài, hoặc ổ đĩa/thư mục mạng không truy cập được"):
        checked_backup_dir(str(tmp_path / ("thư-mục-sao-lưu-" * 20)))

"""The daily backup on close (services/backups.py): once per office day, keep the last N, a missing or full
chosen folder falls back to the default one with a Vietnamese warning. Real files; the clock is injected."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from counter_app.services.backups import back_up_now, back_up_on_close, back_up_to_file, default_backup_dir
from counter_app.storage.backup import BackupError, inspect_counter_file, known_revisions, list_backups
from counter_app.storage.database import Database
from tests.conftest import UNIT_CODE, open_counter
from tests.support.tmpfs import mounted_tmpfs

MORNING = datetime(2026, 3, 10, 1, 0, tzinfo=UTC)  # 08:00 office time


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("counter")
    open_counter(root).close()
    return root


@pytest.fixture
def db(made: Path, tmp_path: Path) -> Iterator[Database]:
    shutil.copytree(made, tmp_path / "counter")
    database = Database.open(tmp_path / "counter")
    yield database
    database.close()


def names(folder: Path) -> list[str]:
    return [b.path.name for b in list_backups(folder)]


def test_first_close_of_each_day_backs_up_once(db: Database) -> None:
    folder = default_backup_dir(db.path.parent)

    first = back_up_on_close(db, folder, folder, keep=3, now=MORNING)
    again = back_up_on_close(db, folder, folder, keep=3, now=MORNING + timedelta(hours=8))  # 16:00, same day
    next_day = back_up_on_close(db, folder, folder, keep=3, now=MORNING + timedelta(days=1))

    assert first.path is not None and first.warning == ""
    assert again.path is None and again.warning == ""
    assert next_day.path is not None
    assert names(folder) == [f"{UNIT_CODE}-1-20260310-080000.sqlite", f"{UNIT_CODE}-1-20260311-080000.sqlite"]
    assert inspect_counter_file(next_day.path, known_revisions()).unit_code == UNIT_CODE


def test_office_midnight_not_utc_midnight_starts_a_day(db: Database) -> None:
    folder = default_backup_dir(db.path.parent)
    late = datetime(2026, 3, 10, 16, 30, tzinfo=UTC)  # 23:30 office time on the 10th
    assert back_up_on_close(db, folder, folder, keep=3, now=late).path is not None
    assert back_up_on_close(db, folder, folder, keep=3, now=late + timedelta(minutes=40)).path is not None  # 00:10 on the 11th


def test_only_the_last_n_are_kept(db: Database) -> None:
    folder = default_backup_dir(db.path.parent)
    for day in range(5):
        back_up_on_close(db, folder, folder, keep=2, now=MORNING + timedelta(days=day))
    assert names(folder) == [f"{UNIT_CODE}-1-20260313-080000.sqlite", f"{UNIT_CODE}-1-20260314-080000.sqlite"]


def test_unplugged_usb_folder_falls_back_to_default_with_a_warning(db: Database, tmp_path: Path) -> None:
    stick = tmp_path / "media" / "usb" / "sao-luu"
    default = default_backup_dir(db.path.parent)

    outcome = back_up_on_close(db, stick, default, keep=3, now=MORNING)

    assert outcome.path is not None and outcome.path.parent == default
    assert "Không tìm thấy thư mục sao lưu" in outcome.warning and "chưa cắm ổ USB" in outcome.warning
    assert str(default) in outcome.warning
    assert not stick.exists() and not stick.parent.exists()  # never created under the mount point
    # Plugged in again the next day: the backup goes to the stick.
    stick.mkdir(parents=True)
    later = back_up_on_close(db, stick, default, keep=3, now=MORNING + timedelta(days=1))
    assert later.path is not None and later.path.parent == stick and later.warning == ""


@pytest.fixture
def full_folder(tmp_path: Path) -> Iterator[Path]:
    """A real 64 kB file system (tmpfs), full after a few pages: needs root (CI is)."""
    with mounted_tmpfs(tmp_path / "tiny", "size=64k") as mount:
        yield mount


def test_full_folder_falls_back_to_default_and_leaves_no_partial(db: Database, full_folder: Path) -> None:
    default = default_backup_dir(db.path.parent)

    outcome = back_up_now(db, full_folder, default, keep=3, now=MORNING)

    assert outcome.path is not None and outcome.path.parent == default
    assert f"Ổ chứa thư mục sao lưu «{full_folder}» đã đầy" in outcome.warning
    assert list(full_folder.iterdir()) == []


def test_backup_out_refuses_to_overwrite_without_force(db: Database, tmp_path: Path) -> None:
    out = tmp_path / "quay.sqlite"
    out.write_text("giữ nguyên", encoding="utf-8")
    with pytest.raises(BackupError, match="chưa ghi đè"):
        back_up_to_file(db, out)
    assert out.read_text(encoding="utf-8") == "giữ nguyên"
    assert back_up_to_file(db, out, force=True).unit_code == UNIT_CODE
    with pytest.raises(BackupError, match="Không có thư mục"):
        back_up_to_file(db, tmp_path / "khong-co" / "quay.sqlite")

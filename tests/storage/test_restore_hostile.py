"""`counter-app restore` with crafted files (services/restore.py, storage/schema_check.py), on real files.

A backup is untrusted: it may carry SQLite code (a trigger, a view with an INSTEAD OF trigger) that would
run inside the counter's live database once restored, or lack the app's own triggers (receipts never
edited, closed days closed, no code issued before the pull-back); it may be a fifo that would block the
restore for ever, a header claiming 2³¹ pages, a raw copy with commits left in its -wal, or an old file a
migration cannot take. Each is refused in Vietnamese and the counter's database stays byte-identical. Released schemas, and files on paths with spaces, Vietnamese letters, `#`
and `?`, are restored as before.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from counter_app.services.restore import restore_database
from counter_app.storage.backup import NotACounterBackup
from counter_app.storage.database import DB_FILENAME, Database
from counter_app.storage.dossiers import count_dossiers
from counter_app.storage.schema_check import schema_differences
from tests.storage import test_backup_files

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "db"
made, counter = test_backup_files.made, test_backup_files.counter  # a counter with two dossiers, its backup


def _database(folder: Path) -> str:
    return hashlib.sha256((folder / DB_FILENAME).read_bytes()).hexdigest()


def _doctored(made: Path, target: Path, *statements: str) -> Path:
    shutil.copyfile(made / "backup.sqlite", target)
    with sqlite3.connect(target) as connection:
        for statement in statements:
            connection.execute(statement)
    connection.close()
    return target


SCHEMA_TRICKS: dict[str, tuple[tuple[str, ...], str]] = {
    "trigger": (("CREATE TRIGGER quiet_wipe AFTER INSERT ON dossier_event BEGIN DELETE FROM receipt; END",),
                "thừa trigger (bộ kích hoạt) «quiet_wipe»"),
    "view-instead-of": (("CREATE VIEW receipt_view AS SELECT * FROM receipt",
                         "CREATE TRIGGER receipt_view_write INSTEAD OF INSERT ON receipt_view BEGIN DELETE FROM dossier; END"),
                        "thừa khung nhìn (view) «receipt_view»"),
    "app-trigger-dropped": (("DROP TRIGGER receipt_never_edited",), "thiếu trigger (bộ kích hoạt) «receipt_never_edited»"),
    "pullback-guard-dropped": (("DROP TRIGGER desk_day_counter_insert_pullback",),
                               "thiếu trigger (bộ kích hoạt) «desk_day_counter_insert_pullback»"),
}


@pytest.mark.parametrize("trick", list(SCHEMA_TRICKS))
def test_a_doctored_schema_is_refused_and_nothing_changes(trick: str, made: Path, counter: Path, tmp_path: Path) -> None:
    statements, message = SCHEMA_TRICKS[trick]
    hostile = _doctored(made, tmp_path / f"{trick}.sqlite", *statements)
    before = _database(counter)

    with pytest.raises(NotACounterBackup, match=re.escape(message)) as refused:
        restore_database(counter, hostile)

    assert "cấu trúc cơ sở dữ liệu đã bị sửa ngoài ứng dụng" in refused.value.message
    assert "Chưa có gì bị thay đổi" in refused.value.message
    assert _database(counter) == before
    assert not [p for p in counter.iterdir() if ".restoring-" in p.name]


def _fifo(_made: Path, target: Path) -> Path:
    os.mkfifo(target)  # nobody ever writes: opening it to read would wait for ever
    return target


def _folder(_made: Path, target: Path) -> Path:
    target.mkdir()
    return target


def _obstacle(_made: Path, target: Path) -> Path:
    """A 0003 file holding a table named like the one migration 0014 creates: the migration cannot run."""
    shutil.copyfile(FIXTURES / "schema_0003.sqlite", target)
    with sqlite3.connect(target) as connection:
        connection.execute("CREATE TABLE receipt (note TEXT)")
    connection.close()
    return target


def _huge_page_count(made: Path, target: Path) -> Path:
    """A valid backup whose header claims 2³¹ pages (the count is trusted when version-valid-for matches)."""
    data = bytearray((made / "backup.sqlite").read_bytes())
    data[28:32] = (0x7FFFFFFF).to_bytes(4, "big")
    target.write_bytes(bytes(data))
    return target


NOT_A_FILE: dict[str, tuple[Callable[[Path, Path], Path], str]] = {
    "huge-page-count": (_huge_page_count, "bị cắt cụt hoặc chép chưa hết"),
    "fifo": (_fifo, "là một tệp đặc biệt của hệ điều hành, không phải tệp sao lưu"),
    "folder": (_folder, "là một thư mục, không phải tệp sao lưu"),
}


def test_an_old_file_a_migration_cannot_take_is_refused_in_vietnamese(made: Path, tmp_path: Path) -> None:
    """Desk 3's 0003 file into a fresh folder (nothing to compare it with), holding an obstacle."""
    hostile = _obstacle(made, tmp_path / "obstacle.sqlite")
    fresh = tmp_path / "fresh"

    with pytest.raises(NotACounterBackup, match=re.escape(
            "không nâng cấp được lên phiên bản hiện tại của ứng dụng quầy (SQLite báo: table receipt already exists)")):
        restore_database(fresh, hostile)

    assert not (fresh / DB_FILENAME).exists()
    assert not [p for p in fresh.iterdir() if ".restoring-" in p.name]


@pytest.mark.timeout(60)
@pytest.mark.parametrize("kind", list(NOT_A_FILE))
def test_what_cannot_be_restored_is_refused_in_vietnamese(kind: str, made: Path, counter: Path, tmp_path: Path) -> None:
    make, message = NOT_A_FILE[kind]
    hostile = make(made, tmp_path / f"{kind}.sqlite")
    before = _database(counter)

    with pytest.raises(NotACounterBackup, match=re.escape(message)):
        restore_database(counter, hostile)

    assert _database(counter) == before
    assert not [p for p in counter.iterdir() if ".restoring-" in p.name]


@pytest.mark.parametrize("fixture", sorted(p.name for p in FIXTURES.glob("schema_*.sqlite")))
def test_every_released_schema_migrates_to_exactly_the_heads_schema(fixture: str, tmp_path: Path) -> None:
    """The rule the restore enforces holds for every released file (else a true backup would be refused)."""
    source = tmp_path / fixture
    shutil.copyfile(FIXTURES / fixture, source)
    restore_database(tmp_path / "counter", source)
    connection = sqlite3.connect(tmp_path / "counter" / DB_FILENAME)
    try:
        assert schema_differences(connection) == []
    finally:
        connection.close()


def test_a_backup_on_a_path_with_spaces_vietnamese_letters_and_uri_characters(made: Path, counter: Path,
                                                                               tmp_path: Path) -> None:
    folder = tmp_path / "Sao lưu quầy #1? (ổ USB)"
    folder.mkdir()
    source = folder / "bản sao lưu ngày 10%.sqlite"
    shutil.copyfile(made / "backup.sqlite", source)

    outcome = restore_database(counter, source)

    assert outcome.restored.dossiers == 2
    db = Database.open(counter)
    with db.read() as session:
        assert count_dossiers(session) == 2
    db.close()


def _copied_while_open(made: Path, target: Path) -> Path:
    """A raw copy of a database taken while it was open: its last commit is still in the -wal beside it."""
    source = target.with_name("open.sqlite")
    shutil.copyfile(made / "backup.sqlite", source)
    connection = sqlite3.connect(source)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA wal_autocheckpoint=0")
    connection.execute("UPDATE unit_profile SET unit_name = unit_name || ' (đổi tên)'")
    connection.commit()
    shutil.copyfile(source, target)
    shutil.copyfile(f"{source}-wal", f"{target}-wal")
    connection.close()
    return target


def test_a_copy_with_commits_left_in_its_wal_is_refused(made: Path, counter: Path, tmp_path: Path) -> None:
    raw = _copied_while_open(made, tmp_path / "raw.sqlite")
    before = _database(counter)
    with pytest.raises(NotACounterBackup, match=re.escape("còn tệp «raw.sqlite-wal» chứa những thay đổi chưa gộp vào tệp")):
        restore_database(counter, raw)
    assert _database(counter) == before


def test_the_database_in_use_is_not_a_backup_of_itself(counter: Path) -> None:
    before = _database(counter)
    with pytest.raises(NotACounterBackup, match="là chính cơ sở dữ liệu quầy đang dùng"):
        restore_database(counter, counter / DB_FILENAME)
    assert _database(counter) == before

"""Backup copies (storage/backup.py) and the restore of untrusted files (services/restore.py), on real files.

Every hostile file gets its own Vietnamese message and leaves the counter's database byte-identical.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import sqlite3
import stat
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from counter_app.domain.errors import DomainError
from counter_app.services.restore import restore_database
from counter_app.storage.backup import (
    backup_name,
    copy_database,
    inspect_counter_file,
    known_revisions,
    list_backups,
    prune_backups,
)
from counter_app.storage.database import DB_FILENAME, Database, NewerDatabaseError
from counter_app.storage.dossiers import count_dossiers
from counter_app.storage.folder_lock import FolderInUse, using_data_folder
from tests.conftest import UNIT_CODE, open_counter
from tests.sync.test_restore import NAMES, intake

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "db"
AT = datetime(2026, 3, 10, 9, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A set-up counter with two dossiers, and a backup of it (`backup.sqlite`)."""
    root = tmp_path_factory.mktemp("made")
    db = open_counter(root / "counter")
    for name in NAMES[:2]:
        intake(db, name)
    copy_database(db.path, root / "backup.sqlite", known_revisions())
    db.close()
    return root


@pytest.fixture
def counter(made: Path, tmp_path: Path) -> Iterator[Path]:
    """A copy of the counter's data folder for one test."""
    data_dir = tmp_path / "counter"
    shutil.copytree(made / "counter", data_dir)
    yield data_dir


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_copy_is_checked_private_self_contained_and_equal(made: Path, tmp_path: Path) -> None:
    db = Database.open(made / "counter")
    try:
        target = tmp_path / backup_name(UNIT_CODE, 1, AT)
        info = copy_database(db.path, target, known_revisions())
    finally:
        db.close()
    assert target.name == f"{UNIT_CODE}-1-20260310-163000.sqlite"  # office time in the name
    assert info.dossiers == 2 and info.unit_code == UNIT_CODE and info.desk_slot == 1
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]  # no -wal, no partial left
    with sqlite3.connect(target) as copy:
        assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert copy.execute("SELECT applicant_name FROM dossier ORDER BY code").fetchall() == [(n,) for n in NAMES[:2]]


def test_copy_to_a_missing_folder_leaves_nothing(made: Path, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        copy_database(made / "counter" / DB_FILENAME, tmp_path / "unplugged" / "x.sqlite", known_revisions())
    assert not (tmp_path / "unplugged").exists()


def test_keep_last_n_deletes_only_this_desks_oldest_backups(tmp_path: Path) -> None:
    names = [backup_name(UNIT_CODE, 1, AT.replace(day=day)) for day in range(1, 6)]
    others = [backup_name(UNIT_CODE, 2, AT), backup_name(UNIT_CODE, 1, AT, "truoc-khoi-phuc"), "ghi-chu.txt",
              "counter-before-0019-20260301T000000000000Z.sqlite", f"{names[0]}.4242.partial"]
    for name in names + others:
        (tmp_path / name).write_bytes(b"x")

    deleted = prune_backups(tmp_path, UNIT_CODE, 1, keep=2)

    assert sorted(p.name for p in deleted) == sorted(names[:3])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names[3:] + others)
    assert [b.path.name for b in list_backups(tmp_path, UNIT_CODE, 1) if not b.label] == names[3:]


def _truncated(source: Path, target: Path) -> None:
    data = source.read_bytes()
    target.write_bytes(data[: len(data) // 2 + 100])


def _damaged(source: Path, target: Path) -> None:
    data = bytearray(source.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    for number in range(2, len(data) // page):  # every page but the first: the schema survives, the rest not
        data[number * page + 8: number * page + 64] = b"\xa5" * 56
    target.write_bytes(bytes(data))


def _foreign(_source: Path, target: Path) -> None:
    with sqlite3.connect(target) as other:
        other.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT)")
    other.close()


def _newer(source: Path, target: Path) -> None:
    shutil.copyfile(source, target)
    with sqlite3.connect(target) as newer:
        newer.execute("UPDATE alembic_version SET version_num = '0099'")
    newer.close()


HOSTILE = {
    "text": (lambda s, t: t.write_text("Danh sách hồ sơ\n", encoding="utf-8"), DomainError, "không phải tệp cơ sở dữ liệu SQLite"),
    "empty": (lambda s, t: t.write_bytes(b""), DomainError, "rỗng (0 byte)"),
    "truncated": (_truncated, DomainError, "bị cắt cụt hoặc chép chưa hết"),
    "damaged": (_damaged, DomainError, "bị hỏng"),
    "foreign": (_foreign, DomainError, "của chương trình khác"),
    "newer": (_newer, NewerDatabaseError, "phiên bản mới hơn của ứng dụng quầy (lược đồ 0099)"),
    "missing": (lambda s, t: None, DomainError, "không tồn tại"),
}


@pytest.mark.parametrize("kind", list(HOSTILE))
def test_hostile_file_is_refused_and_nothing_changes(kind: str, made: Path, counter: Path, tmp_path: Path) -> None:
    make, error, message = HOSTILE[kind]
    hostile = tmp_path / f"{kind}.sqlite"
    make(made / "backup.sqlite", hostile)
    before = {p.name: sha256(p) for p in counter.iterdir() if p.is_file()}

    with pytest.raises(error, match=re.escape(message)):
        restore_database(counter, hostile)

    assert {p.name: sha256(p) for p in counter.iterdir() if p.is_file()} == before
    assert not (counter / "backups").exists()  # not even the safety backup: the checks come first


def _other_counter(tmp_path: Path, **kwargs: object) -> Path:
    db = open_counter(tmp_path / "other", **kwargs)  # type: ignore[arg-type]
    target = tmp_path / "other.sqlite"
    copy_database(db.path, target, known_revisions())
    db.close()
    return target


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"desk": 2}, "bản sao lưu của quầy số 2, còn máy này là quầy số 1"),
    ({"unit_code": "000.31.48.H16"}, "bản sao lưu của đơn vị 000.31.48.H16"),
], ids=["other-desk", "other-unit"])
def test_another_desks_or_units_backup_is_refused(kwargs: dict[str, object], message: str, counter: Path,
                                                  tmp_path: Path) -> None:
    other = _other_counter(tmp_path, **kwargs)
    before = sha256(counter / DB_FILENAME)
    with pytest.raises(DomainError, match=message):
        restore_database(counter, other)
    assert sha256(counter / DB_FILENAME) == before


def test_restore_refused_while_the_folder_is_in_use(made: Path, counter: Path) -> None:
    before = sha256(counter / DB_FILENAME)
    with using_data_folder(counter), pytest.raises(FolderInUse, match="đang được ứng dụng quầy hoặc một lệnh khác dùng"):
        restore_database(counter, made / "backup.sqlite")
    assert sha256(counter / DB_FILENAME) == before


def test_restore_backs_up_first_and_swaps_in(made: Path, counter: Path) -> None:
    db = Database.open(counter)
    intake(db, NAMES[2])  # after the backup
    db.close()

    outcome = restore_database(counter, made / "backup.sqlite", now=AT)

    assert outcome.safety_backup == counter / "backups" / f"{UNIT_CODE}-1-20260310-163000-truoc-khoi-phuc.sqlite"
    assert inspect_counter_file(outcome.safety_backup, known_revisions()).dossiers == 3
    assert not outcome.pullback_pending  # never enrolled: nothing to pull back
    db = Database.open(counter)
    with db.read() as session:
        assert count_dossiers(session) == 2
    db.close()
    assert not [p for p in counter.iterdir() if ".restoring-" in p.name]


def test_restore_of_a_damaged_database_keeps_it_whole(made: Path, counter: Path) -> None:
    path = counter / DB_FILENAME
    _damaged(made / "backup.sqlite", path)
    damaged = sha256(path)

    outcome = restore_database(counter, made / "backup.sqlite", now=AT)

    assert outcome.safety_backup is None and outcome.moved_aside is not None
    assert sha256(outcome.moved_aside / DB_FILENAME) == damaged
    db = Database.open(counter)
    db.close()


def test_restore_of_an_older_schema_migrates_it(tmp_path: Path) -> None:
    old = tmp_path / "old.sqlite"
    with sqlite3.connect(FIXTURES / "schema_0003.sqlite") as source, sqlite3.connect(old) as target:
        source.backup(target)
    source.close()
    target.close()
    expected = inspect_counter_file(old, known_revisions()).dossiers

    restore_database(tmp_path / "fresh", old)

    db = Database.open(tmp_path / "fresh")
    with db.read() as session:
        assert count_dossiers(session) == expected
    db.close()
    assert os.path.exists(old)  # the file handed in is never changed

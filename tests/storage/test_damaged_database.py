"""A damaged counter database is refused with its own Vietnamese message and left byte-for-byte as it was.

Real files damaged with plain file operations (tests/support/damaged_db.py); the WAL cases are real crash
images: files copied while the writing connection still held its WAL.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from counter_app.domain.dossier import OFFICE_TZ
from counter_app.storage.database import DB_FILENAME, Database
from counter_app.storage.dossiers import count_dossiers
from counter_app.storage.integrity import (
    INTEGRITY_STATE_FILENAME,
    DailyIntegrityCheck,
    Damage,
    DamagedDatabaseError,
    newest_backup,
)
from tests.support.damaged_db import DAMAGES, PAGE_SIZE, build_counter, crash_image, fingerprint

DOSSIERS = 120


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One real counter with dossiers and a backup, copied for each test."""
    data_dir = tmp_path_factory.mktemp("template") / "counter"
    build_counter(data_dir, DOSSIERS)
    return data_dir


@pytest.fixture
def counter(template: Path, tmp_path: Path) -> Path:
    data_dir = tmp_path / "counter"
    shutil.copytree(template, data_dir)
    return data_dir


def _dossier_count(data_dir: Path) -> int:
    db = Database.open(data_dir)
    try:
        with db.read() as session:
            return count_dossiers(session)
    finally:
        db.close()


def _summaries(data_dir: Path) -> set[str]:
    db = Database.open(data_dir)
    try:
        with closing(sqlite3.connect(db.path)) as raw:
            return {row[0] for row in raw.execute("SELECT summary FROM dossier")}
    finally:
        db.close()


def _flip_byte(path: Path, offset: int) -> None:
    with path.open("r+b") as handle:
        handle.seek(offset)
        byte = handle.read(1)
        handle.seek(offset)
        handle.write(bytes([byte[0] ^ 0xFF]))


# -- each damage: its message, nothing touched ---------------------------------------------------------


@pytest.mark.parametrize("case", list(DAMAGES))
def test_each_damage_is_refused_with_its_message_and_nothing_is_touched(counter: Path, case: str) -> None:
    expected, make = DAMAGES[case]
    path = counter / DB_FILENAME
    make(path)
    before = fingerprint(counter)
    backup = newest_backup(counter)
    assert backup is not None

    with pytest.raises(DamagedDatabaseError) as caught:
        Database.open(counter)

    error = caught.value
    assert error.damage is expected
    assert f"«{path}» {expected.value}:" in error.message
    assert str(backup.path) in error.message
    assert f"{backup.taken_at.astimezone(OFFICE_TZ):%H:%M ngày %d/%m/%Y}" in error.message
    assert "Đừng xoá" in error.message and "công nghệ thông tin của tỉnh" in error.message
    assert "Cách khôi phục" in error.message
    assert fingerprint(counter) == before
    wal = counter / f"{DB_FILENAME}-wal"
    assert not wal.exists() or wal.stat().st_size == 0  # at most the empty WAL a read-only reader makes


def test_the_message_says_when_there_is_no_backup(tmp_path: Path) -> None:
    path = build_counter(tmp_path / "counter", 5, backup=False)
    path.write_bytes(b"")
    with pytest.raises(DamagedDatabaseError) as caught:
        Database.open(tmp_path / "counter")
    assert caught.value.damage is Damage.EMPTY
    assert "Chưa có bản sao lưu nào" in caught.value.message
    assert "không tự tạo một quầy trống" in caught.value.message
    assert path.read_bytes() == b""


def test_the_newest_of_several_backups_is_named(counter: Path) -> None:
    from counter_app.storage.migrate import backup_database

    newer = backup_database(counter / DB_FILENAME, "later")
    (counter / DB_FILENAME).write_bytes(b"")
    with pytest.raises(DamagedDatabaseError) as caught:
        Database.open(counter)
    assert caught.value.backup is not None and caught.value.backup.path == newer


# -- the WAL: pages it holds count, a missing or garbled one is not damage ---------------------------


def test_a_short_file_whose_missing_pages_are_in_the_wal_opens_whole(counter: Path, tmp_path: Path) -> None:
    """VACUUM in WAL mode writes every page to the WAL: the file may then lose its tail (a checkpoint that
    died halfway) and SQLite still has every page."""
    image = crash_image(counter, tmp_path / "image", "VACUUM")
    os.truncate(image, (image.stat().st_size // PAGE_SIZE // 2) * PAGE_SIZE)
    assert _dossier_count(image.parent) == DOSSIERS


def test_a_short_file_whose_wal_is_garbled_is_truncated(counter: Path, tmp_path: Path) -> None:
    image = crash_image(counter, tmp_path / "image", "VACUUM")
    wal = Path(f"{image}-wal")
    _flip_byte(wal, 32 + 3 * (24 + PAGE_SIZE) + 24 + 100)  # in the 4th frame's page: the commit never counts
    os.truncate(image, (image.stat().st_size // PAGE_SIZE // 2) * PAGE_SIZE)
    before = fingerprint(image.parent)
    with pytest.raises(DamagedDatabaseError) as caught:
        Database.open(image.parent)
    assert caught.value.damage is Damage.TRUNCATED
    assert "thiếu" in caught.value.message and "-wal cũng không có" in caught.value.message
    assert fingerprint(image.parent) == before


def test_a_missing_wal_is_not_damage_what_it_held_is_lost(counter: Path, tmp_path: Path) -> None:
    """SQLite opens the file as of its last checkpoint: the commit that lived only in the WAL is gone."""
    image = crash_image(counter, tmp_path / "image", "UPDATE dossier SET summary = 'chỉ trong WAL'")
    assert _summaries(_copy(image, tmp_path / "intact")) == {"chỉ trong WAL"}
    Path(f"{image}-wal").unlink()
    summaries = _summaries(image.parent)
    assert "chỉ trong WAL" not in summaries and len(summaries) > 1


def test_a_garbled_wal_is_not_damage_sqlite_stops_at_the_bad_frame(counter: Path, tmp_path: Path) -> None:
    """Frames count only while their checksums chain: a garbled commit frame drops that transaction."""
    image = crash_image(counter, tmp_path / "image", "UPDATE dossier SET summary = 'chỉ trong WAL'")
    wal = Path(f"{image}-wal")
    _flip_byte(wal, wal.stat().st_size - 10)  # the last frame is the commit frame
    summaries = _summaries(image.parent)
    assert "chỉ trong WAL" not in summaries and len(summaries) > 1


def _copy(image: Path, target: Path) -> Path:
    shutil.copytree(image.parent, target)
    return target


# -- checks too slow for the start ---------------------------------------------------------------------


def _break_an_index(path: Path) -> None:
    """An index that no longer matches its table: quick_check does not look, integrity_check does."""
    with closing(sqlite3.connect(path, isolation_level=None)) as raw:
        version = raw.execute("PRAGMA schema_version").fetchone()[0]
        raw.execute("PRAGMA writable_schema=ON")
        raw.execute(
            "UPDATE sqlite_master SET sql = 'CREATE INDEX ix_dossier_applicant_phone ON dossier "
            "(applicant_id_number)' WHERE name = 'ix_dossier_applicant_phone'"
        )
        raw.execute(f"PRAGMA schema_version={version + 1}")


NOW = datetime(2026, 3, 10, 8, 0, tzinfo=OFFICE_TZ)


def test_the_full_check_runs_once_per_office_day(counter: Path) -> None:
    daily = DailyIntegrityCheck(counter / DB_FILENAME)
    assert daily.run_if_due(NOW)
    assert not daily.run_if_due(NOW + timedelta(hours=9))
    late = datetime(2026, 3, 10, 16, 59, tzinfo=UTC)  # 23:59 office time, still 10/3 at the counter
    assert not daily.run_if_due(late)
    assert daily.run_if_due(late + timedelta(minutes=2))  # 00:01 on 11/3 office time
    assert not daily.run_if_due(late + timedelta(hours=8))
    assert (counter / INTEGRITY_STATE_FILENAME).stat().st_mode & 0o077 == 0
    # A backup copied in place of the file is another file: checked again the same day.
    path = counter / DB_FILENAME
    shutil.copyfile(newest_backup(counter).path, path.with_name("restored"))  # type: ignore[union-attr]
    os.replace(path.with_name("restored"), path)
    assert daily.run_if_due(late + timedelta(hours=8))


def test_index_damage_is_found_by_the_daily_check_and_reported_until_fixed(counter: Path) -> None:
    path = counter / DB_FILENAME
    _break_an_index(path)
    before = fingerprint(counter)
    db = Database.open(counter)  # quick_check passes: it does not compare indexes with tables
    try:
        for _ in range(2):  # a failed check is not remembered as done
            with pytest.raises(DamagedDatabaseError) as caught:
                db.run_background_checks(NOW)
            assert caught.value.damage is Damage.CORRUPT
            assert "integrity_check" in caught.value.message
            assert "ix_dossier_applicant_phone" in caught.value.message
    finally:
        db.close()
    assert fingerprint(counter) == before


def test_a_big_file_gets_its_quick_check_in_the_background(counter: Path) -> None:
    """Above the size limit the start skips quick_check; `run_background_checks` owes it and does it."""
    db = Database.open(counter, quick_check_max_bytes=0)
    try:
        assert db.quick_check_pending
        assert db.run_background_checks(NOW) == "integrity_check"  # the day's full check covers it
        assert not db.quick_check_pending
        assert db.run_background_checks(NOW) is None
    finally:
        db.close()
    db = Database.open(counter, quick_check_max_bytes=0)
    try:
        assert db.run_background_checks(NOW) == "quick_check"  # the full check already passed today
    finally:
        db.close()


def test_a_background_check_gives_up_when_the_app_closes_and_stays_due(counter: Path) -> None:
    db = Database.open(counter)
    try:
        db.stop_background_checks()  # as the GUI does on exit, before waiting for its task runner
        assert db.run_background_checks(NOW) is None
    finally:
        db.close()
    assert DailyIntegrityCheck(counter / DB_FILENAME).due(NOW)
    assert not (counter / INTEGRITY_STATE_FILENAME).exists()


@pytest.mark.parametrize("trace", ["backup", "orphan-wal"])
def test_a_missing_file_in_a_folder_that_held_a_counter_is_not_a_first_start(
    counter: Path, tmp_path: Path, trace: str
) -> None:
    """E.g. the damaged file moved away to restore a backup, and the backup not yet copied in: a new empty
    counter there would look like one that lost everything (and a stale -wal would be replayed into it)."""
    if trace == "orphan-wal":
        image = crash_image(counter, tmp_path / "image", "UPDATE dossier SET summary = 'chỉ trong WAL'")
        shutil.rmtree(image.parent / "backups")
        counter = image.parent
    (counter / DB_FILENAME).unlink()
    before = fingerprint_without_db(counter)

    with pytest.raises(DamagedDatabaseError) as caught:
        Database.open(counter)

    assert caught.value.damage is Damage.MISSING
    assert f"«{counter / DB_FILENAME}» không còn" in caught.value.message
    assert ("bản sao lưu trong «backups»" if trace == "backup" else "tệp «counter.sqlite-wal»") in caught.value.message
    assert not (counter / DB_FILENAME).exists()
    assert fingerprint_without_db(counter) == before


def fingerprint_without_db(data_dir: Path) -> dict[str, str]:
    from tests.support.damaged_db import sha256

    return {p.name: sha256(p) for p in sorted(data_dir.rglob("*")) if p.is_file()}


def test_another_programs_sqlite_file_is_not_made_into_a_counter(tmp_path: Path) -> None:
    data_dir = tmp_path / "counter"
    data_dir.mkdir()
    path = data_dir / DB_FILENAME
    with closing(sqlite3.connect(path)) as other:  # rollback journal mode, as most programs leave it
        other.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total INTEGER)")
        other.execute("INSERT INTO invoices (total) VALUES (150000)")
        other.commit()
    before = path.read_bytes()
    with pytest.raises(DamagedDatabaseError) as caught:
        Database.open(data_dir)
    assert caught.value.damage is Damage.FOREIGN
    assert "invoices" in caught.value.message
    assert path.read_bytes() == before  # not even switched to WAL mode

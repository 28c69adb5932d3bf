"""The counter's files are private (0700 folders, 0600 files) and a new database appears whole or not at all."""

from __future__ import annotations

import logging
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from counter_app.services.unit_setup import NotSetUp, load_profile
from counter_app.storage.blobstore import BlobStore
from counter_app.storage.database import CREATING_SUFFIX, DB_FILENAME, SCHEMA_HEAD, Database
from counter_app.storage.migrate import backup_database, current_revision
from tests.support.damaged_db import build_counter, fingerprint

ROOT = Path(__file__).resolve().parents[2]
posix_only = pytest.mark.skipif(os.name != "posix", reason="file modes are a POSIX matter")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@posix_only
def test_a_fresh_counter_is_private_whatever_the_umask(tmp_path: Path) -> None:
    previous = os.umask(0o002)  # a lax umask: files would be 0664 without our care
    try:
        data_dir = tmp_path / "new" / "counter"
        db = Database.open(data_dir)
        with db.write() as session:  # the WAL and its index exist while a connection is open
            session.execute(text("CREATE TABLE probe (x)"))
        path = data_dir / DB_FILENAME
        assert mode(data_dir) == 0o700
        assert mode(path) == 0o600
        assert mode(Path(f"{path}-wal")) == 0o600
        assert mode(Path(f"{path}-shm")) == 0o600
        backup = backup_database(path, "test")
        assert mode(backup.parent) == 0o700 and mode(backup) == 0o600
        scan = tmp_path / "scan.pdf"
        scan.write_bytes(b"%PDF-1.4 scan")
        store = BlobStore(data_dir)
        sha, _ = store.put(scan)
        assert mode(store.root) == 0o700
        assert mode(store.path_of(sha).parent) == 0o700
        assert mode(store.path_of(sha)) == 0o600
        db.close()
    finally:
        os.umask(previous)


@posix_only
def test_world_readable_files_and_folders_are_tightened_at_open(tmp_path: Path, caplog) -> None:
    data_dir = tmp_path / "counter"
    path = build_counter(data_dir, 3)
    BlobStore(data_dir).put(path)  # any file will do as a scan
    opened_up = [data_dir, path, data_dir / "backups", *(data_dir / "backups").iterdir(), data_dir / "blobs"]
    for item in opened_up:
        os.chmod(item, 0o755 if item.is_dir() else 0o644)
    before = fingerprint(data_dir)

    with caplog.at_level(logging.WARNING):
        Database.open(data_dir).close()

    for item in opened_up:
        assert mode(item) == (0o700 if item.is_dir() else 0o600), item
    assert fingerprint(data_dir) == before  # only the modes changed
    logged = [r.getMessage() for r in caplog.records if "Đã thu hẹp quyền" in r.getMessage()]
    assert any(f"«{path}» từ 644 xuống 600" in line for line in logged)
    assert any(f"«{data_dir}» từ 755 xuống 700" in line for line in logged)


# -- creation: whole or not at all -----------------------------------------------------------------------

CREATE_SCRIPT = "import sys; from pathlib import Path; from counter_app.storage.database import Database; " \
                "Database.open(Path(sys.argv[1])).close()"


def _kill_while_creating(data_dir: Path) -> bool:
    """Start a first open in a real process and SIGKILL it as soon as its temporary file exists.

    True if the kill landed while the file was being built (the process had not finished by itself)."""
    process = subprocess.Popen([sys.executable, "-c", CREATE_SCRIPT, str(data_dir)], cwd=ROOT)
    try:
        while process.poll() is None:
            if data_dir.is_dir() and any(data_dir.glob(f"{DB_FILENAME}{CREATING_SUFFIX}*")):
                process.send_signal(signal.SIGKILL)
                break
            time.sleep(0.001)
    finally:
        returncode = process.wait(timeout=60)
    return returncode == -signal.SIGKILL


@posix_only
@pytest.mark.slow
def test_a_creation_killed_midway_leaves_no_file_to_mistake_for_the_counter(tmp_path: Path) -> None:
    killed_midway = 0
    for attempt in range(3):
        data_dir = tmp_path / f"attempt{attempt}"
        if not _kill_while_creating(data_dir):
            continue
        killed_midway += 1
        # Only the temporary file is left: the real name never held a half-made database.
        assert not (data_dir / DB_FILENAME).exists()
        assert list(data_dir.glob(f"{DB_FILENAME}{CREATING_SUFFIX}*"))
        # The next start builds a whole database beside the leftover, and it is a counter not yet set up.
        db = Database.open(data_dir)
        try:
            assert current_revision(db.engine) == SCHEMA_HEAD
            with pytest.raises(NotSetUp):
                load_profile(db)
        finally:
            db.close()
    assert killed_midway >= 1


def test_leftovers_of_a_dead_creation_are_never_opened_and_old_ones_are_removed(tmp_path: Path) -> None:
    data_dir = tmp_path / "counter"
    data_dir.mkdir()
    stale = data_dir / f"{DB_FILENAME}{CREATING_SUFFIX}424242"
    recent = data_dir / f"{DB_FILENAME}{CREATING_SUFFIX}434343"
    for leftover in (stale, recent, Path(f"{stale}-wal")):
        leftover.write_bytes(b"half-made")
    two_hours_ago = time.time() - 7200
    os.utime(stale, (two_hours_ago, two_hours_ago))
    os.utime(Path(f"{stale}-wal"), (two_hours_ago, two_hours_ago))

    db = Database.open(data_dir)
    try:
        assert current_revision(db.engine) == SCHEMA_HEAD
    finally:
        db.close()
    assert not stale.exists() and not Path(f"{stale}-wal").exists()
    assert recent.read_bytes() == b"half-made"  # another process may still be building it
    assert not list(data_dir.glob(f"{DB_FILENAME}{CREATING_SUFFIX}{os.getpid()}*"))  # ours is gone
    assert sorted(p.name for p in data_dir.iterdir() if p.name.startswith(DB_FILENAME)) == [
        DB_FILENAME, recent.name
    ]


def test_a_zero_byte_file_left_by_an_older_version_is_not_a_fresh_counter(tmp_path: Path) -> None:
    from counter_app.storage.integrity import Damage, DamagedDatabaseError

    data_dir = tmp_path / "counter"
    data_dir.mkdir()
    (data_dir / DB_FILENAME).write_bytes(b"")
    with pytest.raises(DamagedDatabaseError) as caught:
        Database.open(data_dir)
    assert caught.value.damage is Damage.EMPTY
    assert (data_dir / DB_FILENAME).read_bytes() == b""

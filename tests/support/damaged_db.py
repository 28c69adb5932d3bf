"""Real counter databases damaged the way disks, copies and crashes damage them.

Shared by the storage, CLI and GUI tests: each builds a real counter (unit, sample catalog, dossiers, a
backup), damages the file with plain file operations, and checks afterwards that nothing was touched.
"""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import sqlite3
from collections.abc import Callable
from contextlib import closing, suppress
from pathlib import Path

from counter_app.storage.database import DB_FILENAME
from counter_app.storage.integrity import BACKUP_DIRNAME, Damage

PAGE_SIZE = 4096


def build_counter(data_dir: Path, dossiers: int = 120, *, backup: bool = True) -> Path:
    """A set-up counter with `dossiers` demo dossiers and (by default) one backup; returns the file."""
    from counter_app.services.demo_data import generate_demo_dossiers
    from counter_app.storage.migrate import backup_database
    from tests.conftest import open_counter

    db = open_counter(data_dir)
    generate_demo_dossiers(db, dossiers, seed=3)
    if backup:
        backup_database(db.path, "nightly")
    db.close()
    return data_dir / DB_FILENAME


def crash_image(data_dir: Path, target_dir: Path, statement: str) -> Path:
    """What a power cut leaves: `statement` committed into the WAL and never checkpointed.

    The files are copied while the writing connection is still open (so its WAL is not yet folded into
    the file), into `target_dir`, with the backups. Returns the database path in `target_dir`.
    """
    source = data_dir / DB_FILENAME
    writer = sqlite3.connect(source, isolation_level=None)
    try:
        writer.execute("PRAGMA wal_autocheckpoint=0")
        writer.execute(statement)
        target_dir.mkdir(parents=True)
        shutil.copy(source, target_dir / DB_FILENAME)
        shutil.copy(f"{source}-wal", target_dir / f"{DB_FILENAME}-wal")
        if (data_dir / BACKUP_DIRNAME).is_dir():
            shutil.copytree(data_dir / BACKUP_DIRNAME, target_dir / BACKUP_DIRNAME)
    finally:
        writer.close()
    return target_dir / DB_FILENAME


def make_empty(path: Path) -> None:
    path.write_bytes(b"")


def make_random(path: Path) -> None:
    size = path.stat().st_size
    path.write_bytes(random.Random(11).randbytes(size))


def make_truncated(path: Path) -> None:
    os.truncate(path, path.stat().st_size // 2)


def make_garbage_page(path: Path) -> None:
    """Overwrite one page in the middle with random bytes, as a bad sector or a torn write does."""
    pages = path.stat().st_size // PAGE_SIZE
    with path.open("r+b") as handle:
        handle.seek((pages // 2) * PAGE_SIZE)
        handle.write(random.Random(7).randbytes(PAGE_SIZE))
    # The damage is real: SQLite itself reports it (or refuses to read at all).
    uri = f"{path.resolve().as_uri()}?mode=ro"
    with closing(sqlite3.connect(uri, uri=True)) as check, suppress(sqlite3.DatabaseError):
        assert check.execute("PRAGMA quick_check").fetchall() != [("ok",)]


DAMAGES: dict[str, tuple[Damage, Callable[[Path], None]]] = {
    "empty": (Damage.EMPTY, make_empty),
    "random-bytes": (Damage.NOT_SQLITE, make_random),
    "truncated-half": (Damage.TRUNCATED, make_truncated),
    "garbage-page": (Damage.CORRUPT, make_garbage_page),
}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fingerprint(data_dir: Path) -> dict[str, str]:
    """Hashes of everything that must survive a refused open: the file, a non-empty -wal, every backup file
    (the daily ones in backups/daily too: a damaged database is never copied over a good backup)."""
    found = {DB_FILENAME: sha256(data_dir / DB_FILENAME)}
    wal = data_dir / f"{DB_FILENAME}-wal"
    if wal.exists() and wal.stat().st_size:
        found[wal.name] = sha256(wal)
    backups = data_dir / BACKUP_DIRNAME
    for backup in sorted(backups.rglob("*")) if backups.is_dir() else ():
        if backup.is_file():
            found[backup.relative_to(data_dir).as_posix()] = sha256(backup)
    return found

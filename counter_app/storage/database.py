"""The counter's SQLite database: connection settings, transactions, and opening (with migration).

WAL with synchronous=FULL (a printed receipt must survive a power cut at a commune counter), foreign
keys on, and a busy timeout. Writes take the write lock up front (BEGIN IMMEDIATE) so two writers never
deadlock upgrading a read lock; reads use a deferred BEGIN and never block the writer in WAL mode.

Opening never makes things worse: an existing file is checked read-only first (storage/integrity.py)
and a damaged one is refused untouched; a new file is built under a temporary name and moved into place
only once migrated, so a crash while creating never leaves a file a later start would take for an empty
counter. The folder is 0700 and the file 0600 on POSIX (storage/private_files.py).
"""

from __future__ import annotations

import errno
import json
import logging
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from counter_app.domain.day_close import closed_day_refusal
from counter_app.domain.errors import DomainError
from counter_app.domain.restore import pullback_refusal
from counter_app.storage.blobstore import BLOBS_DIRNAME
from counter_app.storage.integrity import (
    BACKUP_DIRNAME,
    INTEGRITY_STATE_FILENAME,
    QUICK_CHECK_AT_START_MAX_BYTES,
    CheckCanceller,
    CheckInterrupted,
    DailyIntegrityCheck,
    Damage,
    check_before_open,
    check_missing,
    damaged,
    is_damage_error,
    read_only_connection,
    run_check,
)
from counter_app.storage.private_files import create_private_file, make_private_dir, tighten

log = logging.getLogger(__name__)

DB_FILENAME = "counter.sqlite"
# The newest migration. Opening a database already at this revision skips importing Alembic, which
# costs a quarter of a second at every start on a counter PC; a test keeps it equal to Alembic's head.
SCHEMA_HEAD = "0020"
BUSY_TIMEOUT_MS = 10_000


def create_sqlite_engine(path: Path) -> Engine:
    engine = create_engine(
        f"sqlite+pysqlite:///{path}",
        hide_parameters=True,  # an error's text (and so the log) never carries a citizen's name or ID number
        # Vietnamese in JSON columns as UTF-8, not \uXXXX escapes: about a third smaller on disk.
        json_serializer=lambda value: json.dumps(value, ensure_ascii=False),
        # isolation_level=None hands transaction control to SQLAlchemy's BEGIN below.
        connect_args={"isolation_level": None, "check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
    )

    @event.listens_for(engine, "connect")
    def _set_pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        immediate = connection.get_execution_options().get("immediate", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


class NewerDatabaseError(DomainError):
    """The database was written by a newer version of the app; opening it could damage it."""


class NotEnoughSpaceError(DomainError):
    """An upgrade was refused before writing anything: the disk cannot hold the backup and the migrated copy."""


class MigrationFailedError(DomainError):
    """A migration failed on a copy (storage/migrate.py); the counter's file is exactly as it was."""


class DatabaseAccessError(DomainError):
    """The database could not be opened or read for a reason other than damage (locked, no permission,
    disk full …). The message names the file and says what to try."""

    def __init__(self, path: Path, error: BaseException) -> None:
        self.path = path
        text = str(error).lower()
        if "locked" in text or "busy" in text:
            reason = "đang bị một chương trình khác giữ (có thể một cửa sổ ứng dụng quầy khác đang mở)"
        elif isinstance(error, PermissionError) or "readonly" in text or "permission" in text:
            reason = "không đọc hoặc ghi được vì tài khoản này không có quyền trên tệp hay thư mục"
        elif getattr(error, "errno", None) == errno.ENOSPC or "disk is full" in text:
            reason = "không ghi được vì ổ đĩa đã đầy"
        else:
            reason = f"gặp lỗi {type(error).__name__}: «{str(error)[:200]}»"
        super().__init__(
            f"Không truy cập được cơ sở dữ liệu của quầy «{path}»: {reason}. Dữ liệu đã lưu không bị thay đổi. "
            "Hãy đóng các cửa sổ ứng dụng quầy khác rồi thử lại; nếu vẫn lỗi, hãy gọi bộ phận công nghệ "
            "thông tin của tỉnh."
        )


def database_failure(path: Path, error: BaseException) -> DomainError:
    """The clerk's message for an sqlite3/SQLAlchemy/OS error on the counter's database: damage when
    SQLite says the bytes are wrong, else an access problem."""
    cause = getattr(error, "orig", None) or error  # SQLAlchemy wraps the driver's error
    if isinstance(cause, sqlite3.DatabaseError) and is_damage_error(cause):
        return damaged(path, Damage.CORRUPT, f"SQLite báo lỗi khi đọc: «{str(cause)[:200]}».")
    return DatabaseAccessError(path, cause)


def stored_revision(path: Path) -> str | None:
    """The file's schema revision, read-only (no Alembic import: it costs a quarter of a second)."""
    connection = read_only_connection(path)
    try:
        exists = connection.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='alembic_version'")
        if not exists.fetchone():
            return None
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        return None if row is None else str(row[0])
    finally:
        connection.close()


class Database:
    """One open counter database. Use `write()` for a unit of work, `read()` for queries."""

    def __init__(self, path: Path, engine: Engine, *, quick_check_pending: bool = False) -> None:
        self.path = path
        self.engine = engine
        # True when the file was too big for quick_check at start: run_background_checks() owes it.
        self.quick_check_pending = quick_check_pending
        self._checks = CheckCanceller()
        self._writer = sessionmaker(bind=engine.execution_options(immediate=True), expire_on_commit=False)
        self._reader = sessionmaker(bind=engine, expire_on_commit=False)

    @classmethod
    def open(
        cls, data_dir: Path, *, migrate: bool = True, quick_check_max_bytes: int = QUICK_CHECK_AT_START_MAX_BYTES
    ) -> Database:
        """Open (creating if needed) the database in `data_dir`, migrating it to the current schema.

        Raises `DamagedDatabaseError` for an empty, foreign, truncated or corrupt file (left untouched),
        `NewerDatabaseError` for a file written by a newer version of the app, and `DatabaseAccessError`
        when SQLite or the system refuses for another reason. Files above `quick_check_max_bytes` are
        opened without quick_check; `run_background_checks()` does it.
        """
        path = data_dir / DB_FILENAME
        engine: Engine | None = None
        try:
            make_private_dir(data_dir)
            _tighten_data_files(data_dir)
            pending = False
            if not path.exists():
                check_missing(path)
                _create_database(path)
            else:
                pending = path.stat().st_size > quick_check_max_bytes
                check_before_open(path, quick_check=not pending)
                if migrate and stored_revision(path) != SCHEMA_HEAD:
                    from counter_app.storage.migrate import upgrade_file

                    upgrade_file(path)  # on a copy, swapped in whole: a failure leaves the file as it was
            engine = create_sqlite_engine(path)
            return cls(path, engine, quick_check_pending=pending)
        except DomainError:
            if engine is not None:
                engine.dispose()
            raise
        except (SQLAlchemyError, sqlite3.Error, OSError) as error:
            if engine is not None:
                engine.dispose()
            raise database_failure(path, error) from error

    def run_background_checks(self, now: datetime) -> str | None:
        """The checks too slow for the start, for a worker thread: the day's full integrity_check if none
        has passed today, else a quick_check still owed by a big file. Returns which one ran; damage
        raises `DamagedDatabaseError`."""
        try:
            if DailyIntegrityCheck(self.path).run_if_due(now, self._checks):
                self.quick_check_pending = False
                return "integrity_check"
            if self.quick_check_pending:
                run_check(self.path, "quick_check", self._checks)
                self.quick_check_pending = False
                return "quick_check"
        except CheckInterrupted:
            return None
        except (sqlite3.Error, OSError) as error:
            raise database_failure(self.path, error) from error
        return None

    def stop_background_checks(self) -> None:
        """Make a running background check give up at once (the app is closing); nothing is recorded."""
        self._checks.cancel()

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A write transaction: committed when the block ends, rolled back on any exception. A write the
        database refuses because its day is closed (triggers of migration 0015) comes out as the clerk's
        `DayClosedError`, whichever service tried it; what was saved before stays."""
        try:
            with self._writer() as session, session.begin():
                yield session
        except (SQLAlchemyError, sqlite3.Error) as error:
            refusal = closed_day_refusal(error) or pullback_refusal(error)
            if refusal is None:
                raise
            raise refusal from error

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._reader() as session, session.begin():
            yield session

    def close(self) -> None:
        self.stop_background_checks()
        self.engine.dispose()


# -- creating and tightening -------------------------------------------------------------------------

CREATING_SUFFIX = ".creating-"
STALE_CREATION_SECONDS = 3600


def _create_database(path: Path) -> None:
    """Build a new database under a temporary name, migrate it, then move it into place.

    The temporary file is created 0600 before SQLite sees it (SQLite gives -wal and -shm the same mode).
    It is published with a link that fails if the name exists, so two first starts racing never replace
    each other's file; the loser simply opens the winner's. Leftovers of a creation that died (older than
    an hour: a creation takes well under a second) are removed: they never held a clerk's data.
    """
    from counter_app.storage.migrate import upgrade_to_head

    for leftover in path.parent.glob(f"{path.name}{CREATING_SUFFIX}*"):
        with suppress(FileNotFoundError):  # another process may be tidying up too
            if time.time() - leftover.stat().st_mtime > STALE_CREATION_SECONDS:
                leftover.unlink()
    temporary = path.with_name(f"{path.name}{CREATING_SUFFIX}{os.getpid()}")
    for stale in (temporary, Path(f"{temporary}-wal"), Path(f"{temporary}-shm")):
        stale.unlink(missing_ok=True)  # our own pid's: a previous process with this id died creating
    create_private_file(temporary)
    engine = create_sqlite_engine(temporary)
    try:
        upgrade_to_head(engine, temporary)
    finally:
        engine.dispose()
    fsync_whole_file(temporary)
    _publish(temporary, path)


def fsync_whole_file(path: Path) -> None:
    """A database built, migrated or restored under a temporary name, once its engine is disposed (the last
    connection checkpoints the WAL into the file and deletes it): check that no -wal is left, then fsync it,
    so that the rename that follows puts one whole file in place. OSError if SQLite left a -wal."""
    if Path(f"{path}-wal").exists():
        raise OSError(errno.EIO, "SQLite còn để lại tệp -wal, bản sao chưa trọn", f"{path}-wal")
    with path.open("rb+") as handle:
        os.fsync(handle.fileno())


def _publish(temporary: Path, path: Path) -> None:
    try:
        os.link(temporary, path)  # fails if `path` exists: never replaces a database
    except FileExistsError:
        log.info("Cơ sở dữ liệu «%s» vừa được một tiến trình khác tạo; dùng tệp đó.", path)
    except OSError:  # a file system without hard links: rename, which on Windows also refuses to replace
        if path.exists():
            raise
        os.rename(temporary, path)
    temporary.unlink(missing_ok=True)
    Path(f"{temporary}-shm").unlink(missing_ok=True)
    fsync_directory(path.parent)


def fsync_directory(folder: Path) -> None:
    """Make a new or renamed name in `folder` durable (POSIX); Windows has no directory fsync."""
    if hasattr(os, "O_DIRECTORY"):
        descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def _tighten_data_files(data_dir: Path) -> None:
    """Our files and folders that an older version made world-readable lose group/other access (the mode
    only). Only ours: a data folder given on the command line may hold other files."""
    for name in (DB_FILENAME, f"{DB_FILENAME}-wal", f"{DB_FILENAME}-shm", INTEGRITY_STATE_FILENAME):
        tighten(data_dir / name)
    backups = data_dir / BACKUP_DIRNAME
    tighten(backups)
    for backup in backups.iterdir() if backups.is_dir() else ():
        tighten(backup)
    tighten(data_dir / BLOBS_DIRNAME)  # the blob files inside are unreachable through a 0700 folder

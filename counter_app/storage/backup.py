"""Backup copies of the counter's database: consistent, checked, private, named, and only the last N kept.

A copy is taken with SQLite's online backup API (a plain file copy can miss pages still in the -wal, or
catch a page halfway through a write), a few hundred pages per step so a large file never holds the
database for long, into a temporary name in the target folder. The copy is switched to a single
self-contained file (journal_mode=DELETE), fsynced, checked (`PRAGMA integrity_check`, and that it is a
counter database at a schema this app knows) and only then renamed into place, 0600 on POSIX. A copy
that fails any step is deleted: the folder never holds a half-written backup under a backup's name.

Names are `<unit>-<desk>-<YYYYMMDD-HHMMSS>[-<label>].sqlite` in office time (Asia/Ho_Chi_Minh), so the
newest sorts last and a person can tell whose and when; `prune_backups` deletes only files of that shape
for the same unit and desk, never anything else the folder holds (a USB stick has other files).

The checks of an untrusted file (one handed to `counter-app restore`) live here too: `inspect_counter_file`.
"""

from __future__ import annotations

import errno
import os
import re
import sqlite3
import stat
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path

from counter_app.domain.errors import DomainError, os_error_words
from counter_app.domain.formats import file_stamp, parse_file_stamp
from counter_app.storage.database import NewerDatabaseError, fsync_directory
from counter_app.storage.private_files import create_private_file

PAGES_PER_STEP = 256  # 1 MB with 4 kB pages: the live database is never held for long
PARTIAL_SUFFIX = ".partial"
_NAME = re.compile(
    r"^(?P<unit>\d{3}\.\d{2}\.\d{2}\.[GH]\d{2})-(?P<desk>\d)-(?P<stamp>\d{8}-\d{6})(?:-(?P<label>[a-z0-9-]{1,40}))?\.sqlite$"
)
SQLITE_MAGIC = b"SQLite format 3\x00"


@cache
def known_revisions() -> frozenset[str]:
    """Every schema revision this version of the app knows (a file at another one is from a newer app)."""
    from alembic.script import ScriptDirectory

    from counter_app.storage.migrate import alembic_config

    return frozenset(script.revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions())


class BackupError(DomainError):
    """A backup could not be made; the message says why and that the database itself is untouched."""


@dataclass(frozen=True)
class BackupFile:
    path: Path
    unit_code: str
    desk_slot: int
    taken_at: datetime  # office time, from the name
    label: str


@dataclass(frozen=True)
class CounterFileInfo:
    """What a counter database file says about itself (read-only)."""

    revision: str
    unit_code: str | None
    desk_slot: int | None
    device_id: str | None  # the sync device it was enrolled as, None if never enrolled
    dossiers: int


def backup_name(unit_code: str, desk_slot: int, at: datetime, label: str = "") -> str:
    stamp = file_stamp(at)
    return f"{unit_code}-{desk_slot}-{stamp}{'-' + label if label else ''}.sqlite"


def parse_backup_name(path: Path) -> BackupFile | None:
    """The backup this app named `path`, or None for any other file."""
    match = _NAME.match(path.name)
    if not match:
        return None
    taken = parse_file_stamp(match["stamp"])
    if taken is None:
        return None
    return BackupFile(path, match["unit"], int(match["desk"]), taken, match["label"] or "")


def list_backups(folder: Path, unit_code: str | None = None, desk_slot: int | None = None) -> list[BackupFile]:
    """This app's backups in `folder` (of one unit and desk if given), oldest first; [] if unreadable."""
    try:
        entries = list(folder.iterdir())
    except OSError:
        return []
    found = [b for e in entries if (b := parse_backup_name(e)) is not None and e.is_file()]
    found = [b for b in found if (unit_code is None or b.unit_code == unit_code)
             and (desk_slot is None or b.desk_slot == desk_slot)]
    return sorted(found, key=lambda b: (b.taken_at, b.path.name))


def prune_backups(folder: Path, unit_code: str, desk_slot: int, keep: int, *, label: str = "") -> list[Path]:
    """Delete the oldest backups of this unit and desk (with this label) beyond the newest `keep`."""
    mine = [b for b in list_backups(folder, unit_code, desk_slot) if b.label == label]
    deleted = []
    for old in mine[: max(0, len(mine) - max(1, keep))]:
        try:
            old.path.unlink()
            deleted.append(old.path)
        except FileNotFoundError:
            pass
    return deleted


def copy_database(source: Path, target: Path, known: frozenset[str], *, read_only_source: bool = False) -> CounterFileInfo:
    """Copy the live database at `source` to `target` (which must not exist) and check the copy.

    `read_only_source`: a file handed in (a backup to restore) is read with `immutable=1`, so nothing is
    written beside it; the live database is read normally, its -wal included.

    Raises `OSError` (folder missing, disk full, no permission) or `BackupError` (the copy does not check
    out); either way nothing is left at `target` and the source is untouched.
    """
    try:
        # mode=rw: never create an empty database where the source was expected.
        mode = "ro&immutable=1" if read_only_source else "rw"
        live = sqlite3.connect(f"{source.resolve().as_uri()}?mode={mode}", uri=True, timeout=10)
    except sqlite3.Error as error:
        raise OSError(errno.ENOENT, "không mở được", str(source)) from error
    try:
        return copy_connection(live, target, lambda partial: inspect_counter_file(partial, known))
    finally:
        live.close()


def copy_connection(live: sqlite3.Connection, target: Path,
                    check: Callable[[Path], CounterFileInfo] | None = None) -> CounterFileInfo | None:
    """Copy what `live` reads into `target` (which must not exist) with the online backup API: a partial
    file, one self-contained file (no -wal), fsynced, `check`ed, then renamed into place and the folder
    fsynced. Also the one copy the upgrade makes (storage/migrate.py), through its holding connection."""
    if target.exists():
        raise FileExistsError(errno.EEXIST, "đã có tệp", str(target))
    partial = target.with_name(f"{target.name}.{os.getpid()}{PARTIAL_SUFFIX}")
    partial.unlink(missing_ok=True)
    create_private_file(partial)
    try:
        try:
            copy = sqlite3.connect(partial)
            try:
                live.backup(copy, pages=PAGES_PER_STEP)
                copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
            finally:
                copy.close()
        except sqlite3.Error as error:
            if "disk is full" in str(error):
                raise OSError(errno.ENOSPC, "ổ đĩa đã đầy", str(target)) from error
            if "unable to open" in str(error):
                raise OSError(errno.ENOENT, "không mở được", str(target)) from error
            raise BackupError(f"SQLite không chép được cơ sở dữ liệu ({str(error)[:200]}); bản sao chưa được tạo, "
                              "cơ sở dữ liệu không bị thay đổi.") from error
        with partial.open("rb+") as handle:
            os.fsync(handle.fileno())
        info = check(partial) if check is not None else None
        if target.exists():
            raise FileExistsError(errno.EEXIST, "đã có tệp", str(target))
        os.replace(partial, target)
        fsync_directory(target.parent)
        return info
    except BaseException:
        for leftover in (partial, Path(f"{partial}-journal")):
            leftover.unlink(missing_ok=True)
        raise


# -- what a file is ----------------------------------------------------------------------------------


class NotACounterBackup(DomainError):
    """The file is not a whole counter database this app can take; nothing was changed."""


def inspect_counter_file(path: Path, known: frozenset[str]) -> CounterFileInfo:
    """Check, read-only, that `path` is a whole counter database at a schema this app knows.

    The file is untrusted: each way it can be wrong gets its own Vietnamese message. It is opened with
    `immutable=1`, so SQLite writes nothing beside it (no -wal or -shm on a USB stick) and ignores any
    -wal lying there: a backup is one file.
    """
    where = f"Tệp «{path}»"
    try:
        status = path.stat()
        if not stat.S_ISREG(status.st_mode):  # a fifo would block the open for ever, a device never ends
            kind = "một thư mục" if stat.S_ISDIR(status.st_mode) else "một tệp đặc biệt của hệ điều hành"
            raise NotACounterBackup(f"{where} là {kind}, không phải tệp sao lưu; hãy chọn tệp .sqlite của quầy.")
        size = status.st_size
        with path.open("rb") as handle:
            header = handle.read(100)
    except FileNotFoundError:
        raise NotACounterBackup(f"{where} không tồn tại.") from None
    except PermissionError:
        raise NotACounterBackup(f"{where} không đọc được: tài khoản này không có quyền đọc tệp.") from None
    except OSError as error:
        raise NotACounterBackup(f"{where} không đọc được ({os_error_words(error, 'thư mục chứa tệp')}).") from None
    if size == 0:
        raise NotACounterBackup(f"{where} rỗng (0 byte), không phải bản sao lưu của quầy.")
    if not header.startswith(SQLITE_MAGIC):
        raise NotACounterBackup(f"{where} không phải tệp cơ sở dữ liệu SQLite (có thể chọn nhầm tệp).")
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big") if header[24:28] == header[92:96] else 0
    if len(header) < 100 or page_size < 512 or size < pages * page_size or size % page_size:
        raise NotACounterBackup(
            f"{where} bị cắt cụt hoặc chép chưa hết ({size:,} byte); hãy chép lại bản sao lưu rồi thử lại."
            .replace(",", ".")
        )
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
    except sqlite3.Error as error:
        raise NotACounterBackup(f"{where} không mở được ({error}).") from None
    try:
        problems = [row[0] for row in connection.execute("PRAGMA integrity_check")]
        if problems != ["ok"]:
            raise NotACounterBackup(
                f"{where} bị hỏng: SQLite tìm thấy {len(problems)} lỗi (lỗi đầu tiên: «{problems[0][:200]}»)."
            )
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "alembic_version" not in tables or "unit_profile" not in tables:
            raise NotACounterBackup(f"{where} là cơ sở dữ liệu SQLite của chương trình khác, không phải của ứng dụng quầy.")
        revision = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        if revision is None or revision[0] not in known:
            shown = revision[0] if revision else "không rõ"
            raise NewerDatabaseError(
                f"{where} được tạo bởi một phiên bản mới hơn của ứng dụng quầy (lược đồ {shown}). Hãy cài phiên "
                "bản mới nhất của ứng dụng rồi khôi phục lại."
            )
        profile = connection.execute("SELECT unit_code, desk_slot FROM unit_profile").fetchone()
        device = connection.execute("SELECT device_id FROM sync_state").fetchone() if "sync_state" in tables else None
        dossiers = connection.execute("SELECT count(*) FROM dossier").fetchone()[0] if "dossier" in tables else 0
    except sqlite3.DatabaseError as error:
        if isinstance(error, sqlite3.OperationalError) and "no such" in str(error):
            raise NotACounterBackup(f"{where} thiếu bảng của ứng dụng quầy ({error}).") from None
        raise NotACounterBackup(f"{where} bị hỏng: SQLite không đọc được ({str(error)[:200]}).") from None
    finally:
        connection.close()
    return CounterFileInfo(revision=revision[0], unit_code=profile[0] if profile else None,
                           desk_slot=profile[1] if profile else None, device_id=device[0] if device else None,
                           dossiers=int(dossiers))

"""Restoring the counter's database from a backup file (`counter-app restore FILE`).

The file is untrusted (storage/backup.inspect_counter_file: not SQLite, truncated, damaged, another
program's, a newer schema), and must be this counter's: the same unit, the same desk and, once enrolled,
the same sync device. Nothing changes until every check passed. Then, alone in the data folder
(storage/folder_lock.py: the app and every command mark it in use):

1. the current database is backed up (`backups/<unit>-<desk>-<stamp>-truoc-khoi-phuc.sqlite`), or, if it
   is too damaged for that, moved whole (with its -wal) into `backups/hong-<stamp>/`;
2. the file is copied beside the database under a temporary name, migrated to the current schema, and
   marked restored: a new device epoch (sequence numbers the province already holds are never reused), the
   province's feed pulled again from the start, and `pullback_pending`, so that the next sync takes the
   counter's own dossiers back from the province before any new code is issued (migration 0019);
3. the copy is fsynced and renamed over the database in one step.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from counter_app.domain.errors import DomainError, os_error_words
from counter_app.domain.formats import file_stamp
from counter_app.services.clock import utc_now
from counter_app.storage.backup import (
    BackupError,
    CounterFileInfo,
    NotACounterBackup,
    backup_name,
    copy_database,
    inspect_counter_file,
    known_revisions,
)
from counter_app.storage.database import DB_FILENAME, create_sqlite_engine, fsync_directory, fsync_whole_file
from counter_app.storage.folder_lock import ExclusiveFolder
from counter_app.storage.integrity import BACKUP_DIRNAME
from counter_app.storage.migrate import upgrade_to_head
from counter_app.storage.private_files import make_private_dir
from counter_app.storage.schema_check import schema_differences
from counter_app.storage.sync_store import epoch_base, get_state

RESTORING_SUFFIX = ".restoring-"
SAFETY_LABEL = "truoc-khoi-phuc"


@dataclass(frozen=True)
class RestoreOutcome:
    restored: CounterFileInfo
    safety_backup: Path | None  # the database as it was, backed up first
    moved_aside: Path | None  # or, when it could not be read, the folder its files were moved to
    pullback_pending: bool  # enrolled: the next sync takes the counter's own dossiers back


def _current_identity(path: Path) -> CounterFileInfo | None:
    """Unit, desk and device of the database in place (its -wal included), None if it cannot be read."""
    if not path.exists():
        return None
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=10)
        try:
            profile = connection.execute("SELECT unit_code, desk_slot FROM unit_profile").fetchone()
            device = connection.execute("SELECT device_id FROM sync_state").fetchone()
            revision = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        finally:
            connection.close()
    except sqlite3.Error:
        return None
    return CounterFileInfo(revision=revision[0] if revision else "", unit_code=profile[0] if profile else None,
                           desk_slot=profile[1] if profile else None, device_id=device[0] if device else None,
                           dossiers=0)


def _check_same_counter(restored: CounterFileInfo, current: CounterFileInfo | None, source: Path) -> None:
    if current is None or current.unit_code is None:
        return  # nothing to compare with: a fresh or unreadable folder takes the backup as it is
    if restored.unit_code != current.unit_code:
        raise NotACounterBackup(
            f"Tệp «{source}» là bản sao lưu của đơn vị {restored.unit_code or 'chưa thiết lập'}, không phải của đơn vị "
            f"{current.unit_code} đang dùng ở máy này. Chưa có gì bị thay đổi; hãy chọn bản sao lưu của đúng quầy."
        )
    if restored.desk_slot != current.desk_slot:
        raise NotACounterBackup(
            f"Tệp «{source}» là bản sao lưu của quầy số {restored.desk_slot}, còn máy này là quầy số "
            f"{current.desk_slot}. Chưa có gì bị thay đổi; hãy chọn bản sao lưu của đúng quầy."
        )
    if restored.device_id and current.device_id and restored.device_id != current.device_id:
        raise NotACounterBackup(
            f"Tệp «{source}» là bản sao lưu của một máy quầy khác đã đăng ký với máy chủ tỉnh (mã thiết bị "
            f"{restored.device_id[:8]}…). Chưa có gì bị thay đổi; hãy chọn bản sao lưu của chính máy này."
        )


def _check_whole_copy(source: Path, target: Path) -> None:
    """Refuse the database in use itself, and a file with a -wal beside it: a backup is read as one file
    (immutable), so the commits still in that -wal would be dropped without a word."""
    try:
        same = target.exists() and source.exists() and os.path.samefile(source, target)
        wal = Path(f"{source}-wal")
        pending = wal.is_file() and wal.stat().st_size > 0
    except OSError:
        return  # inspect_counter_file says what is wrong with the file
    if same:
        raise NotACounterBackup(f"Tệp «{source}» là chính cơ sở dữ liệu quầy đang dùng, không phải bản sao lưu. Chưa "
                                "có gì bị thay đổi; hãy chọn một tệp sao lưu.")
    if pending:
        raise NotACounterBackup(
            f"Bên cạnh tệp «{source}» còn tệp «{wal.name}» chứa những thay đổi chưa gộp vào tệp: đây là bản chép của "
            "một cơ sở dữ liệu đang mở, khôi phục nó sẽ mất những thay đổi đó. Chưa có gì bị thay đổi; hãy dùng bản "
            "sao lưu do ứng dụng tạo (counter-app backup --out TỆP), hoặc mở tệp đó bằng ứng dụng rồi đóng lại trước."
        )


def restore_database(data_dir: Path, source: Path, *, now: datetime | None = None) -> RestoreOutcome:
    """Replace the counter's database with the backup at `source`; see the module's docstring."""
    now = now or utc_now()
    known = known_revisions()
    target = data_dir / DB_FILENAME
    _check_whole_copy(source, target)
    restored = inspect_counter_file(source, known)
    with ExclusiveFolder(data_dir):  # no window, no sync, no other command on this folder meanwhile
        current = _current_identity(target)
        _check_same_counter(restored, current, source)
        backups = make_private_dir(data_dir / BACKUP_DIRNAME)
        staged = target.with_name(f"{target.name}{RESTORING_SUFFIX}{os.getpid()}")
        _remove(staged)
        try:
            copy_database(source, staged, known, read_only_source=True)
            pending = _migrate_and_mark(staged, source)
            safety, aside = _set_current_aside(target, current, backups, known, now)
            os.replace(staged, target)
            fsync_directory(data_dir)
        except BaseException:
            _remove(staged)
            raise
    return RestoreOutcome(restored, safety, aside, pending)


def _migrate_and_mark(path: Path, source: Path) -> bool:
    """Bring the staged copy to the current schema, check it is exactly the app's, and mark it restored;
    True if a pull-back is owed. Whatever the copy's own triggers did meanwhile stays in the copy."""
    engine = create_sqlite_engine(path)
    try:
        try:
            upgrade_to_head(engine, path)  # a private copy: the source file itself is the backup of its schema
        except (SQLAlchemyError, sqlite3.Error) as error:
            detail = str(getattr(error, "orig", None) or error).splitlines()[0][:200]
            raise NotACounterBackup(
                f"Tệp «{source}» không nâng cấp được lên phiên bản hiện tại của ứng dụng quầy (SQLite báo: {detail}). "
                "Chưa có gì bị thay đổi; hãy khôi phục từ một bản sao lưu khác do ứng dụng quầy tạo."
            ) from None
        _check_schema(path, source)
        with Session(engine) as session, session.begin():
            state = get_state(session)
            if state is not None:
                state.device_epoch = str(uuid.uuid4())
                state.epoch_base_seq = epoch_base(session)
                state.server_audit_seq, state.server_audit_hash = 0, ""
                state.pull_cursor = 0  # the province's status changes since the backup come again
                state.pullback_pending = True
    finally:
        engine.dispose()
    try:
        fsync_whole_file(path)
    except OSError as error:
        raise BackupError(f"Bản khôi phục chưa trọn ({os_error_words(error, 'thư mục dữ liệu')}); chưa có gì bị thay đổi.") from error
    return state is not None


def _check_schema(path: Path, source: Path) -> None:
    """Refuse a copy whose tables, indexes, triggers or views are not exactly the app's (storage/schema_check.py)."""
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=10)
    try:
        differences = schema_differences(connection)
    finally:
        connection.close()
    if differences:
        shown = "; ".join(differences[:3]) + (f"; và {len(differences) - 3} chỗ khác" if len(differences) > 3 else "")
        raise NotACounterBackup(
            f"Tệp «{source}» không phải bản sao lưu nguyên vẹn của ứng dụng quầy: cấu trúc cơ sở dữ liệu đã bị sửa "
            f"ngoài ứng dụng ({shown}). Chưa có gì bị thay đổi; hãy khôi phục từ một bản sao lưu do ứng dụng quầy tạo."
        )


def _set_current_aside(target: Path, current: CounterFileInfo | None, backups: Path, known: frozenset[str],
                       now: datetime) -> tuple[Path | None, Path | None]:
    """Back up the database in place (or move it aside if it cannot be read) and leave no -wal behind."""
    wal, shm = Path(f"{target}-wal"), Path(f"{target}-shm")
    if not target.exists() and not wal.exists():
        return None, None
    if current is not None and current.unit_code is not None:
        safety = backups / backup_name(current.unit_code, current.desk_slot or 0, now, SAFETY_LABEL)
        try:
            copy_database(target, safety, known)
            connection = sqlite3.connect(f"{target.resolve().as_uri()}?mode=rw", uri=True, timeout=10)
            try:
                connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                connection.close()
            for leftover in (wal, shm):
                _remove(leftover)
            return safety, None
        except (OSError, sqlite3.Error, DomainError):
            pass  # damaged after all: kept whole below instead
    aside = make_private_dir(backups / f"hong-{file_stamp(now)}")
    for path in (target, wal, shm):
        if path.exists():
            shutil.move(str(path), str(aside / path.name))
    fsync_directory(aside)
    return None, aside


def _remove(path: Path) -> None:
    for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
        leftover.unlink(missing_ok=True)

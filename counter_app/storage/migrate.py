"""Schema migrations at start: refuse newer files, check the free space, back up, upgrade a copy, swap it in.

Alembic is configured in code with the migrations shipped as package data (they must exist as files,
also in a PyInstaller build). An existing counter file is never migrated in place (docs/upgrades.md):

1. its revision is read through a read-only connection; a newer file is refused untouched;
2. the disk must hold the backup plus the migrated copy (`NotEnoughSpaceError`, nothing written);
3. the file is held exclusively (refused while another app window has it open, so nothing writes into
   a file about to be replaced), then a consistent copy is taken with SQLite's online backup API into
   `backups/` (a plain file copy can miss pages still in the WAL);
4. a second copy is migrated under a temporary name beside the file, checkpointed and fsynced;
5. only then does it replace the file (an atomic rename). A migration that fails leaves the original
   file byte-identical and says so (`MigrationFailedError`, with where the backup is).
"""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import sys
from contextlib import closing
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from counter_app.services.clock import utc_now
from counter_app.storage.backup import copy_connection
from counter_app.storage.database import (
    MigrationFailedError,
    NewerDatabaseError,
    NotEnoughSpaceError,
    create_sqlite_engine,
    fsync_directory,
    fsync_whole_file,
    stored_revision,
)
from counter_app.storage.integrity import BACKUP_DIRNAME, BACKUP_STAMP, read_only_connection
from counter_app.storage.private_files import make_private_dir

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
MIGRATING_SUFFIX = ".migrating-"
# Room kept for what the migrations add (new tables and indexes) and for the file system's own needs.
GROWTH_MARGIN_BYTES = 1 << 20
GROWTH_MARGIN_FRACTION = 0.10
MB = 1 << 20
KEEP_SAFETY_BACKUPS = 5  # copies taken before upgrades and updates (the daily ones: services/backups.py)
# How long to wait for a moment when nothing else holds the file (a sync finishing); another app window
# keeps it open for good, and then the upgrade is refused soon with the usual "in use" message.
HOLD_TIMEOUT_SECONDS = 1.0


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def backup_database(path: Path, label: str, source: sqlite3.Connection | None = None) -> Path:
    """Copy the live database with the online backup API into `backups/` beside it (0700, files 0600).

    The source is opened read-only (or is the caller's connection holding the file), so taking the copy
    never checkpoints or otherwise touches the file."""
    target_dir = make_private_dir(path.parent / BACKUP_DIRNAME)
    stamp = utc_now().strftime("%Y%m%dT%H%M%S%fZ")
    target = target_dir / f"{path.stem}-{label}-{stamp}.sqlite"
    if source is not None:
        copy_connection(source, target)
    else:
        with closing(read_only_connection(path)) as read_only:
            copy_connection(read_only, target)
    prune_safety_backups(target_dir, path.stem)
    return target


def prune_safety_backups(folder: Path, stem: str, keep: int = KEEP_SAFETY_BACKUPS) -> list[Path]:
    """Keep the newest `keep` of the copies `backup_database` names (`<stem>-<label>-<stamp>Z.sqlite`: before
    each upgrade and each update, whatever the label); without this every release adds a whole copy of the
    database to `backups/` for ever. Daily backups (storage/backup.py's names) and any other file stay."""
    mine = sorted((stamp.group(1) + stamp.group(2).ljust(6, "0"), entry) for entry in folder.glob(f"{stem}-*Z.sqlite")
                  if (stamp := BACKUP_STAMP.search(entry.name)) and entry.is_file())
    deleted = []
    for _, old in mine[: max(0, len(mine) - max(1, keep))]:
        old.unlink(missing_ok=True)
        deleted.append(old)
    return deleted


def _hold_alone(path: Path) -> sqlite3.Connection:
    """A connection that holds the file exclusively until closed, refused ("database is locked") while any
    other connection has it open, even idle: no other app window may keep writing into a file about to be
    replaced. Taking the lock writes nothing."""
    connection = sqlite3.connect(path, timeout=HOLD_TIMEOUT_SECONDS, isolation_level=None)
    try:
        connection.execute("PRAGMA locking_mode=EXCLUSIVE")
        connection.execute("BEGIN EXCLUSIVE")
        connection.execute("COMMIT")  # in EXCLUSIVE locking mode the lock outlives the transaction
    except BaseException:
        connection.close()
        raise
    return connection


def space_needed(path: Path) -> int:
    """Bytes an upgrade writes: the backup and the migrated copy, each as big as the file and its WAL, plus
    room for what the migrations add."""
    size = path.stat().st_size + _size_or_zero(Path(f"{path}-wal"))
    return 2 * size + int(size * GROWTH_MARGIN_FRACTION) + GROWTH_MARGIN_BYTES


def check_free_space(path: Path) -> None:
    """Refuse an upgrade the disk cannot hold, before anything is written (a full disk halfway through a
    backup or a migration is the worst moment to find out)."""
    needed, free = space_needed(path), shutil.disk_usage(path.parent).free
    if free < needed:
        raise NotEnoughSpaceError(
            f"Không đủ chỗ trống để nâng cấp cơ sở dữ liệu của quầy «{path}» lên phiên bản mới: cần khoảng "
            f"{_mb(needed)} MB (cho bản sao lưu và bản nâng cấp) nhưng ổ đĩa chỉ còn trống {_mb(free)} MB. "
            "Chưa có gì bị thay đổi: dữ liệu vẫn nguyên như trước. Hãy giải phóng ít nhất "
            f"{_mb(needed - free)} MB trên ổ đĩa chứa thư mục «{path.parent}» (ví dụ dọn thùng rác, xóa tệp tạm "
            "hoặc chép bớt các bản sao lưu cũ sang nơi khác) rồi mở lại ứng dụng."
        )


def upgrade_file(path: Path) -> Path | None:
    """Bring the existing counter file at `path` to the newest schema; the backup taken first, or None when
    it was already current. The caller opens the file afterwards; while this runs nothing else may hold it
    (another app window open on it: "database is locked", nothing changed)."""
    scripts = ScriptDirectory.from_config(alembic_config())
    current, head = stored_revision(path), scripts.get_current_head()
    if current == head:
        return None
    if current is not None and current not in {s.revision for s in scripts.walk_revisions()}:
        raise _newer(path, current)
    check_free_space(path)
    with closing(_hold_alone(path)) as holder:
        backup = backup_database(path, f"before-{head}", holder)
        for leftover in path.parent.glob(f"{path.name}{MIGRATING_SUFFIX}*[0-9]"):
            _remove_with_sidecars(leftover)  # a process killed while migrating: we hold the file, it is gone
        working = path.with_name(f"{path.name}{MIGRATING_SUFFIX}{os.getpid()}")
        try:
            copy_connection(holder, working)
            engine = create_sqlite_engine(working)
            try:
                _upgrade(engine)
            finally:
                engine.dispose()
            fsync_whole_file(working)
        except Exception as error:
            _remove_with_sidecars(working)
            log.exception("Nâng cấp lược đồ %s → %s thất bại trên bản sao; tệp gốc giữ nguyên", current, head)
            raise _failed(path, current, head, backup, error) from error
        try:
            _swap_in(working, path, holder)
        except BaseException:
            _remove_with_sidecars(working)  # the old file is still in place, whole
            raise
    log.info("Đã nâng cấp cơ sở dữ liệu %s từ lược đồ %s lên %s; bản sao lưu: %s", path, current, head, backup)
    return backup


def upgrade_to_head(engine: Engine, path: Path) -> Path | None:
    """Migrate a NEW database in place (storage/database.py builds one under a temporary name); an existing
    counter file goes through `upgrade_file`. Returns None: a new file has nothing worth a backup."""
    current = current_revision(engine)
    scripts = ScriptDirectory.from_config(alembic_config())
    if current is not None and current not in {s.revision for s in scripts.walk_revisions()}:
        raise _newer(path, current)
    if current != scripts.get_current_head():
        _upgrade(engine)
    return None


def _upgrade(engine: Engine) -> None:
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def _swap_in(working: Path, path: Path, holder: sqlite3.Connection) -> None:
    """Replace `path` with the migrated copy while `holder` keeps every other connection out.

    The holder first turns the OLD file to a rollback journal: that folds any WAL frames a crash left into
    it (their content is already in the copy) and removes its -wal, so no old -wal can be replayed into the
    new file, and closing the holder later deletes nothing of the new file's. A crash before the rename
    leaves the old file whole (its next open turns WAL back on); after it, the new one. Windows cannot
    replace a file still open, so there the holder lets go just before (Windows then refuses the rename if
    another program opened the file meanwhile: nothing is lost, the upgrade is simply refused)."""
    holder.execute("PRAGMA journal_mode=DELETE")
    if sys.platform == "win32":
        holder.close()
    Path(f"{path}-wal").unlink(missing_ok=True)
    Path(f"{path}-shm").unlink(missing_ok=True)
    os.replace(working, path)
    Path(f"{working}-shm").unlink(missing_ok=True)
    fsync_directory(path.parent)


def _remove_with_sidecars(path: Path) -> None:
    for name in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
        name.unlink(missing_ok=True)


def _size_or_zero(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def _mb(size: int) -> str:
    return f"{max(size, 0) / MB:.1f}".replace(".", ",")


def _newer(path: Path, current: str) -> NewerDatabaseError:
    return NewerDatabaseError(
        f"Cơ sở dữ liệu «{path}» được tạo bởi phiên bản mới hơn của ứng dụng (lược đồ {current}). "
        "Hãy cài phiên bản mới nhất của ứng dụng quầy; dữ liệu chưa bị thay đổi."
    )


def _failed(path: Path, current: str | None, head: str | None, backup: Path, error: Exception) -> MigrationFailedError:
    detail = str(getattr(error, "orig", None) or error).splitlines()[0][:200] if str(error) else type(error).__name__
    return MigrationFailedError(
        f"Không nâng cấp được cơ sở dữ liệu của quầy «{path}» từ lược đồ {current} lên {head}: «{detail}». "
        "Không có gì bị thay đổi: tệp dữ liệu vẫn nguyên như trước khi mở. Một bản sao lưu đã được lưu tại "
        f"«{backup}». Hãy tạm dùng lại phiên bản trước của ứng dụng quầy (nó vẫn mở được tệp này) và gọi bộ phận "
        "công nghệ thông tin của tỉnh, gửi kèm thông báo này; đừng xóa hay sửa tệp dữ liệu."
    )

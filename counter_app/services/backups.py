"""Backups a counter takes by itself (the daily one on close, "Sao lưu ngay") and on request (`backup --out`).

The daily backup runs when the window closes, at most once per office day (like Anki's throttled backups:
the first close of the day, or when the newest backup is more than a day old), into the folder the
supervisor chose (`CounterSettings.backup_dir`, a USB stick say), keeping the newest
`CounterSettings.backups_to_keep()`. A chosen folder that is missing (the stick unplugged; it is never
created, or the backup would land on the PC's own disk under the stick's mount point), full or not
writable gets a Vietnamese warning, and the backup goes to the default folder `<data dir>/backups/daily`
instead. A failure never stops the window from closing: the caller shows the warning and goes on.
"""

from __future__ import annotations

import errno
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from counter_app.domain.codes import office_day
from counter_app.domain.errors import DomainError
from counter_app.services.clock import utc_now
from counter_app.storage.backup import (
    BackupError,
    CounterFileInfo,
    backup_name,
    copy_database,
    known_revisions,
    list_backups,
    prune_backups,
)
from counter_app.storage.database import Database
from counter_app.storage.integrity import BACKUP_DIRNAME
from counter_app.storage.private_files import make_private_dir
from counter_app.storage.profile import get_profile

DAILY_DIRNAME = "daily"
BACKUP_EVERY = timedelta(days=1)


def default_backup_dir(data_dir: Path) -> Path:
    return data_dir / BACKUP_DIRNAME / DAILY_DIRNAME


@dataclass(frozen=True)
class BackupOutcome:
    path: Path | None  # the backup made, None when none was due (or none could be made)
    warning: str = ""  # Vietnamese, for the clerk: the chosen folder could not be used, or nothing could


def _identity(db: Database) -> tuple[str, int]:
    with db.read() as session:
        profile = get_profile(session)
        if profile is None:
            raise BackupError("Quầy chưa được thiết lập nên chưa có gì để sao lưu.")
        return profile.unit_code, profile.desk_slot


def daily_backup_due(folders: list[Path], unit_code: str, desk_slot: int, now: datetime) -> bool:
    """True if no daily backup of this desk in `folders` was taken today (office time) or within a day."""
    taken = [b.taken_at for folder in folders for b in list_backups(folder, unit_code, desk_slot) if not b.label]
    if not taken:
        return True
    newest = max(taken)
    if newest > now + timedelta(minutes=5):
        return True  # the PC's clock was set back: a stamp "from the future" proves nothing
    return office_day(newest) != office_day(now) or now - newest >= BACKUP_EVERY


def back_up_on_close(db: Database, chosen: Path, default: Path, keep: int, *, now: datetime | None = None) -> BackupOutcome:
    """The daily backup, if one is due; see the module's docstring."""
    now = now or utc_now()
    unit_code, desk_slot = _identity(db)
    if not daily_backup_due(list(dict.fromkeys([chosen, default])), unit_code, desk_slot, now):
        return BackupOutcome(None)
    return back_up_now(db, chosen, default, keep, now=now)


def back_up_now(db: Database, chosen: Path, default: Path, keep: int, *, now: datetime | None = None) -> BackupOutcome:
    """A backup into the chosen folder (else the default one), keeping the newest `keep` there."""
    now = now or utc_now()
    unit_code, desk_slot = _identity(db)
    name = backup_name(unit_code, desk_slot, now)
    warning = ""
    if chosen != default:
        try:
            if not chosen.is_dir():
                raise FileNotFoundError(errno.ENOENT, "missing", str(chosen))
            path = _copy_and_prune(db, chosen / name, keep, unit_code, desk_slot)
            return BackupOutcome(path)
        except (OSError, DomainError) as error:
            warning = f"{_why(chosen, error)} Bản sao lưu được lưu vào thư mục mặc định «{default}»."
    try:
        make_private_dir(default.parent)  # <data dir>/backups too, not only its last part, is 0700
        path = _copy_and_prune(db, make_private_dir(default) / name, keep, unit_code, desk_slot)
    except (OSError, DomainError) as error:
        return BackupOutcome(None, f"{_why(default, error)} Chưa sao lưu được lần này; dữ liệu của quầy không bị "
                                   "ảnh hưởng. Hãy báo bộ phận công nghệ thông tin của tỉnh.")
    return BackupOutcome(path, warning)


def _copy_and_prune(db: Database, target: Path, keep: int, unit_code: str, desk_slot: int) -> Path:
    if target.exists():  # a second backup within the same second: the first one stands
        return target
    copy_database(db.path, target, known_revisions())
    prune_backups(target.parent, unit_code, desk_slot, keep)
    return target


def _why(folder: Path, error: BaseException) -> str:
    if isinstance(error, DomainError):
        return f"Không sao lưu được vào «{folder}»: {error.message}"
    if isinstance(error, FileNotFoundError):
        return f"Không tìm thấy thư mục sao lưu «{folder}» (có thể chưa cắm ổ USB)."
    if getattr(error, "errno", None) == errno.ENOSPC:
        return f"Ổ chứa thư mục sao lưu «{folder}» đã đầy."
    if isinstance(error, PermissionError):
        return f"Tài khoản này không được ghi vào thư mục sao lưu «{folder}»."
    return f"Không ghi được vào thư mục sao lưu «{folder}» ({getattr(error, 'strerror', None) or type(error).__name__})."


def back_up_to_file(db: Database, out: Path, *, force: bool = False) -> CounterFileInfo:
    """`counter-app backup --out FILE`: a checked copy at `out`; an existing file only with `force`."""
    if out.exists() and not force:
        raise BackupError(f"Đã có tệp «{out}»; chưa ghi đè. Hãy chọn tên khác hoặc thêm --force để ghi đè.")
    if out.is_dir():
        raise BackupError(f"«{out}» là một thư mục; hãy ghi tên tệp, ví dụ «{out / 'quay.sqlite'}».")
    if not out.parent.is_dir():
        raise BackupError(f"Không có thư mục «{out.parent}»; chưa sao lưu gì.")
    staged = out.with_name(f"{out.name}.new")
    staged.unlink(missing_ok=True)
    try:
        info = copy_database(db.path, staged, known_revisions())
        staged.replace(out)
    except OSError as error:
        staged.unlink(missing_ok=True)
        raise BackupError(f"{_why(out.parent, error)} Chưa sao lưu được; dữ liệu của quầy không bị ảnh hưởng.") from error
    return info

"""Who is using a data folder: the app and every command hold `in-use.lock` while they run; a restore must
be alone.

An operating-system lock on a file (like sync/client/lock.py), so a process killed by SIGKILL or a power
cut never leaves a stale lock. Users share it (POSIX `flock` LOCK_SH; on Windows, where `msvcrt` has only
exclusive locks, the first user takes it and later ones go on without it); `counter-app restore` needs it
exclusively and is refused while anyone holds it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from counter_app.domain.errors import DomainError
from counter_app.storage.private_files import make_private_dir

LOCK_FILENAME = "in-use.lock"
_held: dict[str, int] = {}  # folders this process uses, kept until it exits (the OS then drops the lock)


class FolderInUse(DomainError):
    def __init__(self, data_dir: Path) -> None:
        super().__init__(
            f"Thư mục dữ liệu «{data_dir}» đang được ứng dụng quầy hoặc một lệnh khác dùng. Hãy đóng cửa sổ ứng "
            "dụng quầy (và dừng lệnh «counter-app sync» nếu có) rồi khôi phục lại; chưa có gì bị thay đổi."
        )


def _lock(descriptor: int, exclusive: bool) -> bool:
    try:
        if sys.platform == "win32":
            import msvcrt

            msvcrt.locking(descriptor, msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(descriptor, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _shared(data_dir: Path) -> int | None:
    """Best effort: a folder that cannot be made or written is for Database.open to explain, not this."""
    try:
        make_private_dir(data_dir)
        descriptor = os.open(data_dir / LOCK_FILENAME, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:
        return None
    if _lock(descriptor, exclusive=False):
        return descriptor
    os.close(descriptor)
    return None


def hold_data_folder(data_dir: Path) -> None:
    """Mark the folder in use by this process until it exits (the GUI; best effort, never refuses to start)."""
    key = str(data_dir.resolve())
    if key not in _held and (descriptor := _shared(data_dir)) is not None:
        _held[key] = descriptor


@contextmanager
def using_data_folder(data_dir: Path) -> Iterator[None]:
    """Mark the folder in use while a command runs (best effort, like `hold_data_folder`)."""
    descriptor = _shared(data_dir)
    try:
        yield
    finally:
        if descriptor is not None:
            os.close(descriptor)


class ExclusiveFolder:
    """`with ExclusiveFolder(data_dir):` nobody else uses the folder meanwhile, else `FolderInUse`."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self._descriptor: int | None = None

    def __enter__(self) -> ExclusiveFolder:
        make_private_dir(self.data_dir)
        descriptor = os.open(self.data_dir / LOCK_FILENAME, os.O_RDWR | os.O_CREAT, 0o600)
        if not _lock(descriptor, exclusive=True):
            os.close(descriptor)
            raise FolderInUse(self.data_dir)
        self._descriptor = descriptor
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._descriptor is not None:
            os.close(self._descriptor)  # closing drops the lock (flock and msvcrt alike)
            self._descriptor = None

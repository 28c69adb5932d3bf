"""Single flight: at most one sync runs per data folder, across threads and processes.

An operating-system file lock is used because the OS drops it when its process dies, even by SIGKILL
or a power cut, so a crashed sync never leaves a stale lock behind (Morango had to check PIDs for that).
"""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path
from types import TracebackType

from counter_app.domain.errors import DomainError

# One in-process lock per data folder (a process may serve several counters' folders, e.g. tests or tools).
_thread_locks: dict[str, threading.Lock] = {}
_registry = threading.Lock()


def _folder_lock(path: Path) -> threading.Lock:
    with _registry:
        return _thread_locks.setdefault(str(path.resolve()), threading.Lock())


class SyncAlreadyRunning(DomainError):
    def __init__(self) -> None:
        super().__init__("Một phiên đồng bộ khác đang chạy; lần này bỏ qua.")


class SingleFlight:
    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / "sync.lock"
        self._fd: int | None = None
        self._has_thread_lock = False
        self._thread_lock = _folder_lock(self.path)

    def __enter__(self) -> SingleFlight:
        if not self._thread_lock.acquire(blocking=False):
            raise SyncAlreadyRunning()
        self._has_thread_lock = True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if sys.platform == "win32":
                import msvcrt

                msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            else:
                import fcntl

                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            self._thread_lock.release()
            self._has_thread_lock = False
            raise SyncAlreadyRunning() from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self._fd is not None:
            if sys.platform == "win32":
                import msvcrt

                os.lseek(self._fd, 0, os.SEEK_SET)
                msvcrt.locking(self._fd, msvcrt.LK_UNLCK, 1)
            else:
                import fcntl

                fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
        if self._has_thread_lock:
            self._thread_lock.release()
            self._has_thread_lock = False

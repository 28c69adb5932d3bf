"""The counter's files are private to the clerk's account: citizens' ID numbers and phones are in them.

On POSIX the data folder and the folders in it are 0700 and the files 0600, whatever the umask. SQLite
gives its -wal and -shm files the mode of the database file, so a 0600 database keeps them 0600 too. A
file or folder found open to others (made by an older version, or copied in) is tightened and logged.

Windows: nothing to do here. The data folder is under %LOCALAPPDATA%, whose ACL already admits only
the user (and SYSTEM/administrators); chmod there could only toggle the read-only flag.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

log = logging.getLogger(__name__)

POSIX = os.name == "posix"
PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def make_private_dir(path: Path) -> Path:
    """Create `path` (and its parents) if missing; the folder itself ends up 0700 on POSIX."""
    path.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    tighten(path)
    return path


def create_private_file(path: Path) -> None:
    """Create an empty file that only its owner may read (fails if it exists)."""
    descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, PRIVATE_FILE_MODE)
    os.close(descriptor)


def tighten(path: Path) -> bool:
    """Take away group and other permissions from an existing file or folder; True if it changed.

    Only the mode changes, never a byte of the file. Missing paths, symlinks, sticky shared folders
    (/tmp) and Windows are left alone.
    """
    if not POSIX:
        return False
    try:
        mode = stat.S_IMODE(path.lstat().st_mode)
    except FileNotFoundError:
        return False
    if path.is_symlink() or not mode & 0o077:
        return False
    if path.is_dir() and mode & stat.S_ISVTX:
        return False  # a shared folder such as /tmp given as --data-dir: never close it to other users
    os.chmod(path, mode & 0o700)
    log.warning("Đã thu hẹp quyền truy cập «%s» từ %03o xuống %03o (chỉ tài khoản của quầy được đọc).",
                path, mode, mode & 0o700)
    return True

"""Installing the staged release at the next start, before any window and before the database is opened.

Order: check the file's SHA-256 again, back up the database (storage.migrate.backup_database), then
- Windows: start the NSIS installer silently (`/S /D=<bundle folder>`) and exit, so that it can replace
  the files (the installer starts the new version when it is done: installer/windows, part A);
- Linux: unpack the tarball beside the running bundle (extract.py), swap the folders by two renames
  (the old one kept as `counter-app.old-<version>` until the new version has opened the database, see
  remove_old_bundles), and start the new one.
Running from source (not frozen) it says it cannot install itself and leaves the file staged.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from counter_app import __version__
from counter_app.domain.errors import DomainError, os_error_words
from counter_app.storage.blobstore import file_sha256
from counter_app.storage.database import DB_FILENAME
from counter_app.storage.migrate import backup_database
from counter_app.updates.extract import BadArchive, extract_bundle
from counter_app.updates.offer import (
    STAGED_FILE,
    clear_attempt,
    failed_attempt,
    mark_attempt,
    set_error,
    staged_release,
    updates_dir,
)
from counter_app.updates.versions import is_newer
from sync.protocol import ReleaseOffer

log = logging.getLogger(__name__)
OLD_PREFIX = "counter-app.old-"
NEW_PREFIX = ".counter-app.new-"
Launch = Callable[[Sequence[str]], object]


@dataclass(frozen=True)
class InstallOutcome:
    """`exit_now`: the new version (or its installer) was started and this process must end."""

    message: str
    exit_now: bool = False


def running_bundle() -> Path | None:
    """The folder of the running PyInstaller bundle, or None when running from source."""
    return Path(sys.executable).resolve().parent if getattr(sys, "frozen", False) else None


def _discard(data_dir: Path, staged: ReleaseOffer) -> None:
    (updates_dir(data_dir) / staged.file_name).unlink(missing_ok=True)
    (updates_dir(data_dir) / STAGED_FILE).unlink(missing_ok=True)


def install_pending(data_dir: Path, *, bundle: Path | None = None, platform: str | None = None,
                    launch: Launch = subprocess.Popen, argv: Sequence[str] = ()) -> InstallOutcome | None:
    """Install the staged release if there is one; None when there is nothing to do."""
    staged = staged_release(data_dir)
    if staged is None:
        return None
    if not is_newer(staged.version):  # installed already (this is the new version's first start)
        _discard(data_dir, staged)
        clear_attempt(data_dir)
        return None
    failed = failed_attempt(data_dir)
    if failed is not None and failed.sha256 == staged.sha256:  # installed, yet this is still the old version
        _discard(data_dir, staged)
        message = (f"Bản cập nhật {staged.version} đã được cài nhưng ứng dụng mở lên vẫn là phiên bản {__version__}: "
                   "việc cài không thành (ví dụ trình cài đặt bị từ chối quyền quản trị) hoặc tệp máy chủ tỉnh phát "
                   "hành không đúng phiên bản ghi kèm. Ứng dụng dùng tiếp phiên bản hiện tại, không cài và không tải "
                   "lại tệp này; dữ liệu không bị ảnh hưởng. Hãy báo quản trị máy chủ tỉnh (muốn thử cài lại: xóa tệp "
                   "updates/attempted.json trong thư mục dữ liệu).")
        set_error(data_dir, message)
        log.warning("Bản cập nhật %s cài xong vẫn là phiên bản %s: không cài lại", staged.version, __version__)
        return InstallOutcome(message)
    bundle = bundle or running_bundle()
    if bundle is None:
        return InstallOutcome(f"Đã tải phiên bản {staged.version} nhưng ứng dụng đang chạy từ mã nguồn nên không tự "
                              "cài được; hãy cập nhật mã nguồn (git pull) và chạy lại installer/dev-setup.sh.")
    file = updates_dir(data_dir) / staged.file_name
    if file_sha256(file) != staged.sha256:
        _discard(data_dir, staged)
        message = (f"Tệp cập nhật phiên bản {staged.version} đã bị thay đổi trên máy nên bị xóa và không được cài; "
                   "ứng dụng sẽ tải lại ở lần đồng bộ sau.")
        set_error(data_dir, message)
        return InstallOutcome(message)
    database = data_dir / DB_FILENAME
    if database.is_file():
        try:
            backup = backup_database(database, f"truoc-cap-nhat-{staged.version}")
        except DomainError as refused:  # a damaged file: never install without a backup; the window that
            # opens next explains the damage (ui/app.py), the update waits for the next start
            message = (f"Chưa cài bản cập nhật {staged.version}: không sao lưu được cơ sở dữ liệu trước khi cài "
                       f"({refused.message}). Ứng dụng mở phiên bản hiện tại; bản cập nhật chờ lần mở sau.")
            set_error(data_dir, message)
            return InstallOutcome(message)
        log.info("Đã sao lưu CSDL trước khi cập nhật: %s", backup.name)
    mark_attempt(data_dir, staged)
    if (platform or staged.platform) == "windows-x86_64":
        # /RESTART: the installer opens the new version as the clerk once done (installer/windows/counter-app.nsi);
        # /D must come last, unquoted (NSIS)
        launch([str(file), "/S", "/RESTART", f"/D={bundle}"])
        return InstallOutcome(f"Đang cài phiên bản {staged.version}; ứng dụng sẽ tự mở lại khi cài xong.", exit_now=True)
    try:
        swap_in(file, bundle, staged.version)
    except BadArchive as refused:
        _discard(data_dir, staged)
        if getattr(refused.__cause__, "errno", None) is not None:  # the disk (full, no permission), not the
            # file: a later download may install it
            clear_attempt(data_dir)
        set_error(data_dir, refused.message)
        return InstallOutcome(refused.message)
    launch([str(bundle / "counter-app"), *argv])
    return InstallOutcome(f"Đã cài phiên bản {staged.version}; đang mở phiên bản mới.", exit_now=True)


def swap_in(tarball: Path, bundle: Path, version: str) -> None:
    """Unpack beside `bundle` and swap by renames; on any failure the running bundle stays where it was."""
    root = bundle.parent
    staging = root / f"{NEW_PREFIX}{version}"
    shutil.rmtree(staging, ignore_errors=True)  # a try cut short before
    try:
        fresh = extract_bundle(tarball, staging)
        old = root / f"{OLD_PREFIX}{version}-{os.getpid()}"
        os.replace(bundle, old)
        try:
            os.replace(fresh, bundle)
        except OSError:
            os.replace(old, bundle)
            raise
    except OSError as error:
        raise BadArchive(f"Không thay được thư mục ứng dụng ({os_error_words(error, 'thư mục ứng dụng')}); ứng dụng hiện tại "
                         "giữ nguyên.") from error
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def remove_old_bundles(bundle: Path | None = None) -> int:
    """Once the new version has opened the database (ui/app.py, after its upgrade ran): remove the folders
    the swap kept; how many were removed. Not earlier: a new version whose upgrade is refused (not enough
    room, a migration failing on this file: storage/migrate.py leaves it untouched) must leave the old
    version in place to go back to (docs/updates.md)."""
    bundle = bundle or running_bundle()
    if bundle is None:
        return 0
    removed = 0
    for folder in bundle.parent.glob(f"{OLD_PREFIX}*"):
        if folder.is_dir() and not folder.is_symlink():
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed


def install_at_start(data_dir: Path, *, bundle: Path | None = None) -> InstallOutcome | None:
    """What the GUI runs first: install a staged release if any (the old bundle is removed later,
    `remove_old_bundles`)."""
    try:
        return install_pending(data_dir, bundle=bundle, argv=sys.argv[1:])
    except OSError as error:  # an unreadable file or a failed backup: start the current version as is
        log.warning("Không cài được bản cập nhật: %s", error)
        return InstallOutcome(f"Chưa cài được bản cập nhật ({os_error_words(error, 'thư mục dữ liệu')}); ứng dụng mở phiên "
                              "bản hiện tại.")

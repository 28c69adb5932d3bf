"""Unpacking a Linux release tarball without trusting it: every member under `counter-app/`, no absolute
path, no `..`, no device or fifo, links only to places inside the bundle, and bounded in count and size."""

from __future__ import annotations

import posixpath
import tarfile
from pathlib import Path

from counter_app.domain.errors import DomainError

TOP_FOLDER = "counter-app"
MAX_MEMBERS = 50_000
MAX_UNPACKED_BYTES = 3_221_225_472  # a bundle is ~200 MB; this only stops a bomb


class BadArchive(DomainError):
    """The release file cannot be installed safely; nothing was changed."""


def _refuse(name: str, why: str) -> BadArchive:
    return BadArchive(f"Tệp cập nhật có mục «{name[:120]}» {why}; bản cập nhật không được cài, ứng dụng hiện tại "
                      "giữ nguyên. Hãy báo quản trị máy chủ tỉnh.")


def _inside(name: str) -> bool:
    normal = posixpath.normpath(name)
    return not name.startswith("/") and (normal == TOP_FOLDER or normal.startswith(f"{TOP_FOLDER}/"))


def check_members(archive: tarfile.TarFile) -> list[tarfile.TarInfo]:
    members: list[tarfile.TarInfo] = []
    total = 0
    for member in archive:
        if len(members) >= MAX_MEMBERS:
            raise _refuse(member.name, f"vượt quá {MAX_MEMBERS} mục")
        if ".." in member.name.split("/") or not _inside(member.name):
            raise _refuse(member.name, "nằm ngoài thư mục counter-app/")
        if not (member.isfile() or member.isdir() or member.issym()):
            raise _refuse(member.name, "không phải tệp hay thư mục thường")
        if member.issym():
            target = posixpath.normpath(posixpath.join(posixpath.dirname(member.name), member.linkname))
            if member.linkname.startswith("/") or not _inside(target):
                raise _refuse(member.name, "là liên kết trỏ ra ngoài bản cài")
        total += member.size
        if total > MAX_UNPACKED_BYTES:
            raise _refuse(member.name, "làm bản cài giải nén quá lớn")
        members.append(member)
    return members


def check_bundle_tarball(tarball: Path) -> None:
    """What `provincial-server release publish` checks before storing a Linux release: the counters would
    refuse to install it (and the province would have sent it to every one of them for nothing)."""
    try:
        with tarfile.open(tarball, "r:gz") as archive:
            members = check_members(archive)
    except (tarfile.TarError, EOFError, OSError) as error:
        raise BadArchive(f"Tệp không phải tệp .tar.gz đọc được ({type(error).__name__}).") from error
    if not any(m.name == f"{TOP_FOLDER}/counter-app" and m.isfile() for m in members):
        raise BadArchive("Tệp không chứa chương trình counter-app/counter-app (cần tệp do installer/build-linux.sh "
                         "tạo, thư mục gốc counter-app/).")


def extract_bundle(tarball: Path, destination: Path) -> Path:
    """Unpack into `destination` (which must not exist yet); the new bundle folder `destination/counter-app`."""
    try:
        with tarfile.open(tarball, "r:gz") as archive:
            members = check_members(archive)
            destination.mkdir(mode=0o755)
            archive.extractall(destination, members=members, filter="data")
    except (tarfile.TarError, EOFError, OSError) as error:
        raise BadArchive(f"Không giải nén được tệp cập nhật ({type(error).__name__}); bản cập nhật không được cài, "
                         "ứng dụng hiện tại giữ nguyên.") from error
    bundle = destination / TOP_FOLDER
    if not (bundle / "counter-app").is_file():
        raise BadArchive("Tệp cập nhật không chứa chương trình counter-app; bản cập nhật không được cài, ứng dụng "
                         "hiện tại giữ nguyên.")
    return bundle

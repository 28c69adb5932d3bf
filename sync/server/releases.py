"""Counter releases the province publishes (issue 12): stored in chunks, offered in hello, served by Range.

`provincial-server release publish` stores the file in fixed-size chunks (like the units' blobs), with its
SHA-256 computed here, never taken from the publisher. The hello answer carries the newest release of each
platform that is not withdrawn; a device downloads it with GET /releases/{sha256} and `Range: bytes=N-`,
at most MAX_RANGE_BYTES per answer, so a cut 2G link resumes where it stopped. Any other hash (a withdrawn
release, a unit's scan, a guess) is 404: the endpoint serves published releases and nothing else.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from counter_app.updates.extract import BadArchive, check_bundle_tarball
from counter_app.updates.versions import parse_version, release_file_name
from sync.protocol import MAX_RELEASE_BYTES, RELEASE_PLATFORMS, ReleaseOffer
from sync.server.errors import ApiError
from sync.server.models import CounterRelease, CounterReleaseChunk

CHUNK_BYTES = 524_288  # stored chunk; every chunk but the last is exactly this long
MAX_RANGE_BYTES = 1_048_576  # at most this much per answer (the counter asks for less)
MAX_NOTES = 2_000
# A Linux artifact is a gzip tarball, a Windows one an NSIS installer (a PE file).
MAGIC = {"linux-x86_64": b"\x1f\x8b", "windows-x86_64": b"MZ"}


def check_release(version: str, platform: str, notes: str) -> None:
    if parse_version(version) is None:
        raise ApiError(400, "bad_version", f"Phiên bản «{version[:40]}» không hợp lệ: cần dạng SỐ.SỐ.SỐ, ví dụ 1.2.0.")
    if platform not in RELEASE_PLATFORMS:
        raise ApiError(400, "bad_platform", f"Nền tảng «{platform[:40]}» không hợp lệ: chọn {' hoặc '.join(RELEASE_PLATFORMS)}.")
    if len(notes) > MAX_NOTES:
        raise ApiError(400, "notes_too_long", f"Ghi chú dài {len(notes)} ký tự; tối đa {MAX_NOTES}.")


def _measure(path: Path, platform: str) -> tuple[int, str]:
    """The file's size and SHA-256, checking its kind and bound first; nothing is stored yet."""
    if not path.is_file():
        raise ApiError(400, "no_release_file", f"Không tìm thấy tệp {path}.")
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as stream:
        while data := stream.read(CHUNK_BYTES):
            if size == 0 and not data.startswith(MAGIC[platform]):
                kind = "tệp .tar.gz" if platform == "linux-x86_64" else "trình cài đặt .exe"
                raise ApiError(400, "bad_release_file", f"Tệp không phải {kind} của bản cài {platform}; không có gì được lưu.")
            size += len(data)
            if size > MAX_RELEASE_BYTES:
                raise ApiError(413, "release_too_large", f"Tệp vượt {MAX_RELEASE_BYTES // 1_048_576} MB; không có gì được lưu.")
            digest.update(data)
    if size == 0:
        raise ApiError(400, "empty_release", "Tệp phát hành rỗng; không có gì được lưu.")
    if platform == "linux-x86_64":
        try:
            check_bundle_tarball(path)  # what every counter checks before installing it
        except BadArchive as refused:
            raise ApiError(400, "bad_release_file", f"{refused.message} Không có gì được lưu.") from None
    return size, digest.hexdigest()


def publish_file(session: Session, path: Path, version: str, platform: str, published_by: str, notes: str,
                 now: datetime) -> CounterRelease:
    """Store the release in `path`; the database refuses a version already published for the platform, or a
    file already published under another version. The stored bytes are checked against the hash measured."""
    check_release(version, platform, notes)
    size, sha256 = _measure(path, platform)
    release = CounterRelease(version=version, platform=platform, file_name=release_file_name(version, platform),
                             size=size, sha256=sha256, published_at=now, published_by=published_by[:200], notes=notes)
    try:
        with session.begin_nested():
            session.add(release)
            session.flush()
    except IntegrityError:
        raise ApiError(409, "release_exists", f"Phiên bản {version} cho {platform} (hoặc chính tệp này) đã được phát "
                                              "hành; hãy dùng số phiên bản mới.") from None
    digest, offset = hashlib.sha256(), 0
    with path.open("rb") as stream:
        while (data := stream.read(CHUNK_BYTES)) and offset < size:
            chunk = CounterReleaseChunk(release_id=release.id, offset=offset, data=data)
            session.add(chunk)
            session.flush()
            session.expunge(chunk)  # one chunk in memory at a time, whatever the file's size
            digest.update(data)
            offset += len(data)
    if (offset, digest.hexdigest()) != (size, sha256):
        raise ApiError(409, "release_changed", "Tệp thay đổi trong lúc phát hành; không có gì được lưu. Hãy chạy lại lệnh.")
    return release


def all_releases(session: Session) -> list[CounterRelease]:
    releases = list(session.scalars(select(CounterRelease)))
    return sorted(releases, key=lambda r: (r.platform, parse_version(r.version) or (0, 0, 0)), reverse=True)


def withdraw(session: Session, version: str, platform: str | None) -> list[CounterRelease]:
    """Withdraw `version` (on one platform or all): counters stop being offered it and cannot download it."""
    query = select(CounterRelease).where(CounterRelease.version == version, CounterRelease.withdrawn.is_(False))
    if platform:
        query = query.where(CounterRelease.platform == platform)
    releases = list(session.scalars(query.with_for_update()))
    if not releases:
        raise ApiError(404, "unknown_release", f"Không có bản phát hành {version[:40]} nào đang được cung cấp.")
    for release in releases:
        release.withdrawn = True
    session.flush()
    return releases


def newest_offers(session: Session) -> list[ReleaseOffer]:
    """The newest release of each platform that is not withdrawn (what hello tells every counter)."""
    newest: dict[str, CounterRelease] = {}
    for release in session.scalars(select(CounterRelease).where(CounterRelease.withdrawn.is_(False))):
        held = newest.get(release.platform)
        if held is None or (parse_version(release.version) or (0, 0, 0)) > (parse_version(held.version) or (0, 0, 0)):
            newest[release.platform] = release
    return [ReleaseOffer(version=r.version, platform=r.platform, file_name=r.file_name, size=r.size, sha256=r.sha256,
                         notes=r.notes[:MAX_NOTES]) for r in sorted(newest.values(), key=lambda r: r.platform)]


@dataclass(frozen=True)
class ByteRange:
    start: int
    end: int  # inclusive
    size: int  # of the whole file
    data: bytes


def parse_range(header: str | None, size: int) -> tuple[int, int]:
    """`bytes=START-` or `bytes=START-END` (one range only), clamped to MAX_RANGE_BYTES; 416 otherwise."""
    found = re.fullmatch(r"bytes=(\d{1,15})-(\d{0,15})", (header or "bytes=0-").strip())
    if found is None or int(found.group(1)) >= size:
        raise ApiError(416, "bad_range", f"Khoảng byte yêu cầu không hợp lệ với tệp {size} byte.")
    start = int(found.group(1))
    end = int(found.group(2)) if found.group(2) else size - 1
    if end < start:
        raise ApiError(416, "bad_range", f"Khoảng byte yêu cầu không hợp lệ với tệp {size} byte.")
    return start, min(end, size - 1, start + MAX_RANGE_BYTES - 1)


def read_range(session: Session, sha256: str, range_header: str | None) -> ByteRange:
    release = session.scalars(select(CounterRelease).where(CounterRelease.sha256 == sha256,
                                                           CounterRelease.withdrawn.is_(False))).first()
    if release is None:
        raise ApiError(404, "unknown_release", "Máy chủ tỉnh không cung cấp tệp cập nhật này (có thể đã bị thu hồi).")
    start, end = parse_range(range_header, release.size)
    first_chunk = start - start % CHUNK_BYTES
    chunks = session.execute(
        select(CounterReleaseChunk.offset, CounterReleaseChunk.data)
        .where(CounterReleaseChunk.release_id == release.id, CounterReleaseChunk.offset >= first_chunk,
               CounterReleaseChunk.offset <= end)
        .order_by(CounterReleaseChunk.offset)
    ).all()
    data = b"".join(chunk.data for chunk in chunks)[start - first_chunk:end - first_chunk + 1]
    return ByteRange(start=start, end=end, size=release.size, data=data)

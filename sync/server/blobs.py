"""Resumable, content-addressed uploads, each unit in its own space.

A blob is (unit, SHA-256): a device sees, creates and appends to its own unit's blobs only, so what a
device of another unit declares under the same hash can neither block this unit's upload nor tell it
that this unit holds the file. Chunks are appended at the offset the server reports; once the last
byte arrives the SHA-256 is checked, and a mismatch starts the upload again from zero. Each device has
a quota of bytes in unfinished uploads and of bytes in all: the file's declared size counts from the
moment its upload starts.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sync.protocol import SHA256_PATTERN, BlobStatus, Limits
from sync.server.errors import ApiError
from sync.server.models import Blob, BlobChunk, Device

MB = 1_048_576


def check_sha256(sha256: str) -> None:
    # fullmatch: with re.match, "$" would also accept a trailing newline.
    if not re.fullmatch(SHA256_PATTERN, sha256):
        raise ApiError(400, "bad_sha256", "Mã băm phải là 64 ký tự hex (SHA-256, chữ thường).")


def blob_status(blob: Blob) -> BlobStatus:
    return BlobStatus(sha256=blob.sha256, size=blob.size, offset=blob.received, complete=blob.complete,
                      state="complete" if blob.complete else "uploading")


def get_blob(session: Session, unit_code: str, sha256: str) -> Blob | None:
    """The unit's blob; another unit's blob of the same hash is none of its business."""
    return session.get(Blob, (unit_code, sha256))


def _megabytes(size: int) -> str:
    return f"{size / MB:.1f}".replace(".", ",")


def _check_quota(session: Session, device: Device, size: int, limits: Limits) -> None:
    """Refuse a new upload that would take the device over its quotas (its row locked: one at a time)."""
    session.get(Device, device.id, with_for_update=True)
    totals = session.execute(
        select(func.coalesce(func.sum(Blob.size), 0),
               func.coalesce(func.sum(case((Blob.complete.is_(False), Blob.size), else_=0)), 0))
        .where(Blob.device_id == device.id)
    ).one()
    total, uploading = int(totals[0]), int(totals[1])
    if uploading + size > limits.max_device_uploading_bytes:
        raise ApiError(413, "blob_quota_uploading",
                       f"Quầy đang có {_megabytes(uploading)} MB tệp tải lên dở; tối đa "
                       f"{_megabytes(limits.max_device_uploading_bytes)} MB. Tệp này sẽ được gửi khi các tệp đang tải xong.")
    if total + size > limits.max_device_blob_bytes:
        raise ApiError(413, "blob_quota_total",
                       f"Quầy đã gửi {_megabytes(total)} MB tệp, chạm hạn mức {_megabytes(limits.max_device_blob_bytes)} MB "
                       "của máy chủ tỉnh. Hãy báo quản trị máy chủ tỉnh nâng hạn mức; tệp được giữ trên quầy và sẽ gửi sau.")


def create_blob(session: Session, device: Device, sha256: str, size: int, content_type: str, limits: Limits,
                now: datetime) -> Blob:
    """Start (or find) the upload of `sha256` in the device's unit."""
    if size > limits.max_blob_bytes:
        raise ApiError(413, "blob_too_large",
                       f"Tệp {size / MB:.1f} MB vượt giới hạn {limits.max_blob_bytes / MB:.0f} MB của máy chủ.")
    blob = session.get(Blob, (device.unit_code, sha256), with_for_update=True)
    if blob is None:
        _check_quota(session, device, size, limits)
        blob = Blob(unit_code=device.unit_code, sha256=sha256, size=size, content_type=content_type[:100],
                    received=0, complete=False, device_id=device.id, created_at=now)
        try:
            with session.begin_nested():
                session.add(blob)
                session.flush()
        except IntegrityError:  # another desk of the unit started the same file a moment ago: use theirs
            blob = session.get(Blob, (device.unit_code, sha256), with_for_update=True, populate_existing=True)
            if blob is None:  # pragma: no cover - the row that refused ours exists
                raise
    if blob.size != size:
        raise ApiError(409, "blob_size_mismatch",
                       f"Máy chủ đang nhận tệp này với kích thước {blob.size} byte, khác với {size} byte quầy khai báo.")
    return blob


@dataclass(frozen=True)
class ChunkOutcome:
    """The blob after a chunk, and the refusal to answer once the transaction is committed (a reset)."""

    status: BlobStatus
    refusal: ApiError | None = None


def append_chunk(session: Session, unit_code: str, sha256: str, offset: int, data: bytes, now: datetime) -> ChunkOutcome:
    blob = session.get(Blob, (unit_code, sha256), with_for_update=True)
    if blob is None:
        raise ApiError(404, "unknown_blob", "Máy chủ chưa có phiên tải lên cho tệp này.")
    if blob.complete:
        return ChunkOutcome(blob_status(blob))
    if offset != blob.received:
        raise ApiError(409, "offset_mismatch", f"Vị trí tải lên {offset} khác vị trí máy chủ đang chờ ({blob.received}).")
    if blob.received + len(data) > blob.size:
        raise ApiError(422, "blob_overflow", "Dữ liệu gửi lên dài hơn kích thước tệp đã khai báo.")
    if data:
        session.add(BlobChunk(unit_code=unit_code, sha256=sha256, offset=offset, data=data))
        blob.received += len(data)
    if blob.received == blob.size:
        digest = hashlib.sha256()
        chunks = select(BlobChunk.data).where(BlobChunk.unit_code == unit_code, BlobChunk.sha256 == sha256)
        for chunk in session.scalars(chunks.order_by(BlobChunk.offset)):
            digest.update(chunk)
        if digest.hexdigest() != sha256:
            # The reset is committed (the caller raises the refusal after commit), so the next try starts at 0.
            session.execute(delete(BlobChunk).where(BlobChunk.unit_code == unit_code, BlobChunk.sha256 == sha256))
            blob.received = 0
            session.flush()
            return ChunkOutcome(blob_status(blob), ApiError(
                422, "hash_mismatch", "Mã băm SHA-256 của tệp nhận được không khớp; tệp sẽ được tải lại từ đầu."))
        blob.complete = True
        blob.completed_at = now
    session.flush()
    return ChunkOutcome(blob_status(blob))

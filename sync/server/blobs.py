"""Resumable, content-addressed uploads: chunks appended at the offset the server reports, the SHA-256
checked once the last byte arrives. A blob already complete is never uploaded again.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from sync.protocol import BlobStatus, Limits
from sync.server.errors import ApiError
from sync.server.models import Blob, BlobChunk


def blob_status(blob: Blob) -> BlobStatus:
    return BlobStatus(sha256=blob.sha256, size=blob.size, offset=blob.received, complete=blob.complete,
                      state="complete" if blob.complete else "uploading")


def get_blob(session: Session, sha256: str) -> Blob | None:
    return session.get(Blob, sha256)


def create_blob(session: Session, sha256: str, size: int, content_type: str, limits: Limits, now: datetime) -> Blob:
    if size > limits.max_blob_bytes:
        raise ApiError(413, "blob_too_large",
                       f"Tệp {size / 1_048_576:.1f} MB vượt giới hạn {limits.max_blob_bytes / 1_048_576:.0f} MB của máy chủ.")
    blob = session.get(Blob, sha256, with_for_update=True)
    if blob is None:
        blob = Blob(sha256=sha256, size=size, content_type=content_type[:100], received=0, complete=False, created_at=now)
        session.add(blob)
        session.flush()
    elif blob.size != size:
        raise ApiError(409, "blob_size_mismatch", "Kích thước tệp khác với lần tải lên trước cùng mã băm.")
    return blob


def append_chunk(session: Session, sha256: str, offset: int, data: bytes, now: datetime) -> Blob:
    blob = session.get(Blob, sha256, with_for_update=True)
    if blob is None:
        raise ApiError(404, "unknown_blob", "Máy chủ chưa có phiên tải lên cho tệp này.")
    if blob.complete:
        return blob
    if offset != blob.received:
        raise ApiError(409, "offset_mismatch", f"Vị trí tải lên {offset} khác vị trí máy chủ đang chờ ({blob.received}).")
    if blob.received + len(data) > blob.size:
        raise ApiError(422, "blob_overflow", "Dữ liệu gửi lên dài hơn kích thước tệp đã khai báo.")
    if data:
        session.add(BlobChunk(sha256=sha256, offset=offset, data=data))
        blob.received += len(data)
    if blob.received == blob.size:
        digest = hashlib.sha256()
        for chunk in session.scalars(select(BlobChunk.data).where(BlobChunk.sha256 == sha256).order_by(BlobChunk.offset)):
            digest.update(chunk)
        if digest.hexdigest() != sha256:
            session.execute(delete(BlobChunk).where(BlobChunk.sha256 == sha256))
            blob.received = 0
            session.flush()
            raise ApiError(422, "hash_mismatch", "Mã băm SHA-256 của tệp nhận được không khớp; tệp sẽ được tải lại từ đầu.")
        blob.complete = True
        blob.completed_at = now
    session.flush()
    return blob

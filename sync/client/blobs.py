"""Uploading attached files in resumable chunks: ask the server where it stands, send from there.

A file missing or changed on the local disk gets its own error and does not stop the others; the same
bytes attached to several dossiers are uploaded once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import requests
from sqlalchemy import select, update

from counter_app.services.clock import utc_now
from counter_app.storage.blobstore import BlobStore
from counter_app.storage.database import Database
from counter_app.storage.models import AttachmentRow
from sync.client.transport import PermanentError, TransientError, Transport, parse_response
from sync.protocol import BlobCreate, BlobStatus, Limits


def _mark(db: Database, sha256: str, state: str, error: str | None = None) -> None:
    with db.write() as session:
        session.execute(
            update(AttachmentRow)
            .where(AttachmentRow.sha256 == sha256, AttachmentRow.upload_state != "complete")
            .values(upload_state=state, error=error, uploaded_at=utc_now() if state == "complete" else None)
        )


def _server_offset(transport: Transport, sha256: str) -> tuple[int | None, bool]:
    """(offset, complete) as the server sees the blob; offset None when it has never heard of it."""
    response = transport.request("HEAD", f"/blobs/{sha256}")
    if response.status_code == 404:
        return None, False
    if response.status_code != 200 or "Upload-Offset" not in response.headers:
        raise TransientError(f"Máy chủ không cho biết tiến độ tải tệp (HTTP {response.status_code}).", code="blob_head")
    return int(response.headers["Upload-Offset"]), response.headers.get("X-Blob-Complete") == "1"


def upload_blob(transport: Transport, path: Path, sha256: str, size: int, content_type: str, limits: Limits) -> None:
    offset, complete = _server_offset(transport, sha256)
    if complete:
        return
    if offset is None:
        status = transport.call("POST", f"/blobs/{sha256}", BlobStatus,
                                json_body=BlobCreate(size=size, content_type=content_type).model_dump())
        offset, complete = status.offset, status.complete
    with path.open("rb") as handle:
        while not complete:
            handle.seek(offset)
            chunk = handle.read(limits.blob_chunk_bytes)
            response = transport.request("PATCH", f"/blobs/{sha256}", data=chunk,
                                         headers={"Upload-Offset": str(offset),
                                                  "Content-Type": "application/offset+octet-stream"})
            if response.status_code == 409:
                offset, complete = _server_offset(transport, sha256)
                if offset is None:
                    raise TransientError("Máy chủ mất phiên tải tệp; sẽ bắt đầu lại.", code="blob_lost")
                continue
            status = parse_response(response, BlobStatus)
            offset, complete = status.offset, status.complete


def upload_pending_blobs(db: Database, data_dir: Path, transport: Transport, limits: Limits, report: Any) -> int:
    with db.read() as session:
        pending = session.execute(
            select(AttachmentRow.sha256, AttachmentRow.size, AttachmentRow.content_type)
            .where(AttachmentRow.upload_state == "pending")
            .distinct()
        ).all()
    store = BlobStore(data_dir)
    uploaded = 0
    for sha256, size, content_type in pending:
        path = store.path_of(sha256)
        if not store.verify(sha256):
            _mark(db, sha256, "failed", "Tệp trên máy quầy bị mất hoặc đã bị thay đổi; hãy đính kèm lại bản quét.")
            report.problems.append({"sha256": sha256, "status": "failed", "code": "local_file_missing"})
            continue
        try:
            report.requests += 1
            upload_blob(transport, path, sha256, size, content_type, limits)
        except PermanentError as error:
            if error.status in (413, 422):
                _mark(db, sha256, "failed" if error.status == 413 else "pending", error.message)
                report.problems.append({"sha256": sha256, "status": "failed", "code": error.code, "message": error.message})
                continue
            raise
        except requests.RequestException as error:  # pragma: no cover - transport already maps these
            raise TransientError(str(error)) from None
        _mark(db, sha256, "complete")
        uploaded += 1
    return uploaded

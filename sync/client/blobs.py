"""Uploading attached files in resumable chunks: ask the server where it stands, send from there.

A file missing or changed on the local disk gets its own error and does not stop the others; the same
bytes attached to several dossiers are uploaded once. The server's offset must move forward: a server
that keeps answering without taking more bytes, or that describes the file differently from the one on
this counter, stops that file for this sync with a message on its attachment rows (the others go on),
after at most a few requests, never in a loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from counter_app.domain.operations import UploadState
from counter_app.services.clock import utc_now
from counter_app.storage.blobstore import BlobStore
from counter_app.storage.database import Database
from counter_app.storage.sync_store import files_to_upload, mark_upload
from sync.client.transport import PermanentError, TransientError, Transport, parse_response
from sync.protocol import BlobCreate, BlobStatus, Limits

# Server answers in a row that move the offset no further before the file waits for the next sync.
MAX_STALLS = 3
# Refusals that concern this one file (its size, the unit's quota, its content), not the whole sync.
PER_BLOB_STATUSES = (404, 409, 413, 422)
# The server refused the file for good (too large for it): it is not offered again.
FINAL_CODES = ("blob_too_large",)


class BlobStopped(Exception):
    """This file cannot go on now; `message` (Vietnamese) is recorded on its attachment rows."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class ServerBlob:
    offset: int
    size: int
    complete: bool


def _mark(db: Database, sha256: str, state: UploadState, error: str | None = None) -> None:
    with db.write() as session:
        mark_upload(session, sha256, state, error, utc_now())


def _header_int(response: requests.Response, name: str) -> int:
    value = response.headers.get(name, "")
    if not value.isdigit() or len(value) > 15:
        raise TransientError(f"Máy chủ không cho biết tiến độ tải tệp (HTTP {response.status_code}).", code="blob_head")
    return int(value)


def _server_blob(transport: Transport, sha256: str) -> ServerBlob | None:
    """The upload as the server sees it; None when it has never heard of it (in this counter's unit)."""
    response = transport.request("HEAD", f"/blobs/{sha256}")
    if response.status_code == 404:
        return None
    if response.status_code != 200:
        parse_response(response, BlobStatus)  # raises the matching error (401, 403, 5xx…)
        raise TransientError(f"Máy chủ không cho biết tiến độ tải tệp (HTTP {response.status_code}).", code="blob_head")
    return ServerBlob(_header_int(response, "Upload-Offset"), _header_int(response, "Upload-Length"),
                      response.headers.get("X-Blob-Complete") == "1")


def _start(transport: Transport, sha256: str, size: int, content_type: str) -> ServerBlob:
    status = transport.call("POST", f"/blobs/{sha256}", BlobStatus,
                            json_body=BlobCreate(size=size, content_type=content_type).model_dump())
    return ServerBlob(status.offset, status.size, status.complete)


def _check_agrees(server: ServerBlob, size: int) -> None:
    """The server's description of the upload must fit the file on this counter."""
    if server.size != size or not 0 <= server.offset <= size:
        raise BlobStopped(
            "blob_server_disagrees",
            f"Máy chủ tỉnh mô tả tệp này khác với tệp trên quầy (máy chủ: {server.size} byte, đã nhận {server.offset}; "
            f"quầy: {size} byte). Tạm dừng gửi tệp này; quầy sẽ hỏi lại ở lần đồng bộ sau. Nếu lỗi còn lặp lại, "
            "hãy báo quản trị máy chủ tỉnh.",
        )


def upload_blob(transport: Transport, path: Path, sha256: str, size: int, content_type: str, limits: Limits) -> None:
    """Send the file from where the server stands; BlobStopped if the server's offset stops moving."""
    server = _server_blob(transport, sha256) or _start(transport, sha256, size, content_type)
    if server.complete:
        return
    _check_agrees(server, size)
    best, stalls = server.offset, 0
    with path.open("rb") as handle:
        while not server.complete:
            handle.seek(server.offset)
            chunk = handle.read(limits.blob_chunk_bytes)
            response = transport.request("PATCH", f"/blobs/{sha256}", data=chunk,
                                         headers={"Upload-Offset": str(server.offset),
                                                  "Content-Type": "application/offset+octet-stream"})
            if response.status_code in (404, 409):
                # Another desk moved the upload on, or the server lost it: ask where it stands now.
                server = _server_blob(transport, sha256) or _start(transport, sha256, size, content_type)
            else:
                status = parse_response(response, BlobStatus)
                server = ServerBlob(status.offset, status.size, status.complete)
            if server.complete:
                return
            _check_agrees(server, size)
            if server.offset > best:
                best, stalls = server.offset, 0
                continue
            stalls += 1
            if stalls >= MAX_STALLS:
                raise BlobStopped(
                    "blob_no_progress",
                    f"Máy chủ tỉnh không nhận thêm dữ liệu của tệp này sau {MAX_STALLS} lần gửi (dừng ở byte "
                    f"{server.offset}/{size}). Tạm dừng gửi tệp này; quầy sẽ thử lại ở lần đồng bộ sau.",
                )


def upload_pending_blobs(db: Database, data_dir: Path, transport: Transport, limits: Limits, report: Any) -> int:
    with db.read() as session:
        pending = files_to_upload(session)
    store = BlobStore(data_dir)
    uploaded = 0
    for sha256, size, content_type in pending:
        path = store.path_of(sha256)
        if not store.verify(sha256):
            _mark(db, sha256, UploadState.FAILED, "Tệp trên máy quầy bị mất hoặc đã bị thay đổi; hãy đính kèm lại bản quét.")
            report.problems.append({"sha256": sha256, "status": "failed", "code": "local_file_missing"})
            continue
        try:
            report.requests += 1
            upload_blob(transport, path, sha256, size, content_type, limits)
        except BlobStopped as stop:
            _mark(db, sha256, UploadState.PENDING, stop.message)
            report.problems.append({"sha256": sha256, "status": "stopped", "code": stop.code, "message": stop.message})
            continue
        except PermanentError as error:
            if error.status not in PER_BLOB_STATUSES:
                raise
            final = error.code in FINAL_CODES
            _mark(db, sha256, UploadState.FAILED if final else UploadState.PENDING, error.message)
            report.problems.append({"sha256": sha256, "status": "failed" if final else "stopped", "code": error.code,
                                    "message": error.message})
            continue
        except requests.RequestException as error:  # pragma: no cover - transport already maps these
            raise TransientError(str(error)) from None
        _mark(db, sha256, UploadState.COMPLETE)
        uploaded += 1
    return uploaded

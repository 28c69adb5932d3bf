"""Attaching files (scans) to a dossier: stored by hash locally, announced to the server by the outbox.

The attachment's metadata travels with the other operations; the bytes go later on their own channel,
so a dossier's data never waits behind its scans.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from counter_app.domain.errors import ValidationError
from counter_app.domain.operations import OpType, UploadState
from counter_app.domain.text import nfc
from counter_app.services.clock import utc_now
from counter_app.services.dossiers import DossierNotFound
from counter_app.storage.blobstore import BlobStore
from counter_app.storage.database import Database
from counter_app.storage.dossiers import find_attachment, get_row
from counter_app.storage.models import AttachmentRow
from counter_app.storage.outbox import append_operation

MAX_ATTACHMENT_BYTES = 200 * 1024 * 1024


@dataclass(frozen=True)
class AttachedFile:
    name: str
    sha256: str
    size: int
    new: bool


def attach_files(db: Database, data_dir: Path, code: str, files: list[Path], *, now: datetime | None = None) -> list[AttachedFile]:
    now = now or utc_now()
    for path in files:
        if not path.is_file():
            raise ValidationError("file", f"Không tìm thấy tệp «{path}».", "Tệp đính kèm")
        if path.stat().st_size > MAX_ATTACHMENT_BYTES:
            raise ValidationError("file", f"Tệp «{path.name}» lớn hơn {MAX_ATTACHMENT_BYTES // 1_048_576} MB.", "Tệp đính kèm")
    store = BlobStore(data_dir)
    stored = [(path, *store.put(path)) for path in files]
    attached = []
    with db.write() as session:
        row = get_row(session, code)
        if row is None:
            raise DossierNotFound(nfc(code))
        for path, sha, size in stored:
            name = nfc(path.name)
            exists = find_attachment(session, row.pk, sha, name)
            if exists is not None:
                attached.append(AttachedFile(name, sha, size, new=False))
                continue
            content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
            session.add(AttachmentRow(dossier_pk=row.pk, sha256=sha, name=name, size=size, content_type=content_type,
                                      created_at=now, upload_state=UploadState.PENDING))
            append_operation(session, entity="attachment", entity_id=row.id, op_type=OpType.ATTACHMENT_ADD,
                             payload={"dossier_code": row.code, "sha256": sha, "name": name, "size": size,
                                      "content_type": content_type}, now=now)
            attached.append(AttachedFile(name, sha, size, new=True))
    return attached

"""Scans of a dossier's papers: each paper one PDF (its scan bundle), its digitisation state, its pages.

Adding scans to a paper that already has a bundle makes a new bundle holding the old pages then the
new ones; the old row is marked replaced (kept, so that the history and the server's copy agree) and
one `attachment.add` operation carries the new bundle with its paper, page count and what it replaces.
A paper may instead reuse the bundle of another dossier's paper ("tái sử dụng"): same bytes, stored
and sent once. docs/digitisation.md.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from counter_app.domain.digitisation import DigitisationState, paper_state
from counter_app.domain.errors import DomainError, ValidationError
from counter_app.domain.operations import OpType, UploadState
from counter_app.domain.text import nfc
from counter_app.services.clock import utc_now
from counter_app.services.dossiers import DossierNotFound
from counter_app.storage.blobstore import BlobStore
from counter_app.storage.database import Database
from counter_app.storage.dossiers import get_row
from counter_app.storage.models import AttachmentRow, DossierRow
from counter_app.storage.outbox import append_operation

PDF = "application/pdf"
FIELD, LABEL = "document", "Giấy tờ"
# Characters Windows and POSIX file names cannot hold, and control characters.
_UNSAFE_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')
MAX_NAME_PART = 120
# Another desk action may replace the paper's bundle while ours is being built: build again this often.
BUILD_ATTEMPTS = 3


@dataclass(frozen=True)
class PaperScan:
    """One paper of a dossier as the scan panel and `counter-app show` list it."""

    index: int
    name: str
    state: DigitisationState
    pages: int
    sha256: str | None
    reused_from: str | None = None


@dataclass(frozen=True)
class BundleAdded:
    index: int
    name: str
    sha256: str
    size: int
    pages: int
    new: bool


def bundle_name(index: int, paper: str) -> str:
    """A file name a citizen's paper can be saved under: "02 Tờ khai đăng ký khai sinh.pdf"."""
    words = " ".join(_UNSAFE_NAME.sub(" ", nfc(paper)).split()).rstrip(".")[:MAX_NAME_PART].strip()
    return f"{index:02d} {words or 'Giấy tờ'}.pdf"


def _dossier(session: Session, code: str) -> DossierRow:
    row = get_row(session, code)
    if row is None:
        raise DossierNotFound(nfc(code))
    return row


def _paper_name(row: DossierRow, index: int) -> str:
    papers = row.documents or []
    if not 1 <= index <= len(papers):
        raise ValidationError(FIELD, f"Hồ sơ {row.code} có {len(papers)} giấy tờ; không có giấy tờ số {index}.", LABEL)
    return str(papers[index - 1].get("name", ""))


def current_bundle(session: Session, dossier_pk: int, index: int) -> AttachmentRow | None:
    return session.scalar(select(AttachmentRow).where(
        AttachmentRow.dossier_pk == dossier_pk, AttachmentRow.document_index == index,
        AttachmentRow.replaced_at.is_(None)))


def _record(session: Session, row: DossierRow, index: int, previous: AttachmentRow | None, sha: str, size: int,
            pages: int, now: datetime, reused_from: str | None = None) -> BundleAdded:
    """Make `sha` the paper's current bundle and queue its operation, in the caller's transaction."""
    name = bundle_name(index, _paper_name(row, index))
    if previous is not None and previous.sha256 == sha and previous.reused_from == reused_from:
        return BundleAdded(index, previous.name, sha, size, pages, new=False)
    if previous is not None:
        previous.replaced_at = now
        session.flush()  # the partial unique index sees the old bundle replaced before the new one
    session.add(AttachmentRow(dossier_pk=row.pk, sha256=sha, name=name, size=size, content_type=PDF, created_at=now,
                              upload_state=UploadState.PENDING, document_index=index, page_count=pages,
                              reused_from=reused_from))
    payload: dict[str, object] = {"dossier_code": row.code, "sha256": sha, "name": name, "size": size,
                                  "content_type": PDF, "document_index": index, "page_count": pages}
    if previous is not None:
        payload["replaces"] = previous.sha256
    if reused_from is not None:
        payload["reused_from"] = reused_from
    append_operation(session, entity="attachment", entity_id=row.id, op_type=OpType.ATTACHMENT_ADD, payload=payload,
                     now=now)
    return BundleAdded(index, name, sha, size, pages, new=True)


def add_scans(db: Database, data_dir: Path, code: str, index: int, files: Sequence[Path], *,
              now: datetime | None = None) -> BundleAdded:
    """Add the pages of `files` (images or PDFs, in this order) to paper `index` of dossier `code`."""
    from counter_app.services.scan_bundle import build_bundle  # Pillow, img2pdf, pikepdf: loaded on first use

    if not files:
        raise ValidationError("file", "Chưa chọn tệp quét nào.", "Tệp quét")
    store = BlobStore(data_dir)
    for _ in range(BUILD_ATTEMPTS):
        with db.read() as session:
            row = _dossier(session, code)
            _paper_name(row, index)
            previous = current_bundle(session, row.pk, index)
            base_sha = previous.sha256 if previous is not None else None
        bundle = build_bundle(files, store.read(base_sha) if base_sha else None)  # slow: outside any transaction
        sha, size = store.put_bytes(bundle.data, "bundle.pdf")
        with db.write() as session:
            row = _dossier(session, code)
            previous = current_bundle(session, row.pk, index)
            if (previous.sha256 if previous is not None else None) == base_sha:
                return _record(session, row, index, previous, sha, size, bundle.pages, now or utc_now())
    raise DomainError(f"Giấy tờ số {index} của hồ sơ {nfc(code)} đang được cập nhật ở nơi khác; hãy thử lại.")


def reuse_paper(db: Database, code: str, index: int, source_code: str, source_index: int, *,
                now: datetime | None = None) -> BundleAdded:
    """Paper `index` of `code` takes the current bundle of paper `source_index` of `source_code`."""
    with db.write() as session:
        source = _dossier(session, source_code)
        _paper_name(source, source_index)
        bundle = current_bundle(session, source.pk, source_index)
        if bundle is None or bundle.page_count is None:
            raise ValidationError(FIELD, f"Giấy tờ số {source_index} của hồ sơ {source.code} chưa được số hóa.", LABEL)
        row = _dossier(session, code)
        if row.pk == source.pk and index == source_index:
            raise ValidationError(FIELD, "Không thể tái sử dụng một giấy tờ cho chính nó.", LABEL)
        return _record(session, row, index, current_bundle(session, row.pk, index), bundle.sha256, bundle.size,
                       bundle.page_count, now or utc_now(), reused_from=source.code)


def paper_scans(db: Database, code: str) -> list[PaperScan]:
    """Every paper of the dossier, in its order, with its digitisation state and current bundle."""
    with db.read() as session:
        row = _dossier(session, code)
        bundles = {b.document_index: b for b in session.scalars(select(AttachmentRow).where(
            AttachmentRow.dossier_pk == row.pk, AttachmentRow.document_index.is_not(None),
            AttachmentRow.replaced_at.is_(None)))}
        scans = []
        for index, paper in enumerate(row.documents or [], start=1):
            bundle = bundles.get(index)
            scans.append(PaperScan(index, str(paper.get("name", "")),
                                   paper_state(bundle is not None, bundle.reused_from if bundle else None),
                                   bundle.page_count or 0 if bundle else 0, bundle.sha256 if bundle else None,
                                   bundle.reused_from if bundle else None))
        return scans

"""The records of a page of pulled-back dossiers, as the province keeps them (sync/server/pullback.py).

Each record is `{"kind": ..., "data": <the payload the counter once sent>, ...}` plus what changed since
(a receipt's cancellation, a posted result's latest shipment state, a scan bundle being replaced): the
counter checks `data` again with the operation's own model (counter_app/storage/pullback_records.py).
Only what this device recorded (receipts, returns) or what hangs on its own dossiers (lifecycle records,
attachments); at most MAX_RECORDS per dossier. The records of the desk that hang on no dossier (day
closes, guidance slips, the portal help log) come in pages of their own (`desk_records`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from counter_app.domain.serialization import iso_instant
from sync.protocol import PullBackDeskPage
from sync.server.models import (
    AssistedFiling,
    Attachment,
    DayClose,
    Device,
    Dossier,
    DossierRecord,
    GuidanceRecord,
    Receipt,
    ResultReturn,
)

MAX_RECORDS = 300


def _when(value: Any) -> str | None:
    return iso_instant(value) if value is not None else None


def dossier_records(session: Session, device: Device, page: Sequence[Dossier]) -> dict[str, list[dict[str, Any]]]:
    """code -> records of the dossiers in `page`, oldest first within each kind."""
    codes = {row.code: row for row in page}
    by_id = {row.id: row.code for row in page}
    out: dict[str, list[dict[str, Any]]] = {code: [] for code in codes}
    if not page:
        return out
    for record in session.scalars(select(DossierRecord).where(DossierRecord.dossier_id.in_(by_id))
                                  .order_by(DossierRecord.at, DossierRecord.id)):
        out[by_id[record.dossier_id]].append({"kind": record.kind, "data": record.data})
    for receipt in session.scalars(select(Receipt).where(Receipt.dossier_code.in_(codes), Receipt.device_id == device.id)
                                   .order_by(Receipt.collected_at, Receipt.number)):
        out[receipt.dossier_code].append({
            "kind": "receipt", "data": receipt.data, "status": receipt.status,
            "cancelled_at": _when(receipt.cancelled_at), "cancel_reason": receipt.cancel_reason,
            "cancelled_by": receipt.cancelled_by})
    for returned in session.scalars(select(ResultReturn).where(ResultReturn.dossier_code.in_(codes),
                                                               ResultReturn.device_id == device.id)
                                    .order_by(ResultReturn.returned_at)):
        out[returned.dossier_code].append({"kind": "return", "data": returned.data,
                                           "shipment_state": returned.shipment_state,
                                           "state_at": _when(returned.state_at)})
    for attachment in session.scalars(select(Attachment).where(Attachment.dossier_code.in_(codes),
                                                               Attachment.unit_code == device.unit_code)
                                      .order_by(Attachment.created_at, Attachment.id)):
        out[attachment.dossier_code].append({"kind": "attachment", "data": {
            "dossier_code": attachment.dossier_code, "sha256": attachment.sha256, "name": attachment.name,
            "size": attachment.size, "document_index": attachment.document_index,
            "page_count": attachment.page_count, "reused_from": attachment.reused_from},
            "created_at": _when(attachment.created_at), "replaced_at": _when(attachment.replaced_at)})
    return out


DESK_KINDS = {"day_close": (DayClose, DayClose.device_id), "guidance": (GuidanceRecord, GuidanceRecord.source_device_id),
              "assist": (AssistedFiling, AssistedFiling.source_device_id)}


def desk_records(session: Session, device: Device, kind: str, after: str, limit: int) -> PullBackDeskPage:
    """A page of the device's own records that hang on no dossier (its day closes, guidance slips, portal
    help log), by id (a keyset), each the payload the counter once sent."""
    table, owner = DESK_KINDS[kind]
    rows = session.scalars(select(table).where(owner == device.id, table.id > after).order_by(table.id)
                           .limit(limit + 1)).all()
    page = rows[:limit]
    return PullBackDeskPage(kind=kind, after=after, records=[{"kind": kind, "data": row.data} for row in page],
                            next_after=page[-1].id if len(rows) > limit else None)

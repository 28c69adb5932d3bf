"""A desk's dossier.create refused on a duplicate code, as the counter stores it (no server needed).

`decided` writes the push's answer (the create in conflict, `duplicate_code`) on the outbox row, then applies
the supervisor's decision through the real notice reader (storage/conflict_notices.apply_resolution_notice),
as the sync does when it pulls the province's `conflict_resolution` change.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select, update

from counter_app.domain.operations import OutboxState
from counter_app.services.clock import utc_now
from counter_app.services.intake import IntakeRequest, PersonInput, receive_dossier
from counter_app.storage.conflict_notices import apply_resolution_notice
from counter_app.storage.database import Database
from counter_app.storage.dossiers import get_row
from counter_app.storage.models import OutboxOp

DEVICE = "11111111-2222-4333-8444-555555555555"


def received(db: Database, name: str = "Nguyễn Văn Đức", clerk: str = "giamsat") -> str:
    """A birth registration received at this desk (by `clerk`, "" on a counter without accounts); its code."""
    return receive_dossier(db, IntakeRequest("1.001193", PersonInput(
        full_name=name, id_number="049090001234", phone="0905123456", street="12 Lê Lợi"),
        clerk_username=clerk)).code


def in_conflict(db: Database, code: str) -> OutboxOp:
    """The push's answer, as stored: the province holds another dossier under `code`."""
    with db.write() as session:
        row = get_row(session, code)
        assert row is not None
        op = session.scalar(select(OutboxOp).where(OutboxOp.entity_id == row.id, OutboxOp.op_type == "dossier.create"))
        assert op is not None
        session.execute(update(OutboxOp).where(OutboxOp.seq == op.seq)
                        .values(state=OutboxState.CONFLICT.value, result_code="duplicate_code"))
        session.flush()
        session.expunge(op)
        return op


def notice(op: OutboxOp, code: str, resolution: str = "keep_server", *, device: str = DEVICE,
           conflict: str = "duplicate_code", **changes: Any) -> dict[str, Any]:
    """The `conflict_resolution` change's payload (sync.protocol_conflicts.ResolutionNotice) for `op`."""
    return {"conflict_id": 7, "op_id": op.op_id, "device_id": device, "code": conflict, "dossier_code": code,
            "resolution": resolution, "supervisor_username": "giamsat", "supervisor_name": "Lê Văn Giám",
            "note": "Hai công dân khác nhau", "at": utc_now().isoformat(), "dossier": {"status": 2, "version": 1},
            **changes}


def decided(db: Database, code: str, resolution: str = "keep_server", **changes: Any) -> None:
    """The dossier's create in conflict, then the supervisor's decision as the desk `DEVICE` learns it."""
    op = in_conflict(db, code)
    with db.write() as session:
        apply_resolution_notice(session, notice(op, code, resolution, **changes), DEVICE, utc_now())


def created_payload(db: Database, code: str) -> dict[str, Any]:
    """The dossier.create payload the desk queued for `code` (what a decision for its version hands back)."""
    with db.read() as session:
        row = get_row(session, code)
        assert row is not None
        op = session.scalar(select(OutboxOp).where(OutboxOp.entity_id == row.id, OutboxOp.op_type == "dossier.create"))
        assert op is not None
        return json.loads(op.payload)

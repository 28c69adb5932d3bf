"""The common push in set-based SQL: a backlog of new dossiers from one device.

A counter coming back online sends mostly dossier.create operations of dossiers the server has never
seen. For such a batch the outcome of each operation depends on the operation alone (its own checks,
sync/server/op_checks.py), so the batch is decided in Python and written with one executemany per table
(dossier, dossier_event, op_ledger): no ORM object per row, no flush bookkeeping.

Anything else takes the general path (sync/server/ingest.py): another operation type, two operations of the
batch naming the same dossier (`is_new_dossiers` says which batch is which, without SQL).

A dossier id or code the server already holds is not looked up first: it fails its unique constraint, the
savepoint the caller (`ingest._apply_batch_fast`) opened for this insert takes the batch's rows back, and the
batch takes the prefetched path, which reads the dossiers it names first. A lookup of every id and code cost
each push a statement with two parameters per dossier (3 % of a stored backlog's apply on PostgreSQL), for a
case no counter makes in its normal course: its operations keep their ids, and a replay is answered from the
ledger before this path is tried.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from counter_app.domain.payloads import DossierCreatePayload
from sync.protocol import OpResult, OpStatus
from sync.server.auth import slots_held
from sync.server.bulk_insert import JsonText, insert_rows
from sync.server.ingest_dossiers import history_values, new_dossier_values, refuse_creation
from sync.server.models import Device, Dossier, DossierEvent, OpLedger
from sync.server.op_checks import LedgerKey, Outcome, Prepared


def ledger_values(device: Device, epoch: str, key: LedgerKey, outcome: Outcome, now: datetime) -> dict[str, Any]:
    """The `op_ledger` row recording `outcome` (the answer every replay of the operation gets)."""
    return {"device_id": device.id, "op_id": key.op_id, "device_epoch": epoch, "seq": key.seq,
            "op_type": key.op_type, "entity_id": key.entity_id, "payload_hash": key.payload_hash,
            "status": outcome.status.value, "code": outcome.code, "message": outcome.message,
            "server_version": outcome.version, "received_at": now}


def is_new_dossiers(items: list[Prepared]) -> bool:
    """Whether every operation to apply is a dossier.create of a dossier no other one of the batch names."""
    payloads = [item.payload for item in items if item.answer is None and item.refusal is None]
    creates = [payload for payload in payloads if isinstance(payload, DossierCreatePayload)]
    if not creates or len(creates) != len(payloads):
        return False
    return len({p.id for p in creates}) == len(creates) == len({p.code for p in creates})


def apply_new_dossiers(session: Session, device: Device, epoch: str, items: list[Prepared],
                       now: datetime) -> list[OpResult]:
    """Apply a batch of new dossiers (`is_new_dossiers`) set-based and answer each element; `IntegrityError`
    if one of them is held already."""
    held = slots_held(session, device.id)
    dossiers: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    ledger: list[dict[str, Any]] = []
    results: list[OpResult] = []
    for item in items:
        if item.answer is not None:
            results.append(item.answer)
            continue
        assert item.key is not None
        outcome = item.refusal
        if outcome is None:
            assert isinstance(item.payload, DossierCreatePayload) and item.op is not None
            outcome = refuse_creation(device, item.payload, held)
            if outcome is None:
                dossiers.append(new_dossier_values(device, item.payload, JsonText(item.payload_text), now))
                events += history_values(item.payload, item.key.op_id)
                outcome = Outcome(OpStatus.ACCEPTED, version=item.payload.version)
        ledger.append(ledger_values(device, epoch, item.key, outcome, now))
        results.append(OpResult(op_id=item.key.op_id, seq=item.key.seq, status=outcome.status, code=outcome.code,
                                message=outcome.message, server_version=outcome.version))
    for model, rows in ((Dossier, dossiers), (DossierEvent, events), (OpLedger, ledger)):
        insert_rows(session, model.__table__, rows)
    return results


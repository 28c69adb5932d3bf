"""The transactional outbox: every change bound for the provincial server, in commit order.

`append_operation` must be called inside the same write transaction as the change it describes, so
the change and its operation are committed (or lost) together. The sync client reads only this table.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.orm import Session

from counter_app.domain.conflicts import DISPUTED_CODE
from counter_app.domain.errors import DomainError
from counter_app.domain.operations import OPEN_STATES, OpType, OutboxState, check_payload
from counter_app.domain.serialization import canonical_json
from counter_app.storage.audit import record_operation
from counter_app.storage.models import OutboxOp

# Version of the payload shapes carried by operations; the server accepts this and older ones.
PAYLOAD_SCHEMA_VERSION = 1
# An open operation the counter withdraws instead of sending (its payload cannot be sent as it is): the
# server is told so under the same seq (sync/client/outgoing.py), then it counts as refused.
WITHDRAWN = "withdrawn"
# Operations of a dossier that name it by its code in their payload, under an entity of their own.
NAMED_BY_CODE = ("receipt", "result_return")


def append_operation(
    session: Session,
    *,
    entity: str,
    entity_id: str,
    op_type: OpType,
    payload: dict[str, Any],
    now: datetime,
    base_version: int | None = None,
    actor: str = "",
    actor_name: str = "",
    audit_before: dict[str, Any] | None = None,
) -> OutboxOp:
    """Queue one operation. Its payload is checked against the shared vocabulary first: what the
    server would refuse is refused here, inside the clerk's transaction, with the same Vietnamese reason.

    Every operation also appends its audit row (storage/audit.py) in the same transaction: `actor` is the
    acting clerk's username when the payload does not name it (`actor_name` the name, when the payload's names
    another: a dossier given a new code names its receiving clerk), `audit_before` what the action changed."""
    check_payload(op_type, payload, now=now)
    text = canonical_json(payload)
    op = OutboxOp(
        op_id=str(uuid.uuid4()),
        entity=entity,
        entity_id=entity_id,
        op_type=OpType(op_type).value,
        base_version=base_version,
        schema_version=PAYLOAD_SCHEMA_VERSION,
        payload=text,
        payload_hash=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        created_at=now,
        state=OutboxState.PENDING.value,
        attempts=0,
    )
    session.add(op)
    session.flush()  # assigns seq now, inside this transaction
    record_operation(session, op, payload, now=now, actor=actor, actor_name=actor_name, before=audit_before)
    return op


def renamed_payload(payload: dict[str, Any], renamed: dict[str, str]) -> dict[str, Any]:
    """`payload` with each field that holds an old code or id whole (a key of `renamed`) given the new one."""
    return {key: renamed.get(value, value) if isinstance(value, str) else value for key, value in payload.items()}


def append_again(session: Session, op: OutboxOp, renamed: dict[str, str], now: datetime) -> OutboxOp:
    """Queue `op` once more, as a new operation, under the dossier's code and id as they are now (`renamed`):
    the province refused it while the dossier's code was disputed (`disputed_code`), and a decision or a new
    code settled that. Its audit row names the operation it repeats (and, for a step, the status it left)."""
    payload = renamed_payload(json.loads(op.payload), renamed)
    before: dict[str, Any] = {"replays": op.op_id}
    if op.op_type == OpType.DOSSIER_STATUS.value:
        before["status"] = payload.get("from")
    return append_operation(session, entity=op.entity, entity_id=renamed.get(op.entity_id, op.entity_id),
                            op_type=OpType(op.op_type), payload=payload, now=now, base_version=op.base_version,
                            audit_before=before)


def operations_for(session: Session, entity_id: str) -> list[OutboxOp]:
    return list(session.scalars(select(OutboxOp).where(OutboxOp.entity_id == entity_id).order_by(OutboxOp.seq)))


def operations_to_send_again(session: Session, dossier_id: str, *, code: str) -> list[OutboxOp]:
    """The operations of the dossier once known as `dossier_id` and `code` that must go again under its new
    identity, in their order: each one the province refused while the code was disputed (naming the id as
    its entity, or a receipt or return naming the code), each one naming the id not sent yet, and each one
    sent but not answered (the province refuses one that names the id; a receipt or return that got in
    anyway is taken once: the province keeps it by its own id). Its create is never among them."""
    refused = and_(OutboxOp.state == OutboxState.REJECTED.value, OutboxOp.result_code == DISPUTED_CODE)
    in_flight = OutboxOp.state == OutboxState.IN_FLIGHT.value
    open_or_refused = or_(refused, in_flight, OutboxOp.state == OutboxState.PENDING.value)
    # A payload that is not JSON (a damaged row) names no code, and stops nothing.
    named = case((func.json_valid(OutboxOp.payload) == 1, func.json_extract(OutboxOp.payload, "$.dossier_code")))
    wanted = or_(and_(OutboxOp.entity_id == dossier_id, open_or_refused),
                 and_(OutboxOp.entity.in_(NAMED_BY_CODE), or_(refused, in_flight), named == code))
    return list(session.scalars(select(OutboxOp).where(wanted, OutboxOp.op_type != OpType.DOSSIER_CREATE.value)
                                .order_by(OutboxOp.seq)))


def send_again_under(session: Session, old_id: str, renamed: dict[str, str], now: datetime, *, code: str,
                     reason_code: str, reason: str) -> None:
    """Queue once more, under the dossier's code and id as they are now (`renamed`), each operation
    `operations_to_send_again` finds; one not sent yet is withdrawn (`reason_code`, `reason`): it would reach
    the province under an identity it does not hold.

    A row whose payload does not read (edited on disk) is left as it is: the push withdraws it with its reason,
    which the sync screen shows; one a push already withdrew is not carried either."""
    for op in operations_to_send_again(session, old_id, code=code):
        if is_withdrawn(op):
            continue
        try:  # nothing is written before the payload reads and checks
            append_again(session, op, renamed, now)
        except (ValueError, TypeError, AttributeError, RecursionError, DomainError):
            continue
        if op.state == OutboxState.PENDING.value:
            withdraw(session, op.seq, reason_code, reason)


def withdraw(session: Session, seq: int, code: str, message: str) -> None:
    """Mark an open operation to be withdrawn: the next push sends the server a withdrawal in its place.

    `code` says why (e.g. `invalid_local`, `server_failed`, `too_large`); the message, in Vietnamese,
    stays on the operation and is what the sync screen shows.
    """
    session.execute(
        update(OutboxOp)
        .where(OutboxOp.seq == seq, OutboxOp.state.in_(OPEN_STATES))
        .values(result_code=WITHDRAWN, result_message=f"{message} [{code}]")
    )


def is_withdrawn(op: OutboxOp) -> bool:
    return op.result_code == WITHDRAWN

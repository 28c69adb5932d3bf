"""The audit trail in the counter's database: one row appended per queued operation, read back in a stream.

`record_operation` is called by `storage.outbox.append_operation` inside the caller's transaction, so an
action, its operation and its audit row are committed (or lost) together. Rows are only ever inserted
(triggers of migration 0012 refuse UPDATE and DELETE); `audit_head` remembers the last row apart.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from counter_app.domain.audit import STORED_FIELDS, AuditRecord, ChainHead, genesis_hash, sealed
from counter_app.domain.operations import OpType
from counter_app.domain.receipts import number_text
from counter_app.domain.serialization import canonical_json, iso_instant
from counter_app.storage.models import AuditHead, AuditLogRow, ClerkAccount, OutboxOp, SyncState
from counter_app.storage.profile import get_profile

HEAD_ID = 1
STREAM_CHUNK = 5_000
COLUMNS = ", ".join(STORED_FIELDS)  # seq, at, device … prev_hash, hash
# Payload fields naming who acted, and what the action was about, in the order they are looked for.
NAME_FIELDS = ("actor", "clerk", "collector", "received_by")
USERNAME_FIELDS = ("clerk_username", "collector_username", "by", "supervisor")
SUBJECT_FIELDS = ("code", "dossier_code", "number", "receipt_number", "day", "item_code", "username", "reference")
SECRET_FIELDS = frozenset({"password_hash", "password"})
MAX_SUBJECT = 64


def record_operation(session: Session, op: OutboxOp, payload: Mapping[str, Any], *, now: datetime,
                     actor: str = "", actor_name: str = "", before: Mapping[str, Any] | None = None) -> AuditLogRow:
    """Append the audit row of operation `op` (already flushed, so its seq is known)."""
    name, username = (actor_name, actor) if actor_name else _who(session, payload, actor)
    after = _redacted(payload)
    if op.op_type == OpType.DOSSIER_STATUS.value:
        if before is None and "from" in payload:
            before = {"status": payload["from"]}
        after = {"status": payload.get("to"),
                 **{key: value for key, value in after.items() if key not in ("code", "from", "to", "actor")}}
    return append_record(session, at=now, clerk_name=name, clerk_username=username, action=op.op_type,
                         subject=_subject(payload, op.entity_id), before=before, after=after, op_seq=op.seq)


def append_record(session: Session, *, at: datetime, clerk_name: str, clerk_username: str, action: str,
                  subject: str, before: Mapping[str, Any] | None, after: Mapping[str, Any],
                  op_seq: int | None) -> AuditLogRow:
    """Seal and insert the next row of the chain; the primary key on seq keeps it gap-free and single."""
    head = session.get(AuditHead, HEAD_ID)
    profile = get_profile(session)
    device = profile.device_id if profile is not None else ""
    record = sealed(AuditRecord(
        seq=1 if head is None else head.seq + 1, at=iso_instant(at), device=device, clerk_name=clerk_name,
        clerk_username=clerk_username[:32], action=action, subject=subject[:MAX_SUBJECT],
        before=None if before is None else canonical_json(dict(before)), after=canonical_json(dict(after)),
        prev_hash=genesis_hash(device) if head is None else head.hash,
    ))
    row = AuditLogRow(**record.fields(), hash=record.hash, op_seq=op_seq)
    session.add(row)
    if head is None:
        session.add(AuditHead(id=HEAD_ID, seq=record.seq, hash=record.hash))
    else:
        head.seq, head.hash = record.seq, record.hash
    session.flush()
    return row


def _who(session: Session, payload: Mapping[str, Any], actor: str) -> tuple[str, str]:
    name = next((str(payload[key]) for key in NAME_FIELDS if isinstance(payload.get(key), str) and payload[key]), "")
    username = actor or next((str(payload[key]) for key in USERNAME_FIELDS
                              if isinstance(payload.get(key), str) and payload[key]), "")
    if username and not name:
        account = session.get(ClerkAccount, username)
        name = account.full_name if account is not None else ""
    return name, username


def _subject(payload: Mapping[str, Any], entity_id: str) -> str:
    book = (payload.get("form_number"), payload.get("symbol"), payload.get("number"))
    if isinstance(book[0], str) and isinstance(book[1], str) and type(book[2]) is int:
        return number_text(*book)  # a receipt is named by its full number, as printed
    for key in SUBJECT_FIELDS:
        value = payload.get(key)
        if isinstance(value, str | int) and not isinstance(value, bool) and str(value):
            return str(value)
    return entity_id


def _redacted(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The payload without secrets: an account's password hash never lands in the audit trail."""
    return {key: ("***" if key in SECRET_FIELDS else value) for key, value in payload.items()}


# -- reading ----------------------------------------------------------------------------------------


def stream_rows(connection: Connection, *, chunk: int = STREAM_CHUNK) -> Iterator[Sequence[Any]]:
    """Every row in stored order as the driver's plain tuples (COLUMNS), fetched `chunk` rows at a time."""
    cursor = connection.connection.driver_connection.execute(  # type: ignore[union-attr]
        f"SELECT {COLUMNS} FROM audit_log ORDER BY rowid")
    try:
        while rows := cursor.fetchmany(chunk):
            yield from rows
    finally:
        cursor.close()


def stored_head(session: Session) -> ChainHead | None:
    head = session.get(AuditHead, HEAD_ID)
    return None if head is None else ChainHead(head.seq, head.hash)


def note_server_head(session: Session, seq: int, digest: str) -> None:
    """Remember the newest row the server chained for this device (from a push answer); only forward."""
    state = session.scalars(select(SyncState).limit(1)).first()
    if state is not None and digest and seq > state.server_audit_seq:
        state.server_audit_seq, state.server_audit_hash = seq, digest


def server_head(session: Session) -> ChainHead | None:
    """The newest row the server said it holds of this counter's chain, if any."""
    state = session.scalars(select(SyncState).limit(1)).first()
    if state is None or not state.server_audit_seq or not state.server_audit_hash:
        return None
    return ChainHead(state.server_audit_seq, state.server_audit_hash)


def hash_at(session: Session, seq: int) -> str | None:
    """The hash of row `seq` as stored here (None: no such row)."""
    return session.scalar(select(AuditLogRow.hash).where(AuditLogRow.seq == seq).limit(1))


def records_for_ops(session: Session, op_seqs: list[int]) -> dict[int, AuditRecord]:
    """The audit rows carried by the outbox operations `op_seqs` (for the sync envelope)."""
    if not op_seqs:
        return {}
    # Columns, not mapped objects: a push reads up to a thousand rows at a time.
    columns = [getattr(AuditLogRow, name) for name in STORED_FIELDS]
    rows = session.execute(select(AuditLogRow.op_seq, *columns).where(AuditLogRow.op_seq.in_(op_seqs)))
    return {row[0]: AuditRecord(*row[1:]) for row in rows if row[0] is not None}

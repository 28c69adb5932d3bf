"""Each outgoing operation carries its audit row in the envelope (`"audit"`, sync.protocol.AuditEnvelope).

Riding next to the operation rather than as an operation of its own, the row reaches the server whatever
happens to the operation: accepted, refused, in conflict or withdrawn (the withdrawal carries it), the
server keeps the row. Operations older than the trail have none. The row's `after` is usually the
operation's payload again: it then goes as null and the server rebuilds it (sync.server.audit).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from counter_app.domain.audit import AuditRecord
from counter_app.domain.serialization import canonical_json
from counter_app.storage.audit import records_for_ops
from counter_app.storage.models import OutboxOp
from sync.client.outgoing import Outgoing

ENVELOPE_OVERHEAD = 400


def audit_rows_for(session: Session, rows: Sequence[OutboxOp]) -> dict[int, AuditRecord]:
    """The audit rows of these outbox rows, by outbox seq (one query)."""
    return records_for_ops(session, [row.seq for row in rows])


def with_audit(item: Outgoing, audit: dict[int, AuditRecord]) -> Outgoing:
    """`item` with its audit row in the wire, and its size counting it (batches are cut by size).

    An `after` that is the wire payload's own canonical JSON goes as null: the server rebuilds it from the
    payload. Anything else (a status change, a redacted password, a withdrawal's original payload) goes whole.
    """
    record = audit.get(item.seq)
    if record is not None:
        payload = item.wire.get("payload")
        text = item.payload_text if item.payload_text is not None else (
            canonical_json(payload) if isinstance(payload, dict) else None)
        elided = text is not None and record.after == text
        item.wire["audit"] = {**record.fields(), "after": None if elided else record.after, "hash": record.hash}
        item.size += (0 if elided else len(record.after)) + len(record.before or "") + ENVELOPE_OVERHEAD
    return item

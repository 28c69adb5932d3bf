"""Each outgoing operation carries its audit row in the envelope (`"audit"`, sync.protocol.AuditEnvelope).

Riding next to the operation rather than as an operation of its own, the row reaches the server whatever
happens to the operation: accepted, refused, in conflict or withdrawn, the server keeps the row.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from counter_app.storage.audit import records_for_ops
from sync.client.outgoing import Outgoing

ENVELOPE_OVERHEAD = 400


def attach_audit(session: Session, batch: list[Outgoing]) -> None:
    """Put each operation's audit row (if it has one: operations older than the trail have none) in its wire."""
    records = records_for_ops(session, [item.seq for item in batch])
    for item in batch:
        record = records.get(item.seq)
        if record is not None:
            item.wire["audit"] = {**record.fields(), "hash": record.hash}
            item.size += len(record.after) + len(record.before or "") + ENVELOPE_OVERHEAD

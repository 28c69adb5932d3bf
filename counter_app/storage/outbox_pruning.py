"""Forgetting acknowledged outbox rows once they are old: the outbox must not grow for ever.

Only `acked` rows whose `acked_at` is older than the retention go, oldest first, a bounded batch per
transaction (the desk keeps working between batches). Open rows (pending, in flight, quarantined) and
refused or conflicting ones are never touched: they are the work still to do or still to look at.

What restore detection relies on stays as it was (storage/sync_store.py):
- `max_seq` reads the high-water mark SQLite keeps for the AUTOINCREMENT `outbox` table
  (`sqlite_sequence`), so deleting the newest rows never lowers it and a seq is never reused;
- `answered_through` is "just before the first open row of the epoch" (or max_seq), so the gaps pruning
  leaves count as answered, which they are;
- audit rows keep their `op_seq` (the audit trail is append-only); they are only read to send an open
  operation's envelope, and a pruned operation is never sent again.

The one thing pruning gives up: if the province's server is put back from a backup older than the
retention, the pruned operations cannot be sent again (`pruned_between` counts them so it is said).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from counter_app.domain.operations import OutboxState
from counter_app.storage.models import OutboxOp

DEFAULT_RETENTION_DAYS = 30
MIN_RETENTION_DAYS, MAX_RETENTION_DAYS = 7, 3650
PRUNE_BATCH = 200  # rows deleted per transaction (each fsynced): ~40 ms here under load (bench/outbox_pruning.py)


def cutoff_for(now: datetime, retention_days: int) -> datetime:
    return now - timedelta(days=retention_days)


def prune_batch(session: Session, cutoff: datetime, limit: int = PRUNE_BATCH) -> int:
    """Delete up to `limit` acknowledged rows acknowledged before `cutoff`, lowest seq first."""
    seqs = list(session.scalars(
        select(OutboxOp.seq).where(OutboxOp.state == OutboxState.ACKED, OutboxOp.acked_at < cutoff)
        .order_by(OutboxOp.seq).limit(limit)
    ))
    if not seqs:
        return 0
    result = session.execute(
        delete(OutboxOp).where(OutboxOp.seq.in_(seqs), OutboxOp.state == OutboxState.ACKED)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def pruned_between(session: Session, low: int, high: int) -> int:
    """How many seqs in (low, high] have no row any more: pruned (the outbox is otherwise gap-free)."""
    if high <= low:
        return 0
    present = session.scalar(select(func.count()).select_from(OutboxOp)
                             .where(OutboxOp.seq > low, OutboxOp.seq <= high)) or 0
    return (high - low) - present


def pruned_loss(count: int) -> dict[str, object]:
    """The sync report's problem when a restored server lacks operations this counter already pruned."""
    return {"status": "lost", "code": "pruned_before_server_restore", "count": count, "message": (
        f"Máy chủ tỉnh đã được khôi phục từ bản sao lưu cũ và thiếu {count} thao tác mà quầy đã xoá khỏi hàng đợi "
        "sau thời hạn lưu giữ, nên quầy không gửi lại được. Hồ sơ vẫn còn đầy đủ trên quầy; hãy báo quản trị "
        "máy chủ tỉnh để nhập lại từ bản sao lưu mới hơn.")}

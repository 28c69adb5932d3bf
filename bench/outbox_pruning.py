"""Pruning acknowledged outbox rows on a counter that kept a big history (issue 13, part H).

Why: a counter acknowledges a few hundred operations a day for years; the outbox is pruned after a
successful sync (services/outbox_housekeeping.py) in batches of `PRUNE_BATCH` rows, one transaction each,
while the clerk keeps working. What matters is how long one batch holds the database's write lock (the
desk's next save waits at most that long), the rows per second, and what a sync pays when pruning is not
due. Also timed: `answered_through` (read by every sync's restore check), now one indexed query, against
its previous form (a walk over every row of the epoch), the baseline measured in the same run.

Data: `--template` real demo dossiers queued for sync (the app's own service, with their audit rows),
their outbox rows copied by one `INSERT … SELECT` up to N rows (new seq and op_id), all acknowledged 45
days ago except the newest `--open-percent` still pending.

    .venv/bin/python bench/outbox_pruning.py                    # 100,000 rows
    .venv/bin/python bench/outbox_pruning.py --rows 20000       # quick run
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta
from time import perf_counter
from typing import Any

from _common import emit, file_sizes, log, machine, setup_demo_unit, summarize_ms, timed_ms, work_dir
from sqlalchemy import func, select, text, update

from counter_app.domain.operations import OPEN_STATES, OutboxState
from counter_app.services.demo_data import generate_demo_dossiers
from counter_app.services.outbox_housekeeping import SECONDS_PER_SYNC, prune_after_sync
from counter_app.storage.database import DB_FILENAME, Database
from counter_app.storage.models import OutboxOp
from counter_app.storage.outbox_pruning import PRUNE_BATCH, cutoff_for, prune_batch
from counter_app.storage.sync_store import answered_through

TARGET_BATCH_P95_MS = 100.0  # the desk's next save waits at most one batch


def answered_through_walk(session: Any, base: int) -> int:
    """The previous `answered_through` (before issue 13): every row of the epoch read in seq order."""
    through = base
    for seq, state in session.execute(select(OutboxOp.seq, OutboxOp.state).where(OutboxOp.seq > base)
                                      .order_by(OutboxOp.seq)):
        if state in OPEN_STATES or seq != through + 1:
            break
        through = seq
    return through


def build(db: Database, rows: int, template: int, open_percent: float, now: datetime) -> None:
    setup_demo_unit(db)
    generate_demo_dossiers(db, template, queue_for_sync=True, now=now)
    with db.write() as session:
        session.execute(text(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :extra) "
            "INSERT INTO outbox (op_id, entity, entity_id, op_type, base_version, schema_version, payload, "
            "payload_hash, created_at, state, batch_id, attempts) "
            "SELECT lower(hex(randomblob(16))), o.entity, o.entity_id, o.op_type, o.base_version, o.schema_version, "
            "o.payload, o.payload_hash, o.created_at, 'pending', NULL, 0 FROM n "
            "JOIN outbox AS o ON o.seq = 1 + (n.i % :template)"), {"extra": rows - template, "template": template})
        last_acked = int(rows * (1 - open_percent / 100))
        session.execute(update(OutboxOp).where(OutboxOp.seq <= last_acked)
                        .values(state=OutboxState.ACKED, acked_at=now - timedelta(days=45), attempts=1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--template", type=int, default=500)
    parser.add_argument("--open-percent", type=float, default=1.0)
    parser.add_argument("--runs", type=int, default=5, help="timed runs of answered_through and its baseline")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    result: dict[str, Any] = {"benchmark": "outbox_pruning", "machine_at_start": machine()}
    now = datetime.now(UTC)
    with work_dir(None, args.keep, "outbox-pruning-") as data_dir:
        db = Database.open(data_dir)
        started = perf_counter()
        build(db, args.rows, args.template, args.open_percent, now)
        log(f"built {args.rows} outbox rows in {perf_counter() - started:.1f} s")
        with db.read() as session:
            total = session.scalar(select(func.count()).select_from(OutboxOp))
        sizes_before = file_sizes(data_dir / DB_FILENAME)

        new_ms, walk_ms, same = [], [], True
        for _ in range(args.runs):
            with db.read() as session:
                elapsed, fast = timed_ms(lambda s=session: answered_through(s, 0))
                new_ms.append(elapsed)
                elapsed, slow = timed_ms(lambda s=session: answered_through_walk(s, 0))
                walk_ms.append(elapsed)
                same = same and fast == slow

        batch_ms: list[float] = []
        deleted = 0
        cutoff = cutoff_for(now, 30)
        started = perf_counter()
        while True:
            began = perf_counter()
            with db.write() as session:
                count = prune_batch(session, cutoff)
            batch_ms.append((perf_counter() - began) * 1000)
            deleted += count
            if count < PRUNE_BATCH:
                break
        prune_seconds = perf_counter() - started
        with db.read() as session:
            left = session.scalar(select(func.count()).select_from(OutboxOp))
            after_new = answered_through(session, 0)
        first_ms, first = timed_ms(lambda: prune_after_sync(db, data_dir, now=now))
        not_due_ms = summarize_ms([timed_ms(lambda: prune_after_sync(db, data_dir, now=now))[0] for _ in range(20)])
        db.close()
        batch = summarize_ms(batch_ms)
        result.update({
            "rows": total, "acknowledged_pruned": deleted, "rows_left": left, "batch_rows": PRUNE_BATCH,
            "prune_seconds": round(prune_seconds, 3), "rows_per_second": round(deleted / prune_seconds) if prune_seconds else None,
            "batch_transaction_ms": batch,
            "rows_pruned_per_sync_budget": round(deleted / prune_seconds * SECONDS_PER_SYNC) if prune_seconds else None,
            "sync_budget_seconds": SECONDS_PER_SYNC,
            "prune_after_sync_when_nothing_left_ms": round(first_ms, 3), "its_deleted": first.deleted,
            "prune_after_sync_not_due_ms": not_due_ms,
            "answered_through_ms": summarize_ms(new_ms), "baseline_answered_through_walk_ms": summarize_ms(walk_ms),
            "answered_through_speedup": round(sorted(walk_ms)[len(walk_ms) // 2] / max(1e-6, sorted(new_ms)[len(new_ms) // 2]), 1),
            "answered_through_same_as_baseline": same, "answered_through_after_pruning_unchanged": after_new == fast,
            "files_before": sizes_before, "files_after": file_sizes(data_dir / DB_FILENAME),
            "target": {"batch_transaction_p95_ms": TARGET_BATCH_P95_MS},
            "meets_target": batch["p95_ms"] <= TARGET_BATCH_P95_MS and same and after_new == fast,
            "machine_at_end": machine(),
        })
    emit(result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

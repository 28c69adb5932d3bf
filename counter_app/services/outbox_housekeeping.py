"""Pruning the outbox after a successful sync, at most once a day (storage/outbox_pruning.py says what goes).

Called by the sync runner once a run ended well: the server has just answered, so the rows it acknowledged
long ago are safely on the province's side. The retention (days after the acknowledgement) is this
machine's setting, `CounterSettings.outbox_retention_days()` (30 by default); the time of the last pruning
is kept there too, so a sync every few minutes costs nothing more than reading `settings.ini`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from counter_app.services.clock import utc_now
from counter_app.storage.database import Database
from counter_app.storage.outbox_pruning import PRUNE_BATCH, cutoff_for, prune_batch

log = logging.getLogger(__name__)
PRUNE_EVERY = timedelta(days=1)
SECONDS_PER_SYNC = 5.0  # a long history (the first pruning after an upgrade) goes over several syncs


@dataclass(frozen=True)
class PruneOutcome:
    ran: bool  # False: pruned less than a day ago, nothing done
    deleted: int = 0
    finished: bool = True  # False: stopped at the time budget, the next sync goes on


def prune_after_sync(db: Database, data_dir: Path, *, now: datetime | None = None, batch: int = PRUNE_BATCH,
                     seconds: float = SECONDS_PER_SYNC, clock: Callable[[], float] = time.monotonic) -> PruneOutcome:
    """Delete acknowledged rows older than the retention, batch by batch, if not done in the last day.

    At most `seconds` per call: what is left is pruned at the next sync (the day counts from the end).

    Never raises for a database problem: pruning is housekeeping, a failure is logged and tried again
    at the next sync (nothing is lost by not pruning).
    """
    from counter_app.ui.settings import CounterSettings  # the settings home (QtCore only)

    now = now or utc_now()
    settings = CounterSettings.for_data_dir(data_dir)
    last = settings.outbox_pruned_at()
    if last is not None and timedelta(0) <= now - last < PRUNE_EVERY:
        return PruneOutcome(ran=False)
    cutoff = cutoff_for(now, settings.outbox_retention_days())
    deleted, finished, deadline = 0, False, clock() + seconds
    try:
        while not finished and clock() < deadline:
            with db.write() as session:
                count = prune_batch(session, cutoff, batch)
            deleted += count
            finished = count < batch
    except SQLAlchemyError as error:
        log.warning("Chưa dọn được hàng đợi đồng bộ (%s); sẽ thử lại ở lần đồng bộ sau", type(error).__name__)
        return PruneOutcome(ran=True, deleted=deleted, finished=False)
    if deleted:
        log.info("Đã xoá %s thao tác đã đồng bộ quá hạn lưu giữ khỏi hàng đợi", deleted)
    if finished:
        settings.set_outbox_pruned_at(now)
    return PruneOutcome(ran=True, deleted=deleted, finished=finished)

"""The change feed counters pull: catalog entries, calendar overrides, status changes, number ranges.

Feed writers take one lock so that sequence numbers become visible in commit order; otherwise, on
PostgreSQL, a reader could see change 11 committed before change 10 and move its cursor past 10 forever.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, text
from sqlalchemy.orm import Session

from sync.protocol import Change, ChangeKind
from sync.server.models import ChangeFeed

FEED_LOCK_ID = 7_242_026


def append_change(
    session: Session, *, unit_code: str | None, kind: ChangeKind, entity_id: str, payload: dict[str, Any], now: datetime
) -> ChangeFeed:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": FEED_LOCK_ID})
    row = ChangeFeed(unit_code=unit_code, kind=kind.value, entity_id=entity_id, payload=payload, created_at=now)
    session.add(row)
    session.flush()
    return row


def _visible(unit_code: str):
    return or_(ChangeFeed.unit_code == unit_code, ChangeFeed.unit_code.is_(None))


def changes_after(session: Session, unit_code: str, after: int, limit: int, *,
                  resolutions: bool = False) -> tuple[list[Change], bool]:
    """Changes after `after`; conflict resolutions only for a counter that asked (an older one refuses the kind)."""
    query = select(ChangeFeed).where(_visible(unit_code), ChangeFeed.seq > after)
    if not resolutions:
        query = query.where(ChangeFeed.kind != ChangeKind.CONFLICT_RESOLUTION.value)
    rows = session.scalars(query.order_by(ChangeFeed.seq).limit(limit + 1)).all()
    changes = [
        Change(seq=row.seq, kind=ChangeKind(row.kind), entity_id=row.entity_id, payload=row.payload)
        for row in rows[:limit]
    ]
    return changes, len(rows) > limit


def last_change_seq(session: Session, unit_code: str) -> int:
    return session.scalar(select(ChangeFeed.seq).where(_visible(unit_code)).order_by(ChangeFeed.seq.desc()).limit(1)) or 0

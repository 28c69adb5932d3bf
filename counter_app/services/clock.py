"""The one place services read the time: an aware UTC instant (never the naive local wall clock)."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    return datetime.now(UTC)

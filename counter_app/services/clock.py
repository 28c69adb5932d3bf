"""The one place the counter and the provincial server read the time: an aware UTC instant (never the naive
local wall clock).

Why a source that can be swapped: what happens at office midnight (a dossier's code and register day, the
day a receipt belongs to, a day's report) must be tested at midnight, not whenever the suite happens to run.
A test installs a clock with `use_clock` (in its own process) or asks the test harness to start a counter
command or a server with one; production code never swaps it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime

from counter_app.domain.codes import office_day

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


_clock: Clock = system_clock


def utc_now() -> datetime:
    return _clock()


def office_today(now: datetime | None = None) -> date:
    """Today's date on the office clock (Vietnam), whatever the machine's own time zone."""
    return office_day(now or utc_now())


def ticking_from(start: datetime) -> Clock:
    """A clock that reads `start` now and then runs at the machine's pace (a server started just before midnight)."""
    if start.tzinfo is None:
        raise ValueError("the start of a clock must be an aware instant")
    offset = start - system_clock()
    return lambda: system_clock() + offset


def stopped_at(instant: datetime) -> Clock:
    """A clock that always reads `instant` (one command, one moment)."""
    if instant.tzinfo is None:
        raise ValueError("a stopped clock must read an aware instant")
    fixed = instant.astimezone(UTC)
    return lambda: fixed


def install_clock(clock: Clock) -> None:
    """Replace the clock for the rest of this process (a forked test process that runs one command)."""
    global _clock
    _clock = clock


@contextmanager
def use_clock(clock: Clock) -> Iterator[None]:
    """`clock` for the duration of the block, then the clock that was there before."""
    before = _clock
    install_clock(clock)
    try:
        yield
    finally:
        install_clock(before)

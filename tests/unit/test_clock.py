"""The one clock of the counter and the server, and the clocks tests put in its place."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta

import pytest

from counter_app.services import clock
from counter_app.services.clock import office_today, stopped_at, ticking_from, use_clock, utc_now

LAST_SECOND_OF_2026 = datetime(2026, 12, 31, 16, 59, 59, 999_999, tzinfo=UTC)  # 23:59:59.999999 in Vietnam


def test_the_system_clock_is_aware_utc_and_close_to_the_machines() -> None:
    now = utc_now()
    assert now.tzinfo is not None and now.utcoffset() == timedelta(0)
    assert abs(now.timestamp() - time.time()) < 5


def test_the_office_day_turns_at_midnight_in_vietnam_not_at_the_machines_midnight() -> None:
    assert office_today(LAST_SECOND_OF_2026) == date(2026, 12, 31)
    assert office_today(LAST_SECOND_OF_2026 + timedelta(microseconds=1)) == date(2027, 1, 1)
    with use_clock(stopped_at(LAST_SECOND_OF_2026 + timedelta(microseconds=1))):
        assert office_today() == date(2027, 1, 1)


def test_a_stopped_clock_reads_one_instant_and_the_system_clock_comes_back_after_the_block() -> None:
    with use_clock(stopped_at(LAST_SECOND_OF_2026)):
        first = utc_now()
        time.sleep(0.01)
        assert utc_now() == first == LAST_SECOND_OF_2026
    assert utc_now().year == datetime.now(UTC).year and utc_now() != LAST_SECOND_OF_2026


def test_a_ticking_clock_starts_where_it_is_told_and_keeps_the_machines_pace() -> None:
    reading = ticking_from(LAST_SECOND_OF_2026)
    start = reading()
    assert timedelta(0) <= start - LAST_SECOND_OF_2026 < timedelta(seconds=1)
    time.sleep(0.05)
    assert reading() - start >= timedelta(seconds=0.05)


def test_the_clock_before_comes_back_even_when_the_block_raises() -> None:
    before = clock._clock
    with pytest.raises(RuntimeError), use_clock(stopped_at(LAST_SECOND_OF_2026)):
        raise RuntimeError("a failing test")
    assert clock._clock is before


@pytest.mark.parametrize("make", [stopped_at, ticking_from])
def test_a_naive_instant_is_refused(make) -> None:
    with pytest.raises(ValueError, match="aware"):
        make(datetime(2026, 12, 31, 23, 59, 59))

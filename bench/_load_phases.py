"""Where a load run's latency comes from (bench/sync_load.py): its pushes by phase, the slow ones by when they
started, and how late the generator's own event loop woke. A p95 alone cannot tell a burst, a stall, a server
short of CPU and the generator's own work apart; these can."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Sequence

from _common import summarize_ms

LOOP_TICK_SECONDS = 0.02
PHASE_SECONDS = 30  # a burst's syncs start within 10 s (sync_load.BURST_SECONDS); its pushes start within this
SLOW_PUSH_MS = 500


async def watch_loop(until: float, lags_ms: list[float]) -> None:
    """How late the event loop wakes from a 20 ms sleep, until `until` (monotonic): a request's measured latency
    includes up to this much of the generator's own work (packing other counters' pushes, reading answers),
    which a real counter, alone on its machine, does not wait for."""
    while time.monotonic() < until:
        started = time.perf_counter()
        await asyncio.sleep(LOOP_TICK_SECONDS)
        lags_ms.append((time.perf_counter() - started - LOOP_TICK_SECONDS) * 1000)


def push_phases(pushes: Sequence[tuple[float, float]], start: float, end: float,
                back_at: float) -> dict[str, dict[str, float | int]]:
    """Push latencies ((started, monotonic; ms) each) apart for the two bursts (the first PHASE_SECONDS of the
    run, from `start`, and after the server came back at `back_at`), the steady rest, and the final drain (from
    `end`)."""
    phases: dict[str, list[float]] = {"opening_burst": [], "return_burst": [], "steady": [], "final_drain": []}
    for began, ms in pushes:
        if began >= end:
            phases["final_drain"].append(ms)
        elif began - start < PHASE_SECONDS:
            phases["opening_burst"].append(ms)
        elif back_at and 0 <= began - back_at < PHASE_SECONDS:
            phases["return_burst"].append(ms)
        else:
            phases["steady"].append(ms)
    return {name: summarize_ms(samples) for name, samples in phases.items() if samples}


def slow_pushes_by_ten_seconds(pushes: Sequence[tuple[float, float]], start: float) -> dict[int, int]:
    """Pushes slower than SLOW_PUSH_MS, by when they started (seconds since `start`, in tens): a stall shows as
    a few crowded buckets, a server short of CPU as a spread."""
    slow = Counter(int(began - start) // 10 * 10 for began, ms in pushes if ms >= SLOW_PUSH_MS)
    return dict(sorted(slow.items()))

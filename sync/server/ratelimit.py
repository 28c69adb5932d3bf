"""In-process token buckets and in-flight counters, keyed by address or device.

Each server process keeps its own (several processes behind a load balancer each allow the configured
rate: the limits are there to keep one process's memory and database time bounded, not to meter
exact quotas). The number of keys is capped, so a flood from many addresses cannot grow the tables
without end: the least recently seen key is forgotten first.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Hashable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass

MAX_KEYS = 100_000


@dataclass
class _Bucket:
    tokens: float
    updated: float
    refusals: int = 0  # refusals since the last allowed request: the first one is logged, not the flood


@dataclass(frozen=True)
class Verdict:
    wait: float  # 0 when allowed, else seconds until the next token
    first_refusal: bool = False

    @property
    def allowed(self) -> bool:
        return self.wait == 0


class TokenBuckets:
    """`burst` requests at once per key, then `per_second` more each second."""

    def __init__(self, burst: int, per_second: float, *, clock: Callable[[], float] = time.monotonic,
                 max_keys: int = MAX_KEYS) -> None:
        self.burst = burst
        self.per_second = per_second
        self.clock = clock
        self.max_keys = max_keys
        self._buckets: OrderedDict[Hashable, _Bucket] = OrderedDict()

    def take(self, key: Hashable) -> Verdict:
        """Spends one token of `key` if it has one; else says how long to wait for the next."""
        bucket = self._refilled(key)
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            bucket.refusals = 0
            return Verdict(0.0)
        bucket.refusals += 1
        wait = (1 - bucket.tokens) / self.per_second if self.per_second > 0 else math.inf
        return Verdict(max(wait, 1e-3), first_refusal=bucket.refusals == 1)

    def owe(self, key: Hashable, amount: float) -> None:
        """Spends `amount` once it is known (bytes of a body already read): the balance may go negative,
        a debt that refills like any token and refuses the key meanwhile (see `clear`)."""
        self._refilled(key).tokens -= amount

    def clear(self, key: Hashable) -> Verdict:
        """Allowed while the balance is positive; else how long until it is."""
        bucket = self._refilled(key)
        if bucket.tokens > 0:
            bucket.refusals = 0
            return Verdict(0.0)
        bucket.refusals += 1
        wait = (1 - bucket.tokens) / self.per_second if self.per_second > 0 else math.inf
        return Verdict(wait, first_refusal=bucket.refusals == 1)

    def give_back(self, key: Hashable) -> None:
        """Returns a token taken for an attempt that turned out honest."""
        bucket = self._refilled(key)
        bucket.tokens = min(self.burst, bucket.tokens + 1)

    def _refilled(self, key: Hashable) -> _Bucket:
        now = self.clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = _Bucket(float(self.burst), now)
            self._buckets[key] = bucket
            if len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)
        else:
            self._buckets.move_to_end(key)
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.per_second)
            bucket.updated = now
        return bucket


class InFlight:
    """How many requests each key has open; `enter` refuses beyond `limit`."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._open: dict[Hashable, int] = {}

    @contextmanager
    def enter(self, key: Hashable) -> Iterator[bool]:
        """Yields False (and counts nothing) when `key` already has `limit` requests open."""
        current = self._open.get(key, 0)
        if current >= self.limit:
            yield False
            return
        self._open[key] = current + 1
        try:
            yield True
        finally:
            left = self._open[key] - 1
            if left:
                self._open[key] = left
            else:
                del self._open[key]


class Slots:
    """At most `size` holders at once, waiting at most `patience` seconds for a turn.

    An asyncio.Semaphore belongs to the event loop it first waited on; tests drive one app from several
    loops, so each loop gets its own (in a server there is only one).
    """

    def __init__(self, size: int, patience: float) -> None:
        self.size = size
        self.patience = patience
        self._loop: asyncio.AbstractEventLoop | None = None
        self._semaphore = asyncio.Semaphore(size)

    @asynccontextmanager
    async def hold(self) -> AsyncIterator[None]:
        """Raises TimeoutError when no slot frees up in time."""
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            self._loop, self._semaphore = loop, asyncio.Semaphore(self.size)
        semaphore = self._semaphore
        async with asyncio.timeout(self.patience):
            await semaphore.acquire()
        try:
            yield
        finally:
            semaphore.release()


def retry_after(seconds: float) -> str:
    """The Retry-After header value: whole seconds, at least 1."""
    if math.isinf(seconds):
        return "3600"
    return str(max(1, math.ceil(seconds)))

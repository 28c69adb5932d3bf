"""How big a push batch is (issue 13): fitted to the link from what the previous batches took.

On loopback a batch of a thousand operations is answered in about a second, and every request saved is
throughput; on a 64 kbit/s 2G link the same batch would be minutes on the wire, and a cut in the middle
would lose all of it. So the counter aims at batches that take `target_seconds` (request, server, answer):
it measures bytes per second on each batch and sizes the next one by it, growing at most twice per batch
(one fast answer proves little) and shrinking at once (a slow link must not hold big bodies).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from sync.protocol import MAX_OPS_HARD_LIMIT, Limits

# A cut costs at most this much resending. Each round trip also costs about 1 s on 2G (2 x 300 ms of latency,
# the server's work, the answer) while the link sits idle: 4 s batches lost a quarter of the link to it
# (bench/sync_backlog.py, 2G run: 49 requests, 182 s); 8 s keeps it near an eighth.
TARGET_SECONDS = 8.0
SMALLEST_BATCH_BYTES = 2_000
# Raw JSON. Under the server guard's large-body mark (GuardSettings.large_body_bytes, 1 MB), past which a
# body waits for one of few server-wide slots: 500 counters back after an outage must not queue for them.
LARGEST_BATCH_BYTES = 960_000
# A stored batch (sync/client/stored_push.py) is kept compressed at the province and applied later: no round trip
# waits on it and the guard holds only its compressed bytes, so it may be larger; the province's applier pays a
# batch's lookups and statements once, however many operations it holds (bench/README.md, wave 13). It stays
# within half the province's inflated-bytes limit and within its JSON-values limit at 8 bytes a value (an
# operation is about 13).
STORED_BYTES_PER_JSON_VALUE = 8
# Past this many raw bytes per second the CPU, not the link, is the limit: compress fast (sync/wire.py levels).
FAST_LINK_BYTES_PER_SECOND = 1_000_000
# The same judged on the bytes that went on the wire (compressed), when known: 128 kbit/s, twice a 2G link. A
# round trip counts the server's work too, so a busy server on loopback (1,000 dossiers, 130 kB at level 3,
# answered in 4 s) must not pass for a slow link: the slow level costs ~0.5 ms of CPU per dossier for ~20 %
# fewer bytes, which pays where the link is the limit (2G: 8 kB/s), not where the server is.
FAST_LINK_WIRE_BYTES_PER_SECOND = 16_000


@dataclass
class BatchSizer:
    """The raw (uncompressed) bytes and operations the next batch may hold."""

    max_ops: int
    target_bytes: int
    largest_bytes: int = LARGEST_BATCH_BYTES
    target_seconds: float = TARGET_SECONDS
    stored_largest_bytes: int = LARGEST_BATCH_BYTES  # the same for a stored batch (`for_stores`)
    bytes_per_second: float | None = None  # raw bytes per second of the last batch answered
    wire_bytes_per_second: float | None = None  # the same in bytes sent (compressed), when the caller said

    @property
    def fast_link(self) -> bool:
        """Whether to compress for speed rather than size: until a batch has proved the link slow (the first
        batch on a 2G link costs a few hundred bytes more), and on a link faster than the compressor."""
        if self.wire_bytes_per_second is not None:
            return self.wire_bytes_per_second >= FAST_LINK_WIRE_BYTES_PER_SECOND
        return self.bytes_per_second is None or self.bytes_per_second >= FAST_LINK_BYTES_PER_SECOND

    @classmethod
    def for_limits(cls, limits: Limits, learnt_bytes: int | None = None) -> BatchSizer:
        """A sizer within what the server announced; `learnt_bytes`: the size the previous run ended with
        (else the server's preferred size)."""
        largest = _clamp(limits.max_inflated_bytes // 2, SMALLEST_BATCH_BYTES, LARGEST_BATCH_BYTES)
        stored = min(limits.max_inflated_bytes // 2, limits.max_json_values * STORED_BYTES_PER_JSON_VALUE)
        start = learnt_bytes or limits.preferred_batch_bytes
        return cls(max_ops=max(1, min(limits.max_ops_per_batch, MAX_OPS_HARD_LIMIT)),
                   target_bytes=_clamp(start, SMALLEST_BATCH_BYTES, largest), largest_bytes=largest,
                   stored_largest_bytes=max(SMALLEST_BATCH_BYTES, stored))

    def for_stores(self) -> BatchSizer:
        """The sizer of a stored backlog, starting where this one is and growing as it does, up to
        `stored_largest_bytes`."""
        return dataclasses.replace(self, largest_bytes=self.stored_largest_bytes)

    def follow(self, stores: BatchSizer) -> None:
        """Take what a stored backlog's sizer learnt of the link, within this sizer's bounds (the next pushes,
        and the next run, start from it)."""
        self.bytes_per_second, self.wire_bytes_per_second = stores.bytes_per_second, stores.wire_bytes_per_second
        self.target_bytes = min(stores.target_bytes, self.largest_bytes)

    def observe(self, raw_bytes: int, seconds: float, wire_bytes: int | None = None) -> None:
        """A batch of `raw_bytes` (`wire_bytes` once compressed) was answered `seconds` after it was sent:
        size the next one, and judge the link."""
        if raw_bytes <= 0 or seconds <= 0:
            return
        self.bytes_per_second = raw_bytes / seconds
        if wire_bytes is not None and wire_bytes > 0:
            self.wire_bytes_per_second = wire_bytes / seconds
        fitting = int(self.bytes_per_second * self.target_seconds)
        self.target_bytes = _clamp(min(fitting, self.target_bytes * 2), SMALLEST_BATCH_BYTES, self.largest_bytes)

    def too_large(self, raw_bytes: int) -> None:
        """The server refused a batch of `raw_bytes` as too large (413): stay below half of it for the rest of
        the run (growing back would only meet the same refusal again)."""
        self.largest_bytes = max(SMALLEST_BATCH_BYTES, min(self.largest_bytes, raw_bytes // 2))
        self.target_bytes = min(self.target_bytes, self.largest_bytes)


def _clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))

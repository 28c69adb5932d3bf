"""Push batches fitted to the link (sync/client/batch_size.py): the sizer is fed measurements, not clocks."""

from __future__ import annotations

from sync.client.batch_size import LARGEST_BATCH_BYTES, SMALLEST_BATCH_BYTES, BatchSizer
from sync.protocol import Limits


def test_starts_at_the_servers_preferred_size_or_where_the_last_run_ended() -> None:
    limits = Limits(preferred_batch_bytes=256_000, max_ops_per_batch=1_000)
    assert BatchSizer.for_limits(limits).target_bytes == 256_000
    assert BatchSizer.for_limits(limits, learnt_bytes=40_000).target_bytes == 40_000
    assert BatchSizer.for_limits(limits).max_ops == 1_000


def test_stays_within_what_the_server_announced() -> None:
    sizer = BatchSizer.for_limits(Limits(max_inflated_bytes=1_000_000, preferred_batch_bytes=10**9,
                                         max_ops_per_batch=10**6))
    assert sizer.target_bytes == sizer.largest_bytes == 500_000
    assert sizer.max_ops == 5_000  # the protocol's hard limit
    assert BatchSizer.for_limits(Limits()).largest_bytes == LARGEST_BATCH_BYTES


def test_a_fast_link_grows_batches_at_most_twofold_per_answer_up_to_the_largest() -> None:
    sizer = BatchSizer(max_ops=1_000, target_bytes=256_000)
    sizer.observe(256_000, 0.05)  # loopback: 5 MB/s would fit 20 MB in the target time
    assert sizer.target_bytes == 512_000
    for _ in range(10):
        sizer.observe(sizer.target_bytes, 0.05)
    assert sizer.target_bytes == LARGEST_BATCH_BYTES


def test_a_stored_backlog_grows_past_a_pushs_largest_within_the_servers_bounds() -> None:
    """A stored batch is kept compressed and applied later: it may hold up to half the server's inflated-bytes
    limit and 8 bytes per JSON value it allows; the push after it starts from what the stores learnt, within
    its own largest."""
    pushing = BatchSizer.for_limits(Limits(max_inflated_bytes=8_000_000, max_json_values=250_000))
    stores = pushing.for_stores()
    assert stores.target_bytes == pushing.target_bytes and stores.max_ops == pushing.max_ops
    for _ in range(10):
        stores.observe(stores.target_bytes, 0.05)
    assert stores.target_bytes == 2_000_000 > LARGEST_BATCH_BYTES  # 250,000 values x 8 bytes
    pushing.follow(stores)
    assert pushing.target_bytes == LARGEST_BATCH_BYTES and pushing.bytes_per_second == stores.bytes_per_second
    assert BatchSizer.for_limits(Limits(max_inflated_bytes=1_000_000)).for_stores().largest_bytes == 500_000
    assert BatchSizer.for_limits(Limits(max_json_values=10_000)).for_stores().largest_bytes == 80_000


def test_a_slow_link_shrinks_batches_at_once_to_the_target_time() -> None:
    sizer = BatchSizer(max_ops=1_000, target_bytes=256_000, target_seconds=4.0)
    sizer.observe(256_000, 32.0)  # 8 kB/s of raw JSON
    assert sizer.target_bytes == 32_000
    sizer.observe(32_000, 4.0)  # as aimed: stays
    assert sizer.target_bytes == 32_000
    sizer.observe(32_000, 10_000.0)  # a link that barely moves: never below the smallest batch
    assert sizer.target_bytes == SMALLEST_BATCH_BYTES


def test_a_refusal_as_too_large_caps_the_rest_of_the_run() -> None:
    sizer = BatchSizer(max_ops=1_000, target_bytes=256_000)
    sizer.too_large(256_000)
    assert sizer.target_bytes == sizer.largest_bytes == 128_000
    sizer.observe(128_000, 0.01)  # however fast the answers, it does not grow back into the refusal
    assert sizer.target_bytes == 128_000
    sizer.too_large(1_000)
    assert sizer.target_bytes == SMALLEST_BATCH_BYTES


def test_nonsense_measurements_change_nothing() -> None:
    sizer = BatchSizer(max_ops=1_000, target_bytes=100_000)
    sizer.observe(0, 1.0)
    sizer.observe(100_000, 0.0)
    sizer.observe(100_000, -1.0)
    assert sizer.target_bytes == 100_000


def test_the_link_is_judged_by_the_bytes_on_the_wire_not_by_a_busy_server() -> None:
    """A loopback round trip slowed by a busy server keeps the fast compression level; a 2G link does not."""
    sizer = BatchSizer(max_ops=1_000, target_bytes=960_000)
    assert sizer.fast_link  # nothing measured yet
    sizer.observe(1_350_000, 4.0, wire_bytes=130_000)  # 1,000 dossiers: 340 kB/s raw, 32 kB/s on the wire
    assert sizer.fast_link
    sizer.observe(32_000, 4.0, wire_bytes=30_000)  # 64 kbit/s
    assert not sizer.fast_link
    unmeasured = BatchSizer(max_ops=1_000, target_bytes=960_000)
    unmeasured.observe(1_350_000, 4.0)  # a caller that does not say the wire bytes: judged on raw bytes
    assert not unmeasured.fast_link

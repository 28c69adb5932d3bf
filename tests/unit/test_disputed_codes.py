"""A device's duplicate_code conflicts on one code, read as one (sync/server/ingest_lookup.Disputed).

A restored desk may give the same code twice and meet two conflicts on it; the server reads them in no
particular order. Whatever the order, one that is open (or decided for the province) refuses every operation
of the device on the code, and after decisions for the device only its own old ids are held back.
"""

from __future__ import annotations

from functools import reduce

from hypothesis import given
from hypothesis import strategies as st

from sync.server.ingest_lookup import Disputed

RESOLUTIONS = [None, "keep_server", "reject", "keep_counter", "merge"]
IDS = ["desk-a", "desk-b", "province"]

conflicts = st.lists(st.builds(Disputed, st.integers(1, 9), st.sampled_from(RESOLUTIONS),
                               st.frozensets(st.sampled_from(IDS[:2]), max_size=2)), min_size=1, max_size=4)


@given(conflicts, st.randoms(use_true_random=False))
def test_the_order_conflicts_are_read_in_changes_nothing(found: list[Disputed], order) -> None:
    shuffled = list(found)
    order.shuffle(shuffled)
    one, other = reduce(Disputed.joined, found), reduce(Disputed.joined, shuffled)
    held_back = set().union(*(conflict.desk_ids for conflict in found))
    for entity_id in IDS:
        expected = any(conflict.refuses_all for conflict in found) or entity_id in held_back
        assert one.refuses(entity_id) == other.refuses(entity_id) == expected


def test_an_open_conflict_read_after_a_decided_one_still_refuses_the_provinces_id() -> None:
    decided = Disputed(1, "keep_counter", frozenset({"desk-a"}))
    assert not decided.refuses("province") and decided.refuses("desk-a")
    assert decided.joined(Disputed(2, None)).refuses("province")

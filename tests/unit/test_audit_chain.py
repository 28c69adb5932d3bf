"""The audit chain's check (domain/audit.py): any single change, deletion, insertion or move is found and
names the rows it concerns; an intact chain has no break."""

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from counter_app.domain.audit import (
    HASHED_FIELDS,
    AuditRecord,
    BreakKind,
    ChainHead,
    genesis_hash,
    sealed,
    verify_chain,
)

DEVICE = "5f0c3d2e-0000-4000-8000-00000000abcd"


def chain(length: int) -> list[AuditRecord]:
    rows: list[AuditRecord] = []
    for seq in range(1, length + 1):
        rows.append(sealed(AuditRecord(
            seq=seq, at=f"2026-11-30T08:{seq % 60:02d}:00+07:00", device=DEVICE, clerk_name="Trần Thị Mai",
            clerk_username="mai", action="dossier.status" if seq % 2 else "receipt.issue",
            subject=f"000.31.48.H15-261130-{seq:04d}", before=None if seq % 3 else '{"status":2}',
            after=f'{{"status":{seq % 10},"total_vnd":{seq * 1000}}}',
            prev_hash=rows[-1].hash if rows else genesis_hash(DEVICE))))
    return rows


def named(breaks, seq: int) -> bool:
    return any(found.first_seq <= seq <= found.last_seq for found in breaks)


def mutated(value: object) -> object:
    if value is None:
        return "{}"
    if isinstance(value, int):
        return value + 1
    return value[:-1] + ("x" if not value.endswith("x") else "y") if value else "x"


def test_an_intact_chain_and_its_head_pass() -> None:
    rows = chain(20)
    assert verify_chain(rows, ChainHead(20, rows[-1].hash), exact_head=True) == []
    assert verify_chain([]) == []


@settings(max_examples=150, deadline=None)
@given(length=st.integers(1, 12), data=st.data())
def test_any_single_mutation_of_any_field_of_any_row_is_found_and_names_the_row(length: int, data) -> None:
    rows = chain(length)
    index = data.draw(st.integers(0, length - 1))
    name = data.draw(st.sampled_from((*HASHED_FIELDS, "hash")))
    changed = replace(rows[index], **{name: mutated(getattr(rows[index], name))})
    rows[index] = changed
    breaks = verify_chain(rows)
    assert breaks
    assert named(breaks, changed.seq) or named(breaks, index + 1)


@settings(max_examples=60, deadline=None)
@given(length=st.integers(2, 12), data=st.data())
def test_a_deleted_row_is_named_as_missing(length: int, data) -> None:
    rows = chain(length)
    index = data.draw(st.integers(0, length - 2))  # the last row: see the head test
    gone = rows.pop(index)
    breaks = verify_chain(rows)
    assert any(found.kind is BreakKind.MISSING and found.first_seq == gone.seq == found.last_seq for found in breaks)


@settings(max_examples=60, deadline=None)
@given(length=st.integers(1, 12), data=st.data())
def test_an_inserted_row_is_found_even_with_a_correct_hash_of_its_own(length: int, data) -> None:
    rows = chain(length)
    index = data.draw(st.integers(0, length - 1))
    forged = sealed(replace(rows[index], clerk_name="Ai Đó", after='{"total_vnd":0}'))
    rows.insert(index + 1, forged)
    breaks = verify_chain(rows)
    assert any(found.kind is BreakKind.DUPLICATE and found.first_seq == forged.seq for found in breaks)


def test_swapped_rows_are_named() -> None:
    rows = chain(6)
    rows[2], rows[3] = rows[3], rows[2]
    breaks = verify_chain(rows)
    assert named(breaks, 3) and named(breaks, 4)


def test_a_rewritten_row_with_fresh_hashes_behind_it_is_caught_by_the_kept_head() -> None:
    rows = chain(5)
    head = ChainHead(5, rows[-1].hash)
    forged = [*rows[:2]]
    for row in rows[2:]:  # the tamperer rewrites row 3 and re-seals everything after it
        forged.append(sealed(replace(row, clerk_name="Ai Đó" if row.seq == 3 else row.clerk_name,
                                     prev_hash=forged[-1].hash)))
    assert verify_chain(forged) == []  # a self-consistent forgery …
    breaks = verify_chain(forged, head)  # … is not the chain the second place remembers
    assert [(found.kind, found.first_seq) for found in breaks] == [(BreakKind.HEAD, 5)]


def test_a_truncated_tail_and_rows_added_behind_the_head_are_named() -> None:
    rows = chain(8)
    head = ChainHead(8, rows[-1].hash)
    breaks = verify_chain(rows[:5], head)
    assert [(found.kind, found.first_seq, found.last_seq) for found in breaks] == [(BreakKind.TRUNCATED, 6, 8)]
    assert "6–8" in breaks[0].message
    breaks = verify_chain(rows, ChainHead(6, rows[5].hash), exact_head=True)
    assert [(found.kind, found.first_seq, found.last_seq) for found in breaks] == [(BreakKind.HEAD, 7, 8)]


def test_the_hash_is_sha256_of_the_canonical_json_of_every_field_but_the_hash() -> None:
    import hashlib

    from counter_app.domain.serialization import canonical_json

    row = chain(3)[2]
    assert row.hash == hashlib.sha256(canonical_json(row.fields()).encode("utf-8")).hexdigest()
    assert set(row.fields()) == set(HASHED_FIELDS) and "hash" not in row.fields()


HOSTILE_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30) | st.sampled_from(
    ('"', "\\", '\\"', "\n\r\t\b\f\x00\x1f\x7f", "\u2028\u2029", "Trần Thị Mai 🧾", '{"a":"b\\"c"}', ""))


@settings(max_examples=200, deadline=None)
@given(seq=st.integers(0, 2**62), texts=st.lists(HOSTILE_TEXT, min_size=9, max_size=9), no_before=st.booleans())
def test_the_written_out_row_text_is_the_canonical_json_for_any_text(seq: int, texts: list[str],
                                                                      no_before: bool) -> None:
    from counter_app.domain.audit import row_text
    from counter_app.domain.serialization import canonical_json

    fields = dict(zip(HASHED_FIELDS, [seq, *texts], strict=True))
    if no_before:
        fields["before"] = None
    assert row_text(**fields) == canonical_json(fields)  # type: ignore[arg-type]


def test_values_that_are_not_text_are_hashed_as_their_json_or_refused_like_before() -> None:
    from counter_app.domain.audit import row_text
    from counter_app.domain.serialization import canonical_json

    row = chain(1)[0]
    for name, value in (("seq", True), ("seq", 1.5), ("seq", "1"), ("at", 7), ("before", 0), ("subject", None)):
        fields = {**row.fields(), name: value}
        assert row_text(**fields) == canonical_json(fields)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        row_text(**{**row.fields(), "after": b"\xff"})  # type: ignore[arg-type]

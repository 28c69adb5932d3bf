"""The parsers every byte from the network goes through, fed whatever an attacker or a broken link sends.

`sync.bounded` (inflate, JSON shape and parse) and the operation vocabulary
(`counter_app.domain.operations.check_payload`) must answer anything with their own refusal, in
Vietnamese, and never with another exception, a hang or an object past their bounds.
"""

from __future__ import annotations

import gzip
import json
import zlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from counter_app.domain.operations import InvalidOperation, OpType, check_payload
from sync.bounded import JsonBounds, Refused, check_shape, inflate, parse_json

BOUNDS = JsonBounds(max_bytes=200_000, max_depth=32, max_items=1_000, max_values=20_000)
FAST = settings(max_examples=300, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))
JSON_BITS = st.sampled_from([b"[", b"]", b"{", b"}", b",", b":", b'"', b"\\", b"\\u", b"d800", b"0", b"-", b"1e999",
                             b"NaN", b"Infinity", b"null", b"true", b'"a"', b"\xff", b"\x00", b" ", b"\n"])
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=30,
)


def _vietnamese(message: str) -> bool:
    return any(ch in message for ch in "ăâđêôơưàáảãạếềểễệốồổỗộớờởỡợứừửữựíìỉĩịýỳ")


@FAST
@given(body=st.lists(JSON_BITS, max_size=60).map(b"".join) | st.binary(max_size=300))
def test_any_bytes_are_parsed_or_refused_in_vietnamese(body: bytes) -> None:
    try:
        parse_json(body, BOUNDS)
    except Refused as refused:
        assert refused.code and _vietnamese(refused.message)


@FAST
@given(body=st.binary(max_size=300), encoding=st.sampled_from(["gzip", "deflate", "", "br", "x-gzip", "GZIP ", "\x00"]))
def test_any_compressed_body_is_inflated_or_refused(body: bytes, encoding: str) -> None:
    try:
        out = inflate(body, encoding, 10_000, 100)
    except Refused as refused:
        assert refused.code and _vietnamese(refused.message)
    else:
        assert len(out) <= 10_000


@pytest.mark.parametrize("depth", [33, 400, 100_000])
def test_nesting_past_the_bound_is_refused_before_parsing(depth: int) -> None:
    with pytest.raises(Refused) as refused:
        parse_json(b"[" * depth + b"]" * depth, JsonBounds(max_bytes=10**6, max_depth=32, max_items=10, max_values=10**6))
    assert refused.value.code == "json_too_deep"


def test_a_bomb_stops_at_the_output_cap() -> None:
    bomb = gzip.compress(b"0" * 50_000_000, compresslevel=9)  # ~50 kB inflating to 50 MB
    with pytest.raises(Refused) as refused:
        inflate(bomb, "gzip", 8_000_000, 100)
    assert refused.value.code in ("inflated_too_large", "inflate_ratio")
    with pytest.raises(Refused):
        inflate(zlib.compress(b"x" * 10)[:-3], "deflate", 1_000, 100)  # cut short


@FAST
@given(op_type=st.sampled_from([*(t.value for t in OpType), "dossier.delete", ""]), payload=json_values)
def test_any_json_payload_is_typed_or_refused_in_vietnamese(op_type: str, payload: object) -> None:
    try:
        check_payload(op_type, payload)
    except InvalidOperation as refused:
        assert refused.code and _vietnamese(refused.message)
        assert len(refused.message) < 2_000 and "\x00" not in refused.message


@FAST
@given(data=st.data())
def test_a_real_payload_with_one_field_broken_is_refused_not_crashed(data: st.DataObject) -> None:
    from datetime import UTC, datetime

    from tests.sync.payloads import dossier_payload

    payload = json.loads(json.dumps(dossier_payload("000.31.48.H15", 1, 5, received_at=datetime(2026, 3, 2, tzinfo=UTC))))
    key = data.draw(st.sampled_from(sorted(payload)))
    payload[key] = data.draw(json_values | st.just("9999-12-31T23:59:59-12:00") | st.just("0001-01-01T00:00:00+14:00"))
    try:
        check_payload(OpType.DOSSIER_CREATE, payload, now=datetime.now(UTC))
    except InvalidOperation as refused:
        assert _vietnamese(refused.message) and "\x00" not in refused.message


def _shape_oracle(body: bytes, bounds: JsonBounds) -> str | None:
    """check_shape's verdict worked out one byte at a time (strings skipped by hand): the slow, obvious way."""
    if len(body) > bounds.max_bytes:
        return "json_too_large"
    structure, at = bytearray(), 0
    while at < len(body):
        byte = body[at]
        if byte == ord('"'):  # a string: to its closing quote, escapes skipped; unclosed, it is not a string
            end = at + 1
            while end < len(body) and body[end] != ord('"'):
                end += 2 if body[end] == ord("\\") else 1
            if end < len(body):
                structure += b"0"
                at = end + 1
                continue
        structure.append(byte)
        at += 1
    if 1 + sum(structure.count(c) for c in (b",", b"[", b"{")) > bounds.max_values:
        return "json_too_many_values"
    counts = [0]
    for byte in structure:
        if byte == ord(","):
            counts[-1] += 1
            if counts[-1] >= bounds.max_items:
                return "json_too_wide"
        elif byte in b"[{":
            counts.append(0)
            if len(counts) > bounds.max_depth + 1:
                return "json_too_deep"
        elif byte in b"]}" and len(counts) > 1:
            counts.pop()
    return None


def _verdict(body: bytes, bounds: JsonBounds) -> str | None:
    """check_shape's verdict: the code it refused with, or None."""
    try:
        check_shape(body, bounds)
    except Refused as refused:
        return refused.code
    return None


SHAPE_BITS = st.sampled_from([b"[", b"]", b"{", b"}", b",", b"0", b'"', b'"[,{"', b"\\", b'"\\"]"'])


@settings(max_examples=600, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
@given(body=st.lists(SHAPE_BITS, max_size=80).map(b"".join) | json_values.map(lambda v: json.dumps(v).encode()),
       depth=st.integers(1, 6), items=st.integers(1, 8))
def test_the_shape_check_refuses_exactly_what_a_byte_by_byte_count_refuses(body: bytes, depth: int, items: int) -> None:
    """The C-speed shortcuts (innermost pairs removed a pass at a time; commas counted between brackets)
    give the same verdict as counting every byte, balanced or not (issue 13)."""
    bounds = JsonBounds(max_bytes=10_000, max_depth=depth, max_items=items, max_values=10_000)
    assert _verdict(body, bounds) == _shape_oracle(body, bounds)


def _large(ops: int, *, note: str = "Ghi chú [có ngoặc, dấu phẩy] {và} dấu phẩy", deep: int = 0, wide: int = 0) -> bytes:
    """A push-shaped document past SHALLOW_SCAN_BYTES of structure: `ops` operations with nested payloads,
    optionally one payload `deep` levels deeper or one list `wide` items wide."""
    op = {"op_id": "x", "payload": {"papers": [{"name": "Tờ khai", "copies": [1, 2]}] * 3, "note": note}}
    items = [json.dumps(op, ensure_ascii=False) for _ in range(ops)]
    if deep:
        items[ops // 2] = "[" * deep + "0" + "]" * deep
    if wide:
        items[ops // 3] = "[" + ",".join(["0"] * wide) + "]"
    return ('{"ops": [' + ",".join(items) + "]}").encode()


@pytest.mark.parametrize(("body", "bounds"), [
    (_large(4_000), JsonBounds(max_bytes=10**8, max_depth=32, max_items=5_000, max_values=10**6)),
    (_large(4_000, note='trích "Điều 9" \\ và \\"'), JsonBounds(max_bytes=10**8, max_depth=32, max_items=5_000, max_values=10**6)),
    (_large(4_000) + b' "' + b'[' * 40, JsonBounds(max_bytes=10**8, max_depth=32, max_items=5_000, max_values=10**6)),
    (_large(4_000), JsonBounds(max_bytes=10**8, max_depth=32, max_items=1_001, max_values=10**6)),
    (_large(4_000, deep=40), JsonBounds(max_bytes=10**8, max_depth=32, max_items=5_000, max_values=10**6)),
    (_large(4_000, deep=29), JsonBounds(max_bytes=10**8, max_depth=32, max_items=5_000, max_values=10**6)),
    (_large(4_000, wide=5_001), JsonBounds(max_bytes=10**8, max_depth=32, max_items=5_000, max_values=10**6)),
    (b"[" * 300_000 + b"]" * 300_000, JsonBounds(max_bytes=10**8, max_depth=32, max_items=5_000, max_values=10**6)),
], ids=["wide enough", "escaped quotes", "a string never closed", "top list too wide", "too deep", "deep enough",
        "one list too wide", "300,000 deep"])
def test_a_large_body_gets_the_byte_by_byte_verdict(body: bytes, bounds: JsonBounds) -> None:
    """Bodies with more structure than SHALLOW_SCAN_BYTES, legal or not, strings with escapes or without: the
    shortcuts (strings split off on their quotes, innermost pairs removed a pass at a time) give the verdict of
    counting every byte."""
    assert _verdict(body, bounds) == _shape_oracle(body, bounds)

"""The packed push form, zstd bodies and compact answers (issue 13, W), without a server: round trips of any
JSON-ish operations, what travels and what is derived, and malformed packed batches refused with a reason.
The same forms against a real server: tests/sync/test_wire_server.py."""

from __future__ import annotations

import json
from typing import Any

import pytest
import zstandard
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic_core import from_json

from counter_app.domain.audit import genesis_hash, row_hash
from counter_app.domain.serialization import canonical_json, payload_hash
from sync import bounded
from sync.packing import PackBounds, pack_ops
from sync.protocol import OpResult, OpStatus, PushResponse
from sync.server.dictionary_samples import anonymised, catalog_strings
from sync.unpacking import unpack_ops
from sync.wire import PushCodec, compacted, encode_body, results_of
from tests.sync.payloads import dossier_payload

STRINGS = ("Thủ tục đăng ký khai sinh", "Tờ khai đăng ký khai sinh", "Được tiếp nhận")


def over_the_wire(value: Any) -> Any:
    """What the server parses from what the counter sends (JSON text, strict parser)."""
    return from_json(json.dumps(value, ensure_ascii=False).encode(), allow_inf_nan=False)


scalars = st.one_of(st.none(), st.booleans(), st.integers(-2**63, 2**63 - 1),
                    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=12),
                    st.sampled_from(STRINGS))
keys = st.one_of(st.text(max_size=6), st.sampled_from(["a.b", "0", "", "r", "payload_hash", "hash", "ảnh\x00"]))
json_values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                             st.dictionaries(keys, inner, max_size=4)), max_leaves=20)
operations = st.lists(st.one_of(st.dictionaries(keys, json_values, max_size=6), json_values), max_size=8)


@pytest.mark.slow
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(operations, st.booleans())
def test_any_operations_come_back_exactly(ops: list[Any], with_strings: bool) -> None:
    """Lists of dicts, empty dicts and lists, keys with dots or NUL, unicode, ints vs floats vs bools vs null."""
    strings = STRINGS if with_strings else ()
    packed = over_the_wire(pack_ops(ops, strings, 7 if with_strings else 0))
    back = unpack_ops(packed, PackBounds(max_leaves=10**6), strings)
    assert json.dumps(back, sort_keys=True) == json.dumps(ops, sort_keys=True)
    assert back == ops
    assert [type(x) for x in _leaves(back)] == [type(x) for x in _leaves(ops)]  # 1 stays 1, 1.0 stays 1.0, True stays True


def _leaves(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [leaf for key in sorted(value, key=repr) for leaf in _leaves(value[key])]
    if isinstance(value, list):
        return [leaf for item in value for leaf in _leaves(item)]
    return [value]


def chained_ops(count: int, device: str = "dev-1") -> list[dict[str, Any]]:
    """dossier.create operations as a counter sends them: payload hashes, audit rows chained from genesis."""
    ops, previous = [], genesis_hash(device)
    for seq in range(1, count + 1):
        payload = dossier_payload("000.01.48.H15", 1, seq)
        text = canonical_json(payload)
        audit = {"seq": seq, "at": payload["received_at"], "device": device, "clerk_name": "Trần Thị Mai",
                 "clerk_username": "mai", "action": "dossier.create", "subject": payload["code"], "before": None,
                 "after": None, "prev_hash": previous}
        audit["hash"] = previous = row_hash(seq, audit["at"], device, "Trần Thị Mai", "mai", "dossier.create",
                                            payload["code"], None, text, audit["prev_hash"])
        ops.append({"op_id": f"00000000-0000-4000-8000-{seq:012d}", "seq": seq, "entity": "dossier",
                    "entity_id": payload["id"], "op_type": "dossier.create", "base_version": None, "schema_version": 1,
                    "created_at": payload["received_at"], "payload": payload, "payload_hash": payload_hash(payload),
                    "audit": audit})
    return ops


def test_what_the_server_derives_does_not_travel() -> None:
    ops = chained_ops(5)
    text = json.dumps(pack_ops(ops, STRINGS, 3), ensure_ascii=False)
    for op in ops[:-1]:
        assert op["payload_hash"] not in text and op["audit"]["hash"] not in text
    assert ops[-1]["audit"]["hash"] in text  # the batch's last row: the check of the rebuilt chain
    assert ops[0]["audit"]["prev_hash"] in text  # the first row links to a row the batch does not hold
    assert "Thủ tục đăng ký khai sinh" not in text  # a catalog text goes by reference
    assert unpack_ops(over_the_wire(json.loads(text)), strings=STRINGS) == ops


def test_a_damaged_hash_travels_as_it_is() -> None:
    """A hash that is not what the server would compute is kept: the server judges it exactly as in v1."""
    ops = chained_ops(3)
    ops[0]["payload_hash"] = "0" * 64
    ops[1]["audit"]["hash"] = "1" * 64
    ops[2]["audit"]["prev_hash"] = "2" * 64
    del ops[1]["audit"]["prev_hash"]
    text = json.dumps(pack_ops(ops), ensure_ascii=False)
    assert "0" * 64 in text and "1" * 64 in text and "2" * 64 in text
    assert unpack_ops(json.loads(text)) == ops


def test_an_operation_wider_than_a_group_may_be_goes_whole_and_comes_back() -> None:
    """Too many leaves for one group's paths, in one list or spread over nested ones: that operation goes
    as it is (`raw`), the others stay in their groups, and every one comes back in its place."""
    ops = chained_ops(3)
    ops[0]["payload"]["notes"] = [f"ghi chú {i}" for i in range(20)]  # one wide list
    ops[2]["payload"]["parts"] = [{"a": i, "b": [i, str(i)]} for i in range(5)]  # 15 leaves in small containers
    width = len(_leaves(chained_ops(1)[0])) + 4
    packed = pack_ops(ops, max_paths=width)
    assert sorted(position for position, _ in packed["raw"]) == [0, 2]
    assert [group["at"] for group in packed["groups"]] == [[1]]
    assert unpack_ops(over_the_wire(packed)) == ops


def test_columnar_form_is_smaller_than_rows_after_compression() -> None:
    ops = chained_ops(60)
    rows = json.dumps(ops, ensure_ascii=False).encode()
    packed = json.dumps(pack_ops(ops, STRINGS, 1), ensure_ascii=False).encode()
    assert len(zstandard.ZstdCompressor(level=19).compress(packed)) < 0.7 * len(zstandard.ZstdCompressor(level=19).compress(rows))


def good_packed() -> dict[str, Any]:
    return over_the_wire(pack_ops(chained_ops(3), STRINGS, 1))


def with_change(change: Any) -> dict[str, Any]:
    packed = good_packed()
    change(packed)
    return packed


HOSTILE = {
    "not a dict": lambda p: p.clear(),
    "wrong version": lambda p: p.update(v=2),
    "count too big": lambda p: p.update(n=10**9),
    "negative count": lambda p: p.update(n=-1),
    "count as text": lambda p: p.update(n="3"),
    "column too long": lambda p: p["groups"][0]["cols"][0].extend(["x"] * 10),
    "column too short": lambda p: p["groups"][0]["cols"][0].pop(),
    "fewer columns than paths": lambda p: p["groups"][0]["cols"].pop(),
    "deep path": lambda p: p["groups"][0]["paths"].__setitem__(0, ["a"] * 40),
    "empty path": lambda p: p["groups"][0]["paths"].__setitem__(0, []),
    "negative index": lambda p: p["groups"][0]["paths"].__setitem__(0, ["x", -1]),
    "huge index": lambda p: p["groups"][0]["paths"].__setitem__(0, ["x", 10**12]),
    "index gap": lambda p: p["groups"][0]["paths"].__setitem__(0, ["x", 5]),
    "float in path": lambda p: p["groups"][0]["paths"].__setitem__(0, ["x", 1.5]),
    "same path twice": lambda p: p["groups"][0]["paths"].__setitem__(1, p["groups"][0]["paths"][0]),
    "position out of range": lambda p: p["groups"][0]["at"].__setitem__(0, 99),
    "position twice": lambda p: p["groups"][1]["at"].__setitem__(0, p["groups"][0]["at"][0]),
    "position missing": lambda p: p.update(n=p["n"] + 1),
    "reference out of range": lambda p: p["groups"][0]["cols"][0].__setitem__(0, {"r": 99}),
    "negative reference": lambda p: p["groups"][0]["cols"][0].__setitem__(0, {"r": -1}),
    "non-empty list leaf": lambda p: p["groups"][0]["cols"][0].__setitem__(0, [1]),
    "unknown dict leaf": lambda p: p["groups"][0]["cols"][0].__setitem__(0, {"x": 1}),
    "strings id as text": lambda p: p.update(strings="1"),
    "absent positions out of range": lambda p: p.update(absent={"hash": [77]}),
    "first prev_hash left out": lambda p: p["groups"][0]["paths"].__setitem__(
        p["groups"][0]["paths"].index(["audit", "prev_hash"]), ["audit", "prev_hash_"]),
}


@pytest.mark.parametrize("attack", sorted(HOSTILE))
def test_malformed_packed_batches_are_refused_with_a_reason(attack: str) -> None:
    packed = with_change(HOSTILE[attack])
    with pytest.raises(bounded.Refused) as refused:
        unpack_ops(packed, PackBounds(max_ops=1_000), STRINGS)
    assert refused.value.code == "bad_packed"
    assert refused.value.message.startswith("Gói dữ liệu nén theo cột")


def test_bounds_of_the_server_hold() -> None:
    ops = chained_ops(4)
    with pytest.raises(bounded.Refused, match="từ 0 đến 3"):
        unpack_ops(over_the_wire(pack_ops(ops)), PackBounds(max_ops=3))
    with pytest.raises(bounded.Refused, match="quá 100 giá trị"):
        unpack_ops(over_the_wire(pack_ops(ops)), PackBounds(max_leaves=100))


def test_zstd_bodies_inflate_within_the_same_caps_as_gzip() -> None:
    dictionary = zstandard.train_dictionary(4_096, [json.dumps(op).encode() for op in chained_ops(40)], dict_id=9)
    codec = PushCodec("zstd", 9, dictionary.as_bytes(), packed=True)
    body = encode_body({"ops": [], "packed": codec.pack(chained_ops(3))}, codec)
    assert body.headers["Content-Encoding"] == "zstd" and zstandard.get_frame_parameters(body.data).dict_id == 9
    known = {9: dictionary.as_bytes()}.get
    assert json.loads(bounded.inflate(body.data, "zstd", 1_000_000, 100, known))["ops"] == []
    with pytest.raises(bounded.Refused) as unknown:
        bounded.inflate(body.data, "zstd", 1_000_000, 100, {}.get)
    assert unknown.value.code == "unknown_dictionary" and "từ điển" in unknown.value.message
    bomb = zstandard.ZstdCompressor(level=1).compress(b"[" + b"0," * 20_000_000 + b"0]")
    for cap, code in ((8_000_000, "inflated_too_large"), (10**9, "inflate_ratio")):
        with pytest.raises(bounded.Refused) as refused:
            bounded.inflate(bomb, "zstd", cap, 100, known)
        assert refused.value.code == code
    for damaged in (body.data[:-4], body.data + b"tail", b"\x28\xb5\x2f\xfd" + b"\xff" * 20, b"not zstd at all"):
        with pytest.raises(bounded.Refused) as refused:
            bounded.inflate(damaged, "zstd", 1_000_000, 100, known)
        assert refused.value.code == "bad_zstd"
    streamed = zstandard.ZstdCompressor().compressobj().compress(b"{}")  # no declared size: refused
    with pytest.raises(bounded.Refused):
        bounded.inflate(streamed, "zstd", 1_000, 100, known)
    with pytest.raises(bounded.Refused) as refused:  # the counter's own transport never takes zstd answers
        bounded.Inflater("zstd", 1_000, 100)
    assert refused.value.code == "unsupported_encoding"


def test_compact_answers_expand_to_one_result_per_operation() -> None:
    results = [OpResult(op_id=f"op{s}", seq=s, status=OpStatus.ACCEPTED, server_version=1) for s in range(1, 8)]
    results[3] = OpResult(op_id="op4", seq=4, status=OpStatus.REJECTED, code="bad", message="Sai.")
    results[5] = OpResult(op_id="op6", seq=6, status=OpStatus.ACCEPTED, server_version=3)
    full = PushResponse(batch_id="b", results=results, acked_seq=7, server_time="2026-12-01T00:00:00Z")
    small = compacted(full)
    assert [r.seq for r in small.results] == [4] and small.accepted == [(1, 3, 1), (5, 5, 1), (6, 6, 3), (7, 7, 1)]
    parsed = PushResponse.model_validate_json(small.model_dump_json())
    sent = {r.seq: r.op_id for r in results}
    assert sorted(results_of(parsed, sent), key=lambda r: r.seq) == results
    # Ranges claiming what was not sent answer nothing more than was sent.
    wide = parsed.model_copy(update={"accepted": [(0, 2**62, 1)], "results": []})
    assert [r.seq for r in results_of(wide, {2: "op2"})] == [2]


def test_training_samples_hold_no_personal_data() -> None:
    payload = dossier_payload("000.01.48.H15", 1, 1, name="Phùng Thị Xuyến")
    payload["applicant"]["email"] = "xuyen.phung@gmail.com"
    payload["history"][0]["note"] = "Bà Xuyến hẹn chiều thứ sáu"
    import random

    text = json.dumps(anonymised(payload, random.Random(1)), ensure_ascii=False)
    for personal in ("Xuyến", "049090001234", "0905123456", "gmail", "Trần Thị Mai"):
        assert personal not in text
    assert "Thủ tục đăng ký khai sinh" in text and "Tờ khai đăng ký khai sinh" in text
    assert catalog_strings([payload, payload]) == sorted({"Thủ tục đăng ký khai sinh", "Tờ khai đăng ký khai sinh",
                                                          "Đăng ký khai sinh", payload["status_label"]})


def _mutations(packed: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """`packed` with one value somewhere inside replaced by anything JSON can say."""
    paths: list[list[Any]] = []

    def walk(value: Any, path: list[Any]) -> None:
        paths.append(path)
        items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
        for key, item in items:
            walk(item, [*path, key])

    walk(packed, [])

    def apply(choice: tuple[list[Any], Any]) -> dict[str, Any]:
        path, replacement = choice
        copy = json.loads(json.dumps(packed))
        if not path:
            return replacement
        node = copy
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = replacement
        return copy

    return st.tuples(st.sampled_from(paths), json_values).map(apply)


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_mutations(pack_ops(chained_ops(3), STRINGS, 1)))
def test_any_damage_to_a_packed_batch_is_refused_or_gives_operations(packed: Any) -> None:
    """Whatever a hostile client puts anywhere in a packed batch: a list back, or `bad_packed`, nothing else."""
    try:
        ops = unpack_ops(packed, PackBounds(max_ops=1_000), STRINGS)
    except bounded.Refused as refused:
        assert refused.code == "bad_packed"
    else:
        assert isinstance(ops, list) and len(ops) <= 1_000

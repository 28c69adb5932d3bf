"""canonical_json (domain/serialization.py) is byte for byte json.dumps(ensure_ascii=False, sort_keys=True,
separators=(",", ":")), the text every stored payload hash and audit chain was computed over, whichever
encoder writes it; and it refuses what json.dumps refuses, with the same exception type."""

import dataclasses
import hashlib
import json
import uuid
from collections import OrderedDict
from datetime import UTC, date, datetime
from enum import Enum, IntEnum, StrEnum
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from counter_app.domain.serialization import canonical_bytes, canonical_json, payload_hash


def reference(value: Any) -> str:
    """The definition (what counters before orjson wrote)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def outcome(write: Any, value: Any) -> tuple[str, Any]:
    try:
        return "text", write(value)
    except Exception as error:  # the exception's type is what is compared
        return "refused", type(error)


def assert_same_as_json(value: Any) -> None:
    expected = outcome(reference, value)
    assert outcome(canonical_json, value) == expected
    encoded = outcome(lambda v: reference(v).encode("utf-8"), value)
    assert outcome(canonical_bytes, value) == encoded
    if encoded[0] == "text":
        assert payload_hash(value) == hashlib.sha256(encoded[1]).hexdigest()


# Every code point, lone surrogates included (st.characters leaves them out unless asked), and the texts
# that escaping and sorting get wrong first.
ANY_CHAR = st.characters(min_codepoint=0, max_codepoint=0x10FFFF, categories=None, exclude_categories=())
TEXT = st.text(alphabet=ANY_CHAR, max_size=12) | st.sampled_from(
    ('"', "\\", "\n\r\t\b\f\x00\x1f\x7f\x80\x9f", "\u2028\u2029\ufeff", "Trần Thị Mai 🧾", "\ud800",
     "\udc00a", "\ud83d\ude00", "\uffff", "\U0001f600", "\ue000", "", "1e16", "NaN"))
INTEGER = st.integers() | st.sampled_from((2**63 - 1, -2**63, -2**63 - 1, 2**64 - 1, 2**64, -2**64, 10**40))
FLOAT = st.floats() | st.sampled_from((float("nan"), float("inf"), float("-inf"), -0.0, 0.0, 1e16, 1e-05, 1e-4,
                                       5e-324, 1.7976931348623157e308, 1e15, 123456789012345678.0, 0.1))
SCALAR = st.none() | st.booleans() | INTEGER | FLOAT | TEXT
JSON_VALUE = st.recursive(
    SCALAR,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(TEXT, inner, max_size=6)
    | st.lists(inner, max_size=3).map(tuple),
    max_leaves=40)
# Mostly the shape payloads have: dicts of text, integers and None, a float or a hostile text now and then.
PLAIN_SCALAR = st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.text(alphabet=ANY_CHAR, max_size=8)
PAYLOAD_LIKE = st.recursive(
    st.dictionaries(TEXT, PLAIN_SCALAR, max_size=8),
    lambda inner: st.dictionaries(TEXT, inner | PLAIN_SCALAR | st.lists(inner, max_size=3), max_size=6),
    max_leaves=30)


@settings(max_examples=600, deadline=None)
@given(value=JSON_VALUE)
def test_any_json_value_is_written_as_json_dumps_writes_it(value: Any) -> None:
    assert_same_as_json(value)


@settings(max_examples=400, deadline=None)
@given(payload=PAYLOAD_LIKE, key=TEXT, extra=SCALAR)
def test_payload_shaped_values_are_written_as_json_dumps_writes_them(payload: dict[str, Any], key: str,
                                                                    extra: Any) -> None:
    assert_same_as_json(payload)
    assert_same_as_json({**payload, key: extra})
    assert_same_as_json({"nested": [payload, {key: extra}]})


def test_a_real_dossier_payload_takes_the_fast_path_and_is_the_same_text() -> None:
    payload = {
        "id": "85d4b52d-1083-506f-9d2f-11eeb570b0a9", "code": "000.31.48.H15-261130-1001", "status": 2,
        "applicant": {"full_name": "Đinh Thị Hà", "email": "", "birth_date": None,
                      "address": {"province_code": None, "street": "223 Bạch Đằng", "ward_code": 26734}},
        "documents": [{"name": "Tờ khai đăng ký khai sinh theo mẫu", "originals": 1, "photocopies": 0}],
        "history": [{"at": "2026-11-30T12:31:00+07:00", "from_status": None, "to_status": 2}],
        "submitter": None, "processing_hours": 40, "disabled": False, "tags": ("a", "b"),
    }
    assert canonical_json(payload) == reference(payload)
    # The fast path wrote it (orjson alone gives the same text), not only the fallback.
    assert canonical_bytes(payload) == orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)


@pytest.mark.parametrize("value", [
    {"big": 1e16}, {"small": 1e-05}, {"tiny": 5e-324}, [1e22, -1e-7, 0.1], {"nan": float("nan")},
    {"inf": float("inf"), "minus": float("-inf")}, {"zero": -0.0},
], ids=["1e16", "1e-05", "5e-324", "exponents", "nan", "infinity", "minus-zero"])
def test_floats_that_orjson_writes_otherwise_are_written_as_json_writes_them(value: Any) -> None:
    assert canonical_json(value) == reference(value)
    assert "NaN" in canonical_json({"nan": float("nan")}) and "Infinity" in canonical_json({"i": float("inf")})


@pytest.mark.parametrize("value", [
    {"n": 2**64}, {"n": -2**63 - 1}, {"n": 10**100}, {"n": 2**64 - 1}, {"n": -2**63},
], ids=["2^64", "below-int64", "googol", "uint64-max", "int64-min"])
def test_integers_beyond_64_bits_are_written_in_full(value: Any) -> None:
    assert canonical_json(value) == reference(value)


def test_lone_surrogates_are_kept_as_json_keeps_them_and_cannot_be_hashed() -> None:
    for value in ({"a": "x\ud800"}, {"\udfff": 1}, {"pair": "\ud83d\ude00"}):
        assert canonical_json(value) == reference(value)
        with pytest.raises(UnicodeEncodeError):
            canonical_bytes(value)
        with pytest.raises(UnicodeEncodeError):
            payload_hash(value)


def test_keys_sort_by_code_point_astral_characters_included() -> None:
    value = {"\U0001f600": 1, "\uffff": 2, "\ue000": 3, "z": 4, "": 5, "é": 6, "\U00010000": 7, "\x7f": 8}
    assert canonical_json(value) == reference(value)
    assert list(json.loads(canonical_json(value))) == sorted(value)


def test_keys_that_are_not_text_are_written_or_refused_as_json_does() -> None:
    assert canonical_json({2: "b", 1: "a"}) == reference({2: "b", 1: "a"}) == '{"1":"a","2":"b"}'
    assert canonical_json({True: 1, False: 2}) == reference({True: 1, False: 2})
    assert canonical_json({1.5: 1}) == reference({1.5: 1})
    with pytest.raises(TypeError):
        canonical_json({1: "a", "b": 2})  # mixed key types cannot be sorted
    with pytest.raises(TypeError):
        canonical_json({None: 1, True: 2})
    with pytest.raises(TypeError):
        canonical_json({(1, 2): "a"})


class Colour(StrEnum):
    RED = "red"


class Size(IntEnum):
    BIG = 7


class Plain(Enum):
    ONE = 1


class Text(str):
    pass


@dataclasses.dataclass
class Point:
    x: int


@pytest.mark.parametrize("value", [
    {"colour": Colour.RED}, {"size": Size.BIG}, {Colour.RED: 1}, {"text": Text("á")}, OrderedDict(b=1, a=2),
    {"inner": OrderedDict(b=1, a=2)}, [True, False, None], {"t": (1, (2, []))}, [], {}, "top-level text", 7,
], ids=["strenum", "intenum", "strenum-key", "str-subclass", "ordereddict", "nested-ordereddict", "bools",
        "tuples", "empty-list", "empty-dict", "text", "integer"])
def test_subclasses_and_other_shapes_are_written_as_json_writes_them(value: Any) -> None:
    assert canonical_json(value) == reference(value)


@pytest.mark.parametrize("value", [
    {"id": uuid.UUID(int=5)}, {"e": Plain.ONE}, {"at": datetime(2026, 1, 1, tzinfo=UTC)}, {"d": date(2026, 1, 1)},
    {"p": Point(1)}, {"f": orjson.Fragment(b"1")}, {"b": b"x"}, {"s": {1}},
], ids=["uuid", "enum", "datetime", "date", "dataclass", "fragment", "bytes", "set"])
def test_values_json_refuses_are_refused_though_orjson_writes_some(value: Any) -> None:
    with pytest.raises(TypeError):
        reference(value)
    with pytest.raises(TypeError):
        canonical_json(value)
    with pytest.raises(TypeError):
        payload_hash(value)


def test_circular_and_very_deep_values_are_refused_or_written_as_json_does() -> None:
    circular: dict[str, Any] = {}
    circular["self"] = circular
    assert outcome(canonical_json, circular) == outcome(reference, circular) == ("refused", ValueError)
    deep: Any = "leaf"
    for _ in range(300):  # past orjson's depth limit (255), within json's
        deep = {"d": [deep]}
    assert canonical_json(deep) == reference(deep)

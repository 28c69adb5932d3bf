"""The payload checks' fast paths (domain/payload_fields.py) accept and refuse exactly what the plain checks
did, with the same error types and Vietnamese messages: `_clean_text` (isprintable first), the required
text's single validator, and instants in the office form (+07:00, whole seconds) compared as text."""

import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Annotated, Any

from hypothesis import example, given, settings
from hypothesis import strategies as st
from pydantic import (
    AfterValidator,
    BaseModel,
    Field,
    PlainValidator,
    StrictStr,
    ValidationError,
    ValidationInfo,
)
from pydantic_core import PydanticCustomError

from counter_app.domain.payload_fields import (
    EARLIEST_INSTANT,
    FUTURE_TOLERANCE,
    LATEST_INSTANT,
    EventInstant,
    Instant,
    bounded_text,
)

# -- the checks as they were written before the fast paths: the definition --------------------------------

_FORBIDDEN_CHAR = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def _plain_clean_text(value: str) -> str:
    bad = _FORBIDDEN_CHAR.search(value)
    if bad:
        raise PydanticCustomError("text_forbidden_char", "chứa ký tự không được phép (U+{code})",
                                  {"code": f"{ord(bad.group()):04X}"})
    return value


def _plain_required(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("text_required", "không được để trống")
    return value


def _plain_instant(value: Any, info: ValidationInfo, *, event: bool) -> str:
    if isinstance(value, datetime):
        value = value.isoformat()
    if not isinstance(value, str) or len(value) > 40:
        raise PydanticCustomError("instant_type", "phải là thời điểm ISO 8601 có múi giờ")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise PydanticCustomError("instant_type", "phải là thời điểm ISO 8601 có múi giờ") from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise PydanticCustomError("instant_naive", "thiếu múi giờ")
    if moment < EARLIEST_INSTANT:
        raise PydanticCustomError("instant_too_early", "trước năm 2000")
    if moment >= LATEST_INSTANT:
        raise PydanticCustomError("instant_too_late", "sau năm 2100")
    now = (info.context or {}).get("now")
    if event and now is not None and moment > now + FUTURE_TOLERANCE:
        raise PydanticCustomError("instant_in_future", "ở tương lai so với đồng hồ máy chủ (đồng hồ máy quầy sai?)")
    return value


class PlainTexts(BaseModel):
    short: Annotated[StrictStr, Field(max_length=40), AfterValidator(_plain_clean_text)]
    required: Annotated[StrictStr, Field(max_length=40), AfterValidator(_plain_clean_text),
                        AfterValidator(_plain_required)]


class FastTexts(BaseModel):
    short: bounded_text(40)  # type: ignore[valid-type]
    required: bounded_text(40, required=True)  # type: ignore[valid-type]


class PlainInstants(BaseModel):
    event: Annotated[str, PlainValidator(lambda v, info: _plain_instant(v, info, event=True))]
    promised: Annotated[str, PlainValidator(lambda v, info: _plain_instant(v, info, event=False))]


class FastInstants(BaseModel):
    event: EventInstant
    promised: Instant


def outcome(model: type[BaseModel], data: dict[str, Any], context: Any = None) -> Any:
    """What a check says: the value kept, or each error's place, type, message and context."""
    try:
        return "kept", model.model_validate(data, context=context).model_dump()
    except ValidationError as error:
        return "refused", [(e["loc"], e["type"], e["msg"], e.get("ctx")) for e in error.errors(include_url=False)]
    except Exception as error:  # a broken clock raises as it did
        return "raised", type(error)


ANY_CHAR = st.characters(min_codepoint=0, max_codepoint=0x10FFFF, categories=None, exclude_categories=())
TEXT = st.text(alphabet=ANY_CHAR, max_size=45) | st.sampled_from(
    ("", " ", "\u00a0", "\u00ad", "\u200b", "\u2028", "Nguyễn Văn A", "a\x00", "\x7f", "\x9f", "\xa0\x9f", "\ud800",
     "a" * 41, "   \t", "\u3000", "🧾"))


@settings(max_examples=800, deadline=None)
@given(short=TEXT | st.integers() | st.none(), required=TEXT)
@example(short="a\u00a0b", required="\u00a0")  # not printable, yet allowed; blank only to strip()
@example(short="x\u2028y\x85", required="\x85")
def test_texts_are_accepted_and_refused_as_before(short: Any, required: str) -> None:
    data = {"short": short, "required": required}
    assert outcome(FastTexts, data) == outcome(PlainTexts, data)


OFFSETS = st.sampled_from([timezone(timedelta(hours=7)), UTC, timezone(timedelta(hours=-12)),
                           timezone(timedelta(hours=14)), timezone(timedelta(hours=7, minutes=30)), None])
MOMENTS = st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)) | st.sampled_from(
    [datetime(2000, 1, 1, 7), datetime(2000, 1, 1, 6, 59, 59), datetime(2100, 1, 1, 7), datetime(2100, 1, 1, 6, 59, 59),
     datetime(2099, 12, 31, 23, 59, 59), datetime(2000, 1, 1), datetime(1999, 12, 31, 23, 59, 59)])


@st.composite
def instant_texts(draw: st.DrawFn, now: datetime | None) -> Any:
    """Texts in the office form and around it: near the bounds, near the clock's limit, broken dates."""
    kind = draw(st.integers(0, 4))
    if kind == 0 and isinstance(now, datetime) and now.utcoffset() is not None:  # around now + 1 day
        limit = now + FUTURE_TOLERANCE + timedelta(seconds=draw(st.integers(-3, 3)))
        moment = limit.astimezone(draw(OFFSETS) or timezone(timedelta(hours=7)))
        return moment.isoformat(timespec=draw(st.sampled_from(["seconds", "seconds", "microseconds"])))
    if kind == 1:  # the office form, any digits: invalid months, days, hours, years 0000 and 9999
        digits = [draw(st.text("0123456789", min_size=n, max_size=n)) for n in (4, 2, 2, 2, 2, 2)]
        return "{}-{}-{}T{}:{}:{}+07:00".format(*digits)
    if kind == 2:
        return draw(st.text(alphabet=ANY_CHAR, max_size=42) | st.integers() | st.none())
    moment = draw(MOMENTS).replace(tzinfo=draw(OFFSETS))
    if kind == 3:
        return moment  # a datetime built in Python
    return moment.isoformat(timespec=draw(st.sampled_from(["seconds", "minutes", "microseconds", "auto"])))


CLOCKS = st.none() | st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31), timezones=st.just(UTC)) \
    | st.datetimes(min_value=datetime(1999, 1, 1), max_value=datetime(2101, 1, 1), timezones=OFFSETS.map(
        lambda tz: tz or UTC)) | st.sampled_from([datetime(2026, 12, 1, 8, 0, 0, 500_000), datetime(9999, 12, 31, 12)])


@settings(max_examples=1500, deadline=None)
@given(data=st.data(), now=CLOCKS, contextless=st.booleans())
def test_instants_are_accepted_and_refused_as_before(data: st.DataObject, now: datetime | None,
                                                    contextless: bool) -> None:
    values = {"event": data.draw(instant_texts(now)), "promised": data.draw(instant_texts(now))}
    context = None if contextless else {"now": now}
    assert outcome(FastInstants, values, context) == outcome(PlainInstants, values, context)


def test_an_instant_on_the_clocks_limit_is_kept_and_one_second_past_it_waits() -> None:
    now = datetime(2026, 12, 1, 1, 0, 0, 999_999, tzinfo=UTC)  # 08:00:00.999999 at the office
    for field, value, expected in (
            ("event", "2026-12-02T08:00:00+07:00", "kept"), ("event", "2026-12-02T08:00:01+07:00", "refused"),
            ("promised", "2000-01-01T07:00:00+07:00", "kept"), ("promised", "2000-01-01T06:59:59+07:00", "refused"),
            ("promised", "2099-12-31T23:59:59+07:00", "kept"), ("promised", "2100-01-01T07:00:00+07:00", "refused")):
        values = {"event": "2026-12-01T08:00:00+07:00", "promised": "2026-12-01T08:00:00+07:00", field: value}
        assert outcome(FastInstants, values, {"now": now})[0] == expected, value
        assert outcome(FastInstants, values, {"now": now}) == outcome(PlainInstants, values, {"now": now})


def test_a_clock_that_is_not_an_aware_datetime_fails_as_it_did() -> None:
    for now in (datetime(2026, 12, 1, 8), "2026-12-01T08:00:00+07:00", datetime(9999, 12, 31, 23, tzinfo=UTC)):
        values = {"event": "2026-12-01T08:00:00+07:00", "promised": "2026-12-01T08:00:00+07:00"}
        assert outcome(FastInstants, values, {"now": now}) == outcome(PlainInstants, values, {"now": now})


def test_each_check_measures_against_its_own_clock() -> None:
    values = {"event": "2026-12-02T08:00:00+07:00", "promised": "2026-12-01T08:00:00+07:00"}
    for now, expected in ((datetime(2026, 12, 1, 1, tzinfo=UTC), "kept"), (datetime(2026, 11, 30, 1, tzinfo=UTC), "refused"),
                          (datetime(2026, 12, 1, 1, tzinfo=UTC), "kept"), (datetime(2026, 11, 30, 1, tzinfo=UTC), "refused")):
        assert outcome(FastInstants, values, {"now": now})[0] == expected

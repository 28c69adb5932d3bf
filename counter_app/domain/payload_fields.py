"""The bounded building blocks of operation payloads: texts, integers, instants, days and codes, and the
base model every payload is built on (`Payload`).

They exist apart from the payload models (domain/payloads.py, domain/payloads_money.py) so that a bound is
written once and read in one place. Bounds are generous for real data and tight for hostile data: texts of at
most a few thousand characters without control characters, NUL or lone UTF-16 surrogates (neither UTF-8 nor
PostgreSQL can hold the last two); integers that fit the columns storing them; no floats at all (so no NaN or
Infinity); instants from 2000 to one day after the checker's clock (`now` in the validation context). An
instant further ahead says the counter's clock is wrong, not that the operation is: the server answers it
"later" (`retry_later`, domain/operations.py) instead of refusing it for good.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    StrictInt,
    StrictStr,
    ValidationInfo,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from counter_app.domain.codes import UNIT_CODE_PATTERN
from counter_app.domain.digitisation import MAX_PAGES_PER_PAPER, MAX_PAPER_INDEX
from counter_app.domain.register import BOOK_PATTERN, MAX_REGISTER_NUMBER

MAX_INT32 = 2**31 - 1
MAX_INT64 = 2**63 - 1
# No dossier of this system was received before 2000, and datetimes near year 1 or 9999 overflow when
# moved between time zones. The intake form's received-at check uses the same bound.
EARLIEST_INSTANT = datetime(2000, 1, 1, tzinfo=UTC)
LATEST_INSTANT = datetime(2100, 1, 1, tzinfo=UTC)  # due dates may lie ahead, but not centuries
FUTURE_TOLERANCE = timedelta(days=1)
SHA256_RE = re.compile(r"[0-9a-f]{64}")
UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
DOSSIER_CODE_RE = re.compile(rf"{UNIT_CODE_PATTERN}-\d{{6}}-\d{{4}}")
OP_ID_RE = re.compile(r"[A-Za-z0-9._:-]{8,64}")
# C0 and C1 control characters (tab and newlines included: stored texts are single lines) and lone
# surrogates, which cannot be encoded as UTF-8.
_FORBIDDEN_CHAR = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def _clean_text(value: str) -> str:
    # isprintable() (C, one pass) is False for every forbidden character (Cc, Cs); the search then finds
    # the first one, or none (a no-break space or a soft hyphen is not printable but allowed).
    if not value.isprintable():
        bad = _FORBIDDEN_CHAR.search(value)
        if bad:
            raise PydanticCustomError("text_forbidden_char", "chứa ký tự không được phép (U+{code})",
                                      {"code": f"{ord(bad.group()):04X}"})
    return value


def _required(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("text_required", "không được để trống")
    return value


def _clean_required_text(value: str) -> str:
    """_clean_text then _required, in one call from pydantic-core (the first problem is the one told)."""
    return _required(_clean_text(value))


def bounded_text(max_len: int, *, required: bool = False) -> Any:
    """A single-line string of at most `max_len` characters (non-blank if `required`)."""
    return Annotated[StrictStr, Field(max_length=max_len), AfterValidator(_clean_required_text if required else _clean_text)]


def pattern_check(pattern: re.Pattern[str], what: str) -> Any:
    """A check that a whole string matches `pattern`; its refusal names `what` is expected."""

    def check(value: str) -> str:
        if not pattern.fullmatch(value):  # fullmatch: "$" would let a trailing newline through
            raise PydanticCustomError("pattern", "không đúng dạng {what}", {"what": what})
        return value

    return check


def matching(pattern: re.Pattern[str], what: str) -> Any:
    """A string of at most 80 characters that matches `pattern` whole (`what` names the form)."""
    return Annotated[StrictStr, Field(max_length=80), AfterValidator(pattern_check(pattern, what))]


def whole(low: int, high: int) -> Any:
    """An integer from `low` to `high` (JSON numbers with a fraction, booleans and text are refused)."""
    return Annotated[StrictInt, Field(ge=low, le=high)]


# The form the app writes (serialization.iso_instant): whole seconds at the office offset, hours 00-23. Such
# texts sort as the instants they name, so once datetime has read one (every date and time in range), its
# bounds are checked by comparing texts (~3x faster than comparing aware datetimes in other zones).
_OFFICE_FORM = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]\+07:00")
_OFFICE_OFFSET = timezone(timedelta(hours=7))
_EARLIEST_TEXT = EARLIEST_INSTANT.astimezone(_OFFICE_OFFSET).isoformat()
_LATEST_TEXT = LATEST_INSTANT.astimezone(_OFFICE_OFFSET).isoformat()
_CLOCK_LOW, _CLOCK_HIGH = datetime(1, 1, 2, tzinfo=UTC), datetime(9999, 12, 30, tzinfo=UTC)  # no overflow within
_latest_event: tuple[datetime | None, str | None] = (None, None)  # (now, its limit in the office form)


def _latest_event_text(now: datetime) -> str | None:
    """`now + FUTURE_TOLERANCE` in the office form, cut to whole seconds (an instant in whole seconds lies
    after the limit exactly when it lies after the limit's whole second); None when it has no such form
    (a naive or far-off clock): the datetime comparison decides, and raises, as it always did."""
    global _latest_event
    held_now, text = _latest_event
    if held_now is not now:
        text = None
        if type(now) is datetime and now.utcoffset() is not None and _CLOCK_LOW < now < _CLOCK_HIGH:
            text = (now + FUTURE_TOLERANCE).astimezone(_OFFICE_OFFSET).replace(microsecond=0).isoformat()
        _latest_event = (now, text)
    return text


def _instant(value: Any, info: ValidationInfo, *, event: bool) -> str:
    if isinstance(value, datetime):  # built in Python rather than read from JSON
        value = value.isoformat()
    if not isinstance(value, str) or len(value) > 40:
        raise PydanticCustomError("instant_type", "phải là thời điểm ISO 8601 có múi giờ")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise PydanticCustomError("instant_type", "phải là thời điểm ISO 8601 có múi giờ") from None
    if _OFFICE_FORM.fullmatch(value):
        if value < _EARLIEST_TEXT:
            raise PydanticCustomError("instant_too_early", "trước năm 2000")
        if value >= _LATEST_TEXT:
            raise PydanticCustomError("instant_too_late", "sau năm 2100")
        now = (info.context or {}).get("now")
        limit = _latest_event_text(now) if event and now is not None else ""
        if limit is not None:
            if limit and value > limit:
                raise PydanticCustomError("instant_in_future",
                                          "ở tương lai so với đồng hồ máy chủ (đồng hồ máy quầy sai?)")
            return value
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise PydanticCustomError("instant_naive", "thiếu múi giờ")
    # Aware datetimes compare without converting, so year 1 or 9999 cannot overflow here.
    if moment < EARLIEST_INSTANT:
        raise PydanticCustomError("instant_too_early", "trước năm 2000")
    if moment >= LATEST_INSTANT:
        raise PydanticCustomError("instant_too_late", "sau năm 2100")
    now = (info.context or {}).get("now")
    if event and now is not None and moment > now + FUTURE_TOLERANCE:
        raise PydanticCustomError("instant_in_future", "ở tương lai so với đồng hồ máy chủ (đồng hồ máy quầy sai?)")
    return value


def _event_instant(value: Any, info: ValidationInfo) -> str:
    return _instant(value, info, event=True)


def _any_instant(value: Any, info: ValidationInfo) -> str:
    return _instant(value, info, event=False)


_INSTANT_SCHEMA = WithJsonSchema({"type": "string", "format": "date-time", "maxLength": 40})
# Something that happened (received, moved, created): not later than a day after the checker's clock.
EventInstant = Annotated[str, PlainValidator(_event_instant), _INSTANT_SCHEMA]
# A date promised for later (a due date): only the 2000-2100 bounds.
Instant = Annotated[str, PlainValidator(_any_instant), _INSTANT_SCHEMA]


def _iso_day(value: Any) -> str:
    if not isinstance(value, str) or len(value) != 10:
        raise PydanticCustomError("date_type", "phải là ngày dạng YYYY-MM-DD")
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise PydanticCustomError("date_type", "phải là ngày dạng YYYY-MM-DD") from None
    if day.year < 1900:
        raise PydanticCustomError("date_too_early", "trước năm 1900")
    return value


IsoDay = Annotated[str, PlainValidator(_iso_day), WithJsonSchema({"type": "string", "format": "date"})]
Sha256 = matching(SHA256_RE, "mã băm SHA-256 (64 ký tự hex thường)")
Uuid = matching(UUID_RE, "UUID")
DossierCodeText = matching(DOSSIER_CODE_RE, "mã hồ sơ <mã đơn vị>-YYMMDD-XXXX")
UnitCodeText = matching(re.compile(UNIT_CODE_PATTERN), "mã đơn vị QCVN 102")
RegisterBookText = matching(re.compile(BOOK_PATTERN), "quyển sổ theo dõi hồ sơ QQ/YYYY")
RegisterNumber = whole(1, MAX_REGISTER_NUMBER)
OpId = matching(OP_ID_RE, "mã thao tác (8–64 ký tự chữ, số, - . _ :)")
StatusCode = whole(1, 10)
DeskSlot = whole(0, 9)
ChannelCode = whole(1, 3)
Count = whole(0, 999)
Hours = whole(0, 100_000)
Version = whole(1, MAX_INT32)
ByteSize = whole(0, 2**40)
WardCode = whole(0, 999_999)
ProvinceCode = whole(0, 999)
PaperIndex = whole(1, MAX_PAPER_INDEX)
PageCount = whole(1, MAX_PAGES_PER_PAPER)
Text30 = bounded_text(30)
Text40 = bounded_text(40)
Text64 = bounded_text(64)
Text100 = bounded_text(100)
Text300 = bounded_text(300)
Text1000 = bounded_text(1000)
LongText = bounded_text(4000)
Email = bounded_text(254)
Code40 = bounded_text(40, required=True)
Name = bounded_text(300, required=True)
LongName = bounded_text(1000, required=True)
FileName = bounded_text(255, required=True)
ContentType = bounded_text(100, required=True)


class Payload(BaseModel):
    """Every key known, nothing else: a newer shape comes with a new schema version."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

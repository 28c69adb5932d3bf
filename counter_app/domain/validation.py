"""Field normalisation for the intake form: one function per kind of field, one Vietnamese message per rule.

Each function returns the value in the form that is stored (NFC text, digits-only phone, `date`, `int`)
or raises a `ValidationError` naming the field, so that the GUI can show the message beside it.
`ErrorCollector` lets a service check every field and report all mistakes at once instead of making the
clerk fix them one round-trip at a time.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from types import TracebackType
from typing import ParamSpec, TypeVar

from counter_app.domain import labels
from counter_app.domain.dossier import OFFICE_TZ
from counter_app.domain.errors import ValidationError, ValidationErrors
from counter_app.domain.formats import office_date, office_datetime
from counter_app.domain.payload_fields import EARLIEST_INSTANT
from counter_app.domain.text import nfc

P = ParamSpec("P")
T = TypeVar("T")

MOBILE_PREFIXES = ("03", "05", "07", "08", "09")
MIN_BIRTH_YEAR = 1900

_PHONE_NOISE = re.compile(r"[\s.\-()/]+")
_DIGITS = re.compile(r"[0-9]+")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")
_DOMAIN_LABEL = re.compile(r"[0-9a-z](?:[0-9a-z-]{0,61}[0-9a-z])?")
_DMY = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_INT = re.compile(r"[+-]?[0-9]+")


def normalize_phone(
    value: str | None, field: str = "phone", label: str = labels.PHONE, *, required: bool = True
) -> str:
    """Digits starting with 0: a 10-digit mobile (03/05/07/08/09) or an 11-digit landline (02 + area).

    Accepts the ways numbers get written on forms: spaces, dots, dashes, brackets, and +84 / 84 / 0084.
    """
    raw = nfc(value)
    if not raw:
        if required:
            raise ValidationError(field, f"{label}: chưa nhập.", label)
        return ""
    digits = _PHONE_NOISE.sub("", raw)
    for country in ("+84", "0084", "84"):
        # Domestic numbers begin with 0, so a leading 84 of the right length is the country code.
        if digits.startswith(country) and (country != "84" or len(digits) in (11, 12)):
            digits = "0" + digits[len(country) :].removeprefix("0")  # "+84 (0)912..." keeps one 0
            break
    if not _DIGITS.fullmatch(digits):
        raise ValidationError(
            field,
            f"{label}: «{raw}» chỉ được gồm chữ số (có thể có +84, dấu cách, dấu chấm, gạch ngang).",
            label,
        )
    if not digits.startswith("0"):
        raise ValidationError(field, f"{label}: phải bắt đầu bằng số 0 hoặc +84 («{raw}»).", label)
    if digits.startswith("02"):
        if len(digits) != 11:
            raise ValidationError(
                field,
                f"{label}: số cố định phải có 11 chữ số gồm mã vùng 02xx (đang có {len(digits)}), "
                "ví dụ 0236 3812345.",
                label,
            )
        return digits
    if not digits.startswith(MOBILE_PREFIXES):
        raise ValidationError(
            field,
            f"{label}: số di động phải bắt đầu bằng 03, 05, 07, 08 hoặc 09, số cố định bằng 02 "
            f"(«{raw}» bắt đầu bằng {digits[:2]}; các đầu số 01x cũ đã đổi từ năm 2018).",
            label,
        )
    if len(digits) != 10:
        raise ValidationError(field, f"{label}: số di động phải có 10 chữ số (đang có {len(digits)}).", label)
    return digits


def normalize_email(value: str | None, field: str = "email", label: str = labels.EMAIL) -> str:
    """Empty is allowed (most citizens give none); otherwise a plausible address, domain in lower case."""
    raw = nfc(value)
    if not raw:
        return ""
    if len(raw) > 254 or not _EMAIL.fullmatch(raw):
        raise ValidationError(
            field, f"{label}: «{raw}» không đúng dạng địa chỉ thư, ví dụ ten@gmail.com.", label
        )
    local, domain = raw.rsplit("@", 1)
    domain = domain.lower().rstrip(".")
    parts = domain.split(".")
    if len(parts) < 2 or not all(_DOMAIN_LABEL.fullmatch(part) for part in parts) or parts[-1].isdigit():
        raise ValidationError(
            field, f"{label}: tên miền «{domain}» không hợp lệ, ví dụ ten@gmail.com.", label
        )
    if local.startswith(".") or local.endswith(".") or ".." in local:
        raise ValidationError(
            field,
            f"{label}: phần trước «@» không được bắt đầu, kết thúc bằng dấu chấm hoặc có hai dấu chấm liền nhau.",
            label,
        )
    return f"{local}@{domain}"


def require_text(value: str | None, field: str, label: str, max_len: int = 255) -> str:
    """Required free text, NFC with whitespace collapsed; the length bound matches what the slips print."""
    # Checked before nfc() (which drops control characters from every text): a required field that held
    # one was mistyped or mis-scanned, and the clerk should see it rather than get a silently changed value.
    if value and any((ord(ch) < 32 and ch not in "\t\n\r") or 127 <= ord(ch) < 160 for ch in value):
        raise ValidationError(field, f"{label}: có ký tự điều khiển không in được.", label)
    text = nfc(value)
    if not text:
        raise ValidationError(field, f"{label}: chưa nhập.", label)
    if len(text) > max_len:
        raise ValidationError(field, f"{label}: dài quá {max_len} ký tự (đang có {len(text)}).", label)
    return text


def parse_birth_date(
    value: str | date | None,
    field: str = "birth_date",
    label: str = labels.BIRTH_DATE,
    *,
    today: date,
) -> date:
    """A date of birth typed as dd/mm/yyyy (also with - or .) or ISO yyyy-mm-dd; 1900 up to today."""
    if isinstance(value, datetime):
        day = value.date()
    elif isinstance(value, date):
        day = value
    else:
        raw = nfc(value).replace(" ", "")
        if not raw:
            raise ValidationError(field, f"{label}: chưa nhập.", label)
        if match := _ISO.fullmatch(raw):
            y, m, d = (int(part) for part in match.groups())
        elif match := _DMY.fullmatch(raw):
            d, m, y = (int(part) for part in match.groups())
        else:
            raise ValidationError(
                field, f"{label}: «{raw}» không đúng dạng ngày/tháng/năm, ví dụ 05/09/1990.", label
            )
        try:
            day = date(y, m, d)
        except ValueError:
            raise ValidationError(field, f"{label}: ngày {d:02d}/{m:02d}/{y} không có thật.", label) from None
    if day > today:
        raise ValidationError(
            field, f"{label}: {office_date(day)} là ngày trong tương lai (hôm nay {office_date(today)}).", label
        )
    if day.year < MIN_BIRTH_YEAR:
        raise ValidationError(field, f"{label}: năm sinh phải từ {MIN_BIRTH_YEAR} trở đi.", label)
    return day


def check_received_at(
    value: datetime,
    now: datetime,
    *,
    max_future_seconds: float,
    field: str = "received_at",
    label: str = labels.RECEIVED_AT,
) -> datetime:
    """The aware instant a dossier was received: naive means office time; from 2000 up to
    `max_future_seconds` after `now` (a clock a little fast). Checked before any time-zone conversion,
    which would overflow for year 1 or 9999."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=OFFICE_TZ)  # a time typed at the desk is office time
    if value < EARLIEST_INSTANT:
        raise ValidationError(
            field,
            f"{label} {office_datetime(value)} sớm hơn mốc sớm nhất hệ thống nhận ({office_datetime(EARLIEST_INSTANT)}); "
            "hãy kiểm tra lại ngày (và đồng hồ máy).",
            label,
        )
    if (value - now).total_seconds() > max_future_seconds:
        raise ValidationError(
            field, f"{label} {office_datetime(value)} ở tương lai; hãy kiểm tra lại (và đồng hồ máy).", label
        )
    return value


def parse_count(value: int | str | None, field: str, label: str, minimum: int = 0, maximum: int = 99) -> int:
    """A small whole number from a spin box or typed text (copies, sets of papers)."""
    if isinstance(value, bool):  # bool is an int subclass; True is not "1 bản"
        raise ValidationError(field, f"{label}: phải là số nguyên.", label)
    if isinstance(value, int):
        number = value
    else:
        raw = nfc(value)
        if not raw:
            raise ValidationError(field, f"{label}: chưa nhập.", label)
        if not _INT.fullmatch(raw):
            raise ValidationError(field, f"{label}: «{raw}» phải là số nguyên.", label)
        number = int(raw)
    if not minimum <= number <= maximum:
        raise ValidationError(field, f"{label}: phải từ {minimum} đến {maximum} (đang là {number}).", label)
    return number


class ErrorCollector:
    """Gather field errors so one `ValidationErrors` reports them all.

        with ErrorCollector() as check:
            name = check(require_text, form.name, "full_name", labels.FULL_NAME)
            phone = check(normalize_phone, form.phone)
        # leaving the block raises ValidationErrors if any check failed

    A failed check returns None; the block still runs to the end so every field gets checked.
    """

    def __init__(self) -> None:
        self.errors: list[ValidationError] = []

    def __call__(self, func: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T | None:
        """Run one validator; keep its error instead of raising it."""
        try:
            return func(*args, **kwargs)
        except ValidationErrors as many:
            self.errors.extend(many.errors)
        except ValidationError as error:
            self.errors.append(error)
        return None

    def add(self, field: str, message: str, label: str | None = None) -> None:
        """Record a cross-field error found by the caller (e.g. CCCD digit vs. date of birth)."""
        self.errors.append(ValidationError(field, message, label))

    def has(self, field: str) -> bool:
        """Whether `field` already failed, so a dependent check can be skipped."""
        return any(error.field == field for error in self.errors)

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationErrors(list(self.errors))

    def __enter__(self) -> ErrorCollector:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is None:
            self.raise_if_any()
        elif isinstance(exc, ValidationErrors):
            raise ValidationErrors([*self.errors, *exc.errors]) from exc
        elif isinstance(exc, ValidationError):
            raise ValidationErrors([*self.errors, exc]) from exc

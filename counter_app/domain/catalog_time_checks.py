"""The processing-time keys of a catalog entry: the old hours/days columns and the "times" rules.

Part of checking one entry (`catalog_checks.build_procedure`); every problem is recorded on the
entry in Vietnamese. Pure Python.
"""

from __future__ import annotations

import re
from datetime import time
from typing import Any

from counter_app.domain.catalog import HOURS_PER_DAY, TimeRule, TimeUnit
from counter_app.domain.catalog_entry import LABELS, Entry, positive_int, shown
from counter_app.domain.dossier import Channel
from counter_app.domain.text import nfc
from counter_app.domain.time_rules import CHANNEL_KEYS


def hours_field(entry: Entry, raw: dict[str, Any], hours_key: str, days_key: str, required: bool) -> int | None:
    """Read a time given either in working hours or in working days (× 8); exactly one of the two."""
    field = "processing_hours" if hours_key == "processing_hours" else "online_processing_hours"
    label = LABELS[field]
    hours_raw, days_raw = raw.get(hours_key), raw.get(days_key)
    if hours_raw is not None and days_raw is not None:
        entry.error(
            field, f"{label}: chỉ ghi một trong hai cột {hours_key} hoặc {days_key}, không ghi cả hai."
        )
        return None
    if hours_raw is None and days_raw is None:
        if required:
            hint = ""
            if isinstance(raw.get("processing_time"), str):
                hint = f" (nguồn ghi {shown(nfc(raw['processing_time']))}, chưa quy đổi được ra giờ)"
            entry.error(field, f"thiếu {label} ({hours_key} hoặc {days_key}){hint}.")
        return None
    if hours_raw is not None:
        hours = positive_int(hours_raw)
        if hours is None:
            entry.error(
                field,
                f"{label} ({hours_key}) phải là số nguyên giờ làm việc lớn hơn 0, đang ghi {shown(hours_raw)}.",
            )
        return hours
    days = positive_int(days_raw)
    if days is None:
        entry.error(
            field,
            f"{label} ({days_key}) phải là số nguyên ngày làm việc lớn hơn 0, đang ghi {shown(days_raw)}.",
        )
        return None
    return days * HOURS_PER_DAY


# Bounds of a time rule: a year at most (a larger number is a typo, and must not overflow later sums).
MAX_DAYS = 366
MAX_HOURS = MAX_DAYS * HOURS_PER_DAY
_CUTOFF = re.compile(r"^(\d{1,2}):(\d{2})$")
LEGACY_TIME_KEYS = (
    "processing_hours",
    "processing_days",
    "online_processing_hours",
    "online_processing_days",
    "time_unit",
)
_UNIT_AMOUNT_KEY = {
    TimeUnit.SAME_DAY: None,
    TimeUnit.WORKING_HOURS: "hours",
    TimeUnit.WORKING_DAYS: "days",
    TimeUnit.CALENDAR_DAYS: "days",
}
_CHANNEL_NAMES = {"direct": "nộp trực tiếp", "online": "nộp trực tuyến", "postal": "nộp qua bưu chính"}


def _time_rule(entry: Entry, channel_key: str, raw: Any) -> TimeRule | None:
    """One rule of "times", e.g. {"unit": "same_day", "cutoff": "15:00"} or {"unit": "working_days", "days": 5}."""
    what = f"thời hạn {_CHANNEL_NAMES[channel_key]} (times.{channel_key})"
    if not isinstance(raw, dict):
        entry.error("times", f"{what} phải là một đối tượng {{unit, days/hours/cutoff}}, đang ghi {shown(raw)}.")
        return None
    try:
        unit = TimeUnit(nfc(raw.get("unit"))) if isinstance(raw.get("unit"), str) else None
    except ValueError:
        unit = None
    if unit is None:
        entry.error(
            "times",
            f"{what}: đơn vị (unit) phải là same_day (trong ngày), working_hours (giờ làm việc), "
            f"working_days (ngày làm việc) hoặc calendar_days (ngày), đang ghi {shown(raw.get('unit'))}.",
        )
        return None
    amount_key = _UNIT_AMOUNT_KEY[unit]
    allowed = {"unit", "cutoff"} if unit is TimeUnit.SAME_DAY else {"unit", amount_key}
    unknown = sorted(set(raw) - allowed)
    if unknown:
        entry.error("times", f"{what}: đơn vị {unit.value} không dùng khoá {', '.join(unknown)}.")
        return None
    if unit is TimeUnit.SAME_DAY:
        cutoff = _cutoff(entry, what, raw.get("cutoff"))
        return None if cutoff is False else TimeRule(unit, 0, cutoff or None)
    limit = MAX_HOURS if amount_key == "hours" else MAX_DAYS
    amount = positive_int(raw.get(amount_key))
    if amount is None or amount > limit:
        noun = "giờ" if amount_key == "hours" else "ngày"
        entry.error(
            "times",
            f"{what}: số {noun} ({amount_key}) phải là số nguyên từ 1 đến {limit}, "
            f"đang ghi {shown(raw.get(amount_key))}.",
        )
        return None
    return TimeRule(unit, amount)


def _cutoff(entry: Entry, what: str, value: Any) -> time | bool | None:
    """The cut-off hour "HH:MM"; None when not given, False after recording an error."""
    if value is None or value == "":
        return None
    match = _CUTOFF.match(value.strip()) if isinstance(value, str) else None
    if match and int(match[1]) < 24 and int(match[2]) < 60:
        return time(int(match[1]), int(match[2]))
    entry.error("times", f"{what}: giờ chốt (cutoff) phải ghi dạng GG:PP, ví dụ 15:00, đang ghi {shown(value)}.")
    return False


def times_field(entry: Entry, raw: dict[str, Any]) -> tuple[tuple[Channel, TimeRule], ...] | None:
    """The "times" mapping channel → rule; "direct" is required, other channels default to it."""
    value = raw.get("times")
    if not isinstance(value, dict):
        entry.error(
            "times",
            f'thời hạn theo hình thức nộp (times) phải là một đối tượng như {{"direct": {{"unit": '
            f'"working_days", "days": 5}}}}, đang ghi {shown(value)}.',
        )
        return None
    unknown = sorted(k for k in value if k not in CHANNEL_KEYS)
    if unknown:
        entry.error("times", f"times chỉ nhận các khoá direct, online, postal; khoá không hợp lệ: {', '.join(unknown)}.")
        return None
    if "direct" not in value:
        entry.error("times", "times phải có thời hạn nộp trực tiếp (direct); các hình thức khác không ghi thì dùng thời hạn này.")
        return None
    rules = [(CHANNEL_KEYS[k], _time_rule(entry, k, value[k])) for k in CHANNEL_KEYS if k in value]
    if any(rule is None for _, rule in rules):
        return None
    return tuple((channel, rule) for channel, rule in rules if rule is not None)

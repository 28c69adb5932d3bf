"""Checking one catalog entry and building its Procedure, collecting every problem at once.

Catalogs arrive as files that people edit by hand (and as entries over sync), so every entry is
checked field by field and *all* problems are reported together, each in Vietnamese naming where the
entry is (row or entry number) and which procedure, so a supervisor can fix the file in one pass.
`catalog_files` feeds this with JSON objects and CSV rows; `catalog.procedure_from_dict` with one dict.

Pure Python.
"""

from __future__ import annotations

import json
import re
from datetime import time
from typing import Any

from counter_app.domain.catalog import (
    APPLICANT_FIELDS,
    DOCUMENT_KIND_LABELS,
    HOURS_PER_DAY,
    DocumentKind,
    FeeItem,
    FeeKind,
    Procedure,
    RequiredDocument,
    TimeRule,
    TimeUnit,
)
from counter_app.domain.dossier import Channel, ResultDelivery
from counter_app.domain.errors import ValidationError
from counter_app.domain.text import nfc
from counter_app.domain.time_rules import CHANNEL_KEYS

# National code d.dddddd, optionally a provincial variant: 1.001193.000.00.00.H47 or the short 1.000948.H38.
_CODE = re.compile(r"^\d\.\d{6}(?:(?:\.\d{3}\.\d{2}\.\d{2})?\.[A-Z]\d{2})?$")
DIGITS = re.compile(r"^\d+$")


class CatalogError(ValidationError):
    """A problem in one catalog entry; `position` is the CSV line or JSON entry number, `code` the code."""

    def __init__(self, field: str, message: str, label: str, position: int | None, code: str) -> None:
        super().__init__(field, message, label)
        self.position = position
        self.code = code


LABELS = {
    "file": "tệp danh mục",
    "format": "định dạng tệp",
    "version": "phiên bản định dạng",
    "procedures": "danh sách thủ tục",
    "code": "mã thủ tục",
    "name": "tên thủ tục",
    "sector": "lĩnh vực",
    "level": "cấp thực hiện",
    "processing_hours": "thời hạn giải quyết",
    "online_processing_hours": "thời hạn giải quyết trực tuyến",
    "time_unit": "đơn vị thời hạn",
    "times": "thời hạn giải quyết theo hình thức nộp",
    "time_source": "nguồn của thời hạn",
    "fees": "phí, lệ phí",
    "documents": "thành phần hồ sơ",
    "result_delivery": "hình thức trả kết quả",
    "required_fields": "thông tin người nộp bắt buộc",
    "is_sample": "đánh dấu dữ liệu mẫu",
    "source": "nguồn",
    "note": "ghi chú",
    "columns": "tiêu đề cột",
}

# Keys of the reference format (shared/data/catalog-reference.json) that are read but not kept.
REFERENCE_ONLY_KEYS = {"processing_time", "legal_basis", "source_note", "verified"}
JSON_KEYS = {
    "code",
    "name",
    "sector",
    "level",
    "processing_hours",
    "processing_days",
    "online_processing_hours",
    "online_processing_days",
    "time_unit",
    "times",
    "time_source",
    "fees",
    "documents",
    "result_delivery",
    "required_fields",
    "is_sample",
    "source",
    "note",
} | REFERENCE_ONLY_KEYS  # every key an entry may have


class Entry:
    """Collects the errors of one entry, each prefixed with where it is and which procedure."""

    def __init__(self, where: str, position: int | None, errors: list[ValidationError]) -> None:
        self.where = where
        self.position = position
        self.code = ""
        self.errors = errors
        self.failed = False

    def error(self, field: str, problem: str) -> None:
        label = LABELS.get(field, field)
        who = f"thủ tục {self.code}" if self.code else "chưa có mã thủ tục"
        message = f"{self.where}, {who}: {problem}"
        self.errors.append(CatalogError(field, message, label, self.position, self.code))
        self.failed = True


def shown(value: Any) -> str:
    """The offending value as the user typed it, quoted, for the message."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"“{text}”"


def _text(entry: Entry, raw: dict[str, Any], key: str, required: bool) -> str:
    value = raw.get(key)
    if value is None:
        value = ""
    if not isinstance(value, str):
        entry.error(key, f"{LABELS[key]} ({key}) phải là chuỗi chữ, đang ghi {shown(value)}.")
        return ""
    value = nfc(value)
    if required and not value:
        entry.error(key, f"thiếu {LABELS[key]} ({key}).")
    return value


def _positive_int(value: Any) -> int | None:
    """A whole number > 0 from JSON (int) or CSV (digits); None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value > 0 else None
    if isinstance(value, str) and DIGITS.match(value.strip()):
        number = int(value.strip())
        return number if number > 0 else None
    return None


def _hours(entry: Entry, raw: dict[str, Any], hours_key: str, days_key: str, required: bool) -> int | None:
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
        hours = _positive_int(hours_raw)
        if hours is None:
            entry.error(
                field,
                f"{label} ({hours_key}) phải là số nguyên giờ làm việc lớn hơn 0, đang ghi {shown(hours_raw)}.",
            )
        return hours
    days = _positive_int(days_raw)
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
_LEGACY_TIME_KEYS = (
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
    amount = _positive_int(raw.get(amount_key))
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


def _times(entry: Entry, raw: dict[str, Any]) -> tuple[tuple[Channel, TimeRule], ...] | None:
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


def _amount(entry: Entry, value: Any, what: str) -> tuple[bool, int | None]:
    """Integer VND ≥ 0, or None (set by the province). Floats and "1.5" are refused: money is never a float."""
    if value is None or value == "":
        return True, None
    if isinstance(value, bool):
        ok = False
    elif isinstance(value, int):
        ok = True
    elif isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        value = int(value.strip())
        ok = True
    else:
        ok = False
    if not ok:
        entry.error(
            "fees",
            f"{what}: số tiền (amount_vnd) phải là số nguyên đồng, chỉ gồm chữ số, không có phần thập phân "
            f"hay dấu phân cách (ví dụ 10000), đang ghi {shown(value)}.",
        )
        return False, None
    if value < 0:
        entry.error("fees", f"{what}: số tiền (amount_vnd) không được âm, đang ghi {value}.")
        return False, None
    return True, value


def _fee_kind(entry: Entry, value: Any, what: str) -> FeeKind | None:
    text = nfc(value).lower() if isinstance(value, str) else None
    for kind in FeeKind:
        if text == kind.value:
            return kind
    entry.error("fees", f"{what}: loại (kind) phải là “phí” hoặc “lệ phí”, đang ghi {shown(value)}.")
    return None


def _fee(entry: Entry, index: int, raw: Any) -> FeeItem | None:
    what = f"khoản phí, lệ phí thứ {index}"
    if not isinstance(raw, dict):
        entry.error(
            "fees", f"{what} phải là một đối tượng {{name, kind, amount_vnd}}, đang ghi {shown(raw)}."
        )
        return None
    unknown = sorted(set(raw) - {"name", "kind", "amount_vnd", "note"})
    if unknown:
        entry.error("fees", f"{what}: khoá không hợp lệ {', '.join(unknown)}.")
    name = nfc(raw.get("name")) if isinstance(raw.get("name"), str) else ""
    if not name:
        entry.error("fees", f"{what}: thiếu tên khoản phí (name).")
    else:
        what = f"{what} ({shown(name)})"
    kind = _fee_kind(entry, raw.get("kind"), what)
    ok, amount = _amount(entry, raw.get("amount_vnd"), what)
    note = raw.get("note") or ""
    if not isinstance(note, str):
        entry.error("fees", f"{what}: ghi chú (note) phải là chuỗi chữ.")
        return None
    if not name or kind is None or not ok or unknown:
        return None
    return FeeItem(name=name, kind=kind, amount_vnd=amount, note=nfc(note))


def _count(entry: Entry, value: Any, key: str, what: str) -> int | None:
    if value is None or value == "":
        return 0
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = value
    elif isinstance(value, str) and DIGITS.match(value.strip()):
        number = int(value.strip())
    else:
        number = None
    if number is None or number < 0:
        entry.error(
            "documents", f"{what}: số bản ({key}) phải là số nguyên không âm, đang ghi {shown(value)}."
        )
        return None
    return number


_DOCUMENT_KEYS = {"name", "originals", "certified_copies", "photocopies", "form", "kind", "group"}
MAX_GROUP_LEN = 100


def _document_kind(entry: Entry, raw: dict[str, Any], what: str) -> tuple[bool, DocumentKind, str]:
    """The paper's kind and group; a file without kinds (written before them) means required."""
    value = raw.get("kind")
    kind = DocumentKind.REQUIRED
    if value not in (None, ""):
        text = nfc(value).strip().lower() if isinstance(value, str) else None
        if text not in {k.value for k in DocumentKind}:
            allowed = ", ".join(f"{k.value} ({label})" for k, label in DOCUMENT_KIND_LABELS.items())
            entry.error("documents", f"{what}: loại giấy tờ (kind) phải là một trong {allowed}, đang ghi {shown(value)}.")
            return False, kind, ""
        kind = DocumentKind(text)
    group_raw = raw.get("group")
    if group_raw is not None and not isinstance(group_raw, str):
        entry.error("documents", f"{what}: tên nhóm (group) phải là chuỗi chữ, đang ghi {shown(group_raw)}.")
        return False, kind, ""
    group = nfc(group_raw or "").strip()
    if kind is DocumentKind.ONE_OF and not group:
        entry.error("documents", f"{what}: giấy tờ loại one_of (chọn một trong nhóm) phải ghi tên nhóm (group).")
        return False, kind, ""
    if group and kind is not DocumentKind.ONE_OF:
        entry.error("documents", f"{what}: chỉ giấy tờ loại one_of (chọn một trong nhóm) mới ghi tên nhóm (group).")
        return False, kind, ""
    if len(group) > MAX_GROUP_LEN or any(c in group for c in ";:\n"):
        entry.error("documents", f"{what}: tên nhóm (group) tối đa {MAX_GROUP_LEN} ký tự, không chứa dấu “;” hay “:”.")
        return False, kind, ""
    return True, kind, group


def _document(entry: Entry, index: int, raw: Any) -> RequiredDocument | None:
    what = f"giấy tờ thứ {index}"
    if not isinstance(raw, dict):
        entry.error(
            "documents", f"{what} phải là một đối tượng {{name, originals, ...}}, đang ghi {shown(raw)}."
        )
        return None
    unknown = sorted(set(raw) - _DOCUMENT_KEYS)
    if unknown:
        entry.error("documents", f"{what}: khoá không hợp lệ {', '.join(unknown)}.")
        return None
    name = nfc(raw.get("name")) if isinstance(raw.get("name"), str) else ""
    if not name:
        entry.error("documents", f"{what}: thiếu tên giấy tờ (name).")
        return None
    what = f"{what} ({shown(name)})"
    ok, kind, group = _document_kind(entry, raw, what)
    if not ok:
        return None
    if "form" in raw:
        # Reference format: "bản chính" → 1 original, "bản sao" → 1 certified copy, null (both) → 1 original.
        form = nfc(raw["form"]).lower() if isinstance(raw["form"], str) else raw["form"]
        if form == "bản sao":
            return RequiredDocument(name, certified_copies=1, kind=kind, group=group)
        if form in ("bản chính", None):
            return RequiredDocument(name, originals=1, kind=kind, group=group)
        entry.error("documents", f"{what}: hình thức (form) phải là “bản chính” hoặc “bản sao”.")
        return None
    counts = [_count(entry, raw.get(k), k, what) for k in ("originals", "certified_copies", "photocopies")]
    if any(c is None for c in counts):
        return None
    originals, certified, photocopies = (c or 0 for c in counts)
    if originals + certified + photocopies == 0:
        entry.error(
            "documents", f"{what}: phải cần ít nhất một bản (bản chính, bản sao chứng thực hoặc bản chụp)."
        )
        return None
    return RequiredDocument(name, originals, certified, photocopies, kind, group)


def _check_groups(entry: Entry, documents: list[RequiredDocument]) -> None:
    """A one-of group offers a choice: a group of a single paper is a typing mistake in its name."""
    sizes: dict[str, int] = {}
    for document in documents:
        if document.kind is DocumentKind.ONE_OF:
            sizes[document.group] = sizes.get(document.group, 0) + 1
    for group, size in sizes.items():
        if size < 2:
            entry.error("documents", f"nhóm giấy tờ “{group}” (one_of) chỉ có một giấy tờ; nhóm chọn một phải có ít nhất hai.")


def _list(entry: Entry, raw: dict[str, Any], key: str) -> list[Any]:
    value = raw.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        entry.error(key, f"{LABELS[key]} ({key}) phải là một danh sách, đang ghi {shown(value)}.")
        return []
    return value


def build_procedure(entry: Entry, raw: Any) -> Procedure | None:
    """Build one Procedure from a dict of already-typed (JSON) or text (CSV) values, or record errors."""
    if not isinstance(raw, dict):
        entry.error("procedures", f"mỗi thủ tục phải là một đối tượng JSON, đang ghi {shown(raw)}.")
        return None
    code_raw = raw.get("code")
    code = nfc(code_raw).upper() if isinstance(code_raw, str) else ""
    if code and _CODE.match(code):
        entry.code = code
    elif not code:
        entry.error("code", "thiếu mã thủ tục (code).")
    else:
        entry.code = code  # still name the entry by what was typed
        entry.error(
            "code",
            f"mã thủ tục (code) phải có dạng d.dddddd như 1.001193 (hoặc mã biến thể của tỉnh như "
            f"1.001193.000.00.00.H47), đang ghi {shown(code_raw)}.",
        )
    unknown = sorted(set(raw) - JSON_KEYS)
    if unknown:
        entry.error("file", f"khoá không hợp lệ: {', '.join(unknown)}.")
    name = _text(entry, raw, "name", required=True)
    sector = _text(entry, raw, "sector", required=True)
    level = _text(entry, raw, "level", required=True)
    source = _text(entry, raw, "source", required=False)
    note = _text(entry, raw, "note", required=False)
    if not note and isinstance(raw.get("source_note"), str):
        note = nfc(raw["source_note"])
    time_source = _text(entry, raw, "time_source", required=False)
    times: tuple[tuple[Channel, TimeRule], ...] = ()
    time_unit = TimeUnit.WORKING_DAYS
    if raw.get("times") is not None:
        # New format: the rules say everything; the old keys would be a second, possibly different, time.
        both = [k for k in _LEGACY_TIME_KEYS if raw.get(k) not in (None, "")]
        if both:
            entry.error("times", f"đã ghi thời hạn bằng times thì không ghi thêm {', '.join(both)}.")
        times = _times(entry, raw) or ()
        rules = dict(times)
        hours = rules[Channel.DIRECT].nominal_hours if times else None
        online_rule = rules.get(Channel.ONLINE)
        online = online_rule.nominal_hours if online_rule else None
        time_unit = rules[Channel.DIRECT].unit if times else time_unit
    else:
        hours = _hours(entry, raw, "processing_hours", "processing_days", required=True)
        online = _hours(entry, raw, "online_processing_hours", "online_processing_days", required=False)
        if raw.get("time_unit") not in (None, ""):
            try:
                time_unit = TimeUnit(nfc(str(raw["time_unit"])))
            except ValueError:
                time_unit = TimeUnit.SAME_DAY  # marks the error below
            if time_unit not in (TimeUnit.WORKING_DAYS, TimeUnit.WORKING_HOURS):
                entry.error(
                    "time_unit",
                    f"đơn vị thời hạn (time_unit) phải là working_days hoặc working_hours (các đơn vị khác "
                    f"ghi bằng times), đang ghi {shown(raw['time_unit'])}.",
                )

    fees = [_fee(entry, i, f) for i, f in enumerate(_list(entry, raw, "fees"), start=1)]
    documents = [_document(entry, i, d) for i, d in enumerate(_list(entry, raw, "documents"), start=1)]
    _check_groups(entry, [d for d in documents if d is not None])

    delivery: list[ResultDelivery] = []
    if "result_delivery" in raw and raw["result_delivery"] is not None:
        for value in _list(entry, raw, "result_delivery"):
            try:
                item = ResultDelivery(nfc(str(value)))
            except ValueError:
                entry.error(
                    "result_delivery",
                    f"hình thức trả kết quả (result_delivery) chỉ nhận desk (tại Bộ phận Một cửa) hoặc "
                    f"bcci (qua bưu chính công ích), đang ghi {shown(value)}.",
                )
                continue
            if item not in delivery:
                delivery.append(item)
        if not delivery and not entry.failed:
            entry.error(
                "result_delivery", "hình thức trả kết quả (result_delivery) phải có ít nhất một cách."
            )
    else:
        delivery = [ResultDelivery.DESK, ResultDelivery.POSTAL]

    required: list[str] = []
    for value in _list(entry, raw, "required_fields"):
        if value not in APPLICANT_FIELDS:
            entry.error(
                "required_fields",
                f"thông tin người nộp bắt buộc (required_fields) chỉ nhận {', '.join(APPLICANT_FIELDS)}, "
                f"đang ghi {shown(value)}.",
            )
        elif value not in required:
            required.append(value)

    is_sample = raw.get("is_sample", False)
    if is_sample is None:
        is_sample = False
    if not isinstance(is_sample, bool):
        entry.error(
            "is_sample",
            f"đánh dấu dữ liệu mẫu (is_sample) phải là true hoặc false (trong CSV: 1 hoặc 0, có hoặc không), đang ghi {shown(is_sample)}.",
        )

    if entry.failed or hours is None:
        return None
    return Procedure(
        code=entry.code,
        name=name,
        sector=sector,
        level=level,
        processing_hours=hours,
        online_processing_hours=online,
        time_unit=time_unit,
        fees=tuple(f for f in fees if f is not None),
        documents=tuple(d for d in documents if d is not None),
        result_delivery=tuple(delivery),
        required_fields=tuple(required),
        is_sample=bool(is_sample),
        source=source,
        note=note,
        times=times,
        time_source=time_source,
    )

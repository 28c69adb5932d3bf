"""Checking one catalog entry and building its Procedure, collecting every problem at once.

The entry itself (where it is, its errors) lives in `catalog_entry`, the time keys in
`catalog_time_checks`; this module checks the rest and builds the Procedure.

Catalogs arrive as files that people edit by hand (and as entries over sync), so every entry is
checked field by field and *all* problems are reported together, each in Vietnamese naming where the
entry is (row or entry number) and which procedure, so a supervisor can fix the file in one pass.
`catalog_files` feeds this with JSON objects and CSV rows; `catalog.procedure_from_dict` with one dict.

Pure Python.
"""

from __future__ import annotations

import re
from typing import Any

from counter_app.domain.catalog import (
    APPLICANT_FIELDS,
    DOCUMENT_KIND_LABELS,
    DocumentKind,
    FeeExemption,
    FeeItem,
    FeeKind,
    FeeTier,
    Procedure,
    RequiredDocument,
    TimeRule,
    TimeUnit,
)
from counter_app.domain.catalog_entry import DIGITS, LABELS, Entry, shown
from counter_app.domain.catalog_time_checks import LEGACY_TIME_KEYS, hours_field, times_field
from counter_app.domain.dossier import Channel, ResultDelivery
from counter_app.domain.papers import MAX_COUNT
from counter_app.domain.text import nfc

# National code d.dddddd, optionally a provincial variant: 1.001193.000.00.00.H47 or the short 1.000948.H38.
_CODE = re.compile(r"^\d\.\d{6}(?:(?:\.\d{3}\.\d{2}\.\d{2})?\.[A-Z]\d{2})?$")

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


_FEE_KEYS = {"name", "kind", "amount_vnd", "note", "unit", "tiers", "cap_vnd", "exemptions", "source", "decided_by"}
_EXEMPTION_KEY = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
MAX_FEE_TIERS = 10
MAX_FEE_EXEMPTIONS = 20


def _fee_text(entry: Entry, raw: dict[str, Any], key: str, what: str, limit: int = 2000) -> str | None:
    """An optional text key of a fee item (NFC), None after reporting a wrong type or length."""
    value = raw.get(key) or ""
    if not isinstance(value, str) or len(value) > limit:
        entry.error("fees", f"{what}: {key} phải là chuỗi chữ không quá {limit} ký tự.")
        return None
    return nfc(value)


def _fee_tiers(entry: Entry, raw: Any, what: str) -> tuple[FeeTier, ...] | None:
    """`[{"from": 3, "amount_vnd": 1000}, …]`: later rates, each from a unit after the previous one."""
    if raw is None:
        return ()
    if not isinstance(raw, list) or len(raw) > MAX_FEE_TIERS:
        entry.error("fees", f"{what}: bậc (tiers) phải là danh sách tối đa {MAX_FEE_TIERS} bậc.")
        return None
    tiers: list[FeeTier] = []
    for tier in raw:
        start = tier.get("from") if isinstance(tier, dict) else None
        ok, amount = _amount(entry, tier.get("amount_vnd") if isinstance(tier, dict) else None, what)
        previous = tiers[-1].start if tiers else 1
        if not ok or amount is None or isinstance(start, bool) or not isinstance(start, int) or start <= previous:
            entry.error(
                "fees",
                f"{what}: mỗi bậc phải có dạng {{from, amount_vnd}} với from là số thứ tự đơn vị tăng dần "
                f"(lớn hơn {previous}), đang ghi {shown(tier)}.",
            )
            return None
        tiers.append(FeeTier(start, amount))
    return tuple(tiers)


def _fee_exemption(entry: Entry, raw: Any, what: str) -> FeeExemption | None:
    if not isinstance(raw, dict) or set(raw) - {"key", "reason", "basis", "percent"}:
        entry.error("fees", f"{what}: mỗi trường hợp miễn, giảm phải có dạng {{key, reason, basis, percent}}.")
        return None
    key, reason, basis = raw.get("key"), raw.get("reason"), raw.get("basis")
    percent = raw.get("percent", 100)
    if not isinstance(key, str) or not _EXEMPTION_KEY.match(key):
        entry.error("fees", f"{what}: mã miễn, giảm (key) phải gồm chữ thường không dấu, số, gạch nối: {shown(key)}.")
        return None
    if not isinstance(reason, str) or not reason.strip() or not isinstance(basis, str) or not basis.strip():
        entry.error("fees", f"{what}: miễn, giảm “{key}” phải ghi đối tượng (reason) và căn cứ pháp lý (basis).")
        return None
    if isinstance(percent, bool) or not isinstance(percent, int) or not 1 <= percent <= 100:
        entry.error("fees", f"{what}: miễn, giảm “{key}”: tỷ lệ (percent) phải từ 1 đến 100, đang ghi {shown(percent)}.")
        return None
    return FeeExemption(key, nfc(reason.strip()), nfc(basis.strip()), percent)


def _fee_exemptions(entry: Entry, raw: Any, what: str) -> tuple[FeeExemption, ...] | None:
    if raw is None:
        return ()
    if not isinstance(raw, list) or len(raw) > MAX_FEE_EXEMPTIONS:
        entry.error("fees", f"{what}: miễn, giảm (exemptions) phải là danh sách tối đa {MAX_FEE_EXEMPTIONS} mục.")
        return None
    exemptions = [_fee_exemption(entry, e, what) for e in raw]
    if any(e is None for e in exemptions):
        return None
    keys = [e.key for e in exemptions if e is not None]
    if len(set(keys)) != len(keys):
        entry.error("fees", f"{what}: mã miễn, giảm bị trùng.")
        return None
    return tuple(e for e in exemptions if e is not None)


def _fee(entry: Entry, index: int, raw: Any) -> FeeItem | None:
    what = f"khoản phí, lệ phí thứ {index}"
    if not isinstance(raw, dict):
        entry.error(
            "fees", f"{what} phải là một đối tượng {{name, kind, amount_vnd}}, đang ghi {shown(raw)}."
        )
        return None
    unknown = sorted(set(raw) - _FEE_KEYS)
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
    texts = {key: _fee_text(entry, raw, key, what, 40 if key == "unit" else 2000) for key in ("unit", "source", "decided_by")}
    tiers = _fee_tiers(entry, raw.get("tiers"), what)
    exemptions = _fee_exemptions(entry, raw.get("exemptions"), what)
    cap_ok, cap = (True, None) if raw.get("cap_vnd") is None else _amount(entry, raw.get("cap_vnd"), what)
    if amount is None and (tiers or cap is not None):
        entry.error("fees", f"{what}: chưa có số tiền thì không thể có bậc (tiers) hay mức tối đa (cap_vnd).")
        return None
    if amount is not None and texts["decided_by"]:
        entry.error("fees", f"{what}: decided_by chỉ ghi khi số tiền do cơ quan khác quyết định (amount_vnd để trống).")
        return None
    if not name or kind is None or not ok or unknown or not cap_ok or tiers is None or exemptions is None:
        return None
    if None in texts.values():
        return None
    return FeeItem(
        name=name,
        kind=kind,
        amount_vnd=amount,
        note=nfc(note),
        unit=texts["unit"] or "",
        tiers=tiers,
        cap_vnd=cap,
        exemptions=exemptions,
        source=texts["source"] or "",
        decided_by=texts["decided_by"] or "",
    )


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
    if number is None or not 0 <= number <= MAX_COUNT:
        entry.error(
            "documents", f"{what}: số bản ({key}) phải là số nguyên từ 0 đến {MAX_COUNT}, đang ghi {shown(value)}."
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
        both = [k for k in LEGACY_TIME_KEYS if raw.get(k) not in (None, "")]
        if both:
            entry.error("times", f"đã ghi thời hạn bằng times thì không ghi thêm {', '.join(both)}.")
        times = times_field(entry, raw) or ()
        rules = dict(times)
        hours = rules[Channel.DIRECT].nominal_hours if times else None
        online_rule = rules.get(Channel.ONLINE)
        online = online_rule.nominal_hours if online_rule else None
        time_unit = rules[Channel.DIRECT].unit if times else time_unit
    else:
        hours = hours_field(entry, raw, "processing_hours", "processing_days", required=True)
        online = hours_field(entry, raw, "online_processing_hours", "online_processing_days", required=False)
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

"""The procedure catalog (danh mục thủ tục hành chính) and its JSON/CSV import.

The catalog tells the counter what each procedure needs: its national code, the time the office has
to return a result (held in working hours, 1 working day = 8 h, as the provincial systems do), the
fees and charges, and the papers to check. Catalogs arrive as files that people edit by hand, so the
parsers check every entry and report *all* problems at once, each in Vietnamese naming the row (or
entry number) and the procedure code, so a supervisor can fix the file in one pass.

Pure Python: parsers take the text; the caller reads the file.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from counter_app.domain.dossier import Channel, ResultDelivery
from counter_app.domain.errors import ValidationError, ValidationErrors
from counter_app.domain.text import nfc

FORMAT_MARKER = "counter-app-catalog"
FORMAT_VERSION = 1
HOURS_PER_DAY = 8

# National code d.dddddd, optionally a provincial variant: 1.001193.000.00.00.H47 or the short 1.000948.H38.
_CODE = re.compile(r"^\d\.\d{6}(?:(?:\.\d{3}\.\d{2}\.\d{2})?\.[A-Z]\d{2})?$")
_DIGITS = re.compile(r"^\d+$")
APPLICANT_FIELDS = ("birth_date", "gender", "address", "email")


class FeeKind(StrEnum):
    """Phí (a fee for a service) or lệ phí (a state charge): receipts and reports keep them apart."""

    FEE = "phí"
    CHARGE = "lệ phí"


class TimeUnit(StrEnum):
    """How the processing time is stated to the citizen; the due date is computed in hours either way."""

    WORKING_DAYS = "working_days"
    WORKING_HOURS = "working_hours"


@dataclass(frozen=True)
class FeeItem:
    """One fee or charge. `amount_vnd` None means the province sets it and the catalog does not know it."""

    name: str
    kind: FeeKind
    amount_vnd: int | None
    note: str = ""


@dataclass(frozen=True)
class RequiredDocument:
    """One paper of the dossier and how many of each form the citizen hands in."""

    name: str
    originals: int = 0
    certified_copies: int = 0
    photocopies: int = 0


@dataclass(frozen=True)
class Procedure:
    """One administrative procedure as the counter uses it to receive a dossier and set its due date."""

    code: str
    name: str
    sector: str
    level: str
    processing_hours: int
    online_processing_hours: int | None = None
    time_unit: TimeUnit = TimeUnit.WORKING_DAYS
    fees: tuple[FeeItem, ...] = ()
    documents: tuple[RequiredDocument, ...] = ()
    result_delivery: tuple[ResultDelivery, ...] = (ResultDelivery.DESK, ResultDelivery.POSTAL)
    required_fields: tuple[str, ...] = ()
    is_sample: bool = False
    source: str = ""
    note: str = ""

    def hours_for(self, channel: Channel) -> int:
        """Working hours allowed for a dossier filed through `channel` (online may be shorter)."""
        if channel == Channel.ONLINE and self.online_processing_hours is not None:
            return self.online_processing_hours
        return self.processing_hours

    def total_fees_vnd(self) -> int:
        """Sum of the amounts the catalog knows; amounts the province sets (None) are not counted."""
        return sum(f.amount_vnd for f in self.fees if f.amount_vnd is not None)


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
_REFERENCE_ONLY_KEYS = {"processing_time", "legal_basis", "source_note", "verified"}
_JSON_KEYS = {
    "code",
    "name",
    "sector",
    "level",
    "processing_hours",
    "processing_days",
    "online_processing_hours",
    "online_processing_days",
    "time_unit",
    "fees",
    "documents",
    "result_delivery",
    "required_fields",
    "is_sample",
    "source",
    "note",
} | _REFERENCE_ONLY_KEYS
_CSV_COLUMNS = _JSON_KEYS - _REFERENCE_ONLY_KEYS
_CSV_REQUIRED = ("code", "name", "sector", "level")


class _Entry:
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


def _shown(value: Any) -> str:
    """The offending value as the user typed it, quoted, for the message."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"“{text}”"


def _text(entry: _Entry, raw: dict[str, Any], key: str, required: bool) -> str:
    value = raw.get(key)
    if value is None:
        value = ""
    if not isinstance(value, str):
        entry.error(key, f"{LABELS[key]} ({key}) phải là chuỗi chữ, đang ghi {_shown(value)}.")
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
    if isinstance(value, str) and _DIGITS.match(value.strip()):
        number = int(value.strip())
        return number if number > 0 else None
    return None


def _hours(entry: _Entry, raw: dict[str, Any], hours_key: str, days_key: str, required: bool) -> int | None:
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
                hint = f" (nguồn ghi {_shown(nfc(raw['processing_time']))}, chưa quy đổi được ra giờ)"
            entry.error(field, f"thiếu {label} ({hours_key} hoặc {days_key}){hint}.")
        return None
    if hours_raw is not None:
        hours = _positive_int(hours_raw)
        if hours is None:
            entry.error(
                field,
                f"{label} ({hours_key}) phải là số nguyên giờ làm việc lớn hơn 0, đang ghi {_shown(hours_raw)}.",
            )
        return hours
    days = _positive_int(days_raw)
    if days is None:
        entry.error(
            field,
            f"{label} ({days_key}) phải là số nguyên ngày làm việc lớn hơn 0, đang ghi {_shown(days_raw)}.",
        )
        return None
    return days * HOURS_PER_DAY


def _amount(entry: _Entry, value: Any, what: str) -> tuple[bool, int | None]:
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
            f"hay dấu phân cách (ví dụ 10000), đang ghi {_shown(value)}.",
        )
        return False, None
    if value < 0:
        entry.error("fees", f"{what}: số tiền (amount_vnd) không được âm, đang ghi {value}.")
        return False, None
    return True, value


def _fee_kind(entry: _Entry, value: Any, what: str) -> FeeKind | None:
    text = nfc(value).lower() if isinstance(value, str) else None
    for kind in FeeKind:
        if text == kind.value:
            return kind
    entry.error("fees", f"{what}: loại (kind) phải là “phí” hoặc “lệ phí”, đang ghi {_shown(value)}.")
    return None


def _fee(entry: _Entry, index: int, raw: Any) -> FeeItem | None:
    what = f"khoản phí, lệ phí thứ {index}"
    if not isinstance(raw, dict):
        entry.error(
            "fees", f"{what} phải là một đối tượng {{name, kind, amount_vnd}}, đang ghi {_shown(raw)}."
        )
        return None
    unknown = sorted(set(raw) - {"name", "kind", "amount_vnd", "note"})
    if unknown:
        entry.error("fees", f"{what}: khoá không hợp lệ {', '.join(unknown)}.")
    name = nfc(raw.get("name")) if isinstance(raw.get("name"), str) else ""
    if not name:
        entry.error("fees", f"{what}: thiếu tên khoản phí (name).")
    else:
        what = f"{what} ({_shown(name)})"
    kind = _fee_kind(entry, raw.get("kind"), what)
    ok, amount = _amount(entry, raw.get("amount_vnd"), what)
    note = raw.get("note") or ""
    if not isinstance(note, str):
        entry.error("fees", f"{what}: ghi chú (note) phải là chuỗi chữ.")
        return None
    if not name or kind is None or not ok or unknown:
        return None
    return FeeItem(name=name, kind=kind, amount_vnd=amount, note=nfc(note))


def _count(entry: _Entry, value: Any, key: str, what: str) -> int | None:
    if value is None or value == "":
        return 0
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = value
    elif isinstance(value, str) and _DIGITS.match(value.strip()):
        number = int(value.strip())
    else:
        number = None
    if number is None or number < 0:
        entry.error(
            "documents", f"{what}: số bản ({key}) phải là số nguyên không âm, đang ghi {_shown(value)}."
        )
        return None
    return number


def _document(entry: _Entry, index: int, raw: Any) -> RequiredDocument | None:
    what = f"giấy tờ thứ {index}"
    if not isinstance(raw, dict):
        entry.error(
            "documents", f"{what} phải là một đối tượng {{name, originals, ...}}, đang ghi {_shown(raw)}."
        )
        return None
    unknown = sorted(set(raw) - {"name", "originals", "certified_copies", "photocopies", "form"})
    if unknown:
        entry.error("documents", f"{what}: khoá không hợp lệ {', '.join(unknown)}.")
        return None
    name = nfc(raw.get("name")) if isinstance(raw.get("name"), str) else ""
    if not name:
        entry.error("documents", f"{what}: thiếu tên giấy tờ (name).")
        return None
    what = f"{what} ({_shown(name)})"
    if "form" in raw:
        # Reference format: "bản chính" → 1 original, "bản sao" → 1 certified copy, null (both) → 1 original.
        form = nfc(raw["form"]).lower() if isinstance(raw["form"], str) else raw["form"]
        if form == "bản sao":
            return RequiredDocument(name, certified_copies=1)
        if form in ("bản chính", None):
            return RequiredDocument(name, originals=1)
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
    return RequiredDocument(name, originals, certified, photocopies)


def _list(entry: _Entry, raw: dict[str, Any], key: str) -> list[Any]:
    value = raw.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        entry.error(key, f"{LABELS[key]} ({key}) phải là một danh sách, đang ghi {_shown(value)}.")
        return []
    return value


def _procedure(entry: _Entry, raw: Any) -> Procedure | None:
    """Build one Procedure from a dict of already-typed (JSON) or text (CSV) values, or record errors."""
    if not isinstance(raw, dict):
        entry.error("procedures", f"mỗi thủ tục phải là một đối tượng JSON, đang ghi {_shown(raw)}.")
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
            f"1.001193.000.00.00.H47), đang ghi {_shown(code_raw)}.",
        )
    unknown = sorted(set(raw) - _JSON_KEYS)
    if unknown:
        entry.error("file", f"khoá không hợp lệ: {', '.join(unknown)}.")
    name = _text(entry, raw, "name", required=True)
    sector = _text(entry, raw, "sector", required=True)
    level = _text(entry, raw, "level", required=True)
    source = _text(entry, raw, "source", required=False)
    note = _text(entry, raw, "note", required=False)
    if not note and isinstance(raw.get("source_note"), str):
        note = nfc(raw["source_note"])
    hours = _hours(entry, raw, "processing_hours", "processing_days", required=True)
    online = _hours(entry, raw, "online_processing_hours", "online_processing_days", required=False)

    time_unit = TimeUnit.WORKING_DAYS
    if raw.get("time_unit") not in (None, ""):
        try:
            time_unit = TimeUnit(nfc(str(raw["time_unit"])))
        except ValueError:
            entry.error(
                "time_unit",
                f"đơn vị thời hạn (time_unit) phải là working_days hoặc working_hours, "
                f"đang ghi {_shown(raw['time_unit'])}.",
            )

    fees = [_fee(entry, i, f) for i, f in enumerate(_list(entry, raw, "fees"), start=1)]
    documents = [_document(entry, i, d) for i, d in enumerate(_list(entry, raw, "documents"), start=1)]

    delivery: list[ResultDelivery] = []
    if "result_delivery" in raw and raw["result_delivery"] is not None:
        for value in _list(entry, raw, "result_delivery"):
            try:
                item = ResultDelivery(nfc(str(value)))
            except ValueError:
                entry.error(
                    "result_delivery",
                    f"hình thức trả kết quả (result_delivery) chỉ nhận desk (tại Bộ phận Một cửa) hoặc "
                    f"bcci (qua bưu chính công ích), đang ghi {_shown(value)}.",
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
                f"đang ghi {_shown(value)}.",
            )
        elif value not in required:
            required.append(value)

    is_sample = raw.get("is_sample", False)
    if is_sample is None:
        is_sample = False
    if not isinstance(is_sample, bool):
        entry.error(
            "is_sample",
            f"đánh dấu dữ liệu mẫu (is_sample) phải là true hoặc false (trong CSV: 1 hoặc 0, có hoặc không), đang ghi {_shown(is_sample)}.",
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
    )


def _file_error(field: str, message: str) -> ValidationErrors:
    return ValidationErrors([ValidationError(field, message, LABELS[field])])


def _finish(entries: list[tuple[_Entry, Procedure | None]], errors: list[ValidationError]) -> list[Procedure]:
    """Refuse duplicate codes and an empty file; raise every collected error at once."""
    first_seen: dict[str, str] = {}
    for entry, _ in entries:
        if not entry.code:
            continue
        if entry.code in first_seen:
            entry.error(
                "code", f"mã thủ tục trùng với {first_seen[entry.code]}; mỗi mã chỉ được ghi một lần."
            )
        else:
            first_seen[entry.code] = entry.where.lower()
    if not entries and not errors:
        errors.append(
            ValidationError("procedures", "Tệp danh mục không có thủ tục nào.", LABELS["procedures"])
        )
    if errors:
        raise ValidationErrors(errors)
    return [p for _, p in entries if p is not None]


def parse_catalog_json(text: str) -> list[Procedure]:
    """Parse a catalog in the app's JSON format, or the reference format (a top-level list).

    Raises ValidationErrors listing every problem; nothing is returned unless the whole file is good,
    so a half-imported catalog never reaches the counter.
    """
    try:
        data = json.loads(text.lstrip("\ufeff"))
    except json.JSONDecodeError as exc:
        raise _file_error(
            "file",
            f"Tệp danh mục không phải JSON hợp lệ: lỗi ở dòng {exc.lineno}, cột {exc.colno} ({_json_reason(exc.msg)}).",
        ) from exc
    if isinstance(data, list):
        items = data
    elif isinstance(data, dict):
        marker = data.get("format", FORMAT_MARKER)
        if marker != FORMAT_MARKER:
            raise _file_error(
                "format",
                f"Tệp không phải danh mục thủ tục của ứng dụng: khoá format phải là “{FORMAT_MARKER}”, "
                f"đang ghi {_shown(marker)}.",
            )
        version = data.get("version", FORMAT_VERSION)
        if version != FORMAT_VERSION or isinstance(version, bool):
            raise _file_error(
                "version",
                f"Phiên bản định dạng danh mục {_shown(version)} chưa được hỗ trợ; ứng dụng đọc phiên bản "
                f"{FORMAT_VERSION}.",
            )
        items = data.get("procedures")
        if not isinstance(items, list):
            raise _file_error("procedures", "Tệp danh mục thiếu danh sách thủ tục (khoá procedures).")
    else:
        raise _file_error("file", "Tệp danh mục phải là một đối tượng JSON có khoá procedures.")

    errors: list[ValidationError] = []
    entries = []
    for index, raw in enumerate(items, start=1):
        entry = _Entry(f"Mục {index}", index, errors)
        entries.append((entry, _procedure(entry, raw)))
    return _finish(entries, errors)


def procedure_from_dict(raw: dict[str, Any]) -> Procedure:
    """One procedure in the app's JSON shape (as `procedure_to_dict` writes it), with the same checks."""
    errors: list[ValidationError] = []
    entry = _Entry(f"Thủ tục {raw.get('code', '')}".strip(), None, errors)
    procedure = _procedure(entry, raw)
    if errors or procedure is None:
        raise ValidationErrors(errors)
    return procedure


def _json_reason(msg: str) -> str:
    """Vietnamese for the common json.JSONDecodeError reasons; the English text otherwise."""
    reasons = {
        "Expecting value": "thiếu giá trị",
        "Expecting ',' delimiter": "thiếu dấu phẩy",
        "Expecting ':' delimiter": "thiếu dấu hai chấm",
        "Expecting property name enclosed in double quotes": "tên khoá phải đặt trong dấu ngoặc kép",
        "Unterminated string starting at": "chuỗi chưa đóng dấu ngoặc kép",
        "Extra data": "có dữ liệu thừa sau phần kết thúc",
        "Invalid control character at": "có ký tự điều khiển không hợp lệ",
    }
    return reasons.get(msg, msg)


def _split_cell(cell: str) -> list[str]:
    return [part.strip() for part in cell.split(";") if part.strip()]


def _csv_fee(entry: _Entry, index: int, part: str) -> dict[str, Any]:
    pieces = part.rsplit(":", 2)
    if len(pieces) != 3:
        entry.error(
            "fees",
            f"khoản phí, lệ phí thứ {index} phải có dạng “tên:loại:số tiền” (ví dụ “Lệ phí chứng thực:lệ phí:10000”), "
            f"đang ghi {_shown(part)}.",
        )
        return {}
    name, kind, amount = (p.strip() for p in pieces)
    return {"name": name, "kind": kind, "amount_vnd": amount or None}


def _csv_document(entry: _Entry, index: int, part: str) -> dict[str, Any]:
    pieces = part.rsplit(":", 3)
    if len(pieces) == 4 and all(_DIGITS.match(p.strip() or "0") for p in pieces[1:]):
        name, originals, certified, photocopies = (p.strip() for p in pieces)
        return {
            "name": name,
            "originals": originals,
            "certified_copies": certified,
            "photocopies": photocopies,
        }
    if ":" not in part:
        return {"name": part, "originals": 1}
    entry.error(
        "documents",
        f"giấy tờ thứ {index} phải có dạng “tên:bản chính:bản sao chứng thực:bản chụp” với số bản là số "
        f"nguyên (ví dụ “Tờ khai:1:0:0”), hoặc chỉ ghi tên (1 bản chính), đang ghi {_shown(part)}.",
    )
    return {}


_TRUE = {"1", "true", "có", "x", "yes"}
_FALSE = {"", "0", "false", "không", "no"}


def parse_catalog_csv(text: str) -> list[Procedure]:
    """Parse a catalog spreadsheet: one procedure per row, ASCII column names (resources/catalog/README.md).

    Accepts a UTF-8 BOM and a ";" delimiter (what Excel writes in a Vietnamese locale).
    """
    text = text.lstrip("\ufeff")
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if "," not in first_line and ";" in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise _file_error("file", "Tệp danh mục CSV trống, không có dòng tiêu đề.") from None
    columns = [nfc(h).lower() for h in header]
    problems = []
    unknown = [c for c in columns if c not in _CSV_COLUMNS]
    if unknown:
        problems.append(f"cột không hợp lệ: {', '.join(unknown)}")
    missing = [c for c in _CSV_REQUIRED if c not in columns]
    if "processing_hours" not in columns and "processing_days" not in columns:
        missing.append("processing_days hoặc processing_hours")
    if missing:
        problems.append(f"thiếu cột: {', '.join(missing)}")
    duplicated = sorted({c for c in columns if columns.count(c) > 1})
    if duplicated:
        problems.append(f"cột ghi hai lần: {', '.join(duplicated)}")
    if problems:
        raise _file_error("columns", "Dòng 1 (tiêu đề cột) của tệp CSV: " + "; ".join(problems) + ".")

    errors: list[ValidationError] = []
    entries = []
    line = reader.line_num
    try:
        for row in reader:
            start, line = line + 1, reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            entry = _Entry(f"Dòng {start}", start, errors)
            raw: dict[str, Any] = {}
            for column, cell in zip(columns, row, strict=False):
                cell = nfc(cell)
                if cell:
                    raw[column] = cell
            entry.code = raw.get("code", "").upper()  # name the row in errors found before _procedure runs
            if len(row) > len(columns):
                entry.error("columns", f"dòng có {len(row)} ô, nhiều hơn {len(columns)} cột của tiêu đề.")
                entries.append((entry, None))
                continue
            if "fees" in raw:
                raw["fees"] = [_csv_fee(entry, i, p) for i, p in enumerate(_split_cell(raw["fees"]), start=1)]
                raw["fees"] = [f for f in raw["fees"] if f]
            if "documents" in raw:
                documents = [
                    _csv_document(entry, i, p) for i, p in enumerate(_split_cell(raw["documents"]), 1)
                ]
                raw["documents"] = [d for d in documents if d]
            for key in ("result_delivery", "required_fields"):
                if key in raw:
                    raw[key] = _split_cell(raw[key])
            if "is_sample" in raw:
                flag = raw["is_sample"].lower()
                raw["is_sample"] = True if flag in _TRUE else False if flag in _FALSE else raw["is_sample"]
            entries.append((entry, _procedure(entry, raw)))
    except csv.Error as exc:
        errors.append(
            ValidationError(
                "file", f"Dòng {reader.line_num} của tệp CSV không đọc được: {exc}.", LABELS["file"]
            )
        )
    return _finish(entries, errors)


def procedure_to_dict(p: Procedure) -> dict[str, Any]:
    """A JSON-ready dict in the app's catalog format; parse_catalog_json reads it back unchanged."""
    return {
        "code": p.code,
        "name": p.name,
        "sector": p.sector,
        "level": p.level,
        "processing_hours": p.processing_hours,
        "online_processing_hours": p.online_processing_hours,
        "time_unit": p.time_unit.value,
        "fees": [
            {"name": f.name, "kind": f.kind.value, "amount_vnd": f.amount_vnd, "note": f.note} for f in p.fees
        ],
        "documents": [
            {
                "name": d.name,
                "originals": d.originals,
                "certified_copies": d.certified_copies,
                "photocopies": d.photocopies,
            }
            for d in p.documents
        ],
        "result_delivery": [r.value for r in p.result_delivery],
        "required_fields": list(p.required_fields),
        "is_sample": p.is_sample,
        "source": p.source,
        "note": p.note,
    }


def catalog_to_json(procedures: Iterable[Procedure], note: str = "") -> str:
    """The whole catalog as text in the app's JSON format (the caller writes the file)."""
    document: dict[str, Any] = {"format": FORMAT_MARKER, "version": FORMAT_VERSION}
    if note:
        document["note"] = note
    document["procedures"] = [procedure_to_dict(p) for p in procedures]
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"

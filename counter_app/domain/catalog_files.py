"""Catalog files: the app's JSON format, the reference format and CSV, read and written whole.

Parsers take the text (the caller reads the file) and return procedures only when the whole file is
good, so a half-imported catalog never reaches the counter; every problem found, in the file's layout
or in any entry (checked by `catalog_checks`), is raised at once as ValidationErrors.

Pure Python.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import Any

from counter_app.domain.catalog import Procedure, procedure_to_dict
from counter_app.domain.catalog_checks import JSON_KEYS, REFERENCE_ONLY_KEYS, build_procedure
from counter_app.domain.catalog_entry import DIGITS, LABELS, Entry, shown
from counter_app.domain.errors import ValidationError, ValidationErrors
from counter_app.domain.text import nfc

FORMAT_MARKER = "counter-app-catalog"
FORMAT_VERSION = 1
_CSV_COLUMNS = JSON_KEYS - REFERENCE_ONLY_KEYS - {"times"}  # per-channel rules: JSON only
_CSV_REQUIRED = ("code", "name", "sector", "level")


def _file_error(field: str, message: str) -> ValidationErrors:
    return ValidationErrors([ValidationError(field, message, LABELS[field])])


def _finish(entries: list[tuple[Entry, Procedure | None]], errors: list[ValidationError]) -> list[Procedure]:
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
                f"đang ghi {shown(marker)}.",
            )
        version = data.get("version", FORMAT_VERSION)
        if version != FORMAT_VERSION or isinstance(version, bool):
            raise _file_error(
                "version",
                f"Phiên bản định dạng danh mục {shown(version)} chưa được hỗ trợ; ứng dụng đọc phiên bản "
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
        entry = Entry(f"Mục {index}", index, errors)
        entries.append((entry, build_procedure(entry, raw)))
    return _finish(entries, errors)


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


def _csv_fee(entry: Entry, index: int, part: str) -> dict[str, Any]:
    pieces = part.rsplit(":", 2)
    if len(pieces) != 3:
        entry.error(
            "fees",
            f"khoản phí, lệ phí thứ {index} phải có dạng “tên:loại:số tiền” (ví dụ “Lệ phí chứng thực:lệ phí:10000”), "
            f"đang ghi {shown(part)}.",
        )
        return {}
    name, kind, amount = (p.strip() for p in pieces)
    amount, _, unit = amount.partition("/")  # “10000/trường hợp”: the amount is per unit (docs/fees.md)
    fee: dict[str, Any] = {"name": name, "kind": kind, "amount_vnd": amount.strip() or None}
    if unit.strip():
        fee["unit"] = unit.strip()
    return fee


def _csv_counts_and_kind(part: str) -> dict[str, Any] | None:
    """“name:O:C:P”, “name:O:C:P:kind” or “name:O:C:P:one_of:group” (the name may hold colons)."""
    for extra in (2, 1, 0):
        pieces = [p.strip() for p in part.rsplit(":", 3 + extra)]
        if len(pieces) != 4 + extra:
            continue
        counts, tail = pieces[1:4], pieces[4:]
        if not all(DIGITS.match(c or "0") for c in counts) or any(DIGITS.match(t) for t in tail):
            continue
        document: dict[str, Any] = {
            "name": pieces[0],
            "originals": counts[0],
            "certified_copies": counts[1],
            "photocopies": counts[2],
        }
        if tail:
            document["kind"] = tail[0]
        if len(tail) == 2:
            document["group"] = tail[1]
        return document
    return None


def _csv_document(entry: Entry, index: int, part: str) -> dict[str, Any]:
    document = _csv_counts_and_kind(part)
    if document is not None:
        return document
    if ":" not in part:
        return {"name": part, "originals": 1}
    entry.error(
        "documents",
        f"giấy tờ thứ {index} phải có dạng “tên:bản chính:bản sao chứng thực:bản chụp” với số bản là số "
        f"nguyên (ví dụ “Tờ khai:1:0:0”), có thể thêm loại giấy tờ (“Tờ khai:1:0:0:required”, "
        f"“Bản sao giấy khai sinh:0:1:0:one_of:Giấy tờ về khai sinh”), hoặc chỉ ghi tên (1 bản chính), "
        f"đang ghi {shown(part)}.",
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
            entry = Entry(f"Dòng {start}", start, errors)
            raw: dict[str, Any] = {}
            for column, cell in zip(columns, row, strict=False):
                cell = nfc(cell)
                if cell:
                    raw[column] = cell
            entry.code = raw.get("code", "").upper()  # name the row in errors found before the checks
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
            entries.append((entry, build_procedure(entry, raw)))
    except csv.Error as exc:
        errors.append(
            ValidationError(
                "file", f"Dòng {reader.line_num} của tệp CSV không đọc được: {exc}.", LABELS["file"]
            )
        )
    return _finish(entries, errors)


def catalog_to_json(procedures: Iterable[Procedure], note: str = "") -> str:
    """The whole catalog as text in the app's JSON format (the caller writes the file)."""
    document: dict[str, Any] = {"format": FORMAT_MARKER, "version": FORMAT_VERSION}
    if note:
        document["note"] = note
    document["procedures"] = [procedure_to_dict(p) for p in procedures]
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"

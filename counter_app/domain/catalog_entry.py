"""One catalog entry being checked: where it is, its errors, and how an offending value is quoted.

Shared by the checks of each part of an entry (`catalog_checks`, `catalog_time_checks`) and by
`catalog_files`. Pure Python.
"""

from __future__ import annotations

import json
import re
from typing import Any

from counter_app.domain.errors import ValidationError

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


def positive_int(value: Any) -> int | None:
    """A whole number > 0 from JSON (int) or CSV (digits); None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value > 0 else None
    if isinstance(value, str) and DIGITS.match(value.strip()):
        number = int(value.strip())
        return number if number > 0 else None
    return None

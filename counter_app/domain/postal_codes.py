"""Postal item codes in the UPU S10 form, e.g. "RR473124829VN": what a BCCI label's barcode carries.

An S10 identifier is 13 characters: a two-letter service indicator, an eight-digit serial number, one
check digit and the two-letter ISO country code of the issuing post ("VN"). The serials of this app's
items come from number ranges the province grants to each device (series `ITEM_SERIES`, see
docs/returns-and-post.md), so two desks working offline never print the same code.

Pure Python.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from counter_app.domain.errors import DomainError

ITEM_SERIES = "bcci-item"  # the number-range series the province grants item serials from
SERVICE_INDICATOR = "RR"  # letter post, registered (S10 range RA–RZ): a result sent back by post
COUNTRY = "VN"
MAX_SERIAL = 99_999_999
S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)
ITEM_CODE_PATTERN = r"[A-Z]{2}[0-9]{9}[A-Z]{2}"  # ASCII only: \d would take any script's digits
ITEM_CODE_RE = re.compile(ITEM_CODE_PATTERN)


class BadItemCode(DomainError):
    """A text that is not a well-formed S10 item code (its message says what is wrong, in Vietnamese)."""


@dataclass(frozen=True)
class ItemCode:
    service: str
    serial: int
    country: str

    def __str__(self) -> str:
        return f"{self.service}{self.serial:08d}{s10_check_digit(self.serial)}{self.country}"


def s10_check_digit(serial: int) -> int:
    """The S10 check digit of an eight-digit serial.

    UPU standard S10 (identification of postal items), check-digit calculation: weights 8, 6, 4, 2, 3,
    5, 9, 7 applied to the eight digits from left to right; S = the weighted sum; C = 11 − (S mod 11);
    C = 10 becomes 0 and C = 11 becomes 5. Worked example of the standard's description: serial
    47312482 gives S = 200 and C = 9 (en.wikipedia.org/wiki/S10_(UPU_standard)).
    """
    if not 0 <= serial <= MAX_SERIAL:
        raise ValueError(f"serial {serial} outside 0–{MAX_SERIAL}")
    digits = f"{serial:08d}"
    total = sum(int(digit) * weight for digit, weight in zip(digits, S10_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: 0, 11: 5}.get(check, check)


def item_code(serial: int, service: str = SERVICE_INDICATOR, country: str = COUNTRY) -> str:
    """The 13-character S10 code of `serial` ("RR00000001" + check digit + "VN")."""
    if not 1 <= serial <= MAX_SERIAL:
        raise BadItemCode(f"Số hiệu bưu gửi phải từ 1 đến {MAX_SERIAL:,}".replace(",", ".") + ".")
    return str(ItemCode(service, serial, country))


def parse_item_code(text: str) -> ItemCode:
    """The parts of an S10 item code, or `BadItemCode` saying in Vietnamese why it is not one.

    Spaces (as printed under a barcode, "RR 4731 2482 9 VN") are ignored and letters uppercased; the
    check digit must match the serial.
    """
    if not isinstance(text, str) or len(text) > 40:
        raise BadItemCode("Mã bưu gửi phải là chuỗi 13 ký tự dạng S10 (ví dụ RR473124829VN).")
    compact = text.replace(" ", "").upper()
    if not ITEM_CODE_RE.fullmatch(compact) or not compact.isascii():
        raise BadItemCode(f"Mã bưu gửi «{text[:40]}» không đúng dạng S10: hai chữ cái, tám chữ số, một chữ số "
                          "kiểm tra và mã nước (ví dụ RR473124829VN).")
    serial, check = int(compact[2:10]), int(compact[10])
    if s10_check_digit(serial) != check:
        raise BadItemCode(f"Mã bưu gửi «{compact}» sai chữ số kiểm tra (phải là {s10_check_digit(serial)}); "
                          "hãy đọc lại mã trên nhãn.")
    if serial == 0:
        raise BadItemCode(f"Mã bưu gửi «{compact}» có số hiệu 00000000, không được cấp.")
    return ItemCode(compact[:2], serial, compact[11:])

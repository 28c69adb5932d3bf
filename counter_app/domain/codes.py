"""Dossier codes `<unit id>-YYMMDD-XXXX` (TT 01/2018/TT-VPCP Điều 19) and agency identifiers.

Offline desks of one unit must never collide. Each device holds a desk slot 0-9 (assigned by the
provincial server at enrolment, or at setup before that) and numbers its dossiers of the day
`XXXX = slot * 1000 + n` with n in 1..999. Limits that follow: at most 10 desks per unit and 999
dossiers per desk per day; the 1,000th is refused rather than collide with the next slot.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from counter_app.domain.dossier import OFFICE_TZ
from counter_app.domain.errors import CodeSpaceExhausted, ValidationError
from counter_app.domain.formats import office_date

MAX_DESK_SLOTS = 10
MAX_PER_DESK_PER_DAY = 999

# QCVN 102:2016/BTTTT agency identifier, e.g. 000.00.00.H47 or 000.31.48.H15 (G = ministries).
UNIT_CODE_PATTERN = r"\d{3}\.\d{2}\.\d{2}\.[GH]\d{2}"
_UNIT_CODE = re.compile(rf"^{UNIT_CODE_PATTERN}$")
_DOSSIER_CODE = re.compile(rf"^(?P<unit>{UNIT_CODE_PATTERN})-(?P<day>\d{{6}})-(?P<seq>\d{{4}})$")


@dataclass(frozen=True)
class DossierCode:
    unit_code: str
    day: date
    number: int  # XXXX as an integer, 1..9999

    @property
    def desk_slot(self) -> int:
        return self.number // 1000

    def __str__(self) -> str:
        return f"{self.unit_code}-{self.day:%y%m%d}-{self.number:04d}"


def validate_unit_code(value: str) -> str:
    code = value.strip().upper()
    if not _UNIT_CODE.match(code):
        raise ValidationError(
            "unit_code",
            f"Mã định danh đơn vị «{value}» không đúng định dạng QCVN 102 (ví dụ: 000.31.48.H15).",
            "Mã đơn vị",
        )
    return code


def validate_desk_slot(slot: int) -> int:
    if not 0 <= slot < MAX_DESK_SLOTS:
        raise ValidationError(
            "desk", f"Số quầy phải từ 0 đến {MAX_DESK_SLOTS - 1} (mỗi đơn vị tối đa 10 quầy).", "Quầy"
        )
    return slot


def office_day(instant: datetime) -> date:
    """The calendar day of `instant` at the office (Asia/Ho_Chi_Minh), which the code carries."""
    return instant.astimezone(OFFICE_TZ).date()


def make_dossier_code(unit_code: str, desk_slot: int, day: date, count_of_day: int) -> DossierCode:
    """The code of the `count_of_day`-th dossier (1-based) received at this desk on `day`."""
    validate_desk_slot(desk_slot)
    if not 1 <= count_of_day <= MAX_PER_DESK_PER_DAY:
        raise CodeSpaceExhausted(
            f"Quầy {desk_slot} đã cấp đủ {MAX_PER_DESK_PER_DAY} mã hồ sơ trong ngày {office_date(day)}; "
            "hãy tiếp nhận ở quầy khác của đơn vị."
        )
    return DossierCode(unit_code, day, desk_slot * 1000 + count_of_day)


def looks_like_dossier_code(text: str) -> bool:
    return bool(_DOSSIER_CODE.match(text.strip().upper()))


def parse_dossier_code(text: str) -> DossierCode:
    match = _DOSSIER_CODE.match(text.strip().upper())
    if not match:
        raise ValidationError(
            "code",
            f"«{text}» không phải mã hồ sơ hợp lệ (dạng <mã đơn vị>-YYMMDD-XXXX, ví dụ 000.31.48.H15-250702-0007).",
            "Mã hồ sơ",
        )
    day_text = match["day"]
    try:
        # What strptime's %y%m%d reads (69-99: 19xx), without its per-call locale check (~0.1 ms; the server
        # parses every pushed dossier's code).
        year = int(day_text[:2])
        day = date(year + (1900 if year >= 69 else 2000), int(day_text[2:4]), int(day_text[4:6]))
    except ValueError:
        raise ValidationError("code", f"Ngày {day_text} trong mã hồ sơ «{text}» không tồn tại.", "Mã hồ sơ") from None
    return DossierCode(match["unit"], day, int(match["seq"]))

"""Closing the day: the cash counted by denomination, what the receipts say, and the difference.

Pure rules, shared by the counter (services.day_close), the sync payload and the server: which notes and
coins can be counted, how a count is totalled, and which closes need a written explanation and a
supervisor's sign-off (any difference, over or short). Amounts are whole đồng. docs/day-close.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from counter_app.domain.errors import DomainError, ValidationError
from counter_app.domain.money import format_dong, format_vnd

# Every value of Vietnamese money that is legal tender (State Bank of Vietnam): polymer notes 10.000 to
# 500.000; cotton notes 100 to 5.000; coins 200 to 5.000 (no longer minted, still legal). A coin and a
# note of the same value are counted together: the count is by value, not by material.
DENOMINATIONS: tuple[int, ...] = (500_000, 200_000, 100_000, 50_000, 20_000, 10_000, 5_000, 2_000, 1_000,
                                  500, 200, 100)
MAX_PIECES = 100_000  # of one denomination in one drawer: far above any desk, far below an overflow
MAX_CASH_VND = 10**12  # a desk's day in đồng never comes near this; a bound for hostile payloads
MAX_EXPLANATION_LENGTH = 1000
# The one text the database's triggers (counter migration 0015) raise for a write into a closed day:
# storage.database turns it into `DayClosedError` so a clerk never sees an SQLite message.
CLOSED_DAY_MESSAGE = ("Ngày này đã khóa sổ: không lập, hủy hay sửa biên lai ghi ngày đã khóa sổ được. "
                      "Chưa có gì được lưu.")
CLOSE_IMMUTABLE_MESSAGE = "Biên bản khóa sổ ngày đã lập không sửa, không xóa được."


class DayClosedError(DomainError):
    """A receipt was to be issued, cancelled or changed in a day already closed (refused by the database)."""


class DayCloseRefused(DomainError):
    """The day cannot be closed as asked (in the future, closed already, a difference without sign-off)."""


def pieces_total(counted: Mapping[int, int]) -> int:
    """The đồng in a count {denomination: pieces}."""
    return sum(value * pieces for value, pieces in counted.items())


def check_counted(counted: Mapping[int, int]) -> dict[int, int]:
    """A count by denomination kept to legal values and sane numbers of pieces, without zero lines."""
    clean: dict[int, int] = {}
    for value, pieces in counted.items():
        if value not in DENOMINATIONS:
            raise ValidationError("counted", f"{format_dong(value)} không phải mệnh giá tiền Việt Nam đang lưu hành "
                                  f"({', '.join(format_vnd(d) for d in DENOMINATIONS)}).", "Tiền đếm")
        if not 0 <= pieces <= MAX_PIECES:
            raise ValidationError("counted", f"Số tờ/đồng xu mệnh giá {format_vnd(value)} phải từ 0 đến "
                                  f"{format_vnd(MAX_PIECES)}.", "Tiền đếm")
        if pieces:
            clean[value] = pieces
    return dict(sorted(clean.items(), reverse=True))


def parse_notes(text: str) -> dict[int, int]:
    """'500000=2,100000=3,200=1' (the CLI's --notes; dots in numbers allowed) as {denomination: pieces}."""
    counted: dict[int, int] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        value_text, sep, pieces_text = part.partition("=")
        value, pieces = value_text.replace(".", "").strip(), pieces_text.strip()
        if not sep or not value.isdigit() or not pieces.isdigit():
            raise ValidationError("notes", f"«{part[:40]}» không đúng dạng MỆNH_GIÁ=SỐ_TỜ (ví dụ 500000=2).",
                                  "Tiền đếm theo mệnh giá")
        if int(value) in counted:
            raise ValidationError("notes", f"Mệnh giá {value} được ghi hai lần.", "Tiền đếm theo mệnh giá")
        counted[int(value)] = int(pieces)
    return check_counted(counted)


def parse_amount(text: str) -> int:
    """A whole amount of đồng typed as '1500000' or '1.500.000'."""
    digits = text.strip().replace(".", "").replace(" ", "")
    if not digits.isdigit() or int(digits) > MAX_CASH_VND:
        raise ValidationError("counted_cash", f"Số tiền đếm được «{text[:40]}» phải là số đồng nguyên, ví dụ 1500000.",
                              "Tiền mặt đếm được")
    return int(digits)


def needs_sign_off(difference: int) -> bool:
    """Any difference, over or short, needs a written explanation and a supervisor's sign-off."""
    return difference != 0


@dataclass(frozen=True)
class DayClose:
    """One closed day of this desk, as saved: what was counted, what the receipts said, who signed."""

    id: str
    day: date
    device_id: str
    desk_slot: int
    closed_at: datetime
    clerk: str
    clerk_username: str
    counted: dict[int, int]  # {} when only a total was counted
    counted_total: int
    expected_cash: int
    transfers_total: int
    fee_total: int
    charge_total: int
    receipts_count: int
    cancellations_count: int
    difference: int  # counted − expected: positive over, negative short
    explanation: str
    supervisor: str  # username of the supervisor who signed off ("" when no difference and none signed)
    supervisor_name: str


def closed_day_refusal(error: BaseException) -> DomainError | None:
    """The clerk's refusal for a database error raised by the closed-day triggers, else None."""
    text = str(getattr(error, "orig", None) or error)
    if CLOSED_DAY_MESSAGE in text:
        return DayClosedError(CLOSED_DAY_MESSAGE)
    if CLOSE_IMMUTABLE_MESSAGE in text:
        return DayClosedError(CLOSE_IMMUTABLE_MESSAGE)
    return None

"""Receipts for fees and charges (biên lai thu phí, lệ phí): books, numbers, payment methods, totals.

A receipt book is a series of numbers the province grants a desk ("receipt:<mẫu số>/<ký hiệu>" in
`number_range`). Mẫu số (ký hiệu mẫu biên lai) and ký hiệu (ký hiệu biên lai) follow the Ministry of
Finance's notation used since TT 303/2016/TT-BTC and kept by NĐ 123/2020 and TT 78/2021:

- mẫu số "01BLP3-001": 01 a receipt without a printed face value (02 with one), "BLP" biên lai thu phí,
  lệ phí, then the number of copies (liên; 0 for an electronic receipt), "-", the form's 3-digit number;
- ký hiệu "AA-26P": two capital letters of the series, "-", the last two digits of the year the receipts
  were made, and how: P printed (đặt in), T self-printed (tự in), E electronic.

A receipt is never edited: a mistake is a cancellation (supervisor and reason) and a new receipt that
names the one it replaces; the cancelled number stays in its book, marked. docs/receipts.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from counter_app.domain.catalog import FeeKind
from counter_app.domain.errors import DomainError
from counter_app.domain.fees import FeeLine

RECEIPT_SERIES_PREFIX = "receipt:"
FORM_NUMBER_PATTERN = r"0[12]BLP[0-9]-[0-9]{3}"
SYMBOL_PATTERN = r"[A-Z]{2}-[0-9]{2}[PTE]"
FORM_NUMBER_RE = re.compile(FORM_NUMBER_PATTERN)
SYMBOL_RE = re.compile(SYMBOL_PATTERN)
NUMBER_DIGITS = 7  # "0000123": receipt books number from 0000001
MAX_RECEIPT_NUMBER = 10**NUMBER_DIGITS - 1
MAX_RECEIPT_VND = 10**12 - 1  # far above any fee; integers well inside 64 bits on both sides
MAX_RECEIPT_LINES = 100
MAX_BANK_REFERENCE = 64
MAX_CANCEL_REASON = 1000
TAX_CODE_RE = re.compile(r"[0-9]{10}(-[0-9]{3})?")  # mã số thuế: 10 digits, a branch adds "-" and 3
RECEIPT_NUMBER_RE = re.compile(rf"({FORM_NUMBER_PATTERN})/({SYMBOL_PATTERN})/([0-9]{{1,{NUMBER_DIGITS}}})")


class BadReceiptNumber(DomainError):
    """A receipt number or book written wrongly."""


class PaymentMethod(StrEnum):
    CASH = "cash"
    TRANSFER = "transfer"

    @property
    def label(self) -> str:
        return {"cash": "Tiền mặt", "transfer": "Chuyển khoản"}[self.value]


class ReceiptStatus(StrEnum):
    ISSUED = "issued"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return {"issued": "Đã thu", "cancelled": "Đã hủy"}[self.value]


@dataclass(frozen=True)
class ReceiptBook:
    """One book: mẫu số and ký hiệu (its numbers come from the ranges granted under its series)."""

    form_number: str
    symbol: str

    @property
    def series(self) -> str:
        return f"{RECEIPT_SERIES_PREFIX}{self.form_number}/{self.symbol}"


def check_book(form_number: str, symbol: str) -> ReceiptBook:
    """The book, or `BadReceiptNumber` saying which part is written wrongly."""
    if not FORM_NUMBER_RE.fullmatch(form_number):
        raise BadReceiptNumber(f"Mẫu số biên lai «{form_number[:30]}» không đúng dạng (ví dụ 01BLP3-001).")
    if not SYMBOL_RE.fullmatch(symbol):
        raise BadReceiptNumber(f"Ký hiệu biên lai «{symbol[:30]}» không đúng dạng (ví dụ AA-26P).")
    return ReceiptBook(form_number, symbol)


def check_tax_code(value: str) -> str:
    """The collecting unit's mã số thuế ("" while unknown), or `BadReceiptNumber`."""
    value = value.strip()
    if value and not TAX_CODE_RE.fullmatch(value):
        raise BadReceiptNumber(f"Mã số thuế «{value[:20]}» không đúng dạng: 10 chữ số, chi nhánh thêm -3 chữ số "
                               "(ví dụ 0106869738-001).")
    return value


def book_of_series(series: str) -> ReceiptBook:
    """"receipt:01BLP3-001/AA-26P" -> its book; `BadReceiptNumber` for any other series."""
    if not series.startswith(RECEIPT_SERIES_PREFIX) or series.count("/") != 1:
        raise BadReceiptNumber(f"Dải số «{series[:50]}» không phải một quyển biên lai (receipt:<mẫu số>/<ký hiệu>).")
    form_number, symbol = series[len(RECEIPT_SERIES_PREFIX):].split("/")
    return check_book(form_number, symbol)


def number_text(form_number: str, symbol: str, number: int) -> str:
    """"01BLP3-001/AA-26P/0000123": how the receipt is named on screen, in the CLI and in reports."""
    return f"{form_number}/{symbol}/{number:0{NUMBER_DIGITS}d}"


def parse_number_text(text: str) -> tuple[str, str, int]:
    """(mẫu số, ký hiệu, số) of "01BLP3-001/AA-26P/123"; `BadReceiptNumber` if it is not one."""
    found = RECEIPT_NUMBER_RE.fullmatch(text.strip().upper())
    if found is None or int(found.group(3)) < 1:
        raise BadReceiptNumber(f"Số biên lai «{text.strip()[:40]}» không đúng dạng <mẫu số>/<ký hiệu>/<số>, "
                               "ví dụ 01BLP3-001/AA-26P/0000123.")
    return found.group(1), found.group(2), int(found.group(3))


def totals_problem(lines: tuple[FeeLine, ...] | list[FeeLine], fee_vnd: int, charge_vnd: int, total_vnd: int) -> str:
    """Why the receipt's totals do not add up ("" when they do): phí and lệ phí are each the sum of their
    lines, the total is their sum, every amount a whole number of đồng within bounds."""
    amounts = [line.amount_vnd for line in lines] + [fee_vnd, charge_vnd, total_vnd]
    if any(isinstance(a, bool) or not isinstance(a, int) or not 0 <= a <= MAX_RECEIPT_VND for a in amounts):
        return "Số tiền phải là số đồng nguyên, không âm."
    if fee_vnd != sum(line.amount_vnd for line in lines if line.kind is FeeKind.FEE):
        return "Tiền phí không bằng tổng các khoản phí."
    if charge_vnd != sum(line.amount_vnd for line in lines if line.kind is FeeKind.CHARGE):
        return "Tiền lệ phí không bằng tổng các khoản lệ phí."
    if total_vnd != fee_vnd + charge_vnd:
        return "Tổng số tiền không bằng phí cộng lệ phí."
    return ""


@dataclass(frozen=True)
class Receipt:
    """One receipt as screens, the CLI, the printed paper and the day's close see it."""

    id: str
    form_number: str  # mẫu số
    symbol: str  # ký hiệu
    number: int  # số
    dossier_code: str
    payer_name: str
    payer_address: str
    items: tuple[FeeLine, ...]
    fee_vnd: int  # phí
    charge_vnd: int  # lệ phí
    total_vnd: int
    method: PaymentMethod
    bank_reference: str
    collected_at: datetime
    day: date
    collector: str
    collector_username: str
    issuer_name: str  # đơn vị thu
    issuer_tax_code: str  # its mã số thuế
    procedure_name: str = ""
    status: ReceiptStatus = ReceiptStatus.ISSUED
    cancelled_at: datetime | None = None
    cancel_reason: str = ""
    cancelled_by: str = ""
    replaces_id: str | None = None

    @property
    def number_text(self) -> str:
        return number_text(self.form_number, self.symbol, self.number)

    @property
    def cancelled(self) -> bool:
        return self.status is ReceiptStatus.CANCELLED

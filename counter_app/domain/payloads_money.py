"""The payload models of the money operations, schema version 1: a desk's closed day, receipts issued and
cancelled, and fees (assessed at intake, or set later by the agency). Each model checks that its figures
add up, on the counter before the operation is queued and on the server when it arrives; the rest of the
payloads are in domain/payloads.py.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    Field,
    PlainValidator,
    StrictStr,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import PydanticCustomError

from counter_app.domain.accounts import USERNAME_RE
from counter_app.domain.catalog import FeeKind
from counter_app.domain.codes import office_day
from counter_app.domain.day_close import DENOMINATIONS, MAX_CASH_VND, MAX_PIECES, needs_sign_off, pieces_total
from counter_app.domain.fees import FeeLine
from counter_app.domain.payload_fields import (
    DeskSlot,
    DossierCodeText,
    EventInstant,
    IsoDay,
    LongName,
    Name,
    Payload,
    Text40,
    Text100,
    Text300,
    Text1000,
    UnitCodeText,
    Uuid,
    bounded_text,
    matching,
    pattern_check,
    whole,
)
from counter_app.domain.receipts import (
    FORM_NUMBER_PATTERN,
    MAX_BANK_REFERENCE,
    MAX_CANCEL_REASON,
    MAX_RECEIPT_LINES,
    MAX_RECEIPT_NUMBER,
    MAX_RECEIPT_VND,
    SYMBOL_PATTERN,
    TAX_CODE_RE,
    PaymentMethod,
    totals_problem,
)

# -- closing the day (issue 10, D) --------------------------------------------------------------------


def _denomination(value: Any) -> str:
    if not isinstance(value, str) or value not in {str(d) for d in DENOMINATIONS}:
        raise PydanticCustomError("denomination", "không phải mệnh giá tiền Việt Nam đang lưu hành")
    return value


Cash = whole(0, MAX_CASH_VND)
Denomination = Annotated[str, PlainValidator(_denomination), WithJsonSchema({"type": "string", "maxLength": 6})]


class DayClosePayload(Payload):
    """A desk's closed day (domain.day_close.DayClose). Its figures must agree with each other: the count
    by denomination makes the counted total, the difference is counted minus expected, and a difference
    carries its explanation and the supervisor who signed it off."""

    id: Uuid
    unit_code: UnitCodeText
    desk_slot: DeskSlot
    day: IsoDay
    closed_at: EventInstant
    clerk: Name
    clerk_username: Text40
    counted: Annotated[dict[Denomination, whole(0, MAX_PIECES)], Field(max_length=len(DENOMINATIONS))]  # type: ignore[valid-type]
    counted_total: Cash
    expected_cash: Cash
    transfers_total: Cash
    fee_total: Cash
    charge_total: Cash
    receipts_count: whole(0, 1_000_000)  # type: ignore[valid-type]
    cancellations_count: whole(0, 1_000_000)  # type: ignore[valid-type]
    difference: whole(-MAX_CASH_VND, MAX_CASH_VND)  # type: ignore[valid-type]
    explanation: Text1000
    supervisor: Text40
    supervisor_name: Text300

    @model_validator(mode="after")
    def _figures_agree(self) -> DayClosePayload:
        problem = ""
        if self.counted and pieces_total({int(k): v for k, v in self.counted.items()}) != self.counted_total:
            problem = "tổng tiền đếm theo mệnh giá không bằng số tiền mặt đếm được"
        elif self.difference != self.counted_total - self.expected_cash:
            problem = "chênh lệch không bằng tiền đếm được trừ tiền mặt theo biên lai"
        elif self.fee_total + self.charge_total != self.expected_cash + self.transfers_total:
            problem = "tổng phí và lệ phí không bằng tiền mặt cộng chuyển khoản theo biên lai"
        elif needs_sign_off(self.difference) and not (self.explanation.strip() and self.supervisor.strip()):
            problem = "có chênh lệch mà thiếu giải trình hoặc giám sát viên ký xác nhận"
        elif date.fromisoformat(self.day) > datetime.fromisoformat(self.closed_at).date() + timedelta(days=1):
            problem = "ngày khóa sổ ở sau thời điểm khóa sổ"
        if problem:
            raise PydanticCustomError("day_close_figures", "biên bản khóa sổ {what}", {"what": problem})
        return self


# -- receipts (issue 10, B) ---------------------------------------------------------------------------

FormNumberText = matching(re.compile(FORM_NUMBER_PATTERN), "mẫu số biên lai (ví dụ 01BLP3-001)")
SymbolText = matching(re.compile(SYMBOL_PATTERN), "ký hiệu biên lai (ví dụ AA-26P)")
UsernameText = Annotated[StrictStr, Field(max_length=32), AfterValidator(pattern_check(USERNAME_RE, "tên đăng nhập"))]
TaxCodeText = Annotated[StrictStr, Field(max_length=14),
                        AfterValidator(pattern_check(re.compile(rf"(?:{TAX_CODE_RE.pattern})?"), "mã số thuế"))]
Amount = whole(0, MAX_RECEIPT_VND)


class ReceiptLinePayload(Payload):
    """One fee line paid (domain.fees.FeeLine)."""

    name: LongName
    kind: FeeKind
    amount_vnd: Amount
    quantity: whole(0, 100_000)  # type: ignore[valid-type]
    unit: Text100
    note: Text1000


class ReceiptIssuePayload(Payload):
    """A receipt issued: its number lies in a range of its book granted to the device (the server checks);
    phí and lệ phí are each the sum of their lines and the total is their sum (checked on both sides)."""

    id: Uuid
    form_number: FormNumberText
    symbol: SymbolText
    number: whole(1, MAX_RECEIPT_NUMBER)  # type: ignore[valid-type]
    dossier_code: DossierCodeText
    payer_name: Name
    payer_address: Text1000
    items: Annotated[list[ReceiptLinePayload], Field(min_length=1, max_length=MAX_RECEIPT_LINES)]
    fee_vnd: Amount
    charge_vnd: Amount
    total_vnd: Amount
    method: PaymentMethod
    bank_reference: bounded_text(MAX_BANK_REFERENCE)  # type: ignore[valid-type]
    collected_at: EventInstant
    day: IsoDay
    collector: Name
    collector_username: Text40
    issuer_name: Text1000
    issuer_tax_code: TaxCodeText
    replaces_id: Uuid | None = None

    @model_validator(mode="after")
    def _adds_up(self) -> ReceiptIssuePayload:
        lines = [FeeLine(item.name, item.kind, item.amount_vnd) for item in self.items]
        problem = totals_problem(lines, self.fee_vnd, self.charge_vnd, self.total_vnd)
        if problem:
            raise PydanticCustomError("receipt_totals", "số tiền {what}", {"what": f"không khớp: {problem}"})
        if self.total_vnd < 1:
            raise PydanticCustomError("receipt_totals", "số tiền {what}", {"what": "phải lớn hơn 0"})
        if (self.method is PaymentMethod.TRANSFER) != bool(self.bank_reference.strip()):
            raise PydanticCustomError("receipt_reference", "mã giao dịch ngân hàng {what}",
                                      {"what": "bắt buộc khi chuyển khoản và chỉ đi cùng chuyển khoản"})
        # The day decides which close counts the receipt: it must be the office date it was collected on.
        if office_day(datetime.fromisoformat(self.collected_at)).isoformat() != self.day:
            raise PydanticCustomError("receipt_day", "ngày của biên lai {what}",
                                      {"what": "phải là ngày thu tiền (giờ Việt Nam)"})
        return self


class ReceiptCancelPayload(Payload):
    """A receipt cancelled by a supervisor with a reason; its number stays in its book, marked."""

    id: Uuid
    form_number: FormNumberText
    symbol: SymbolText
    number: whole(1, MAX_RECEIPT_NUMBER)  # type: ignore[valid-type]
    at: EventInstant
    reason: bounded_text(MAX_CANCEL_REASON, required=True)  # type: ignore[valid-type]
    supervisor: UsernameText
    supervisor_name: Name


# -- fees at intake and set by the agency (issue 10, A) -----------------------------------------------

MAX_FEE_LINE_VND = 1_000_000_000  # one line; the largest national fee is a few million đồng
MAX_FEE_LINES = 50


class FeeLinePayload(Payload):
    """One line owed (domain.fees.FeeLine): phí or lệ phí, whole đồng."""

    name: LongName
    kind: FeeKind
    amount_vnd: whole(0, MAX_FEE_LINE_VND)  # type: ignore[valid-type]
    quantity: whole(0, 10_000)  # type: ignore[valid-type]
    unit: Text40
    note: Text1000


class FeeCountsPayload(Payload):
    """The counts the clerk entered (domain.fees.Quantities)."""

    pages: whole(1, 10_000)  # type: ignore[valid-type]
    copies: whole(1, 1_000)  # type: ignore[valid-type]
    cases: whole(1, 1_000)  # type: ignore[valid-type]
    extracts: whole(0, 1_000)  # type: ignore[valid-type]


class _FeeLinesPayload(Payload):
    """Lines with their totals, which must add up (phí and lệ phí apart)."""

    lines: Annotated[list[FeeLinePayload], Field(max_length=MAX_FEE_LINES)]
    fee_vnd: whole(0, MAX_FEE_LINE_VND * MAX_FEE_LINES)  # type: ignore[valid-type]
    charge_vnd: whole(0, MAX_FEE_LINE_VND * MAX_FEE_LINES)  # type: ignore[valid-type]

    @model_validator(mode="after")
    def _adds_up(self) -> _FeeLinesPayload:
        fee = sum(line.amount_vnd for line in self.lines if line.kind is FeeKind.FEE)
        charge = sum(line.amount_vnd for line in self.lines if line.kind is FeeKind.CHARGE)
        if (fee, charge) != (self.fee_vnd, self.charge_vnd):
            raise PydanticCustomError("fee_totals", "tổng phí, lệ phí {what}", {"what": "không khớp các dòng"})
        return self


class IntakeFeesPayload(_FeeLinesPayload):
    """What the dossier owes as assessed at intake (key "fees" of dossier.create): the counts entered, the
    exemption chosen (its key in the catalog), and `unknown` items whose amount the province sets."""

    unknown: Annotated[list[LongName], Field(max_length=MAX_FEE_LINES)]  # type: ignore[valid-type]
    quantities: FeeCountsPayload
    exemption: Annotated[StrictStr, Field(max_length=40, pattern=r"^([a-z0-9][a-z0-9-]{0,39})?$")]


class FeeRequestPayload(_FeeLinesPayload):
    """A fee the agency set later (status 6, "chờ thực hiện nghĩa vụ tài chính"), with its reason; queued
    after the 4→6 status change, so the server finds the dossier in status 6."""

    id: Uuid
    code: DossierCodeText
    at: EventInstant
    actor: Text300
    reason: bounded_text(4000, required=True)  # type: ignore[valid-type]

    @model_validator(mode="after")
    def _some_line(self) -> FeeRequestPayload:
        if not self.lines:
            raise PydanticCustomError("fee_request", "yêu cầu nộp phí {what}", {"what": "phải có ít nhất một dòng"})
        return self

"""The payload models of schema version 1: one pydantic model per operation type, every key known.

They exist apart from the vocabulary and the checking (domain/operations.py, which maps each `OpType`
to its model here) so that the shape of each payload reads as one list of models, built from the
bounded fields of domain/payload_fields.py. A newer shape comes with a new schema version.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    StrictBool,
    StrictStr,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import PydanticCustomError

from counter_app.domain.accounts import MAX_FULL_NAME_LENGTH, PASSWORD_HASH_RE, USERNAME_RE, Role
from counter_app.domain.assisted_filing import AssistOutcome
from counter_app.domain.catalog import FeeKind
from counter_app.domain.codes import office_day
from counter_app.domain.day_close import DENOMINATIONS, MAX_CASH_VND, MAX_PIECES, needs_sign_off, pieces_total
from counter_app.domain.dossier import ApplicantType, Gender, IdDocumentType, ResultDelivery
from counter_app.domain.fees import FeeLine
from counter_app.domain.lifecycle_records import HandoverDirection, Timeliness, timeliness
from counter_app.domain.payload_fields import (
    MAX_INT64,
    ByteSize,
    ChannelCode,
    Code40,
    ContentType,
    Count,
    DeskSlot,
    DossierCodeText,
    Email,
    EventInstant,
    FileName,
    Hours,
    Instant,
    IsoDay,
    LongName,
    LongText,
    Name,
    PageCount,
    PaperIndex,
    ProvinceCode,
    RegisterBookText,
    RegisterNumber,
    Sha256,
    StatusCode,
    Text30,
    Text40,
    Text64,
    Text100,
    Text300,
    Text1000,
    UnitCodeText,
    Uuid,
    Version,
    WardCode,
    bounded_text,
    matching,
    pattern_check,
    whole,
)
from counter_app.domain.postal_codes import ITEM_CODE_PATTERN
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
from counter_app.domain.returns import MAX_POSTAGE, Payer, ReturnMethod, ShipmentState


class Payload(BaseModel):
    """Every key known, nothing else: a newer shape comes with a new schema version."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class AddressPayload(Payload):
    street: Text300
    ward_code: WardCode | None
    province_code: ProvinceCode | None
    text: Text1000


class PersonPayload(Payload):
    full_name: Name
    applicant_type: ApplicantType
    id_type: IdDocumentType
    id_number: Text40
    phone: Text30
    email: Email
    birth_date: IsoDay | None
    gender: Gender | None
    address: AddressPayload


class DocumentLinePayload(Payload):
    name: LongName
    originals: Count
    certified_copies: Count
    photocopies: Count


class HistoryEntryPayload(Payload):
    from_status: StatusCode | None
    to_status: StatusCode
    at: EventInstant
    actor: Text300
    note: LongText


class DossierCreatePayload(Payload):
    id: Uuid
    code: DossierCodeText
    unit_code: UnitCodeText
    desk_slot: DeskSlot
    status: StatusCode
    status_label: Text100
    channel: ChannelCode
    procedure_code: Code40
    procedure_name: LongName
    applicant_name: Name
    id_type: IdDocumentType
    id_number: Text40
    phone: Text30
    applicant: PersonPayload
    submitter: PersonPayload | None
    summary: LongText
    documents: Annotated[list[DocumentLinePayload], Field(max_length=100)]
    sets_count: Count
    result_delivery: ResultDelivery
    received_at: EventInstant
    due_at: Instant
    processing_hours: Hours
    received_by: Text300
    version: Version
    history: Annotated[list[HistoryEntryPayload], Field(min_length=1, max_length=100)]
    # Sổ theo dõi hồ sơ (domain.register); absent in operations of counters older than issue 8.
    register_book: RegisterBookText | None = None
    register_number: RegisterNumber | None = None
    # Fees assessed at intake (issue 10, A); absent in operations of older counters and for refusals.
    fees: IntakeFeesPayload | None = None


class HandoverRowPayload(Payload):
    """One row of Mẫu 05 (domain.lifecycle_records.Handover without the code)."""

    direction: HandoverDirection
    at: EventInstant
    from_party: Name
    to_party: Name
    actor: Text300
    due_at: Instant
    outcome: Timeliness

    @model_validator(mode="after")
    def _outcome_of_its_times(self) -> HandoverRowPayload:
        """Early, on time or late is what the row's own times say (Mẫu 05 counts it), never a claim."""
        if self.outcome != timeliness(datetime.fromisoformat(self.at), datetime.fromisoformat(self.due_at)):
            raise PydanticCustomError("handover_outcome", "kết quả giao nhận {what}",
                                      {"what": "(trước hạn, đúng hạn, quá hạn) không khớp thời điểm và ngày hẹn trả"})
        return self


class StatusChangePayload(Payload):
    code: DossierCodeText
    from_status: StatusCode = Field(alias="from")
    to_status: StatusCode = Field(alias="to")
    at: EventInstant
    actor: Text300
    note: LongText  # the reason, required for 3, 5, 7 and 8 (domain.lifecycle.REASON_REQUIRED)
    # Issue 9, absent in operations of older counters: the papers a supplement asks for (→5), the due
    # dates an answered supplement moved (5→4: NgayHenTraTruoc, NgayHenTraMoi), the Mẫu 05 row (→4, →9).
    missing: Annotated[list[DocumentLinePayload], Field(max_length=100)] | None = None
    previous_due_at: Instant | None = None
    due_at: Instant | None = None
    handover: HandoverRowPayload | None = None


class ApologyPayload(Payload):
    """Mẫu 04: the dossier's due date moves from `previous_due_at` to `new_due_at`, with the reason."""

    code: DossierCodeText
    at: EventInstant
    actor: Text300
    reason: bounded_text(4000, required=True)  # type: ignore[valid-type]
    previous_due_at: Instant
    new_due_at: Instant


class HandoverAddPayload(Payload):
    """A Mẫu 05 row on a dossier whose status does not change (a result pulled as 9, papers sent on)."""

    code: DossierCodeText
    handover: HandoverRowPayload


class AttachmentAddPayload(Payload):
    dossier_code: DossierCodeText
    sha256: Sha256
    name: FileName
    size: ByteSize
    content_type: ContentType
    # Digitisation (issue 9, docs/digitisation.md): the paper (1-based line of the dossier's papers) this
    # PDF is the scan bundle of, its pages, the bundle of that paper it replaces, and the dossier whose
    # paper it reuses. Absent for other files and in operations of counters older than issue 9.
    document_index: PaperIndex | None = None
    page_count: PageCount | None = None
    replaces: Sha256 | None = None
    reused_from: DossierCodeText | None = None

    @model_validator(mode="after")
    def _bundle_of_a_paper(self) -> AttachmentAddPayload:
        paper_fields = (self.page_count, self.replaces, self.reused_from)
        if self.document_index is None and any(value is not None for value in paper_fields):
            raise PydanticCustomError("paper_bundle", "số trang, bản thay thế, nguồn tái sử dụng {what}",
                                      {"what": "chỉ đi cùng số thứ tự giấy tờ (document_index)"})
        if self.document_index is not None and (self.page_count is None or self.content_type != "application/pdf"):
            raise PydanticCustomError("paper_bundle", "bản số hóa của giấy tờ {what}",
                                      {"what": "phải là tệp PDF có số trang (page_count)"})
        return self


class AccountUpsertPayload(Payload):
    """One version of a clerk account; the server keeps, and sends the unit's desks, the one that wins
    (`counter_app.domain.accounts.merged`). Only the scrypt hash travels, in its one checked format."""

    username: Annotated[StrictStr, Field(max_length=32), AfterValidator(pattern_check(USERNAME_RE, "tên đăng nhập"))]
    full_name: bounded_text(MAX_FULL_NAME_LENGTH, required=True)  # type: ignore[valid-type]
    role: Role
    password_hash: Annotated[StrictStr, Field(max_length=100),
                             AfterValidator(pattern_check(PASSWORD_HASH_RE, "mã băm scrypt của mật khẩu"))]
    disabled: StrictBool
    version: Version
    changed_at: EventInstant


class WithdrawnPayload(Payload):
    """Why the counter withdrew operation `seq` instead of sending it."""

    op_type: Text40
    payload_hash: Text64
    code: Code40
    reason: LongName


# -- returning results (issue 9, C) -----------------------------------------------------------------

ItemCodeText = matching(re.compile(ITEM_CODE_PATTERN), "mã bưu gửi S10 (ví dụ RR473124829VN)")


class ResultReturnPayload(Payload):
    """A result handed back: at the desk (receiver and ID number) or by post (address, postage, payer and
    the S10 item code, which the server checks against the ranges it granted the device)."""

    id: Uuid
    dossier_code: DossierCodeText
    method: ReturnMethod
    at: EventInstant
    actor: Text300
    receiver_name: Name
    receiver_id_number: Text40
    phone: Text30
    ward_code: WardCode | None
    province_code: ProvinceCode | None
    street: Text300
    address_text: Text1000
    postage: whole(0, MAX_POSTAGE) | None  # type: ignore[valid-type]
    payer: Payer | None
    item_code: ItemCodeText | None


class ShipmentStatePayload(Payload):
    return_id: Uuid
    item_code: ItemCodeText
    state: ShipmentState
    at: EventInstant
    actor: Text300


# -- desk outcomes (issue 9, B): guidance at intake -------------------------------------------------

GuidanceReferenceText = matching(re.compile(r"HD\d-\d{6}-\d{3}"), "số phiếu hướng dẫn HD<quầy>-YYMMDD-NNN")


class GuidanceRecordPayload(Payload):
    """Guidance given at the desk (domain.guidance): who, when, procedure, applicant, missing papers, reason."""

    id: Uuid
    reference: GuidanceReferenceText
    unit_code: UnitCodeText
    desk_slot: DeskSlot
    at: EventInstant
    clerk: Text300
    clerk_username: Text40
    procedure_code: Code40
    procedure_name: LongName
    applicant: PersonPayload
    missing: Annotated[list[DocumentLinePayload], Field(max_length=100)]
    reason: bounded_text(4000, required=True)  # type: ignore[valid-type]
    summary: LongText


# -- assisted online filing (issue 9, E) --------------------------------------------------------------


class AssistLogPayload(Payload):
    """One citizen helped on the national portal; `id` makes the line unique on the server."""

    id: Uuid
    unit_code: UnitCodeText
    desk_slot: DeskSlot
    at: EventInstant
    applicant_name: Name
    applicant_id_number: Text40
    applicant_phone: Text30
    procedure_code: Code40
    procedure_name: Text1000
    outcome: AssistOutcome
    note: Text1000
    portal_code: DossierCodeText | None
    clerk: Text300
    clerk_username: Text40


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


class ConflictResolutionPayload(Payload):
    """What the supervisor decided on conflict `conflict_id` (sync/protocol_conflicts.Resolution)."""

    conflict_id: whole(1, MAX_INT64)
    resolution: Literal["keep_server", "keep_counter", "merge", "reject"]
    dossier_code: Text64
    fields: Annotated[list[Text64], Field(max_length=40)]
    at: EventInstant
    actor: Name
    by: Code40
    note: Annotated[bounded_text(1000, required=True), Field(min_length=1)]


DossierCreatePayload.model_rebuild()  # its optional "fees" is IntakeFeesPayload, declared here

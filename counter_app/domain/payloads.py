"""The payload models of schema version 1: one pydantic model per operation type, every key known.

They exist apart from the vocabulary and the checking (domain/operations.py, which maps each `OpType`
to its model here) so that the shape of each payload reads as one list of models, built from the
bounded fields of domain/payload_fields.py. A newer shape comes with a new schema version. The money
payloads (a day's close, receipts, fees) are in domain/payloads_money.py.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    Field,
    StrictBool,
    StrictStr,
    model_validator,
)
from pydantic_core import PydanticCustomError

from counter_app.domain.accounts import MAX_FULL_NAME_LENGTH, PASSWORD_HASH_RE, USERNAME_RE, Role
from counter_app.domain.assisted_filing import AssistOutcome
from counter_app.domain.dossier import ApplicantType, Gender, IdDocumentType, ResultDelivery
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
    Payload,
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
from counter_app.domain.payloads_money import IntakeFeesPayload
from counter_app.domain.postal_codes import ITEM_CODE_PATTERN
from counter_app.domain.returns import MAX_POSTAGE, Payer, ReturnMethod, ShipmentState


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


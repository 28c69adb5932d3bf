"""Receiving a dossier at the desk (tiếp nhận): validate, number, date, store, queue for sync.

One write transaction does it all: the dossier, its first history line, its search entry, the desk's
day counter and the outbox operation are committed together or not at all.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from counter_app.domain import admin_units, labels
from counter_app.domain.assisted_filing import PORTAL_CODE_LABEL, parse_portal_code
from counter_app.domain.catalog import Procedure
from counter_app.domain.codes import make_dossier_code, office_day
from counter_app.domain.dossier import (
    Address,
    ApplicantType,
    Channel,
    DocumentLine,
    Dossier,
    Gender,
    IdDocumentType,
    Person,
    ResultDelivery,
    StatusChange,
)
from counter_app.domain.errors import DomainError, ValidationError
from counter_app.domain.formats import office_date
from counter_app.domain.identity import validate_id_number
from counter_app.domain.lifecycle import Status
from counter_app.domain.operations import OpType
from counter_app.domain.papers import (
    DocumentChoice,
    default_lines,
    group_problems,
    handed_in,
    lines_from_choices,
)
from counter_app.domain.register import register_book
from counter_app.domain.serialization import dossier_to_dict
from counter_app.domain.text import nfc, person_name
from counter_app.domain.time_rules import due_at
from counter_app.domain.validation import (
    ErrorCollector,
    check_received_at,
    normalize_email,
    normalize_phone,
    parse_birth_date,
    parse_count,
    require_text,
)
from counter_app.services.clerks import MAX_REASON_LENGTH, intake_actor, late_entry, mark_actor
from counter_app.services.clock import utc_now
from counter_app.services.fees import assess_at_intake, intake_fees_payload, save_intake_assessment
from counter_app.services.unit_setup import NotSetUp, build_calendar
from counter_app.storage.database import Database
from counter_app.storage.dossiers import insert_dossier, next_count_of_day, next_register_number
from counter_app.storage.models import DossierRow
from counter_app.storage.outbox import append_operation
from counter_app.storage.procedures import get_procedure
from counter_app.storage.profile import get_profile

# A receipt time this far in the future is a typing mistake (or a wrong PC clock), not a plan.
MAX_FUTURE_SKEW_SECONDS = 300
REFUSAL_REASON = "Lý do từ chối tiếp nhận"


@dataclass
class PersonInput:
    """A person as typed at the desk (or filled from an ID card), before validation."""

    full_name: str = ""
    id_number: str = ""
    phone: str = ""
    id_type: str = IdDocumentType.CCCD.value
    email: str = ""
    birth_date: str | date | None = None
    gender: str | None = None
    street: str = ""
    ward_code: int | None = None
    address_text: str = ""
    applicant_type: str = ApplicantType.CITIZEN.value


@dataclass
class IntakeRequest:
    procedure_code: str
    applicant: PersonInput
    submitter: PersonInput | None = None
    summary: str = ""
    documents: list[DocumentLine] | None = None  # None: the procedure's checklist (papers.default_lines)
    # `--document N=O/C/P` of the CLI: lines of the procedure's catalog list; when given, only these count.
    document_choices: list[DocumentChoice] | None = None
    sets_count: int | str = 1
    channel: int | str = Channel.DIRECT.value
    result_delivery: str = ResultDelivery.DESK.value
    received_at: datetime | None = None
    clerk: str = ""  # a name, only on a counter without accounts (set up before issue 8)
    extra: dict[str, str] = field(default_factory=dict)
    clerk_username: str = ""  # the signed-in account: required once the counter has accounts
    late_entry_reason: str = ""  # why a time before the working day began is typed (a supervisor approves)
    late_entry_by: str = ""  # the approving supervisor's username ("" : the clerk, if a supervisor)
    portal_code: str = ""  # channel 2: the national portal's code, kept instead of spending a desk code
    # Fees (issue 10, A): the counts the clerk entered (domain.fees.Quantities keys) and the exemption chosen.
    fee_quantities: dict[str, int] | None = None
    fee_exemption: str = ""


def _enum(check: ErrorCollector, enum_type: type, value: object, field: str, label: str) -> object:
    try:
        return enum_type(value)
    except ValueError:
        allowed = ", ".join(str(member.value) for member in enum_type)
        check.add(field, f"{label}: giá trị «{value}» không hợp lệ (chỉ nhận: {allowed}).", label)
        return None


def validated_person(check: ErrorCollector, data: PersonInput, prefix: str, required: tuple[str, ...], *,
                     today: date, id_required: bool = True) -> Person | None:
    """Validate one person; field names get `prefix` ("" for the applicant, "submitter_" otherwise).

    `id_required=False` (guidance at the desk): an ID number left blank is accepted, one typed is checked.
    `today` (the office day) bounds a date of birth and the year a CCCD encodes."""
    who = "" if not prefix else " người nộp"
    errors_before = len(check.errors)
    name = check(require_text, data.full_name, f"{prefix}full_name", f"{labels.FULL_NAME}{who}", max_len=120)
    id_type = _enum(check, IdDocumentType, data.id_type, f"{prefix}id_type", f"{labels.ID_TYPE}{who}")
    applicant_type = _enum(check, ApplicantType, data.applicant_type, f"{prefix}applicant_type", "Loại chủ hồ sơ")
    gender = None
    if data.gender:
        gender = _enum(check, Gender, data.gender, f"{prefix}gender", f"{labels.GENDER}{who}")
    elif "gender" in required:
        check.add(f"{prefix}gender", f"{labels.GENDER}{who}: thủ tục này yêu cầu ghi giới tính.", f"{labels.GENDER}{who}")
    birth = None
    if data.birth_date:
        birth = check(parse_birth_date, data.birth_date, f"{prefix}birth_date", f"{labels.BIRTH_DATE}{who}", today=today)
    elif "birth_date" in required:
        check.add(f"{prefix}birth_date", f"{labels.BIRTH_DATE}{who}: thủ tục này yêu cầu ngày sinh.", f"{labels.BIRTH_DATE}{who}")
    id_number = ""
    if isinstance(id_type, IdDocumentType) and (id_required or nfc(data.id_number)):
        try:
            id_number = validate_id_number(id_type, data.id_number, birth, gender, today=today)  # type: ignore[arg-type]
        except ValidationError as error:
            check.add(f"{prefix}id_number", error.message, f"{labels.ID_NUMBER}{who}")
    phone = check(normalize_phone, data.phone, f"{prefix}phone", f"{labels.PHONE}{who}")
    email = check(normalize_email, data.email, f"{prefix}email", f"{labels.EMAIL}{who}")
    if "email" in required and not nfc(data.email):
        check.add(f"{prefix}email", f"{labels.EMAIL}{who}: thủ tục này yêu cầu địa chỉ email.", f"{labels.EMAIL}{who}")
    address = _address(check, data, prefix, who, "address" in required)
    if len(check.errors) > errors_before:
        return None
    if name and (prefix or applicant_type is ApplicantType.CITIZEN):
        name = person_name(name)  # a person's name in title case; an organisation's stays as typed
    return Person(
        full_name=name or "",
        id_type=id_type,  # type: ignore[arg-type]
        id_number=id_number,
        phone=phone or "",
        email=email or "",
        birth_date=birth,
        gender=gender,  # type: ignore[arg-type]
        address=address,
        applicant_type=applicant_type,  # type: ignore[arg-type]
    )


def _address(check: ErrorCollector, data: PersonInput, prefix: str, who: str, required: bool) -> Address:
    street = nfc(data.street)
    text = nfc(data.address_text)
    if data.ward_code is not None:
        try:
            unit = admin_units.ward(int(data.ward_code))
        except (KeyError, ValueError):
            check.add(
                f"{prefix}ward_code",
                f"{labels.WARD}{who}: mã «{data.ward_code}» không có trong danh mục đơn vị hành chính.",
                f"{labels.WARD}{who}",
            )
            return Address(street=street, text=text)
        formatted = admin_units.format_address(street, unit.code, unit.province_code)
        return Address(street=street, ward_code=unit.code, province_code=unit.province_code, text=formatted)
    if required and not (street or text):
        check.add(f"{prefix}address", f"{labels.ADDRESS}{who}: thủ tục này yêu cầu ghi địa chỉ.", f"{labels.ADDRESS}{who}")
    return Address(street=street, text=text or street)


def _received_at(check: ErrorCollector, value: datetime | None, now: datetime) -> datetime | None:
    if value is None:
        return now
    return check(check_received_at, value, now, max_future_seconds=MAX_FUTURE_SKEW_SECONDS)


def validate_request(request: IntakeRequest, procedure: Procedure | None, now: datetime,
                     unit_code: str | None = None, *, check_groups: bool = True) -> dict[str, object]:
    """Check every field and return the cleaned values; raise one `ValidationErrors` listing all faults.

    `unit_code`: the desk's unit, which a channel-2 dossier's portal code must name.
    `check_groups=False` for a refusal: the papers are recorded as handed in, complete or not."""
    with ErrorCollector() as check:
        if procedure is None:
            code = nfc(request.procedure_code)
            message = (
                f"{labels.PROCEDURE}: chưa chọn thủ tục hành chính."
                if not code
                else f"{labels.PROCEDURE}: không có thủ tục mã «{code}» trong danh mục của quầy."
            )
            check.add("procedure_code", message, labels.PROCEDURE)
        required = procedure.required_fields if procedure else ()
        today = office_day(now)
        applicant = validated_person(check, request.applicant, "", required, today=today)
        submitter = (validated_person(check, request.submitter, "submitter_", (), today=today)
                     if request.submitter else None)
        sets_count = check(parse_count, request.sets_count, "sets_count", "Số lượng hồ sơ (bộ)", minimum=1)
        channel = _enum(check, Channel, _as_int(request.channel), "channel", labels.CHANNEL)
        delivery = _enum(check, ResultDelivery, request.result_delivery, "result_delivery", labels.RESULT_DELIVERY)
        if procedure and isinstance(delivery, ResultDelivery) and delivery not in procedure.result_delivery:
            check.add(
                "result_delivery",
                f"{labels.RESULT_DELIVERY}: thủ tục này không trả kết quả «{delivery.label}».",
                labels.RESULT_DELIVERY,
            )
        documents = _documents(check, request, procedure, check_groups=check_groups)
        received_at = _received_at(check, request.received_at, now)
        summary = nfc(request.summary) or (procedure.name if procedure else "")
        portal_code = _portal_code(check, request, channel, received_at, unit_code)
    return {
        "portal_code": portal_code,
        "applicant": applicant,
        "submitter": submitter,
        "sets_count": sets_count,
        "channel": channel,
        "result_delivery": delivery,
        "documents": documents,
        "received_at": received_at,
        "summary": summary,
    }


def _portal_code(check: ErrorCollector, request: IntakeRequest, channel: object, received_at: datetime | None,
                 unit_code: str | None) -> str | None:
    """A channel-2 dossier keeps the code the portal gave it (domain.assisted_filing); other channels have none."""
    typed = nfc(request.portal_code)
    if channel is not Channel.ONLINE:
        if typed:
            check.add("portal_code", f"{PORTAL_CODE_LABEL}: chỉ ghi khi hồ sơ nộp trực tuyến (kênh 2).", PORTAL_CODE_LABEL)
        return None
    if not typed:
        check.add("portal_code", f"{PORTAL_CODE_LABEL}: hồ sơ nộp trực tuyến giữ mã Cổng dịch vụ công đã cấp; "
                  "hãy ghi mã đó (quầy không cấp mã mới).", PORTAL_CODE_LABEL)
        return None
    code = check(parse_portal_code, typed, unit_code=unit_code)
    if code is None:
        return None
    if received_at is not None and code.day > office_day(received_at):
        check.add("portal_code", f"{PORTAL_CODE_LABEL} «{code}» mang ngày {office_date(code.day)}, sau ngày tiếp nhận "
                  f"{office_date(office_day(received_at))}.", PORTAL_CODE_LABEL)
        return None
    return str(code)


def _as_int(value: int | str) -> int | str:
    try:
        return int(value)
    except (TypeError, ValueError):
        return value


def _documents(check: ErrorCollector, request: IntakeRequest, procedure: Procedure | None, *,
               check_groups: bool = True) -> list[DocumentLine]:
    """The papers handed in: lines at 0 dropped, each one-of group with exactly one (domain.papers)."""
    if procedure is None:
        return []
    if request.document_choices is not None:
        chosen = check(lines_from_choices, procedure, request.document_choices)
        if chosen is None:
            return []
        lines = chosen
    elif request.documents is None:
        lines = default_lines(procedure)
    else:
        lines = []
        for index, line in enumerate(request.documents, start=1):
            name = nfc(line.name)
            counts = (line.originals, line.certified_copies, line.photocopies)
            if not name:
                check.add(f"documents[{index}]", f"{labels.DOCUMENTS} dòng {index}: chưa ghi tên giấy tờ.", labels.DOCUMENTS)
            elif any(c < 0 or c > 99 for c in counts):
                check.add(
                    f"documents[{index}]",
                    f"{labels.DOCUMENTS} dòng {index} «{name}»: số bản phải từ 0 đến 99.",
                    labels.DOCUMENTS,
                )
            lines.append(DocumentLine(name, *counts))
    kept = handed_in(lines)
    for problem in group_problems(procedure, kept) if check_groups else ():
        check.add("documents", problem, labels.DOCUMENTS)
    return kept


def receive_dossier(db: Database, request: IntakeRequest, *, now: datetime | None = None) -> Dossier:
    """Receive one dossier (status 2, Mẫu 01 can be printed) and queue it for the provincial server."""
    return _create_dossier(db, request, now or utc_now())


def refuse_at_intake(db: Database, request: IntakeRequest, reason: str, *, now: datetime | None = None) -> Dossier:
    """End the intake with a refusal: the dossier is created in status 3 (its code spent, Mẫu 03 can be
    printed) with `reason` as its history note, and queued for the server like any new dossier."""
    now = now or utc_now()
    with ErrorCollector() as check:
        clean_reason = check(require_text, " ".join(nfc(reason).split()), "reason", REFUSAL_REASON,
                             max_len=MAX_REASON_LENGTH)
    return _create_dossier(db, request, now, refusal_reason=clean_reason)


def _create_dossier(db: Database, request: IntakeRequest, now: datetime, *, refusal_reason: str | None = None) -> Dossier:
    refused = refusal_reason is not None
    with db.write() as session:
        profile = get_profile(session)
        if profile is None:
            raise NotSetUp()
        procedure = get_procedure(session, nfc(request.procedure_code)) if nfc(request.procedure_code) else None
        clean = validate_request(request, procedure, now, profile.unit_code, check_groups=not refused)
        assert procedure is not None
        received_at: datetime = clean["received_at"]  # type: ignore[assignment]
        channel: Channel = clean["channel"]  # type: ignore[assignment]
        calendar = build_calendar(session, profile.calendar_config or {})
        day = office_day(received_at)
        code = clean["portal_code"] or make_dossier_code(
            profile.unit_code, profile.desk_slot, day, next_count_of_day(session, day, profile.desk_slot))
        book = register_book(profile.desk_slot, received_at)
        clerk, clerk_username = intake_actor(session, request, profile.clerk_name)
        late = late_entry(session, request, received_at, now, calendar, clerk_username)
        dossier = Dossier(
            id=str(uuid.uuid4()),
            code=str(code),
            unit_code=profile.unit_code,
            desk_slot=profile.desk_slot,
            procedure_code=procedure.code,
            procedure_name=procedure.name,
            applicant=clean["applicant"],  # type: ignore[arg-type]
            submitter=clean["submitter"],  # type: ignore[arg-type]
            summary=clean["summary"],  # type: ignore[arg-type]
            documents=clean["documents"],  # type: ignore[arg-type]
            sets_count=clean["sets_count"],  # type: ignore[arg-type]
            channel=channel,
            result_delivery=clean["result_delivery"],  # type: ignore[arg-type]
            received_at=received_at,
            # A refused dossier promises no result: its "due date" is the moment it was refused.
            due_at=received_at if refused else due_at(procedure, channel, received_at, calendar),
            processing_hours=procedure.hours_for(channel),
            status=Status.REFUSED if refused else Status.RECEIVED,
            received_by=clerk,
            history=[StatusChange(None, Status.REFUSED, received_at, clerk, refusal_reason) if refused else
                     StatusChange(None, Status.RECEIVED, received_at, clerk, late.note if late else "Tiếp nhận hồ sơ")],
            register_book=book,
            register_number=next_register_number(session, book),
        )
        _insert_once(session, dossier, now)
        mark_actor(session, dossier.code, clerk_username, late)
        payload = dossier_to_dict(dossier)
        if not refused:  # what the dossier owes, kept and sent with it (services.fees)
            fees, counts = assess_at_intake(procedure, request.fee_quantities, request.fee_exemption)
            save_intake_assessment(session, dossier.code, fees, counts, nfc(request.fee_exemption), by=clerk,
                                   by_username=clerk_username, at=received_at)
            payload["fees"] = intake_fees_payload(fees, counts, nfc(request.fee_exemption))
        append_operation(
            session,
            entity="dossier",
            entity_id=dossier.id,
            op_type=OpType.DOSSIER_CREATE,
            payload=payload,
            now=now,
            actor=clerk_username,
        )
    return dossier


def _insert_once(session: Session, dossier: Dossier, now: datetime) -> None:
    """Insert, refusing in Vietnamese a code the counter already holds (a portal code typed twice): the
    database's unique code decides, in a savepoint, so nothing half-written stays."""
    try:
        with session.begin_nested():
            insert_dossier(session, dossier, now)
    except IntegrityError:
        if session.scalar(select(DossierRow.pk).where(DossierRow.code == dossier.code)) is None:
            raise
        raise DomainError(f"Quầy đã có hồ sơ mã {dossier.code}; hồ sơ trực tuyến này đã được tiếp nhận trước đó.") from None


def check_intake(db: Database, request: IntakeRequest, *, now: datetime | None = None) -> None:
    """Validate a form without saving anything: the screens call it to show messages at each field."""
    now = now or utc_now()
    with db.read() as session:
        code = nfc(request.procedure_code)
        procedure = get_procedure(session, code) if code else None
        profile = get_profile(session)
    validate_request(request, procedure, now, profile.unit_code if profile else None)


def preview_due_at(
    db: Database, procedure_code: str, channel: Channel = Channel.DIRECT, *, received_at: datetime | None = None
) -> datetime | None:
    """The due date a dossier of this procedure would get if received now (None: unknown procedure)."""
    received_at = received_at or utc_now()
    with db.read() as session:
        procedure = get_procedure(session, nfc(procedure_code))
        profile = get_profile(session)
        if procedure is None or profile is None:
            return None
        calendar = build_calendar(session, profile.calendar_config or {})
    return due_at(procedure, channel, received_at, calendar)

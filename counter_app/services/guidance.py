"""Guidance at the desk (domain.guidance): the intake ends with Mẫu 02 and no dossier code is spent.

One write transaction keeps the record (who, when, procedure, applicant, missing papers, reason) and the
operation that carries it to the province, so the reports of both sides count it.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from counter_app.domain import labels
from counter_app.domain.catalog import Procedure
from counter_app.domain.codes import office_day
from counter_app.domain.dossier import OFFICE_TZ, DocumentLine
from counter_app.domain.errors import DomainError
from counter_app.domain.guidance import MAX_PER_DAY, Guidance, guidance_reference
from counter_app.domain.operations import OpType
from counter_app.domain.papers import DocumentChoice, lines_from_choices
from counter_app.domain.serialization import iso_instant, person_to_dict
from counter_app.domain.text import nfc
from counter_app.domain.validation import ErrorCollector, require_text
from counter_app.services.clerks import MAX_REASON_LENGTH, actor_of
from counter_app.services.clock import utc_now
from counter_app.services.intake import PersonInput, validated_person
from counter_app.services.unit_setup import NotSetUp
from counter_app.storage.database import Database
from counter_app.storage.guidance import (
    find_guidance,
    guidance_between,
    insert_guidance,
    lines_to_dicts,
    next_guidance_number,
)
from counter_app.storage.outbox import append_operation
from counter_app.storage.procedures import get_procedure
from counter_app.storage.profile import get_profile

GUIDANCE_REASON = "Lý do yêu cầu bổ sung, hoàn thiện"
MISSING = "Giấy tờ cần bổ sung"


@dataclass
class GuidanceRequest:
    procedure_code: str
    applicant: PersonInput
    reason: str
    missing: list[DocumentLine] | None = None  # as typed on the screen
    missing_choices: list[DocumentChoice] | None = None  # `--missing N=O/C/P`: lines of the catalog's list
    summary: str = ""
    clerk: str = ""
    clerk_username: str = ""


class GuidanceNotFound(DomainError):
    def __init__(self, key: str) -> None:
        super().__init__(f"Không tìm thấy phiếu hướng dẫn «{key}» tại quầy này.")


def record_guidance(db: Database, request: GuidanceRequest, *, now: datetime | None = None) -> Guidance:
    """Keep one guidance record and queue it for the province; nothing is saved if a field is wrong."""
    now = now or utc_now()
    with db.write() as session:
        profile = get_profile(session)
        if profile is None:
            raise NotSetUp()
        code = nfc(request.procedure_code)
        procedure = get_procedure(session, code) if code else None
        with ErrorCollector() as check:
            if procedure is None:
                check.add("procedure_code", f"{labels.PROCEDURE}: chưa chọn thủ tục hành chính." if not code else
                          f"{labels.PROCEDURE}: không có thủ tục mã «{code}» trong danh mục của quầy.", labels.PROCEDURE)
            applicant = validated_person(check, request.applicant, "", (), today=office_day(now), id_required=False)
            reason = check(require_text, " ".join(nfc(request.reason).split()), "reason", GUIDANCE_REASON,
                           max_len=MAX_REASON_LENGTH)
            missing: list[DocumentLine] = []
            if procedure is not None and request.missing_choices:
                missing = check(lines_from_choices, procedure, request.missing_choices) or []
            elif request.missing:
                missing = [DocumentLine(nfc(line.name), line.originals, line.certified_copies, line.photocopies)
                           for line in request.missing if nfc(line.name)]
        assert procedure is not None and applicant is not None and reason is not None
        day = office_day(now)
        number = next_guidance_number(session, day)
        if number > MAX_PER_DAY:
            raise DomainError(f"Quầy đã cấp {MAX_PER_DAY} phiếu hướng dẫn trong ngày; không cấp thêm được.")
        clerk, username = actor_of(session, request.clerk_username, nfc(request.clerk) or profile.clerk_name)
        guidance = Guidance(
            id=str(uuid.uuid4()), reference=guidance_reference(profile.desk_slot, day, number),
            unit_code=profile.unit_code, desk_slot=profile.desk_slot, at=now, clerk=clerk, clerk_username=username,
            procedure_code=procedure.code, procedure_name=procedure.name, applicant=applicant, reason=reason,
            missing=missing, summary=nfc(request.summary),
        )
        insert_guidance(session, guidance, day, number)
        append_operation(session, entity="guidance", entity_id=guidance.id, op_type=OpType.GUIDANCE_RECORD,
                         payload=guidance_payload(guidance), now=now, actor=username)
    return guidance


def missing_paper_choices(procedure: Procedure | None, lines: list[DocumentLine]) -> list[tuple[DocumentLine, bool]]:
    """The papers of the checklist as (line to ask for, ticked): a paper not handed in (all counts 0) is
    ticked, and asked for in the catalog's counts (one original when the catalog gives none)."""
    catalog = {d.name: (d.originals, d.certified_copies, d.photocopies) for d in procedure.documents} if procedure else {}
    choices = []
    for line in lines:
        counts = (line.originals, line.certified_copies, line.photocopies)
        absent = not any(counts)
        if absent:
            counts = catalog.get(line.name, (0, 0, 0))
            counts = counts if any(counts) else (1, 0, 0)
        choices.append((DocumentLine(line.name, *counts), absent))
    return choices


def guidance_payload(guidance: Guidance) -> dict[str, object]:
    return {
        "id": guidance.id, "reference": guidance.reference, "unit_code": guidance.unit_code,
        "desk_slot": guidance.desk_slot, "at": iso_instant(guidance.at), "clerk": guidance.clerk,
        "clerk_username": guidance.clerk_username, "procedure_code": guidance.procedure_code,
        "procedure_name": guidance.procedure_name, "applicant": person_to_dict(guidance.applicant),
        "missing": lines_to_dicts(guidance.missing), "reason": guidance.reason, "summary": guidance.summary,
    }


def get_guidance(db: Database, key: str) -> Guidance:
    with db.read() as session:
        found = find_guidance(session, key)
    if found is None:
        raise GuidanceNotFound(nfc(key))
    return found


def guidance_on(db: Database, day: date) -> list[Guidance]:
    """The guidance given on `day` (office time), oldest first: what a day's report lists."""
    start = datetime.combine(day, time(0), OFFICE_TZ)
    with db.read() as session:
        return guidance_between(session, start, start + timedelta(days=1))


def guidance_counts(db: Database, day: date) -> dict[str, int]:
    """How many guidances were given on `day`, by procedure code (for the day's report)."""
    return dict(Counter(g.procedure_code for g in guidance_on(db, day)))

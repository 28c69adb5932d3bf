"""Logging a citizen helped on the national portal, and the day's counts for the reports.

The log line and its outbox operation commit together, like every change at the desk. No dossier code is
spent: a dossier filed online has the portal's code, which the log keeps; when the paper dossier later comes
to the desk, intake on channel 2 keeps that code too (services/intake.py).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select

from counter_app.domain import labels
from counter_app.domain.assisted_filing import (
    PORTAL_CODE_LABEL,
    AssistedFiling,
    AssistOutcome,
    check_procedure_code,
    parse_outcome,
    parse_portal_code,
)
from counter_app.domain.codes import office_day
from counter_app.domain.dossier import OFFICE_TZ, IdDocumentType
from counter_app.domain.identity import validate_id_number
from counter_app.domain.operations import OpType
from counter_app.domain.text import nfc, person_name
from counter_app.domain.validation import ErrorCollector, normalize_phone, require_text
from counter_app.services.clerks import actor_of
from counter_app.services.clock import utc_now
from counter_app.services.unit_setup import NotSetUp
from counter_app.storage.database import Database
from counter_app.storage.models import AssistedFilingRow
from counter_app.storage.outbox import append_operation
from counter_app.storage.procedures import get_procedure
from counter_app.storage.profile import get_profile

OUTCOME_LABEL = "Kết quả hỗ trợ"
NOTE_LABEL = "Ghi chú"
MAX_NOTE_LENGTH = 1000


@dataclass
class AssistRequest:
    """What the clerk typed (CLI or dialog), before validation."""

    applicant_name: str
    procedure_code: str
    outcome: str
    note: str = ""
    portal_code: str = ""
    applicant_id_number: str = ""
    applicant_phone: str = ""
    clerk_username: str = ""
    clerk: str = ""  # a name, only on a counter without accounts


def _validated(request: AssistRequest, today: date) -> dict[str, object]:
    """Every field checked at once; one `ValidationErrors` lists all faults."""
    with ErrorCollector() as check:
        name = check(require_text, request.applicant_name, "applicant_name", labels.FULL_NAME, max_len=120)
        procedure = check(check_procedure_code, request.procedure_code)
        outcome = check(parse_outcome, request.outcome)
        note = " ".join(nfc(request.note).split())
        if len(note) > MAX_NOTE_LENGTH:
            check.add("note", f"{NOTE_LABEL}: dài quá {MAX_NOTE_LENGTH} ký tự.", NOTE_LABEL)
        if outcome is AssistOutcome.FAILED and not note:
            check.add("note", f"{NOTE_LABEL}: hãy ghi lý do không nộp được hồ sơ trực tuyến.", NOTE_LABEL)
        portal_code = None
        if nfc(request.portal_code):
            parsed = check(parse_portal_code, request.portal_code)
            portal_code = str(parsed) if parsed else None
        elif outcome is AssistOutcome.FILED:
            check.add("portal_code", f"{PORTAL_CODE_LABEL}: hồ sơ đã nộp trực tuyến thì ghi mã Cổng cấp.",
                      PORTAL_CODE_LABEL)
        id_number = ""
        if nfc(request.applicant_id_number):
            id_number = check(validate_id_number, IdDocumentType.CCCD, request.applicant_id_number, today=today) or ""
        phone = check(normalize_phone, request.applicant_phone, required=False) or ""
    return {"name": person_name(name or ""), "procedure": procedure, "outcome": outcome, "note": note,
            "portal_code": portal_code, "id_number": id_number, "phone": phone}


def log_assistance(db: Database, request: AssistRequest, *, now: datetime | None = None) -> AssistedFiling:
    """Record one citizen helped on the portal and queue it for the provincial server."""
    now = now or utc_now()
    clean = _validated(request, office_day(now))
    with db.write() as session:
        profile = get_profile(session)
        if profile is None:
            raise NotSetUp()
        clerk, username = actor_of(session, request.clerk_username, request.clerk or profile.clerk_name)
        code = str(clean["procedure"])
        known = get_procedure(session, code)
        record = AssistedFiling(
            id=str(uuid.uuid4()), at=now, applicant_name=str(clean["name"]),
            applicant_id_number=str(clean["id_number"]), applicant_phone=str(clean["phone"]),
            procedure_code=code, procedure_name=known.name if known else "",
            outcome=clean["outcome"], note=str(clean["note"]),  # type: ignore[arg-type]
            portal_code=clean["portal_code"], clerk=clerk, clerk_username=username,  # type: ignore[arg-type]
            unit_code=profile.unit_code, desk_slot=profile.desk_slot,
        )
        session.add(AssistedFilingRow(**{**record.__dict__, "outcome": record.outcome.value}))
        append_operation(session, entity="assisted_filing", entity_id=record.id, op_type=OpType.ASSIST_LOG,
                         payload=assist_payload(record), now=now, actor=username)
    return record


def assist_payload(record: AssistedFiling) -> dict[str, object]:
    return {**record.__dict__, "at": record.at.isoformat(), "outcome": record.outcome.value}


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), OFFICE_TZ)
    return start, start + timedelta(days=1)


def assisted_counts(db: Database, day: date) -> dict[AssistOutcome, int]:
    """How many citizens were helped on `day` (office time), by outcome; every outcome present (0 too)."""
    start, end = _day_bounds(day)
    with db.read() as session:
        rows = session.execute(
            select(AssistedFilingRow.outcome, func.count())
            .where(AssistedFilingRow.at >= start, AssistedFilingRow.at < end)
            .group_by(AssistedFilingRow.outcome)
        ).all()
    counts = dict.fromkeys(AssistOutcome, 0)
    for outcome, count in rows:
        counts[AssistOutcome(outcome)] = count
    return counts


def assisted_on(db: Database, day: date, limit: int = 500) -> list[AssistedFiling]:
    """The day's log lines, newest first."""
    start, end = _day_bounds(day)
    with db.read() as session:
        rows = session.scalars(
            select(AssistedFilingRow).where(AssistedFilingRow.at >= start, AssistedFilingRow.at < end)
            .order_by(AssistedFilingRow.at.desc()).limit(limit)
        ).all()
        return [_record(row) for row in rows]


def _record(row: AssistedFilingRow) -> AssistedFiling:
    return AssistedFiling(
        id=row.id, at=row.at, applicant_name=row.applicant_name, applicant_id_number=row.applicant_id_number,
        applicant_phone=row.applicant_phone, procedure_code=row.procedure_code, procedure_name=row.procedure_name,
        outcome=AssistOutcome(row.outcome), note=row.note, portal_code=row.portal_code, clerk=row.clerk,
        clerk_username=row.clerk_username, unit_code=row.unit_code, desk_slot=row.desk_slot,
    )

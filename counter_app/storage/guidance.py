"""Guidance records (domain.guidance) in the counter's database: insert once, read for prints and reports."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from counter_app.domain.dossier import DocumentLine
from counter_app.domain.guidance import Guidance
from counter_app.domain.serialization import person_to_dict
from counter_app.storage.dossiers import person_from_dict
from counter_app.storage.models import GuidanceRecord


def next_guidance_number(session: Session, day: date) -> int:
    """The desk's next number of `day`, in the caller's write transaction (SQLite has one writer; the
    unique index on (day, number) refuses a second row with the same number all the same)."""
    return (session.scalar(select(func.max(GuidanceRecord.number)).where(GuidanceRecord.day == day)) or 0) + 1


def lines_to_dicts(lines: list[DocumentLine]) -> list[dict[str, Any]]:
    return [{"name": line.name, "originals": line.originals, "certified_copies": line.certified_copies,
             "photocopies": line.photocopies} for line in lines]


def insert_guidance(session: Session, guidance: Guidance, day: date, number: int) -> None:
    session.add(GuidanceRecord(
        id=guidance.id, reference=guidance.reference, day=day, number=number, unit_code=guidance.unit_code,
        desk_slot=guidance.desk_slot, at=guidance.at, clerk=guidance.clerk, clerk_username=guidance.clerk_username,
        procedure_code=guidance.procedure_code, procedure_name=guidance.procedure_name,
        applicant=person_to_dict(guidance.applicant), missing=lines_to_dicts(guidance.missing),
        reason=guidance.reason, summary=guidance.summary,
    ))
    session.flush()


def row_to_guidance(row: GuidanceRecord) -> Guidance:
    return Guidance(
        id=row.id, reference=row.reference, unit_code=row.unit_code, desk_slot=row.desk_slot, at=row.at,
        clerk=row.clerk, clerk_username=row.clerk_username, procedure_code=row.procedure_code,
        procedure_name=row.procedure_name, applicant=person_from_dict(row.applicant), reason=row.reason,
        missing=[DocumentLine(d["name"], d["originals"], d["certified_copies"], d["photocopies"]) for d in row.missing],
        summary=row.summary,
    )


def find_guidance(session: Session, key: str) -> Guidance | None:
    """By reference ("HD2-261130-007", any case) or by id."""
    key = key.strip()
    row = session.scalar(select(GuidanceRecord).where(
        (GuidanceRecord.reference == key.upper()) | (GuidanceRecord.id == key.lower())))
    return None if row is None else row_to_guidance(row)


def guidance_between(session: Session, start: datetime, end: datetime) -> list[Guidance]:
    """Guidance given in [start, end), oldest first."""
    rows = session.scalars(select(GuidanceRecord).where(GuidanceRecord.at >= start, GuidanceRecord.at < end)
                           .order_by(GuidanceRecord.at, GuidanceRecord.pk))
    return [row_to_guidance(row) for row in rows]

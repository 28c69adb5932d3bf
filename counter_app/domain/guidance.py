"""Guidance at the desk (hướng dẫn hoàn thiện hồ sơ, Mẫu 02 at intake): the citizen leaves with the list of
papers to add; no dossier code is spent, but the desk keeps a record of it for the reports.

Its reference "HD<desk>-YYMMDD-NNN" numbers the Mẫu 02 handed over; the desk slot keeps two desks of a
unit apart, and the day's number is unique in the counter's database (a constraint, not a check).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from counter_app.domain.dossier import DocumentLine, Person

MAX_PER_DAY = 999


@dataclass(frozen=True)
class Guidance:
    id: str
    reference: str
    unit_code: str
    desk_slot: int
    at: datetime
    clerk: str  # the clerk's full name (printed as NGƯỜI HƯỚNG DẪN)
    clerk_username: str
    procedure_code: str
    procedure_name: str
    applicant: Person
    reason: str
    missing: list[DocumentLine] = field(default_factory=list)
    summary: str = ""


def guidance_reference(desk_slot: int, day: date, number: int) -> str:
    """'HD2-261130-007': desk 2's seventh guidance of 30/11/2026."""
    return f"HD{desk_slot}-{day:%y%m%d}-{number:03d}"

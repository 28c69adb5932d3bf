"""What the lifecycle leaves behind for the forms: supplement requests (Mẫu 02), apologies (Mẫu 04) and
hand-overs to and from the processing agency (the rows of the control slip Mẫu 05).

Plain data, no persistence: `services/lifecycle.py` writes and reads them, `printing` renders them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from counter_app.domain.codes import office_day
from counter_app.domain.dossier import DocumentLine
from counter_app.domain.lifecycle import Status

# Who the desk hands a dossier to when the clerk names no agency (Mẫu 05 "TÊN CƠ QUAN").
DEFAULT_AGENCY = "Cơ quan chủ trì giải quyết"
DESK_PARTY = "Bộ phận Một cửa"
# Statuses in which the result can still be late, so an apology (Mẫu 04) makes sense.
APOLOGY_STATUSES = frozenset({Status.RECEIVED, Status.PROCESSING, Status.SUPPLEMENT_REQUESTED, Status.AWAITING_PAYMENT})


class HandoverDirection(StrEnum):
    """Which way the paper goes: the dossier to the agency (giao) or the result back to the desk (nhận)."""

    TO_AGENCY = "to_agency"
    FROM_AGENCY = "from_agency"

    @property
    def label(self) -> str:
        return "Giao" if self is HandoverDirection.TO_AGENCY else "Nhận"


class Timeliness(StrEnum):
    """A step against the due date in force, by office dates (domain.md §3.1: equal dates are on time)."""

    EARLY = "early"
    ON_TIME = "on_time"
    LATE = "late"

    @property
    def label(self) -> str:
        return {"early": "Trước hạn", "on_time": "Đúng hạn", "late": "Quá hạn"}[self.value]


def timeliness(at: datetime, due_at: datetime) -> Timeliness:
    """Early, on time or late: the office day of `at` against the office day of `due_at`."""
    day, due_day = office_day(at), office_day(due_at)
    if day < due_day:
        return Timeliness.EARLY
    return Timeliness.ON_TIME if day == due_day else Timeliness.LATE


@dataclass(frozen=True)
class SupplementRequest:
    """One request for missing papers; open while `supplied_at` is None (the clock is stopped).

    `due_at_before` is NgayHenTraTruoc, `due_at_after` NgayHenTraMoi once the papers came back."""

    dossier_code: str
    requested_at: datetime
    requested_by: str
    reason: str
    missing: tuple[DocumentLine, ...]
    due_at_before: datetime
    supplied_at: datetime | None = None
    supplied_by: str = ""
    due_at_after: datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.supplied_at is None


@dataclass(frozen=True)
class Apology:
    """Mẫu 04: the result will be late; the reason and the new due date, the old one kept."""

    dossier_code: str
    at: datetime
    by: str
    reason: str
    previous_due_at: datetime
    new_due_at: datetime


@dataclass(frozen=True)
class Handover:
    """One row of Mẫu 05: who gave what to whom and when, against the due date then in force."""

    dossier_code: str
    direction: HandoverDirection
    at: datetime
    from_party: str
    to_party: str
    by: str
    due_at: datetime
    outcome: Timeliness

"""The dossier (hồ sơ) as the counter sees it: plain data, no persistence.

Times are timezone-aware; storage keeps them in UTC and the office computes in Asia/Ho_Chi_Minh.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import IntEnum, StrEnum
from zoneinfo import ZoneInfo

from counter_app.domain.lifecycle import FINAL_STATUSES, Status

OFFICE_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
# Statuses in which a dossier cannot be late: finished, or waiting on the citizen (the clock stops).
CLOCK_STOPPED = FINAL_STATUSES | {Status.RESULT_READY, Status.SUPPLEMENT_REQUESTED, Status.AWAITING_PAYMENT}


class Channel(IntEnum):
    """How the dossier was filed (national portal codes)."""

    DIRECT = 1
    ONLINE = 2
    POSTAL = 3

    @property
    def label(self) -> str:
        return {1: "Trực tiếp", 2: "Trực tuyến", 3: "Qua dịch vụ bưu chính công ích"}[self.value]


class ResultDelivery(StrEnum):
    """Where the citizen receives the result."""

    DESK = "desk"
    POSTAL = "bcci"

    @property
    def label(self) -> str:
        return {"desk": "Tại Bộ phận Một cửa", "bcci": "Qua dịch vụ bưu chính công ích"}[self.value]


class ApplicantType(StrEnum):
    CITIZEN = "citizen"
    BUSINESS = "business"
    STATE_AGENCY = "state_agency"
    ORGANISATION = "organisation"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            "citizen": "Công dân",
            "business": "Doanh nghiệp",
            "state_agency": "Cơ quan nhà nước",
            "organisation": "Tổ chức",
            "other": "Khác",
        }[self.value]


class IdDocumentType(StrEnum):
    CCCD = "cccd"  # 12-digit personal identification number (căn cước / CCCD)
    CMND = "cmnd"  # old 9-digit identity card
    PASSPORT = "passport"

    @property
    def label(self) -> str:
        return {"cccd": "Căn cước/CCCD", "cmnd": "CMND", "passport": "Hộ chiếu"}[self.value]


class Gender(StrEnum):
    MALE = "male"
    FEMALE = "female"

    @property
    def label(self) -> str:
        return "Nam" if self is Gender.MALE else "Nữ"


@dataclass(frozen=True)
class Address:
    """A post-2025 two-level address: province and commune (ward) codes from `vietnam-provinces`."""

    street: str = ""
    ward_code: int | None = None
    province_code: int | None = None
    # Free text shown on slips; filled from the codes, or as typed when the codes are unknown.
    text: str = ""


@dataclass(frozen=True)
class Person:
    """The applicant (chủ hồ sơ) or the submitter (người nộp) when someone files on their behalf."""

    full_name: str
    id_type: IdDocumentType = IdDocumentType.CCCD
    id_number: str = ""
    phone: str = ""
    email: str = ""
    birth_date: date | None = None
    gender: Gender | None = None
    address: Address = field(default_factory=Address)
    applicant_type: ApplicantType = ApplicantType.CITIZEN


@dataclass(frozen=True)
class DocumentLine:
    """One line of the papers checklist: how many originals, certified copies and photocopies."""

    name: str
    originals: int = 0
    certified_copies: int = 0
    photocopies: int = 0


@dataclass(frozen=True)
class StatusChange:
    from_status: Status | None
    to_status: Status
    at: datetime
    actor: str
    note: str = ""  # the reason of a refusal, supplement, withdrawal or stop (lifecycle.REASON_REQUIRED)
    # The due date this change moved (supplement answered: NgayHenTraTruoc → NgayHenTraMoi); None if unchanged.
    previous_due_at: datetime | None = None
    due_at: datetime | None = None


@dataclass
class Dossier:
    id: str
    code: str
    unit_code: str
    desk_slot: int
    procedure_code: str
    procedure_name: str
    applicant: Person
    summary: str
    documents: list[DocumentLine]
    sets_count: int
    channel: Channel
    result_delivery: ResultDelivery
    received_at: datetime
    due_at: datetime
    processing_hours: int
    status: Status
    received_by: str
    submitter: Person | None = None
    version: int = 1
    history: list[StatusChange] = field(default_factory=list)
    # Sổ theo dõi hồ sơ (domain.register): "" and None for dossiers received before it was kept.
    register_book: str = ""
    register_number: int | None = None
    # NgayHenTraTruoc: the due date before the last move (supplement answered, apology); None if never moved.
    previous_due_at: datetime | None = None

    def is_overdue(self, now: datetime) -> bool:
        """Late while still being worked on: derived, never stored (domain.md §3).

        Not while the clock is paused for the citizen (supplement, fees), nor once the result is ready.
        """
        return self.status not in CLOCK_STOPPED and now > self.due_at

    @property
    def submitted_by(self) -> Person:
        """The person who stood at the desk: the submitter if given, else the applicant."""
        return self.submitter or self.applicant

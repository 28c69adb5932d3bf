"""Who acts on a dossier, and late entries: the rules intake and status changes share.

On a counter with accounts every action names an enabled account (the signed-in clerk); the dossier and
its history keep the full name (printed on the slip) and the username. A counter without any account
(set up before accounts existed) keeps the clerk's name of its unit profile until a supervisor account
is created.

A late entry is a dossier whose time received lies before the start of the working day in progress
(`WorkCalendar.working_day_start`): it needs a supervisor's approval and a reason, both kept in the
history note and on the dossier row (`late_entry_reason`, `late_entry_by`) for the reports.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import update
from sqlalchemy.orm import Session

from counter_app.domain import labels
from counter_app.domain.calendar import WorkCalendar
from counter_app.domain.errors import ValidationError, ValidationErrors
from counter_app.domain.formats import office_date, office_datetime
from counter_app.domain.text import nfc
from counter_app.services.accounts import NotAllowed, active_account, supervisor_account
from counter_app.storage.accounts import has_accounts
from counter_app.storage.models import DossierEvent, DossierRow

MAX_REASON_LENGTH = 1000


class ActingRequest(Protocol):
    clerk: str
    clerk_username: str
    late_entry_reason: str
    late_entry_by: str


@dataclass(frozen=True)
class LateEntry:
    reason: str
    approved_by: str  # the supervisor's username
    approver_name: str

    @property
    def note(self) -> str:
        return f"Tiếp nhận hồ sơ nhập muộn, {self.approver_name} ({self.approved_by}) duyệt. Lý do: {self.reason}"


def actor_of(session: Session, username: str, legacy_name: str = "") -> tuple[str, str]:
    """(full name, username) of who acts: the enabled account `username`; on a counter without
    accounts, `legacy_name` and ""."""
    if username.strip():
        account = active_account(session, username)
        return account.full_name, account.username
    if has_accounts(session):
        raise NotAllowed("Chưa có người đăng nhập: hãy đăng nhập (hoặc ghi --clerk TÊN_ĐĂNG_NHẬP) rồi làm lại.")
    return nfc(legacy_name), ""


def intake_actor(session: Session, request: ActingRequest, profile_name: str) -> tuple[str, str]:
    return actor_of(session, request.clerk_username, nfc(request.clerk) or profile_name)


def late_entry(session: Session, request: ActingRequest, received_at: datetime, now: datetime,
               calendar: WorkCalendar, clerk_username: str) -> LateEntry | None:
    """None for a dossier received during the working day in progress; for an earlier time, the
    supervisor's approval and reason, or a refusal (nothing is saved)."""
    start = calendar.working_day_start(now)
    if received_at >= start:
        return None
    if not has_accounts(session):
        raise NotAllowed("Hồ sơ nhập muộn (thời điểm tiếp nhận trước ngày làm việc hiện tại) cần giám sát viên duyệt, "
                         "mà quầy chưa có tài khoản giám sát viên. Hồ sơ chưa được lưu.")
    reason = " ".join(nfc(request.late_entry_reason).split())
    approver = request.late_entry_by.strip() or clerk_username
    shown = office_datetime(received_at)
    if not reason or not approver:
        raise ValidationErrors([ValidationError(
            "received_at",
            f"{labels.RECEIVED_AT} {shown} trước ngày làm việc hiện tại (bắt đầu {office_date(start)}): hồ sơ nhập muộn "
            "cần giám sát viên duyệt và ghi lý do (trên màn hình: giám sát viên đăng nhập, ghi ô «Lý do nhập muộn»; "
            "dòng lệnh: --clerk <giám sát viên> --late-entry-reason \"…\"). "
            "Hồ sơ chưa được lưu.",
            labels.RECEIVED_AT,
        )])
    if len(reason) > MAX_REASON_LENGTH:
        raise ValidationErrors([ValidationError("late_entry_reason", f"Lý do nhập muộn dài quá {MAX_REASON_LENGTH} ký tự.",
                                                "Lý do nhập muộn")])
    supervisor = supervisor_account(session, approver, "duyệt hồ sơ nhập muộn")
    return LateEntry(reason, supervisor.username, supervisor.full_name)


def mark_actor(session: Session, code: str, username: str, late: LateEntry | None) -> None:
    """Keep the username (and a late entry's approval) on a dossier just inserted and its first event."""
    row = session.query(DossierRow).filter(DossierRow.code == code).one()
    row.received_by_username = username
    if late is not None:
        row.late_entry_reason, row.late_entry_by = late.reason, late.approved_by
    session.execute(update(DossierEvent).where(DossierEvent.dossier_pk == row.pk).values(actor_username=username))

"""Closing the day at a desk: what the day's receipts make, the cash the clerk counted, and the close.

`day_summary` reads every receipt dated in the day (issued and cancelled, with transfers and their bank
references) and totals the issued ones; `close_day` compares the counted cash with the cash the issued
receipts expect and saves the close with its `day.close` operation in one transaction. Any difference needs
a written explanation and a supervisor's sign-off, or nothing is saved. The write transaction takes the
write lock first (BEGIN IMMEDIATE), so no receipt can slip in between the totals and the close; once the
close is saved, the database's triggers refuse any receipt dated in that day (migration 0015).
docs/day-close.md.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from counter_app.domain.day_close import (
    MAX_CASH_VND,
    MAX_EXPLANATION_LENGTH,
    DayClose,
    DayCloseRefused,
    check_counted,
    needs_sign_off,
    pieces_total,
)
from counter_app.domain.errors import ValidationError
from counter_app.domain.formats import office_date, office_datetime
from counter_app.domain.money import format_dong
from counter_app.domain.operations import OpType
from counter_app.domain.receipts import number_text
from counter_app.domain.text import nfc
from counter_app.services.accounts import supervisor_account
from counter_app.services.clerks import actor_of
from counter_app.services.clock import office_today, utc_now
from counter_app.storage.accounts import has_accounts
from counter_app.storage.database import Database
from counter_app.storage.models import DayCloseRow, ReceiptRow
from counter_app.storage.outbox import append_operation
from counter_app.storage.profile import get_profile

CASH, TRANSFER = "cash", "transfer"
METHOD_LABELS = {CASH: "Tiền mặt", TRANSFER: "Chuyển khoản"}
ISSUED, CANCELLED = "issued", "cancelled"


@dataclass(frozen=True)
class ReceiptLine:
    """One receipt of the day as the close sheet lists it."""

    number: str  # "mẫu số/ký hiệu/số"
    dossier_code: str
    payer: str
    fee_vnd: int
    charge_vnd: int
    total_vnd: int
    method: str
    bank_reference: str
    collected_at: datetime
    collector: str
    status: str
    cancelled_at: datetime | None = None
    cancel_reason: str = ""
    cancelled_by: str = ""

    @property
    def cancelled(self) -> bool:
        return self.status == CANCELLED


@dataclass(frozen=True)
class MethodTotals:
    fee_vnd: int = 0
    charge_vnd: int = 0
    count: int = 0

    @property
    def total_vnd(self) -> int:
        return self.fee_vnd + self.charge_vnd


@dataclass(frozen=True)
class DaySummary:
    """Every receipt dated in `day` (number order) and the totals of the issued ones: what a close checks."""

    day: date
    receipts: tuple[ReceiptLine, ...]
    close: DayClose | None = None
    by_method: dict[str, MethodTotals] = field(default_factory=dict)

    @property
    def issued(self) -> tuple[ReceiptLine, ...]:
        return tuple(r for r in self.receipts if not r.cancelled)

    @property
    def cancellations(self) -> tuple[ReceiptLine, ...]:
        return tuple(r for r in self.receipts if r.cancelled)

    @property
    def transfers(self) -> tuple[ReceiptLine, ...]:
        return tuple(r for r in self.issued if r.method == TRANSFER)

    @property
    def cash_expected(self) -> int:
        return self.by_method.get(CASH, MethodTotals()).total_vnd

    @property
    def transfers_total(self) -> int:
        return self.by_method.get(TRANSFER, MethodTotals()).total_vnd

    @property
    def fee_total(self) -> int:
        return sum(r.fee_vnd for r in self.issued)

    @property
    def charge_total(self) -> int:
        return sum(r.charge_vnd for r in self.issued)

    @property
    def total(self) -> int:
        return self.fee_total + self.charge_total


def _line(row: ReceiptRow) -> ReceiptLine:
    return ReceiptLine(number=number_text(row.form_number, row.symbol, row.number), dossier_code=row.dossier_code, payer=row.payer_name,
                       fee_vnd=row.fee_vnd, charge_vnd=row.charge_vnd, total_vnd=row.total_vnd, method=row.method,
                       bank_reference=row.bank_reference, collected_at=row.collected_at, collector=row.collector,
                       status=row.status, cancelled_at=row.cancelled_at, cancel_reason=row.cancel_reason,
                       cancelled_by=row.cancelled_by)


def _close(row: DayCloseRow) -> DayClose:
    return DayClose(id=row.id, day=row.day, device_id=row.device_id, desk_slot=row.desk_slot, closed_at=row.closed_at,
                    clerk=row.clerk, clerk_username=row.clerk_username,
                    counted={int(k): v for k, v in row.counted.items()}, counted_total=row.counted_total,
                    expected_cash=row.expected_cash, transfers_total=row.transfers_total, fee_total=row.fee_total,
                    charge_total=row.charge_total, receipts_count=row.receipts_count,
                    cancellations_count=row.cancellations_count, difference=row.difference,
                    explanation=row.explanation, supervisor=row.supervisor, supervisor_name=row.supervisor_name)


def summary_in(session: Session, day: date) -> DaySummary:
    """The day's summary inside the caller's transaction (the close reads it under its write lock)."""
    rows = session.scalars(select(ReceiptRow).where(ReceiptRow.day == day)
                           .order_by(ReceiptRow.form_number, ReceiptRow.symbol, ReceiptRow.number)).all()
    lines = tuple(_line(r) for r in rows)
    by_method: dict[str, MethodTotals] = {}
    for line in lines:
        if not line.cancelled:
            now = by_method.get(line.method, MethodTotals())
            by_method[line.method] = MethodTotals(now.fee_vnd + line.fee_vnd, now.charge_vnd + line.charge_vnd,
                                                  now.count + 1)
    closed = session.scalar(select(DayCloseRow).where(DayCloseRow.day == day))
    return DaySummary(day=day, receipts=lines, close=_close(closed) if closed else None, by_method=by_method)


def day_summary(db: Database, day: date) -> DaySummary:
    with db.read() as session:
        return summary_in(session, day)


def closed_days(db: Database, limit: int = 60) -> list[DayClose]:
    """This desk's closes, newest day first."""
    with db.read() as session:
        rows = session.scalars(select(DayCloseRow).order_by(DayCloseRow.day.desc()).limit(limit)).all()
        return [_close(r) for r in rows]


def _counted(counted: Mapping[int, int] | None, counted_total: int | None) -> tuple[dict[int, int], int]:
    if (counted is None) == (counted_total is None):
        raise ValidationError("counted", "Hãy ghi tiền mặt đếm được: theo từng mệnh giá, hoặc một tổng số (không "
                              "cả hai). Chưa có gì được lưu.", "Tiền mặt đếm được")
    if counted is not None:
        clean = check_counted(counted)
        return clean, pieces_total(clean)
    assert counted_total is not None
    if not 0 <= counted_total <= MAX_CASH_VND:
        raise ValidationError("counted_cash", "Tiền mặt đếm được phải là số đồng nguyên không âm.", "Tiền mặt đếm được")
    return {}, counted_total


def _sign_off(session: Session, difference: int, explanation: str, supervisor: str) -> tuple[str, str]:
    """(username, full name) of the supervisor who signs off, or ("", "") when none is needed nor given."""
    if needs_sign_off(difference):
        shown = f"{'thừa' if difference > 0 else 'thiếu'} {format_dong(abs(difference))}"
        if not explanation:
            raise ValidationError("explanation", f"Tiền mặt đếm được {shown} so với biên lai: hãy ghi giải trình "
                                  "chênh lệch trước khi khóa sổ. Chưa có gì được lưu.", "Giải trình chênh lệch")
        if not has_accounts(session):
            raise DayCloseRefused(f"Tiền mặt {shown} so với biên lai: khóa sổ cần giám sát viên ký xác nhận, mà "
                                  "quầy chưa có tài khoản giám sát viên. Chưa có gì được lưu.")
        if not supervisor:
            raise ValidationError("supervisor", f"Tiền mặt {shown} so với biên lai: cần giám sát viên đăng nhập ký "
                                  "xác nhận trước khi khóa sổ. Chưa có gì được lưu.", "Giám sát viên")
    if not supervisor:
        return "", ""
    account = supervisor_account(session, supervisor, "ký xác nhận khóa sổ cuối ngày")
    return account.username, account.full_name


def close_day(db: Database, day: date, *, counted: Mapping[int, int] | None = None, counted_total: int | None = None,
              explanation: str = "", supervisor: str = "", by: str = "", now: datetime | None = None) -> DayClose:
    """Close `day` of this desk with the cash counted (by denomination, or a total). `supervisor` is the
    username of a supervisor already signed in (the CLI and the dialog check the password); needed when
    counted differs from expected, optional otherwise. Refused, with nothing saved, for a day ahead of
    the office date, a day closed already, or a difference without explanation or supervisor."""
    now = now or utc_now()
    pieces, total = _counted(counted, counted_total)
    explanation = " ".join(nfc(explanation).split())
    if len(explanation) > MAX_EXPLANATION_LENGTH:
        raise ValidationError("explanation", f"Giải trình dài quá {MAX_EXPLANATION_LENGTH} ký tự.",
                              "Giải trình chênh lệch")
    if day > office_today(now):
        raise DayCloseRefused(f"Ngày {office_date(day)} chưa đến (hôm nay là {office_date(office_today(now))}): "
                              "không khóa sổ trước được. Chưa có gì được lưu.")
    with db.write() as session:
        profile = get_profile(session)
        clerk, username = actor_of(session, by, profile.clerk_name if profile else "")
        summary = summary_in(session, day)
        if summary.close is not None:
            raise DayCloseRefused(f"Ngày {office_date(day)} đã khóa sổ lúc {office_datetime(summary.close.closed_at)} "
                                  f"({summary.close.clerk}); mỗi ngày chỉ khóa sổ một lần.")
        difference = total - summary.cash_expected
        signer, signer_name = _sign_off(session, difference, explanation, supervisor.strip())
        row = DayCloseRow(
            id=str(uuid.uuid4()), day=day, device_id=profile.device_id if profile else "",
            desk_slot=profile.desk_slot if profile else 0, closed_at=now, clerk=clerk or "Người tiếp nhận",
            clerk_username=username, counted={str(k): v for k, v in pieces.items()}, counted_total=total,
            expected_cash=summary.cash_expected, transfers_total=summary.transfers_total,
            fee_total=summary.fee_total, charge_total=summary.charge_total,
            receipts_count=len(summary.issued), cancellations_count=len(summary.cancellations),
            difference=difference, explanation=explanation, supervisor=signer, supervisor_name=signer_name)
        session.add(row)
        session.flush()  # the unique day is the backstop: a second close of the day fails here
        append_operation(session, entity="day_close", entity_id=row.id, op_type=OpType.DAY_CLOSE,
                         payload=close_payload(row, profile.unit_code if profile else ""), now=now, actor=username)
        return _close(row)


def close_payload(row: DayCloseRow, unit_code: str) -> dict[str, object]:
    return {"id": row.id, "unit_code": unit_code, "desk_slot": row.desk_slot, "day": row.day.isoformat(),
            "closed_at": row.closed_at.isoformat(), "clerk": row.clerk, "clerk_username": row.clerk_username,
            "counted": dict(row.counted), "counted_total": row.counted_total, "expected_cash": row.expected_cash,
            "transfers_total": row.transfers_total, "fee_total": row.fee_total, "charge_total": row.charge_total,
            "receipts_count": row.receipts_count, "cancellations_count": row.cancellations_count,
            "difference": row.difference, "explanation": row.explanation, "supervisor": row.supervisor,
            "supervisor_name": row.supervisor_name}

"""Applying a desk's closed day (`day.close`), the province's list of closes, and the check receipts need.

The payload's own figures were checked with the shared vocabulary (DayClosePayload: the count makes the
counted total, the difference is counted minus expected, a difference carries its explanation and its
supervisor). Here: the close is the device's own (unit, desk slot), it is kept once per id, and one per
device and day, the unique constraint settling a race between server processes. A second, different close
of a day already closed is a conflict kept for a person, never stored over the first. docs/day-close.md.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from counter_app.domain.formats import office_date, office_datetime
from counter_app.domain.operations import OpType
from counter_app.domain.payloads import Payload
from counter_app.domain.payloads_money import DayClosePayload
from counter_app.domain.receipts import PaymentMethod, ReceiptStatus
from sync.protocol import OpStatus
from sync.server.models import AuditEntry, Conflict, DayClose, Device, OpLedger, Receipt
from sync.server.op_checks import LedgerKey, Outcome, check_desk_claim, instant, kept_once

if TYPE_CHECKING:
    from sync.server.ingest_lookup import DossierLookup


def record_day_close(session: Session, device: Device, key: LedgerKey, payload: Payload, raw: dict[str, Any],
                     now: datetime, lookup: DossierLookup) -> Outcome:
    assert isinstance(payload, DayClosePayload)
    refusal = check_desk_claim(device, payload.unit_code, payload.desk_slot, payload.closed_at,
                               lookup.slots_held(device), "Biên bản khóa sổ")
    if refusal is not None:
        return refusal
    existing = session.get(DayClose, payload.id)
    if existing is not None:
        return kept_once(existing.device_id == device.id and existing.data == raw, "biên bản khóa sổ",
                         "một biên bản khác")
    first = closed_day(session, device.id, payload.day)
    if first is not None:
        session.add(Conflict(unit_code=device.unit_code, dossier_code="", device_id=device.id, op_id=key.op_id,
                             code="day_already_closed", detail={"theirs": first.data, "ours": raw}, created_at=now))
        return Outcome(OpStatus.CONFLICT, "day_already_closed",
                       f"Ngày {_shown(payload.day)} của quầy này đã có biên bản khóa sổ khác trên máy chủ; biên bản "
                       "mới không thay biên bản cũ mà được giữ lại để giám sát viên tỉnh xem xét.")
    session.add(DayClose(id=payload.id, unit_code=device.unit_code, device_id=device.id, desk_slot=payload.desk_slot,
                         day=payload.day, closed_at=instant(payload.closed_at), counted_total=payload.counted_total,
                         expected_cash=payload.expected_cash, transfers_total=payload.transfers_total,
                         difference=payload.difference, receipts_count=payload.receipts_count,
                         cancellations_count=payload.cancellations_count, data=raw, received_at=now))
    session.flush()  # a close of the same day racing in from another process fails here; the op is redone
    return Outcome(OpStatus.ACCEPTED)


def _shown(day: str) -> str:
    return office_date(datetime.fromisoformat(day).date())


def closed_day(session: Session, device_id: str, day: str) -> DayClose | None:
    """The device's close of `day` (YYYY-MM-DD), if the province holds one."""
    return session.scalar(select(DayClose).where(DayClose.device_id == device_id, DayClose.day == day))


def receipt_in_closed_day(session: Session, device_id: str, day: str) -> str:
    """For the server's receipt ingest (part B): why a receipt issued or cancelled by `device_id` and dated
    in `day` must be flagged ("" when the day is open there). The counter's triggers refuse such a write,
    so one arriving means a tampered or restored counter: keep it as a conflict for a person, never drop it."""
    close = closed_day(session, device_id, day)
    if close is None:
        return ""
    return (f"Biên lai ghi ngày {_shown(day)}, ngày quầy này đã khóa sổ (khóa lúc "
            f"{office_datetime(close.closed_at)}); biên lai được giữ lại để giám sát viên tỉnh xem xét.")


# The figures of a close the server can recompute from the receipts it holds, with their Vietnamese names.
CHECKED_FIGURES = (
    ("expected_cash", "tiền mặt theo biên lai"), ("transfers_total", "chuyển khoản"), ("fee_total", "phí"),
    ("charge_total", "lệ phí"), ("receipts_count", "số biên lai"), ("cancellations_count", "số biên lai đã hủy"))
MAX_LISTED_REFUSALS = 20


def held_figures(session: Session, device_id: str, day: str) -> dict[str, int]:
    """The close's figures as the receipts the province holds for `device_id` and `day` make them."""
    figures = dict.fromkeys((name for name, _ in CHECKED_FIGURES), 0)
    for status, method, count, fee, charge in session.execute(
            select(Receipt.status, Receipt.method, func.count(), func.coalesce(func.sum(Receipt.fee_vnd), 0),
                   func.coalesce(func.sum(Receipt.charge_vnd), 0))
            .where(Receipt.device_id == device_id, Receipt.day == day).group_by(Receipt.status, Receipt.method)):
        if status == ReceiptStatus.CANCELLED.value:
            figures["cancellations_count"] += int(count)
            continue
        figures["receipts_count"] += int(count)
        figures["fee_total"] += int(fee)
        figures["charge_total"] += int(charge)
        paid = "expected_cash" if method == PaymentMethod.CASH.value else "transfers_total"
        figures[paid] += int(fee) + int(charge)
    return figures


def close_mismatch(close: DayClose, held: dict[str, int]) -> list[dict[str, Any]]:
    """Each figure the desk signed that the province's receipts do not make: kept, never corrected (the
    close is what the desk signed), shown to a person with both numbers."""
    signed = {"expected_cash": close.expected_cash, "transfers_total": close.transfers_total,
              "fee_total": int(close.data.get("fee_total", 0)), "charge_total": int(close.data.get("charge_total", 0)),
              "receipts_count": close.receipts_count, "cancellations_count": close.cancellations_count}
    return [{"figure": name, "label": label, "close": signed[name], "server": held[name]}
            for name, label in CHECKED_FIGURES if signed[name] != held[name]]


def refused_receipt_ops(session: Session, device_id: str) -> list[dict[str, Any]]:
    """The device's receipt operations the province refused or holds in conflict (newest first): a close
    counting receipts the server lacks is explained by these."""
    found = session.execute(
        select(OpLedger.op_id, OpLedger.seq, OpLedger.op_type, OpLedger.status, OpLedger.code, OpLedger.message)
        .where(OpLedger.device_id == device_id,
               OpLedger.op_type.in_((OpType.RECEIPT_ISSUE.value, OpType.RECEIPT_CANCEL.value)),
               OpLedger.status.in_((OpStatus.REJECTED.value, OpStatus.CONFLICT.value)))
        .order_by(OpLedger.id.desc()).limit(MAX_LISTED_REFUSALS)).all()
    # The receipt each names, from its audit row (the op itself is not kept when it is refused).
    subjects = dict(session.execute(select(AuditEntry.op_id, AuditEntry.subject).where(
        AuditEntry.device_id == device_id, AuditEntry.op_id.in_([row.op_id for row in found]))).all()) if found else {}
    return [{"seq": row.seq, "op_type": row.op_type, "status": row.status, "code": row.code, "message": row.message,
             "receipt": subjects.get(row.op_id, "")} for row in found]


def closes(session: Session, unit_code: str | None = None, day: str | None = None) -> list[dict[str, Any]]:
    """Every close the province holds, newest day first (`provincial-server closes`)."""
    query = select(DayClose).order_by(DayClose.day.desc(), DayClose.unit_code, DayClose.desk_slot)
    if unit_code:
        query = query.where(DayClose.unit_code == unit_code)
    if day:
        query = query.where(DayClose.day == day)
    listed = []
    for c in session.scalars(query):
        mismatch = close_mismatch(c, held_figures(session, c.device_id, c.day))
        listed.append({
            "unit_code": c.unit_code, "device_id": c.device_id, "desk_slot": c.desk_slot, "day": c.day,
            "closed_at": c.closed_at.isoformat(), "clerk": c.data.get("clerk", ""),
            "counted_total": c.counted_total, "expected_cash": c.expected_cash, "transfers_total": c.transfers_total,
            "difference": c.difference, "explanation": c.data.get("explanation", ""),
            "supervisor": c.data.get("supervisor", ""), "receipts_count": c.receipts_count,
            "cancellations_count": c.cancellations_count, "mismatch": mismatch,
            "refused_receipt_ops": refused_receipt_ops(session, c.device_id) if mismatch else []})
    return listed

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

from sqlalchemy import select
from sqlalchemy.orm import Session

from counter_app.domain.formats import office_date
from counter_app.domain.operations import DayClosePayload, Payload
from sync.protocol import OpStatus
from sync.server.models import Conflict, DayClose, Device
from sync.server.op_checks import LedgerKey, Outcome, holds_slot, instant

if TYPE_CHECKING:
    from sync.server.ingest import DossierLookup


def record_day_close(session: Session, device: Device, key: LedgerKey, payload: Payload, raw: dict[str, Any],
                     now: datetime, lookup: DossierLookup) -> Outcome:
    assert isinstance(payload, DayClosePayload)
    if payload.unit_code != device.unit_code:
        return Outcome(OpStatus.REJECTED, "wrong_unit", "Biên bản khóa sổ thuộc đơn vị khác với đơn vị của quầy; "
                       "máy chủ không nhận.")
    if not holds_slot(device, payload.desk_slot, payload.closed_at, lookup.slots_held(device)):
        return Outcome(OpStatus.REJECTED, "foreign_desk_slot", f"Biên bản khóa sổ ghi quầy {payload.desk_slot}, không "
                       "phải số quầy tỉnh đã cấp cho thiết bị này; máy chủ không nhận.")
    existing = session.get(DayClose, payload.id)
    if existing is not None:
        if existing.device_id == device.id and existing.data == raw:
            return Outcome(OpStatus.ACCEPTED, "already_exists")
        return Outcome(OpStatus.REJECTED, "duplicate_id", "Mã định danh của biên bản khóa sổ đã được dùng cho một "
                       "biên bản khác trên máy chủ.")
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
            f"{close.closed_at.isoformat(timespec='minutes')}); biên lai được giữ lại để giám sát viên tỉnh xem xét.")


def closes(session: Session, unit_code: str | None = None, day: str | None = None) -> list[dict[str, Any]]:
    """Every close the province holds, newest day first (`provincial-server closes`)."""
    query = select(DayClose).order_by(DayClose.day.desc(), DayClose.unit_code, DayClose.desk_slot)
    if unit_code:
        query = query.where(DayClose.unit_code == unit_code)
    if day:
        query = query.where(DayClose.day == day)
    return [{"unit_code": c.unit_code, "device_id": c.device_id, "desk_slot": c.desk_slot, "day": c.day,
             "closed_at": c.closed_at.isoformat(), "clerk": c.data.get("clerk", ""),
             "counted_total": c.counted_total, "expected_cash": c.expected_cash, "transfers_total": c.transfers_total,
             "difference": c.difference, "explanation": c.data.get("explanation", ""),
             "supervisor": c.data.get("supervisor", ""), "receipts_count": c.receipts_count,
             "cancellations_count": c.cancellations_count} for c in session.scalars(query)]

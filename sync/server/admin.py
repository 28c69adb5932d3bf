"""What the province's staff do on the server: units, enrolment codes, catalog, statuses, totals."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from counter_app.domain.catalog import procedure_to_dict
from counter_app.domain.codes import MAX_DESK_SLOTS, validate_unit_code
from counter_app.domain.lifecycle import Status, check_reason, check_transition
from counter_app.domain.returns import ReturnMethod, ShipmentState
from counter_app.domain.serialization import iso_instant
from counter_app.domain.text import nfc
from counter_app.services.catalog import read_catalog_file
from sync.protocol import ChangeKind
from sync.server.auth import record_slot
from sync.server.errors import ApiError
from sync.server.feed import append_change
from sync.server.models import (
    AssistedFiling,
    Attachment,
    Conflict,
    DayClose,
    Device,
    Dossier,
    DossierEvent,
    GuidanceRecord,
    NumberRange,
    ProcedureEntry,
    ResultReturn,
    StoredPush,
    Unit,
)
from sync.server.receipts import receipt_totals


def create_unit(session: Session, code: str, name: str, now: datetime) -> Unit:
    code = validate_unit_code(code)
    name = nfc(name)
    if not name:
        raise ApiError(400, "unit_name_required", "Tên đơn vị: chưa nhập.")
    unit = session.get(Unit, code)
    if unit is None:
        unit = Unit(code=code, name=name, created_at=now)
        session.add(unit)
    else:
        unit.name = name
    session.flush()
    return unit


def import_catalog(session: Session, path: Path, now: datetime) -> tuple[int, int]:
    """Store procedures and publish each to every counter through the change feed."""
    added = updated = 0
    for procedure in read_catalog_file(path):
        data = procedure_to_dict(procedure)
        entry = session.get(ProcedureEntry, procedure.code)
        if entry is None:
            session.add(ProcedureEntry(code=procedure.code, data=data, updated_at=now))
            added += 1
        elif entry.data != data:
            entry.data, entry.updated_at = data, now
            updated += 1
        else:
            continue
        append_change(session, unit_code=None, kind=ChangeKind.PROCEDURE, entity_id=procedure.code, payload=data, now=now)
    return added, updated


def set_status(session: Session, code: str, target: Status, note: str, actor: str, now: datetime) -> Dossier:
    """The processing agency records a status; the counter of the dossier's unit pulls it."""
    dossier = session.scalar(select(Dossier).where(Dossier.code == code.strip().upper()).with_for_update())
    if dossier is None:
        raise ApiError(404, "unknown_dossier", f"Không có hồ sơ mã «{code}» trên máy chủ tỉnh.")
    current = Status(dossier.status)
    check_transition(current, target)
    note = check_reason(target, nfc(note))
    dossier.status = int(target)
    dossier.version += 1
    dossier.updated_at = now
    dossier.data = {**dossier.data, "status": int(target), "version": dossier.version}
    session.add(DossierEvent(dossier_id=dossier.id, from_status=int(current), to_status=int(target), at=now,
                             actor=actor, note=nfc(note), source="province"))
    append_change(session, unit_code=dossier.unit_code, kind=ChangeKind.DOSSIER_STATUS, entity_id=dossier.code,
                  payload={"code": dossier.code, "from": int(current), "status": int(target), "version": dossier.version,
                           "note": nfc(note), "actor": actor, "at": iso_instant(now), **_due_dates(dossier)}, now=now)
    session.flush()
    return dossier


def _due_dates(dossier: Dossier) -> dict[str, str]:
    """The dossier's due dates as the counter last sent them (NgayHenTra, NgayHenTraTruoc), for the feed."""
    dates = {"due_at": dossier.due_at, "previous_due_at": dossier.previous_due_at}
    return {key: iso_instant(value) for key, value in dates.items() if value is not None}


def revoke_device(session: Session, device_id: str) -> Device:
    device = session.get(Device, device_id)
    if device is None:
        raise ApiError(404, "unknown_device", f"Không có quầy mã «{device_id}».")
    device.revoked = True
    return device


def set_calendar_day(session: Session, day: str, kind: str, note: str, unit_code: str | None, now: datetime) -> None:
    """Publish an extra day off ("off"), a make-up working day ("work") or remove one ("clear").

    Without a unit it applies to every unit of the province (the yearly Tết and 2/9 notices).
    """
    from datetime import date as date_type

    try:
        parsed = date_type.fromisoformat(day)
    except ValueError:
        raise ApiError(400, "bad_day", f"Ngày «{day}» không đúng dạng YYYY-MM-DD.") from None
    if kind not in ("off", "work", "clear"):
        raise ApiError(400, "bad_kind", "Loại ngày phải là off (nghỉ), work (làm bù) hoặc clear (bỏ).")
    if unit_code is not None and session.get(Unit, unit_code) is None:
        raise ApiError(404, "unknown_unit", f"Không có đơn vị mã «{unit_code}» trên máy chủ tỉnh.")
    append_change(session, unit_code=unit_code, kind=ChangeKind.CALENDAR, entity_id=parsed.isoformat(),
                  payload={"day": parsed.isoformat(), "kind": kind, "note": nfc(note)}, now=now)


MAX_SERIES_CHARS = 40
MAX_RANGE_NUMBER = 10**12
RANGE_RETRIES = 50
RANGE_LOCK_ID = 7_242_027  # with the series' hash: one grant at a time per series (PostgreSQL)


def _range_device(session: Session, device_id: str, series: str) -> tuple[Device, str]:
    """The device and the clean series name, with the series' grants serialised for this transaction.

    The constraint alone keeps ranges apart, but on PostgreSQL two overlapping inserts racing each check
    the other's row and deadlock (one is aborted); taking turns per series avoids that. SQLite already
    serialises every writer (BEGIN IMMEDIATE).
    """
    device = session.get(Device, device_id)
    if device is None:
        raise ApiError(404, "unknown_device", f"Không có quầy mã «{device_id}».")
    series = nfc(series).strip()
    if not series or len(series) > MAX_SERIES_CHARS:
        raise ApiError(400, "bad_series", f"Ký hiệu sổ phải có từ 1 đến {MAX_SERIES_CHARS} ký tự.")
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:lock, hashtext(:series))"),
                        {"lock": RANGE_LOCK_ID, "series": series})
    return device, series


def _try_grant(session: Session, device: Device, series: str, first: int, last: int, now: datetime) -> bool:
    """Insert the range unless the database finds it overlapping another of the series (then False)."""
    try:
        with session.begin_nested():
            session.add(NumberRange(series=series, first=first, last=last, device_id=device.id,
                                    unit_code=device.unit_code, granted_at=now))
            session.flush()
    except IntegrityError:
        return False
    append_change(session, unit_code=device.unit_code, kind=ChangeKind.NUMBER_RANGE, entity_id=f"{series}:{first}",
                  payload={"device_id": device.id, "series": series, "first": first, "last": last}, now=now)
    return True


def allocate_number_range(session: Session, device_id: str, series: str, first: int, last: int, now: datetime) -> None:
    """Give one desk a block of numbers (a receipt book, postal item codes) that no other desk will use.

    The database refuses an overlap (number_range's exclusion constraint or trigger), so two grants
    racing in two server processes cannot both succeed.
    """
    device, series = _range_device(session, device_id, series)
    if not 0 < first <= last <= MAX_RANGE_NUMBER:
        raise ApiError(400, "bad_range",
                       f"Dải số phải có số đầu dương, không lớn hơn số cuối, và số cuối không quá {MAX_RANGE_NUMBER}.")
    if _try_grant(session, device, series, first, last, now):
        return
    other = session.scalar(select(NumberRange).where(NumberRange.series == series, NumberRange.first <= last,
                                                     NumberRange.last >= first).order_by(NumberRange.first).limit(1))
    held = f" với dải {other.first}–{other.last} đã cấp" if other is not None else " với một dải đã cấp"
    raise ApiError(409, "range_overlap", f"Dải {first}–{last} của sổ «{series}» trùng{held}.")


def allocate_next_range(session: Session, device_id: str, series: str, count: int, now: datetime) -> tuple[int, int]:
    """Give one desk the next `count` numbers of the series after every number granted so far."""
    device, series = _range_device(session, device_id, series)
    if not 0 < count <= MAX_RANGE_NUMBER:
        raise ApiError(400, "bad_count", f"Số lượng số cần cấp phải từ 1 đến {MAX_RANGE_NUMBER}.")
    for _ in range(RANGE_RETRIES):
        # A concurrent grant may commit between this read and our insert: the constraint then refuses
        # ours and the next read (a new statement, so a new snapshot) sees it.
        highest = session.scalar(select(func.max(NumberRange.last)).where(NumberRange.series == series)) or 0
        first, last = highest + 1, highest + count
        if last > MAX_RANGE_NUMBER:
            raise ApiError(409, "series_exhausted", f"Sổ «{series}» không còn đủ {count} số để cấp.")
        if _try_grant(session, device, series, first, last, now):
            return first, last
    raise ApiError(409, "range_busy", f"Nhiều yêu cầu cấp dải sổ «{series}» cùng lúc; hãy thử lại.")


def set_desk_slot(session: Session, device_id: str, slot: int, now: datetime) -> Device:
    """Move a device to another slot; the unique index on active (unit, slot) refuses a taken one."""
    if not 0 <= slot < MAX_DESK_SLOTS:
        raise ApiError(400, "bad_slot", f"Số quầy phải từ 0 đến {MAX_DESK_SLOTS - 1}.")
    device = session.get(Device, device_id, with_for_update=True)
    if device is None:
        raise ApiError(404, "unknown_device", f"Không có quầy mã «{device_id}».")
    try:
        with session.begin_nested():
            device.desk_slot = slot
            session.flush()
    except IntegrityError:
        raise ApiError(409, "slot_taken", f"Số quầy {slot} đang thuộc một quầy khác của đơn vị.") from None
    record_slot(session, device.id, slot, now)
    append_change(session, unit_code=device.unit_code, kind=ChangeKind.DESK_SLOT, entity_id=device.id,
                  payload={"device_id": device.id, "desk_slot": slot}, now=now)
    return device


def _count(session: Session, model: Any, *where: Any) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def unit_totals(session: Session) -> list[dict[str, Any]]:
    """Dossiers, attachments, blobs, devices and open conflicts per unit (`provincial-server stats`), and
    what the desks did after intake: guidance given (Mẫu 02, no code), citizens helped online, results
    returned at the desk and by post, posted results returned to sender; and the unit's stored push batches
    not applied yet (sync/server/inbox.py: a number that stays up says the applier is behind or stopped)."""
    units = session.scalars(select(Unit).order_by(Unit.code)).all()
    result = []
    for unit in units:
        dossiers = session.scalar(select(func.count()).select_from(Dossier).where(Dossier.unit_code == unit.code)) or 0
        attachments = session.scalar(select(func.count()).select_from(Attachment).where(Attachment.unit_code == unit.code)) or 0
        blobs = session.scalar(
            select(func.count(func.distinct(Attachment.sha256))).where(Attachment.unit_code == unit.code)
        ) or 0
        devices = session.scalar(select(func.count()).select_from(Device).where(Device.unit_code == unit.code)) or 0
        conflicts = session.scalar(select(func.count()).select_from(Conflict).where(Conflict.unit_code == unit.code,
                                                                                    Conflict.resolved_at.is_(None))) or 0
        assisted = _count(session, AssistedFiling, AssistedFiling.unit_code == unit.code)
        returned = {method: _count(session, ResultReturn, ResultReturn.unit_code == unit.code,
                                   ResultReturn.method == method.value) for method in ReturnMethod}
        result.append({"unit_code": unit.code, "unit_name": unit.name, "devices": devices, "dossiers": dossiers,
                       "receipts": receipt_totals(session, unit.code), "attachments": attachments, "blobs": blobs, "open_conflicts": conflicts,
                       "assisted_filings": assisted,
                       "guidance": _count(session, GuidanceRecord, GuidanceRecord.unit_code == unit.code),
                       "returned_at_desk": returned[ReturnMethod.DESK], "returned_by_post": returned[ReturnMethod.POST],
                       "posted_returned_to_sender": _count(session, ResultReturn, ResultReturn.unit_code == unit.code,
                                                           ResultReturn.shipment_state == ShipmentState.RETURNED.value),
                       "day_closes": _count(session, DayClose, DayClose.unit_code == unit.code),
                       "day_closes_with_difference": _count(session, DayClose, DayClose.unit_code == unit.code,
                                                            DayClose.difference != 0),
                       "stored_batches_waiting": session.scalar(
                           select(func.count()).select_from(StoredPush).join(Device, Device.id == StoredPush.device_id)
                           .where(Device.unit_code == unit.code, StoredPush.answered_at.is_(None))) or 0})
    return result

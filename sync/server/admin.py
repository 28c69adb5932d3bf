"""What the province's staff do on the server: units, enrolment codes, catalog, statuses, totals."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from counter_app.domain.catalog import procedure_to_dict
from counter_app.domain.codes import validate_unit_code
from counter_app.domain.lifecycle import Status, check_transition
from counter_app.domain.serialization import iso_instant
from counter_app.domain.text import nfc
from counter_app.services.catalog import read_catalog_file
from sync.protocol import ChangeKind
from sync.server.errors import ApiError
from sync.server.feed import append_change
from sync.server.models import (
    Attachment,
    ChangeFeed,
    Conflict,
    Device,
    Dossier,
    DossierEvent,
    ProcedureEntry,
    Unit,
)


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
    dossier.status = int(target)
    dossier.version += 1
    dossier.updated_at = now
    dossier.data = {**dossier.data, "status": int(target), "version": dossier.version}
    session.add(DossierEvent(dossier_id=dossier.id, from_status=int(current), to_status=int(target), at=now,
                             actor=actor, note=nfc(note), source="province"))
    append_change(session, unit_code=dossier.unit_code, kind=ChangeKind.DOSSIER_STATUS, entity_id=dossier.code,
                  payload={"code": dossier.code, "from": int(current), "status": int(target), "version": dossier.version,
                           "note": nfc(note), "actor": actor, "at": iso_instant(now)}, now=now)
    session.flush()
    return dossier


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


def allocate_number_range(session: Session, device_id: str, series: str, first: int, last: int, now: datetime) -> None:
    """Give one desk a block of numbers (a receipt book, postal item codes) that no other desk will use."""
    device = session.get(Device, device_id)
    if device is None:
        raise ApiError(404, "unknown_device", f"Không có quầy mã «{device_id}».")
    if not 0 < first <= last:
        raise ApiError(400, "bad_range", "Dải số phải có số đầu dương và không lớn hơn số cuối.")
    series = nfc(series)
    for change in session.scalars(select(ChangeFeed).where(ChangeFeed.kind == ChangeKind.NUMBER_RANGE.value)):
        other = change.payload
        if other.get("series") == series and not (last < int(other["first"]) or first > int(other["last"])):
            raise ApiError(409, "range_overlap",
                           f"Dải {first}–{last} của sổ «{series}» trùng với dải {other['first']}–{other['last']} đã cấp.")
    append_change(session, unit_code=device.unit_code, kind=ChangeKind.NUMBER_RANGE, entity_id=f"{series}:{first}",
                  payload={"device_id": device.id, "series": series, "first": first, "last": last}, now=now)


def set_desk_slot(session: Session, device_id: str, slot: int, now: datetime) -> Device:
    device = session.get(Device, device_id)
    if device is None:
        raise ApiError(404, "unknown_device", f"Không có quầy mã «{device_id}».")
    if not 0 <= slot <= 9:
        raise ApiError(400, "bad_slot", "Số quầy phải từ 0 đến 9.")
    taken = session.scalar(select(Device).where(Device.unit_code == device.unit_code, Device.desk_slot == slot,
                                               Device.revoked.is_(False), Device.id != device.id))
    if taken is not None:
        raise ApiError(409, "slot_taken", f"Số quầy {slot} đang thuộc một quầy khác của đơn vị.")
    device.desk_slot = slot
    append_change(session, unit_code=device.unit_code, kind=ChangeKind.DESK_SLOT, entity_id=device.id,
                  payload={"device_id": device.id, "desk_slot": slot}, now=now)
    return device


def unit_totals(session: Session) -> list[dict[str, Any]]:
    """Dossiers, attachments, blobs, devices and open conflicts per unit (`provincial-server stats`)."""
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
        result.append({"unit_code": unit.code, "unit_name": unit.name, "devices": devices, "dossiers": dossiers,
                       "receipts": 0, "attachments": attachments, "blobs": blobs, "open_conflicts": conflicts})
    return result

"""Device enrolment and tokens.

A supervisor gets a one-time, expiring enrolment code for a unit; the counter trades it for a device id,
a desk slot and a bearer token. Only hashes of codes and tokens are stored, so a copy of the server
database does not let anyone impersonate a counter.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from counter_app.domain.codes import MAX_DESK_SLOTS
from sync.server.errors import ApiError
from sync.server.models import Device, DeviceEpoch, EnrollmentCode, Unit

ENROLLMENT_CODE_TTL = timedelta(hours=24)
# Unambiguous letters and digits (no 0/O, 1/I/L): read aloud over the phone and typed at a counter.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10


def digest(secret: str) -> str:
    return hashlib.sha256(secret.strip().upper().encode("utf-8")).hexdigest()


def new_enrollment_code(session: Session, unit_code: str, now: datetime) -> tuple[str, datetime]:
    if session.get(Unit, unit_code) is None:
        raise ApiError(404, "unknown_unit", f"Không có đơn vị mã «{unit_code}» trên máy chủ tỉnh.")
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    expires = now + ENROLLMENT_CODE_TTL
    session.add(EnrollmentCode(code_hash=digest(code), unit_code=unit_code, expires_at=expires))
    return code, expires


def _free_slot(session: Session, unit_code: str, preferred: int | None) -> int:
    taken = set(
        session.scalars(select(Device.desk_slot).where(Device.unit_code == unit_code, Device.revoked.is_(False)))
    )
    if preferred is not None and preferred not in taken:
        return preferred
    for slot in range(MAX_DESK_SLOTS):
        if slot not in taken:
            return slot
    raise ApiError(
        409,
        "no_free_desk_slot",
        f"Đơn vị đã có đủ {MAX_DESK_SLOTS} quầy đang hoạt động; hãy thu hồi một quầy cũ trước khi đăng ký quầy mới.",
    )


def enroll(
    session: Session,
    code: str,
    device_name: str,
    app_version: str,
    now: datetime,
    preferred_slot: int | None = None,
    expected_unit: str | None = None,
) -> tuple[Device, str]:
    """Use a one-time code: returns the new device and its token (shown once, never stored)."""
    entry = session.get(EnrollmentCode, digest(code), with_for_update=True)
    if entry is None:
        raise ApiError(403, "bad_enrollment_code", "Mã đăng ký không đúng. Hãy kiểm tra lại mã do giám sát viên cấp.")
    if entry.used_at is not None:
        raise ApiError(403, "enrollment_code_used", "Mã đăng ký này đã được dùng. Hãy xin giám sát viên cấp mã mới.")
    if entry.expires_at <= now:
        raise ApiError(403, "enrollment_code_expired", "Mã đăng ký đã hết hạn. Hãy xin giám sát viên cấp mã mới.")
    if expected_unit and expected_unit != entry.unit_code:
        raise ApiError(
            403,
            "enrollment_code_wrong_unit",
            f"Mã đăng ký thuộc đơn vị {entry.unit_code}, nhưng quầy này là đơn vị {expected_unit}. "
            "Mã chưa bị dùng; hãy xin mã đăng ký đúng đơn vị.",
        )
    token = secrets.token_urlsafe(32)
    device = Device(
        id=str(uuid.uuid4()),
        unit_code=entry.unit_code,
        desk_slot=_free_slot(session, entry.unit_code, preferred_slot),
        token_hash=digest(token),
        name=device_name,
        app_version=app_version,
        revoked=False,
        enrolled_at=now,
    )
    session.add(device)
    entry.used_at = now
    entry.device_id = device.id
    session.flush()
    return device, token


def authenticate(session: Session, authorization: str | None, now: datetime) -> Device:
    if not authorization or not authorization.startswith("Bearer "):
        raise ApiError(401, "missing_token", "Thiếu mã xác thực của quầy; hãy đăng ký quầy với máy chủ tỉnh.")
    device = session.scalar(select(Device).where(Device.token_hash == digest(authorization[7:])))
    if device is None:
        raise ApiError(401, "bad_token", "Mã xác thực của quầy không hợp lệ; hãy đăng ký lại quầy.")
    if device.revoked:
        raise ApiError(403, "device_revoked", "Quầy này đã bị thu hồi quyền đồng bộ; hãy liên hệ giám sát viên.")
    device.last_seen_at = now
    return device


def epoch_row(session: Session, device: Device, epoch: str, now: datetime, base_seq: int = 0) -> DeviceEpoch:
    """The device's record for `epoch`, locked for this transaction; created at `base_seq` when new."""
    row = session.get(DeviceEpoch, (device.id, epoch), with_for_update=True)
    if row is None:
        row = DeviceEpoch(device_id=device.id, epoch=epoch, acked_seq=base_seq, started_at=now)
        session.add(row)
        session.flush()
    return row

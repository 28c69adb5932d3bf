"""Device enrolment, tokens and desk slots.

A supervisor gets a one-time, expiring enrolment code for a unit; the counter trades it for a device id,
a desk slot and a bearer token. Only hashes of codes and tokens are stored, so a copy of the server
database does not let anyone impersonate a counter:

- enrolment codes (10 characters a person reads aloud, ~2^49.5 possibilities) are stored as PBKDF2 with
  a random salt of this server (meta table), so a stolen database cannot be searched for a code before
  it expires (24 h);
- tokens are 256 random bits, so a plain SHA-256 of the exact token is enough; they are matched exactly
  (no case folding, no trimming) and compared in constant time.

Desk slots: the database allows one active device per (unit, slot) (a partial unique index), so two
counters enrolling in the same millisecond on PostgreSQL cannot get the same slot: the loser's insert
fails and it takes the next free slot.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from counter_app.domain.codes import MAX_DESK_SLOTS
from sync.server.errors import ApiError
from sync.server.models import DeskSlotHistory, Device, DeviceEpoch, EnrollmentCode, Meta, Unit

ENROLLMENT_CODE_TTL = timedelta(hours=24)
# Unambiguous letters and digits (no 0/O, 1/I/L): read aloud over the phone and typed at a counter.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10
# The salt of enrolment-code hashes, created by migration 0002 (hex of 32 random bytes).
ENROLLMENT_SALT_KEY = "enrollment_code_salt"
# 50 000 rounds cost ~20 ms per attempt here; a full search of 31^10 codes would then take centuries
# on a GPU, while a code lives 24 h. More rounds would mostly give attackers CPU to burn on the server.
ENROLLMENT_KDF_ROUNDS = 50_000
MAX_TOKEN_CHARS = 200
# `device.last_seen_at` is shown to supervisors to the minute: written only when it moved this much, so a sync
# (hello, push, pull within seconds) writes the device row once, not three times (issue 13: the fixed cost of
# a request, and a row lock each request of the same counter waited for).
LAST_SEEN_RESOLUTION = timedelta(minutes=1)
NO_FREE_SLOT_MESSAGE = (
    f"Đơn vị đã có đủ {MAX_DESK_SLOTS} quầy đang hoạt động; hãy thu hồi một quầy cũ trước khi đăng ký quầy mới."
)


def token_digest(token: str) -> str:
    """What is stored of a token: SHA-256 of the exact string (a token differing in case is another token)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _legacy_token_digest(token: str) -> str:
    """The schema-0001 hash of tokens and codes (trimmed, upper-cased); a token is accepted once through it."""
    return hashlib.sha256(token.strip().upper().encode("utf-8")).hexdigest()


def enrollment_code_hash(session: Session, code: str) -> str:
    """PBKDF2-HMAC-SHA256 of the code (as a person types it: trimmed, any case) with this server's salt."""
    salt = session.get(Meta, ENROLLMENT_SALT_KEY)
    if salt is None:  # pragma: no cover - migration 0002 creates it
        raise RuntimeError("the enrolment-code salt is missing: the database was not migrated")
    normalised = code.strip().upper().encode("utf-8")
    return hashlib.pbkdf2_hmac("sha256", normalised, bytes.fromhex(salt.value), ENROLLMENT_KDF_ROUNDS).hex()


def new_enrollment_code(session: Session, unit_code: str, now: datetime) -> tuple[str, datetime]:
    if session.get(Unit, unit_code) is None:
        raise ApiError(404, "unknown_unit", f"Không có đơn vị mã «{unit_code}» trên máy chủ tỉnh.")
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    expires = now + ENROLLMENT_CODE_TTL
    session.add(EnrollmentCode(code_hash=enrollment_code_hash(session, code), unit_code=unit_code, expires_at=expires))
    return code, expires


def free_slots(session: Session, unit_code: str) -> list[int]:
    """The unit's slots no active device holds right now, lowest first (a hint: the index decides)."""
    taken = set(
        session.scalars(select(Device.desk_slot).where(Device.unit_code == unit_code, Device.revoked.is_(False)))
    )
    return [slot for slot in range(MAX_DESK_SLOTS) if slot not in taken]


_SLOTS_HELD = select(DeskSlotHistory.desk_slot).where(DeskSlotHistory.device_id == bindparam("device"))


def slots_held(session: Session, device_id: str) -> set[int]:
    """Every desk slot the device holds or has held: dossier codes it issued under any of them are its own."""
    held = {slot for (slot,) in session.execute(_SLOTS_HELD, {"device": device_id})}
    device = session.get(Device, device_id)  # the request's own device: already in the session, no query
    if device is not None:
        held.add(device.desk_slot)
    return held


def record_slot(session: Session, device_id: str, slot: int, now: datetime) -> None:
    """Note that the device holds `slot` from now on (kept with its first date if it held it before)."""
    if session.get(DeskSlotHistory, (device_id, slot)) is None:
        session.add(DeskSlotHistory(device_id=device_id, desk_slot=slot, since=now))
        session.flush()


def _insert_in_free_slot(session: Session, make_device: Callable[[int], Device], unit_code: str,
                         preferred: int | None) -> Device:
    """Insert a new device in the preferred slot if free, else the lowest free one.

    Each try runs in a savepoint: if a concurrent enrolment committed the same slot first, the unique
    index refuses ours and we try the next free slot. Each refusal means another device took a slot,
    so after MAX_DESK_SLOTS refusals the unit is full.
    """
    for _ in range(MAX_DESK_SLOTS + 1):
        free = free_slots(session, unit_code)
        if not free:
            break
        slot = preferred if preferred in free else free[0]
        device = make_device(slot)
        try:
            with session.begin_nested():
                session.add(device)
                session.flush()
        except IntegrityError:
            preferred = None
            continue
        return device
    raise ApiError(409, "no_free_desk_slot", NO_FREE_SLOT_MESSAGE)


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
    entry = session.get(EnrollmentCode, enrollment_code_hash(session, code), with_for_update=True)
    if entry is None:
        # A code issued before migration 0002 (plain SHA-256, marked expired by it): say so, not "wrong".
        entry = session.get(EnrollmentCode, _legacy_token_digest(code))
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
    device_id = str(uuid.uuid4())

    def make_device(slot: int) -> Device:
        return Device(id=device_id, unit_code=entry.unit_code, desk_slot=slot, token_hash=token_digest(token),
                      token_legacy=False, name=device_name, app_version=app_version, revoked=False, enrolled_at=now)

    device = _insert_in_free_slot(session, make_device, entry.unit_code, preferred_slot)
    if preferred_slot is not None and preferred_slot != device.desk_slot:
        device.offline_slot = preferred_slot
    record_slot(session, device.id, device.desk_slot, now)
    entry.used_at = now
    entry.device_id = device.id
    session.flush()
    return device, token


def authenticate(session: Session, authorization: str | None, now: datetime) -> Device:
    if not authorization or not authorization.startswith("Bearer "):
        raise ApiError(401, "missing_token", "Thiếu mã xác thực của quầy; hãy đăng ký quầy với máy chủ tỉnh.")
    token = authorization[len("Bearer "):]
    device = _device_of_token(session, token, now) if 0 < len(token) <= MAX_TOKEN_CHARS else None
    if device is None:
        raise ApiError(401, "bad_token", "Mã xác thực của quầy không hợp lệ; hãy đăng ký lại quầy.")
    if device.revoked:
        raise ApiError(403, "device_revoked", "Quầy này đã bị thu hồi quyền đồng bộ; hãy liên hệ giám sát viên.")
    if device.last_seen_at is None or abs(now - device.last_seen_at) >= LAST_SEEN_RESOLUTION:
        device.last_seen_at = now
    return device


def _device_of_token(session: Session, token: str, now: datetime) -> Device | None:
    """The device whose token is exactly `token`; a schema-0001 hash is upgraded on its first use, and a
    token offered by rotation becomes the device's token on its first use (sync/server/token_rotation.py)."""
    from sync.server.token_rotation import complete_with  # it imports token_digest from here

    exact = token_digest(token)
    for _ in range(2):  # twice: a concurrent request may have just completed the rotation with this token
        device = session.scalar(select(Device).where(Device.token_hash == exact))
        if device is not None and hmac.compare_digest(device.token_hash, exact):
            device.token_legacy = False
            return device
        rotated = complete_with(session, exact, now)
        if rotated is not None:
            return rotated
    legacy = session.scalar(
        select(Device).where(Device.token_hash == _legacy_token_digest(token), Device.token_legacy.is_(True))
        .with_for_update()
    )
    if legacy is None or not hmac.compare_digest(legacy.token_hash, _legacy_token_digest(token)):
        return None
    # From now on only this exact spelling of the token is accepted.
    legacy.token_hash, legacy.token_legacy = exact, False
    session.flush()
    return legacy


def epoch_row(session: Session, device: Device, epoch: str, now: datetime, base_seq: int = 0) -> DeviceEpoch:
    """The device's record for `epoch`, locked for this transaction; created at `base_seq` when new."""
    row = session.get(DeviceEpoch, (device.id, epoch), with_for_update=True)
    if row is None:
        row = DeviceEpoch(device_id=device.id, epoch=epoch, acked_seq=base_seq, started_at=now)
        session.add(row)
        session.flush()
    return row

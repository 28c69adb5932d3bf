"""Device tokens rotated on a schedule without ever locking a counter out.

When a device's token is older than the rotation period, hello offers a new one (`HelloResponse.new_token`,
only to a counter that said it can take it). Only its hash is stored, in `device.next_token_hash`; the
current token keeps working. The counter stores the new token (keyring) before it uses it; the first
request made with it completes the rotation: it becomes the device's token and the previous one stops
working. So:

- an answer lost on the way (the proxy cut it): the counter still has the old token, which still works;
  its next hello is offered a fresh token (the lost one is forgotten: only one offer is pending);
- a counter stopped between storing and using the new token: its next request uses the new one, which
  is accepted (pending) and completes the rotation;
- a stolen old token stops working as soon as the counter has used the new one.

Each offer and each completion is a `token_rotation` row and a log line naming the device, never the token.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from sync.server.auth import token_digest
from sync.server.models import Device, TokenRotation

log = logging.getLogger(__name__)
DEFAULT_ROTATION_DAYS = 30.0
OFFERED, COMPLETED = "offered", "completed"


def is_due(device: Device, now: datetime, period: timedelta) -> bool:
    issued = device.token_issued_at or device.enrolled_at
    return now - issued >= period


def offer_if_due(session: Session, device: Device, now: datetime, period: timedelta) -> str | None:
    """A new token for `device` if its current one is due (its hash stored as the pending one), else None."""
    if not is_due(device, now, period):
        return None
    token = secrets.token_urlsafe(32)
    device.next_token_hash = token_digest(token)
    session.add(TokenRotation(device_id=device.id, event=OFFERED, at=now))
    session.flush()
    log.info("Quầy %s: đã gửi mã xác thực mới (chờ quầy dùng lần đầu)", device.id)
    return token


def complete_with(session: Session, digest: str, now: datetime) -> Device | None:
    """The device whose pending token has hash `digest`: the rotation is completed (its old token refused)."""
    device = session.scalar(select(Device).where(Device.next_token_hash == digest).with_for_update())
    if device is None:
        return None
    device.token_hash, device.next_token_hash = digest, None
    device.token_legacy, device.token_issued_at = False, now
    session.add(TokenRotation(device_id=device.id, event=COMPLETED, at=now))
    session.flush()
    log.info("Quầy %s: đã đổi sang mã xác thực mới; mã cũ hết hiệu lực", device.id)
    return device

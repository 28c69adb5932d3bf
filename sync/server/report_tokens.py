"""Report tokens: how a supervisor (or the province's reporting tool) reads reports over HTTP.

A report token is not a device token: it cannot push or pull, and a device token cannot read reports
(403), so a stolen counter cannot read the province's figures. A token is province-wide or bound to one
unit; like device tokens it is 256 random bits, shown once, and only its SHA-256 is stored
(`sync.server.auth.token_digest`), matched exactly and compared in constant time.
"""

from __future__ import annotations

import hmac
import secrets
import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sync.server.auth import MAX_TOKEN_CHARS, token_digest
from sync.server.errors import ApiError
from sync.server.models import Device, ReportToken, Unit

MAX_NAME_CHARS = 200


def create_report_token(session: Session, name: str, unit_code: str | None, now: datetime) -> tuple[ReportToken, str]:
    """A new token (returned once, never stored) for `unit_code`, or province-wide when None."""
    name = " ".join(name.split())
    if not name or len(name) > MAX_NAME_CHARS:
        raise ApiError(400, "bad_name", f"Tên của mã báo cáo phải có từ 1 đến {MAX_NAME_CHARS} ký tự.")
    if unit_code is not None and session.get(Unit, unit_code) is None:
        raise ApiError(404, "unknown_unit", f"Không có đơn vị mã «{unit_code}» trên máy chủ tỉnh.")
    token = secrets.token_urlsafe(32)
    row = ReportToken(id=str(uuid.uuid4()), name=name, unit_code=unit_code, token_hash=token_digest(token),
                      created_at=now, revoked=False)
    session.add(row)
    session.flush()
    return row, token


def report_tokens(session: Session) -> list[ReportToken]:
    return list(session.scalars(select(ReportToken).order_by(ReportToken.created_at, ReportToken.id)))


def revoke_report_token(session: Session, token_id: str) -> ReportToken:
    row = session.get(ReportToken, token_id.strip())
    if row is None:
        raise ApiError(404, "unknown_report_token", f"Không có mã báo cáo «{token_id[:40]}».")
    row.revoked = True
    return row


def authenticate_report(session: Session, authorization: str | None, now: datetime) -> ReportToken:
    """The report token of the request; 401 when missing or unknown, 403 for a revoked one or a device's."""
    if not authorization or not authorization.startswith("Bearer "):
        raise ApiError(401, "missing_token", "Thiếu mã báo cáo; hãy xin quản trị máy chủ tỉnh cấp mã báo cáo.")
    token = authorization[len("Bearer "):]
    digest = token_digest(token) if 0 < len(token) <= MAX_TOKEN_CHARS else ""
    row = session.scalar(select(ReportToken).where(ReportToken.token_hash == digest)) if digest else None
    if row is not None and hmac.compare_digest(row.token_hash, digest):
        if row.revoked:
            raise ApiError(403, "report_token_revoked", "Mã báo cáo này đã bị thu hồi; hãy xin mã mới.")
        row.last_used_at = now
        return row
    if digest and session.scalar(select(Device.id).where(Device.token_hash == digest)) is not None:
        raise ApiError(403, "device_token_refused",
                       "Mã xác thực của quầy không dùng để xem báo cáo; hãy dùng mã báo cáo do máy chủ tỉnh cấp.")
    raise ApiError(401, "bad_token", "Mã báo cáo không hợp lệ.")


def allowed_unit(token: ReportToken, requested: str | None) -> str | None:
    """The unit a request may read: a unit's token reads only its own unit (the default); a province-wide
    token reads the unit asked for, or every unit (None)."""
    if token.unit_code is None:
        return requested
    if requested is not None and requested != token.unit_code:
        raise ApiError(403, "unit_not_allowed",
                       f"Mã báo cáo này chỉ xem được báo cáo của đơn vị {token.unit_code}, không phải {requested[:40]}.")
    return token.unit_code

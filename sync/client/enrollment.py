"""Enrolling a counter with the provincial server: a one-time code traded for an identity and a token."""

from __future__ import annotations

import ipaddress
import platform
from dataclasses import dataclass
from urllib.parse import urlsplit

from counter_app import __version__
from counter_app.domain.errors import DomainError, ValidationError
from counter_app.services.clock import utc_now
from counter_app.services.credentials import check_secure_store, save_token
from counter_app.storage.database import Database
from counter_app.storage.profile import get_profile
from counter_app.storage.sync_store import record_enrolment
from sync.client.transport import Transport
from sync.protocol import EnrollRequest, EnrollResponse


class InsecureServerUrl(ValidationError):
    """A server address this counter will not send its token to (plain http:// over a network, or not a URL)."""

    def __init__(self, message: str) -> None:
        super().__init__("server_url", message, "Địa chỉ máy chủ")


def check_server_url(url: str, *, allow_insecure_http: bool = False) -> str:
    """The server address to use, or InsecureServerUrl saying why not (one rule for the CLI and the dialog).

    Tokens are bearer tokens: over plain http:// anyone on the path (a café Wi-Fi, a mobile operator's
    proxy) can read and reuse them. Plain http:// is accepted only to this machine itself (a test or a
    local server), or when the person enrolling says explicitly that the network is trusted.
    """
    address = url.strip()
    try:
        parts = urlsplit(address)
        host = parts.hostname
    except ValueError:  # e.g. an unclosed [IPv6 bracket
        host = None
    if host is None or parts.scheme.lower() not in ("http", "https"):
        raise InsecureServerUrl(
            "Địa chỉ máy chủ tỉnh phải có dạng https://tên-máy-chủ (ví dụ https://dongbo.buudien-tinh.vn)."
        )
    if any(ord(c) <= 0x20 or ord(c) == 0x7F for c in address):  # urlsplit drops a \n or \t silently
        raise InsecureServerUrl("Địa chỉ máy chủ tỉnh có khoảng trắng hoặc ký tự điều khiển ở giữa; hãy gõ lại địa chỉ, "
                                "ví dụ https://dongbo.buudien-tinh.vn.")
    if "@" in parts.netloc:  # never echoed: it may hold a password
        raise InsecureServerUrl(
            "Địa chỉ máy chủ tỉnh không được chứa tên đăng nhập hay mật khẩu (phần «…@» trước tên máy chủ): quầy tự "
            "xác thực bằng mã thiết bị, còn mật khẩu ghi trong địa chỉ sẽ hiện trên màn hình, trong nhật ký và gói "
            "chẩn đoán. Hãy bỏ phần đó rồi ghi lại địa chỉ."
        )
    if parts.query or parts.fragment or address.endswith(("?", "#")):
        raise InsecureServerUrl("Địa chỉ máy chủ tỉnh không được có phần «?…» hay «#…»; hãy ghi dạng "
                                "https://tên-máy-chủ, ví dụ https://dongbo.buudien-tinh.vn.")
    if parts.scheme.lower() == "https" or allow_insecure_http or _is_loopback(host):
        return address
    raise InsecureServerUrl(
        f"Không đăng ký qua «{address}»: địa chỉ http:// không mã hoá, mã xác thực của quầy (bearer token) sẽ đi "
        "qua mạng ở dạng ai cũng đọc được và dùng lại được. Hãy dùng địa chỉ https:// của máy chủ tỉnh; chỉ khi "
        "chắc chắn đây là mạng nội bộ tin cậy mới cho phép http:// (tuỳ chọn --insecure-http, hoặc ô «Cho phép "
        "http:// không mã hoá» trong hộp đăng ký)."
    )


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


@dataclass(frozen=True)
class Enrolment:
    device_id: str
    unit_code: str
    unit_name: str
    desk_slot: int
    slot_changed: bool


def enroll(db: Database, server_url: str, code: str, *, allow_insecure_http: bool = False,
           transport: Transport | None = None) -> Enrolment:
    """Enrol this counter. A counter not yet set up takes the server's unit; one that is must match it."""
    server_url = check_server_url(server_url, allow_insecure_http=allow_insecure_http)
    with db.read() as session:
        profile = get_profile(session)
        preferred = profile.desk_slot if profile else None
        local_unit = profile.unit_code if profile else None
    check_secure_store()  # the one-time code must not be spent on a token this machine cannot keep
    request = EnrollRequest(code=code.strip().upper(), device_name=platform.node()[:200], app_version=__version__,
                            desk_slot=preferred, expected_unit_code=local_unit)
    own = transport is None
    transport = transport or Transport(server_url)
    try:
        answer = transport.call("POST", "/enroll", EnrollResponse, json_body=request.model_dump(mode="json"))
    finally:
        if own:  # no idle connection left open to the server
            transport.close()
    if local_unit and local_unit != answer.unit_code:
        raise DomainError(
            f"Mã đăng ký thuộc đơn vị {answer.unit_code}, nhưng quầy này đang là đơn vị {local_unit}. "
            "Hãy xin mã đăng ký đúng đơn vị."
        )
    save_token(answer.device_id, answer.token)
    with db.write() as session:
        slot_changed = record_enrolment(session, server_url=server_url, device_id=answer.device_id,
                                        unit_code=answer.unit_code, unit_name=answer.unit_name,
                                        desk_slot=answer.desk_slot, server_epoch=answer.server_epoch, now=utc_now())
    return Enrolment(answer.device_id, answer.unit_code, answer.unit_name, answer.desk_slot, slot_changed)

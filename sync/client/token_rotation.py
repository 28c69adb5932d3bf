"""The counter's side of token rotation (the server's: sync/server/token_rotation.py).

Hello may carry a new token. It is written to the keyring and read back BEFORE the transport uses it:
the server keeps honouring the old token until the new one is used once, so whatever stops the counter
(a cut answer, a crash, a keyring that refuses the write) leaves it with a token the server accepts.
The token itself is never logged.

The token replaced is kept too (keyring, `save_previous_token`). A provincial server restored from a backup
taken before the rotation knows only that one and refuses the new one (401 bad_token): hello is then
tried once with the previous token, which, accepted, becomes the counter's token again (and the server,
seeing it due, offers a new one). No re-enrolment, and nothing unsent is lost.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import TypeVar

from counter_app.domain.errors import DomainError
from counter_app.services.credentials import load_previous_token, load_token, save_previous_token, save_token
from sync.client.transport import PermanentError, Transport
from sync.protocol import Capability, HelloResponse

log = logging.getLogger(__name__)
T = TypeVar("T")
CAPABILITY = Capability.TOKEN_ROTATION.value  # listed in HelloRequest.capabilities
# What the server issues (secrets.token_urlsafe(32) = 43 characters); anything else is not taken.
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{32,200}")


def adopt_offered_token(hello: HelloResponse, device_id: str, transport: Transport) -> bool:
    """Store the token `hello` offers, then make `transport` use it; True if the token was switched."""
    token = hello.new_token
    if not token:
        return False
    if not TOKEN_SHAPE.fullmatch(token) or token == transport.token:
        log.warning("Máy chủ tỉnh gửi mã xác thực mới không hợp lệ; quầy giữ mã hiện tại")
        return False
    try:
        save_previous_token(device_id, transport.token)
        save_token(device_id, token)
        stored = load_token(device_id)
    except DomainError as error:  # no keyring, or it refused: the old token still works, the server offers again
        log.warning("Không lưu được mã xác thực mới vào kho khóa (%s); quầy giữ mã hiện tại", type(error).__name__)
        return False
    if stored != token:
        log.warning("Kho khóa không giữ được mã xác thực mới; quầy giữ mã hiện tại")
        return False
    transport.token = token
    log.info("Đã lưu mã xác thực mới của quầy; mã cũ hết hiệu lực khi máy chủ nhận mã mới")
    return True


def call_with_previous_token(call: Callable[[], T], device_id: str, transport: Transport) -> T:
    """`call()` (hello); refused for the token, once more with the token the last rotation replaced, which
    is kept as the counter's token again if the server takes it (a server restored from a backup)."""
    try:
        return call()
    except PermanentError as error:
        previous = load_previous_token(device_id)
        if error.code != "bad_token" or not previous or previous == transport.token:
            raise
        current = transport.token
        transport.token = previous
        try:
            answer = call()
        except PermanentError:
            transport.token = current
            raise error from None
    log.warning("Máy chủ tỉnh chỉ nhận mã xác thực trước lần đổi mã gần nhất (máy chủ được khôi phục từ bản sao "
                "lưu?); quầy dùng lại mã đó")
    try:
        save_token(device_id, previous)
    except DomainError as failure:  # the previous one is still kept: the next run finds it the same way
        log.warning("Không lưu lại được mã xác thực vào kho khóa (%s)", type(failure).__name__)
    return answer

"""The counter's sync token, kept in the operating system's keyring (Windows Credential Manager …).

Never in a plaintext file of our own: where no keyring backend exists the counter says so and asks to
enrol again. A backend configured through keyring's own settings (PYTHON_KEYRING_BACKEND, keyringrc.cfg)
is honoured, which is how tests and unusual installations choose theirs.
"""

from __future__ import annotations

import contextlib

import keyring
from keyring.backends import fail
from keyring.errors import KeyringError

from counter_app.domain.errors import DomainError

SERVICE = "counter-app sync"


class NoSecureStore(DomainError):
    def __init__(self, detail: str = "") -> None:
        super().__init__(
            "Máy này không có kho lưu khóa an toàn (keyring) nên không giữ được mã xác thực của quầy. "
            "Hãy cài đặt hoặc bật trình quản lý mật khẩu của hệ điều hành rồi đăng ký lại quầy."
            + (f" ({detail})" if detail else "")
        )


class TokenMissing(DomainError):
    def __init__(self) -> None:
        super().__init__(
            "Không tìm thấy mã xác thực của quầy trong kho khóa của máy; hãy đăng ký lại quầy với máy chủ tỉnh."
        )


def backend_name() -> str:
    """Which store holds the token, shown to the supervisor (as Vorta does)."""
    backend = keyring.get_keyring()
    return f"{type(backend).__module__}.{type(backend).__name__}"


def _check_backend() -> None:
    if isinstance(keyring.get_keyring(), fail.Keyring):
        raise NoSecureStore()


def check_secure_store() -> None:
    """Raise NoSecureStore now if no keyring can hold a token (before an enrolment code is spent)."""
    _check_backend()


def save_token(device_id: str, token: str) -> None:
    _check_backend()
    try:
        keyring.set_password(SERVICE, device_id, token)
    except KeyringError as error:
        raise NoSecureStore(str(error)) from None


def load_token(device_id: str) -> str:
    _check_backend()
    try:
        token = keyring.get_password(SERVICE, device_id)
    except KeyringError as error:
        raise NoSecureStore(str(error)) from None
    if not token:
        raise TokenMissing()
    return token


def forget_token(device_id: str) -> None:
    with contextlib.suppress(KeyringError):
        keyring.delete_password(SERVICE, device_id)
    with contextlib.suppress(KeyringError):
        keyring.delete_password(SERVICE, _previous(device_id))


def _previous(device_id: str) -> str:
    return f"{device_id}/previous"


def save_previous_token(device_id: str, token: str) -> None:
    """Keep the token a rotation replaces: a provincial server restored from a backup taken before the
    rotation knows only that one (sync/client/token_rotation.py). The server refuses it otherwise."""
    save_token(_previous(device_id), token)


def load_previous_token(device_id: str) -> str | None:
    """The token the last rotation replaced, if one is kept (None: none, or no keyring)."""
    try:
        return load_token(_previous(device_id))
    except DomainError:
        return None

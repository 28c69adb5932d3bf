"""Clerk accounts: who may sign in at a desk, what they may do, how their passwords are kept.

Pure rules shared by the counter and the server (no I/O, no SQL). Passwords are kept as scrypt hashes
(memory-hard: a stolen database is costly to search) in one self-describing string,
`scrypt$<log2 n>$<r>$<p>$<salt b64>$<hash b64>`, so the parameters travel with the hash and can be raised
later. A hash coming from the network is checked against `PASSWORD_HASH_RE` and the parameter bounds
before anything computes with it: a forged `n` must not make a desk spend a gigabyte.

Lockout: `MAX_FAILED_ATTEMPTS` wrong passwords in a row lock the account for `LOCK_DURATION` at that
desk (kept in the desk's database, so a restart does not lift it).

Accounts sync to every desk of the unit. Which version of an account wins: the higher `version`, then
the later `changed_at`; `disabled` is sticky (once any desk disabled an account it stays disabled
everywhere, whatever a concurrent or stale change says): to let a person back in, a supervisor
creates a new username.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from counter_app.domain import labels
from counter_app.domain.errors import DomainError, ValidationError

MAX_FAILED_ATTEMPTS = 5
LOCK_DURATION = timedelta(minutes=5)
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 128
MAX_FULL_NAME_LENGTH = 120

USERNAME_RE = re.compile(r"[a-z][a-z0-9._-]{2,31}")
# scrypt with n = 2**14 or 2**15, r = 8, p = 1; a 16-byte salt and a 32-byte key (unpadded base64).
SCRYPT_LOG2_N = 14
SCRYPT_R = 8
SCRYPT_P = 1
ALLOWED_LOG2_N = (14, 15)
PASSWORD_HASH_RE = re.compile(r"scrypt\$(1[45])\$8\$1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}")
MAX_HASH_LENGTH = 100
_SCRYPT_MAXMEM = 64 * 1024 * 1024  # 128 * r * n at n = 2**15 is 32 MiB: OpenSSL's default limit is just below


class Role(StrEnum):
    SUPERVISOR = "supervisor"
    CLERK = "clerk"

    @property
    def label(self) -> str:
        return {"supervisor": "Giám sát viên", "clerk": "Nhân viên tiếp nhận"}[self.value]


@dataclass(frozen=True)
class Account:
    """An account as the services hand it out: never the hash."""

    username: str
    full_name: str
    role: Role
    disabled: bool = False

    @property
    def is_supervisor(self) -> bool:
        return self.role is Role.SUPERVISOR and not self.disabled


@dataclass(frozen=True)
class AccountVersion:
    """What syncs of an account: enough to decide which of two versions wins."""

    username: str
    full_name: str
    role: Role
    password_hash: str
    disabled: bool
    version: int
    changed_at: datetime


def validate_username(value: str) -> str:
    username = value.strip().lower()
    if not USERNAME_RE.fullmatch(username):
        raise ValidationError(
            "username",
            f"Tên đăng nhập «{value.strip()[:40]}» không hợp lệ: 3–32 ký tự, bắt đầu bằng chữ cái, chỉ gồm chữ "
            "không dấu, số và . _ -",
            "Tên đăng nhập",
        )
    return username


def validate_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError("password", f"Mật khẩu phải có ít nhất {MIN_PASSWORD_LENGTH} ký tự.", "Mật khẩu")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationError("password", f"Mật khẩu dài quá {MAX_PASSWORD_LENGTH} ký tự.", "Mật khẩu")
    if password != password.strip():
        raise ValidationError("password", "Mật khẩu không được bắt đầu hay kết thúc bằng khoảng trắng.", "Mật khẩu")
    return password


def parse_role(value: str) -> Role:
    try:
        return Role(value.strip().lower())
    except ValueError:
        raise ValidationError("role", f"Vai trò «{value[:40]}» không hợp lệ (supervisor hoặc clerk).", "Vai trò") from None


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4))


def _scrypt(password: str, salt: bytes, log2_n: int) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=2**log2_n, r=SCRYPT_R, p=SCRYPT_P,
                          maxmem=_SCRYPT_MAXMEM, dklen=32)


def hash_password(password: str, *, log2_n: int = SCRYPT_LOG2_N) -> str:
    """The stored form of a new password (a fresh random salt each time)."""
    if log2_n not in ALLOWED_LOG2_N:
        raise ValueError("scrypt n outside the allowed range")
    salt = secrets.token_bytes(16)
    return f"scrypt${log2_n}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(_scrypt(password, salt, log2_n))}"


def is_password_hash(value: object) -> bool:
    """True for a string of our hash format with allowed parameters (the only kind a desk computes with)."""
    return isinstance(value, str) and len(value) <= MAX_HASH_LENGTH and PASSWORD_HASH_RE.fullmatch(value) is not None


def verify_password(password: str, stored: str) -> bool:
    """Whether `password` matches the stored hash; a malformed hash matches nothing."""
    if not is_password_hash(stored) or len(password) > MAX_PASSWORD_LENGTH:
        return False
    _, log2_n, _r, _p, salt, digest = stored.split("$")
    computed = _scrypt(password, _unb64(salt), int(log2_n))
    return hmac.compare_digest(computed, _unb64(digest))


def clean_full_name(value: str) -> str:
    name = " ".join(value.split())
    if not name:
        raise ValidationError("full_name", f"{labels.FULL_NAME}: không được để trống.", labels.FULL_NAME)
    if len(name) > MAX_FULL_NAME_LENGTH:
        raise ValidationError("full_name", f"{labels.FULL_NAME} dài quá {MAX_FULL_NAME_LENGTH} ký tự.", labels.FULL_NAME)
    return name


def merged(current: AccountVersion | None, incoming: AccountVersion) -> AccountVersion:
    """The version of an account to keep when `incoming` arrives (same rule on every desk and the server).

    The higher (version, changed_at, hash) wins, so every replica picks the same one whatever the order
    of arrival; `disabled` is kept if either side has it.
    """
    if current is None:
        return incoming
    if current.username != incoming.username:
        raise DomainError("Không gộp được hai tài khoản khác tên đăng nhập.")
    key = (incoming.version, incoming.changed_at, incoming.password_hash)
    winner = incoming if key > (current.version, current.changed_at, current.password_hash) else current
    disabled = current.disabled or incoming.disabled
    if winner.disabled == disabled:
        return winner
    return AccountVersion(winner.username, winner.full_name, winner.role, winner.password_hash, disabled,
                          winner.version, winner.changed_at)


def version_payload(version: AccountVersion) -> dict[str, Any]:
    """The payload of an `account.upsert` operation, and of the server's feed entry for it."""
    return {"username": version.username, "full_name": version.full_name, "role": version.role.value,
            "password_hash": version.password_hash, "disabled": version.disabled, "version": version.version,
            "changed_at": version.changed_at.isoformat()}


def version_from_payload(payload: Any) -> AccountVersion:
    """An account version from a payload already checked (`operations.AccountUpsertPayload`, or a dict
    that passed `check_payload`)."""
    get = payload.get if isinstance(payload, dict) else lambda key: getattr(payload, key)
    return AccountVersion(get("username"), get("full_name"), Role(get("role")), get("password_hash"),
                          bool(get("disabled")), int(get("version")), datetime.fromisoformat(get("changed_at")))

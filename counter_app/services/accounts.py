"""Clerk accounts: sign in (offline, with lockout), and the supervisor's work on accounts.

Who acts is a username the caller has authenticated: the GUI through its sign-in dialog, the CLI by
asking the password (`counter-app … --clerk USERNAME`). The services check what that account may do
(enabled; a supervisor for accounts, unit settings and late entries) and name it in what they write.

Every change of an account is queued as an `account.upsert` operation in the same transaction, so the
other desks of the unit learn it through the provincial server. Hashing (scrypt, ~0.1 s) is done before
the write transaction opens, never while it holds SQLite's write lock.

A counter with no account at all (set up before accounts existed) still works as before, with the
clerk's name from the unit profile, until its first supervisor account is created.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from counter_app.domain.accounts import (
    LOCK_DURATION,
    MAX_FAILED_ATTEMPTS,
    Account,
    AccountVersion,
    Role,
    clean_full_name,
    hash_password,
    parse_role,
    validate_password,
    validate_username,
    verify_password,
    version_payload,
)
from counter_app.domain.errors import DomainError
from counter_app.domain.formats import office_hhmm
from counter_app.domain.operations import OpType
from counter_app.domain.validation import ErrorCollector
from counter_app.services.clock import utc_now
from counter_app.storage.accounts import (
    account_rows,
    get_account_row,
    has_accounts,
    store_version,
    to_account,
    to_version,
)
from counter_app.storage.database import Database
from counter_app.storage.outbox import append_operation

WRONG_CREDENTIALS = "Sai tên đăng nhập hoặc mật khẩu."
# Verified when the username is unknown, so a wrong name takes as long as a wrong password.
_DUMMY_HASH = hash_password("không có tài khoản này")


class SignInRefused(DomainError):
    """Sign-in refused; `reason` is "wrong", "locked" or "disabled"."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class NotAllowed(DomainError):
    """The signed-in account may not do this (not a supervisor, disabled, unknown)."""


def any_account(db: Database) -> bool:
    """Whether this counter has accounts (then every action needs a signed-in clerk)."""
    with db.read() as session:
        return has_accounts(session)


def list_accounts(db: Database) -> list[Account]:
    with db.read() as session:
        return [to_account(row) for row in account_rows(session)]


def active_account(session: Session, username: str) -> Account:
    """The enabled account `username` (inside the caller's transaction), else `NotAllowed`."""
    row = get_account_row(session, username.strip().lower())
    if row is None:
        raise NotAllowed(f"Không có tài khoản «{username.strip()[:40]}» tại đơn vị này.")
    if row.disabled:
        raise NotAllowed(f"Tài khoản «{row.username}» đã bị vô hiệu hóa.")
    return to_account(row)


def supervisor_account(session: Session, username: str, action: str) -> Account:
    account = active_account(session, username)
    if account.role is not Role.SUPERVISOR:
        raise NotAllowed(f"Chỉ giám sát viên mới được {action}; «{account.username}» là {account.role.label.lower()}.")
    return account


def require_supervisor(db: Database, username: str, action: str) -> Account:
    """The enabled supervisor `username` (signed in by the caller), else `NotAllowed` naming `action`."""
    with db.read() as session:
        return supervisor_account(session, username, action)


def sign_in(db: Database, username: str, password: str, *, now: datetime | None = None) -> Account:
    """The account if `password` is right; else `SignInRefused` (5 wrong in a row lock it 5 minutes here)."""
    now = now or utc_now()
    name = username.strip().lower()
    with db.read() as session:
        row = get_account_row(session, name)
        stored = row.password_hash if row is not None else _DUMMY_HASH
        locked_until = row.locked_until if row is not None else None
    if locked_until is not None and now < locked_until:
        raise _locked(name, locked_until, now)
    good = verify_password(password, stored) and row is not None
    with db.write() as session:  # the count must be committed: refusals are raised after the block
        refusal, account = _record_attempt(session, name, good, now)
    if refusal is not None:
        raise refusal
    assert account is not None
    return account


def _record_attempt(session: Session, name: str, good: bool, now: datetime) -> tuple[SignInRefused | None, Account | None]:
    row = get_account_row(session, name)
    if row is None:
        return SignInRefused(WRONG_CREDENTIALS, "wrong"), None
    if row.locked_until is not None and now < row.locked_until:  # locked by a sign-in racing this one
        return _locked(name, row.locked_until, now), None
    if not good:
        row.failed_attempts = (row.failed_attempts if row.locked_until is None else 0) + 1
        row.locked_until = None
        if row.failed_attempts >= MAX_FAILED_ATTEMPTS:
            row.failed_attempts = 0
            row.locked_until = now + LOCK_DURATION
            return SignInRefused(f"Nhập sai mật khẩu {MAX_FAILED_ATTEMPTS} lần: tài khoản «{name}» bị tạm khóa đến "
                                 f"{office_hhmm(row.locked_until)}.", "locked"), None
        left = MAX_FAILED_ATTEMPTS - row.failed_attempts
        return SignInRefused(f"{WRONG_CREDENTIALS} Còn {left} lần thử trước khi tài khoản bị tạm khóa "
                             f"{int(LOCK_DURATION.total_seconds() // 60)} phút.", "wrong"), None
    row.failed_attempts, row.locked_until = 0, None
    if row.disabled:
        return SignInRefused(f"Tài khoản «{name}» đã bị vô hiệu hóa; hãy gặp giám sát viên.", "disabled"), None
    return None, to_account(row)


def _locked(name: str, until: datetime, now: datetime) -> SignInRefused:
    minutes = max(1, int((until - now).total_seconds() + 59) // 60)
    return SignInRefused(
        f"Tài khoản «{name}» đang tạm khóa vì nhập sai mật khẩu {MAX_FAILED_ATTEMPTS} lần; hãy thử lại sau "
        f"{office_hhmm(until)} (còn khoảng {minutes} phút).", "locked")


def _queue(session: Session, version: AccountVersion, now: datetime, *, by: str,
           before: AccountVersion | None = None) -> None:
    """Keep `version` and queue it; the audit row names `by` (who changed the account) and what it was."""
    kept = store_version(session, version)
    was = None if before is None else {"full_name": before.full_name, "role": before.role.value,
                                       "disabled": before.disabled, "version": before.version}
    append_operation(session, entity="account", entity_id=kept.username, op_type=OpType.ACCOUNT_UPSERT,
                     payload=version_payload(kept), now=now, actor=by, audit_before=was)


def check_account_fields(*, username: str, full_name: str, role: str | Role, password: str) -> tuple[str, str, Role]:
    """The clean username, full name and role, or every bad field at once (nothing is written here).

    Setup calls it before writing the unit, so that a bad first account saves nothing."""
    with ErrorCollector() as check:
        name = check(validate_username, username)
        full = check(clean_full_name, full_name)
        kind = check(parse_role, str(role))
        check(validate_password, password)
    assert name is not None and full is not None and kind is not None
    return name, full, kind


def create_account(db: Database, *, username: str, full_name: str, role: str | Role, password: str,
                   by: str | None, now: datetime | None = None) -> Account:
    """Add an account. `by`: the signed-in supervisor; None only for the first account, a supervisor."""
    now = now or utc_now()
    name, full, kind = check_account_fields(username=username, full_name=full_name, role=role, password=password)
    digest = hash_password(password)
    with db.write() as session:
        if by is None:
            if has_accounts(session):
                raise NotAllowed("Đơn vị đã có tài khoản: chỉ giám sát viên đã đăng nhập mới thêm được tài khoản.")
            if kind is not Role.SUPERVISOR:
                raise NotAllowed("Tài khoản đầu tiên của quầy phải là giám sát viên.")
        else:
            supervisor_account(session, by, "thêm tài khoản")
        if get_account_row(session, name) is not None:
            raise DomainError(f"Tên đăng nhập «{name}» đã có; hãy chọn tên khác.")
        _queue(session, AccountVersion(name, full, kind, digest, False, 1, now), now,
               by=name if by is None else by.strip().lower())
        return to_account(get_account_row(session, name))  # type: ignore[arg-type]


def change_password(db: Database, username: str, new_password: str, *, by: str,
                    now: datetime | None = None) -> Account:
    """A new password, set by a supervisor or by the account's own holder; the lock here is lifted."""
    now = now or utc_now()
    validate_password(new_password)
    digest = hash_password(new_password)
    name = username.strip().lower()
    with db.write() as session:
        if by.strip().lower() != name:
            supervisor_account(session, by, "đặt lại mật khẩu của người khác")
        target = active_account(session, name)
        row = get_account_row(session, target.username)
        assert row is not None
        current = to_version(row)
        _queue(session, AccountVersion(current.username, current.full_name, current.role, digest, current.disabled,
                                       current.version + 1, max(now, current.changed_at)), now,
               by=by.strip().lower(), before=current)
        row.failed_attempts, row.locked_until = 0, None
        return to_account(row)


def disable_account(db: Database, username: str, *, by: str, now: datetime | None = None) -> Account:
    """Nobody can sign in with the account any more, at any desk of the unit (final: see domain.accounts)."""
    now = now or utc_now()
    name = username.strip().lower()
    with db.write() as session:
        actor = supervisor_account(session, by, "vô hiệu hóa tài khoản")
        if actor.username == name:
            raise NotAllowed("Giám sát viên không tự vô hiệu hóa tài khoản của mình được.")
        row = get_account_row(session, name)
        if row is None:
            raise NotAllowed(f"Không có tài khoản «{name}» tại đơn vị này.")
        current = to_version(row)
        _queue(session, AccountVersion(current.username, current.full_name, current.role, current.password_hash, True,
                                       current.version + 1, max(now, current.changed_at)), now,
               by=actor.username, before=current)
        return to_account(row)


DEMO_SUPERVISOR = "demo"
DEMO_PASSWORD = "demo-1234"  # the sample unit only (`counter-app --demo`); a real unit never has it


def demo_clerk(db: Database, full_name: str = "Trần Thị Mai") -> Account:
    """The sample unit's supervisor, created on its first start, so the demo opens signed in."""
    with db.read() as session:
        row = get_account_row(session, DEMO_SUPERVISOR)
        if row is not None:
            return to_account(row)
    return create_account(db, username=DEMO_SUPERVISOR, full_name=full_name, role=Role.SUPERVISOR,
                          password=DEMO_PASSWORD, by=None)

"""Clerk account rows: read, write a version (local or pulled), count failed sign-ins.

Every function runs inside the caller's transaction.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from counter_app.domain.accounts import Account, AccountVersion, Role, merged
from counter_app.storage.models import ClerkAccount


def get_account_row(session: Session, username: str) -> ClerkAccount | None:
    return session.get(ClerkAccount, username)


def account_rows(session: Session) -> list[ClerkAccount]:
    return list(session.scalars(select(ClerkAccount).order_by(ClerkAccount.role.desc(), ClerkAccount.username)))


def has_accounts(session: Session) -> bool:
    return (session.scalar(select(func.count()).select_from(ClerkAccount)) or 0) > 0


def to_account(row: ClerkAccount) -> Account:
    return Account(username=row.username, full_name=row.full_name, role=Role(row.role), disabled=row.disabled)


def to_version(row: ClerkAccount) -> AccountVersion:
    return AccountVersion(row.username, row.full_name, Role(row.role), row.password_hash, row.disabled, row.version,
                          row.changed_at)


def store_version(session: Session, incoming: AccountVersion) -> AccountVersion:
    """Keep the winner of the stored version and `incoming`; this desk's failed-attempt count stays."""
    row = get_account_row(session, incoming.username)
    keep = merged(to_version(row) if row is not None else None, incoming)
    if row is None:
        row = ClerkAccount(username=keep.username, failed_attempts=0, locked_until=None)
        session.add(row)
    row.full_name, row.role, row.password_hash = keep.full_name, keep.role.value, keep.password_hash
    row.disabled, row.version, row.changed_at = keep.disabled, keep.version, keep.changed_at
    session.flush()
    return keep

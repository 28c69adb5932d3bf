"""A supervisor's budget of wrong passwords, kept in the database so every server process shares it (issue 13).

A conflict's resolution carries the supervisor's password, checked with scrypt (~0.1 s and 16 MB each). A desk
must not guess it, nor keep the server hashing, faster than a person types: 5 wrong passwords in a row for
one supervisor of one unit, then one more a minute. Kept in one process's memory, `serve --workers 4` gave
a guesser four budgets; here it is one row per supervisor (`PasswordBudget`).

The row holds one instant, `charged_until` (the generic cell rate algorithm): each wrong password pushes it
one interval past the later of itself and now, in one INSERT … ON CONFLICT DO UPDATE, so wrong passwords
sent at once through different workers are all counted (never a read, then a write another overtook). A try
is allowed while `charged_until` is at most (burst - 1) intervals ahead of now. The budget is checked before
the hash and charged only after a wrong password: desks deciding at once with the right one never turn each
other away, and wrong ones sent at once all fall due (the instant moves further ahead and refuses longer).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from sync.protocol_conflicts import TOO_MANY_PASSWORDS
from sync.server.bulk_insert import upsert
from sync.server.guard_admission import Refusal
from sync.server.models import PasswordBudget
from sync.server.ratelimit import retry_after

BURST = 5  # wrong passwords in a row for one supervisor…
INTERVAL_SECONDS = 60.0  # …then one more a minute


class PasswordBudgets:
    """Every supervisor's budget, read and charged in the caller's session; `clock` gives seconds since the
    epoch (the workers of one server share the machine's clock)."""

    def __init__(self, burst: int = BURST, interval_seconds: float = INTERVAL_SECONDS,
                 clock: Callable[[], float] = time.time) -> None:
        self.burst = burst
        self.interval = interval_seconds
        self.clock = clock

    def check(self, session: Session, unit_code: str, username: str) -> None:
        """Refuses (429, with Retry-After) a supervisor whose budget is spent; reads only."""
        charged_until = session.scalar(select(PasswordBudget.charged_until).where(
            PasswordBudget.unit_code == unit_code, PasswordBudget.username == username))
        if charged_until is None:
            return
        wait = charged_until - self.clock() - (self.burst - 1) * self.interval
        if wait > 0:
            seconds = retry_after(wait)
            raise Refusal(429, TOO_MANY_PASSWORDS,
                          f"Đã nhập sai mật khẩu giám sát viên nhiều lần; hãy thử lại sau {seconds} giây.",
                          {"Retry-After": seconds})

    def charge(self, session: Session, unit_code: str, username: str) -> None:
        """One wrong password of an existing supervisor account, counted atomically."""
        now = self.clock()
        table = PasswordBudget.__table__
        current = table.c.charged_until
        statement = upsert(session.get_bind().dialect.name, table).values(
            unit_code=unit_code, username=username, charged_until=now + self.interval)
        session.execute(statement.on_conflict_do_update(
            index_elements=[table.c.unit_code, table.c.username],
            set_={"charged_until": case((current > now, current), else_=now) + self.interval}))

"""GET /api/v1/sync/conflicts and POST /api/v1/sync/conflicts/{id}/resolution (issue 13, R).

Device-authenticated like every sync path (guard.py checks the token, the rate limits and the body's
bounds before these run); a device sees and decides only its own unit's conflicts. sync/server/conflicts.py
holds the rules; sync/protocol_conflicts.py the shapes.

A decision carries the supervisor's password, checked with scrypt (~0.1 s and 16 MB each): wrong passwords
for one supervisor of one unit are budgeted (`PasswordFailures`), so a desk cannot guess, nor keep the
server hashing, faster than a person types. The budget is per server process: with N workers, N times it.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Annotated

from fastapi import FastAPI, Header, Path, Query

from counter_app.domain.payload_fields import MAX_INT64
from sync.protocol import API_PREFIX, ErrorResponse
from sync.protocol_conflicts import (
    TOO_MANY_PASSWORDS,
    WRONG_PASSWORD,
    ConflictPage,
    ConflictState,
    ConflictView,
    ResolutionRequest,
)
from sync.server.auth import authenticate
from sync.server.conflicts import MAX_PAGE, conflict_page, resolve_conflict
from sync.server.db import ServerDatabase
from sync.server.errors import ApiError
from sync.server.guard_admission import Refusal
from sync.server.ratelimit import TokenBuckets, retry_after

ERRORS = {status: {"model": ErrorResponse} for status in (400, 401, 403, 404, 409, 413, 422, 429)}
PASSWORD_FAILURES_BURST = 5  # wrong passwords in a row for one supervisor…
PASSWORD_FAILURES_PER_SECOND = 1 / 60  # …then one more a minute


class PasswordFailures:
    """A supervisor's budget of wrong passwords: checked before the hash, charged only after a wrong one. So
    desks deciding at once with the right password never turn each other away, and wrong guesses sent at
    once all fall due (the balance goes into debt and refills like any other)."""

    def __init__(self, burst: int = PASSWORD_FAILURES_BURST, per_second: float = PASSWORD_FAILURES_PER_SECOND) -> None:
        self._buckets = TokenBuckets(burst, per_second)
        self._lock = threading.Lock()  # the endpoint runs in the thread pool

    def check(self, key: tuple[str, str]) -> None:
        with self._lock:
            verdict = self._buckets.ready(key)
        if not verdict.allowed:
            seconds = retry_after(verdict.wait)
            raise Refusal(429, TOO_MANY_PASSWORDS,
                          f"Đã nhập sai mật khẩu giám sát viên nhiều lần; hãy thử lại sau {seconds} giây.",
                          {"Retry-After": seconds})

    def charge(self, key: tuple[str, str]) -> None:
        with self._lock:
            self._buckets.owe(key, 1)


def install_conflict_routes(app: FastAPI, db: ServerDatabase) -> None:
    failures = PasswordFailures()

    @app.get(f"{API_PREFIX}/sync/conflicts", responses=ERRORS)
    def conflicts(state: Annotated[ConflictState, Query()] = ConflictState.OPEN,
                  after: Annotated[int, Query(ge=0, le=MAX_INT64)] = 0,
                  limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
                  authorization: Annotated[str | None, Header()] = None) -> ConflictPage:
        with db.session() as s:
            me = authenticate(s, authorization, datetime.now(UTC))
            return conflict_page(s, me, state, after, limit)

    @app.post(f"{API_PREFIX}/sync/conflicts/{{conflict_id}}/resolution", responses=ERRORS)
    def resolution(conflict_id: Annotated[int, Path(ge=1, le=MAX_INT64)], request: ResolutionRequest,
                   authorization: Annotated[str | None, Header()] = None) -> ConflictView:
        with db.session() as s:
            me = authenticate(s, authorization, datetime.now(UTC))
            key = (me.unit_code, request.supervisor_username)
            failures.check(key)
            try:
                view = resolve_conflict(s, me, conflict_id, request, datetime.now(UTC))
            except ApiError as error:
                if error.code == WRONG_PASSWORD:
                    failures.charge(key)
                raise
        return view

"""GET /api/v1/sync/conflicts and POST /api/v1/sync/conflicts/{id}/resolution (issue 13, R).

Device-authenticated like every sync path (guard.py checks the token, the rate limits and the body's
bounds before these run); a device sees and decides only its own unit's conflicts. sync/server/conflicts.py
holds the rules; sync/protocol_conflicts.py the shapes.

A decision carries the supervisor's password, checked with scrypt (~0.1 s and 16 MB each): wrong passwords
for one supervisor of one unit are budgeted in the database, one budget shared by every worker
(sync/server/password_budget.py), so a desk cannot guess, nor keep the server hashing, faster than a person
types.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import FastAPI, Header, Path, Query

from counter_app.domain.payload_fields import MAX_INT64
from counter_app.services.clock import utc_now
from sync.protocol import API_PREFIX, ErrorResponse
from sync.protocol_conflicts import (
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
from sync.server.password_budget import PasswordBudgets

ERRORS = {status: {"model": ErrorResponse} for status in (400, 401, 403, 404, 409, 413, 422, 429)}


def install_conflict_routes(app: FastAPI, db: ServerDatabase) -> None:
    budgets = PasswordBudgets()

    @app.get(f"{API_PREFIX}/sync/conflicts", responses=ERRORS)
    def conflicts(state: Annotated[ConflictState, Query()] = ConflictState.OPEN,
                  after: Annotated[int, Query(ge=0, le=MAX_INT64)] = 0,
                  limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
                  authorization: Annotated[str | None, Header()] = None) -> ConflictPage:
        with db.session() as s:
            me = authenticate(s, authorization, utc_now())
            return conflict_page(s, me, state, after, limit)

    @app.post(f"{API_PREFIX}/sync/conflicts/{{conflict_id}}/resolution", responses=ERRORS)
    def resolution(conflict_id: Annotated[int, Path(ge=1, le=MAX_INT64)], request: ResolutionRequest,
                   authorization: Annotated[str | None, Header()] = None) -> ConflictView:
        unit_code = ""
        try:
            with db.session() as s:
                me = authenticate(s, authorization, utc_now())
                unit_code = me.unit_code
                budgets.check(s, unit_code, request.supervisor_username)
                view = resolve_conflict(s, me, conflict_id, request, utc_now())
        except ApiError as error:
            if error.code == WRONG_PASSWORD:  # charged in its own transaction: the decision's was rolled back
                with db.session() as s:
                    budgets.charge(s, unit_code, request.supervisor_username)
            raise
        return view

"""The wire format of a supervisor's conflict resolutions (issue 13, R), next to sync/protocol.py.

    GET  /sync/conflicts?state=open|resolved&after=ID  -            -> ConflictPage     the unit's conflicts
    POST /sync/conflicts/{id}/resolution   ResolutionRequest        -> ConflictView     decided once (409 after)

A resolution is told to every desk of the unit through the change feed (kind `conflict_resolution`,
payload `ResolutionNotice`), served only to counters that ask for it (`GET /sync/pull?resolutions=1`):
a counter of an older version would refuse a page holding a kind it does not know.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, StrictStr

from counter_app.domain.accounts import MAX_PASSWORD_LENGTH
from counter_app.domain.conflicts import Resolution
from counter_app.domain.payload_fields import bounded_text
from sync.protocol import Model, Request

__all__ = [
    "TOO_MANY_PASSWORDS",
    "WRONG_PASSWORD",
    "ConflictPage",
    "ConflictState",
    "ConflictView",
    "Resolution",
    "ResolutionNotice",
    "ResolutionRequest",
    "ResolutionView",
    "Side",
]

MAX_NOTE = 500
MAX_MERGE_FIELDS = 40
# Error codes of a decision whose supervisor password the province did not accept (403, then 429).
WRONG_PASSWORD = "wrong_supervisor_password"
TOO_MANY_PASSWORDS = "too_many_password_attempts"
CONFLICT_RESOLUTION_KIND = "conflict_resolution"  # the change-feed kind (ChangeKind.CONFLICT_RESOLUTION)


class Side(StrEnum):
    SERVER = "server"
    COUNTER = "counter"


class ConflictState(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class ResolutionRequest(Request):
    # strict=False on the enums only: their value is a JSON string (strict mode wants the enum object)
    resolution: Annotated[Resolution, Field(strict=False)]
    supervisor_username: bounded_text(32, required=True)
    # The supervisor's own password, typed again for this decision: the province checks it against the
    # account's hash, so a desk cannot decide in the name of a supervisor who is not there. Never kept, never shown.
    # (A lone surrogate, which UTF-8 cannot encode, never gets here: the guard refuses it with the JSON.)
    supervisor_password: Annotated[StrictStr, Field(min_length=1, max_length=MAX_PASSWORD_LENGTH, repr=False)]
    note: bounded_text(MAX_NOTE, required=True)
    # merge only: the dossier fields taken from one side (those left out keep the province's value)
    fields: Annotated[dict[Annotated[bounded_text(64, required=True), Field(min_length=1)],
                                 Annotated[Side, Field(strict=False)]],
                      Field(max_length=MAX_MERGE_FIELDS)] = Field(default_factory=dict)


class ResolutionView(Model):
    resolution: Resolution
    supervisor_username: str
    supervisor_name: str
    note: str
    fields: dict[str, Side] = Field(default_factory=dict)
    effect: dict[str, Any] = Field(default_factory=dict)
    resolved_at: str
    device_id: str


class ConflictView(Model):
    id: int
    code: str  # duplicate_code, duplicate_id, status_conflict, day_already_closed, receipt_in_closed_day, ...
    title: str  # Vietnamese: what happened
    dossier_code: str
    device_id: str
    op_id: str
    created_at: str
    server: dict[str, Any] | None  # the province's version (None: nothing to show)
    counter: dict[str, Any] | None  # the counter's version
    choices: list[Resolution]  # what this kind of conflict can be resolved with
    mergeable: list[str] = Field(default_factory=list)  # fields a merge may take from the counter
    resolution: ResolutionView | None = None


class ConflictPage(Model):
    state: ConflictState
    conflicts: list[ConflictView]
    next_after: int | None = None


class ResolutionNotice(Model):
    """What the desks of the unit learn from the feed: which operation was decided, how and by whom."""

    conflict_id: int
    op_id: str
    device_id: str
    code: str
    dossier_code: str
    resolution: Resolution
    supervisor_username: str
    supervisor_name: str
    note: str
    at: str
    # {"status", "version"[, "data"]}: the province's dossier once decided; "data" (its dossier.create payload)
    # when the decision changed its content, for the desk that holds it
    dossier: dict[str, Any] | None = None
    # A duplicate code decided against the desk (keep_server, reject): the highest number the province holds of
    # the code's unit, day and desk slot, so the desk's new code (counter_app/services/recode.py) skips them all.
    held_through: int | None = None

"""Finding dossiers and moving them through their lifecycle."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select, update

from counter_app.domain.dossier import OFFICE_TZ, Dossier, StatusChange
from counter_app.domain.errors import DomainError
from counter_app.domain.lifecycle import Status, check_transition
from counter_app.domain.operations import OpType
from counter_app.domain.serialization import dossier_to_dict
from counter_app.domain.text import nfc
from counter_app.services.clerks import actor_of
from counter_app.services.clock import utc_now
from counter_app.storage.database import Database
from counter_app.storage.dossiers import (
    get_row,
    load_dossier,
    record_status_change,
    row_to_dossier,
    rows_received_between,
    search_rows,
)
from counter_app.storage.models import DossierEvent
from counter_app.storage.outbox import append_operation

MAX_SEARCH_RESULTS = 200


class DossierNotFound(DomainError):
    def __init__(self, code: str) -> None:
        super().__init__(f"Không tìm thấy hồ sơ có mã «{code}» tại quầy này.")
        self.code = code


def get_dossier(db: Database, code: str) -> Dossier:
    with db.read() as session:
        dossier = load_dossier(session, code)
    if dossier is None:
        raise DossierNotFound(nfc(code))
    return dossier


def search_dossiers(db: Database, query: str, limit: int = 50) -> list[Dossier]:
    """Newest first; `query` is a dossier code, an ID number, a phone, or words of a name."""
    limit = max(1, min(int(limit), MAX_SEARCH_RESULTS))
    with db.read() as session:
        return [row_to_dossier(row) for row in search_rows(session, query, limit)]


def dossiers_received_on(db: Database, day: date, limit: int = MAX_SEARCH_RESULTS) -> list[Dossier]:
    """The dossiers received on `day` (office time), newest first: what the search screen opens on."""
    start = datetime.combine(day, time(0), OFFICE_TZ)
    end = datetime.combine(day + timedelta(days=1), time(0), OFFICE_TZ)
    with db.read() as session:
        return [row_to_dossier(row) for row in rows_received_between(session, start, end, limit)]


def change_status(
    db: Database, code: str, target: Status, *, actor: str = "", note: str = "", now: datetime | None = None,
    clerk_username: str = "",
) -> Dossier:
    """Move a dossier to `target` if its lifecycle allows it; the change is queued for the server.

    `clerk_username`: the signed-in account (required once the counter has accounts; its full name is the
    actor); `actor` is the name used on a counter without accounts."""
    now = now or utc_now()
    with db.write() as session:
        actor, username = actor_of(session, clerk_username, actor)
        row = get_row(session, code)
        if row is None:
            raise DossierNotFound(nfc(code))
        current = Status(row.status)
        check_transition(current, target)
        base_version = row.version
        record_status_change(session, row, StatusChange(current, target, now, nfc(actor), nfc(note)), now)
        session.flush()
        if username:
            newest = max(session.scalars(select(DossierEvent.id).where(DossierEvent.dossier_pk == row.pk)))
            session.execute(update(DossierEvent).where(DossierEvent.id == newest).values(actor_username=username))
        dossier = load_dossier(session, row.code)
        assert dossier is not None
        append_operation(
            session,
            entity="dossier",
            entity_id=dossier.id,
            op_type=OpType.DOSSIER_STATUS,
            payload={"code": dossier.code, "from": int(current), "to": int(target), "note": nfc(note),
                     "actor": nfc(actor), "at": dossier_to_dict(dossier)["history"][-1]["at"]},
            now=now,
            base_version=base_version,
        )
    return dossier

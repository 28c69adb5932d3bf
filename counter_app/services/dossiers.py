"""Finding dossiers and moving them through their lifecycle."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from counter_app.domain.dossier import OFFICE_TZ, Dossier
from counter_app.domain.errors import DomainError
from counter_app.domain.lifecycle import Status
from counter_app.domain.text import nfc
from counter_app.storage.database import Database
from counter_app.storage.dossiers import (
    load_dossier,
    row_to_dossier,
    rows_received_between,
    search_rows,
)

MAX_SEARCH_RESULTS = 200


class DossierNotFound(DomainError):
    def __init__(self, code: str) -> None:
        super().__init__(f"Không tìm thấy hồ sơ có mã «{code}» tại quầy này.")
        self.code = code


def get_dossier(db: Database, code: str) -> Dossier:
    """The dossier `code`, or the one an old code of it names now (a code given again: services/recode.py), so
    a scanned old slip opens, prints and collects for the dossier as it is."""
    with db.read() as session:
        dossier = load_dossier(session, code, old_codes=True)
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

    Kept for its callers: `services.lifecycle.transition` does the work (`note` is the reason, required
    for 3, 5, 7 and 8). `clerk_username`: the signed-in account (required once the counter has accounts;
    its full name is the actor); `actor` is the name used on a counter without accounts."""
    from counter_app.services.lifecycle import transition  # lifecycle imports this module

    return transition(db, code, target, reason=note, by=clerk_username, actor=actor, now=now)

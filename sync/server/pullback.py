"""GET /api/v1/sync/pullback: a restored counter takes back the dossiers it gave the province.

Only the asking device's own dossiers (`source_device_id`), in pages ordered by dossier id (a keyset, so
a page never repeats or skips one while others are written), each with its current status, due dates and
full history, and the records the province keeps of it (`dossier_records`): its receipts with their
cancellations, result returns with their shipment state, apologies, hand-overs and fees the agency set,
and its attachments (the scan bundles' rows). The first page also carries the highest receipt number the
province holds from this device per receipt book, so the counter never issues one of them again.
Bounded: at most MAX_PAGE dossiers, MAX_EVENTS history lines and MAX_RECORDS records each;
device-authenticated like every sync path (guard.py).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import FastAPI, Header, Query
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from counter_app.domain.receipts import RECEIPT_SERIES_PREFIX
from counter_app.domain.serialization import iso_instant
from counter_app.services.clock import utc_now
from sync.protocol import API_PREFIX, PullBackDeskPage, PullBackPage, PulledDossier
from sync.server.auth import authenticate
from sync.server.db import ServerDatabase
from sync.server.models import Device, Dossier, DossierEvent, Receipt
from sync.server.pullback_records import MAX_RECORDS, desk_records, dossier_records

MAX_PAGE = 200
MAX_EVENTS = 500
MAX_AFTER = 36  # a dossier id is a UUID
# The cursor is an id this server gave out: letters, digits and - . _ : only. A NUL byte would reach
# PostgreSQL (whose text cannot hold one) as a 500; anything else is refused as a bad request.
Cursor = Annotated[str, Query(max_length=MAX_AFTER, pattern=r"^[0-9A-Za-z._:-]*$")]


def pullback_page(session: Session, device: Device, after: str, limit: int) -> PullBackPage:
    rows = session.scalars(select(Dossier).where(Dossier.source_device_id == device.id, Dossier.id > after)
                           .order_by(Dossier.id).limit(limit + 1)).all()
    page = rows[:limit]
    events: dict[str, list[DossierEvent]] = {row.id: [] for row in page}
    if page:
        for event in session.scalars(select(DossierEvent).where(DossierEvent.dossier_id.in_(events))
                                     .order_by(DossierEvent.dossier_id, DossierEvent.at, DossierEvent.id)):
            if len(events[event.dossier_id]) < MAX_EVENTS:
                events[event.dossier_id].append(event)
    records = dossier_records(session, device, page)
    dossiers = [
        PulledDossier(
            data=row.data, status=row.status, version=row.version,
            due_at=iso_instant(row.due_at) if row.due_at else None,
            previous_due_at=iso_instant(row.previous_due_at) if row.previous_due_at else None,
            events=[{"from_status": e.from_status, "to_status": e.to_status, "at": iso_instant(e.at), "actor": e.actor,
                     "note": e.note, "details": e.details} for e in events[row.id]],
            records=records.get(row.code, [])[:MAX_RECORDS],
        )
        for row in page
    ]
    maxima: dict[str, int] = {}
    if not after:
        for form_number, symbol, highest in session.execute(
            select(Receipt.form_number, Receipt.symbol, func.max(Receipt.number))
            .where(Receipt.device_id == device.id).group_by(Receipt.form_number, Receipt.symbol)
        ):
            maxima[f"{RECEIPT_SERIES_PREFIX}{form_number}/{symbol}"] = int(highest)
    return PullBackPage(after=after, dossiers=dossiers, next_after=page[-1].id if len(rows) > limit else None,
                        receipt_maxima=maxima)


def install_pullback_routes(app: FastAPI, db: ServerDatabase) -> None:
    @app.get(f"{API_PREFIX}/sync/pullback")
    def pullback(after: Cursor = "",
                 limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
                 authorization: Annotated[str | None, Header()] = None) -> PullBackPage:
        with db.session() as s:
            me = authenticate(s, authorization, utc_now())
            return pullback_page(s, me, after, limit)

    @app.get(f"{API_PREFIX}/sync/pullback/desk")
    def pullback_desk(kind: Annotated[Literal["day_close", "guidance", "assist"], Query()],
                      after: Cursor = "",
                      limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
                      authorization: Annotated[str | None, Header()] = None) -> PullBackDeskPage:
        with db.session() as s:
            me = authenticate(s, authorization, utc_now())
            return desk_records(s, me, kind, after, limit)

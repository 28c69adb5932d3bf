"""The counter's side of the pull-back after a restore, in the local database.

A restored counter lacks what it recorded after its backup was taken. The province sends back the
dossiers this device gave it (sync/server/pullback.py); each is checked like an operation (the same
vocabulary, domain.operations) and stored if the counter lacks it, or brought up to the province's status
if the counter's copy is older. Then, in the transaction that clears `pullback_pending`, every number the
counter issues is moved past what it now holds and what the province says it issued: the desk's count of
the day (from the dossier codes), each register book, each receipt book. The triggers of migration 0019
refuse those numbers until then, so no code the province has can be issued twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from counter_app.domain.codes import looks_like_dossier_code, parse_dossier_code
from counter_app.domain.dossier import StatusChange
from counter_app.domain.lifecycle import Status
from counter_app.domain.operations import OpType, check_payload
from counter_app.domain.postal_codes import ITEM_SERIES, parse_item_code
from counter_app.domain.receipts import RECEIPT_SERIES_PREFIX
from counter_app.storage.dossiers import dossier_from_payload, get_row, insert_dossier, raise_count_of_day
from counter_app.storage.models import DossierEvent, DossierRow, NumberRange, ResultReturn
from counter_app.storage.pullback_records import store_intake_fees, store_records, store_supplements
from counter_app.storage.sync_store import get_state


def _instant(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _history(events: list[dict[str, Any]]) -> list[StatusChange]:
    return [StatusChange(Status(int(e["from_status"])) if e.get("from_status") else None, Status(int(e["to_status"])),
                         datetime.fromisoformat(e["at"]), str(e.get("actor", ""))[:300], str(e.get("note", ""))[:2000])
            for e in events]


def store_pulled_dossier(session: Session, data: dict[str, Any], current: dict[str, Any], unit_code: str,
                         now: datetime) -> str:
    """Store one dossier the province sent back with its records; returns "added", "updated" or "kept".

    `data` is the dossier as the counter once sent it (checked as a `dossier.create` payload); `current` is
    the province's status, version, due dates, full history and records now (storage/pullback_records.py).
    Another unit's dossier, or a record that does not fit, raises.
    """
    outcome = _store_dossier(session, data, current, unit_code, now)
    row = get_row(session, data["code"])
    assert row is not None
    fees = check_payload(OpType.DOSSIER_CREATE, data).model_dump(mode="json").get("fees")
    store_intake_fees(session, row, fees, str(data.get("received_by", ""))[:300])
    store_supplements(session, row, current.get("events") or [])
    store_records(session, row, current.get("records") or [])
    return outcome


def _store_dossier(session: Session, data: dict[str, Any], current: dict[str, Any], unit_code: str,
                   now: datetime) -> str:
    checked = check_payload(OpType.DOSSIER_CREATE, data)
    if checked.unit_code != unit_code:  # type: ignore[attr-defined]
        raise ValueError("another unit's dossier")
    status, version = Status(int(current["status"])), int(current["version"])
    history = _history(current.get("events") or data["history"])
    row = get_row(session, data["code"])
    if row is None:
        dossier = dossier_from_payload(data, status=status, version=version, history=history,
                                       due_at=_instant(current.get("due_at")),
                                       previous_due_at=_instant(current.get("previous_due_at")))
        insert_dossier(session, dossier, now)
        return "added"
    if version <= row.version:
        return "kept"
    known = {(e.to_status, e.at) for e in session.scalars(select(DossierEvent).where(DossierEvent.dossier_pk == row.pk))}
    for change in history:
        if (int(change.to_status), change.at) not in known:
            session.add(DossierEvent(dossier_pk=row.pk, from_status=int(change.from_status) if change.from_status else None,
                                     to_status=int(change.to_status), at=change.at, actor=change.actor, note=change.note))
    row.status, row.version, row.updated_at = int(status), version, now
    row.due_at = _instant(current.get("due_at")) or row.due_at
    row.previous_due_at = _instant(current.get("previous_due_at")) or row.previous_due_at
    return "updated"


def finish_pullback(session: Session, unit_code: str, receipt_maxima: dict[str, int]) -> None:
    """Clear `pullback_pending` and move every number this counter issues past those already used.

    In one transaction: the flag first (the triggers of migration 0019 then let the counters move), then
    the desk's daily counts from the codes held, the register books from the numbers held, the postal item
    serials from the codes held, and the receipt books from the highest numbers the province holds from
    this device.
    """
    state = get_state(session)
    if state is not None:
        state.pullback_pending = False
        session.flush()
    counts: dict[tuple[Any, int], int] = {}
    for (code,) in session.execute(select(DossierRow.code)):
        if not looks_like_dossier_code(code):
            continue
        parsed = parse_dossier_code(code)
        if parsed.unit_code != unit_code:
            continue  # a portal code of another unit (channel 2) is not one of this desk's numbers
        key = (parsed.day, parsed.desk_slot)
        counts[key] = max(counts.get(key, 0), parsed.number % 1000)
    for (day, slot), highest in counts.items():
        raise_count_of_day(session, day, slot, highest)
    for book, highest in session.execute(select(DossierRow.register_book, func.max(DossierRow.register_number))
                                         .where(DossierRow.register_book.is_not(None)).group_by(DossierRow.register_book)):
        session.execute(text("INSERT INTO register_book_counter (book, issued) VALUES (:book, :n) "
                             "ON CONFLICT (book) DO UPDATE SET issued = max(issued, excluded.issued)"),
                        {"book": book, "n": int(highest or 0)})
    _move_item_serials(session)
    for series, highest in receipt_maxima.items():
        if not series.startswith(RECEIPT_SERIES_PREFIX):
            continue
        # Blocks wholly at or below the province's highest number are used up; the one holding it goes on after it.
        session.execute(update(NumberRange)
                        .where(NumberRange.series == series, NumberRange.first <= highest,
                               NumberRange.next_number <= highest)
                        .values(next_number=func.min(NumberRange.last + 1, highest + 1)))


def _move_item_serials(session: Session) -> None:
    """Each granted block of postal item serials goes on after the highest serial held in it (the posted
    results pulled back included): the same S10 code is never printed on two items."""
    serials = [parse_item_code(code).serial for code in session.scalars(
        select(ResultReturn.item_code).where(ResultReturn.item_code.is_not(None)))]
    for block in session.scalars(select(NumberRange).where(NumberRange.series == ITEM_SERIES)):
        inside = [serial for serial in serials if block.first <= serial <= block.last]
        if inside and block.next_number <= max(inside):
            block.next_number = max(inside) + 1

"""Dossier rows: insert, load, change status, and search (FTS5 plus exact indexes).

Search folds diacritics and đ/Đ in Python (`domain.text.fold`) before text reaches the index, because
SQLite's tokenizer cannot fold đ. Exact identifiers (dossier code, ID number, phone) use B-tree indexes;
names use FTS5 prefix queries ordered by rowid, which is the dossier's insertion order (newest first).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from counter_app.domain.codes import looks_like_dossier_code
from counter_app.domain.dossier import (
    Address,
    ApplicantType,
    Channel,
    DocumentLine,
    Dossier,
    Gender,
    IdDocumentType,
    Person,
    ResultDelivery,
    StatusChange,
)
from counter_app.domain.lifecycle import Status
from counter_app.domain.serialization import person_to_dict
from counter_app.domain.text import fold, nfc, search_tokens
from counter_app.storage.models import AttachmentRow, DeskDayCounter, DossierEvent, DossierRecode, DossierRow

_DIGITS_ONLY = re.compile(r"^\+?[\d .\-]+$")


def code_search_text(code: str) -> str:
    """The day and number of a dossier code: the unit part ("000.31.48.H15") is in every row of this
    counter, so indexing it would only make every search for "h…" match everything."""
    return code.rsplit("-", 2)[-2] + " " + code.rsplit("-", 1)[-1] if code.count("-") >= 2 else code


def search_body(dossier: Dossier) -> str:
    """The folded text the search index holds for one dossier."""
    parts = [code_search_text(dossier.code), dossier.applicant.full_name, dossier.applicant.id_number,
             dossier.applicant.phone]
    if dossier.submitter:
        parts += [dossier.submitter.full_name, dossier.submitter.id_number, dossier.submitter.phone]
    return fold(" ".join(parts))


def next_count_of_day(session: Session, day: date, desk_slot: int) -> int:
    """Reserve the next dossier number of this desk for `day` (inside the caller's write transaction)."""
    counter = session.get(DeskDayCounter, (day, desk_slot))
    if counter is None:
        counter = DeskDayCounter(day=day, desk_slot=desk_slot, issued=0)
        session.add(counter)
    counter.issued += 1
    session.flush()
    return counter.issued


def raise_count_of_day(session: Session, day: date, desk_slot: int, issued: int) -> None:
    """Move this desk's count of `day` up to `issued`, never down: numbers held elsewhere (the province's, sample
    dossiers) are skipped by the next code. Inside the caller's write transaction."""
    counter = session.get(DeskDayCounter, (day, desk_slot))
    if counter is None:
        session.add(DeskDayCounter(day=day, desk_slot=desk_slot, issued=issued))
    elif counter.issued < issued:
        counter.issued = issued


def next_register_number(session: Session, book: str) -> int:
    """The next number of register `book`, in one statement of the caller's write transaction.

    An UPSERT … RETURNING, never read-then-write: two writers can never be handed the same number, and
    the unique index on (unit, book, number) of the dossier table would refuse it if they were.
    """
    return session.execute(
        text(
            "INSERT INTO register_book_counter (book, issued) VALUES (:book, 1) "
            "ON CONFLICT (book) DO UPDATE SET issued = issued + 1 RETURNING issued"
        ),
        {"book": book},
    ).scalar_one()


def dossier_values(dossier: Dossier, now: datetime) -> dict[str, Any]:
    """Column values of a dossier row (shared by single inserts and the bulk path)."""
    applicant = dossier.applicant
    return dict(
        id=dossier.id,
        code=dossier.code,
        unit_code=dossier.unit_code,
        desk_slot=dossier.desk_slot,
        procedure_code=dossier.procedure_code,
        procedure_name=dossier.procedure_name,
        applicant_type=applicant.applicant_type.value,
        applicant_name=applicant.full_name,
        applicant_id_type=applicant.id_type.value,
        applicant_id_number=applicant.id_number,
        applicant_phone=applicant.phone,
        applicant_email=applicant.email,
        applicant_birth_date=applicant.birth_date,
        applicant_gender=applicant.gender.value if applicant.gender else None,
        applicant_address=person_to_dict(applicant)["address"],
        submitter=person_to_dict(dossier.submitter) if dossier.submitter else None,
        summary=dossier.summary,
        documents=[
            {
                "name": line.name,
                "originals": line.originals,
                "certified_copies": line.certified_copies,
                "photocopies": line.photocopies,
            }
            for line in dossier.documents
        ],
        sets_count=dossier.sets_count,
        channel=int(dossier.channel),
        result_delivery=dossier.result_delivery.value,
        received_at=dossier.received_at,
        due_at=dossier.due_at,
        processing_hours=dossier.processing_hours,
        status=int(dossier.status),
        received_by=dossier.received_by,
        version=dossier.version,
        updated_at=now,
        register_book=dossier.register_book or None,
        register_number=dossier.register_number,
    )


def dossier_to_row(dossier: Dossier, now: datetime) -> DossierRow:
    return DossierRow(**dossier_values(dossier, now))


def _address(data: dict[str, Any] | None) -> Address:
    data = data or {}
    return Address(
        street=data.get("street", ""),
        ward_code=data.get("ward_code"),
        province_code=data.get("province_code"),
        text=data.get("text", ""),
    )


def person_from_dict(data: dict[str, Any]) -> Person:
    return Person(
        full_name=data["full_name"],
        applicant_type=ApplicantType(data.get("applicant_type", "citizen")),
        id_type=IdDocumentType(data.get("id_type", "cccd")),
        id_number=data.get("id_number", ""),
        phone=data.get("phone", ""),
        email=data.get("email", ""),
        birth_date=date.fromisoformat(data["birth_date"]) if data.get("birth_date") else None,
        gender=Gender(data["gender"]) if data.get("gender") else None,
        address=_address(data.get("address")),
    )


def dossier_from_payload(data: dict[str, Any], *, status: Status, version: int, history: list[StatusChange],
                         due_at: datetime | None = None, previous_due_at: datetime | None = None) -> Dossier:
    """A dossier from its `dossier.create` payload (already checked), with the lifecycle the province holds now:
    for the pull-back after a restore and for a conflict's decided content (storage/conflict_notices.py)."""
    return Dossier(
        id=data["id"], code=data["code"], unit_code=data["unit_code"], desk_slot=int(data["desk_slot"]),
        procedure_code=data["procedure_code"], procedure_name=data["procedure_name"],
        applicant=person_from_dict(data["applicant"]),
        submitter=person_from_dict(data["submitter"]) if data.get("submitter") else None,
        summary=data["summary"], documents=[DocumentLine(**line) for line in data["documents"]],
        sets_count=int(data["sets_count"]), channel=Channel(int(data["channel"])),
        result_delivery=ResultDelivery(data["result_delivery"]), received_at=datetime.fromisoformat(data["received_at"]),
        due_at=due_at or datetime.fromisoformat(data["due_at"]), processing_hours=int(data["processing_hours"]),
        status=status, received_by=data["received_by"], version=version, history=history,
        register_book=data.get("register_book") or "", register_number=data.get("register_number"),
        previous_due_at=previous_due_at,
    )


def row_to_dossier(row: DossierRow, events: Sequence[DossierEvent] = ()) -> Dossier:
    return Dossier(
        id=row.id,
        code=row.code,
        unit_code=row.unit_code,
        desk_slot=row.desk_slot,
        procedure_code=row.procedure_code,
        procedure_name=row.procedure_name,
        applicant=Person(
            full_name=row.applicant_name,
            applicant_type=ApplicantType(row.applicant_type),
            id_type=IdDocumentType(row.applicant_id_type),
            id_number=row.applicant_id_number,
            phone=row.applicant_phone,
            email=row.applicant_email,
            birth_date=row.applicant_birth_date,
            gender=Gender(row.applicant_gender) if row.applicant_gender else None,
            address=_address(row.applicant_address),
        ),
        submitter=person_from_dict(row.submitter) if row.submitter else None,
        summary=row.summary,
        documents=[DocumentLine(**line) for line in row.documents],
        sets_count=row.sets_count,
        channel=Channel(row.channel),
        result_delivery=ResultDelivery(row.result_delivery),
        received_at=row.received_at,
        due_at=row.due_at,
        processing_hours=row.processing_hours,
        status=Status(row.status),
        received_by=row.received_by,
        version=row.version,
        register_book=row.register_book or "",
        register_number=row.register_number,
        previous_due_at=row.previous_due_at,
        history=[
            StatusChange(
                from_status=Status(e.from_status) if e.from_status else None,
                to_status=Status(e.to_status),
                at=e.at,
                actor=e.actor,
                note=e.note,
                previous_due_at=e.previous_due_at,
                due_at=e.due_at,
            )
            for e in events
        ],
    )


def insert_dossier(session: Session, dossier: Dossier, now: datetime) -> DossierRow:
    """Store a new dossier with its search entry and its first history line."""
    row = dossier_to_row(dossier, now)
    session.add(row)
    session.flush()
    session.execute(
        text("INSERT INTO dossier_fts(rowid, body) VALUES (:pk, :body)"),
        {"pk": row.pk, "body": search_body(dossier)},
    )
    for change in dossier.history:
        session.add(
            DossierEvent(
                dossier_pk=row.pk,
                from_status=int(change.from_status) if change.from_status else None,
                to_status=int(change.to_status),
                at=change.at,
                actor=change.actor,
                note=change.note,
            )
        )
    return row


def update_search_entry(session: Session, pk: int, dossier: Dossier) -> None:
    """The dossier's search entry after its content changed (a decided conflict's content)."""
    session.execute(text("UPDATE dossier_fts SET body = :body WHERE rowid = :pk"), {"pk": pk, "body": search_body(dossier)})


def bulk_insert_dossiers(session: Session, dossiers: Sequence[Dossier], now: datetime) -> None:
    """Insert many dossiers with their search entries and histories in a few statements.

    Keys are assigned here (the caller holds the write lock), so the search index can use them too.
    """
    if not dossiers:
        return
    start = (session.scalar(select(func.max(DossierRow.pk))) or 0) + 1
    rows = []
    for offset, dossier in enumerate(dossiers):
        values = dossier_values(dossier, now)
        values["pk"] = start + offset
        rows.append(values)
    session.execute(DossierRow.__table__.insert(), rows)
    session.execute(
        text("INSERT INTO dossier_fts(rowid, body) VALUES (:pk, :body)"),
        [{"pk": start + i, "body": search_body(d)} for i, d in enumerate(dossiers)],
    )
    events = [
        {
            "dossier_pk": start + i,
            "from_status": int(c.from_status) if c.from_status else None,
            "to_status": int(c.to_status),
            "at": c.at,
            "actor": c.actor,
            "note": c.note,
        }
        for i, d in enumerate(dossiers)
        for c in d.history
    ]
    if events:
        session.execute(DossierEvent.__table__.insert(), events)


def count_dossiers(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(DossierRow)) or 0


def find_attachment(session: Session, dossier_pk: int, sha256: str, name: str) -> AttachmentRow | None:
    return session.scalar(
        select(AttachmentRow).where(
            AttachmentRow.dossier_pk == dossier_pk, AttachmentRow.sha256 == sha256, AttachmentRow.name == name
        )
    )


def get_row(session: Session, code: str) -> DossierRow | None:
    return session.scalar(select(DossierRow).where(DossierRow.code == nfc(code).upper()))


def row_once_coded(session: Session, code: str) -> DossierRow | None:
    """The dossier a code given again once named (services/recode.py): what a clerk's lookup of an old code (a
    scanned old slip, a search) finds. The sync never uses it: the province's changes name codes as they are."""
    given = session.get(DossierRecode, nfc(code).strip().upper())
    return session.get(DossierRow, given.dossier_pk) if given is not None else None


def load_dossier(session: Session, code: str, *, old_codes: bool = False) -> Dossier | None:
    """The dossier `code`; with `old_codes`, also the one a code given again names now (a clerk's lookup)."""
    row = get_row(session, code) or (row_once_coded(session, code) if old_codes else None)
    if row is None:
        return None
    events = session.scalars(
        select(DossierEvent).where(DossierEvent.dossier_pk == row.pk).order_by(DossierEvent.id)
    ).all()
    return row_to_dossier(row, events)


def record_status_change(
    session: Session, row: DossierRow, change: StatusChange, now: datetime, *, actor_username: str = ""
) -> DossierEvent:
    """Move the row and add its history line; a change that moves the due date moves the row's too."""
    row.status = int(change.to_status)
    row.version += 1
    row.updated_at = now
    if change.due_at is not None:
        row.previous_due_at = change.previous_due_at if change.previous_due_at is not None else row.due_at
        row.due_at = change.due_at
    event = DossierEvent(
        dossier_pk=row.pk,
        from_status=int(change.from_status) if change.from_status else None,
        to_status=int(change.to_status),
        at=change.at,
        actor=change.actor,
        note=change.note,
        actor_username=actor_username,
        previous_due_at=change.previous_due_at,
        due_at=change.due_at,
    )
    session.add(event)
    return event


def rows_received_between(session: Session, start: datetime, end: datetime, limit: int) -> list[DossierRow]:
    """Dossiers received in [start, end), newest first (the search screen's "today")."""
    stmt = (
        select(DossierRow)
        .where(DossierRow.received_at >= start, DossierRow.received_at < end)
        .order_by(DossierRow.received_at.desc(), DossierRow.pk.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt).all())


def procedure_use_counts(session: Session) -> dict[str, int]:
    """How many dossiers this counter holds per procedure code: the picker lists the desk's usual ones first."""
    rows = session.execute(select(DossierRow.procedure_code, func.count()).group_by(DossierRow.procedure_code))
    return {code: count for code, count in rows}


def _fts_query(tokens: list[str]) -> str:
    """Every word matches as a prefix ("ng v duc" finds "Nguyễn Văn Đức"); one-letter prefixes are indexed."""
    return " AND ".join(f'"{token}"*' for token in tokens)


def search_rows(session: Session, query: str, limit: int = 50) -> list[DossierRow]:
    """Dossiers matching `query`: a code, an ID number, a phone, or words of a name (prefixes)."""
    query = nfc(query)
    if not query:
        return []
    if looks_like_dossier_code(query):
        row = get_row(session, query) or row_once_coded(session, query)
        return [row] if row else []
    if _DIGITS_ONLY.match(query):
        digits = re.sub(r"\D", "", query)
        if digits.startswith("84") and len(digits) in (11, 12):
            digits = "0" + digits[2:]
        exact = session.scalars(
            select(DossierRow)
            .where((DossierRow.applicant_id_number == digits) | (DossierRow.applicant_phone == digits))
            .order_by(DossierRow.pk.desc())
            .limit(limit)
        ).all()
        if exact:
            return list(exact)
    tokens = search_tokens(query)
    if not tokens:
        return []
    pks = session.execute(
        text("SELECT rowid FROM dossier_fts WHERE dossier_fts MATCH :q ORDER BY rowid DESC LIMIT :n"),
        {"q": _fts_query(tokens), "n": limit},
    ).scalars().all()
    if not pks:
        return []
    rows = {row.pk: row for row in session.scalars(select(DossierRow).where(DossierRow.pk.in_(pks)))}
    return [rows[pk] for pk in pks if pk in rows]

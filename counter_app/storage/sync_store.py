"""The counter's side of sync, in the local database: link state, outbox states, applying pulled changes.

Outbox states: pending -> in_flight (batch id) -> acked | rejected | conflict. An operation still
in_flight after a crash is sent again with the same op_id (after asking the province for the answer of its
batch, if it may have stored it: sync/client/push.py), and the server's ledger turns a replay into a
`duplicate`. Every function here runs inside the caller's transaction; callers keep them short.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, and_, func, or_, select, text, union_all, update
from sqlalchemy.orm import Session

from counter_app.domain.accounts import version_from_payload
from counter_app.domain.catalog import procedure_from_dict
from counter_app.domain.dossier import StatusChange
from counter_app.domain.lifecycle import Status
from counter_app.domain.operations import (
    OPEN_STATES,
    PROBLEM_STATES,
    OpType,
    OutboxState,
    UploadState,
    check_payload,
)
from counter_app.domain.payload_fields import EARLIEST_INSTANT, LATEST_INSTANT
from counter_app.storage.accounts import store_version
from counter_app.storage.conflict_notices import apply_resolution_notice
from counter_app.storage.dossiers import get_row, record_status_change
from counter_app.storage.models import (
    AttachmentRow,
    CalendarOverride,
    DossierRow,
    NumberRange,
    OutboxOp,
    SyncJournal,
    SyncState,
    UnitProfile,
)
from counter_app.storage.procedures import upsert_procedures
from counter_app.storage.profile import PROFILE_ID

SYNC_STATE_ID = 1
# An open operation the server (or a proxy before it) failed on or refused alone while it took the
# others: it stays open, with the reason, and is sent alone once per sync until it goes through.
QUARANTINED = "quarantined"


def get_state(session: Session) -> SyncState | None:
    return session.get(SyncState, SYNC_STATE_ID)


def record_enrolment(session: Session, *, server_url: str, device_id: str, unit_code: str, unit_name: str,
                     desk_slot: int, server_epoch: str, now: datetime) -> bool:
    """Store what enrolment gave this counter; True if its desk slot changed.

    A counter not yet set up takes the server's unit. A re-enrolment is a new device identity on the
    server: a fresh epoch, and everything pulled again. Codes already issued keep their slot; new
    dossiers use the slot the province assigned.
    """
    profile = session.get(UnitProfile, PROFILE_ID)
    slot_changed = False
    if profile is None:
        profile = UnitProfile(id=PROFILE_ID, device_id=device_id, db_generation=str(uuid.uuid4()), unit_code=unit_code,
                              unit_name=unit_name, authority_name=unit_name.upper(), place_name="", desk_slot=desk_slot,
                              clerk_name="", calendar_config={}, created_at=now)
        session.add(profile)
    else:
        slot_changed = profile.desk_slot != desk_slot
        profile.desk_slot = desk_slot
    profile.device_id = device_id
    state = get_state(session)
    if state is None:
        state = SyncState(id=SYNC_STATE_ID, server_url="", device_id=device_id, device_epoch="", server_epoch="",
                          pull_cursor=0, enrolled_at=now)
        session.add(state)
    state.server_url = server_url.rstrip("/")
    state.device_id = device_id
    state.device_epoch = str(uuid.uuid4())
    state.epoch_base_seq = epoch_base(session)
    state.server_audit_seq, state.server_audit_hash = 0, ""
    state.server_epoch = server_epoch
    state.pull_cursor = 0
    state.enrolled_at = now
    return slot_changed


# What a push reads of an outbox row: the columns only (no ORM objects: a 10,000-row backlog is read in
# batches of up to a thousand, and building mapped objects cost more than the query).
SENDABLE_COLUMNS = (OutboxOp.seq, OutboxOp.op_id, OutboxOp.entity, OutboxOp.entity_id, OutboxOp.op_type,
                    OutboxOp.base_version, OutboxOp.schema_version, OutboxOp.created_at, OutboxOp.payload,
                    OutboxOp.payload_hash, OutboxOp.result_code, OutboxOp.result_message)


def ops_to_send(session: Session, limit: int, after_seq: int = 0, *, quarantined: bool = False) -> list[Row[Any]]:
    """Open operations after `after_seq` in seq order (SENDABLE_COLUMNS, read by attribute like an
    OutboxOp): the quarantined ones, or all the others.

    One walk of the (state, seq) index per open state, merged (UNION ALL ... ORDER BY seq): each walk is
    already in seq order, so SQLite stops at `limit`. With `state IN (...)` it sorted every open row after
    `after_seq`, payloads and all, for each batch: a 10,000-operation backlog was sorted again per batch."""
    mark = OutboxOp.result_code == QUARANTINED
    walks = [select(*SENDABLE_COLUMNS).where(OutboxOp.state == state, OutboxOp.seq > after_seq,
                                             mark if quarantined else or_(OutboxOp.result_code.is_(None), ~mark))
             for state in OPEN_STATES]
    return list(session.execute(union_all(*walks).order_by(SENDABLE_COLUMNS[0].name).limit(limit)))


def in_flight_batches(session: Session, most: int) -> list[tuple[str, list[Row[Any]]]]:
    """The operations left in flight by an earlier run (SENDABLE_COLUMNS), by the batch they went in (the
    batch's id, its rows in seq order), the first `most` batches in seq order; quarantined ones left out (they
    go alone, never in a stored batch)."""
    rows = session.execute(select(*SENDABLE_COLUMNS, OutboxOp.batch_id)
                           .where(OutboxOp.state == OutboxState.IN_FLIGHT.value, OutboxOp.batch_id.is_not(None),
                                  or_(OutboxOp.result_code.is_(None), OutboxOp.result_code != QUARANTINED))
                           .order_by(OutboxOp.seq))
    batches: dict[str, list[Row[Any]]] = {}
    for row in rows:
        if row.batch_id not in batches and len(batches) >= most:
            break
        batches.setdefault(row.batch_id, []).append(row)
    return list(batches.items())


_STILL_OPEN = "(" + " OR ".join(f"state = '{state.value}'" for state in OPEN_STATES) + ")"
# By primary key, one row of parameters each (executemany): `seq IN (...)` with the state test made SQLite
# probe the (state, seq) index once per state and seq, and keep a set of the rows to change.
_MARK_IN_FLIGHT = (f"UPDATE outbox SET state = '{OutboxState.IN_FLIGHT.value}', batch_id = ?, attempts = attempts + 1 "
                   f"WHERE seq = ? AND {_STILL_OPEN}")


def mark_in_flight(session: Session, seqs: list[int], batch_id: str) -> None:
    """The open operations among `seqs` are now in flight in `batch_id` (one more attempt each)."""
    if seqs:  # an empty executemany would run the statement once, without parameters
        session.connection().exec_driver_sql(_MARK_IN_FLIGHT, [(batch_id, seq) for seq in seqs])


@dataclass(frozen=True)
class Answer:
    """The server's answer for one operation, as the outbox keeps it."""

    seq: int
    state: OutboxState
    code: str = ""
    message: str = ""


_OUTBOX = OutboxOp.__table__
# One row of parameters per answer, straight to the driver's executemany: the statement's per-row parameter
# processing cost more than SQLite's update (one primary-key lookup per row, cheaper than `seq IN (...)`).
# Only an operation still open changes state.
_RECORD_RESULT = f"UPDATE outbox SET state = ?, result_code = ?, result_message = ?, acked_at = ? WHERE seq = ? AND {_STILL_OPEN}"


def record_results(session: Session, answers: Sequence[Answer], now: datetime) -> None:
    """Store the server's answers, one executemany for the lot; only an operation still open can change
    state (an answer never reopens or rewrites one already settled)."""
    if not answers:
        return
    connection = session.connection()
    acked_at = _OUTBOX.c.acked_at.type.bind_processor(connection.dialect)(now)  # as the column stores it
    connection.exec_driver_sql(_RECORD_RESULT, [
        (a.state.value, a.code or None, a.message or None, acked_at if a.state is OutboxState.ACKED else None, a.seq)
        for a in answers
    ])


def record_result(session: Session, seq: int, state: OutboxState, code: str, message: str, now: datetime) -> None:
    """Store the server's answer for one operation; only an operation still open can change state."""
    record_results(session, [Answer(seq, state, code, message)], now)


def quarantine(session: Session, seq: int, message: str) -> None:
    """Keep an open operation aside: sent alone from now on, its reason shown on the sync screen."""
    session.execute(
        update(OutboxOp).where(OutboxOp.seq == seq, OutboxOp.state.in_(OPEN_STATES))
        .values(result_code=QUARANTINED, result_message=message)
    )


def withdrawal_op_id(device_id: str, op: OutboxOp) -> str:
    """The op_id of the withdrawal sent in place of `op`: the same on every retry, unlike any other."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"counter-app:withdrawn:{device_id}:{op.seq}:{op.op_id!r}"))


def max_seq(session: Session) -> int:
    """The highest seq this database ever issued, even if that row was pruned since (outbox_pruning.py).

    SQLite keeps it for the AUTOINCREMENT `outbox` table in `sqlite_sequence`, rolled back with its insert.
    """
    highest = session.scalar(select(func.max(OutboxOp.seq))) or 0
    issued = session.execute(text("SELECT seq FROM sqlite_sequence WHERE name = 'outbox'")).scalar()
    return max(highest, int(issued or 0))


def max_acked_seq(session: Session) -> int:
    return session.scalar(select(func.max(OutboxOp.seq)).where(OutboxOp.state == OutboxState.ACKED)) or 0


def epoch_base(session: Session) -> int:
    """Where a new epoch starts: just before the first operation that is still to be sent."""
    first_open = session.scalar(select(func.min(OutboxOp.seq)).where(OutboxOp.state.in_(OPEN_STATES)))
    return first_open - 1 if first_open else max_seq(session)


def reopen_after(session: Session, seq: int) -> int:
    """The server lost what it had acknowledged after `seq` (restored from backup): send those again."""
    result = session.execute(
        update(OutboxOp).where(OutboxOp.seq > seq, OutboxOp.state == OutboxState.ACKED)
        .values(state=OutboxState.PENDING, acked_at=None)
    )
    return result.rowcount or 0


def unsent_within(session: Session, base: int, acked: int) -> bool:
    """True if an operation never sent carries a seq of this epoch that the server already holds."""
    return session.scalar(
        select(OutboxOp.seq).where(OutboxOp.seq > base, OutboxOp.seq <= acked, OutboxOp.state == OutboxState.PENDING,
                                   OutboxOp.attempts == 0).limit(1)
    ) is not None


def answered_through(session: Session, base: int) -> int:
    """The highest seq such that every operation of this epoch up to it has a server answer.

    Gaps are operations pruned after their acknowledgement (storage/outbox_pruning.py): answered.
    """
    first_open = session.scalar(
        select(func.min(OutboxOp.seq)).where(OutboxOp.seq > base, OutboxOp.state.in_(OPEN_STATES)))
    return first_open - 1 if first_open else max(base, max_seq(session))


def files_to_upload(session: Session) -> list[tuple[str, int, str]]:
    """(sha256, size, content type) of every attached file still to be sent, each once."""
    return [tuple(row) for row in session.execute(
        select(AttachmentRow.sha256, AttachmentRow.size, AttachmentRow.content_type)
        .where(AttachmentRow.upload_state == UploadState.PENDING).distinct()
    )]


def mark_upload(session: Session, sha256: str, state: UploadState, error: str | None, now: datetime) -> None:
    """Record how the upload of a file went, on every attachment row that holds it and is not done."""
    session.execute(
        update(AttachmentRow)
        .where(AttachmentRow.sha256 == sha256, AttachmentRow.upload_state != UploadState.COMPLETE)
        .values(upload_state=state, error=error, uploaded_at=now if state is UploadState.COMPLETE else None)
    )


def upload_problems(session: Session, limit: int = 500) -> list[tuple[AttachmentRow, str]]:
    """Attached files that could not be sent (failed, or waiting with an error), with their dossier code."""
    return [(row, code) for row, code in session.execute(
        select(AttachmentRow, DossierRow.code).join(DossierRow, DossierRow.pk == AttachmentRow.dossier_pk)
        .where(AttachmentRow.upload_state != UploadState.COMPLETE, AttachmentRow.error.is_not(None))
        .order_by(AttachmentRow.id).limit(limit)
    )]


@dataclass(frozen=True)
class QueueSummary:
    pending: int
    in_flight: int
    rejected: int
    conflict: int
    oldest_pending_at: datetime | None
    file_problems: int = 0  # attached files that could not be sent, with an error
    quarantined: int = 0  # open operations the server failed on alone (also counted in pending/in_flight)


def queue_summary(session: Session) -> QueueSummary:
    counts = dict(session.execute(select(OutboxOp.state, func.count()).group_by(OutboxOp.state)).all())
    oldest = session.scalar(select(func.min(OutboxOp.created_at)).where(OutboxOp.state.in_(OPEN_STATES)))
    return QueueSummary(
        pending=counts.get(OutboxState.PENDING, 0),
        in_flight=counts.get(OutboxState.IN_FLIGHT, 0),
        rejected=counts.get(OutboxState.REJECTED, 0),
        conflict=counts.get(OutboxState.CONFLICT, 0),
        oldest_pending_at=oldest,
        quarantined=session.scalar(select(func.count()).select_from(OutboxOp).where(_in_quarantine())) or 0,
        file_problems=session.scalar(
            select(func.count()).select_from(AttachmentRow)
            .where(AttachmentRow.upload_state != UploadState.COMPLETE, AttachmentRow.error.is_not(None))
        ) or 0,
    )


def problem_ops(session: Session, limit: int = 500) -> list[OutboxOp]:
    """Refused and conflicting operations, and those in quarantine, oldest first."""
    return list(
        session.scalars(select(OutboxOp).where(or_(OutboxOp.state.in_(PROBLEM_STATES), _in_quarantine()))
                        .order_by(OutboxOp.seq).limit(limit))
    )


def _in_quarantine() -> Any:
    return and_(OutboxOp.state.in_(OPEN_STATES), OutboxOp.result_code == QUARANTINED)


# -- applying what the province sends --------------------------------------------------------------


def _aware(value: Any) -> datetime | None:
    """A pulled instant (issue 9 due dates): an aware ISO 8601 time within 2000-2100, else None (ignored)."""
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.utcoffset() is None or not EARLIEST_INSTANT <= moment < LATEST_INSTANT:
        return None
    return moment


def apply_change(session: Session, kind: str, payload: dict[str, Any], device_id: str, now: datetime) -> None:
    """Apply one pulled change; applying the same change twice leaves the same result."""
    if kind == "procedure":
        upsert_procedures(session, [procedure_from_dict(payload)], now)
    elif kind == "calendar":
        day = date.fromisoformat(payload["day"])
        row = session.get(CalendarOverride, day)
        if payload.get("kind") in ("off", "work"):
            if row is None:
                session.add(CalendarOverride(day=day, kind=payload["kind"], note=payload.get("note", "")))
            else:
                row.kind, row.note = payload["kind"], payload.get("note", "")
        elif row is not None:
            session.delete(row)
    elif kind == "dossier_status":
        row = get_row(session, payload["code"])
        if row is not None and int(payload["version"]) > row.version and row.status == int(payload["status"]) \
                and payload.get("due_at") is None:
            row.version = int(payload["version"])  # the counter's own step, kept by a supervisor (issue 13): no new line
        elif row is not None and int(payload["version"]) > row.version:
            due, previous = _aware(payload.get("due_at")), _aware(payload.get("previous_due_at"))
            moved = due is not None and due != row.due_at  # the province's due dates (issue 9), if it sent them
            change = StatusChange(Status(row.status), Status(int(payload["status"])),
                                  datetime.fromisoformat(payload["at"]), payload.get("actor", ""), payload.get("note", ""),
                                  previous_due_at=(previous or row.due_at) if moved else None,
                                  due_at=due if moved else None)
            record_status_change(session, row, change, now)
            row.version = int(payload["version"])
    elif kind == "desk_slot":
        if payload.get("device_id") == device_id:
            profile = session.get(UnitProfile, PROFILE_ID)
            if profile is not None:
                profile.desk_slot = int(payload["desk_slot"])
    elif kind == "account":
        # Bounded and format-checked like an operation: a feed entry is as untrusted as any network byte.
        checked = check_payload(OpType.ACCOUNT_UPSERT, payload)
        store_version(session, version_from_payload(checked))
    elif kind == "conflict_resolution":  # issue 13, R: a supervisor decided one of the unit's conflicts
        apply_resolution_notice(session, payload, device_id, now)
    elif kind == "number_range":
        if payload.get("device_id") not in (None, device_id):
            return  # another desk's block
        key = (payload["series"], int(payload["first"]))
        if session.get(NumberRange, key) is None:
            session.add(NumberRange(series=key[0], first=key[1], last=int(payload["last"]), next_number=key[1],
                                    received_at=now))


def journal(session: Session, entry: SyncJournal) -> None:
    session.add(entry)


def last_journal(session: Session, limit: int = 20) -> list[SyncJournal]:
    return list(session.scalars(select(SyncJournal).order_by(SyncJournal.id.desc()).limit(limit)))


def payload_of(op: OutboxOp) -> dict[str, Any]:
    return json.loads(op.payload)

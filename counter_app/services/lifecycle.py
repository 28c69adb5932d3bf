"""Moving a dossier after intake: refusal, supplement and its clock, withdrawal, stop, hand-overs, apologies.

Every step is one write transaction: the dossier row, its history line, the record the forms print
(supplement request → Mẫu 02, apology → Mẫu 04, hand-over → a row of Mẫu 05) and the outbox operation
that carries it to the province commit together (docs/lifecycle.md).

`at` is when the step happened at the desk: it defaults to now and may lie in the past (a step written
up later) but never in the future, nor before the dossier's last recorded step.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from counter_app.domain.codes import office_day
from counter_app.domain.dossier import Channel, DocumentLine, Dossier, StatusChange
from counter_app.domain.errors import InvalidTransition, ValidationError
from counter_app.domain.formats import office_datetime
from counter_app.domain.lifecycle import Status, check_reason, check_transition
from counter_app.domain.lifecycle_records import (
    APOLOGY_STATUSES,
    DEFAULT_AGENCY,
    DESK_PARTY,
    Apology,
    Handover,
    HandoverDirection,
    SupplementRequest,
    timeliness,
)
from counter_app.domain.operations import OpType
from counter_app.domain.papers import DocumentChoice, lines_from_choices
from counter_app.domain.serialization import iso_instant
from counter_app.domain.text import nfc
from counter_app.domain.time_rules import TimeRule, due_after_supplement
from counter_app.services.clerks import actor_of
from counter_app.services.clock import utc_now
from counter_app.services.dossiers import DossierNotFound
from counter_app.services.unit_setup import build_calendar
from counter_app.storage.database import Database
from counter_app.storage.dossiers import get_row, load_dossier, record_status_change
from counter_app.storage.lifecycle_records import (
    apology_from_row,
    apology_rows,
    handover_from_row,
    handover_rows,
    lines_to_json,
    open_supplement,
    supplement_from_row,
    supplement_rows,
)
from counter_app.storage.models import ApologyRow, DossierEvent, DossierRow, HandoverRow, SupplementRequestRow
from counter_app.storage.outbox import append_operation
from counter_app.storage.procedures import get_procedure
from counter_app.storage.profile import get_profile

AT_LABEL = "Thời điểm"
NEW_DUE_LABEL = "Ngày hẹn trả mới"


@dataclass(frozen=True)
class DossierRecords:
    """Everything the forms 02, 04 and 05 print about one dossier, oldest first."""

    dossier: Dossier
    supplements: list[SupplementRequest]
    apologies: list[Apology]
    handovers: list[Handover]


@dataclass(frozen=True)
class _Actor:
    name: str
    username: str


# -- reading -----------------------------------------------------------------------------------------


def records_of(db: Database, code: str) -> DossierRecords:
    """The dossier with its supplement requests, apologies and hand-overs (for Mẫu 02, 04, 05)."""
    with db.read() as session:
        row = _row(session, code)
        dossier = load_dossier(session, row.code)
        assert dossier is not None
        return DossierRecords(
            dossier=dossier,
            supplements=[supplement_from_row(r, row.code) for r in supplement_rows(session, row)],
            apologies=[apology_from_row(r, row.code) for r in apology_rows(session, row)],
            handovers=[handover_from_row(r, row.code) for r in handover_rows(session, row)],
        )


def supplement_requests(db: Database, code: str) -> list[SupplementRequest]:
    return records_of(db, code).supplements


def apologies(db: Database, code: str) -> list[Apology]:
    return records_of(db, code).apologies


def handovers(db: Database, code: str) -> list[Handover]:
    return records_of(db, code).handovers


def missing_papers(db: Database, code: str, choices: Sequence[DocumentChoice]) -> list[DocumentLine]:
    """The papers named by `--missing "N=O/C/P"`: line N of the catalog's list for the dossier's procedure."""
    with db.read() as session:
        row = _row(session, code)
        procedure = get_procedure(session, row.procedure_code)
    if procedure is None:
        raise ValidationError("missing", f"Thủ tục {row.procedure_code} của hồ sơ không còn trong danh mục tại quầy; "
                              "không tra được giấy tờ theo số thứ tự.", "Giấy tờ cần bổ sung")
    return lines_from_choices(procedure, choices)


def papers_to_ask(db: Database, code: str) -> list[DocumentLine]:
    """The papers a supplement request may name, all counts 0: the catalog's list for the dossier's
    procedure, or the dossier's own papers when the procedure has left the catalog."""
    with db.read() as session:
        row = _row(session, code)
        procedure = get_procedure(session, row.procedure_code)
        names = [d.name for d in procedure.documents] if procedure else [line["name"] for line in row.documents]
    return [DocumentLine(name) for name in names]


# -- moving ------------------------------------------------------------------------------------------


def transition(
    db: Database, code: str, target: Status, *, reason: str = "", at: datetime | None = None, by: str = "",
    actor: str = "", agency: str = "", missing: Sequence[DocumentLine] = (), now: datetime | None = None,
) -> Dossier:
    """Move a dossier to `target` if its lifecycle allows it, with what that step records.

    `by`: the signed-in account (its full name is the actor); `actor`: the name on a counter without
    accounts. A step into 3, 5, 7 or 8 needs `reason`. Into 5 the request (with `missing`) stops the
    clock; 5→4 restarts it and moves the due date (`record_supplied`); 2→4 and 4→9 are hand-overs to and
    from `agency`, each a row of Mẫu 05.
    """
    now = now or utc_now()
    with db.write() as session:
        return transition_in(session, code, target, reason=reason, at=at, by=by, actor=actor, agency=agency,
                             missing=missing, now=now)


def transition_in(
    session: Session, code: str, target: Status, *, reason: str = "", at: datetime | None = None, by: str = "",
    actor: str = "", agency: str = "", missing: Sequence[DocumentLine] = (), now: datetime,
) -> Dossier:
    """`transition` inside the caller's transaction, for a step that records more beside the status (a
    result returned commits its return record and the move to 10 together, or neither)."""
    who = _actor(session, by, actor)
    row = _row(session, code)
    moment = _moment(session, row, at, now)
    current = Status(row.status)
    check_transition(current, target)
    reason = check_reason(target, nfc(reason))
    extra: dict[str, Any] = {}
    change = StatusChange(current, target, moment, who.name, reason)
    if target is Status.SUPPLEMENT_REQUESTED:
        lines = [DocumentLine(nfc(line.name), line.originals, line.certified_copies, line.photocopies)
                 for line in missing]
        session.add(SupplementRequestRow(
            dossier_pk=row.pk, requested_at=moment, requested_by=who.name, requested_by_username=who.username,
            reason=reason, missing=lines_to_json(lines), due_at_before=row.due_at, supplied_by="",
        ))
        extra["missing"] = lines_to_json(lines)
    elif current is Status.SUPPLEMENT_REQUESTED and target is Status.PROCESSING:
        new_due = _close_supplement(session, row, moment, who)
        change = StatusChange(current, target, moment, who.name, reason, previous_due_at=row.due_at, due_at=new_due)
        extra["previous_due_at"], extra["due_at"] = iso_instant(row.due_at), iso_instant(new_due)
    elif (current, target) in ((Status.RECEIVED, Status.PROCESSING), (Status.PROCESSING, Status.RESULT_READY)):
        direction = HandoverDirection.TO_AGENCY if target is Status.PROCESSING else HandoverDirection.FROM_AGENCY
        extra["handover"] = _add_handover(session, row, direction, moment, who, agency)
    base_version = row.version
    record_status_change(session, row, change, now, actor_username=who.username)
    session.flush()
    append_operation(
        session, entity="dossier", entity_id=row.id, op_type=OpType.DOSSIER_STATUS,
        payload={"code": row.code, "from": int(current), "to": int(target), "note": reason, "actor": who.name,
                 "at": iso_instant(moment), **extra},
        now=now, base_version=base_version, actor=who.username,
    )
    dossier = load_dossier(session, row.code)
    assert dossier is not None
    return dossier


def request_supplement(
    db: Database, code: str, *, missing: Sequence[DocumentLine], reason: str, at: datetime | None = None,
    by: str = "", actor: str = "", now: datetime | None = None,
) -> Dossier:
    """Ask the citizen for the papers `missing` (Mẫu 02 after receipt): status 5, the clock stops."""
    if not missing:
        raise ValidationError("missing", "Hãy ghi ít nhất một giấy tờ cần bổ sung.", "Giấy tờ cần bổ sung")
    return transition(db, code, Status.SUPPLEMENT_REQUESTED, reason=reason, at=at, by=by, actor=actor,
                      missing=missing, now=now)


def record_supplied(
    db: Database, code: str, *, at: datetime | None = None, by: str = "", actor: str = "", now: datetime | None = None,
) -> Dossier:
    """The citizen brought the papers: back to 4, the due date moved by the working time waited."""
    return transition(db, code, Status.PROCESSING, at=at, by=by, actor=actor, now=now)


def apologise(
    db: Database, code: str, *, reason: str, new_due_at: datetime, at: datetime | None = None, by: str = "",
    actor: str = "", now: datetime | None = None,
) -> Apology:
    """Mẫu 04: the result will be late; the due date becomes `new_due_at`, the old one is kept."""
    now = now or utc_now()
    with db.write() as session:
        who = _actor(session, by, actor)
        row = _row(session, code)
        moment = _moment(session, row, at, now)
        status = Status(row.status)
        if status not in APOLOGY_STATUSES:
            raise InvalidTransition(f"Hồ sơ đang ở trạng thái «{status.label}»: không còn hẹn trả nên không lập "
                                    "phiếu xin lỗi và hẹn lại ngày trả kết quả.")
        reason = check_reason(Status.STOPPED, nfc(reason))  # required, bounded like a status reason
        _check_new_due(session, row, new_due_at)
        previous = row.due_at
        session.add(ApologyRow(dossier_pk=row.pk, at=moment, by=who.name, by_username=who.username, reason=reason,
                               previous_due_at=previous, new_due_at=new_due_at))
        row.previous_due_at, row.due_at, row.updated_at = previous, new_due_at, now
        append_operation(
            session, entity="dossier", entity_id=row.id, op_type=OpType.DOSSIER_APOLOGY,
            payload={"code": row.code, "at": iso_instant(moment), "actor": who.name, "reason": reason,
                     "previous_due_at": iso_instant(previous), "new_due_at": iso_instant(new_due_at)},
            now=now, actor=who.username, audit_before={"due_at": iso_instant(previous)},
        )
        return Apology(row.code, moment, who.name, reason, previous, new_due_at)


def hand_over(
    db: Database, code: str, direction: HandoverDirection, *, at: datetime | None = None, agency: str = "",
    by: str = "", actor: str = "", now: datetime | None = None,
) -> Handover:
    """A hand-over with the agency, a row of Mẫu 05: to the agency moves 2→4, from the agency 4→9.

    A dossier already at 4 (papers sent on after a supplement) or at 9 (the province said the result is
    ready; the paper result now reaches the desk) gets the row alone.
    """
    target = Status.PROCESSING if direction is HandoverDirection.TO_AGENCY else Status.RESULT_READY
    current = Status(get_row_status(db, code))
    if current is not target:
        dossier = transition(db, code, target, at=at, by=by, actor=actor, agency=agency, now=now)
        return handovers(db, dossier.code)[-1]
    now = now or utc_now()
    with db.write() as session:
        who = _actor(session, by, actor)
        row = _row(session, code)
        moment = _moment(session, row, at, now)
        if Status(row.status) is not target:  # moved since it was read: let the clerk look again
            raise InvalidTransition(f"Hồ sơ {row.code} vừa được chuyển trạng thái; hãy mở lại hồ sơ rồi làm lại.")
        payload = _add_handover(session, row, direction, moment, who, agency)
        append_operation(session, entity="dossier", entity_id=row.id, op_type=OpType.DOSSIER_HANDOVER,
                         payload={"code": row.code, "handover": payload}, now=now, actor=who.username)
        return handover_from_row(handover_rows(session, row)[-1], row.code)


def get_row_status(db: Database, code: str) -> int:
    with db.read() as session:
        return _row(session, code).status


# -- the parts ---------------------------------------------------------------------------------------


def _row(session: Session, code: str) -> DossierRow:
    row = get_row(session, code)
    if row is None:
        raise DossierNotFound(nfc(code))
    return row


def _actor(session: Session, by: str, actor: str) -> _Actor:
    """Who acts: the account `by`; on a counter without accounts `actor`, else the unit's clerk name."""
    profile = get_profile(session)
    name, username = actor_of(session, by, nfc(actor) or (profile.clerk_name if profile else ""))
    return _Actor(name, username)


def last_step_at(session: Session, row: DossierRow) -> datetime | None:
    """When the dossier's last recorded step happened (history, apology or hand-over)."""
    moments = [
        session.scalar(select(func.max(DossierEvent.at)).where(DossierEvent.dossier_pk == row.pk)),
        session.scalar(select(func.max(ApologyRow.at)).where(ApologyRow.dossier_pk == row.pk)),
        session.scalar(select(func.max(HandoverRow.at)).where(HandoverRow.dossier_pk == row.pk)),
    ]
    known = [m for m in moments if m is not None]
    return max(known) if known else None


def _moment(session: Session, row: DossierRow, at: datetime | None, now: datetime) -> datetime:
    """`at` checked (now when None): not in the future, not before the dossier's last step."""
    if at is None:
        return now
    if at.utcoffset() is None:
        raise ValidationError("at", "Thời điểm phải có múi giờ (ví dụ 2026-02-23T09:00+07:00).", AT_LABEL)
    if at > now:
        raise ValidationError("at", f"Thời điểm {office_datetime(at)} ở tương lai (bây giờ là {office_datetime(now)}).",
                              AT_LABEL)
    last = last_step_at(session, row)
    if last is not None and at < last:
        raise ValidationError("at", f"Thời điểm {office_datetime(at)} trước bước gần nhất của hồ sơ "
                              f"({office_datetime(last)}); các bước phải theo đúng thứ tự thời gian.", AT_LABEL)
    return at


def proposed_new_due(db: Database, code: str, *, now: datetime | None = None) -> datetime:
    """Mẫu 04's first proposal: the close of the first working day after the current due date, or after
    today when that has passed (the clerk changes it; `apologise` checks whatever is chosen)."""
    now = now or utc_now()
    with db.read() as session:
        row = _row(session, code)
        calendar = _calendar(session)
        after = office_day(max(row.due_at, now))
        return calendar.closing_time(calendar.next_working_day(after))


def _calendar(session: Session) -> Any:
    profile = get_profile(session)
    return build_calendar(session, (profile.calendar_config if profile else None) or {})


def _time_rule(session: Session, row: DossierRow) -> TimeRule:
    procedure = get_procedure(session, row.procedure_code)
    if procedure is None:  # gone from the catalog: the dossier's own hours still say how long it takes
        return TimeRule.from_hours(row.processing_hours)
    return procedure.time_rule(Channel(row.channel))


def _close_supplement(session: Session, row: DossierRow, moment: datetime, who: _Actor) -> datetime:
    """Close the open request at `moment` and give the new due date (NgayHenTraMoi)."""
    request = open_supplement(session, row)
    requested_at = request.requested_at if request is not None else _last_event_at(session, row)
    new_due = due_after_supplement(_time_rule(session, row), row.due_at, requested_at, moment, _calendar(session))
    if request is not None:
        request.supplied_at, request.supplied_by, request.due_at_after = moment, who.name, new_due
    return new_due


def _last_event_at(session: Session, row: DossierRow) -> datetime:
    """When the dossier entered 5 (a request written before issue 9 left no supplement row)."""
    return session.scalar(select(func.max(DossierEvent.at)).where(DossierEvent.dossier_pk == row.pk)) or row.received_at


def desk_party(session: Session) -> str:
    profile = get_profile(session)
    name = profile.unit_name.strip() if profile and profile.unit_name else ""
    return f"{DESK_PARTY} – {name}" if name else DESK_PARTY


def _add_handover(session: Session, row: DossierRow, direction: HandoverDirection, moment: datetime, who: _Actor,
                  agency: str) -> dict[str, Any]:
    """Store a Mẫu 05 row and return it as the operation carries it."""
    agency = nfc(agency).strip() or DEFAULT_AGENCY
    if len(agency) > 300:
        raise ValidationError("agency", "Tên cơ quan dài quá 300 ký tự.", "Cơ quan giải quyết")
    desk = desk_party(session)
    from_party, to_party = (desk, agency) if direction is HandoverDirection.TO_AGENCY else (agency, desk)
    outcome = timeliness(moment, row.due_at)
    session.add(HandoverRow(dossier_pk=row.pk, direction=direction.value, at=moment, from_party=from_party,
                            to_party=to_party, by=who.name, by_username=who.username, due_at=row.due_at,
                            outcome=outcome.value))
    return {"direction": direction.value, "at": iso_instant(moment), "from_party": from_party, "to_party": to_party,
            "actor": who.name, "due_at": iso_instant(row.due_at), "outcome": outcome.value}


def _check_new_due(session: Session, row: DossierRow, new_due_at: datetime) -> None:
    if new_due_at.utcoffset() is None:
        raise ValidationError("new_due_at", "Ngày hẹn trả mới phải có múi giờ.", NEW_DUE_LABEL)
    if new_due_at <= row.due_at:
        raise ValidationError("new_due_at", f"Ngày hẹn trả mới ({office_datetime(new_due_at)}) phải sau ngày hẹn "
                              f"hiện tại ({office_datetime(row.due_at)}).", NEW_DUE_LABEL)
    calendar = _calendar(session)
    local_day = office_day(new_due_at)
    if not calendar.is_working_day(local_day):
        raise ValidationError("new_due_at", f"Ngày hẹn trả mới ({office_datetime(new_due_at)}) rơi vào ngày nghỉ; "
                              "hãy chọn một ngày làm việc.", NEW_DUE_LABEL)



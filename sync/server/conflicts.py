"""A supervisor decides the conflicts the server kept (issue 13, R): keep one version, merge, or reject.

A conflict (models.Conflict) is a change the server would not apply over another: a dossier code or id
already used by another dossier, a status changed on both sides, a receipt in a closed day. The
decision is taken once: `UPDATE conflict SET resolved_at … WHERE resolved_at IS NULL` claims the row
and the resolution's primary key is the conflict's id, so a second decision (another desk, another
server process, the same instant) is refused by the database, never by a check in Python. The effect
(the counter's version applied, the fields merged) is written in the same transaction, and every desk
of the unit is told through the change feed (kind `conflict_resolution`).
"""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from counter_app.domain.accounts import verify_password
from counter_app.domain.codes import parse_dossier_code
from counter_app.domain.conflicts import IDENTITY_FIELDS
from counter_app.domain.errors import InvalidTransition, ValidationError
from counter_app.domain.lifecycle import Status, check_reason, check_transition
from counter_app.domain.operations import InvalidOperation, OpType, check_payload
from counter_app.domain.payloads import ConflictResolutionPayload, DossierCreatePayload, Payload
from counter_app.domain.serialization import iso_instant
from sync.protocol import ChangeKind, OpStatus
from sync.protocol_conflicts import (
    WRONG_PASSWORD,
    ConflictPage,
    ConflictState,
    ConflictView,
    Resolution,
    ResolutionNotice,
    ResolutionRequest,
    ResolutionView,
    Side,
)
from sync.server.errors import ApiError
from sync.server.feed import append_change
from sync.server.models import ClerkAccount, Conflict, ConflictResolution, Device, Dossier, DossierEvent
from sync.server.op_checks import LedgerKey, Outcome
from sync.server.report_sources import report_columns

MAX_PAGE = 100
TITLES = {
    "duplicate_code": "Hai hồ sơ khác nhau mang cùng một mã",
    "duplicate_id": "Mã định danh nội bộ của hồ sơ trùng với một hồ sơ khác",
    "status_conflict": "Trạng thái hồ sơ bị đổi cùng lúc ở quầy và ở cấp tỉnh",
    "day_already_closed": "Ngày đã có biên bản khóa sổ khác trên máy chủ",
    "receipt_in_closed_day": "Biên lai ghi vào ngày đã khóa sổ",
}
ALL = list(Resolution)
ONLY_KEEP_OR_REJECT = [Resolution.KEEP_SERVER, Resolution.REJECT]


def conflict_page(session: Session, device: Device, state: ConflictState, after: int, limit: int) -> ConflictPage:
    """The unit's conflicts in `state`, oldest first, a page of at most `limit` after id `after`."""
    pending = Conflict.resolved_at.is_(None) if state is ConflictState.OPEN else Conflict.resolved_at.is_not(None)
    rows = session.scalars(select(Conflict).where(Conflict.unit_code == device.unit_code, pending, Conflict.id > after)
                           .order_by(Conflict.id).limit(limit + 1)).all()
    page = rows[:limit]
    decided = {row.conflict_id: row for row in session.scalars(
        select(ConflictResolution).where(ConflictResolution.conflict_id.in_([c.id for c in page])))} if page else {}
    return ConflictPage(state=state, conflicts=[conflict_view(session, c, decided.get(c.id)) for c in page],
                        next_after=page[-1].id if len(rows) > limit else None)


def conflict_view(session: Session, conflict: Conflict, decided: ConflictResolution | None) -> ConflictView:
    server, counter = _versions(session, conflict)
    return ConflictView(
        id=conflict.id, code=conflict.code, title=TITLES.get(conflict.code, "Thay đổi không áp dụng được"),
        dossier_code=conflict.dossier_code, device_id=conflict.device_id, op_id=conflict.op_id,
        created_at=iso_instant(conflict.created_at), server=server, counter=counter, choices=_choices(conflict),
        mergeable=_mergeable(server, counter) if conflict.code == "duplicate_code" else [],
        resolution=None if decided is None else ResolutionView(
            resolution=Resolution(decided.resolution), supervisor_username=decided.supervisor_username,
            supervisor_name=decided.supervisor_name, note=decided.note, fields=decided.fields, effect=decided.effect,
            resolved_at=iso_instant(decided.resolved_at), device_id=decided.device_id),
    )


def resolve_conflict(session: Session, device: Device, conflict_id: int, request: ResolutionRequest,
                     now: datetime) -> ConflictView:
    """Record the supervisor's decision and apply its effect, all in the caller's transaction."""
    conflict = session.get(Conflict, conflict_id)
    if conflict is None or conflict.unit_code != device.unit_code:  # another unit's conflict is not even named
        raise ApiError(404, "unknown_conflict", f"Không có xung đột số {conflict_id} của đơn vị này trên máy chủ tỉnh.")
    supervisor = session.get(ClerkAccount, (device.unit_code, request.supervisor_username))
    if supervisor is None or supervisor.role != "supervisor" or supervisor.disabled:
        raise ApiError(403, "not_supervisor",
                       f"Tài khoản «{request.supervisor_username}» không phải giám sát viên đang hoạt động của đơn vị "
                       "trên máy chủ tỉnh; chỉ giám sát viên mới giải quyết được xung đột.")
    if request.resolution not in _choices(conflict):
        raise ApiError(422, "resolution_not_applicable",
                       f"Xung đột loại này không giải quyết được bằng cách «{request.resolution.label}»; hãy chọn "
                       "giữ bản của máy chủ tỉnh hoặc từ chối bản của quầy.")
    if request.fields and request.resolution is not Resolution.MERGE:
        raise ApiError(422, "fields_without_merge", "Chỉ cách «Gộp hai bản» mới kèm danh sách trường được chọn.")
    if not verify_password(request.supervisor_password, supervisor.password_hash):
        raise ApiError(403, WRONG_PASSWORD,
                       f"Mật khẩu của giám sát viên «{supervisor.username}» không đúng với tài khoản máy chủ tỉnh đang "
                       "giữ (nếu vừa đổi mật khẩu ở quầy, hãy đồng bộ rồi thử lại).")
    claimed = session.execute(update(Conflict).where(Conflict.id == conflict.id, Conflict.resolved_at.is_(None))
                              .values(resolved_at=now).execution_options(synchronize_session=False)).rowcount
    if claimed != 1:
        raise _already_resolved(conflict.id)
    note = unicodedata.normalize("NFC", request.note.strip())
    effect = _apply(session, conflict, request, supervisor.full_name, note, now)
    decided = ConflictResolution(conflict_id=conflict.id, unit_code=conflict.unit_code,
                                 resolution=request.resolution.value, supervisor_username=supervisor.username,
                                 supervisor_name=supervisor.full_name, device_id=device.id, note=note,
                                 fields={k: v.value for k, v in request.fields.items()}, effect=effect, resolved_at=now)
    try:
        with session.begin_nested():
            session.add(decided)
    except IntegrityError:  # the primary key: another process decided it first
        raise _already_resolved(conflict.id) from None
    notice = ResolutionNotice(conflict_id=conflict.id, op_id=conflict.op_id, device_id=conflict.device_id,
                              code=conflict.code, dossier_code=conflict.dossier_code, resolution=request.resolution,
                              supervisor_username=supervisor.username, supervisor_name=supervisor.full_name, note=note,
                              at=iso_instant(now), dossier=_notice_dossier(session, conflict, effect, request.resolution),
                              held_through=_held_through(session, conflict, request.resolution))
    append_change(session, unit_code=conflict.unit_code, kind=ChangeKind.CONFLICT_RESOLUTION,
                  entity_id=str(conflict.id), payload=notice.model_dump(mode="json"), now=now)
    session.refresh(conflict)
    return conflict_view(session, conflict, decided)


def _already_resolved(conflict_id: int) -> ApiError:
    return ApiError(409, "already_resolved", f"Xung đột số {conflict_id} đã được giải quyết trước đó; quyết định đã "
                                             "ghi được giữ nguyên. Hãy tải lại danh sách để xem ai đã quyết định.")


def _choices(conflict: Conflict) -> list[Resolution]:
    if conflict.code == "duplicate_code":
        return ALL
    if conflict.code == "status_conflict":
        return [Resolution.KEEP_SERVER, Resolution.KEEP_COUNTER, Resolution.REJECT]
    return ONLY_KEEP_OR_REJECT


def _dossier(session: Session, conflict: Conflict, *, lock: bool = False) -> Dossier | None:
    """The unit's dossier the conflict names; locked when a decision is about to change it."""
    if not conflict.dossier_code:
        return None
    query = select(Dossier).where(Dossier.code == conflict.dossier_code, Dossier.unit_code == conflict.unit_code)
    return session.scalar(query.with_for_update() if lock else query)


def _versions(session: Session, conflict: Conflict) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The province's version as it is now (the conflict's snapshot if the dossier is gone) and the counter's."""
    detail = conflict.detail if isinstance(conflict.detail, dict) else {}
    if conflict.code == "status_conflict":
        dossier = _dossier(session, conflict)
        counter = detail.get("counter") if isinstance(detail.get("counter"), dict) else {}
        server = ({"status": dossier.status, "version": dossier.version} if dossier is not None else
                  {"status": detail.get("server_status"), "version": detail.get("server_version")})
        return server, {"status": counter.get("to"), "from": counter.get("from"), "at": counter.get("at"),
                        "actor": counter.get("actor"), "note": counter.get("note")}
    theirs, ours = detail.get("theirs"), detail.get("ours")
    if conflict.code == "duplicate_code":
        dossier = _dossier(session, conflict)
        theirs = dossier.data if dossier is not None else theirs
    return (theirs if isinstance(theirs, dict) else None if theirs is None else {"code": theirs},
            ours if isinstance(ours, dict) else None)


def _mergeable(server: dict[str, Any] | None, counter: dict[str, Any] | None) -> list[str]:
    """The content fields where the two versions differ: what a merge can take from the counter."""
    if server is None or counter is None:
        return []
    return sorted(key for key in server.keys() | counter.keys()
                  if key not in IDENTITY_FIELDS and server.get(key) != counter.get(key))


def _apply(session: Session, conflict: Conflict, request: ResolutionRequest, by: str, note: str,
           now: datetime) -> dict[str, Any]:
    """The decision's effect on the province's data; what it did, for the record and the desks."""
    dossier = _dossier(session, conflict, lock=True)
    effect: dict[str, Any] = {"changed": False}
    if request.resolution in (Resolution.KEEP_COUNTER, Resolution.MERGE):
        if dossier is None:
            raise ApiError(409, "dossier_gone", f"Hồ sơ {conflict.dossier_code} không còn trên máy chủ tỉnh; chỉ có "
                                                "thể giữ bản của máy chủ hoặc từ chối bản của quầy.")
        if conflict.code == "status_conflict":
            effect = _counter_status(session, conflict, dossier, by, note, now)
        else:
            effect = _counter_fields(conflict, dossier, request, now)
    if dossier is not None:
        effect["dossier"] = {"status": dossier.status, "version": dossier.version}
    return effect


def _held_through(session: Session, conflict: Conflict, resolution: Resolution) -> int | None:
    """The highest number the province holds of a disputed code's unit, day and desk slot, when the desk's
    dossier is to get a new code (keep_server, reject on a duplicate code): a desk put back from an old backup,
    or a second device on the same slot, may have given more of that day's numbers than the one disputed."""
    if conflict.code != "duplicate_code" or resolution.applies_counter_version or not conflict.dossier_code:
        return None
    try:
        code = parse_dossier_code(conflict.dossier_code)
    except ValidationError:
        return None  # a portal code: the desk does not number it
    prefix = f"{code.unit_code}-{code.day:%y%m%d}-{code.desk_slot}"
    highest = session.scalar(select(func.max(Dossier.code)).where(Dossier.unit_code == conflict.unit_code,
                                                                  Dossier.code.like(f"{prefix}%")))
    try:
        return parse_dossier_code(highest).number if highest else None
    except ValidationError:
        return None


def _notice_dossier(session: Session, conflict: Conflict, effect: dict[str, Any],
                    resolution: Resolution) -> dict[str, Any] | None:
    """The province's dossier as the desks learn it: status and version, and its whole content when the
    decision made the desk's dossier and the province's one (keep_counter or merge on a duplicate code), so
    the desks holding it take it and the desk whose create was in conflict takes its id too
    (counter_app/storage/conflict_notices.py)."""
    told = effect.get("dossier")
    if told is None or conflict.code != "duplicate_code" or not resolution.applies_counter_version:
        return told
    dossier = _dossier(session, conflict)
    return told if dossier is None else {**told, "data": dossier.data}


def _counter_status(session: Session, conflict: Conflict, dossier: Dossier, by: str, note: str,
                    now: datetime) -> dict[str, Any]:
    """keep_counter on a status conflict: the counter's step, taken from where the dossier is now."""
    counter = conflict.detail.get("counter") if isinstance(conflict.detail, dict) else None
    try:
        current, target = Status(dossier.status), Status(int((counter or {}).get("to")))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ApiError(422, "bad_conflict", "Bản của quầy trong xung đột này không đọc được; chỉ có thể giữ bản "
                                            "của máy chủ tỉnh hoặc từ chối bản của quầy.") from None
    reason = str((counter or {}).get("note") or note)
    try:
        check_transition(current, target)
        check_reason(target, reason)
    except InvalidTransition as error:
        raise ApiError(422, "illegal_transition", f"Không giữ được bản của quầy: {error.message}") from None
    dossier.status, dossier.version, dossier.updated_at = int(target), dossier.version + 1, now
    dossier.data = {**dossier.data, "status": int(target), "version": dossier.version}
    session.add(DossierEvent(dossier_id=dossier.id, from_status=int(current), to_status=int(target), at=now,
                             actor=by, note=reason, source="supervisor", op_id=conflict.op_id))
    append_change(session, unit_code=dossier.unit_code, kind=ChangeKind.DOSSIER_STATUS, entity_id=dossier.code,
                  payload={"code": dossier.code, "from": int(current), "status": int(target), "version": dossier.version,
                           "note": reason, "actor": by, "at": iso_instant(now)}, now=now)
    return {"changed": True, "from_status": int(current), "to_status": int(target)}


def _counter_fields(conflict: Conflict, dossier: Dossier, request: ResolutionRequest, now: datetime) -> dict[str, Any]:
    """keep_counter / merge on a duplicate code: the chosen content fields of the counter's dossier."""
    counter = conflict.detail.get("ours") if isinstance(conflict.detail, dict) else None
    if not isinstance(counter, dict):
        raise ApiError(422, "bad_conflict", "Bản của quầy trong xung đột này không đọc được.")
    mergeable = _mergeable(dossier.data, counter)
    if request.resolution is Resolution.KEEP_COUNTER:
        taken = mergeable
    else:
        unknown = sorted(set(request.fields) - set(mergeable))
        if unknown:
            raise ApiError(422, "unknown_field", f"Không gộp được trường «{unknown[0][:64]}»: hai bản không khác nhau "
                                                 "ở trường này hoặc trường này không được thay.")
        taken = sorted(key for key, side in request.fields.items() if side is Side.COUNTER)
    data = {key: value for key, value in dossier.data.items() if key not in taken}
    data.update({key: counter[key] for key in taken if key in counter})
    try:  # the result must still be a dossier the counters can read
        checked = check_payload(OpType.DOSSIER_CREATE, data)
    except InvalidOperation as error:
        raise ApiError(422, "merge_invalid", f"Bản gộp không phải một hồ sơ hợp lệ: {error}") from None
    assert isinstance(checked, DossierCreatePayload)
    for column, value in report_columns(checked).items():
        setattr(dossier, column, value)
    dossier.version += 1
    dossier.data = {**data, "version": dossier.version}
    dossier.updated_at = now
    return {"changed": bool(taken), "fields": taken}


def record_resolution_op(session: Session, device: Device, key: LedgerKey, payload: Payload, raw: dict[str, Any],
                         now: datetime, lookup: object) -> Outcome:
    """The `conflict.resolution` operation: the counter's audit row of a decision this server recorded (the
    envelope carries it); accepted when the decision is the unit's, changing nothing else."""
    assert isinstance(payload, ConflictResolutionPayload)
    decided = session.get(ConflictResolution, payload.conflict_id)
    if decided is None or decided.unit_code != device.unit_code:
        return Outcome(OpStatus.REJECTED, "unknown_resolution",
                       f"Máy chủ tỉnh không có quyết định nào về xung đột số {payload.conflict_id} của đơn vị; "
                       "dòng nhật ký của quầy vẫn được lưu.")
    return Outcome(OpStatus.ACCEPTED)

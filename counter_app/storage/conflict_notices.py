"""A supervisor's decision on a conflict, as a desk learns it from the change feed (issue 13, R).

The desk whose operation was in conflict marks it decided: accepted when the counter's version went in
(keep_counter, merge), refused when it did not (keep_server, reject), with who decided and why as the
operation's reason, so the sync screen stops listing it as waiting for a person. When the province's
status stays (a status conflict the counter did not win), the counter's dossier takes the province's
status, like any status the province sends. When the decision changed the province's dossier content
(keep_counter or merge on a duplicate code), every desk holding that dossier (same code, same id) takes
the new content, its identity and lifecycle kept (domain.conflicts.IDENTITY_FIELDS), and the province's
version; when the decided fees assessed at intake differ from the desk's, they replace them (what the desk
still collects follows: services.fees.fees_due). A desk's own dossier.create refused on a duplicate code is marked `recode_needed`: the
province keeps another citizen's dossier under the code, and the desk's gets a new one (services/recode.py).
Applying the same notice twice changes nothing more.
The payload is sync.protocol_conflicts.ResolutionNotice, read here field by field (storage does not
import sync); a notice that does not read raises, and the puller skips that one change alone.
"""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from counter_app.domain.codes import parse_dossier_code
from counter_app.domain.conflicts import IDENTITY_FIELDS, RECODE_KEY, RECODE_NEEDED, Resolution
from counter_app.domain.dossier import Dossier, StatusChange
from counter_app.domain.errors import ValidationError
from counter_app.domain.lifecycle import Status
from counter_app.domain.operations import OpType, OutboxState, check_payload
from counter_app.domain.payloads import DossierCreatePayload
from counter_app.storage.dossiers import (
    dossier_from_payload,
    dossier_values,
    get_row,
    raise_count_of_day,
    record_status_change,
    row_to_dossier,
    update_search_entry,
)
from counter_app.storage.models import DossierFeeRow, DossierRow, OutboxOp
from counter_app.storage.outbox import send_again_under
from counter_app.storage.profile import get_profile
from counter_app.storage.pullback_records import INTAKE, store_intake_fees

MAX_TEXT = 500
ADOPTED = "adopted"  # result code of a step withdrawn because its dossier took the province's id (resent under it)


def apply_resolution_notice(session: Session, payload: dict[str, Any], device_id: str, now: datetime) -> None:
    dossier = payload.get("dossier")
    who, note = str(payload["supervisor_name"])[:MAX_TEXT], str(payload["note"])[:MAX_TEXT]
    resolution = Resolution(payload["resolution"])
    own = payload["device_id"] == device_id
    if isinstance(dossier, dict) and isinstance(dossier.get("data"), dict):
        version = dossier["version"]
        if type(version) is not int:  # strict, as everything from the wire: "2" is not a version
            raise TypeError("the decided dossier's version is not an integer")
        adopted = _adopt_province_id(session, dossier["data"], str(payload["op_id"])[:36]) \
            if own and payload["code"] == "duplicate_code" and resolution.applies_counter_version else None
        _take_province_content(session, dossier["data"], version, f"Giám sát viên {who}", note, now,
                               newer_only=adopted is None)
        if adopted is not None:  # its steps refused, unsent or unanswered go again under the province's id
            send_again_under(session, adopted[0], dict([adopted]), now, code=str(payload["dossier_code"])[:40],
                             reason_code=ADOPTED,
                             reason=f"Giám sát viên {who} xác định đây là cùng một hồ sơ với hồ sơ tỉnh đang giữ; "
                                    "thao tác được gửi lại cho hồ sơ đó")
    if not own:
        return  # another desk's operation: nothing of ours to mark
    op = session.scalar(select(OutboxOp).where(OutboxOp.op_id == str(payload["op_id"])[:36]))
    if op is not None and op.state == OutboxState.CONFLICT.value:
        op.state = (OutboxState.ACKED if resolution.applies_counter_version else OutboxState.REJECTED).value
        op.result_code = f"resolved_{resolution.value}"
        op.result_message = f"Giám sát viên {who} đã quyết định «{resolution.label}» về xung đột này: {note}"
        if payload["code"] == "duplicate_code" and op.op_type == OpType.DOSSIER_CREATE and \
                not resolution.applies_counter_version:
            op.result_code = RECODE_NEEDED
            op.result_message += (f". Máy chủ tỉnh giữ hồ sơ của công dân khác dưới mã {str(payload['dossier_code'])[:40]}; "
                                  f"hồ sơ của quầy cần mã mới: mở hồ sơ và bấm {RECODE_KEY} (Cấp mã mới), rồi in lại "
                                  "giấy tiếp nhận cho công dân.")
            _skip_held_numbers(session, str(payload["dossier_code"]), payload.get("held_through"))
        if resolution.applies_counter_version:
            op.acked_at = now
    if payload["code"] == "status_conflict" and not resolution.applies_counter_version and isinstance(dossier, dict):
        _take_province_status(session, str(payload["dossier_code"]), Status(int(dossier["status"])),
                              int(dossier["version"]), datetime.fromisoformat(payload["at"]),
                              who, f"Theo quyết định của giám sát viên: {note}", now)


def _skip_held_numbers(session: Session, code: str, held_through: object) -> None:
    """Move this desk's count of the disputed code's day past the highest number the province holds of it
    (the notice's `held_through`), so the dossier's new code (services/recode.py) is not one more duplicate.
    Anything that does not fit (another slot, a number outside it, not an integer) is ignored; so is a
    desk still waiting for its pull-back (the 0019 trigger refuses the count; the pull-back moves it)."""
    try:
        disputed = parse_dossier_code(code)
    except ValidationError:
        return
    profile = get_profile(session)
    slot = disputed.desk_slot
    if type(held_through) is not int or profile is None or profile.desk_slot != slot or \
            not slot * 1000 < held_through < (slot + 1) * 1000:
        return
    try:
        with session.begin_nested():
            raise_count_of_day(session, disputed.day, slot, held_through - slot * 1000)
    except DBAPIError:
        return


def _adopt_province_id(session: Session, data: dict[str, Any], op_id: str) -> tuple[str, str] | None:
    """keep_counter or merge on this desk's own dossier.create, whose code the province held: a supervisor said
    the two are one dossier, so the desk's dossier takes the province's id (its content follows, above).
    (old id, new id), or None when there is nothing to take: the create not in conflict here, no such dossier,
    the same id already, or the province's id held by another dossier of this desk."""
    op = session.scalar(select(OutboxOp).where(OutboxOp.op_id == op_id))
    if op is None or op.state != OutboxState.CONFLICT.value or op.op_type != OpType.DOSSIER_CREATE.value:
        return None
    checked = check_payload(OpType.DOSSIER_CREATE, data)
    assert isinstance(checked, DossierCreatePayload)
    row = session.scalar(select(DossierRow).where(DossierRow.id == op.entity_id))
    if row is None or row.code != checked.code or row.id == checked.id or \
            session.scalar(select(DossierRow.pk).where(DossierRow.id == checked.id)) is not None:
        return None
    old_id, row.id = row.id, checked.id
    session.flush()
    return old_id, checked.id


def _take_province_status(session: Session, code: str, status: Status, version: int, at: datetime, who: str,
                          note: str, now: datetime) -> None:
    row = get_row(session, code)
    if row is None or row.status == int(status) or version < row.version:
        return
    record_status_change(session, row, StatusChange(Status(row.status), status, at, who, note), now)
    row.version = version


def _take_province_content(session: Session, data: dict[str, Any], version: int, by: str, note: str,
                           now: datetime, *, newer_only: bool = True) -> None:
    """The decided content of a dossier this desk holds (checked as a dossier.create, like any the province
    sends), its fees assessed at intake included; a dossier it does not hold, another dossier under the same
    code, or an older version: nothing."""
    checked = check_payload(OpType.DOSSIER_CREATE, data)
    assert isinstance(checked, DossierCreatePayload)
    row = get_row(session, checked.code)
    if row is None or row.id != checked.id or (newer_only and version <= row.version):
        return
    version = max(version, row.version)  # an adopted dossier keeps the steps the desk counted
    current = row_to_dossier(row)
    content = checked.model_dump(mode="json")
    incoming = dossier_from_payload(content, status=current.status, version=version, history=current.history)
    decided = replace(current, version=version, **{f.name: getattr(incoming, f.name) for f in fields(Dossier)
                                                    if f.name not in IDENTITY_FIELDS})
    for column, value in dossier_values(decided, now).items():
        if getattr(row, column) != value:
            setattr(row, column, value)
    update_search_entry(session, row.pk, decided)
    take_decided_intake_fees(session, row, content.get("fees"), by, f"Theo quyết định về xung đột đồng bộ: {note}", now)


def take_decided_intake_fees(session: Session, row: DossierRow, fees: dict[str, Any] | None, by: str, reason: str,
                             at: datetime) -> None:
    """A supervisor's decision on a conflict set the dossier's content (above), its fees assessed at intake
    included (dossier.create's "fees", already checked with it): they become the desk's assessment of intake,
    with who decided and why. The one case an assessment changes after it is made:
    the province's dossier is the one the receipts must follow. No "fees" (an older counter's dossier, which
    recorded none): the desk's assessment stays."""
    if not fees:
        return
    held = session.scalar(select(DossierFeeRow).where(DossierFeeRow.dossier_code == row.code,
                                                      DossierFeeRow.source == INTAKE))
    if held is None:
        store_intake_fees(session, row, fees, by)
        return
    decided = (fees["lines"], fees["unknown"], fees["quantities"], fees["exemption"])
    if (held.lines, held.unknown, held.quantities, held.exemption) == decided:
        return
    held.lines, held.unknown, held.quantities, held.exemption = decided
    held.reason, held.assessed_at, held.assessed_by, held.assessed_by_username = reason, at, by, ""

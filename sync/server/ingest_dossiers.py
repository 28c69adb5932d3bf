"""Handlers of the operations on a dossier: its creation, its steps, its records, its attachments.

Each returns the Outcome the ledger records; its writes go into the caller's transaction (the batch's,
or the operation's own savepoint), so an operation refused leaves nothing behind (sync/server/ingest.py).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from counter_app.domain.codes import parse_dossier_code
from counter_app.domain.errors import DomainError, InvalidTransition
from counter_app.domain.formats import office_datetime
from counter_app.domain.lifecycle import Status, check_reason, check_transition
from counter_app.domain.lifecycle_records import APOLOGY_STATUSES
from counter_app.domain.payloads import (
    ApologyPayload,
    AttachmentAddPayload,
    DossierCreatePayload,
    HandoverAddPayload,
    Payload,
    StatusChangePayload,
)
from counter_app.domain.payloads_money import FeeRequestPayload
from sync.protocol import OpStatus
from sync.server.bulk_insert import JsonText
from sync.server.ingest_lookup import DossierLookup
from sync.server.models import Attachment, Blob, Conflict, Device, Dossier, DossierEvent, DossierRecord
from sync.server.op_checks import (
    LedgerKey,
    Outcome,
    check_code_claims,
    check_refusal_reason,
    dated_before_receipt,
    instant,
    unknown_dossier,
)
from sync.server.report_sources import report_columns

log = logging.getLogger(__name__)


def create_dossier(session: Session, device: Device, key: LedgerKey, payload: Payload, raw: dict[str, Any],
                    now: datetime, lookup: DossierLookup) -> Outcome:
    assert isinstance(payload, DossierCreatePayload)
    refused = refuse_creation(device, payload, lookup.slots_held(device))
    if refused is not None:
        return refused
    same_id = lookup.by_id(payload.id)
    if same_id is not None and same_id.code != payload.code:
        session.add(Conflict(unit_code=device.unit_code, dossier_code=payload.code, device_id=device.id, op_id=key.op_id,
                             code="duplicate_id", detail={"theirs": same_id.code, "ours": raw}, created_at=now))
        return Outcome(OpStatus.CONFLICT, "duplicate_id",
                       f"Mã định danh nội bộ của hồ sơ {payload.code} trùng với hồ sơ {same_id.code} trên máy chủ; "
                       "hồ sơ được giữ lại để kỹ thuật viên kiểm tra.")
    existing = lookup.by_code(payload.code)
    if existing is not None:
        if existing.id == payload.id:
            return Outcome(OpStatus.ACCEPTED, "already_exists", "", existing.version)
        session.add(Conflict(unit_code=device.unit_code, dossier_code=payload.code, device_id=device.id, op_id=key.op_id,
                             code="duplicate_code", detail={"theirs": existing.data, "ours": raw}, created_at=now))
        lookup.dispute(device, payload.code)  # the device's next operations on this code are not the province's dossier's
        return Outcome(
            OpStatus.CONFLICT,
            "duplicate_code",
            f"Mã hồ sơ {payload.code} đã được một hồ sơ khác dùng trên máy chủ (có thể do khôi phục dữ liệu quầy từ bản sao lưu cũ). "
            "Hồ sơ được giữ lại để giám sát viên xử lý; hãy cấp lại mã mới cho hồ sơ này.",
        )
    dossier = Dossier(**new_dossier_values(device, payload, raw, now))
    session.add(dossier)
    lookup.add(dossier)
    session.add_all(DossierEvent(**values) for values in history_values(payload, key.op_id))
    return Outcome(OpStatus.ACCEPTED, "", "", dossier.version)


def refuse_creation(device: Device, payload: DossierCreatePayload, held: set[int]) -> Outcome | None:
    """Why the device may not create this dossier, whatever the server holds (None if it may)."""
    return check_code_claims(device, payload, held) or check_refusal_reason(payload)


def new_dossier_values(device: Device, payload: DossierCreatePayload, raw: dict[str, Any] | JsonText,
                       now: datetime) -> dict[str, Any]:
    """The `dossier` row of a dossier.create: one place for the per-operation and the set-based path (which
    gives `raw` as its canonical JSON text, for sync/server/bulk_insert.py to write as it is)."""
    return {"id": payload.id, "code": payload.code, "unit_code": device.unit_code, "desk_slot": payload.desk_slot,
            "status": payload.status, "version": payload.version, "data": raw,
            "received_at": instant(payload.received_at), "updated_at": now, "source_device_id": device.id,
            "due_at": instant(payload.due_at), "previous_due_at": None, **report_columns(payload)}


def history_values(payload: DossierCreatePayload, op_id: str) -> list[dict[str, Any]]:
    """The `dossier_event` rows of a new dossier's history, all with the same keys (one executemany); no
    `details` key, so the column stays SQL NULL (the JSON type would write None as the JSON text null)."""
    return [{"dossier_id": payload.id, "from_status": change.from_status, "to_status": change.to_status,
             "at": instant(change.at), "actor": change.actor, "note": change.note, "source": "counter",
             "op_id": op_id} for change in payload.history]


def change_status(session: Session, device: Device, key: LedgerKey, payload: Payload, raw: dict[str, Any],
                   now: datetime, lookup: DossierLookup, base_version: int | None = None) -> Outcome:
    assert isinstance(payload, StatusChangePayload)
    dossier = lookup.by_code(payload.code)
    if dossier is None or dossier.unit_code != device.unit_code:
        return unknown_dossier(payload.code)
    source, target = Status(payload.from_status), Status(payload.to_status)
    try:
        current = Status(dossier.status)
    except ValueError:
        return Outcome(OpStatus.CONFLICT, "unknown_status", f"Hồ sơ {dossier.code} có trạng thái lạ trên máy chủ.")
    if dossier.version != base_version and current != source:
        session.add(Conflict(unit_code=device.unit_code, dossier_code=dossier.code, device_id=device.id, op_id=key.op_id,
                             code="status_conflict",
                             detail={"server_status": int(current), "server_version": dossier.version, "counter": raw},
                             created_at=now))
        return Outcome(
            OpStatus.CONFLICT,
            "status_conflict",
            f"Hồ sơ {dossier.code} đã được chuyển sang «{current.label}» ở cấp tỉnh trong khi quầy chuyển sang "
            f"«{target.label}». Cả hai thay đổi được giữ để giám sát viên quyết định.",
            dossier.version,
        )
    try:
        check_transition(current, target)
        check_reason(target, payload.note)
    except InvalidTransition as error:
        return Outcome(OpStatus.REJECTED, "illegal_transition", error.message, dossier.version)
    refused = check_step_details(payload, current, target) or dated_before_receipt(dossier, payload.at) or (
        _pulls_due_earlier(dossier, payload.due_at) if payload.due_at is not None else None)
    if refused is not None:
        return Outcome(OpStatus.REJECTED, "bad_step", refused, dossier.version)
    dossier.status = int(target)
    dossier.version += 1
    dossier.updated_at = now
    dossier.data = {**dossier.data, "status": int(target), "version": dossier.version}
    if payload.due_at is not None:
        _move_due(dossier, payload.previous_due_at, payload.due_at)
    details = payload.model_dump(include={"missing", "previous_due_at", "due_at", "handover"}, exclude_none=True,
                                 mode="json")
    session.add(DossierEvent(dossier_id=dossier.id, from_status=int(current), to_status=int(target),
                             at=instant(payload.at), actor=payload.actor, note=payload.note, source="counter",
                             op_id=key.op_id, details=details or None))
    if payload.handover is not None:
        session.add(DossierRecord(dossier_id=dossier.id, kind="handover", at=instant(payload.handover.at),
                                  actor=payload.handover.actor, data=payload.handover.model_dump(mode="json"),
                                  op_id=key.op_id))
    return Outcome(OpStatus.ACCEPTED, "", "", dossier.version)


def check_step_details(payload: StatusChangePayload, current: Status, target: Status) -> str | None:
    """What a step carries must fit the step: papers only into 5, due dates only with 5→4, a hand-over
    only with 2→4 or 4→9 and in the step's direction, the new due date never before the old one."""
    if payload.missing is not None and target is not Status.SUPPLEMENT_REQUESTED:
        return f"Chỉ yêu cầu bổ sung mới kèm danh sách giấy tờ thiếu, không phải bước sang «{target.label}»."
    if (payload.due_at is not None) != (payload.previous_due_at is not None):
        return "Ngày hẹn trả trước và ngày hẹn trả mới phải đi cùng nhau."
    if payload.due_at is not None:
        if (current, target) != (Status.SUPPLEMENT_REQUESTED, Status.PROCESSING):
            return "Chỉ bước nhận đủ giấy tờ bổ sung mới được dời ngày hẹn trả."
        if instant(payload.due_at) < instant(payload.previous_due_at or payload.due_at):
            return "Ngày hẹn trả mới không được trước ngày hẹn trả trước đó."
    if payload.handover is not None:
        expected = {(Status.RECEIVED, Status.PROCESSING): "to_agency",
                    (Status.PROCESSING, Status.RESULT_READY): "from_agency"}.get((current, target))
        if expected != payload.handover.direction.value:
            return f"Bước từ «{current.label}» sang «{target.label}» không kèm phiếu giao nhận theo chiều này."
    return None


def _pulls_due_earlier(dossier: Dossier, due: str, apology: bool = False) -> str | None:
    """Why a due date sent by the counter may not replace the server's (None if it may): a supplement answered
    or a Mẫu 04 only ever moves it later, whatever "previous" date the operation claims; Mẫu 04 strictly."""
    if dossier.due_at is None:
        return None
    new = instant(due)
    if new > dossier.due_at or (new == dossier.due_at and not apology):
        return None
    return (f"Ngày hẹn trả mới ({office_datetime(new)}) của hồ sơ {dossier.code} không được sớm hơn "
            f"{'hoặc bằng ' if apology else ''}ngày hẹn trả hiện tại trên máy chủ ({office_datetime(dossier.due_at)}).")


def _move_due(dossier: Dossier, previous: str | None, due: str) -> None:
    """Both due dates go to their columns; `data` stays what the counter sent at creation."""
    dossier.previous_due_at = instant(previous) if previous else dossier.due_at
    dossier.due_at = instant(due)


def _lifecycle_dossier(lookup: DossierLookup, device: Device, code: str) -> Dossier | None:
    dossier = lookup.by_code(code)
    return dossier if dossier is not None and dossier.unit_code == device.unit_code else None


def apologise(session: Session, device: Device, key: LedgerKey, payload: Payload, raw: dict[str, Any],
               now: datetime, lookup: DossierLookup) -> Outcome:
    """Mẫu 04 from the counter: keep the record, move the due date (both dates kept)."""
    assert isinstance(payload, ApologyPayload)
    dossier = _lifecycle_dossier(lookup, device, payload.code)
    if dossier is None:
        return unknown_dossier(payload.code)
    if dossier.status not in {int(s) for s in APOLOGY_STATUSES}:
        return Outcome(OpStatus.REJECTED, "bad_step", f"Hồ sơ {dossier.code} đang ở trạng thái "
                       f"«{Status(dossier.status).label}»: không còn hẹn trả nên không lập phiếu xin lỗi.")
    if instant(payload.new_due_at) <= instant(payload.previous_due_at):
        return Outcome(OpStatus.REJECTED, "bad_step", "Ngày hẹn trả mới của phiếu xin lỗi phải sau ngày hẹn trả cũ.")
    refused = dated_before_receipt(dossier, payload.at) or _pulls_due_earlier(dossier, payload.new_due_at, apology=True)
    if refused is not None:
        return Outcome(OpStatus.REJECTED, "bad_step", refused)
    _move_due(dossier, payload.previous_due_at, payload.new_due_at)
    dossier.updated_at = now
    session.add(DossierRecord(dossier_id=dossier.id, kind="apology", at=instant(payload.at), actor=payload.actor,
                              data=payload.model_dump(mode="json"), op_id=key.op_id,
                              previous_due_at=instant(payload.previous_due_at)))
    return Outcome(OpStatus.ACCEPTED)


def add_handover(session: Session, device: Device, key: LedgerKey, payload: Payload, raw: dict[str, Any],
                  now: datetime, lookup: DossierLookup) -> Outcome:
    """A Mẫu 05 row without a status change: the dossier must already be where that row leaves it."""
    assert isinstance(payload, HandoverAddPayload)
    dossier = _lifecycle_dossier(lookup, device, payload.code)
    if dossier is None:
        return unknown_dossier(payload.code)
    row = payload.handover
    needed = Status.PROCESSING if row.direction.value == "to_agency" else Status.RESULT_READY
    if dossier.status != int(needed):
        return Outcome(OpStatus.REJECTED, "bad_step",
                       f"Hồ sơ {dossier.code} đang ở trạng thái «{Status(dossier.status).label}», không ghi được phiếu "
                       f"«{row.direction.label}» (cần trạng thái «{needed.label}»).")
    refused = dated_before_receipt(dossier, row.at)
    if refused is not None:
        return Outcome(OpStatus.REJECTED, "bad_step", refused)
    session.add(DossierRecord(dossier_id=dossier.id, kind="handover", at=instant(row.at), actor=row.actor,
                              data=row.model_dump(mode="json"), op_id=key.op_id))
    return Outcome(OpStatus.ACCEPTED)


def add_attachment(session: Session, device: Device, key: LedgerKey, payload: Payload, raw: dict[str, Any],
                    now: datetime, lookup: DossierLookup) -> Outcome:
    assert isinstance(payload, AttachmentAddPayload)
    dossier = lookup.by_code(payload.dossier_code)
    if dossier is None or dossier.unit_code != device.unit_code:
        return Outcome(OpStatus.CONFLICT, "unknown_dossier", f"Máy chủ chưa có hồ sơ {payload.dossier_code} để gắn tệp.")
    papers = len(dossier.data.get("documents") or ())
    if payload.document_index is not None and payload.document_index > papers:
        return Outcome(OpStatus.REJECTED, "unknown_paper",
                       f"Hồ sơ {dossier.code} chỉ có {papers} giấy tờ; không có giấy tờ số {payload.document_index} "
                       "để gắn bản số hóa.")
    if payload.reused_from is not None and not _code_of_unit(payload.reused_from, device.unit_code):
        return Outcome(OpStatus.REJECTED, "foreign_reuse",
                       f"Giấy tờ chỉ tái sử dụng được bản số hóa của một hồ sơ cùng đơn vị, không phải của hồ sơ "
                       f"{payload.reused_from}.")
    exists = session.scalar(select(Attachment).where(Attachment.dossier_code == dossier.code,
                                                    Attachment.sha256 == payload.sha256, Attachment.name == payload.name))
    if exists is None:
        session.add(Attachment(unit_code=device.unit_code, dossier_code=dossier.code, sha256=payload.sha256,
                               name=payload.name, size=payload.size, created_at=now,
                               document_index=payload.document_index, page_count=payload.page_count,
                               reused_from=payload.reused_from))
        if payload.replaces is not None:
            _mark_replaced(session, dossier.code, payload.document_index, payload.replaces, now)
    blob = session.get(Blob, (device.unit_code, payload.sha256))
    return Outcome(OpStatus.ACCEPTED, "" if blob is not None and blob.complete else "pending_blob")


def _code_of_unit(code: str, unit_code: str) -> bool:
    """True when `code` is a dossier code (a desk's or the portal's) issued in `unit_code`."""
    try:
        return parse_dossier_code(code).unit_code == unit_code
    except DomainError:
        return False


def _mark_replaced(session: Session, dossier_code: str, document_index: int | None, sha256: str, now: datetime) -> None:
    """The paper's previous scan bundle stays on the server (history), marked as replaced.

    Flushed first: the bundle it replaces may have been added earlier in the same batch."""
    session.flush()
    session.execute(update(Attachment).where(
        Attachment.dossier_code == dossier_code, Attachment.document_index == document_index,
        Attachment.sha256 == sha256, Attachment.replaced_at.is_(None)).values(replaced_at=now))


def request_fee(session: Session, device: Device, key: LedgerKey, payload: Payload, raw: dict[str, Any],
                 now: datetime, lookup: DossierLookup) -> Outcome:
    """A fee the agency set (issue 10, A): kept with the dossier, which the status change before it put in 6."""
    assert isinstance(payload, FeeRequestPayload)
    dossier = _lifecycle_dossier(lookup, device, payload.code)
    if dossier is None:
        return unknown_dossier(payload.code)
    if dossier.status != int(Status.AWAITING_PAYMENT):
        return Outcome(OpStatus.REJECTED, "bad_step", f"Hồ sơ {dossier.code} đang ở trạng thái "
                       f"«{Status(dossier.status).label}»: chỉ ghi yêu cầu nộp phí khi hồ sơ chờ thực hiện nghĩa vụ tài chính.")
    refused = dated_before_receipt(dossier, payload.at)
    if refused is not None:
        return Outcome(OpStatus.REJECTED, "bad_step", refused)
    session.add(DossierRecord(dossier_id=dossier.id, kind="fee", at=instant(payload.at), actor=payload.actor,
                              data=payload.model_dump(mode="json"), op_id=key.op_id))
    return Outcome(OpStatus.ACCEPTED)



"""Applying pushed operations: exactly once per (device, op_id), one bad operation never blocks the rest.

Each element of a batch is first checked alone (sync/server/op_checks.py: refused, deferred or to apply).
The rest is applied, normally all in one flush with the batch's dossiers prefetched; anything unexpected
makes the batch start over operation by operation, each in its own savepoint together with its ledger row.
A replay finds the ledger row and gets the stored result back; a concurrent duplicate (a retry racing the
original on another server process) loses on the ledger's unique constraint and reads the winner's result.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from counter_app.domain.accounts import merged, version_from_payload, version_payload
from counter_app.domain.codes import parse_dossier_code
from counter_app.domain.errors import DomainError, InvalidTransition
from counter_app.domain.formats import office_datetime
from counter_app.domain.lifecycle import Status, check_reason, check_transition
from counter_app.domain.lifecycle_records import APOLOGY_STATUSES
from counter_app.domain.operations import (
    AccountUpsertPayload,
    ApologyPayload,
    AssistLogPayload,
    AttachmentAddPayload,
    DossierCreatePayload,
    FeeRequestPayload,
    GuidanceRecordPayload,
    HandoverAddPayload,
    OpType,
    Payload,
    ResultReturnPayload,
    StatusChangePayload,
    WithdrawnPayload,
)
from sync.protocol import ChangeKind, OpResult, OpStatus, PushBatch, PushResponse
from sync.server.audit import epoch_head, keep_audit_rows
from sync.server.auth import epoch_row, slots_held
from sync.server.conflicts import record_resolution_op
from sync.server.day_close import record_day_close
from sync.server.feed import append_change
from sync.server.models import (
    AssistedFiling,
    Attachment,
    Blob,
    ClerkAccount,
    Conflict,
    Device,
    DeviceEpoch,
    Dossier,
    DossierEvent,
    DossierRecord,
    GuidanceRecord,
    OpLedger,
)
from sync.server.op_checks import (
    LedgerKey,
    Outcome,
    Prepared,
    check_account_claims,
    check_code_claims,
    check_desk_claim,
    check_guidance_claims,
    check_refusal_reason,
    dated_before_receipt,
    instant,
    ledger_answer,
    op_id_reused,
    prepare,
    rejected,
    replay,
    salvage,
    stored_answer,
)
from sync.server.receipts import record_cancellation, record_receipt
from sync.server.report_sources import report_columns
from sync.server.returns import record_return, record_shipment_state

log = logging.getLogger(__name__)


class DossierLookup:
    """Where handlers find dossiers: the database one query at a time, or a batch's prefetched rows.

    The batch form is what makes a 10,000-dossier backlog cheap: one query finds every dossier the
    batch's operations name, and dossiers created earlier in the batch are found by later operations.
    """

    def __init__(self, session: Session, rows: Iterable[Dossier] | None = None) -> None:
        self.session = session
        self.batch = rows is not None
        self._by_id: dict[str, Dossier] = {}
        self._by_code: dict[str, Dossier] = {}
        self._slots: set[int] | None = None
        for row in rows or ():
            self.add(row)

    @classmethod
    def prefetch(cls, session: Session, items: Iterable[Prepared]) -> DossierLookup:
        ids, codes = set(), set()
        for item in items:
            payload = item.payload
            if isinstance(payload, DossierCreatePayload):
                ids.add(payload.id)
                codes.add(payload.code)
            elif isinstance(payload, StatusChangePayload | ApologyPayload | HandoverAddPayload | FeeRequestPayload):
                codes.add(payload.code)
            elif isinstance(payload, (AttachmentAddPayload, ResultReturnPayload)):
                codes.add(payload.dossier_code)
        rows = session.scalars(
            select(Dossier).where(or_(Dossier.id.in_(ids), Dossier.code.in_(codes))).with_for_update()
        ).all() if ids or codes else []
        return cls(session, rows)

    def add(self, dossier: Dossier) -> None:
        self._by_id[dossier.id] = dossier
        self._by_code[dossier.code] = dossier

    def by_id(self, dossier_id: str) -> Dossier | None:
        if self.batch:
            return self._by_id.get(dossier_id)
        return self.session.get(Dossier, dossier_id)

    def by_code(self, code: str) -> Dossier | None:
        if self.batch:
            return self._by_code.get(code)
        return self.session.scalar(select(Dossier).where(Dossier.code == code).with_for_update())

    def slots_held(self, device: Device) -> set[int]:
        """The device's desk slots, read once per batch (they cannot change under its epoch lock)."""
        if self._slots is None:
            self._slots = slots_held(self.session, device.id)
        return self._slots


def _create_dossier(session: Session, device: Device, key: LedgerKey, payload: Payload, raw: dict[str, Any],
                    now: datetime, lookup: DossierLookup) -> Outcome:
    assert isinstance(payload, DossierCreatePayload)
    refused = check_code_claims(device, payload, lookup.slots_held(device)) or check_refusal_reason(payload)
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
        return Outcome(
            OpStatus.CONFLICT,
            "duplicate_code",
            f"Mã hồ sơ {payload.code} đã được một hồ sơ khác dùng trên máy chủ (có thể do khôi phục dữ liệu quầy từ bản sao lưu cũ). "
            "Hồ sơ được giữ lại để giám sát viên xử lý; hãy cấp lại mã mới cho hồ sơ này.",
        )
    dossier = Dossier(id=payload.id, code=payload.code, unit_code=device.unit_code, desk_slot=payload.desk_slot,
                      status=payload.status, version=payload.version, data=raw, received_at=instant(payload.received_at),
                      updated_at=now, source_device_id=device.id, due_at=instant(payload.due_at),
                      **report_columns(payload))
    session.add(dossier)
    lookup.add(dossier)
    for change in payload.history:
        session.add(DossierEvent(dossier_id=dossier.id, from_status=change.from_status, to_status=change.to_status,
                                 at=instant(change.at), actor=change.actor, note=change.note, source="counter",
                                 op_id=key.op_id))
    return Outcome(OpStatus.ACCEPTED, "", "", dossier.version)


def _change_status(session: Session, device: Device, key: LedgerKey, payload: Payload, raw: dict[str, Any],
                   now: datetime, lookup: DossierLookup, base_version: int | None = None) -> Outcome:
    assert isinstance(payload, StatusChangePayload)
    dossier = lookup.by_code(payload.code)
    if dossier is None or dossier.unit_code != device.unit_code:
        return Outcome(OpStatus.CONFLICT, "unknown_dossier", f"Máy chủ chưa có hồ sơ {payload.code}; thao tác sẽ được xem lại.")
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


def _apologise(session: Session, device: Device, key: LedgerKey, payload: Payload, raw: dict[str, Any],
               now: datetime, lookup: DossierLookup) -> Outcome:
    """Mẫu 04 from the counter: keep the record, move the due date (both dates kept)."""
    assert isinstance(payload, ApologyPayload)
    dossier = _lifecycle_dossier(lookup, device, payload.code)
    if dossier is None:
        return Outcome(OpStatus.CONFLICT, "unknown_dossier", f"Máy chủ chưa có hồ sơ {payload.code}; thao tác sẽ được xem lại.")
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


def _add_handover(session: Session, device: Device, key: LedgerKey, payload: Payload, raw: dict[str, Any],
                  now: datetime, lookup: DossierLookup) -> Outcome:
    """A Mẫu 05 row without a status change: the dossier must already be where that row leaves it."""
    assert isinstance(payload, HandoverAddPayload)
    dossier = _lifecycle_dossier(lookup, device, payload.code)
    if dossier is None:
        return Outcome(OpStatus.CONFLICT, "unknown_dossier", f"Máy chủ chưa có hồ sơ {payload.code}; thao tác sẽ được xem lại.")
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


def _add_attachment(session: Session, device: Device, key: LedgerKey, payload: Payload, raw: dict[str, Any],
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


def _withdrawn(session: Session, device: Device, key: LedgerKey, payload: Payload, raw: dict[str, Any],
               now: datetime, lookup: DossierLookup) -> Outcome:
    assert isinstance(payload, WithdrawnPayload)
    log.warning("Thiết bị %s rút thao tác seq %s (%s)", device.id, key.seq, payload.code)
    return Outcome(OpStatus.REJECTED, "withdrawn", f"Quầy đã rút thao tác này: {payload.reason}")


def _upsert_account(session: Session, device: Device, key: LedgerKey, payload: Payload, raw: dict[str, Any],
                    now: datetime, lookup: DossierLookup) -> Outcome:
    """Keep the winning version of a clerk account of the device's unit; publish it to the unit's desks
    when it changed what the province holds."""
    assert isinstance(payload, AccountUpsertPayload)
    refused = check_account_claims(payload)
    if refused is not None:
        return refused
    row = session.get(ClerkAccount, (device.unit_code, payload.username))
    current = None if row is None else version_from_payload(
        {"username": row.username, "full_name": row.full_name, "role": row.role, "password_hash": row.password_hash,
         "disabled": row.disabled, "version": row.version, "changed_at": row.changed_at.isoformat()})
    keep = merged(current, version_from_payload(payload))
    if keep == current:
        return Outcome(OpStatus.ACCEPTED, "superseded" if keep != version_from_payload(payload) else "")
    if row is None:
        row = ClerkAccount(unit_code=device.unit_code, username=keep.username)
        session.add(row)
    row.full_name, row.role, row.password_hash, row.disabled = keep.full_name, keep.role.value, keep.password_hash, keep.disabled
    row.version, row.changed_at, row.updated_at, row.source_device_id = keep.version, keep.changed_at, now, device.id
    append_change(session, unit_code=device.unit_code, kind=ChangeKind.ACCOUNT, entity_id=keep.username,
                  payload=version_payload(keep), now=now)
    return Outcome(OpStatus.ACCEPTED)


def _log_assistance(session: Session, device: Device, key: LedgerKey, payload: Payload, raw: dict[str, Any],
                    now: datetime, lookup: DossierLookup) -> Outcome:
    """Keep a desk's assisted-filing log line once (its id is the primary key: a race loses on it)."""
    assert isinstance(payload, AssistLogPayload)
    refusal = check_desk_claim(device, payload.unit_code, payload.desk_slot, payload.at, lookup.slots_held(device),
                               "Dòng nhật ký hỗ trợ")
    if refusal is not None:
        return refusal
    existing = session.get(AssistedFiling, payload.id)
    if existing is not None:
        if existing.unit_code == device.unit_code and existing.data == raw:
            return Outcome(OpStatus.ACCEPTED, "already_exists")
        return Outcome(OpStatus.REJECTED, "duplicate_id", "Mã định danh của dòng nhật ký hỗ trợ đã được dùng cho "
                       "một dòng khác trên máy chủ.")
    session.add(AssistedFiling(id=payload.id, unit_code=device.unit_code, desk_slot=payload.desk_slot,
                               at=instant(payload.at), outcome=payload.outcome.value,
                               procedure_code=payload.procedure_code, portal_code=payload.portal_code, data=raw,
                               source_device_id=device.id, received_at=now))
    return Outcome(OpStatus.ACCEPTED)


def _record_guidance(session: Session, device: Device, key: LedgerKey, payload: Payload, raw: dict[str, Any],
                     now: datetime, lookup: DossierLookup) -> Outcome:
    """Keep a desk's guidance record (issue 9): once per id; its reference is the desk's, unique in the unit."""
    assert isinstance(payload, GuidanceRecordPayload)
    refused = check_guidance_claims(device, payload, lookup.slots_held(device))
    if refused is not None:
        return refused
    existing = session.get(GuidanceRecord, payload.id)
    if existing is not None:
        if existing.unit_code == device.unit_code and existing.data == raw:
            return Outcome(OpStatus.ACCEPTED, "already_exists")
        return Outcome(OpStatus.REJECTED, "duplicate_id", "Mã định danh của phiếu hướng dẫn đã được dùng cho một "
                       "phiếu khác trên máy chủ.")
    taken = session.scalar(select(GuidanceRecord.id).where(GuidanceRecord.unit_code == device.unit_code,
                                                          GuidanceRecord.reference == payload.reference))
    if taken is not None:
        return Outcome(OpStatus.REJECTED, "duplicate_reference",
                       f"Số phiếu hướng dẫn {payload.reference} đã được dùng cho một phiếu khác của đơn vị.")
    session.add(GuidanceRecord(id=payload.id, unit_code=device.unit_code, reference=payload.reference,
                               at=instant(payload.at), procedure_code=payload.procedure_code, data=raw,
                               source_device_id=device.id, created_at=now))
    return Outcome(OpStatus.ACCEPTED)


def _request_fee(session: Session, device: Device, key: LedgerKey, payload: Payload, raw: dict[str, Any],
                 now: datetime, lookup: DossierLookup) -> Outcome:
    """A fee the agency set (issue 10, A): kept with the dossier, which the status change before it put in 6."""
    assert isinstance(payload, FeeRequestPayload)
    dossier = _lifecycle_dossier(lookup, device, payload.code)
    if dossier is None:
        return Outcome(OpStatus.CONFLICT, "unknown_dossier", f"Máy chủ chưa có hồ sơ {payload.code}; thao tác sẽ được xem lại.")
    if dossier.status != int(Status.AWAITING_PAYMENT):
        return Outcome(OpStatus.REJECTED, "bad_step", f"Hồ sơ {dossier.code} đang ở trạng thái "
                       f"«{Status(dossier.status).label}»: chỉ ghi yêu cầu nộp phí khi hồ sơ chờ thực hiện nghĩa vụ tài chính.")
    refused = dated_before_receipt(dossier, payload.at)
    if refused is not None:
        return Outcome(OpStatus.REJECTED, "bad_step", refused)
    session.add(DossierRecord(dossier_id=dossier.id, kind="fee", at=instant(payload.at), actor=payload.actor,
                              data=payload.model_dump(mode="json"), op_id=key.op_id))
    return Outcome(OpStatus.ACCEPTED)


Handler = Callable[..., Outcome]
HANDLERS: dict[OpType, Handler] = {
    OpType.DOSSIER_CREATE: _create_dossier,
    OpType.DOSSIER_STATUS: _change_status,
    OpType.ATTACHMENT_ADD: _add_attachment,
    OpType.ACCOUNT_UPSERT: _upsert_account,
    OpType.WITHDRAWN: _withdrawn,
    OpType.RESULT_RETURN: record_return,
    OpType.SHIPMENT_STATE: record_shipment_state,
    OpType.ASSIST_LOG: _log_assistance,
    OpType.DOSSIER_APOLOGY: _apologise,
    OpType.DOSSIER_HANDOVER: _add_handover,
    OpType.GUIDANCE_RECORD: _record_guidance,
    OpType.DAY_CLOSE: record_day_close,
    OpType.RECEIPT_ISSUE: record_receipt,
    OpType.RECEIPT_CANCEL: record_cancellation,
    OpType.FEE_REQUEST: _request_fee,
    OpType.CONFLICT_RESOLUTION: record_resolution_op,  # issue 13, R: carries the audit row of a decision
}
# Errors a handler may raise on a payload the checks let through: that operation is refused, alone.
HANDLER_FAULTS = (KeyError, ValueError, TypeError, ArithmeticError, DomainError)


def _decide(session: Session, device: Device, item: Prepared, now: datetime, lookup: DossierLookup) -> Outcome:
    if item.refusal is not None:
        return item.refusal
    assert item.op is not None and item.payload is not None and item.key is not None
    kind = OpType(item.op.op_type)
    handler = HANDLERS[kind]
    if kind is OpType.DOSSIER_STATUS:
        return handler(session, device, item.key, item.payload, item.op.payload, now, lookup, item.op.base_version)
    return handler(session, device, item.key, item.payload, item.op.payload, now, lookup)


def _stored(session: Session, device: Device, op_id: str) -> OpLedger | None:
    return session.scalar(select(OpLedger).where(OpLedger.device_id == device.id, OpLedger.op_id == op_id))


def _ledger_row(device: Device, epoch: str, key: LedgerKey, outcome: Outcome, now: datetime) -> OpLedger:
    return OpLedger(device_id=device.id, op_id=key.op_id, device_epoch=epoch, seq=key.seq, op_type=key.op_type,
                    entity_id=key.entity_id, payload_hash=key.payload_hash, status=outcome.status.value,
                    code=outcome.code, message=outcome.message, server_version=outcome.version, received_at=now)


def apply_one(session: Session, device: Device, epoch: str, item: Prepared, now: datetime) -> OpResult:
    """Apply one prepared operation in its own savepoint, together with its ledger row.

    The caller holds the device's epoch row lock, so the same device's pushes are applied one at a time;
    the ledger's unique constraint still settles any race (a replay of an op another process stored).
    """
    if item.answer is not None:
        return item.answer
    assert item.key is not None
    key = item.key
    stored = _stored(session, device, key.op_id)
    if stored is not None:  # an earlier element of this batch carried the same op_id
        return replay(device, item.op, stored) if item.op else stored_answer(key.op_id, key.seq, stored)
    for _attempt in range(2):
        try:
            try:
                with session.begin_nested():
                    ledger = _ledger_row(device, epoch, key, _decide(session, device, item, now, DossierLookup(session)), now)
                    session.add(ledger)
                    session.flush()
            except HANDLER_FAULTS as fault:
                # The savepoint took the partial effects away; record the refusal alone.
                log.warning("Thao tác %s của thiết bị %s bị từ chối (%s)", key.op_id, device.id, type(fault).__name__)
                refusal = Outcome(OpStatus.REJECTED, "bad_payload", "Máy chủ không áp dụng được dữ liệu của thao tác này.")
                with session.begin_nested():
                    ledger = _ledger_row(device, epoch, key, refusal, now)
                    session.add(ledger)
                    session.flush()
            return ledger_answer(key.op_id, key.seq, ledger)
        except IntegrityError:
            stored = _stored(session, device, key.op_id)
            if stored is not None:
                return stored_answer(key.op_id, key.seq, stored)
    return rejected(key.op_id, key.seq, "busy", "Máy chủ đang bận xử lý cùng dữ liệu; quầy sẽ gửi lại.")


def advance_acked(session: Session, row: DeviceEpoch, held: Iterable[int] = ()) -> int:
    """Move the acknowledged mark over every contiguous seq the ledger now holds.

    `held`: seqs of this push answered from the ledger (replays). A counter restored from an old backup re-sends, under
    its new epoch, operations the ledger already holds under the old one; they are held all the same,
    and without them the new epoch's mark would stop below them for ever (and the counter, seeing the
    mark behind what it has had answered, would re-send them on every sync).
    """
    seqs = set(session.scalars(
        select(OpLedger.seq)
        .where(OpLedger.device_id == row.device_id, OpLedger.device_epoch == row.epoch, OpLedger.seq > row.acked_seq)
    ).all())
    seqs.update(seq for seq in held if seq > row.acked_seq)
    acked = row.acked_seq
    for seq in sorted(seqs):
        if seq == acked + 1:
            acked = seq
        elif seq > acked + 1:
            break
    row.acked_seq = acked
    return acked


def _apply_batch_fast(session: Session, device: Device, epoch: str, items: list[Prepared], now: datetime) -> list[OpResult]:
    """The common case in one go: prefetched dossiers, no savepoint per operation, one flush at the end.

    Anything unexpected (a race on a unique constraint, a handler failing on an odd payload) raises, and
    the caller redoes the batch operation by operation.
    """
    lookup = DossierLookup.prefetch(session, items)
    results = []
    with session.no_autoflush:
        for item in items:
            if item.answer is not None:
                results.append(item.answer)
                continue
            assert item.key is not None
            ledger = _ledger_row(device, epoch, item.key, _decide(session, device, item, now, lookup), now)
            session.add(ledger)
            results.append(ledger_answer(item.key.op_id, item.key.seq, ledger))
    session.flush()
    return results


def _order(item: Prepared) -> int:
    return item.key.seq if item.key is not None else 0


def _split_repeats(items: list[Prepared]) -> tuple[list[Prepared], list[tuple[Prepared, Prepared]]]:
    """The first element of each op_id to apply, and each later one with the first it repeats.

    A batch may name one operation twice (a client bug, or an attacker's thousand copies): the copies
    are answered from the first's result, never applied or written again.
    """
    firsts: dict[str, Prepared] = {}
    applied, repeats = [], []
    for item in items:
        if item.answer is None and item.key is not None:
            first = firsts.setdefault(item.key.op_id, item)
            if first is not item:
                repeats.append((item, first))
                continue
        applied.append(item)
    return applied, repeats


def _repeat_answer(item: Prepared, first: OpResult, first_item: Prepared) -> OpResult:
    assert item.key is not None and first_item.key is not None
    if item.key.payload_hash != first_item.key.payload_hash:
        return op_id_reused(item.key.op_id, item.key.seq)
    status = OpStatus.DUPLICATE if first.status is OpStatus.ACCEPTED else first.status
    return first.model_copy(update={"seq": item.key.seq, "status": status})


def handle_push(session: Session, device: Device, batch: PushBatch, now: datetime) -> PushResponse:
    row = epoch_row(session, device, batch.device_epoch, now)  # locks the device's epoch: one push at a time
    keep_audit_rows(session, device, batch.device_epoch, batch.ops, now)  # kept whatever becomes of the ops
    op_ids = {op_id for op_id, _seq in map(salvage, batch.ops) if op_id}  # only well-formed ids reach SQL
    stored = {
        ledger.op_id: ledger
        for ledger in session.scalars(
            select(OpLedger).where(OpLedger.device_id == device.id, OpLedger.op_id.in_(sorted(op_ids)))
        )
    } if op_ids else {}
    items, repeats = _split_repeats(sorted((prepare(raw, now, stored, device) for raw in batch.ops), key=_order))
    try:
        with session.begin_nested():
            results = _apply_batch_fast(session, device, batch.device_epoch, items, now)
    except (IntegrityError, *HANDLER_FAULTS) as error:
        log.info("Gói %s xử lý lại từng thao tác (%s)", batch.batch_id, type(error).__name__)
        session.expunge_all()  # drop what the failed fast path left in the identity map
        row = epoch_row(session, device, batch.device_epoch, now)
        results = [apply_one(session, device, batch.device_epoch, item, now) for item in items]
    answered = {item.key.op_id: result for item, result in zip(items, results, strict=True) if item.key is not None}
    results += [_repeat_answer(item, answered[first.key.op_id], first) for item, first in repeats
                if first.key is not None]
    held = [r.seq for r in results if r.code != "op_id_reused" and (r.status is OpStatus.DUPLICATE or r.op_id in stored)]
    acked = advance_acked(session, row, held)
    audit_seq, audit_hash = epoch_head(session, device.id, batch.device_epoch)
    return PushResponse(batch_id=batch.batch_id, results=results, acked_seq=acked, server_time=now,
                        audit_seq=audit_seq, audit_hash=audit_hash)

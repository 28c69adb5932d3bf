"""Applying pushed operations: exactly once per (device, op_id), one bad operation never blocks the rest.

Each operation is applied inside its own savepoint together with its ledger row. A replay finds the
ledger row and gets the stored result back; a concurrent duplicate (a retry racing the original on
another server process) loses on the ledger's unique constraint and reads the winner's result.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from counter_app.domain.errors import InvalidTransition
from counter_app.domain.lifecycle import Status, check_transition
from sync.protocol import SUPPORTED_SCHEMA_VERSIONS, Operation, OpResult, OpStatus, PushBatch, PushResponse
from sync.server.auth import epoch_row
from sync.server.models import (
    Attachment,
    Blob,
    Conflict,
    Device,
    DeviceEpoch,
    Dossier,
    DossierEvent,
    OpLedger,
)
from sync.server.payload_checks import check_payload

log = logging.getLogger(__name__)


class Outcome:
    """What applying one operation decided, before it is written to the ledger."""

    def __init__(self, status: OpStatus, code: str = "", message: str = "", version: int | None = None) -> None:
        self.status, self.code, self.message, self.version = status, code, message, version


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
        for row in rows or ():
            self.add(row)

    @classmethod
    def prefetch(cls, session: Session, ops: Iterable[Operation]) -> DossierLookup:
        ids, codes = set(), set()
        for op in ops:
            data = op.payload
            if op.op_type == "dossier.create":
                ids.add(str(data.get("id")))
                codes.add(str(data.get("code")))
            elif op.op_type == "dossier.status":
                codes.add(str(data.get("code")))
            elif op.op_type == "attachment.add":
                codes.add(str(data.get("dossier_code")))
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


def _parse_instant(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _create_dossier(session: Session, device: Device, op: Operation, now: datetime, lookup: DossierLookup) -> Outcome:
    data = op.payload
    if data.get("unit_code") != device.unit_code or not str(data.get("code", "")).startswith(device.unit_code):
        return Outcome(OpStatus.REJECTED, "wrong_unit", "Hồ sơ thuộc đơn vị khác với đơn vị của quầy; máy chủ không nhận.")
    same_id = lookup.by_id(data["id"])
    if same_id is not None and same_id.code != data["code"]:
        session.add(Conflict(unit_code=device.unit_code, dossier_code=data["code"], device_id=device.id, op_id=op.op_id,
                             code="duplicate_id", detail={"theirs": same_id.code, "ours": data}, created_at=now))
        return Outcome(OpStatus.CONFLICT, "duplicate_id",
                       f"Mã định danh nội bộ của hồ sơ {data['code']} trùng với hồ sơ {same_id.code} trên máy chủ; "
                       "hồ sơ được giữ lại để kỹ thuật viên kiểm tra.")
    existing = lookup.by_code(data["code"])
    if existing is not None:
        if existing.id == data["id"]:
            return Outcome(OpStatus.ACCEPTED, "already_exists", "", existing.version)
        session.add(Conflict(unit_code=device.unit_code, dossier_code=data["code"], device_id=device.id, op_id=op.op_id,
                             code="duplicate_code", detail={"theirs": existing.data, "ours": data}, created_at=now))
        return Outcome(
            OpStatus.CONFLICT,
            "duplicate_code",
            f"Mã hồ sơ {data['code']} đã được một hồ sơ khác dùng trên máy chủ (có thể do khôi phục dữ liệu quầy từ bản sao lưu cũ). "
            "Hồ sơ được giữ lại để giám sát viên xử lý; hãy cấp lại mã mới cho hồ sơ này.",
        )
    dossier = Dossier(
        id=data["id"],
        code=data["code"],
        unit_code=device.unit_code,
        desk_slot=int(data.get("desk_slot", device.desk_slot)),
        status=int(data["status"]),
        version=int(data.get("version", 1)),
        data=data,
        received_at=_parse_instant(data["received_at"]),
        updated_at=now,
        source_device_id=device.id,
    )
    session.add(dossier)
    lookup.add(dossier)
    for change in data.get("history", []):
        session.add(DossierEvent(dossier_id=dossier.id, from_status=change.get("from_status"), to_status=change["to_status"],
                                 at=_parse_instant(change["at"]), actor=change.get("actor", ""), note=change.get("note", ""),
                                 source="counter", op_id=op.op_id))
    return Outcome(OpStatus.ACCEPTED, "", "", dossier.version)


def _change_status(session: Session, device: Device, op: Operation, now: datetime, lookup: DossierLookup) -> Outcome:
    data = op.payload
    dossier = lookup.by_code(data["code"])
    if dossier is None or dossier.unit_code != device.unit_code:
        return Outcome(OpStatus.CONFLICT, "unknown_dossier", f"Máy chủ chưa có hồ sơ {data['code']}; thao tác sẽ được xem lại.")
    source, target = Status(int(data["from"])), Status(int(data["to"]))
    current = Status(dossier.status)
    if dossier.version != op.base_version and current != source:
        session.add(Conflict(unit_code=device.unit_code, dossier_code=dossier.code, device_id=device.id, op_id=op.op_id,
                             code="status_conflict",
                             detail={"server_status": int(current), "server_version": dossier.version, "counter": data},
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
    except InvalidTransition as error:
        return Outcome(OpStatus.REJECTED, "illegal_transition", error.message, dossier.version)
    dossier.status = int(target)
    dossier.version += 1
    dossier.updated_at = now
    dossier.data = {**dossier.data, "status": int(target), "version": dossier.version}
    session.add(DossierEvent(dossier_id=dossier.id, from_status=int(current), to_status=int(target),
                             at=_parse_instant(data["at"]), actor=data.get("actor", ""), note=data.get("note", ""),
                             source="counter", op_id=op.op_id))
    return Outcome(OpStatus.ACCEPTED, "", "", dossier.version)


def _add_attachment(session: Session, device: Device, op: Operation, now: datetime, lookup: DossierLookup) -> Outcome:
    data = op.payload
    dossier = lookup.by_code(data["dossier_code"])
    if dossier is None or dossier.unit_code != device.unit_code:
        return Outcome(OpStatus.CONFLICT, "unknown_dossier", f"Máy chủ chưa có hồ sơ {data['dossier_code']} để gắn tệp.")
    exists = session.scalar(select(Attachment).where(Attachment.dossier_code == dossier.code,
                                                    Attachment.sha256 == data["sha256"], Attachment.name == data["name"]))
    if exists is None:
        session.add(Attachment(unit_code=device.unit_code, dossier_code=dossier.code, sha256=data["sha256"],
                               name=data["name"], size=int(data["size"]), created_at=now))
    blob = session.get(Blob, (device.unit_code, data["sha256"]))
    return Outcome(OpStatus.ACCEPTED, "" if blob is not None and blob.complete else "pending_blob")


HANDLERS = {
    "dossier.create": _create_dossier,
    "dossier.status": _change_status,
    "attachment.add": _add_attachment,
}

def _result(op: Operation, ledger: OpLedger, status: OpStatus | None = None) -> OpResult:
    return OpResult(op_id=op.op_id, seq=op.seq, status=status or OpStatus(ledger.status), code=ledger.code,
                    message=ledger.message, server_version=ledger.server_version)


def _stored(session: Session, device: Device, op_id: str) -> OpLedger | None:
    return session.scalar(select(OpLedger).where(OpLedger.device_id == device.id, OpLedger.op_id == op_id))


def _decide(session: Session, device: Device, op: Operation, now: datetime, lookup: DossierLookup) -> Outcome:
    if op.schema_version not in SUPPORTED_SCHEMA_VERSIONS:
        return Outcome(OpStatus.REJECTED, "schema_unsupported",
                       f"Máy chủ không đọc được dữ liệu phiên bản {op.schema_version}; hãy cập nhật ứng dụng quầy.")
    handler = HANDLERS.get(op.op_type)
    if handler is None:
        return Outcome(OpStatus.REJECTED, "unknown_op_type", f"Máy chủ không biết thao tác «{op.op_type}».")
    check_payload(op.op_type, op.payload)
    return handler(session, device, op, now, lookup)


def _outcome(session: Session, device: Device, op: Operation, now: datetime, lookup: DossierLookup | None = None) -> Outcome:
    """Decide and apply one operation; a refusal writes nothing (handlers refuse before they write)."""
    try:
        return _decide(session, device, op, now, lookup or DossierLookup(session))
    except (KeyError, ValueError, TypeError) as error:
        raise _BadPayload(error) from error


class _BadPayload(Exception):
    """A payload the checks let through but a handler could not use: its effects are rolled back."""

    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


def _ledger_row(device: Device, epoch: str, op: Operation, outcome: Outcome, now: datetime) -> OpLedger:
    return OpLedger(device_id=device.id, op_id=op.op_id, device_epoch=epoch, seq=op.seq, op_type=op.op_type,
                    entity_id=op.entity_id, payload_hash=op.payload_hash, status=outcome.status.value,
                    code=outcome.code, message=outcome.message, server_version=outcome.version, received_at=now)


def _answer_without_applying(device: Device, op: Operation, stored: OpLedger | None) -> OpResult | None:
    """A replay (the stored answer), a reused op_id, or a payload damaged on the way; None to apply it."""
    if stored is not None:
        if stored.payload_hash != op.payload_hash:
            log.error("Thiết bị %s dùng lại op_id %s với nội dung khác", device.id, op.op_id)
            return OpResult(op_id=op.op_id, seq=op.seq, status=OpStatus.REJECTED, code="op_id_reused",
                            message="Mã thao tác đã được dùng cho nội dung khác; đây là lỗi của quầy, đã ghi nhật ký.")
        return _result(op, stored, OpStatus.DUPLICATE)
    if not op.hash_matches():
        return OpResult(op_id=op.op_id, seq=op.seq, status=OpStatus.REJECTED, code="payload_hash_mismatch",
                        message="Dữ liệu bị hỏng trên đường truyền; quầy sẽ gửi lại.")
    return None


def apply_operation(
    session: Session, device: Device, epoch: str, op: Operation, now: datetime, stored: OpLedger | None = None
) -> OpResult:
    """Apply one operation in its own savepoint, together with its ledger row.

    The caller holds the device's epoch row lock, so the same device's pushes are applied one at a time;
    the ledger's unique constraint still settles any race (a replay of an op another process stored).
    `stored` is the ledger row already known for this op_id (looked up for the whole batch at once).
    """
    if stored is None:
        stored = _stored(session, device, op.op_id)
    answered = _answer_without_applying(device, op, stored)
    if answered is not None:
        return answered
    for _attempt in range(2):
        try:
            try:
                with session.begin_nested():
                    ledger = _ledger_row(device, epoch, op, _outcome(session, device, op, now), now)
                    session.add(ledger)
                    session.flush()
            except _BadPayload as bad:
                # The savepoint took the partial effects away; record the refusal alone.
                refusal = Outcome(OpStatus.REJECTED, "bad_payload",
                                  f"Dữ liệu thao tác không hợp lệ ({type(bad.error).__name__}: {bad.error}).")
                with session.begin_nested():
                    ledger = _ledger_row(device, epoch, op, refusal, now)
                    session.add(ledger)
                    session.flush()
            return _result(op, ledger)
        except IntegrityError:
            stored = _stored(session, device, op.op_id)
            if stored is not None:
                return _result(op, stored, OpStatus.DUPLICATE)
    return OpResult(op_id=op.op_id, seq=op.seq, status=OpStatus.REJECTED, code="busy",
                    message="Máy chủ đang bận xử lý cùng dữ liệu; quầy sẽ gửi lại.")


def advance_acked(session: Session, row: DeviceEpoch, held: Iterable[int] = ()) -> int:
    """Move the acknowledged mark over every contiguous seq the ledger now holds.

    `held`: seqs of this push answered `duplicate`. A counter restored from an old backup re-sends, under
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


def _apply_batch_fast(
    session: Session, device: Device, batch: PushBatch, now: datetime, known: dict[str, OpLedger]
) -> list[OpResult]:
    """The common case in one go: prefetched dossiers, no savepoint per operation, one flush at the end.

    Anything unexpected (a race on a unique constraint, a handler failing on an odd payload) raises,
    and the caller redoes the batch operation by operation, each in its own savepoint.
    """
    lookup = DossierLookup.prefetch(session, batch.ops)
    results = []
    seen: set[str] = set()
    with session.no_autoflush:
        for op in sorted(batch.ops, key=lambda o: o.seq):
            if op.op_id in seen:
                raise ValueError("một op_id xuất hiện hai lần trong gói")  # the careful path sorts it out
            seen.add(op.op_id)
            answered = _answer_without_applying(device, op, known.get(op.op_id))
            if answered is not None:
                results.append(answered)
                continue
            try:
                check_payload(op.op_type, op.payload)
            except (KeyError, ValueError, TypeError) as error:
                outcome = Outcome(OpStatus.REJECTED, "bad_payload",
                                  f"Dữ liệu thao tác không hợp lệ ({type(error).__name__}: {error}).")
            else:
                outcome = _decide(session, device, op, now, lookup)
            ledger = _ledger_row(device, batch.device_epoch, op, outcome, now)
            session.add(ledger)
            results.append(_result(op, ledger))
    session.flush()
    return results


def handle_push(session: Session, device: Device, batch: PushBatch, now: datetime) -> PushResponse:
    row = epoch_row(session, device, batch.device_epoch, now)  # locks the device's epoch: one push at a time
    known = {
        row.op_id: row
        for row in session.scalars(
            select(OpLedger).where(OpLedger.device_id == device.id, OpLedger.op_id.in_([op.op_id for op in batch.ops]))
        )
    }
    try:
        with session.begin_nested():
            results = _apply_batch_fast(session, device, batch, now, known)
    except (IntegrityError, KeyError, ValueError, TypeError) as error:
        log.info("Gói %s xử lý lại từng thao tác (%s)", batch.batch_id, type(error).__name__)
        session.expunge_all()  # drop what the failed fast path left in the identity map
        row = epoch_row(session, device, batch.device_epoch, now)
        results = [
            apply_operation(session, device, batch.device_epoch, op, now, known.get(op.op_id))
            for op in sorted(batch.ops, key=lambda o: o.seq)
        ]
    acked = advance_acked(session, row, [result.seq for result in results if result.status is OpStatus.DUPLICATE])
    return PushResponse(batch_id=batch.batch_id, results=results, acked_seq=acked, server_time=now)

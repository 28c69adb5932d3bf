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

from sqlalchemy import bindparam, select
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session

from counter_app.domain.conflicts import DISPUTED_CODE, Resolution
from counter_app.domain.errors import DomainError
from counter_app.domain.operations import OpType
from sync.packing import CanonicalTexts
from sync.protocol import OpResult, OpStatus, PushBatch, PushResponse
from sync.server.audit import keep_audit_rows
from sync.server.auth import epoch_row
from sync.server.conflicts import record_resolution_op
from sync.server.day_close import record_day_close
from sync.server.ingest_batch import apply_new_dossiers, is_new_dossiers, ledger_values
from sync.server.ingest_dossiers import (
    add_attachment,
    add_handover,
    apologise,
    change_status,
    create_dossier,
    request_fee,
)
from sync.server.ingest_lookup import Disputed, DossierLookup, dossier_code_of
from sync.server.ingest_records import log_assistance, record_guidance, upsert_account, withdrawn
from sync.server.memory import paused_gc
from sync.server.models import Device, DeviceEpoch, OpLedger
from sync.server.op_checks import (
    LedgerKey,
    Outcome,
    Prepared,
    ledger_answer,
    op_id_reused,
    prepare,
    rejected,
    replay,
    salvage,
    stored_answer,
)
from sync.server.receipts import record_cancellation, record_receipt
from sync.server.returns import record_return, record_shipment_state

log = logging.getLogger(__name__)


Handler = Callable[..., Outcome]
HANDLERS: dict[OpType, Handler] = {
    OpType.DOSSIER_CREATE: create_dossier,
    OpType.DOSSIER_STATUS: change_status,
    OpType.ATTACHMENT_ADD: add_attachment,
    OpType.ACCOUNT_UPSERT: upsert_account,
    OpType.WITHDRAWN: withdrawn,
    OpType.RESULT_RETURN: record_return,
    OpType.SHIPMENT_STATE: record_shipment_state,
    OpType.ASSIST_LOG: log_assistance,
    OpType.DOSSIER_APOLOGY: apologise,
    OpType.DOSSIER_HANDOVER: add_handover,
    OpType.GUIDANCE_RECORD: record_guidance,
    OpType.DAY_CLOSE: record_day_close,
    OpType.RECEIPT_ISSUE: record_receipt,
    OpType.RECEIPT_CANCEL: record_cancellation,
    OpType.FEE_REQUEST: request_fee,
    OpType.CONFLICT_RESOLUTION: record_resolution_op,  # issue 13, R: carries the audit row of a decision
}
# Errors a handler may raise on a payload the checks let through, and the database's refusal of a value (one past
# its column, a character it cannot hold: DataError): that operation is refused, alone, and the rest are applied.
# Nothing broader: any other database error (a missing column after a botched upgrade, a trigger, a corrupt index)
# is the server's, not the operation's; refusing would lose every operation it meets for good, while failing the
# push keeps them all for the counter to send again once the server is mended.
HANDLER_FAULTS = (KeyError, ValueError, TypeError, ArithmeticError, DomainError, DataError)


def _decide(session: Session, device: Device, item: Prepared, now: datetime, lookup: DossierLookup) -> Outcome:
    if item.refusal is not None:
        return item.refusal
    assert item.op is not None and item.payload is not None and item.key is not None
    kind = OpType(item.op.op_type)
    code = dossier_code_of(item.payload) if kind is not OpType.DOSSIER_CREATE else None
    dispute = lookup.disputed(device).get(code) if code is not None else None
    if dispute is not None and dispute.refuses(item.op.entity_id):
        return disputed_code(code, dispute)
    handler = HANDLERS[kind]
    if kind is OpType.DOSSIER_STATUS:
        return handler(session, device, item.key, item.payload, item.op.payload, now, lookup, item.op.base_version)
    return handler(session, device, item.key, item.payload, item.op.payload, now, lookup)


def disputed_code(code: str, dispute: Disputed) -> Outcome:
    """An operation of a desk on a code it gave to another dossier than the province's (a restored desk that
    reused it): the desk's dossier is not the province's one, and an operation carries the code, not the
    dossier's id, so it would land on another citizen's dossier. Refused and recorded; the desk keeps its data."""
    number = f" số {dispute.conflict_id}" if dispute.conflict_id is not None else ""
    state = ("chưa được giám sát viên giải quyết" if dispute.resolution is None else
             f"giám sát viên đã quyết định «{Resolution(dispute.resolution).label}»")
    if not dispute.refuses_all:  # decided for the desk's version: only its old id is held back
        return Outcome(OpStatus.REJECTED, DISPUTED_CODE,
                       f"Mã hồ sơ {code} của quầy này trùng với một hồ sơ trên máy chủ tỉnh (xung đột đồng bộ{number}, "
                       f"{state}: là cùng một hồ sơ); quầy chưa nhận quyết định nên thao tác chưa được ghi. Quầy tự "
                       "gửi lại thao tác này cho hồ sơ của tỉnh sau khi nhận quyết định ở lần đồng bộ tới.")
    return Outcome(OpStatus.REJECTED, DISPUTED_CODE,
                   f"Mã hồ sơ {code} của quầy này đang trùng với một hồ sơ khác trên máy chủ tỉnh (xung đột đồng bộ"
                   f"{number}, {state}): thao tác không được ghi vào hồ sơ đó. Dữ liệu vẫn còn trên quầy; hãy báo "
                   "giám sát viên.")


def _stored(session: Session, device: Device, op_id: str) -> OpLedger | None:
    return session.scalar(select(OpLedger).where(OpLedger.device_id == device.id, OpLedger.op_id == op_id))


def _ledger_row(device: Device, epoch: str, key: LedgerKey, outcome: Outcome, now: datetime) -> OpLedger:
    return OpLedger(**ledger_values(device, epoch, key, outcome, now))


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


# The seqs the ledger holds for a device's epoch past its acknowledged mark (built once, bound per push).
_LEDGER_AFTER = select(OpLedger.seq).where(OpLedger.device_id == bindparam("device"),
                                           OpLedger.device_epoch == bindparam("epoch"), OpLedger.seq > bindparam("after"))


def advance_acked(session: Session, row: DeviceEpoch, held: Iterable[int] = ()) -> int:
    """Move the acknowledged mark over every contiguous seq the ledger now holds.

    `held`: seqs of this push answered from the ledger (replays). A counter restored from an old backup re-sends, under
    its new epoch, operations the ledger already holds under the old one; they are held all the same,
    and without them the new epoch's mark would stop below them for ever (and the counter, seeing the
    mark behind what it has had answered, would re-send them on every sync).
    """
    seqs = {seq for (seq,) in session.execute(_LEDGER_AFTER, {"device": row.device_id, "epoch": row.epoch,
                                                               "after": row.acked_seq})}
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
    """The common case in one go, in a savepoint: a backlog of new dossiers set-based
    (sync/server/ingest_batch.py), else prefetched dossiers, no savepoint per operation, one flush at the end.

    A backlog naming a dossier already held fails the set-based insert's unique constraint: it is taken back and
    the batch goes the prefetched way, which reads the held dossiers first. Anything unexpected there (a race on a
    unique constraint, a handler failing on an odd payload) raises, and the caller redoes the batch operation by
    operation.
    """
    if is_new_dossiers(items):
        try:
            with session.begin_nested():
                return apply_new_dossiers(session, device, epoch, items, now)
        except IntegrityError:
            log.info("Gói của thiết bị %s có hồ sơ máy chủ tỉnh đã lưu: xử lý theo đường chung", device.id)
    with session.begin_nested():
        return _apply_prefetched(session, device, epoch, items, now)


def _apply_prefetched(session: Session, device: Device, epoch: str, items: list[Prepared], now: datetime) -> list[OpResult]:
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


def handle_push(session: Session, device: Device, batch: PushBatch, now: datetime,
                texts: CanonicalTexts | None = None) -> PushResponse:
    """Apply `batch` and answer each operation. `texts`: the payloads' canonical JSON, when unpacking the batch
    already wrote it (sync/server/dictionaries.py `unpacked`)."""
    with paused_gc():
        return _handle_push(session, device, batch, now, texts or CanonicalTexts())


def _handle_push(session: Session, device: Device, batch: PushBatch, now: datetime, texts: CanonicalTexts) -> PushResponse:
    row = epoch_row(session, device, batch.device_epoch, now)  # locks the device's epoch: one push at a time
    # Kept whatever becomes of the ops; the audit head answered is the one after them.
    audit_seq, audit_hash = keep_audit_rows(session, device, batch.device_epoch, batch.ops, now, texts)
    op_ids = {op_id for op_id, _seq in map(salvage, batch.ops) if op_id}  # only well-formed ids reach SQL
    stored = {
        ledger.op_id: ledger
        for ledger in session.scalars(
            select(OpLedger).where(OpLedger.device_id == device.id, OpLedger.op_id.in_(sorted(op_ids)))
        )
    } if op_ids else {}
    items, repeats = _split_repeats(sorted((prepare(raw, now, stored, device, texts) for raw in batch.ops), key=_order))
    try:
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
    return PushResponse(batch_id=batch.batch_id, results=results, acked_seq=acked, server_time=now,
                        audit_seq=audit_seq, audit_hash=audit_hash)

"""Each device's audit chain on the server: kept as received, checked on arrival and on demand.

Every pushed operation may carry its audit row in its envelope (`"audit"`, sync.protocol.AuditEnvelope);
an `after` left out (null) is the operation's payload, rebuilt here as canonical JSON.
`keep_audit_rows` stores those rows before the operations are decided, in the push's transaction, so a
row is kept whether its operation is accepted, refused or withdrawn. A row is judged on arrival: "ok"
(its hash holds and it links to the row before), "waiting" (the row before has not arrived: a quarantined
operation goes later), "fork" (a restored counter writing again after the point it was put back to, under
a new epoch) or "break" (with the reason); it is stored in every case. `verify_chains` re-checks every
stored chain from the rows alone (domain.audit.check_received_chain), trusting none of the marks.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError as PydanticValidationError
from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from counter_app.domain.audit import HASHED_FIELDS, ChainCheck, ChainHead, check_received_chain, genesis_hash
from sync.packing import CanonicalTexts
from sync.protocol import MAX_AUDIT_JSON_CHARS, AuditEnvelope
from sync.server.bulk_insert import insert_rows, raise_row
from sync.server.models import AuditEntry, AuditHead, Device

log = logging.getLogger(__name__)

STREAM_CHUNK = 5_000
CHAINED = ("ok", "fork")  # the states of a row in its device's chain
_HEAD_ROW = aliased(AuditEntry)  # the epoch's head, looked up inside a query of AuditEntry's own rows
RECORD_COLUMNS = (AuditEntry.seq, AuditEntry.at, AuditEntry.device, AuditEntry.clerk_name, AuditEntry.clerk_username,
                  AuditEntry.action, AuditEntry.subject, AuditEntry.before, AuditEntry.after, AuditEntry.prev_hash,
                  AuditEntry.hash)


@dataclass
class _Known:
    """A row of the device's chain near the batch: stored (`id`), or new in this batch (`values`, not yet written)."""

    id: int | None
    hash: str
    prev_hash: str
    epoch: str
    state: str
    values: dict[str, Any] | None = None


def _envelopes(raw_ops: Sequence[Any], texts: CanonicalTexts) -> list[tuple[AuditEnvelope, str]]:
    found = []
    for raw in raw_ops:
        if not isinstance(raw, dict) or "audit" not in raw:
            continue
        op_id = raw.get("op_id")
        try:
            envelope = AuditEnvelope.model_validate(raw["audit"])
            if envelope.after is None:
                envelope = envelope.model_copy(update={"after": _payload_text(raw.get("payload"), texts)})
        except (PydanticValidationError, ValueError):
            log.warning("Dòng nhật ký thao tác kèm thao tác %r sai khuôn dạng: không lưu được", op_id)
            continue
        found.append((envelope, op_id if isinstance(op_id, str) else ""))
    return sorted(found, key=lambda item: item[0].seq)


def _payload_text(payload: object, texts: CanonicalTexts) -> str:
    """The `after` an envelope left out: the operation's payload as canonical JSON, as the counter hashed it.
    A payload changed on the way no longer gives the row's hash: the row is kept as a break."""
    if not isinstance(payload, dict):
        raise ValueError("the operation has no payload to rebuild the audit row's after from")
    try:
        text = texts.of(payload)
    except (TypeError, RecursionError) as error:
        raise ValueError(str(error)) from error
    if len(text) > MAX_AUDIT_JSON_CHARS:
        raise ValueError("payload too long for an audit row")
    return text


def keep_audit_rows(session: Session, device: Device, epoch: str, raw_ops: Sequence[Any], now: datetime,
                    texts: CanonicalTexts | None = None) -> tuple[int, str]:
    """Store the audit rows carried by `raw_ops` (those not already held); the epoch's head after them
    (as `epoch_head` gives it, here without a query of its own when the push carried rows)."""
    texts = texts or CanonicalTexts()
    incoming = _envelopes(raw_ops, texts)
    if not incoming:
        return epoch_head(session, device.id, epoch)
    low, high = incoming[0][0].seq - 1, incoming[-1][0].seq + 1
    known: dict[int, list[_Known]] = defaultdict(list)
    for row in session.execute(_KNOWN_ROWS, {"device": device.id, "epoch": epoch, "low": low, "high": high}):
        known[row.seq].append(_Known(row.id, row.hash, row.prev_hash, row.device_epoch, row.state))
    impostors = _claimed_devices(session, device, {envelope.device for envelope, _ in incoming})
    new_rows: list[dict[str, Any]] = []
    try:
        with session.begin_nested():
            for envelope, op_id in incoming:
                if any(held.hash == envelope.hash for held in known[envelope.seq]):
                    continue  # a replay: the same row again
                state, problem = _judge(envelope, epoch, known, texts)
                if envelope.device in impostors:
                    state, problem = "break", (f"Dòng số {envelope.seq} ghi là của thiết bị {envelope.device}, một "
                                               "thiết bị khác đã đăng ký với máy chủ, không phải quầy đã gửi nó.")
                values = {**envelope.model_dump(), "device_id": device.id, "device_epoch": epoch, "op_id": op_id[:64],
                          "state": state, "problem": problem, "received_at": now}
                new_rows.append(values)
                known[envelope.seq].append(_Known(None, envelope.hash, envelope.prev_hash, epoch, state, values))
                _release_waiting(session, known, envelope)
            if new_rows:
                # One executemany for the batch's rows; the values go as parameters, never into the statement
                # (SQLAlchemy's compiled-statement cache keeps the statement, and any value written inside it).
                insert_rows(session, AuditEntry.__table__, new_rows)
            _move_head(session, device.id, known)
    except IntegrityError:  # another server process stored the same rows first (a retried push)
        log.info("Dòng nhật ký thao tác của thiết bị %s đã được lưu bởi tiến trình khác", device.id)
        return epoch_head(session, device.id, epoch)
    return max(((seq, held.hash) for seq, rows in known.items() for held in rows
                if held.epoch == epoch and held.state in CHAINED), default=(0, ""))


def _claimed_devices(session: Session, device: Device, claimed: set[str]) -> set[str]:
    """The devices named by rows `device` sent that are another device registered here: of another unit, or
    enrolled after it. (A counter's rows written before it enrolled, or before it enrolled again, name its
    own earlier identity: a local id, or an older device of its unit; those are its own.)"""
    others = claimed - {device.id, ""}
    if not others:
        return set()
    return {other.id for other in session.scalars(select(Device).where(Device.id.in_(sorted(others))))
            if other.unit_code != device.unit_code or other.enrolled_at > device.enrolled_at}


def _judge(envelope: AuditEnvelope, epoch: str, known: dict[int, list[_Known]], texts: CanonicalTexts) -> tuple[str, str]:
    seq = envelope.seq
    if texts.row_hash([getattr(envelope, name) for name in HASHED_FIELDS]) != envelope.hash:
        return "break", f"Dòng số {seq}: nội dung không khớp mã băm của nó."
    if seq == 1:
        linked = envelope.prev_hash == genesis_hash(envelope.device)
    elif known[seq - 1]:
        linked = any(held.hash == envelope.prev_hash for held in known[seq - 1])
    else:
        return "waiting", f"Chưa nhận dòng số {seq - 1}, dòng đứng trước dòng này."
    if not linked:
        return "break", f"Dòng số {seq} không nối với dòng số {seq - 1} máy chủ đang giữ."
    if known[seq]:
        if any(held.epoch == epoch for held in known[seq]):
            return "break", f"Số thứ tự {seq} đã có một dòng khác trong cùng phiên của quầy."
        return "fork", f"Dòng số {seq} rẽ nhánh: quầy đã được khôi phục từ bản sao lưu và ghi tiếp từ đó."
    return "ok", ""


def _release_waiting(session: Session, known: dict[int, list[_Known]], envelope: AuditEnvelope) -> None:
    """Rows that waited for this one and link to it are now in the chain."""
    for held in known.get(envelope.seq + 1, []):
        if held.state == "waiting" and held.prev_hash == envelope.hash:
            if held.values is not None:  # new in this batch: its row is written with the rest
                held.values.update(state="ok", problem="")
            else:
                session.execute(update(AuditEntry).where(AuditEntry.id == held.id).values(state="ok", problem=""))
            held.state = "ok"


def _move_head(session: Session, device_id: str, known: dict[int, list[_Known]]) -> None:
    linked = [(seq, held.hash) for seq, rows in known.items() for held in rows if held.state in CHAINED]
    if linked:
        seq, digest = max(linked)
        raise_row(session, AuditHead.__table__, {"device_id": device_id}, {"seq": seq, "hash": digest}, rank="seq")


# The newest chained row of a device's epoch (epoch_head); built once, with the values bound at each call
# (a statement built per push cost more CPU than PostgreSQL spends running it).
_EPOCH_HEAD = (select(_HEAD_ROW.seq, _HEAD_ROW.hash)
               .where(_HEAD_ROW.device_id == bindparam("device"), _HEAD_ROW.device_epoch == bindparam("epoch"),
                      _HEAD_ROW.state.in_(CHAINED))
               .order_by(_HEAD_ROW.seq.desc()).limit(1))
# The rows near a batch, and its epoch's head wherever it is: after the batch is judged, the head is the
# highest chained row of this epoch among them (keep_audit_rows).
_KNOWN_ROWS = (select(AuditEntry.id, AuditEntry.seq, AuditEntry.hash, AuditEntry.prev_hash, AuditEntry.device_epoch,
                      AuditEntry.state)
               .where(AuditEntry.device_id == bindparam("device"),
                      or_(AuditEntry.seq.between(bindparam("low"), bindparam("high")),
                          AuditEntry.id == _EPOCH_HEAD.with_only_columns(_HEAD_ROW.id).scalar_subquery())))


def epoch_head(session: Session, device_id: str, epoch: str) -> tuple[int, str]:
    """The newest row chained ("ok" or "fork") of `device_id` under `epoch`: (seq, hash), or (0, "").

    Per epoch: a counter put back from a backup starts a new epoch, and its chain rightly lacks the rows
    the server kept from before (see docs/audit-trail.md, Restores)."""
    found = session.execute(_EPOCH_HEAD, {"device": device_id, "epoch": epoch}).first()
    return (int(found.seq), found.hash) if found is not None else (0, "")


# -- checking what is stored ------------------------------------------------------------------------


@dataclass(frozen=True)
class DeviceChain:
    device_id: str
    check: ChainCheck

    def to_dict(self) -> dict[str, object]:
        return {"device_id": self.device_id, "intact": self.check.intact, "rows": self.check.rows,
                "last_seq": self.check.last.seq if self.check.last else 0,
                "breaks": [found.to_dict() for found in self.check.breaks], "unlisted_breaks": self.check.unlisted,
                "forks": [note.to_dict() for note in self.check.notes]}


def stream_chain(session: Session, device_id: str) -> Iterator[Sequence[Any]]:
    """A device's stored rows ordered by seq, as plain rows: the record's fields, then the device epoch."""
    query = (select(*RECORD_COLUMNS, AuditEntry.device_epoch).where(AuditEntry.device_id == device_id)
             .order_by(AuditEntry.seq, AuditEntry.id))
    result = session.connection().execution_options(stream_results=True).execute(query)
    while rows := result.fetchmany(STREAM_CHUNK):
        yield from rows


def verify_chains(session: Session, device_id: str | None = None) -> list[DeviceChain]:
    """Re-check the stored chain of `device_id` (or of every device holding audit rows)."""
    if device_id is None:
        devices = list(session.scalars(select(AuditEntry.device_id).distinct().order_by(AuditEntry.device_id)))
    else:
        devices = [device_id]
    chains = []
    for device in devices:
        head = session.get(AuditHead, device)
        kept = None if head is None else ChainHead(head.seq, head.hash)
        chains.append(DeviceChain(device, check_received_chain(stream_chain(session, device), kept)))
    return chains

"""What goes on the wire for each outbox row: the operation itself, checked with the shared vocabulary,
or, when the row cannot be sent as it is, its withdrawal.

Anything may be wrong with a row written by an older or buggy version, or edited on disk (a payload
that is not JSON, a lone surrogate, a date in year 1, a hash that no longer matches): none of it may
stop the rows behind it. Such a row goes as a well-formed `op.withdrawn` under the same seq, so the
server's record of the device's sequence stays gap-free, and the row is then refused with its reason.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from pydantic import TypeAdapter
from pydantic import ValidationError as PydanticValidationError

from counter_app.domain.operations import InvalidOperation, OpType, check_payload, describe_errors, printable
from counter_app.domain.serialization import canonical_json, iso_instant, payload_hash
from counter_app.storage.outbox import PAYLOAD_SCHEMA_VERSION, WITHDRAWN, is_withdrawn
from counter_app.storage.sync_store import payload_of, withdrawal_op_id
from sync.protocol import Operation


@dataclass
class Outgoing:
    """One outbox row as it goes on the wire: the operation itself, or its withdrawal."""

    seq: int
    wire: dict[str, Any]
    size: int
    withdrawal_reason: str | None = None  # set when the row goes as its withdrawal
    newly_withdrawn: bool = False  # found unsendable just now (else withdrawn in an earlier push)
    payload_text: str | None = None  # the payload's canonical JSON, when known (the stored text was it)


class StoredOp(Protocol):
    """An outbox row as a push reads it (sync_store.SENDABLE_COLUMNS, or an OutboxOp)."""

    seq: int
    op_id: str
    entity: str
    entity_id: str
    op_type: str
    base_version: int | None
    schema_version: int
    created_at: datetime
    payload: str
    payload_hash: str
    result_code: str | None
    result_message: str | None


_ENVELOPES = TypeAdapter(list[Operation])


def outgoing_batch(rows: Sequence[StoredOp], device_id: str, now: datetime) -> list[Outgoing]:
    """`outgoing` for each row, the common case cheaply: a row whose stored text is canonical JSON hashing
    to its stored hash, whose payload checks, goes as it is and all the envelopes are checked at once. Any
    other row (and any row the envelope check refuses) goes through `outgoing`, which says what is wrong."""
    items: list[Outgoing | None] = []
    for row in rows:
        items.append(None if is_withdrawn(row) else _sound(row, now))
    checked = [(index, item) for index, item in enumerate(items) if item is not None]
    try:  # the payloads were checked by their own models: the envelope check need not copy them again
        _ENVELOPES.validate_python([{**item.wire, "payload": {}} for _, item in checked])
    except PydanticValidationError as error:
        for failure in error.errors():
            if failure["loc"] and isinstance(failure["loc"][0], int):
                items[checked[failure["loc"][0]][0]] = None
    return [item if item is not None else outgoing(row, device_id, now) for row, item in zip(rows, items, strict=True)]


def _sound(row: StoredOp, now: datetime) -> Outgoing | None:
    """The wire form of a row that is as the outbox wrote it, or None (let `outgoing` find the fault)."""
    try:
        payload = json.loads(row.payload)
        if (not isinstance(payload, dict) or canonical_json(payload) != row.payload
                or hashlib.sha256(row.payload.encode("utf-8")).hexdigest() != row.payload_hash):
            return None
        try:
            check_payload(row.op_type, payload, now=now)
        except InvalidOperation as error:
            if not error.retry_later:  # else dated ahead of this counter's clock: sent, the server decides
                return None
        wire = {"op_id": row.op_id, "seq": row.seq, "entity": row.entity, "entity_id": row.entity_id,
                "op_type": row.op_type, "base_version": row.base_version, "schema_version": row.schema_version,
                "created_at": iso_instant(row.created_at), "payload": payload, "payload_hash": row.payload_hash}
    except (ValueError, TypeError, OverflowError, RecursionError, AttributeError):
        return None
    return Outgoing(row.seq, wire, len(row.payload) + 300, payload_text=row.payload)


def wire_operation(row: StoredOp) -> Operation:
    """An outbox row as the protocol's operation (raises if the stored row does not fit it)."""
    return Operation(op_id=row.op_id, seq=row.seq, entity=row.entity, entity_id=row.entity_id, op_type=row.op_type,
                     base_version=row.base_version, schema_version=row.schema_version,
                     created_at=iso_instant(row.created_at), payload=payload_of(row), payload_hash=row.payload_hash)


def outgoing(row: StoredOp, device_id: str, now: datetime) -> Outgoing:
    """The wire form of `row`, checked with the shared vocabulary; a withdrawal when it cannot be sent.

    Anything may be wrong with a row written by an older or buggy version (a payload that is not JSON,
    a lone surrogate, a date in year 1): none of it may stop the rows behind it.
    """
    if not is_withdrawn(row):
        try:
            wire = wire_operation(row)
            try:
                check_payload(wire.op_type, wire.payload, now=now)
            except InvalidOperation as error:
                if not error.retry_later:
                    raise
                # Ahead of this counter's clock too: the server decides, and answers "later" if it agrees.
            if not wire.hash_matches():
                raise InvalidOperation("payload_hash_mismatch", "Mã băm không khớp nội dung đã lưu (dữ liệu bị sửa ngoài ứng dụng?).")
            return Outgoing(row.seq, wire.model_dump(mode="json"), len(row.payload) + 300)
        except InvalidOperation as error:
            reason = f"Quầy không gửi được thao tác này: {error.message}"
        except PydanticValidationError as error:
            reason = f"Quầy không gửi được thao tác này: dữ liệu đã lưu bị hỏng ({describe_errors(error)})."
        except (ValueError, TypeError, OverflowError, RecursionError) as error:
            reason = f"Quầy không gửi được thao tác này: {_damage(error)}."
        return _withdrawal(row, device_id, now, reason, newly=True)
    return _withdrawal(row, device_id, now, row.result_message or "Thao tác đã bị rút.", newly=False)


def _damage(error: Exception) -> str:
    """What is wrong with a stored row, in words a technician can act on."""
    if isinstance(error, UnicodeError):
        return "nội dung đã lưu chứa ký tự không mã hóa được thành UTF-8"
    if isinstance(error, json.JSONDecodeError):
        return "nội dung đã lưu không phải JSON hợp lệ"
    if isinstance(error, OverflowError):
        return "thời điểm đã lưu vượt giới hạn lịch"
    if isinstance(error, RecursionError):
        return "nội dung đã lưu lồng nhau quá sâu"
    return "dữ liệu đã lưu bị hỏng"


def _withdrawal(row: StoredOp, device_id: str, now: datetime, reason: str, *, newly: bool) -> Outgoing:
    """A well-formed stand-in for `row` that tells the server why the seq carries nothing."""
    op_id = withdrawal_op_id(device_id, row)
    payload = {"op_type": printable(row.op_type, 40), "payload_hash": printable(row.payload_hash, 64),
               "code": WITHDRAWN, "reason": printable(reason, 1000) or "Thao tác đã bị rút."}
    wire = Operation(op_id=op_id, seq=row.seq, entity="op", entity_id=str(row.seq), op_type=OpType.WITHDRAWN.value,
                     base_version=None, schema_version=PAYLOAD_SCHEMA_VERSION, created_at=iso_instant(now),
                     payload=payload, payload_hash=payload_hash(payload))
    return Outgoing(row.seq, wire.model_dump(mode="json"), 600, withdrawal_reason=reason, newly_withdrawn=newly)

"""What goes on the wire for each outbox row: the operation itself, checked with the shared vocabulary,
or, when the row cannot be sent as it is, its withdrawal.

Anything may be wrong with a row written by an older or buggy version, or edited on disk (a payload
that is not JSON, a lone surrogate, a date in year 1, a hash that no longer matches): none of it may
stop the rows behind it. Such a row goes as a well-formed `op.withdrawn` under the same seq, so the
server's record of the device's sequence stays gap-free, and the row is then refused with its reason.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError as PydanticValidationError

from counter_app.domain.operations import InvalidOperation, OpType, check_payload, describe_errors, printable
from counter_app.domain.serialization import iso_instant, payload_hash
from counter_app.storage.models import OutboxOp
from counter_app.storage.outbox import PAYLOAD_SCHEMA_VERSION
from counter_app.storage.sync_store import WITHDRAWN, is_withdrawn, payload_of, withdrawal_op_id
from sync.protocol import Operation


@dataclass
class Outgoing:
    """One outbox row as it goes on the wire: the operation itself, or its withdrawal."""

    seq: int
    wire: dict[str, Any]
    size: int
    withdrawal_reason: str | None = None  # set when the row goes as its withdrawal
    newly_withdrawn: bool = False  # found unsendable just now (else withdrawn in an earlier push)


def wire_operation(row: OutboxOp) -> Operation:
    """An outbox row as the protocol's operation (raises if the stored row does not fit it)."""
    return Operation(op_id=row.op_id, seq=row.seq, entity=row.entity, entity_id=row.entity_id, op_type=row.op_type,
                     base_version=row.base_version, schema_version=row.schema_version,
                     created_at=iso_instant(row.created_at), payload=payload_of(row), payload_hash=row.payload_hash)


def outgoing(row: OutboxOp, device_id: str, now: datetime) -> Outgoing:
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


def _withdrawal(row: OutboxOp, device_id: str, now: datetime, reason: str, *, newly: bool) -> Outgoing:
    """A well-formed stand-in for `row` that tells the server why the seq carries nothing."""
    op_id = withdrawal_op_id(device_id, row)
    payload = {"op_type": printable(row.op_type, 40), "payload_hash": printable(row.payload_hash, 64),
               "code": WITHDRAWN, "reason": printable(reason, 1000) or "Thao tác đã bị rút."}
    wire = Operation(op_id=op_id, seq=row.seq, entity="op", entity_id=str(row.seq), op_type=OpType.WITHDRAWN.value,
                     base_version=None, schema_version=PAYLOAD_SCHEMA_VERSION, created_at=iso_instant(now),
                     payload=payload, payload_hash=payload_hash(payload))
    return Outgoing(row.seq, wire.model_dump(mode="json"), 600, withdrawal_reason=reason, newly_withdrawn=newly)

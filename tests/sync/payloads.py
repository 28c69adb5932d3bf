"""Well-formed operations for tests that talk to the server directly (the counter's own shapes).

Payloads are made by the counter's own serialiser from a real `Dossier`, so a test that breaks one
field on purpose starts from exactly what a counter sends.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from counter_app.domain.codes import make_dossier_code, office_day
from counter_app.domain.dossier import Channel, DocumentLine, Dossier, Person, ResultDelivery, StatusChange
from counter_app.domain.lifecycle import Status
from counter_app.domain.operations import OpType
from counter_app.domain.serialization import dossier_to_dict, iso_instant, payload_hash


def dossier_payload(unit_code: str, desk_slot: int, number: int, *, received_at: datetime | None = None,
                    name: str = "Nguyễn Văn Đức") -> dict[str, Any]:
    """The `dossier.create` payload of the `number`-th dossier (1-999) of a desk on the day of `received_at`."""
    received = received_at or datetime.now(UTC) - timedelta(minutes=5)
    code = make_dossier_code(unit_code, desk_slot, office_day(received), number)
    dossier = Dossier(
        id=str(uuid.uuid4()), code=str(code), unit_code=unit_code, desk_slot=desk_slot, procedure_code="1.001193",
        procedure_name="Thủ tục đăng ký khai sinh", applicant=Person(full_name=name, id_number="049090001234",
                                                                     phone="0905123456"),
        summary="Đăng ký khai sinh", documents=[DocumentLine("Tờ khai đăng ký khai sinh", originals=1)], sets_count=1,
        channel=Channel.DIRECT, result_delivery=ResultDelivery.DESK, received_at=received,
        due_at=received + timedelta(days=1), processing_hours=8, status=Status.RECEIVED, received_by="Trần Thị Mai",
        history=[StatusChange(None, Status.RECEIVED, received, "Trần Thị Mai", "Tiếp nhận hồ sơ")],
    )
    return dossier_to_dict(dossier)


def status_payload(code: str, source: int = 2, target: int = 4, at: datetime | None = None) -> dict[str, Any]:
    return {"code": code, "from": source, "to": target, "at": iso_instant(at or datetime.now(UTC)),
            "actor": "Trần Thị Mai", "note": ""}


def attachment_payload(dossier_code: str, sha256: str = "ab" * 32, size: int = 10) -> dict[str, Any]:
    return {"dossier_code": dossier_code, "sha256": sha256, "name": "scan.pdf", "size": size,
            "content_type": "application/pdf"}


def wire(seq: int, op_type: str | OpType, payload: Any, *, base_version: int | None = None,
         op_id: str | None = None) -> dict[str, Any]:
    """An operation as JSON on the wire, hashed like the counter hashes it (payload left as given)."""
    kind = str(op_type)
    try:
        digest = payload_hash(payload)
    except (UnicodeEncodeError, ValueError, TypeError, RecursionError):
        digest = "0" * 64  # a payload no counter could hash: sent with a made-up hash
    return {"op_id": op_id or str(uuid.uuid4()), "seq": seq, "entity": kind.split(".")[0], "entity_id": "x",
            "op_type": kind, "base_version": base_version, "schema_version": 1,
            "created_at": iso_instant(datetime.now(UTC)), "payload": payload,
            "payload_hash": digest}

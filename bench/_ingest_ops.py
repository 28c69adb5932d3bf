"""Push batches as a counter sends them, made once, for the server-ingest benchmark and its profile.

Not a benchmark itself (leading underscore). A counter of its own unit receives `count` demo dossiers
(the app's own generator, audit rows included); its outbox rows become the wire operations the runner
sends (`outgoing` + `with_audit`, the same functions), cut into batches of `batch_size`. The server side
is a `ServerDatabase` with the unit created and a device enrolled in-process (sync.server.auth.enroll),
so `handle_push` can be timed alone, without HTTP.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from _common import setup_demo_unit
from sqlalchemy import select

from counter_app.services.clock import utc_now
from counter_app.services.demo_data import generate_demo_dossiers
from counter_app.services.unit_setup import setup_unit
from counter_app.storage.database import Database
from counter_app.storage.models import OutboxOp
from sync.client.audit_envelope import audit_rows_for, with_audit
from sync.client.outgoing import outgoing
from sync.server.admin import create_unit
from sync.server.auth import enroll, new_enrollment_code
from sync.server.db import ServerDatabase
from sync.server.models import Device
from sync.wire import FAST_LINK_LEVEL, PushCodec, encode_body


@dataclass
class Backlog:
    """A counter's backlog as wire batches (JSON-ready dicts), and the device it is pushed as."""

    unit_code: str
    epoch: str
    batches: list[dict[str, Any]]

    @property
    def ops(self) -> int:
        return sum(len(batch["ops"]) for batch in self.batches)


def demo_counter(directory: Path, unit_code: str, count: int, seed: int) -> Database:
    """A new counter of `unit_code` with `count` demo dossiers (audit rows included) waiting in its outbox."""
    db = Database.open(directory)
    setup_demo_unit(db)
    setup_unit(db, unit_code=unit_code, unit_name=f"Đơn vị thử {unit_code}", desk=1, clerk_name="Đo hiệu năng")
    generate_demo_dossiers(db, count, seed=seed, queue_for_sync=True)
    return db


def make_backlog(directory: Path, unit_code: str, count: int, seed: int, batch_size: int) -> Backlog:
    """`count` demo dossiers of a new counter of `unit_code`, as the push batches it would send."""
    db = demo_counter(directory, unit_code, count, seed)
    try:
        now = utc_now() + timedelta(seconds=1)
        with db.read() as session:
            rows = list(session.scalars(select(OutboxOp).order_by(OutboxOp.seq)))
            audit = audit_rows_for(session, rows)
            wires = [with_audit(outgoing(row, "", now), audit).wire for row in rows]
    finally:
        db.close()
    epoch = str(uuid.uuid4())
    batches = [{"batch_id": str(uuid.uuid4()), "device_epoch": epoch, "ops": wires[i:i + batch_size]}
               for i in range(0, len(wires), batch_size)]
    return Backlog(unit_code, epoch, batches)


def enrolled_device(server: ServerDatabase, unit_code: str) -> Device:
    """The unit (created) and a device enrolled in desk slot 1, as `provincial-server` would do."""
    now = utc_now()
    with server.session() as session:
        create_unit(session, unit_code, f"Đơn vị thử {unit_code}", now)
        code, _expires = new_enrollment_code(session, unit_code, now)
        device, _token = enroll(session, code, "bench", "bench", now, preferred_slot=1)
        session.expunge(device)
        return device


def packed_bodies(backlog: Backlog, level: int = FAST_LINK_LEVEL) -> tuple[list[bytes], list[bytes]]:
    """The backlog's batches as a counter sends them to a server without a dictionary yet (packed, zstd at the
    fast-link level, compact answers asked for), and the same batches as plain JSON (for a baseline)."""
    codec = PushCodec(name="zstd", packed=True, level=level)
    bodies, plain = [], []
    for batch in backlog.batches:
        document = {**batch, "ops": [], "packed": codec.pack(batch["ops"]), "compact_results": True}
        bodies.append(encode_body(document, codec).data)
        plain.append(json.dumps(batch, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    return bodies, plain

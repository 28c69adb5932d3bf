"""The global sync invariants of sync-anchors.md §7, checked on the real databases after a scenario.

Both sides are read directly: the provincial server's database through its own SQLAlchemy models
(SQLite file or PostgreSQL) and each counter's SQLite file. Nothing goes through the HTTP API, so a
bug in the API cannot hide a bug in what was stored.

1. Every locally committed op is on the server exactly once (one ledger row, same payload hash, its
   effects applied once), or the counter holds it as rejected/conflict with a reason for the clerk.
2. Nothing is on the server that the counter never committed (ledger rows, dossiers, events).
3. No silent overwrite: the server's copy of a dossier carries exactly the fields the counter sent.
4. The queue drains: nothing pending or in flight after a clean final sync.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from counter_app.storage.database import Database
from counter_app.storage.models import DossierRow, OutboxOp
from counter_app.storage.outbox import is_withdrawn
from counter_app.storage.sync_store import get_state, queue_summary, withdrawal_op_id
from sync.server.db import ServerDatabase
from sync.server.models import Dossier, DossierEvent, OpLedger

LEDGER_STATUS_FOR = {"acked": "accepted", "conflict": "conflict", "rejected": "rejected"}
# Fields the server may legitimately change after creation (its own status updates, pulled back).
MUTABLE_FIELDS = {"status", "status_label", "version", "history"}


@dataclass
class CounterView:
    """What one counter holds, as read from its database."""

    device_id: str
    unit_code: str
    ops: list[OutboxOp]
    dossiers: dict[str, DossierRow]  # by id
    pending: int
    in_flight: int
    problems: list[OutboxOp] = field(default_factory=list)


def read_counter(db: Database) -> CounterView:
    with db.read() as session:
        state = get_state(session)
        assert state is not None, "counter is not enrolled"
        ops = list(session.scalars(select(OutboxOp).order_by(OutboxOp.seq)))
        rows = list(session.scalars(select(DossierRow)))
        summary = queue_summary(session)
        unit = rows[0].unit_code if rows else ""
        return CounterView(
            device_id=state.device_id, unit_code=unit, ops=ops, dossiers={r.id: r for r in rows},
            pending=summary.pending, in_flight=summary.in_flight,
            problems=[op for op in ops if op.state in ("rejected", "conflict")],
        )


def open_server_db(server_url: str) -> ServerDatabase:
    """The server's database as the server process sees it (no migration: the server did that)."""
    return ServerDatabase(server_url)


def check_counter(server_db_url: str, db: Database, *, drained: bool = True) -> CounterView:
    """Assert invariants 1-4 for one counter against the server database; returns what was read."""
    view = read_counter(db)
    if drained:
        assert view.pending == 0 and view.in_flight == 0, (
            f"queue not drained: {view.pending} pending, {view.in_flight} in flight")
    server = open_server_db(server_db_url)
    try:
        with server.session() as s:
            ledger = list(s.scalars(select(OpLedger).where(OpLedger.device_id == view.device_id)))
            by_op = Counter(row.op_id for row in ledger)
            doubled = [op_id for op_id, n in by_op.items() if n > 1]
            assert not doubled, f"ops stored twice in the server ledger: {doubled[:5]}"
            ledger_by_op = {row.op_id: row for row in ledger}
            # A withdrawn op reaches the server as a withdrawal under its own op_id, never with its payload.
            local_by_op = {_ledger_id(view.device_id, op): op for op in view.ops}

            # 2. nothing on the server the counter never committed
            unknown = [row.op_id for row in ledger if row.op_id not in local_by_op]
            assert not unknown, f"server ledger holds ops this counter never committed: {unknown[:5]}"
            for row in ledger:
                op = local_by_op[row.op_id]
                if is_withdrawn(op):
                    assert (row.status, row.code, row.seq) == ("rejected", "withdrawn", op.seq), row.op_id
                else:
                    assert row.payload_hash == op.payload_hash, f"payload differs for {row.op_id}"

            # 1. every answered op is on the server once, with the answer the counter recorded
            answered = [op for op in view.ops if op.state in LEDGER_STATUS_FOR]
            for op in answered:
                stored = ledger_by_op.get(_ledger_id(view.device_id, op))
                assert stored is not None, f"op {op.seq} ({op.op_type}) is {op.state} locally but not on the server"
                assert stored.status == LEDGER_STATUS_FOR[op.state], (
                    f"op {op.seq}: counter says {op.state}, server ledger says {stored.status}")
            for op in view.problems:
                assert op.result_message, f"op {op.seq} is {op.state} without a reason for the clerk"
            if drained:
                assert len(ledger) == len(answered), f"{len(ledger)} ledger rows for {len(answered)} answered ops"

            # effects exactly once: events per op, dossiers per create
            ids = [op.op_id for op in answered]
            events = Counter(s.scalars(select(DossierEvent.op_id).where(DossierEvent.op_id.in_(ids)))) if ids else Counter()
            for op in answered:
                if op.state != "acked":
                    assert events.get(op.op_id, 0) == 0, f"refused op {op.seq} left events on the server"
                    continue
                payload = json.loads(op.payload)
                if op.op_type == "dossier.create" and ledger_by_op[op.op_id].code != "already_exists":
                    expected = len(payload.get("history", []))
                elif op.op_type == "dossier.status":
                    expected = 1
                else:
                    continue
                assert events.get(op.op_id, 0) == expected, (
                    f"op {op.seq} ({op.op_type}) applied {events.get(op.op_id, 0)} times, expected {expected}")

            # dossiers: the ones this counter created, once each, nothing else, nothing overwritten
            created = {json.loads(op.payload)["id"]: op for op in view.ops
                       if op.op_type == "dossier.create" and op.state == "acked"}
            theirs = {d.id: d for d in s.scalars(select(Dossier).where(Dossier.source_device_id == view.device_id))}
            stray = set(theirs) - set(view.dossiers)
            assert not stray, f"server has dossiers this counter never committed: {sorted(stray)[:5]}"
            missing = [view.dossiers[i].code for i in created if i not in theirs]
            assert not missing, f"acked dossiers missing on the server: {missing[:5]}"
            settled = {op.entity_id for op in view.ops} - {op.entity_id for op in view.ops if op.state != "acked"}
            for dossier_id in created:
                server_row, local_row = theirs[dossier_id], view.dossiers[dossier_id]
                assert server_row.code == local_row.code
                sent = _fixed_fields(json.loads(created[dossier_id].payload))
                assert _fixed_fields(server_row.data) == sent, f"{server_row.code}: server copy differs from what was sent"
                if dossier_id in settled:
                    assert (server_row.status, server_row.version) == (local_row.status, local_row.version), (
                        f"{local_row.code}: counter has status {local_row.status} v{local_row.version}, "
                        f"server {server_row.status} v{server_row.version}")
    finally:
        server.dispose()
    return view


def check_unit(server_db_url: str, unit_code: str, dbs: list[Database]) -> int:
    """The server holds exactly the unit's dossiers its counters hold, each code once; returns the count."""
    local_codes: list[str] = []
    for db in dbs:
        with db.read() as session:
            local_codes += list(session.scalars(select(DossierRow.code).where(DossierRow.unit_code == unit_code)))
    assert len(local_codes) == len(set(local_codes)), "two counters of the unit issued the same dossier code"
    server = open_server_db(server_db_url)
    try:
        with server.session() as s:
            codes = list(s.scalars(select(Dossier.code).where(Dossier.unit_code == unit_code)))
            total = s.scalar(select(func.count()).select_from(Dossier).where(Dossier.unit_code == unit_code))
    finally:
        server.dispose()
    assert total == len(local_codes), f"{unit_code}: server has {total} dossiers, counters have {len(local_codes)}"
    assert sorted(codes) == sorted(local_codes), f"{unit_code}: dossier codes differ between server and counters"
    return total


def check_all(server_db_url: str, dbs: list[Database], *, drained: bool = True) -> list[CounterView]:
    """Every counter's invariants, then every unit's totals."""
    views = [check_counter(server_db_url, db, drained=drained) for db in dbs]
    units: dict[str, list[Database]] = {}
    for view, db in zip(views, dbs, strict=True):
        if view.unit_code:
            units.setdefault(view.unit_code, []).append(db)
    for unit_code, members in units.items():
        check_unit(server_db_url, unit_code, members)
    return views


def _ledger_id(device_id: str, op: OutboxOp) -> str:
    return withdrawal_op_id(device_id, op) if is_withdrawn(op) else op.op_id


def _fixed_fields(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in MUTABLE_FIELDS}

"""Audit rows reach a real provincial server in their operations' envelopes (issue 10, must-show):

- the server keeps every row, even the row of an operation it refuses;
- a row tampered on the counter before it was sent is kept there too, marked as a break;
- `provincial-server verify-audit` finds a row changed, deleted or inserted in the server's database
  (SQLite file or PostgreSQL) and names it; the chain is intact again once the row is put back.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
from sqlalchemy import delete, insert, select, text, update

from counter_app.domain.audit import AuditRecord, genesis_hash, sealed
from counter_app.domain.lifecycle import Status
from counter_app.domain.operations import OpType, OutboxState
from counter_app.domain.serialization import canonical_json
from counter_app.services.credentials import load_token
from counter_app.services.intake import IntakeRequest, PersonInput, receive_dossier
from counter_app.services.lifecycle import transition
from counter_app.storage.database import Database
from counter_app.storage.models import AuditLogRow, OutboxOp
from counter_app.storage.outbox import append_operation
from counter_app.storage.sync_store import get_state
from sync.client.enrollment import enroll
from sync.client.runner import SyncRunner
from sync.protocol import API_PREFIX
from sync.server.models import AuditEntry
from tests.conftest import UNIT_CODE, open_counter
from tests.support.cli_process import run_command
from tests.sync.harness import ServerProcess, backend_url
from tests.sync.invariants import open_server_db
from tests.sync.payloads import wire

ROOT = Path(__file__).resolve().parents[2]
EXIT_AUDIT_BROKEN = 5


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with ServerProcess(backend_url(request, tmp_path_factory)) as process:
        process.admin("create-unit", "--code", UNIT_CODE, "--name", "UBND phường Hải Châu")
        process.admin("import-catalog", str(ROOT / "resources" / "catalog" / "sample-catalog.json"))
        yield process


def verify(server: ServerProcess, device: str) -> tuple[int, dict]:
    result: subprocess.CompletedProcess[str] = run_command(
        "provincial-server", ["--database-url", server.database_url, "verify-audit", "--device", device, "--json"])
    assert result.returncode in (0, EXIT_AUDIT_BROKEN), result.stderr
    return result.returncode, json.loads(result.stdout)["devices"][0]


def names(chain: dict, kind: str, seq: int) -> bool:
    return any(found["kind"] == kind and found["first_seq"] <= seq <= found["last_seq"] for found in chain["breaks"])


@pytest.mark.slow
def test_every_audit_row_reaches_the_server_and_tampering_there_is_named(server: ServerProcess, tmp_path: Path) -> None:
    data_dir = tmp_path / "counter"
    db = open_counter(data_dir)
    enroll(db, server.url, server.enrollment_code(UNIT_CODE))
    codes = [receive_dossier(db, IntakeRequest("1.001193", PersonInput(
        full_name=name, id_number="049090001234", phone="0905123456", street="12 Lê Lợi"))).code
        for name in ("Nguyễn Văn Đức", "Lê Thị Hoa", "Phạm Minh Tuấn")]
    transition(db, codes[0], Status.PROCESSING, agency="Phòng Tư pháp")
    with db.write() as session:  # a step the server refuses (2 → 10 skips the agency): its row is kept all the same
        refused = append_operation(session, entity="dossier", entity_id="x", op_type=OpType.DOSSIER_STATUS, now=datetime.now(UTC),
                                   payload={"code": codes[1], "from": 2, "to": 10, "note": "", "actor": "Trần Thị Mai",
                                            "at": datetime.now(UTC).isoformat(timespec="seconds")}).seq
    report = SyncRunner(db, data_dir, base_delay=0.01).run_once()
    assert report.ok, report.errors
    with db.read() as session:
        device = get_state(session).device_id
        assert session.get(OutboxOp, refused).state == OutboxState.REJECTED
        local = [(row.seq, row.hash, row.action) for row in session.scalars(select(AuditLogRow).order_by(AuditLogRow.seq))]
    db.close()

    server_db = open_server_db(server.database_url)
    try:
        with server_db.session() as session:
            kept = [(row.seq, row.hash, row.action) for row in session.scalars(
                select(AuditEntry).where(AuditEntry.device_id == device).order_by(AuditEntry.seq))]
            states = set(session.scalars(select(AuditEntry.state).where(AuditEntry.device_id == device)))
        assert kept == local and len(kept) == 5 and states == {"ok"}  # the refused step's row included
        code, chain = verify(server, device)
        assert code == 0 and chain["intact"] and chain["rows"] == 5

        def tampered(change, kind: str, seq: int, undo) -> None:
            with server_db.session() as session:
                session.execute(change)
            code, chain = verify(server, device)
            assert code == EXIT_AUDIT_BROKEN and names(chain, kind, seq), chain["breaks"]
            with server_db.session() as session:
                session.execute(undo)
            assert verify(server, device)[0] == 0

        with server_db.session() as session:
            third = session.scalars(select(AuditEntry).where(AuditEntry.device_id == device, AuditEntry.seq == 3)).one()
            saved = {column: getattr(third, column) for column in (c.key for c in AuditEntry.__table__.columns)}
            second_name = session.scalar(select(AuditEntry.clerk_name).where(AuditEntry.device_id == device,
                                                                             AuditEntry.seq == 2))
        where = (AuditEntry.device_id == device) & (AuditEntry.seq == 2)
        tampered(update(AuditEntry).where(where).values(clerk_name="Ai Đó"), "changed", 2,
                 update(AuditEntry).where(where).values(clerk_name=second_name))
        tampered(delete(AuditEntry).where(AuditEntry.id == saved["id"]), "missing", 3, insert(AuditEntry).values(**saved))
        record = AuditRecord(**{name: saved[name] for name in AuditRecord.__dataclass_fields__ if name != "hash"})
        forged = sealed(AuditRecord(**{**record.fields(), "clerk_name": "Ai Đó", "after": '{"total_vnd":0}'}))
        values = {**saved, **record.fields(), "clerk_name": forged.clerk_name, "after": forged.after, "hash": forged.hash}
        values.pop("id")
        tampered(insert(AuditEntry).values(**values), "duplicate", 3,
                 delete(AuditEntry).where(AuditEntry.hash == forged.hash))
        with server_db.session() as session:  # the kept head notices a tail cut off
            session.execute(text("DELETE FROM audit_entry WHERE device_id = :d AND seq = 5"), {"d": device})
        code, chain = verify(server, device)
        assert code == EXIT_AUDIT_BROKEN and names(chain, "truncated", 5)
    finally:
        server_db.dispose()



@pytest.mark.slow
def test_a_row_tampered_on_the_counter_before_sync_is_kept_on_the_server_marked_as_a_break(
        server: ServerProcess, tmp_path: Path) -> None:
    data_dir = tmp_path / "counter"
    db = open_counter(data_dir)
    enroll(db, server.url, server.enrollment_code(UNIT_CODE))
    for name in ("Nguyễn Văn Đức", "Lê Thị Hoa", "Phạm Minh Tuấn"):
        receive_dossier(db, IntakeRequest("1.001193", PersonInput(
            full_name=name, id_number="049090001234", phone="0905123456", street="12 Lê Lợi")))
    with db.read() as session:
        device = get_state(session).device_id
    path = db.path
    db.close()
    with sqlite3.connect(path) as tamperer:  # the clerk's name on row 2 changed in the file, before it was sent
        tamperer.execute("DROP TRIGGER audit_log_no_update")
        tamperer.execute("UPDATE audit_log SET clerk_name = 'Ai Đó' WHERE seq = 2")
    tamperer.close()
    db = Database.open(data_dir)
    report = SyncRunner(db, data_dir, base_delay=0.01).run_once()
    assert report.ok, report.errors
    with db.read() as session:  # the operations themselves went through
        assert {op.state for op in session.scalars(select(OutboxOp))} == {OutboxState.ACKED}
    db.close()

    server_db = open_server_db(server.database_url)
    try:
        with server_db.session() as session:
            kept = {row.seq: (row.state, row.clerk_name, row.problem) for row in session.scalars(
                select(AuditEntry).where(AuditEntry.device_id == device))}
    finally:
        server_db.dispose()
    assert sorted(kept) == [1, 2, 3]  # kept, not dropped
    assert kept[2][:2] == ("break", "Ai Đó") and "không khớp mã băm" in kept[2][2]
    code, chain = verify(server, device)
    assert code == EXIT_AUDIT_BROKEN and names(chain, "changed", 2)


def test_rows_arriving_out_of_order_wait_for_their_predecessor_and_a_malformed_envelope_costs_nothing(
        server: ServerProcess, tmp_path: Path) -> None:
    """Pushed by hand with the device's own token: a quarantined operation is sent after later ones, so row 2
    may come before row 1 ("waiting", then "ok"); a damaged envelope is not stored and its operation is still
    answered."""
    data_dir = tmp_path / "counter"
    db = open_counter(data_dir)
    enroll(db, server.url, server.enrollment_code(UNIT_CODE))
    with db.read() as session:
        device = get_state(session).device_id
    db.close()
    first = sealed(AuditRecord(seq=1, at="2026-11-30T08:00:00+07:00", device=device, clerk_name="Trần Thị Mai",
                               clerk_username="mai", action="guidance.record", subject="x", before=None, after="{}",
                               prev_hash=genesis_hash(device)))
    second = sealed(AuditRecord(**{**first.fields(), "seq": 2, "prev_hash": first.hash}))

    def push(seq: int, audit: object) -> dict:
        op = {**wire(seq, OpType.WITHDRAWN, {"op_type": "x", "payload_hash": "0" * 64, "code": "withdrawn",
                                             "reason": "thử"}), "audit": audit}
        answer = requests.post(f"{server.url}{API_PREFIX}/sync/push", timeout=30,
                               headers={"Authorization": f"Bearer {load_token(device)}"},
                               json={"batch_id": str(uuid.uuid4()), "device_epoch": str(uuid.uuid4()), "ops": [op]})
        assert answer.status_code == 200, answer.text
        return answer.json()["results"][0]

    def states() -> dict[int, str]:
        server_db = open_server_db(server.database_url)
        try:
            with server_db.session() as session:
                return {row.seq: row.state for row in session.scalars(
                    select(AuditEntry).where(AuditEntry.device_id == device))}
        finally:
            server_db.dispose()

    assert push(1, {**second.fields(), "hash": second.hash})["status"]
    assert states() == {2: "waiting"}
    assert push(2, {"seq": "một", "hash": "not a hash"})["status"]  # answered; the envelope is not kept
    assert states() == {2: "waiting"}
    push(3, {**first.fields(), "hash": first.hash})
    assert states() == {1: "ok", 2: "ok"}
    code, chain = verify(server, device)
    assert code == 0 and chain["rows"] == 2


def test_an_after_left_out_is_rebuilt_from_the_payload_and_a_payload_changed_on_the_way_is_a_break(
        server: ServerProcess, tmp_path: Path) -> None:
    """The counter leaves `after` out (null) when it is the payload's own canonical JSON; the server rebuilds
    it from the payload it received. Pushed by hand: a payload that is not the one hashed into the row makes
    the row a break (kept), a push with no payload to rebuild from stores nothing and is still answered."""
    from sync.client.audit_envelope import with_audit
    from sync.client.outgoing import Outgoing

    data_dir = tmp_path / "counter"
    db = open_counter(data_dir)
    enroll(db, server.url, server.enrollment_code(UNIT_CODE))
    with db.read() as session:
        device = get_state(session).device_id
    db.close()
    payload = {"op_type": "x", "payload_hash": "0" * 64, "code": "withdrawn", "reason": "Thử: Nguyễn Văn Đức"}
    rows = [sealed(AuditRecord(seq=1, at="2026-11-30T08:00:00+07:00", device=device, clerk_name="Trần Thị Mai",
                               clerk_username="mai", action="op.withdrawn", subject="x", before=None,
                               after=canonical_json(payload), prev_hash=genesis_hash(device)))]
    for seq in (2, 3):
        rows.append(sealed(AuditRecord(**{**rows[0].fields(), "seq": seq, "prev_hash": rows[-1].hash})))
    sent = with_audit(Outgoing(1, wire(1, OpType.WITHDRAWN, payload), 0), {1: rows[0]}).wire
    assert sent["audit"]["after"] is None  # the counter's client left it out

    def push(op: dict) -> None:
        answer = requests.post(f"{server.url}{API_PREFIX}/sync/push", timeout=30,
                               headers={"Authorization": f"Bearer {load_token(device)}"},
                               json={"batch_id": str(uuid.uuid4()), "device_epoch": str(uuid.uuid4()), "ops": [op]})
        assert answer.status_code == 200, answer.text
        assert answer.json()["results"][0]["status"]

    push(sent)
    changed = {**payload, "reason": "Thử: Ai Đó"}
    push({**wire(2, OpType.WITHDRAWN, changed), "audit": {**rows[1].fields(), "after": None, "hash": rows[1].hash}})
    push({**wire(3, OpType.WITHDRAWN, payload), "payload": None,
          "audit": {**rows[2].fields(), "after": None, "hash": rows[2].hash}})
    server_db = open_server_db(server.database_url)
    try:
        with server_db.session() as session:
            kept = {row.seq: (row.state, row.after) for row in session.scalars(
                select(AuditEntry).where(AuditEntry.device_id == device))}
    finally:
        server_db.dispose()
    assert kept == {1: ("ok", rows[0].after), 2: ("break", canonical_json(changed))}
    code, chain = verify(server, device)
    assert code == EXIT_AUDIT_BROKEN and names(chain, "changed", 2)

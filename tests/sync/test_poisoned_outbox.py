"""No operation can wedge a counter (issue 7 §3): a poisoned outbox never stops the good operations behind
it from being acknowledged, nor pulls, nor scan uploads.

The poison is what a buggy older version (or a disk editor) could have left in the outbox: each kind of
bad value that once made the server answer 500 (nesting, lone surrogates, integers past 2^63 and 2^31,
years 1 and 9999, NaN and Infinity, megabytes of text, control characters, status 99, a negative version,
a hash with a trailing newline), plus a payload that is not JSON, a hash that does not match, an
unknown type, and a dossier code of another desk (which only the server can tell). Rows are written
straight into the counter's real SQLite file, then the real `counter-app sync` runs against a real
server on SQLite and on PostgreSQL. A server that fails on one record is played by the project's
fault proxy, refusing any push whose body holds that record (as a web application firewall would).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from counter_app.domain.lifecycle import Status
from counter_app.domain.operations import OpType, OutboxState
from counter_app.domain.serialization import payload_hash
from counter_app.services.attachments import attach_files
from counter_app.services.dossiers import change_status
from counter_app.services.intake import IntakeRequest, PersonInput, receive_dossier
from counter_app.services.sync_status import problem_records
from counter_app.storage.database import Database
from counter_app.storage.models import CalendarOverride, OutboxOp
from counter_app.storage.profile import get_profile
from counter_app.storage.sync_store import get_state
from sync.client.enrollment import enroll
from sync.client.runner import SyncRunner
from sync.server.admin import create_unit, import_catalog
from sync.server.models import Blob, DeviceEpoch, Dossier, OpLedger
from tests.conftest import UNIT_CODE, open_counter
from tests.sync.faultproxy import REFUSE_BODY, STATUS_502, FaultProxy
from tests.sync.harness import ROOT, ServerProcess, backend_url, counter_cli
from tests.sync.invariants import check_counter, open_server_db
from tests.sync.payloads import attachment_payload, dossier_payload, status_payload

CATALOG = ROOT / "resources" / "catalog" / "sample-catalog.json"
PUSH = "/api/v1/sync/push"
DAY_OFF = date(2027, 2, 5)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    url = backend_url(request, tmp_path_factory)
    with ServerProcess(url) as process:
        db = open_server_db(url)
        with db.session() as s:
            create_unit(s, UNIT_CODE, "UBND phường Hải Châu", datetime.now(UTC))
            import_catalog(s, CATALOG, datetime.now(UTC))
        db.dispose()
        yield process


def intake(db: Database, name: str) -> str:
    return receive_dossier(db, IntakeRequest("1.001193", PersonInput(full_name=name, id_number="049090001234",
                                                                     phone="0905123456", street="12 Lê Lợi"))).code


def enrolled(server: ServerProcess, data_dir: Path, url: str | None = None) -> tuple[Database, str]:
    db = open_counter(data_dir)
    device_id = enroll(db, url or server.url, server.enrollment_code(UNIT_CODE)).device_id
    return db, device_id


def counter_hash(payload_text: str) -> str:
    """The hash a counter computes (canonical JSON of the payload), or of the raw text if it has none."""
    try:
        return payload_hash(json.loads(payload_text))
    except (ValueError, UnicodeEncodeError, RecursionError):
        return hashlib.sha256(payload_text.encode("utf-8", "surrogatepass")).hexdigest()


def poison(db: Database, op_type: str, payload_text: str, *, digest: str | None = None) -> int:
    """Write an outbox row as a buggy version would have: no checks, its payload hashed as counters hash."""
    with db.write() as session:
        row = OutboxOp(op_id=str(uuid.uuid4()), entity="dossier", entity_id=str(uuid.uuid4()), op_type=op_type,
                       base_version=1, schema_version=1, payload=payload_text,
                       payload_hash=digest or counter_hash(payload_text),
                       created_at=datetime.now(UTC), state="pending", attempts=0)
        session.add(row)
        session.flush()
        return row.seq


def poisons(db: Database, code: str, slot: int) -> dict[str, int]:
    """Every kind of bad operation, by name -> its outbox seq."""
    dumps = lambda value: json.dumps(value, ensure_ascii=True)  # noqa: E731 - lone surrogates as \\ud800 escapes
    status = status_payload(code, 2, 4)
    create = dossier_payload(UNIT_CODE, slot, 990)
    deep: Any = "đáy"
    for _ in range(400):
        deep = [deep]
    rows = {
        "deep_nesting": (OpType.DOSSIER_STATUS, dumps({**status, "note": deep})),
        "lone_surrogate": (OpType.DOSSIER_STATUS, dumps({**status, "note": "Ghi chú \ud800"})),
        "int_past_2_63": (OpType.DOSSIER_CREATE, dumps({**create, "version": 2**63})),
        "int_past_2_31": (OpType.DOSSIER_CREATE, dumps({**create, "version": 2**31})),
        "year_1": (OpType.DOSSIER_CREATE, dumps({**create, "received_at": "0001-01-01T03:00:00+07:00"})),
        "year_9999": (OpType.DOSSIER_STATUS, dumps({**status, "at": "9999-12-31T23:59:59-12:00"})),
        "nan": (OpType.ATTACHMENT_ADD, dumps(attachment_payload(code)).replace('"size": 10', '"size": NaN')),
        "infinity": (OpType.DOSSIER_STATUS, dumps(status).replace('"from": 2', '"from": Infinity')),
        "megabytes_of_text": (OpType.DOSSIER_STATUS, dumps({**status, "note": "Đ" * 1_000_000})),
        "control_characters": (OpType.DOSSIER_STATUS, dumps({**status, "actor": "Mai\x07\x1b[31m"})),
        "nul": (OpType.DOSSIER_STATUS, dumps({**status, "note": "a\x00b"})),
        "status_99": (OpType.DOSSIER_STATUS, dumps({**status, "to": 99})),
        "negative_version": (OpType.DOSSIER_CREATE, dumps({**create, "version": -1})),
        "sha_with_newline": (OpType.ATTACHMENT_ADD, dumps({**attachment_payload(code), "sha256": "ab" * 32 + "\n"})),
        "not_json": (OpType.DOSSIER_STATUS, '{"code": "' + code + '", "from": 2,'),
        "unknown_type": ("dossier.delete", dumps({"code": code})),
        "not_an_object": (OpType.DOSSIER_STATUS, dumps([1, 2, 3])),
    }
    seqs = {name: poison(db, str(op_type), text) for name, (op_type, text) in rows.items()}
    seqs["hash_mismatch"] = poison(db, str(OpType.DOSSIER_STATUS), dumps(status), digest="0" * 64)
    # Well-formed, but the code claims desk slot 9, which the province gave to no one here: only the
    # server can tell, and it refuses that one operation.
    foreign = dossier_payload(UNIT_CODE, 9 if slot != 9 else 8, 7)
    seqs["foreign_desk_slot"] = poison(db, str(OpType.DOSSIER_CREATE), json.dumps(foreign, ensure_ascii=False))
    return seqs


def outbox(db: Database) -> dict[int, OutboxOp]:
    with db.read() as session:
        return {op.seq: op for op in session.scalars(select(OutboxOp).order_by(OutboxOp.seq))}


def test_poisoned_outbox_never_stops_good_operations_pulls_or_scans(server: ServerProcess, tmp_path: Path) -> None:
    data_dir = tmp_path / "counter"
    db, device_id = enrolled(server, data_dir)
    with db.read() as session:
        slot = get_profile(session).desk_slot
    first = intake(db, "Nguyễn Văn Đức")
    bad = poisons(db, first, slot)
    second = intake(db, "Lê Thị Hoa")
    change_status(db, first, Status.PROCESSING, actor="Trần Thị Mai", note="Chuyển phòng Tư pháp")
    scan = tmp_path / "to-khai.pdf"
    scan.write_bytes(b"%PDF-1.4 " + bytes(range(256)) * 40)
    attach_files(db, data_dir, second, [scan])
    good = [seq for seq in outbox(db) if seq not in bad.values()]
    server.admin("calendar-day", DAY_OFF.isoformat(), "--kind", "off", "--note", "Nghỉ Tết")
    db.close()

    result = counter_cli(data_dir, "sync", "--once", "--json")
    report = json.loads(result.stdout)
    assert report["ok"], report
    assert "Traceback" not in result.stderr

    db = Database.open(data_dir)
    ops = outbox(db)
    assert [ops[seq].state for seq in good] == [OutboxState.ACKED] * len(good), [
        (ops[seq].op_type, ops[seq].state, ops[seq].result_message) for seq in good]
    for name, seq in bad.items():
        op = ops[seq]
        assert op.state == OutboxState.REJECTED, (name, op.state, op.result_message)
        assert op.result_message and "Traceback" not in op.result_message, name
        assert "\x00" not in op.result_message and len(op.result_message) < 2_000, name
    assert ops[bad["foreign_desk_slot"]].result_code == "foreign_desk_slot"
    assert "số quầy" in ops[bad["foreign_desk_slot"]].result_message
    withdrawn = {name for name, seq in bad.items() if ops[seq].result_code == "withdrawn"}
    assert withdrawn == set(bad) - {"foreign_desk_slot"}, withdrawn
    with db.read() as session:  # the pull ran
        assert session.get(CalendarOverride, DAY_OFF) is not None
    check_counter(server.database_url, db)

    server_db = open_server_db(server.database_url)
    try:
        with server_db.session() as s:
            sha = hashlib.sha256(scan.read_bytes()).hexdigest()
            assert s.scalar(select(func.count()).select_from(Blob).where(Blob.sha256 == sha, Blob.complete)) == 1
            assert {d.code: d.status for d in s.scalars(select(Dossier).where(Dossier.code.in_([first, second])))} == {
                first: int(Status.PROCESSING), second: int(Status.RECEIVED)}
            # The device's sequence has no hole on the server: every poisoned seq was answered there too.
            with db.read() as session:
                epoch = get_state(session).device_epoch
            acked = s.scalar(select(DeviceEpoch.acked_seq).where(DeviceEpoch.device_id == device_id,
                                                                 DeviceEpoch.epoch == epoch))
            assert acked == max(ops)
            ledger_before = s.scalar(select(func.count()).select_from(OpLedger).where(OpLedger.device_id == device_id))
    finally:
        server_db.dispose()
    db.close()

    again = json.loads(counter_cli(data_dir, "sync", "--once", "--json").stdout)
    assert again["ok"] and again["pushed"] == 0 and again["rejected"] == 0, again
    server_db = open_server_db(server.database_url)
    try:
        with server_db.session() as s:
            assert s.scalar(select(func.count()).select_from(OpLedger)
                            .where(OpLedger.device_id == device_id)) == ledger_before
    finally:
        server_db.dispose()


@pytest.mark.parametrize("status", [500, 400])
def test_a_record_the_server_fails_on_is_isolated_and_the_rest_goes_through(
        server: ServerProcess, tmp_path: Path, fault_proxy: Any, status: int) -> None:
    """The server (or a firewall before it) fails on any batch holding one record: the counter splits its
    batches until that record is alone, withdraws it with the reason, and every other record is acked."""
    proxy: FaultProxy = fault_proxy(server.port)
    data_dir = tmp_path / f"counter-{status}"
    db, _device_id = enrolled(server, data_dir, proxy.url)
    names = [f"Phạm Văn Số {i}" for i in range(40)]
    marked = "Hoàng Thị Độc"
    codes = [intake(db, name) for name in names[:23]] + [intake(db, marked)] + [intake(db, n) for n in names[23:]]
    proxy.add_fault(REFUSE_BODY, path_prefix=PUSH, body_contains=marked.encode(), status=status)

    def marked_op() -> OutboxOp:
        return next(op for op in outbox(db).values() if json.loads(op.payload)["code"] == codes[23])

    report = SyncRunner(db, data_dir, base_delay=0.01, max_delay=0.05).run_once()
    assert report.ok, report.errors
    assert sorted(op.state for op in outbox(db).values()).count("acked") == 40  # the others went through at once
    op = marked_op()
    assert op.state in ("pending", "in_flight") and op.result_code == "quarantined"
    assert "Máy chủ tỉnh không xử lý được riêng thao tác này" in (op.result_message or "")
    [shown] = [r for r in problem_records(db) if r.seq == op.seq]  # on the sync screen, with its reason
    assert shown.state.startswith("Tạm giữ") and shown.message == op.result_message
    pushes = [r for r in proxy.stats().requests if r.path.startswith(PUSH)]
    assert len(pushes) <= 1 + 2 * 6, f"{len(pushes)} push requests to isolate one record among 41"

    # The next syncs (the GUI's timer) send it alone, one request each, and succeed for the rest.
    intake(db, "Vũ Văn Sau")
    proxy.reset_stats()
    assert SyncRunner(db, data_dir, base_delay=0.01, max_delay=0.05).run_once().ok
    assert len([r for r in proxy.stats().requests if r.path.startswith(PUSH)]) == 2
    assert marked_op().result_code == "quarantined"
    # Once the server (or the firewall) takes it, it goes through like any other.
    proxy.clear_faults()
    assert SyncRunner(db, data_dir, base_delay=0.01, max_delay=0.05).run_once().ok
    assert (marked_op().state, marked_op().result_code) == ("acked", None)
    check_counter(server.database_url, db)
    db.close()


def test_a_server_that_fails_on_everything_withdraws_nothing(server: ServerProcess, tmp_path: Path,
                                                             fault_proxy: Any) -> None:
    """500 on every push (even an empty one), or 502 from the gateway: the queue waits, intact."""
    proxy: FaultProxy = fault_proxy(server.port)
    data_dir = tmp_path / "counter-down"
    db, _device_id = enrolled(server, data_dir, proxy.url)
    for i in range(6):
        intake(db, f"Đỗ Văn Chờ {i}")
    for arm in (lambda: proxy.add_fault(REFUSE_BODY, path_prefix=PUSH, body_contains=b'"ops"', status=500),
                lambda: proxy.add_fault(STATUS_502, path_prefix=PUSH)):
        rule = arm()
        report = SyncRunner(db, data_dir, base_delay=0.01, max_delay=0.05, max_attempts=2).run_once()
        assert not report.ok
        states = {op.state for op in outbox(db).values()}
        assert states <= {"pending", "in_flight"}, states
        assert all(op.result_code != "withdrawn" for op in outbox(db).values())
        proxy.remove_fault(rule)
    report = SyncRunner(db, data_dir, base_delay=0.01, max_delay=0.05).run_once()
    assert report.ok and report.pushed == 6
    check_counter(server.database_url, db)
    db.close()


def test_an_operation_dated_ahead_of_the_server_waits_instead_of_being_refused(server: ServerProcess,
                                                                               tmp_path: Path) -> None:
    """A counter whose clock runs two days ahead: its operation is kept and sent again, never refused."""
    data_dir = tmp_path / "counter-ahead"
    db, _device_id = enrolled(server, data_dir)
    with db.read() as session:
        slot = get_profile(session).desk_slot
    ahead = datetime.now(UTC) + timedelta(days=2)
    payload = dossier_payload(UNIT_CODE, slot, 500, received_at=ahead)
    seq = poison(db, str(OpType.DOSSIER_CREATE), json.dumps(payload, ensure_ascii=False))
    report = SyncRunner(db, data_dir, base_delay=0.01).run_once()
    assert report.ok, report.errors
    op = outbox(db)[seq]
    assert (op.state, op.result_code) == ("pending", "clock_ahead"), (op.state, op.result_message)
    assert "đồng hồ" in (op.result_message or "")
    db.close()

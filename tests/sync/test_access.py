"""Who may read and write what: a counter sees and changes only its own unit's data, and only while enrolled.

Requests are made with the real client Transport and the device's real token (from the keyring the
counter enrolled into), against a real server on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from counter_app.domain.lifecycle import Status
from counter_app.domain.serialization import payload_hash
from counter_app.services.credentials import load_token, save_token
from counter_app.services.intake import IntakeRequest, PersonInput, receive_dossier
from counter_app.storage.database import Database
from counter_app.storage.models import OutboxOp
from counter_app.storage.profile import get_profile
from counter_app.storage.sync_store import get_state
from sync.client.enrollment import enroll
from sync.client.runner import SyncRunner
from sync.client.transport import PermanentError, SyncError, Transport
from sync.protocol import HelloRequest, Operation, PushBatch, PushResponse
from sync.server.admin import create_unit, import_catalog, set_status
from sync.server.auth import enrollment_code_hash, new_enrollment_code, token_digest
from sync.server.models import Attachment, Device, Dossier, DossierEvent, EnrollmentCode, OpLedger
from tests.conftest import open_counter
from tests.sync.harness import ROOT, UNIT_A, UNIT_B, ServerProcess, backend_url, counter_cli
from tests.sync.invariants import check_counter, open_server_db
from tests.sync.payloads import dossier_payload, status_payload

CATALOG = ROOT / "resources" / "catalog" / "sample-catalog.json"
TOKEN_LIKE = re.compile(rb"[A-Za-z0-9_-]{43}")


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A real server with units A and B and the province's catalog, shared by this module's tests."""
    url = backend_url(request, tmp_path_factory)
    with ServerProcess(url) as process:
        db = open_server_db(url)
        with db.session() as s:
            create_unit(s, UNIT_A, "UBND phường Hải Châu", datetime.now(UTC))
            create_unit(s, UNIT_B, "UBND phường Thạch Thang", datetime.now(UTC))
            import_catalog(s, CATALOG, datetime.now(UTC))
        db.dispose()
        yield process


def code_for(server: ServerProcess, unit: str) -> str:
    db = open_server_db(server.database_url)
    try:
        with db.session() as s:
            return new_enrollment_code(s, unit, datetime.now(UTC))[0]
    finally:
        db.dispose()


def enrolled_counter(server: ServerProcess, data_dir: Path, unit: str, dossiers: int = 2) -> tuple[Database, str]:
    """A counter enrolled first (so it numbers with the slot the server gave it), then a few dossiers."""
    db = open_counter(data_dir, unit_code=unit)
    device_id = enroll(db, server.url, code_for(server, unit)).device_id
    for i in range(dossiers):
        receive_dossier(db, IntakeRequest("1.001193", PersonInput(full_name=f"Võ Thị Hoa {i}", id_number="049090001234",
                                                                  phone="0905123456", street="3 Trần Phú")))
    return db, device_id


def runner(db: Database, data_dir: Path) -> SyncRunner:
    return SyncRunner(db, data_dir, base_delay=0.01, max_delay=0.1)


def outbox_rows(db: Database) -> list[tuple[Any, ...]]:
    with db.read() as session:
        return [(op.seq, op.op_id, op.state, op.attempts, op.batch_id, op.result_code)
                for op in session.scalars(select(OutboxOp).order_by(OutboxOp.seq))]


def first_create(db: Database) -> dict[str, Any]:
    with db.read() as session:
        op = session.scalar(select(OutboxOp).where(OutboxOp.op_type == "dossier.create").order_by(OutboxOp.seq))
        assert op is not None
        return json.loads(op.payload)


def wire_op(seq: int, op_type: str, entity_id: str, payload: dict[str, Any], base_version: int | None = None) -> Operation:
    return Operation(op_id=str(uuid.uuid4()), seq=seq, entity="dossier", entity_id=entity_id, op_type=op_type,
                     base_version=base_version, schema_version=1, created_at=datetime.now(UTC), payload=payload,
                     payload_hash=payload_hash(payload))


def protected_calls() -> list[tuple[str, str, dict[str, Any] | None]]:
    """One well-formed request to each endpoint that needs a device's token."""
    hello = HelloRequest(protocol_versions=[1], schema_versions=[1], device_epoch=str(uuid.uuid4()))
    push = PushBatch(batch_id=str(uuid.uuid4()), device_epoch=str(uuid.uuid4()), ops=[])
    return [("POST", "/sync/hello", hello.model_dump(mode="json")), ("POST", "/sync/push", push.model_dump(mode="json")),
            ("GET", "/sync/pull", None), ("POST", "/blobs/" + "a" * 64, {"size": 1}), ("HEAD", "/blobs/" + "a" * 64, None)]


def server_snapshot(server: ServerProcess, unit: str) -> dict[str, Any]:
    db = open_server_db(server.database_url)
    try:
        with db.session() as s:
            dossiers = {d.code: (d.id, d.status, d.version) for d in s.scalars(select(Dossier).where(Dossier.unit_code == unit))}
            events = s.scalar(select(func.count()).select_from(DossierEvent).join(Dossier, Dossier.id == DossierEvent.dossier_id)
                              .where(Dossier.unit_code == unit))
            attachments = s.scalar(select(func.count()).select_from(Attachment).where(Attachment.unit_code == unit))
    finally:
        db.dispose()
    return {"dossiers": dossiers, "events": events, "attachments": attachments}


def test_device_cannot_write_or_read_another_units_data(server: ServerProcess, tmp_path: Path) -> None:
    a_db, a_device = enrolled_counter(server, tmp_path / "a", UNIT_A)
    b_db, _ = enrolled_counter(server, tmp_path / "b", UNIT_B)
    assert runner(a_db, tmp_path / "a").run_once().ok and runner(b_db, tmp_path / "b").run_once().ok
    b_dossier = first_create(b_db)
    before_b = server_snapshot(server, UNIT_B)
    before_a = server_snapshot(server, UNIT_A)

    # Counter A, with its own real token, tries to write into unit B.
    foreign = {**b_dossier, "id": str(uuid.uuid4()), "code": b_dossier["code"][:-4] + "1999"}
    disguised = {**b_dossier, "id": str(uuid.uuid4()), "unit_code": UNIT_A}  # A's unit, B's code
    ops = [
        wire_op(1, "dossier.create", foreign["id"], foreign),
        wire_op(2, "dossier.create", disguised["id"], disguised),
        wire_op(3, "dossier.status", b_dossier["id"], {"code": b_dossier["code"], "from": 2, "to": 4, "note": "",
                                                       "actor": "Kẻ lạ", "at": b_dossier["received_at"]}, base_version=1),
        wire_op(4, "attachment.add", b_dossier["id"], {"dossier_code": b_dossier["code"], "sha256": "a" * 64,
                                                       "name": "scan.pdf", "size": 10,
                                                           "content_type": "application/pdf"}),
    ]
    batch = PushBatch(batch_id=str(uuid.uuid4()), device_epoch=str(uuid.uuid4()), ops=ops)
    transport = Transport(server.url, load_token(a_device))
    try:
        answer = transport.call("POST", "/sync/push", PushResponse, json_body=batch.model_dump(mode="json"))
    finally:
        transport.close()
    outcome = [(r.status.value, r.code) for r in answer.results]
    assert outcome == [("rejected", "wrong_unit"), ("rejected", "wrong_unit"),
                       ("conflict", "unknown_dossier"), ("conflict", "unknown_dossier")]
    assert "đơn vị khác" in answer.results[0].message and "Máy chủ chưa có hồ sơ" in answer.results[2].message
    assert server_snapshot(server, UNIT_B) == before_b  # nothing of B's changed, nothing added
    assert server_snapshot(server, UNIT_A) == before_a

    # The province moves B's dossier on: only B's counter is told.
    db = open_server_db(server.database_url)
    with db.session() as s:
        set_status(s, b_dossier["code"], Status.PROCESSING, "Chuyển phòng", "Tỉnh", datetime.now(UTC))
    db.dispose()
    transport = Transport(server.url, load_token(a_device))
    try:
        changes = transport.request("GET", "/sync/pull", params={"after": 0, "limit": 1000}).json()["changes"]
    finally:
        transport.close()
    assert changes and {c["kind"] for c in changes} == {"procedure"}  # global catalog only
    assert not any(b_dossier["code"] in str(c) for c in changes)
    a_report = runner(a_db, tmp_path / "a").run_once()
    b_report = runner(b_db, tmp_path / "b").run_once()
    assert a_report.ok and a_report.pulled == 0
    assert b_report.ok and b_report.pulled == 1
    check_counter(server.database_url, b_db)
    a_db.close()
    b_db.close()


def test_revoked_device_is_refused_and_keeps_its_outbox(server: ServerProcess, tmp_path: Path) -> None:
    data_dir = tmp_path / "revoked"
    db, device_id = enrolled_counter(server, data_dir, UNIT_A)
    assert runner(db, data_dir).run_once().ok
    for i in range(3):
        receive_dossier(db, IntakeRequest("1.001193", PersonInput(full_name=f"Đặng Văn Long {i}", id_number="049090001234",
                                                                  phone="0905123456", street="9 Bạch Đằng")))
    server.admin("revoke-device", device_id)
    before = outbox_rows(db)
    assert [row[2] for row in before] == ["acked"] * 2 + ["pending"] * 3

    report = runner(db, data_dir).run_once()

    assert not report.ok and report.attempts == 1  # permanent: no hammering the server
    assert report.errors == ["Quầy này đã bị thu hồi quyền đồng bộ; hãy liên hệ giám sát viên."]
    assert outbox_rows(db) == before  # untouched: nothing marked sent, nothing dropped
    with db.read() as session:
        state = get_state(session)
        assert state is not None and "thu hồi" in (state.last_error or "")
    transport = Transport(server.url, load_token(device_id))
    try:
        for method, path, body in protected_calls():
            response = transport.request(method, path, json_body=body)
            assert response.status_code == 403, (path, response.text)
            if method != "HEAD":
                assert response.json()["error"]["code"] == "device_revoked"
    finally:
        transport.close()
    db.close()


def test_wrong_or_missing_token_is_refused(server: ServerProcess, tmp_path: Path) -> None:
    for token, code in ((None, "missing_token"), ("not-a-token", "bad_token"), ("x" * 43, "bad_token")):
        transport = Transport(server.url, token)
        try:
            for method, path, body in protected_calls():
                response = transport.request(method, path, json_body=body)
                assert response.status_code == 401, (token, method, path, response.text)
                if method != "HEAD":
                    error = response.json()["error"]
                    assert error["code"] == code and "xác thực" in error["message"]
        finally:
            transport.close()

    # A counter whose keyring holds a wrong token: a clear message, nothing lost or marked sent.
    data_dir = tmp_path / "wrong-token"
    db, device_id = enrolled_counter(server, data_dir, UNIT_A)
    save_token(device_id, "x" * 43)
    before = outbox_rows(db)
    report = runner(db, data_dir).run_once()
    assert not report.ok and report.attempts == 1
    assert report.errors == ["Mã xác thực của quầy không hợp lệ; hãy đăng ký lại quầy."]
    assert outbox_rows(db) == before
    db.close()


def test_enrollment_code_is_single_use_and_expires(server: ServerProcess, tmp_path: Path) -> None:
    code = code_for(server, UNIT_A)
    first = open_counter(tmp_path / "first", unit_code=UNIT_A)
    enroll(first, server.url, code)
    second = open_counter(tmp_path / "second", unit_code=UNIT_A)
    with pytest.raises(PermanentError) as used:
        enroll(second, server.url, code)
    assert used.value.message == "Mã đăng ký này đã được dùng. Hãy xin giám sát viên cấp mã mới."
    with pytest.raises(PermanentError) as wrong:
        enroll(second, server.url, "ABCDEFGHJK")
    assert "Mã đăng ký không đúng" in wrong.value.message

    expired = code_for(server, UNIT_A)
    db = open_server_db(server.database_url)
    with db.session() as s:
        entry = s.get(EnrollmentCode, enrollment_code_hash(s, expired))
        assert entry is not None
        entry.expires_at = datetime.now(UTC) - timedelta(minutes=1)
    db.dispose()
    second.close()
    result = counter_cli(tmp_path / "second", "enroll", "--server", server.url, "--code", expired, check=False)
    assert result.returncode != 0
    assert "Mã đăng ký đã hết hạn. Hãy xin giám sát viên cấp mã mới." in result.stderr
    second = Database.open(tmp_path / "second")
    with second.read() as session:
        assert get_state(session) is None  # not enrolled by either refusal
    first.close()
    second.close()


def test_enroll_without_a_keyring_stores_nothing_and_burns_no_code(server: ServerProcess, tmp_path: Path) -> None:
    data_dir = tmp_path / "no-keyring"
    open_counter(data_dir, unit_code=UNIT_A).close()
    code = code_for(server, UNIT_A)
    result = counter_cli(data_dir, "enroll", "--server", server.url, "--code", code, check=False,
                         env={"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"})
    assert result.returncode != 0
    assert "kho lưu khóa an toàn" in result.stderr

    db = Database.open(data_dir)
    with db.read() as session:
        assert get_state(session) is None
    # No token of any device of the server sits in plaintext anywhere in the data folder.
    server_db = open_server_db(server.database_url)
    with server_db.session() as s:
        token_hashes = set(s.scalars(select(Device.token_hash)))
        entry = s.get(EnrollmentCode, enrollment_code_hash(s, code))
        assert entry is not None
        # The code is checked against the keyring before it is spent: the supervisor need not issue another.
        assert entry.used_at is None and entry.device_id is None
    server_db.dispose()
    for path in data_dir.rglob("*"):
        if path.is_file():
            for candidate in TOKEN_LIKE.findall(path.read_bytes()):
                assert token_digest(candidate.decode()) not in token_hashes, f"a sync token in plaintext in {path.name}"
    try:
        enroll(db, server.url, code)  # with a working keyring the same code now works
    except SyncError as error:
        pytest.fail(f"the code was spent by the failed enrolment: {error.message}")
    db.close()


def test_a_batch_naming_one_op_twice_takes_the_careful_path(server: ServerProcess, tmp_path: Path) -> None:
    """Same op_id twice in one batch: stored once, the repeat answered as a duplicate; a dossier created and
    moved on in the same batch is found by the later operation (the batch path's prefetch sees new rows)."""
    db, device_id = enrolled_counter(server, tmp_path / "twice", UNIT_A, dossiers=0)
    with db.read() as session:
        slot = get_profile(session).desk_slot
    created = dossier_payload(UNIT_A, slot, 999, received_at=datetime(2026, 3, 10, 2, 0, tzinfo=UTC))
    create = wire_op(1, "dossier.create", created["id"], created)
    move = wire_op(2, "dossier.status", created["id"], status_payload(created["code"], 2, 4,
                                                                      datetime(2026, 3, 10, 3, 0, tzinfo=UTC)),
                   base_version=1)
    transport = Transport(server.url, load_token(device_id))
    try:
        normal = transport.call("POST", "/sync/push", PushResponse, json_body=PushBatch(
            batch_id=str(uuid.uuid4()), device_epoch=str(uuid.uuid4()), ops=[create, move]).model_dump(mode="json"))
        again = wire_op(3, "dossier.create", "x", dossier_payload(UNIT_A, slot, 998, received_at=datetime(2026, 3, 10, 2,
                                                                                                          tzinfo=UTC)))
        twice = transport.call("POST", "/sync/push", PushResponse, json_body=PushBatch(
            batch_id=str(uuid.uuid4()), device_epoch=str(uuid.uuid4()), ops=[again, again]).model_dump(mode="json"))
    finally:
        transport.close()
    assert [(r.status.value, r.server_version) for r in normal.results] == [("accepted", 1), ("accepted", 2)]
    assert [r.status.value for r in twice.results] == ["accepted", "duplicate"]
    server_db = open_server_db(server.database_url)
    try:
        with server_db.session() as s:
            assert s.scalar(select(func.count()).select_from(OpLedger).where(OpLedger.op_id == again.op_id)) == 1
            moved = s.scalar(select(Dossier).where(Dossier.code == created["code"]))
            assert moved is not None and (moved.status, moved.version) == (4, 2)
    finally:
        server_db.dispose()
    db.close()

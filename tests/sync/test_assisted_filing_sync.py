"""Assisted filing and channel-2 dossiers reach a real server; forged ones are refused there."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from counter_app.domain.codes import office_day
from counter_app.domain.operations import OpType, OutboxState
from counter_app.domain.serialization import payload_hash
from counter_app.services.assisted_filing import AssistRequest, assist_payload, log_assistance
from counter_app.services.intake import IntakeRequest, PersonInput, receive_dossier
from counter_app.storage.database import Database
from counter_app.storage.models import OutboxOp
from sync.client.enrollment import enroll
from sync.client.runner import SyncRunner
from sync.server.models import AssistedFiling, Dossier
from tests.conftest import UNIT_CODE, open_counter
from tests.sync.harness import ServerProcess, backend_url
from tests.sync.invariants import open_server_db

ROOT = Path(__file__).resolve().parents[2]
OTHER_UNIT = "000.00.00.H47"


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with ServerProcess(backend_url(request, tmp_path_factory)) as process:
        process.admin("create-unit", "--code", UNIT_CODE, "--name", "UBND phường Hải Châu")
        process.admin("import-catalog", str(ROOT / "resources" / "catalog" / "sample-catalog.json"))
        yield process


def queue_raw(db: Database, op_type: OpType, entity_id: str, payload: dict) -> int:
    """An outbox row as a tampered counter would write it: well-formed and hashed, its content forged."""
    with db.write() as session:
        row = OutboxOp(op_id=str(uuid.uuid4()), entity="x", entity_id=entity_id, op_type=str(op_type),
                       base_version=None, schema_version=1, payload=json.dumps(payload, ensure_ascii=False),
                       payload_hash=payload_hash(payload), created_at=datetime.now(UTC), state="pending", attempts=0)
        session.add(row)
        session.flush()
        return row.seq


def outcome(db: Database, seq: int) -> tuple[str, str | None, str | None]:
    with db.read() as session:
        op = session.get(OutboxOp, seq)
        return op.state, op.result_code, op.result_message


@pytest.mark.slow
def test_assisted_filings_and_portal_codes_reach_the_server_and_forgeries_do_not(server: ServerProcess,
                                                                                  tmp_path: Path) -> None:
    data_dir = tmp_path / "counter"
    db = open_counter(data_dir)
    enroll(db, server.url, server.enrollment_code(UNIT_CODE))
    today = office_day(datetime.now(UTC))
    portal_code = f"{UNIT_CODE}-{today - timedelta(days=5):%y%m%d}-9042"  # filed 5 days ago; not slot 9 of a desk
    filed = log_assistance(db, AssistRequest("Nguyễn Văn Đức", "1.001193", "filed", portal_code=portal_code))
    failed = log_assistance(db, AssistRequest("Lê Thị Hồng", "1.001193", "failed", note="Chưa có tài khoản VNeID"))
    online = receive_dossier(db, IntakeRequest("1.001193", PersonInput(
        full_name="Nguyễn Văn Đức", id_number="049090001234", phone="0905123456", street="12 Lê Lợi"),
        channel=2, portal_code=portal_code))

    # Forgeries: another unit's log line; a portal code dated after the day the desk received it.
    other_unit = assist_payload(filed) | {"id": str(uuid.uuid4()), "unit_code": OTHER_UNIT}
    other_seq = queue_raw(db, OpType.ASSIST_LOG, other_unit["id"], other_unit)
    with db.read() as session:
        create = json.loads(session.scalars(select(OutboxOp.payload).where(OutboxOp.entity_id == online.id)).one())
    future_code = f"{UNIT_CODE}-{today + timedelta(days=3):%y%m%d}-0043"
    forged = create | {"id": str(uuid.uuid4()), "code": future_code}
    forged_seq = queue_raw(db, OpType.DOSSIER_CREATE, forged["id"], forged)
    other_desk = create | {"id": str(uuid.uuid4()), "code": f"{UNIT_CODE}-{today:%y%m%d}-0044",
                           "desk_slot": (create["desk_slot"] + 1) % 10}  # received at a desk it is not
    other_desk_seq = queue_raw(db, OpType.DOSSIER_CREATE, other_desk["id"], other_desk)

    report = SyncRunner(db, data_dir, base_delay=0.01).run_once()
    assert report.ok, report.errors
    state, code, message = outcome(db, other_seq)
    assert (state, code) == (OutboxState.REJECTED, "wrong_unit") and "đơn vị khác" in message
    state, code, message = outcome(db, forged_seq)
    assert (state, code) == (OutboxState.REJECTED, "portal_code_after_receipt") and "sau ngày tiếp nhận" in message
    assert outcome(db, other_desk_seq)[:2] == (OutboxState.REJECTED, "foreign_desk_slot")

    server_db = open_server_db(server.database_url)
    try:
        with server_db.session() as s:
            logged = {row.id: row for row in s.scalars(select(AssistedFiling))}
            dossiers = {d.code: d for d in s.scalars(select(Dossier))}
    finally:
        server_db.dispose()
    assert set(logged) == {filed.id, failed.id}
    assert (logged[filed.id].outcome, logged[filed.id].portal_code) == ("filed", portal_code)
    assert logged[failed.id].data["note"] == "Chưa có tài khoản VNeID"
    assert dossiers[portal_code].data["channel"] == 2
    assert future_code not in dossiers and other_desk["code"] not in dossiers
    assert server.stats()[UNIT_CODE]["assisted_filings"] == 2  # counted in the province's figures
    db.close()

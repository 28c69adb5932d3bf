"""Item codes of posted results, from ranges a real server grants: two desks offline never issue the same
code, and the server refuses codes a device was not granted, malformed ones and the same code twice."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from counter_app.domain.operations import OpType, OutboxState
from counter_app.domain.postal_codes import ITEM_SERIES, item_code, parse_item_code, s10_check_digit
from counter_app.domain.returns import ShipmentState
from counter_app.domain.serialization import payload_hash
from counter_app.services.returns import items_left, return_by_post, returns_of, set_shipment_state
from counter_app.storage.database import Database
from counter_app.storage.models import OutboxOp
from counter_app.storage.profile import get_profile
from sync.client.enrollment import enroll
from sync.client.runner import SyncRunner
from sync.server.admin import allocate_next_range
from sync.server.models import ResultReturn
from tests.conftest import HAI_CHAU_WARD, UNIT_CODE, open_counter
from tests.support.returns import result_ready_dossier
from tests.sync.harness import ServerProcess, backend_url
from tests.sync.invariants import open_server_db

ROOT = Path(__file__).resolve().parents[2]
PER_DESK = 4
POST = {"recipient": "Trần Thị Bình", "phone": "0905123456", "ward_code": HAI_CHAU_WARD, "street": "12 Lê Lợi",
        "postage": 25000, "payer": "agency"}


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with ServerProcess(backend_url(request, tmp_path_factory)) as process:
        process.admin("create-unit", "--code", UNIT_CODE, "--name", "UBND phường Hải Châu")
        process.admin("import-catalog", str(ROOT / "resources" / "catalog" / "sample-catalog.json"))
        yield process


def device_id(db: Database) -> str:
    with db.read() as session:
        return get_profile(session).device_id


def grant(server: ServerProcess, db: Database, count: int) -> tuple[int, int]:
    """The province's real allocation: the next `count` serials of the series, for this device."""
    server_db = open_server_db(server.database_url)
    try:
        with server_db.session() as s:
            return allocate_next_range(s, device_id(db), ITEM_SERIES, count, datetime.now(UTC))
    finally:
        server_db.dispose()


def sync(db: Database, data_dir: Path) -> None:
    report = SyncRunner(db, data_dir, base_delay=0.01).run_once()
    assert report.ok, report.errors


def queue_raw(db: Database, op_type: OpType, payload: dict) -> int:
    """An outbox row as a tampered counter would write it: well-formed and hashed, its content forged."""
    with db.write() as session:
        row = OutboxOp(op_id=str(uuid.uuid4()), entity="result_return", entity_id=payload.get("id", "x"),
                       op_type=str(op_type), base_version=None, schema_version=1,
                       payload=json.dumps(payload, ensure_ascii=False), payload_hash=payload_hash(payload),
                       created_at=datetime.now(UTC), state="pending", attempts=0)
        session.add(row)
        session.flush()
        return row.seq


def forged_return(dossier_code: str, item: str) -> dict:
    return {"id": str(uuid.uuid4()), "dossier_code": dossier_code, "method": "post",
            "at": datetime.now(UTC).isoformat(), "actor": "Trần Thị Mai", "receiver_name": "Trần Thị Bình",
            "receiver_id_number": "", "phone": "0905123456", "ward_code": HAI_CHAU_WARD, "province_code": 48,
            "street": "12 Lê Lợi", "address_text": "12 Lê Lợi, Phường Hải Châu, Thành phố Đà Nẵng",
            "postage": 25000, "payer": "agency", "item_code": item}


@pytest.mark.slow
def test_two_desks_offline_never_issue_the_same_item_code_and_forged_codes_are_refused(
        server: ServerProcess, tmp_path: Path) -> None:
    desks = []
    for desk in (1, 2):
        data_dir = tmp_path / f"desk{desk}"
        db = open_counter(data_dir, desk=desk)
        enroll(db, server.url, server.enrollment_code(UNIT_CODE))
        desks.append((db, data_dir))
    ranges = [grant(server, db, PER_DESK) for db, _ in desks]
    for db, data_dir in desks:
        sync(db, data_dir)  # the grant reaches the desk by pull
        assert items_left(db) == PER_DESK

    # Offline from here: each desk sends results by post with its own numbers.
    issued: list[list[str]] = []
    dossiers: list[list[str]] = []
    for db, _ in desks:
        codes = [result_ready_dossier(db) for _ in range(PER_DESK)]
        issued.append([return_by_post(db, code, **POST).item_code for code in codes])
        dossiers.append(codes)
    everything = [item for items in issued for item in items]
    assert len(set(everything)) == 2 * PER_DESK
    for items, (first, last) in zip(issued, ranges, strict=True):
        assert [parse_item_code(item).serial for item in items] == list(range(first, last + 1))
        assert all(int(item[10]) == s10_check_digit(parse_item_code(item).serial) for item in items)

    db_a = desks[0][0]
    set_shipment_state(db_a, issued[0][0], ShipmentState.HANDED)
    b_first = ranges[1][0]
    hostile = {
        "item_not_granted": queue_raw(db_a, OpType.RESULT_RETURN, forged_return(dossiers[0][1], item_code(b_first + 100))),
        "duplicate_item_code": queue_raw(db_a, OpType.RESULT_RETURN, forged_return(dossiers[0][1], issued[0][2])),
        "bad_item_code": queue_raw(db_a, OpType.RESULT_RETURN,
                                   forged_return(dossiers[0][1], issued[0][3][:10] + str((int(issued[0][3][10]) + 1) % 10)
                                                 + "VN")),
        "foreign_item_series": queue_raw(db_a, OpType.RESULT_RETURN,
                                         forged_return(dossiers[0][1], "EE" + issued[0][3][2:])),
    }
    waiting = returns_of(db_a, dossiers[0][1])[0]
    skipped_step = queue_raw(db_a, OpType.SHIPMENT_STATE, {  # delivered without being handed to the postman
        "return_id": waiting.id, "item_code": waiting.item_code, "state": "delivered",
        "at": datetime.now(UTC).isoformat(), "actor": "Trần Thị Mai"})
    for db, data_dir in desks:
        sync(db, data_dir)

    with db_a.read() as session:
        op = session.get(OutboxOp, skipped_step)
        assert (op.state, op.result_code) == (OutboxState.REJECTED, "illegal_shipment_move")
        assert "Chờ giao bưu tá" in op.result_message
        for code, seq in hostile.items():
            op = session.get(OutboxOp, seq)
            assert (op.state, op.result_code) == (OutboxState.REJECTED, code), op.result_message
            assert op.result_message and "Mã bưu gửi" in op.result_message
    for db, _ in desks:
        with db.read() as session:
            states = session.scalars(select(OutboxOp.state).where(OutboxOp.op_type.in_(
                [OpType.RESULT_RETURN, OpType.SHIPMENT_STATE]), OutboxOp.seq.not_in([*hostile.values(), skipped_step]))).all()
        assert states and set(states) == {OutboxState.ACKED}
    server_db = open_server_db(server.database_url)
    try:
        with server_db.session() as s:
            stored = {row.item_code: (row.device_id, row.shipment_state)
                      for row in s.scalars(select(ResultReturn).where(ResultReturn.unit_code == UNIT_CODE))}
    finally:
        server_db.dispose()
    assert set(stored) == set(everything)
    assert stored[issued[0][0]] == (device_id(db_a), ShipmentState.HANDED.value)
    totals = server.stats()[UNIT_CODE]  # the province's figures count what the desks sent, nothing forged
    assert (totals["returned_by_post"], totals["returned_at_desk"], totals["posted_returned_to_sender"]) == (
        2 * PER_DESK, 0, 0)
    for db, _ in desks:
        db.close()

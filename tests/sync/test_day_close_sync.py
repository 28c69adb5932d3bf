"""A desk's closed day reaches a real provincial server and `provincial-server closes` shows it; a second,
different close of the same day is a conflict (never stored over the first), inconsistent figures are refused."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from counter_app.domain.operations import OpType
from counter_app.services.accounts import create_account
from counter_app.services.clock import office_today
from counter_app.services.credentials import load_token
from counter_app.services.day_close import close_day
from counter_app.storage.models import OutboxOp
from counter_app.storage.sync_store import get_state
from sync.client.enrollment import enroll
from sync.client.runner import SyncRunner
from sync.protocol import API_PREFIX
from tests.conftest import open_counter
from tests.support.receipts import add_receipt
from tests.sync.harness import UNIT_A, UNIT_B, ServerProcess
from tests.sync.payloads import wire


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.slow)])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """One server per module and database kind (the day_close table's migration runs on both)."""
    if request.param == "postgres":
        url = request.getfixturevalue("postgres_server").create_database()
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('server') / 's.sqlite'}"
    with ServerProcess(url) as process:
        process.admin("create-unit", "--code", UNIT_A, "--name", "UBND phường Hải Châu")
        yield process


def test_a_close_with_a_difference_reaches_the_province_and_forged_ones_are_answered_alone(
        server: ServerProcess, tmp_path: Path) -> None:
    db = open_counter(tmp_path / "d3", desk=3)
    try:
        slot = enroll(db, server.url, server.enrollment_code(UNIT_A)).desk_slot
        create_account(db, username="giamsat", full_name="Lê Văn Giám", role="supervisor", password="matkhau-gs1",
                       by=None)
        day = office_today() - timedelta(days=1)
        add_receipt(db, day=day, number=1, fee=10_000, charge=5_000)
        add_receipt(db, day=day, number=2, charge=50_000, method="transfer", bank_reference="FT26069123456")
        close_day(db, day, counted_total=14_000, explanation="Trả nhầm tiền thừa 1.000 đồng",
                  supervisor="giamsat", by="giamsat")
        report = SyncRunner(db, tmp_path / "d3", base_delay=0.01, max_delay=0.1).run_once()
        assert report.ok and not report.problems, report
        with db.read() as session:
            state = get_state(session)
            assert state is not None
            device_id = state.device_id
            sent = json.loads(session.scalar(select(OutboxOp.payload).where(OutboxOp.op_type == OpType.DAY_CLOSE.value)))
    finally:
        db.close()

    shown = json.loads(server.admin("closes", "--unit", UNIT_A, "--day", day.isoformat(), "--json"))
    assert [(r["device_id"], r["desk_slot"], r["counted_total"], r["expected_cash"], r["difference"],
             r["supervisor"], r["transfers_total"]) for r in shown] == [
        (device_id, slot, 14_000, 15_000, -1_000, "giamsat", 50_000)]
    assert shown[0]["explanation"] == "Trả nhầm tiền thừa 1.000 đồng"
    text = server.admin("closes", "--unit", UNIT_A)
    assert "chênh lệch -1.000 đồng" in text and "Lê Văn Giám" in text
    stats = server.stats()[UNIT_A]
    assert (stats["day_closes"], stats["day_closes_with_difference"]) == (1, 1)
    # The province's IT finds the device id the other commands take (number-range, desk-slot) by its unit.
    devices = json.loads(server.admin("devices", "--unit", UNIT_A, "--json"))
    assert device_id in [d["device_id"] for d in devices]
    assert next(d for d in devices if d["device_id"] == device_id)["desk_slot"] == slot
    assert f"{device_id}  {UNIT_A} quầy {slot}" in server.admin("devices")

    def forged(**changes: object) -> dict[str, object]:
        return {**sent, "id": str(uuid.uuid4()), **changes}

    ops = [(OpType.DAY_CLOSE, payload) for payload in (
        forged(counted_total=15_000, difference=0),  # the same day again, now "balanced": a conflict
        forged(day=(day - timedelta(days=1)).isoformat(), counted_total=20_000),  # difference that does not add up
        forged(day=(day - timedelta(days=1)).isoformat(), explanation=""),  # a difference without explanation
        forged(day=(day - timedelta(days=1)).isoformat(), unit_code=UNIT_B),
        forged(day=(day - timedelta(days=1)).isoformat(), desk_slot=(slot + 1) % 10),
        sent,  # the close already held, again: accepted as it is
    )]
    response = requests.post(f"{server.url}{API_PREFIX}/sync/push", timeout=60,
                             headers={"Authorization": f"Bearer {load_token(device_id)}"},
                             json={"batch_id": str(uuid.uuid4()), "device_epoch": "forged-close",
                                   "ops": [wire(seq, kind, payload) for seq, (kind, payload) in enumerate(ops, start=1)]})
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [(r["status"], r["code"]) for r in results] == [
        ("conflict", "day_already_closed"), ("rejected", "bad_payload"), ("rejected", "bad_payload"),
        ("rejected", "wrong_unit"), ("rejected", "foreign_desk_slot"), ("accepted", "already_exists")]
    assert "đã có biên bản khóa sổ khác" in results[0]["message"]
    assert "chênh lệch không bằng" in results[1]["message"] and "giải trình" in results[2]["message"]
    kept = json.loads(server.admin("closes", "--unit", UNIT_A, "--json"))
    assert [(r["day"], r["counted_total"]) for r in kept] == [(day.isoformat(), 14_000)]  # never replaced
    assert server.stats()[UNIT_A]["open_conflicts"] >= 1

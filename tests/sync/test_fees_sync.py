"""Fees reach a real provincial server (issue 10, A): the intake assessment rides in dossier.create and
is kept with the dossier; a fee the agency set (status 6) is kept as the dossier's record; lines whose
totals do not add up, or a request on a dossier not waiting for its fee, are refused alone."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from counter_app.domain.catalog import FeeKind
from counter_app.domain.fees import FeeLine
from counter_app.domain.lifecycle import Status
from counter_app.domain.operations import OpType
from counter_app.domain.serialization import iso_instant
from counter_app.services.credentials import load_token
from counter_app.services.fees import request_fee
from counter_app.services.intake import IntakeRequest, PersonInput, receive_dossier
from counter_app.services.lifecycle import transition
from counter_app.storage.sync_store import get_state
from sync.client.enrollment import enroll
from sync.client.runner import SyncRunner
from sync.protocol import API_PREFIX
from sync.server.db import ServerDatabase
from sync.server.models import Dossier, DossierRecord
from tests.conftest import open_counter
from tests.sync.harness import UNIT_A, ServerProcess
from tests.sync.payloads import dossier_payload, wire

PERSON = PersonInput(full_name="Nguyễn Văn Đức", id_number="049090001234", phone="0905123456", street="12 Lê Lợi",
                     birth_date="1990-05-04", gender="male")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    url = f"sqlite:///{tmp_path_factory.mktemp('server') / 's.sqlite'}"
    with ServerProcess(url) as process:
        process.admin("create-unit", "--code", UNIT_A, "--name", "UBND phường Hải Châu")
        yield process


def test_intake_fees_and_a_later_fee_are_kept_by_the_province(server: ServerProcess, tmp_path: Path) -> None:
    db = open_counter(tmp_path / "d1", desk=1)
    try:
        enroll(db, server.url, server.enrollment_code(UNIT_A))
        copy = receive_dossier(db, IntakeRequest("2.000815", PERSON, fee_quantities={"pages": 5, "copies": 3}))
        business = receive_dossier(db, IntakeRequest("1.001612", PERSON))
        transition(db, business.code, Status.PROCESSING, agency="Phòng Kinh tế")
        request_fee(db, business.code, [FeeLine("Lệ phí đăng ký hộ kinh doanh", FeeKind.CHARGE, 100_000)],
                    "Mức lệ phí theo nghị quyết của HĐND tỉnh")
        report = SyncRunner(db, tmp_path / "d1", base_delay=0.01, max_delay=0.1).run_once()
        assert report.ok and not report.problems, report
        server_db = ServerDatabase(server.database_url)
        try:
            with server_db.session() as s:
                kept = s.scalar(select(Dossier).where(Dossier.code == copy.code))
                waiting = s.scalar(select(Dossier).where(Dossier.code == business.code))
                assert kept is not None and waiting is not None
                records = s.scalars(select(DossierRecord).where(DossierRecord.dossier_id == waiting.id,
                                                                DossierRecord.kind == "fee")).all()
                intake_fees, business_fees = kept.data["fees"], waiting.data["fees"]
                status = waiting.status
        finally:
            server_db.dispose()
        assert intake_fees["fee_vnd"] == 21_000 and intake_fees["quantities"]["pages"] == 5
        assert business_fees["unknown"] == ["Lệ phí đăng ký hộ kinh doanh"]  # the province sets it
        assert status == Status.AWAITING_PAYMENT
        assert [r.data["charge_vnd"] for r in records] == [100_000]
    finally:
        db.close()


def test_fees_that_do_not_add_up_are_refused_alone(server: ServerProcess, tmp_path: Path) -> None:
    db = open_counter(tmp_path / "d5", desk=5)
    try:
        slot = enroll(db, server.url, server.enrollment_code(UNIT_A)).desk_slot
        with db.read() as session:
            state = get_state(session)
            assert state is not None
            device_id = state.device_id
        line = {"name": "Phí chứng thực", "kind": "phí", "amount_vnd": 2000, "quantity": 1, "unit": "bản", "note": ""}
        fees = {"lines": [line], "unknown": [], "exemption": "", "fee_vnd": 2000, "charge_vnd": 0,
                "quantities": {"pages": 1, "copies": 1, "cases": 1, "extracts": 0}}
        wrong_total = dossier_payload(UNIT_A, slot, 1) | {"fees": fees | {"fee_vnd": 1}}
        too_many = dossier_payload(UNIT_A, slot, 2) | {"fees": fees | {"lines": [line] * 51, "fee_vnd": 102_000}}
        good = dossier_payload(UNIT_A, slot, 3) | {"fees": fees}
        at = iso_instant(datetime.now(UTC) - timedelta(minutes=1))
        request = {"id": str(uuid.uuid4()), "code": good["code"], "at": at, "actor": "Trần Thị Mai",
                   "reason": "Cơ quan xác định phí", "lines": [line], "fee_vnd": 2000, "charge_vnd": 0}
        ops = [wire(seq, kind, payload) for seq, (kind, payload) in enumerate([
            (OpType.DOSSIER_CREATE, wrong_total), (OpType.DOSSIER_CREATE, too_many), (OpType.DOSSIER_CREATE, good),
            (OpType.FEE_REQUEST, request),  # the dossier is still «được tiếp nhận», not waiting for a fee
        ], start=1)]
        response = requests.post(f"{server.url}{API_PREFIX}/sync/push", timeout=60,
                                 headers={"Authorization": f"Bearer {load_token(device_id)}"},
                                 json={"batch_id": str(uuid.uuid4()), "device_epoch": "forged-fees", "ops": ops})
        assert response.status_code == 200, response.text
        results = response.json()["results"]
        assert [r["status"] for r in results] == ["rejected", "rejected", "accepted", "rejected"]
        assert "không khớp các dòng" in results[0]["message"]
        assert results[3]["code"] == "bad_step" and "chờ thực hiện nghĩa vụ tài chính" in results[3]["message"]
    finally:
        db.close()

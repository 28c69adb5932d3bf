"""Guidance records and refusals at intake reach a real provincial server; forged ones are refused alone."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from counter_app.domain.dossier import DocumentLine
from counter_app.domain.lifecycle import Status
from counter_app.domain.operations import OpType
from counter_app.domain.serialization import iso_instant
from counter_app.services.credentials import load_token
from counter_app.services.guidance import GuidanceRequest, record_guidance
from counter_app.services.intake import IntakeRequest, PersonInput, refuse_at_intake
from counter_app.storage.sync_store import get_state
from sync.client.enrollment import enroll
from sync.client.runner import SyncRunner
from sync.protocol import API_PREFIX
from sync.server.db import ServerDatabase
from sync.server.models import Dossier, DossierEvent, GuidanceRecord
from tests.conftest import open_counter
from tests.sync.harness import UNIT_A, UNIT_B, ServerProcess
from tests.sync.payloads import dossier_payload, wire

PERSON = PersonInput(full_name="Nguyễn Văn Đức", id_number="049090001234", phone="0905123456", street="12 Lê Lợi")


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.slow)])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """One server per module and database kind (the guidance table's migration runs on both)."""
    if request.param == "postgres":
        url = request.getfixturevalue("postgres_server").create_database()
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('server') / 's.sqlite'}"
    with ServerProcess(url) as process:
        process.admin("create-unit", "--code", UNIT_A, "--name", "UBND phường Hải Châu")
        yield process


def test_guidance_and_a_refusal_at_intake_are_kept_by_the_province(server: ServerProcess, tmp_path: Path) -> None:
    db = open_counter(tmp_path / "d1", desk=1)
    try:
        enroll(db, server.url, server.enrollment_code(UNIT_A))
        guidance = record_guidance(db, GuidanceRequest(procedure_code="1.001193", applicant=PERSON,
                                                       reason="Thiếu giấy chứng sinh",
                                                       missing=[DocumentLine("Giấy chứng sinh", originals=1)]))
        refused = refuse_at_intake(db, IntakeRequest(procedure_code="1.001193", applicant=PERSON),
                                   "Không thuộc thẩm quyền giải quyết")
        report = SyncRunner(db, tmp_path / "d1", base_delay=0.01, max_delay=0.1).run_once()
        assert report.ok and not report.problems, report
        server_db = ServerDatabase(server.database_url)
        try:
            with server_db.session() as s:
                row = s.get(GuidanceRecord, guidance.id)
                dossier = s.scalar(select(Dossier).where(Dossier.code == refused.code))
                assert dossier is not None
                notes = s.scalars(select(DossierEvent.note).where(DossierEvent.dossier_id == dossier.id)).all()
                kept = s.scalar(select(func.count()).select_from(GuidanceRecord).where(GuidanceRecord.unit_code == UNIT_A))
        finally:
            server_db.dispose()
        assert row is not None and row.reference == guidance.reference and row.unit_code == UNIT_A
        assert row.data["missing"][0]["name"] == "Giấy chứng sinh"
        assert dossier.status == Status.REFUSED and notes == ["Không thuộc thẩm quyền giải quyết"]
        assert server.stats()[UNIT_A]["guidance"] == kept >= 1  # counted in the province's figures
    finally:
        db.close()


def guidance_payload(desk_slot: int = 5, **changes: object) -> dict[str, object]:
    at = datetime.now(UTC) - timedelta(minutes=1)
    payload: dict[str, object] = {
        "id": str(uuid.uuid4()), "reference": f"HD{desk_slot}-{at:%y%m%d}-001", "unit_code": UNIT_A,
        "desk_slot": desk_slot, "at": iso_instant(at), "clerk": "Trần Thị Mai", "clerk_username": "",
        "procedure_code": "1.001193", "procedure_name": "Thủ tục đăng ký khai sinh",
        "applicant": {"full_name": "Nguyễn Văn Đức", "applicant_type": "citizen", "id_type": "cccd", "id_number": "",
                      "phone": "", "email": "", "birth_date": None, "gender": None,
                      "address": {"street": "", "ward_code": None, "province_code": None, "text": ""}},
        "missing": [], "reason": "Thiếu giấy chứng sinh", "summary": "",
    }
    payload.update(changes)
    return payload


def test_forged_refusals_and_guidance_records_are_refused_alone(server: ServerProcess, tmp_path: Path) -> None:
    db = open_counter(tmp_path / "d5", desk=5)
    try:
        slot = enroll(db, server.url, server.enrollment_code(UNIT_A)).desk_slot
        with db.read() as session:
            state = get_state(session)
            assert state is not None
            device_id = state.device_id
        refused_silently = dossier_payload(UNIT_A, slot, 7)
        refused_silently["status"] = 3
        refused_silently["history"][0].update(to_status=3, note=" ")
        bad = [
            (OpType.DOSSIER_CREATE, refused_silently),
            (OpType.GUIDANCE_RECORD, guidance_payload(slot, reason="")),
            (OpType.GUIDANCE_RECORD, guidance_payload((slot + 1) % 10)),  # another desk's slot
            (OpType.GUIDANCE_RECORD, guidance_payload(slot, unit_code=UNIT_B)),
            (OpType.GUIDANCE_RECORD, guidance_payload(slot, reference="HD9-261130-001")),
            (OpType.GUIDANCE_RECORD, guidance_payload(slot, missing=[{"name": "x", "originals": 1}] * 101)),
        ]
        good = guidance_payload(slot)
        twin = guidance_payload(slot)  # the same reference under another id
        ops = [wire(seq, kind, payload) for seq, (kind, payload) in
               enumerate([*bad, (OpType.GUIDANCE_RECORD, good), (OpType.GUIDANCE_RECORD, twin)], start=1)]
        response = requests.post(f"{server.url}{API_PREFIX}/sync/push", timeout=60,
                                 headers={"Authorization": f"Bearer {load_token(device_id)}"},
                                 json={"batch_id": str(uuid.uuid4()), "device_epoch": "forged-guidance", "ops": ops})
        assert response.status_code == 200, response.text
        results = response.json()["results"]
        assert [r["status"] for r in results] == ["rejected"] * len(bad) + ["accepted", "rejected"]
        codes = [r["code"] for r in results]
        assert codes[0] == "refusal_without_reason" and "không ghi lý do từ chối" in results[0]["message"]
        assert codes[2:5] == ["foreign_desk_slot", "wrong_unit", "reference_slot_mismatch"]
        assert codes[-1] == "duplicate_reference"
        assert all(r["message"] for r in results if r["status"] == "rejected")
    finally:
        db.close()

"""The register book and number of each dossier reach a real server, and a forged book is refused there."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from counter_app.domain.codes import make_dossier_code, office_day
from counter_app.domain.operations import OpType, OutboxState
from counter_app.domain.serialization import payload_hash
from counter_app.services.intake import IntakeRequest, PersonInput, receive_dossier
from counter_app.storage.database import Database
from counter_app.storage.models import OutboxOp
from counter_app.storage.profile import get_profile
from sync.client.enrollment import enroll
from sync.client.runner import SyncRunner
from sync.server.models import Dossier
from tests.conftest import UNIT_CODE, open_counter
from tests.sync.harness import ServerProcess
from tests.sync.invariants import open_server_db
from tests.sync.payloads import dossier_payload

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def server(tmp_path: Path):
    with ServerProcess(f"sqlite:///{tmp_path / 'server.sqlite'}") as process:
        process.admin("create-unit", "--code", UNIT_CODE, "--name", "UBND phường Hải Châu")
        process.admin("import-catalog", str(ROOT / "resources" / "catalog" / "sample-catalog.json"))
        yield process


def intake(db: Database) -> tuple[str, str, int | None]:
    dossier = receive_dossier(db, IntakeRequest("1.001193", PersonInput(
        full_name="Nguyễn Văn Đức", id_number="049090001234", phone="0905123456", street="12 Lê Lợi")))
    return dossier.code, dossier.register_book, dossier.register_number


def queue_raw(db: Database, payload: dict) -> int:
    """An outbox row as a tampered counter would write it: well-formed and hashed, its content forged."""
    with db.write() as session:
        row = OutboxOp(op_id=str(uuid.uuid4()), entity="dossier", entity_id=payload["id"],
                       op_type=str(OpType.DOSSIER_CREATE), base_version=None, schema_version=1,
                       payload=json.dumps(payload, ensure_ascii=False), payload_hash=payload_hash(payload),
                       created_at=datetime.now(UTC), state="pending", attempts=0)
        session.add(row)
        session.flush()
        return row.seq


@pytest.mark.slow
def test_register_numbers_reach_the_server_and_a_forged_book_is_refused(server: ServerProcess, tmp_path: Path) -> None:
    data_dir = tmp_path / "counter"
    db = open_counter(data_dir)
    enroll(db, server.url, server.enrollment_code(UNIT_CODE))
    with db.read() as session:
        slot = get_profile(session).desk_slot
    received = [intake(db) for _ in range(3)]
    year = office_day(datetime.now(UTC)).year
    assert [(book, number) for _, book, number in received] == [(f"{slot:02d}/{year}", n) for n in (1, 2, 3)]

    # A dossier of this desk whose register line claims another desk's book (slot 7's) of the year. Its day is
    # the day the payload says it was received (five minutes ago: yesterday just after midnight, office time),
    # never the day the assertions happen to run on.
    forged = dossier_payload(UNIT_CODE, slot, 900)
    received_day = office_day(datetime.fromisoformat(forged["received_at"]))
    year = received_day.year
    forged.update(register_book=f"07/{year}", register_number=1)
    assert forged["code"] == str(make_dossier_code(UNIT_CODE, slot, received_day, 900))
    forged_seq = queue_raw(db, forged)

    report = SyncRunner(db, data_dir, base_delay=0.01).run_once()
    assert report.ok, report.errors

    with db.read() as session:
        forged_op = session.get(OutboxOp, forged_seq)
        assert forged_op.state == OutboxState.REJECTED
        assert forged_op.result_code == "foreign_register_book"
        assert f"quyển 07/{year}" not in forged_op.result_message
        assert f"chỉ ghi vào quyển {slot:02d}/{year}" in forged_op.result_message
    server_db = open_server_db(server.database_url)
    try:
        with server_db.session() as s:
            stored = {d.code: d.data for d in s.scalars(select(Dossier).where(Dossier.unit_code == UNIT_CODE))}
    finally:
        server_db.dispose()
    assert forged["code"] not in stored
    for code, book, number in received:
        assert (stored[code]["register_book"], stored[code]["register_number"]) == (book, number)
    db.close()

"""The counter's side of a supervisor's decision (sync/client/conflicts.py) over a real link that cuts
(issue 13, R): the province records the decision but its answer is lost; the retry learns it was this
desk's own and writes the audit row then, once, and the next sync carries that row to the province.

Real parts: a `provincial-server` process, the fault proxy dropping the answer after the server
committed, a real counter database, the real sync runner.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from counter_app.domain.accounts import Account, Role
from counter_app.domain.conflicts import Resolution
from counter_app.domain.lifecycle import Status
from counter_app.domain.operations import OpType
from counter_app.services.accounts import create_account
from counter_app.services.credentials import load_token
from counter_app.services.dossiers import change_status, get_dossier
from counter_app.services.fees import assess_at_intake, fees_due, intake_fees_payload
from counter_app.services.intake import IntakeRequest, PersonInput, receive_dossier
from counter_app.storage.database import Database
from counter_app.storage.dossiers import search_rows
from counter_app.storage.models import DossierFeeRow, OutboxOp, SyncState
from counter_app.storage.procedures import get_procedure
from sync.client.conflicts import ConflictError, Decision, decide, list_conflicts
from sync.client.enrollment import enroll
from sync.client.runner import SyncRunner
from sync.server.models import AuditEntry, ConflictResolution
from tests.conftest import UNIT_CODE, open_counter
from tests.sync.faultproxy import DROP_AFTER_FORWARD, FaultProxy
from tests.sync.harness import ServerProcess
from tests.sync.invariants import open_server_db
from tests.sync.payloads import dossier_payload, wire

COPY = "2.000815"  # chứng thực bản sao từ bản chính: a fee per page and copy
SUPERVISOR = Account("giamsat", "Lê Thị Giám Sát", Role.SUPERVISOR)
pytestmark = pytest.mark.slow


@pytest.fixture
def rig(tmp_path: Path, fault_proxy) -> Iterator[tuple[ServerProcess, FaultProxy, Database]]:
    with ServerProcess(f"sqlite:///{tmp_path / 'server.sqlite'}") as server:
        server.admin("create-unit", "--code", UNIT_CODE, "--name", "UBND phường Hải Châu")
        proxy = fault_proxy(server.port)
        db = open_counter(tmp_path / "counter")
        enroll(db, proxy.url, server.enrollment_code(UNIT_CODE), allow_insecure_http=True)
        create_account(db, username=SUPERVISOR.username, full_name=SUPERVISOR.full_name, role="supervisor",
                       password="Mật-khẩu-dài-2026", by=None)
        yield server, proxy, db
        db.close()


def sync(db: Database) -> None:
    report = SyncRunner(db, db.path.parent, max_attempts=1).run_once()
    assert report.ok, report.errors


def decision_ops(db: Database) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(OutboxOp)
                              .where(OutboxOp.op_type == "conflict.resolution")) or 0


def push_as_restored(server: ServerProcess, device_id: str, dossier: dict) -> None:
    """The desk, as if put back from an old backup, pushes `dossier` under a code the province holds already."""
    pushed = requests.post(f"{server.url}/api/v1/sync/push", timeout=60,
                           headers={"Authorization": f"Bearer {load_token(device_id)}"},
                           json={"batch_id": str(uuid.uuid4()), "device_epoch": "epoch-restored",
                                 "ops": [wire(1, OpType.DOSSIER_CREATE, dossier)]})
    assert [(r["status"], r["code"]) for r in pushed.json()["results"]] == [("conflict", "duplicate_code")]


def test_a_lost_answer_is_recorded_once_on_the_retry_and_reaches_the_province(rig) -> None:
    server, proxy, db = rig
    request = IntakeRequest("1.001193", PersonInput(full_name="Nguyễn Văn Đức", id_number="049090001234",
                                                    phone="0905123456", street="12 Lê Lợi"),
                            clerk_username=SUPERVISOR.username)
    code = receive_dossier(db, request).code
    sync(db)
    server.admin("set-status", code, "4", "--note", "Chuyển phòng Tư pháp")
    change_status(db, code, Status.WITHDRAWN, note="Công dân xin rút", clerk_username=SUPERVISOR.username)
    sync(db)
    [conflict] = list_conflicts(db)
    decision = Decision(conflict, Resolution.KEEP_COUNTER, "Công dân đã ký đơn rút", password="Mật-khẩu-dài-2026")
    with pytest.raises(ConflictError, match="Chỉ giám sát viên"):
        decide(db, Account("mai.tt", "Trần Thị Mai", Role.CLERK), decision)
    with pytest.raises(ConflictError, match="lý do"):
        decide(db, SUPERVISOR, Decision(conflict, Resolution.KEEP_COUNTER, "   ", password="Mật-khẩu-dài-2026"))
    with pytest.raises(ConflictError, match="nhập lại mật khẩu"):
        decide(db, SUPERVISOR, Decision(conflict, Resolution.KEEP_COUNTER, "Công dân đã ký đơn rút"))
    with pytest.raises(ConflictError, match=r"Mật khẩu của giám sát viên «giamsat» không đúng.*giữ nguyên"):
        decide(db, SUPERVISOR, Decision(conflict, Resolution.KEEP_COUNTER, "Công dân đã ký đơn rút", password="đoán-sai"))
    assert decision_ops(db) == 0
    proxy.add_fault(DROP_AFTER_FORWARD, times=1, path_prefix="/api/v1/sync/conflicts/", method="POST")

    with pytest.raises(ConflictError, match="Không kết nối được máy chủ tỉnh"):
        decide(db, SUPERVISOR, decision)
    assert decision_ops(db) == 0  # the answer never came: nothing written on the counter yet

    for _ in range(2):  # the retry finds its own decision recorded; a second retry writes nothing more
        with pytest.raises(ConflictError, match="đã được máy chủ tỉnh ghi từ lần gửi trước"):
            decide(db, SUPERVISOR, decision)
        assert decision_ops(db) == 1

    sync(db)
    admin = open_server_db(server.database_url)
    try:
        with admin.session() as s:
            decided = s.get(ConflictResolution, conflict.id)
            assert decided is not None and decided.resolution == "keep_counter"
            entries = s.scalars(select(AuditEntry).where(AuditEntry.action == "conflict.resolution")).all()
            assert [(e.state, e.clerk_username) for e in entries] == [("ok", "giamsat")]
    finally:
        admin.dispose()
    with db.read() as session:
        op = session.scalar(select(OutboxOp).where(OutboxOp.op_type == "dossier.status"))
        assert op is not None and (op.state, op.result_code) == ("acked", "resolved_keep_counter")
    dossier = get_dossier(db, code)  # the counter's own withdrawal stands, once: no second line 7 -> 7
    assert dossier.status is Status.WITHDRAWN
    assert [(c.from_status, c.to_status) for c in dossier.history][-1] == (Status.RECEIVED, Status.WITHDRAWN)


def test_a_merge_reaches_the_desk_that_holds_the_dossier(rig) -> None:
    """keep_counter / merge on a duplicate code changes the province's dossier: the desk holding it (same
    code, same id) takes the decided content and version from the feed, its identity and status kept."""
    server, _proxy, db = rig
    request = IntakeRequest("1.001193", PersonInput(full_name="Nguyễn Văn Đức", id_number="049090001234",
                                                    phone="0905123456", street="12 Lê Lợi"),
                            clerk_username=SUPERVISOR.username)
    mine = receive_dossier(db, request)
    sync(db)
    with db.read() as session:
        state = session.scalar(select(SyncState))
        assert state is not None
        device_id = state.device_id
    # The same desk, as if put back from an old backup, gives the code to another citizen's dossier.
    other = {**dossier_payload(UNIT_CODE, mine.desk_slot, 1, received_at=mine.received_at, name="Phạm Thị Hoa"),
             "code": mine.code}
    push_as_restored(server, device_id, other)
    [conflict] = list_conflicts(db)
    assert conflict.mergeable and "applicant" in conflict.mergeable

    decide(db, SUPERVISOR, Decision(conflict, Resolution.MERGE, "Người nộp đúng là bà Hoa",
                                    {"applicant": "counter"}, password="Mật-khẩu-dài-2026"))
    sync(db)

    held = get_dossier(db, mine.code)
    assert held.applicant.full_name == "Phạm Thị Hoa" and held.version == 2
    assert (held.id, held.status, held.due_at, held.summary) == (mine.id, mine.status, mine.due_at, mine.summary)
    with db.read() as session:
        assert [row.code for row in search_rows(session, "Phạm Thị Hoa")] == [mine.code]
        assert search_rows(session, "Nguyễn Văn Đức") == []
    sync(db)  # the same notice again (a re-pull) changes nothing more
    assert get_dossier(db, mine.code).version == 2


def test_fees_a_merge_takes_become_what_the_desk_collects(rig) -> None:
    """A merge that takes the other version's fees assessed at intake: the desk holding the province's dossier
    then collects what the decision kept (its intake assessment replaced, with who decided and why), not what
    it had assessed itself; the same notice again changes nothing."""
    server, _proxy, db = rig
    applicant = PersonInput(full_name="Nguyễn Văn Đức", id_number="049090001234", phone="0905123456", street="12 Lê Lợi")
    mine = receive_dossier(db, IntakeRequest(COPY, applicant, clerk_username=SUPERVISOR.username,
                                             fee_quantities={"pages": 5, "copies": 3}))
    sync(db)
    with db.read() as session:
        assert fees_due(session, mine.code).fee_vnd == 21_000
        state = session.scalar(select(SyncState))
        procedure = get_procedure(session, COPY)
        assert state is not None and procedure is not None
        device_id = state.device_id
    assessment, counts = assess_at_intake(procedure, {"pages": 2, "copies": 1}, "")
    assert 0 < assessment.fee_vnd != 21_000
    other = {**dossier_payload(UNIT_CODE, mine.desk_slot, 1, received_at=mine.received_at, name="Phạm Thị Hoa"),
             "code": mine.code, "procedure_code": COPY, "procedure_name": mine.procedure_name,
             "fees": intake_fees_payload(assessment, counts, "")}
    push_as_restored(server, device_id, other)
    [conflict] = list_conflicts(db)
    assert "fees" in conflict.mergeable

    decide(db, SUPERVISOR, Decision(conflict, Resolution.MERGE, "Công dân chỉ xin 1 bản sao 2 trang",
                                    {"fees": "counter"}, password="Mật-khẩu-dài-2026"))
    sync(db)

    with db.read() as session:
        due = fees_due(session, mine.code)
        (row,) = session.scalars(select(DossierFeeRow).where(DossierFeeRow.dossier_code == mine.code)).all()
        assert (due.fee_vnd, due.lines) == (assessment.fee_vnd, assessment.lines)
        assert row.source == "intake" and row.quantities == counts.to_dict()
        assert "Lê Thị Giám Sát" in row.assessed_by and "Công dân chỉ xin 1 bản sao 2 trang" in row.reason
        decided = (row.lines, row.reason, row.assessed_at)
    held = get_dossier(db, mine.code)
    assert held.applicant.full_name == "Nguyễn Văn Đức" and held.version == 2  # only the fees were taken
    sync(db)  # the same notice again (a re-pull) changes nothing more
    with db.read() as session:
        row = session.scalar(select(DossierFeeRow).where(DossierFeeRow.dossier_code == mine.code))
        assert row is not None and (row.lines, row.reason, row.assessed_at) == decided

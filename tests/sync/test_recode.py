"""A desk's dossier given a new code after the province kept another citizen's dossier under its code (issue 13).

Real parts: a `provincial-server` process, a real counter database and the real sync runner. The province
first holds a dossier the desk's code names, and the day's next one (as if the same desk, before a restore,
had given them); the
desk's own dossier then ends in a duplicate_code conflict, its steps are refused as `disputed_code`, a
supervisor keeps the province's version, and the clerk gives the desk's dossier a new code: the province
then has both dossiers, each under its own code, the desk's with every step it took.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from counter_app.domain.accounts import Account, Role
from counter_app.domain.codes import parse_dossier_code
from counter_app.domain.conflicts import RECODE_NEEDED, Resolution
from counter_app.domain.dossier import Dossier
from counter_app.domain.lifecycle import Status
from counter_app.domain.operations import OpType
from counter_app.services.accounts import create_account
from counter_app.services.credentials import load_token
from counter_app.services.dossiers import get_dossier
from counter_app.services.intake import IntakeRequest, PersonInput, receive_dossier
from counter_app.services.lifecycle import transition
from counter_app.services.recode import NotRecodable, recode_dossier, view_dossier
from counter_app.storage.database import Database
from counter_app.storage.dossiers import search_rows
from counter_app.storage.models import AuditLogRow, OutboxOp, SyncState
from sync.client.conflicts import Decision, decide, list_conflicts
from sync.client.enrollment import enroll
from sync.client.runner import SyncRunner
from sync.client.transport import Transport
from sync.server.models import Conflict, DossierEvent
from sync.server.models import Dossier as ServerDossier
from tests.conftest import UNIT_CODE, open_counter
from tests.sync.faultproxy import DROP_AFTER_FORWARD, FaultProxy
from tests.sync.harness import ServerProcess
from tests.sync.invariants import open_server_db
from tests.sync.payloads import dossier_payload, wire

SUPERVISOR = Account("giamsat", "Lê Thị Giám Sát", Role.SUPERVISOR)
PASSWORD = "Mật-khẩu-dài-2026"
pytestmark = pytest.mark.slow


@pytest.fixture(params=["sqlite", "postgres"])
def rig(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[ServerProcess, Database]]:
    url = (f"sqlite:///{tmp_path / 'server.sqlite'}" if request.param == "sqlite"
           else request.getfixturevalue("postgres_url"))
    with ServerProcess(url) as server:
        server.admin("create-unit", "--code", UNIT_CODE, "--name", "UBND phường Hải Châu")
        db = open_counter(tmp_path / "counter")
        enroll(db, server.url, server.enrollment_code(UNIT_CODE), allow_insecure_http=True)
        create_account(db, username=SUPERVISOR.username, full_name=SUPERVISOR.full_name, role="supervisor",
                       password=PASSWORD, by=None)
        yield server, db
        db.close()


def sync(db: Database) -> None:
    report = SyncRunner(db, db.path.parent, max_attempts=1).run_once()
    assert report.ok, report.errors


def province_gives_the_code_to_another_citizen(server: ServerProcess, db: Database, code: str) -> None:
    """The same desk before a restore, as the province received it: another citizen's dossier under `code`,
    and a third citizen's under the day's next number, which the desk has not given yet."""
    with db.read() as session:
        state = session.scalar(select(SyncState))
        assert state is not None
        device_id = state.device_id
    disputed = parse_dossier_code(code)
    received = get_dossier(db, code).received_at  # the same day as the desk's, even just after midnight
    others = [{**dossier_payload(UNIT_CODE, disputed.desk_slot, disputed.number % 1000 + offset, name=name,
                                 received_at=received),
               **({"code": code} if offset == 0 else {})} for offset, name in enumerate(["Phạm Thị Hoa", "Võ Văn Ba"])]
    pushed = requests.post(f"{server.url}/api/v1/sync/push", timeout=60,
                           headers={"Authorization": f"Bearer {load_token(device_id)}"},
                           json={"batch_id": str(uuid.uuid4()), "device_epoch": "epoch-before-restore",
                                 "ops": [wire(seq, OpType.DOSSIER_CREATE, other) for seq, other in enumerate(others, 1)]})
    assert [r["status"] for r in pushed.json()["results"]] == ["accepted", "accepted"]


def province_dossier(server: ServerProcess, code: str) -> tuple[str, int, list[tuple[int, int]]] | None:
    """(applicant's name, status, steps) of the province's dossier `code`."""
    admin = open_server_db(server.database_url)
    try:
        with admin.session() as s:
            row = s.scalar(select(ServerDossier).where(ServerDossier.code == code))
            if row is None:
                return None
            steps = [(e.from_status or 0, e.to_status) for e in
                     s.scalars(select(DossierEvent).where(DossierEvent.dossier_id == row.id).order_by(DossierEvent.id))]
            return row.data["applicant_name"], row.status, steps
    finally:
        admin.dispose()


def open_conflicts(server: ServerProcess) -> int:
    admin = open_server_db(server.database_url)
    try:
        with admin.session() as s:
            return len(s.scalars(select(Conflict).where(Conflict.resolved_at.is_(None))).all())
    finally:
        admin.dispose()


def ops_of(db: Database, entity_id: str) -> list[tuple[str, str, str | None]]:
    with db.read() as session:
        return [(op.op_type, op.state, op.result_code) for op in
                session.scalars(select(OutboxOp).where(OutboxOp.entity_id == entity_id).order_by(OutboxOp.seq))]


def disputed_dossier(server: ServerProcess, db: Database) -> Dossier:
    """The desk's dossier under a code the province gave another citizen, taken one step (2→4) at the desk."""
    applicant = PersonInput(full_name="Nguyễn Văn Đức", id_number="049090001234", phone="0905123456",
                            street="12 Lê Lợi")
    mine = receive_dossier(db, IntakeRequest("1.001193", applicant, clerk_username=SUPERVISOR.username))
    province_gives_the_code_to_another_citizen(server, db, mine.code)
    transition(db, mine.code, Status.PROCESSING, by=SUPERVISOR.username)
    return mine


def test_a_dossier_the_province_knows_under_another_citizens_code_reaches_it_under_a_new_code(rig) -> None:
    server, db = rig
    mine = disputed_dossier(server, db)
    with pytest.raises(NotRecodable, match="không cần cấp mã mới"):  # nothing decided yet: the code may be right
        recode_dossier(db, mine.code, by=SUPERVISOR.username)
    sync(db)
    assert ops_of(db, mine.id) == [("dossier.create", "conflict", "duplicate_code"),
                                   ("dossier.status", "rejected", "disputed_code")]

    [conflict] = list_conflicts(db)
    decide(db, SUPERVISOR, Decision(conflict, Resolution.KEEP_SERVER, "Hai công dân khác nhau", password=PASSWORD))
    sync(db)
    reason = view_dossier(db, mine.code).recode_reason
    assert reason is not None and "Ctrl+Shift+M" in reason and "Hai công dân khác nhau" in reason
    transition(db, mine.code, Status.RESULT_READY, by=SUPERVISOR.username)  # taken while waiting: not sent yet

    recoded = recode_dossier(db, mine.code, by=SUPERVISOR.username)

    old, new = parse_dossier_code(mine.code), parse_dossier_code(recoded.code)
    # The receipt day kept; the number past what the province holds of the day (the decision said how far).
    assert (new.unit_code, new.day, new.number) == (old.unit_code, old.day, old.number + 2)
    assert recoded.id != mine.id and recoded.applicant.full_name == "Nguyễn Văn Đức"
    assert recoded.status is Status.RESULT_READY and len(recoded.history) == 3
    assert view_dossier(db, mine.code).dossier.code == recoded.code  # a scanned old slip opens the dossier
    assert get_dossier(db, mine.code).code == recoded.code
    [given] = view_dossier(db, recoded.code).old_codes
    assert (given.old_code, given.clerk) == (mine.code, SUPERVISOR.full_name)
    with db.read() as session:
        assert [row.code for row in search_rows(session, recoded.code)] == [recoded.code]
        audit = session.scalar(select(AuditLogRow).where(AuditLogRow.subject == recoded.code,
                                                         AuditLogRow.action == "dossier.create"))
        assert audit is not None and audit.clerk_username == SUPERVISOR.username and mine.code in (audit.before or "")
    assert ops_of(db, mine.id)[-1] == ("dossier.status", "pending", "withdrawn")

    sync(db)

    assert province_dossier(server, mine.code) == ("Phạm Thị Hoa", 2, [(0, 2)])  # the other citizen's, untouched
    assert province_dossier(server, recoded.code) == ("Nguyễn Văn Đức", 9, [(0, 2), (2, 4), (4, 9)])
    assert open_conflicts(server) == 0
    assert ops_of(db, recoded.id) == [("dossier.create", "acked", None), ("dossier.status", "acked", None),
                                      ("dossier.status", "acked", None)]
    assert ops_of(db, mine.id)[-1][:2] == ("dossier.status", "rejected")  # its withdrawal recorded
    with pytest.raises(NotRecodable, match="không cần cấp mã mới"):  # the new code is the province's too
        recode_dossier(db, recoded.code, by=SUPERVISOR.username)
    with db.read() as session:
        kept = session.scalars(select(OutboxOp).where(OutboxOp.result_code == RECODE_NEEDED)).all()
        assert [op.entity_id for op in kept] == [mine.id]  # the old create stays as it was decided


def test_a_dossier_decided_to_be_the_provinces_takes_its_id_and_its_refused_steps_go_again(rig) -> None:
    """keep_counter on the desk's own create: the two are one dossier. The desk's dossier takes the province's id
    (and the decided content), and the step the province refused while the code was disputed goes again."""
    server, db = rig
    mine = disputed_dossier(server, db)
    sync(db)
    assert ops_of(db, mine.id)[-1] == ("dossier.status", "rejected", "disputed_code")

    [conflict] = list_conflicts(db)
    decide(db, SUPERVISOR, Decision(conflict, Resolution.KEEP_COUNTER, "Cùng một hồ sơ, nhập lại từ giấy",
                                    password=PASSWORD))
    sync(db)  # the decision comes with the pull
    held = get_dossier(db, mine.code)
    assert held.id != mine.id and held.status is Status.PROCESSING and held.applicant.full_name == "Nguyễn Văn Đức"
    assert ops_of(db, held.id) == [("dossier.status", "pending", None)]  # the refused step, once more
    assert view_dossier(db, mine.code).recode_reason is None
    sync(db)

    assert province_dossier(server, mine.code) == ("Nguyễn Văn Đức", 4, [(0, 2), (2, 4)])
    assert ops_of(db, held.id) == [("dossier.status", "acked", None)]
    assert open_conflicts(server) == 0
    sync(db)  # nothing more to send: the step went once
    assert ops_of(db, held.id) == [("dossier.status", "acked", None)]
    admin = open_server_db(server.database_url)
    try:
        with admin.session() as s:
            row = s.scalar(select(ServerDossier).where(ServerDossier.code == mine.code))
            assert row is not None and row.id == held.id
    finally:
        admin.dispose()


def decided_then_one_more_step(server: ServerProcess, db: Database) -> Dossier:
    """The disputed dossier (2→4 refused), keep_counter decided at the province, then one more step at the desk
    (4→9) before the desk's next sync: that push names the desk's old id, which the province never held."""
    mine = disputed_dossier(server, db)
    sync(db)
    [conflict] = list_conflicts(db)
    decide(db, SUPERVISOR, Decision(conflict, Resolution.KEEP_COUNTER, "Cùng một hồ sơ, nhập lại từ giấy",
                                    password=PASSWORD))
    transition(db, mine.code, Status.RESULT_READY, by=SUPERVISOR.username)
    return mine


def test_a_step_taken_before_the_desk_hears_of_the_decision_reaches_the_provinces_dossier(rig) -> None:
    """The decision comes with the pull of the same sync that pushed the step under the old id. Both steps must
    end on the province's dossier, once each."""
    server, db = rig
    mine = decided_then_one_more_step(server, db)

    sync(db)  # pushes the step under the old id, then pulls the decision
    held = get_dossier(db, mine.code)
    assert held.id != mine.id and held.status is Status.RESULT_READY
    assert [op[0] for op in ops_of(db, held.id)] == ["dossier.status", "dossier.status"]
    sync(db)
    sync(db)  # nothing more to send

    assert province_dossier(server, mine.code) == ("Nguyễn Văn Đức", 9, [(0, 2), (2, 4), (4, 9)])
    assert ops_of(db, held.id) == [("dossier.status", "acked", None)] * 2
    assert open_conflicts(server) == 0


def test_a_step_whose_answer_was_lost_before_the_desk_heard_of_the_decision_reaches_the_province_once(rig) -> None:
    """As above, but the push's answer is cut off on the way back (a real proxy): the step stays in flight when
    the pull brings the decision. The province refused it (it names the desk's old id); the desk sends a copy
    under the province's id, and the original, sent again, is refused again: the step lands once."""
    server, db = rig
    mine = decided_then_one_more_step(server, db)

    with FaultProxy(server.port) as proxy:
        proxy.add_fault(DROP_AFTER_FORWARD, times=1, path_prefix="/api/v1/sync/push", method="POST")
        SyncRunner(db, db.path.parent, transport_factory=lambda _url, token: Transport(proxy.url, token),
                   max_attempts=1).run_once()
        assert proxy.stats().faults_fired.get(DROP_AFTER_FORWARD) == 1
    held = get_dossier(db, mine.code)
    assert held.id != mine.id  # the pull brought the decision
    assert ops_of(db, mine.id)[-1] == ("dossier.status", "in_flight", None)
    sync(db)
    sync(db)

    assert province_dossier(server, mine.code) == ("Nguyễn Văn Đức", 9, [(0, 2), (2, 4), (4, 9)])
    assert ops_of(db, mine.id)[-1] == ("dossier.status", "rejected", "disputed_code")
    assert ops_of(db, held.id) == [("dossier.status", "acked", None)] * 2
    assert open_conflicts(server) == 0

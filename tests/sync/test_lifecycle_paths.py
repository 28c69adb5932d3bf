"""Every legal path through statuses 1–10 works and every illegal step is refused in Vietnamese, on the
counter and on a real provincial-server process (issue 9, must-show 2).

The paths are generated from the one transition table (`domain.lifecycle.ALLOWED_TRANSITIONS`): every
walk from 1 (filed online) or 2 (received at the desk) to a final status that uses no step twice, 65 in
all, each with what its steps record (reasons, missing papers, hand-overs, the moved due date). The
counter walks them, syncs, and the server must hold the same statuses, having refused nothing. Then a
hostile device pushes every illegal step (and legal steps without their reason or with the wrong
record) straight to the server, which must refuse each alone, in Vietnamese, and change nothing.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from counter_app.domain.codes import make_dossier_code, office_day
from counter_app.domain.dossier import DocumentLine, StatusChange
from counter_app.domain.errors import InvalidTransition
from counter_app.domain.lifecycle import ALLOWED_TRANSITIONS, FINAL_STATUSES, REASON_REQUIRED, Status
from counter_app.domain.operations import OpType
from counter_app.domain.serialization import dossier_to_dict, iso_instant
from counter_app.services.credentials import load_token
from counter_app.services.dossiers import get_dossier
from counter_app.services.intake import IntakeRequest, PersonInput, receive_dossier
from counter_app.services.lifecycle import records_of, request_supplement, transition
from counter_app.storage.database import Database
from counter_app.storage.dossiers import insert_dossier
from counter_app.storage.models import OutboxOp
from counter_app.storage.outbox import append_operation
from counter_app.storage.profile import get_profile
from sync.client.enrollment import enroll
from sync.client.runner import SyncRunner
from sync.protocol import API_PREFIX
from sync.server.models import Dossier as ServerDossier
from sync.server.models import DossierRecord
from tests.conftest import UNIT_CODE, open_counter
from tests.sync.harness import ROOT, ServerProcess, backend_url
from tests.sync.invariants import open_server_db
from tests.sync.payloads import dossier_payload, wire

VIETNAMESE = re.compile(r"[ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ]", re.IGNORECASE)
REASONS = {Status.REFUSED: "Hồ sơ không thuộc thẩm quyền", Status.SUPPLEMENT_REQUESTED: "Thiếu giấy tờ",
           Status.WITHDRAWN: "Công dân xin rút hồ sơ", Status.STOPPED: "Dừng theo yêu cầu của cơ quan"}
MISSING = [DocumentLine("Giấy chứng sinh", originals=1)]


def legal_paths() -> list[list[Status]]:
    """Every walk from 1 or 2 to a final status that takes no step twice."""
    def walk(path: list[Status], used: frozenset[tuple[Status, Status]]) -> Iterator[list[Status]]:
        if path[-1] in FINAL_STATUSES:
            yield path
            return
        for target in sorted(ALLOWED_TRANSITIONS[path[-1]]):
            if (path[-1], target) not in used:
                yield from walk([*path, target], used | {(path[-1], target)})

    return [p for start in (Status.NEW_ONLINE, Status.RECEIVED) for p in walk([start], frozenset())]


def shortest_path_to(status: Status) -> list[Status]:
    return min((p[: p.index(status) + 1] for p in legal_paths() if status in p), key=len)


@dataclasses.dataclass
class Rig:
    server: ServerProcess
    db: Database
    data_dir: Path
    device_id: str
    slot: int
    numbers: Iterator[int]


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def rig(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    with ServerProcess(backend_url(request, tmp_path_factory)) as server:
        server.admin("create-unit", "--code", UNIT_CODE, "--name", "UBND phường Hải Châu")
        server.admin("import-catalog", str(ROOT / "resources" / "catalog" / "sample-catalog.json"))
        data_dir = tmp_path_factory.mktemp("counter")
        db = open_counter(data_dir)
        device_id = enroll(db, server.url, server.enrollment_code(UNIT_CODE)).device_id
        with db.read() as session:
            slot = get_profile(session).desk_slot
        yield Rig(server, db, data_dir, device_id, slot, iter(range(500, 999)))
        db.close()


def receive(db: Database, name: str = "Nguyễn Văn Đức") -> str:
    return receive_dossier(db, IntakeRequest("1.001193", PersonInput(full_name=name, id_number="049090001234",
                                                                     phone="0905123456", street="12 Lê Lợi"))).code


def filed_online(rig: Rig) -> str:
    """A dossier in status 1 (filed online, not yet accepted), queued for the server like any other."""
    template = get_dossier(rig.db, receive(rig.db, "Mẫu Trực Tuyến"))
    now = datetime.now(UTC)
    code = str(make_dossier_code(UNIT_CODE, rig.slot, office_day(now), next(rig.numbers)))
    dossier = dataclasses.replace(template, id=str(uuid.uuid4()), code=code, status=Status.NEW_ONLINE, received_at=now,
                                  register_book="", register_number=None,
                                  history=[StatusChange(None, Status.NEW_ONLINE, now, "Cổng dịch vụ công")])
    with rig.db.write() as session:
        insert_dossier(session, dossier, now)
        append_operation(session, entity="dossier", entity_id=dossier.id, op_type=OpType.DOSSIER_CREATE,
                         payload=dossier_to_dict(dossier), now=now)
    return code


def start(rig: Rig, status: Status) -> str:
    return filed_online(rig) if status is Status.NEW_ONLINE else receive(rig.db)


def step(db: Database, code: str, target: Status) -> None:
    if target is Status.SUPPLEMENT_REQUESTED:
        request_supplement(db, code, missing=MISSING, reason=REASONS[target])
    else:
        transition(db, code, target, reason=REASONS.get(target, ""), agency="Phòng Tư pháp")


def outbox_size(db: Database) -> int:
    with db.read() as session:
        return len(session.scalars(select(OutboxOp.seq)).all())


def test_the_table_gives_65_paths_covering_every_legal_step() -> None:
    paths = legal_paths()
    assert len(paths) == 65
    assert {(a, b) for p in paths for a, b in itertools.pairwise(p)} == {
        (a, b) for a, targets in ALLOWED_TRANSITIONS.items() for b in targets}


@pytest.mark.slow
def test_every_legal_path_on_the_counter_reaches_the_server_unrefused(rig: Rig) -> None:
    walked: dict[str, list[Status]] = {}
    for path in legal_paths():
        code = start(rig, path[0])
        for target in path[1:]:
            step(rig.db, code, target)
        walked[code] = path
        history = [change.to_status for change in get_dossier(rig.db, code).history]
        assert history == path, (code, path)

    report = SyncRunner(rig.db, rig.data_dir, base_delay=0.01).run_once()

    assert report.ok and report.rejected == 0 and report.conflicts == 0, report.problems
    server_db = open_server_db(rig.server.database_url)
    try:
        with server_db.session() as s:
            on_server = {d.code: d for d in s.scalars(select(ServerDossier).where(ServerDossier.code.in_(walked)))}
            records = s.scalars(select(DossierRecord).where(DossierRecord.kind == "handover")).all()
            handovers_on_server = len(records)
            for code, path in walked.items():
                assert on_server[code].status == int(path[-1]), (code, path)
                counter = records_of(rig.db, code)
                if Status.SUPPLEMENT_REQUESTED in path and counter.dossier.previous_due_at is not None:
                    assert on_server[code].due_at == counter.dossier.due_at
                    assert on_server[code].previous_due_at == counter.dossier.previous_due_at
    finally:
        server_db.dispose()
    assert handovers_on_server == sum(len(records_of(rig.db, code).handovers) for code in walked) > 0


@pytest.mark.slow
def test_every_illegal_step_is_refused_on_the_counter_in_vietnamese(rig: Rig) -> None:
    for status in Status:
        code = start(rig, shortest_path_to(status)[0])
        for target in shortest_path_to(status)[1:]:
            step(rig.db, code, target)
        before = outbox_size(rig.db)
        for target in Status:
            if target in ALLOWED_TRANSITIONS[status]:
                continue
            with pytest.raises(InvalidTransition) as caught:
                step(rig.db, code, target)
            assert f"«{status.label}»" in caught.value.message and VIETNAMESE.search(caught.value.message)
        for target in REASON_REQUIRED & ALLOWED_TRANSITIONS[status]:
            with pytest.raises(InvalidTransition) as no_reason:
                transition(rig.db, code, target, reason=" ")
            assert no_reason.value.message == f"Hãy ghi lý do khi chuyển hồ sơ sang «{target.label}»."
        assert get_dossier(rig.db, code).status is status
        assert outbox_size(rig.db) == before  # nothing was queued for the server


@pytest.mark.slow
def test_every_illegal_step_is_refused_by_the_server_alone_in_vietnamese(rig: Rig) -> None:
    now = datetime.now(UTC) - timedelta(minutes=1)
    creates, codes = [], {}
    for status in Status:
        payload = dossier_payload(UNIT_CODE, rig.slot, next(rig.numbers), received_at=now - timedelta(hours=1))
        payload.update(status=int(status), status_label=status.label,
                       history=[{**payload["history"][0], "to_status": int(status)}])
        creates.append(payload)
        codes[status] = payload["code"]

    def status_op(status: Status, target: Status, **extra: object) -> dict[str, object]:
        return {"code": codes[status], "from": int(status), "to": int(target), "at": iso_instant(now),
                "actor": "Kẻ Giả Mạo", "note": REASONS.get(target, ""), **extra}

    steps: list[tuple[str, dict[str, object]]] = []
    for status in Status:
        for target in Status:
            if target not in ALLOWED_TRANSITIONS[status]:
                steps.append(("illegal_transition", status_op(status, target)))
        for target in REASON_REQUIRED & ALLOWED_TRANSITIONS[status]:
            steps.append(("illegal_transition", {**status_op(status, target), "note": ""}))
    due = iso_instant(now + timedelta(days=3))
    row = {"direction": "from_agency", "at": iso_instant(now), "from_party": "Phòng Tư pháp", "to_party": "Bộ phận Một cửa",
           "actor": "Kẻ Giả Mạo", "due_at": due, "outcome": "early"}
    steps += [
        ("bad_step", status_op(Status.RECEIVED, Status.PROCESSING, handover=row)),  # wrong direction
        ("bad_step", status_op(Status.RECEIVED, Status.WITHDRAWN, missing=[{"name": "Giấy", "originals": 1,
                                                                            "certified_copies": 0, "photocopies": 0}])),
        ("bad_step", status_op(Status.SUPPLEMENT_REQUESTED, Status.PROCESSING, previous_due_at=due,
                               due_at=iso_instant(now))),  # the new due date before the old one
        ("bad_step", status_op(Status.PROCESSING, Status.RESULT_READY, previous_due_at=due, due_at=due)),
    ]
    ops = [wire(seq, OpType.DOSSIER_CREATE, payload) for seq, payload in enumerate(creates, start=1)]
    ops += [wire(seq, OpType.DOSSIER_STATUS, payload) for seq, (_, payload) in enumerate(steps, start=len(ops) + 1)]
    ops.append(wire(len(ops) + 1, OpType.DOSSIER_HANDOVER, {"code": codes[Status.RECEIVED], "handover": row}))
    apology = {"code": codes[Status.REFUSED], "at": iso_instant(now), "actor": "Kẻ Giả Mạo", "reason": "Trễ",
               "previous_due_at": iso_instant(now), "new_due_at": due}
    ops.append(wire(len(ops) + 1, OpType.DOSSIER_APOLOGY, apology))  # a final status has no due date left
    ops.append(wire(len(ops) + 1, OpType.DOSSIER_APOLOGY, {**apology, "code": codes[Status.PROCESSING],
                                                          "previous_due_at": due, "new_due_at": due}))

    response = requests.post(f"{rig.server.url}{API_PREFIX}/sync/push", timeout=120,
                             headers={"Authorization": f"Bearer {load_token(rig.device_id)}"},
                             json={"batch_id": str(uuid.uuid4()), "device_epoch": "lifecycle-epoch", "ops": ops})

    assert response.status_code == 200, response.text[:500]
    results = response.json()["results"]
    assert [r["status"] for r in results[: len(creates)]] == ["accepted"] * len(creates)
    refused = results[len(creates):]
    expected = [code for code, _ in steps] + ["bad_step"] * 3
    assert [(r["status"], r["code"]) for r in refused] == [("rejected", code) for code in expected]
    for result in refused:
        assert VIETNAMESE.search(result["message"]), result
    illegal = refused[0]["message"]
    assert "«Mới đăng ký»" in illegal and "Từ trạng thái này chỉ được chuyển sang" in illegal
    assert any(r["message"] == "Hãy ghi lý do khi chuyển hồ sơ sang «Không được tiếp nhận»." for r in refused)
    server_db = open_server_db(rig.server.database_url)
    try:
        with server_db.session() as s:
            stored = {d.code: (d.status, d.version, d.due_at) for d in
                      s.scalars(select(ServerDossier).where(ServerDossier.code.in_(codes.values())))}
            assert not s.scalars(select(DossierRecord).where(DossierRecord.op_id.in_([op["op_id"] for op in ops]))).all()
    finally:
        server_db.dispose()
    assert {code: status for code, (status, _, _) in stored.items()} == {codes[s]: int(s) for s in Status}
    assert all(version == 1 for _, version, _ in stored.values())
    assert json.dumps(results, ensure_ascii=False).count("Kẻ Giả Mạo") == 0  # nothing echoed back


@pytest.mark.slow
def test_result_ready_from_the_province_arrives_by_pull_with_its_due_dates(rig: Rig) -> None:
    from counter_app.domain.dossier import OFFICE_TZ
    from counter_app.domain.lifecycle_records import HandoverDirection
    from counter_app.services.lifecycle import apologise, hand_over, record_supplied

    code = receive(rig.db)
    transition(rig.db, code, Status.PROCESSING, agency="Phòng Tư pháp")
    request_supplement(rig.db, code, missing=MISSING, reason=REASONS[Status.SUPPLEMENT_REQUESTED])
    record_supplied(rig.db, code)
    late = get_dossier(rig.db, code).due_at.astimezone(OFFICE_TZ) + timedelta(days=7)
    while late.weekday() >= 5:
        late += timedelta(days=1)
    apologise(rig.db, code, reason="Chờ xác minh", new_due_at=late)
    supplied = get_dossier(rig.db, code)
    runner = SyncRunner(rig.db, rig.data_dir, base_delay=0.01)
    assert runner.run_once().ok

    rig.server.admin("set-status", code, "9", "--note", "Đã có kết quả")
    report = runner.run_once()

    assert report.ok and report.pulled >= 1
    ready = get_dossier(rig.db, code)
    assert ready.status is Status.RESULT_READY
    assert (ready.due_at, ready.previous_due_at) == (supplied.due_at, supplied.previous_due_at)
    assert ready.history[-1].note == "Đã có kết quả"
    # The paper result reaches the desk: the return row of Mẫu 05, without another status change.
    row = hand_over(rig.db, code, HandoverDirection.FROM_AGENCY, agency="Phòng Tư pháp")
    assert get_dossier(rig.db, code).status is Status.RESULT_READY
    again = runner.run_once()
    assert again.ok and again.rejected == 0 and again.conflicts == 0, again.problems
    server_db = open_server_db(rig.server.database_url)
    try:
        with server_db.session() as s:
            dossier = s.scalar(select(ServerDossier).where(ServerDossier.code == code))
            kinds = [(r.kind, r.data.get("direction")) for r in
                     s.scalars(select(DossierRecord).where(DossierRecord.dossier_id == dossier.id).order_by(DossierRecord.id))]
            assert (dossier.due_at, dossier.previous_due_at) == (late, supplied.previous_due_at)
    finally:
        server_db.dispose()
    assert kinds == [("handover", "to_agency"), ("apology", None), ("handover", "from_agency")]
    assert row.from_party == "Phòng Tư pháp"

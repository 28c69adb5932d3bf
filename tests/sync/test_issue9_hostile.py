"""Issue 9's operations from a hostile device, against a real server process (issue 9, wave 2, R).

Three real counters (two desks of one unit, one desk of another unit) enrol and sync honestly; then
desk A pushes forged operations straight over HTTP with its own token: another unit's record ids,
another desk's posted item, a known id with changed content, steps out of order. Each forged
operation goes in a batch with an honest one: the forged one must be refused alone with a Vietnamese
reason, the honest one accepted, and the server's data must stay what it was.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import select

from counter_app.domain.dossier import DocumentLine
from counter_app.domain.lifecycle import Status
from counter_app.domain.operations import OpType
from counter_app.domain.postal_codes import ITEM_SERIES
from counter_app.domain.returns import ShipmentState
from counter_app.services.assisted_filing import AssistRequest, log_assistance
from counter_app.services.credentials import load_token
from counter_app.services.guidance import GuidanceRequest, record_guidance
from counter_app.services.intake import IntakeRequest, PersonInput, receive_dossier
from counter_app.services.lifecycle import request_supplement, transition
from counter_app.services.returns import return_by_post, set_shipment_state
from counter_app.storage.database import Database
from counter_app.storage.models import OutboxOp
from sync.client.enrollment import enroll
from sync.client.runner import SyncRunner
from sync.protocol import API_PREFIX
from sync.server.admin import allocate_next_range
from sync.server.models import (
    AssistedFiling,
    Attachment,
    Dossier,
    DossierEvent,
    DossierRecord,
    GuidanceRecord,
    ResultReturn,
)
from tests.conftest import HAI_CHAU_WARD, UNIT_CODE, open_counter
from tests.support.returns import result_ready_dossier
from tests.sync.harness import ROOT, ServerProcess
from tests.sync.invariants import open_server_db
from tests.sync.payloads import wire

OTHER_UNIT = "000.77.48.H15"
VIETNAMESE = re.compile(r"[ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ]", re.IGNORECASE)
POST = {"recipient": "Trần Thị Bình", "phone": "0905123456", "ward_code": HAI_CHAU_WARD, "street": "12 Lê Lợi",
        "postage": 25000, "payer": "agency"}
PERSON = PersonInput(full_name="Lê Văn Hùng", id_number="049090001234", phone="0905123456", street="5 Hùng Vương")


@dataclass
class Desk:
    db: Database
    data_dir: Path
    device_id: str
    token: str

    def sync(self) -> None:
        report = SyncRunner(self.db, self.data_dir, base_delay=0.01).run_once()
        assert report.ok, report.errors

    def sent(self, op_type: OpType) -> dict[str, Any]:
        """The payload of the newest operation of `op_type` this desk queued (what it sent)."""
        with self.db.read() as session:
            row = session.scalars(select(OutboxOp).where(OutboxOp.op_type == str(op_type))
                                  .order_by(OutboxOp.seq.desc()).limit(1)).one()
            return json.loads(row.payload)


@dataclass
class Rig:
    server: ServerProcess
    a: Desk  # desk 1 of UNIT_CODE: the hostile one
    b: Desk  # desk 2 of UNIT_CODE
    other: Desk  # a desk of OTHER_UNIT
    ready: str  # a dossier of A at 9
    received: str  # a dossier of A at 2
    posted: str  # a dossier of A returned by post (10)
    waiting: str  # a dossier of A at 5, waiting for papers
    a_item: dict[str, Any]  # A's result.return payload (by post)
    b_item: dict[str, Any]  # B's result.return payload (by post)


def grant(server: ServerProcess, desk: Desk, count: int) -> None:
    server_db = open_server_db(server.database_url)
    try:
        with server_db.session() as s:
            allocate_next_range(s, desk.device_id, ITEM_SERIES, count, datetime.now(UTC))
    finally:
        server_db.dispose()


def new_desk(server: ServerProcess, data_dir: Path, desk: int, unit: str) -> Desk:
    db = open_counter(data_dir, desk=desk, unit_code=unit)
    device_id = enroll(db, server.url, server.enrollment_code(unit)).device_id
    return Desk(db, data_dir, device_id, load_token(device_id))


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    url = f"sqlite:///{tmp_path_factory.mktemp('server') / 'server.sqlite'}"
    with ServerProcess(url) as server:
        server.admin("create-unit", "--code", UNIT_CODE, "--name", "UBND phường Hải Châu")
        server.admin("create-unit", "--code", OTHER_UNIT, "--name", "UBND xã Thử")
        server.admin("import-catalog", str(ROOT / "resources" / "catalog" / "sample-catalog.json"))
        root = tmp_path_factory.mktemp("desks")
        a, b = new_desk(server, root / "a", 1, UNIT_CODE), new_desk(server, root / "b", 2, UNIT_CODE)
        other = new_desk(server, root / "other", 1, OTHER_UNIT)
        for desk in (a, b):
            grant(server, desk, 3)
            desk.sync()
        ready, posted = result_ready_dossier(a.db), result_ready_dossier(a.db)
        received = receive_dossier(a.db, IntakeRequest("1.001193", PERSON)).code
        waiting = receive_dossier(a.db, IntakeRequest("1.001193", PERSON)).code
        transition(a.db, waiting, Status.PROCESSING)
        request_supplement(a.db, waiting, missing=[DocumentLine("Giấy chứng sinh", originals=1)],
                           reason="Thiếu giấy chứng sinh")
        return_by_post(a.db, posted, **POST)
        a_item = a.sent(OpType.RESULT_RETURN)
        set_shipment_state(a.db, a_item["item_code"], ShipmentState.HANDED)
        return_by_post(b.db, result_ready_dossier(b.db), **POST)
        b_item = b.sent(OpType.RESULT_RETURN)
        record_guidance(other.db, GuidanceRequest("1.001193", PERSON, reason="Thiếu tờ khai có chữ ký"))
        log_assistance(other.db, AssistRequest(applicant_name="Lê Văn Hùng", procedure_code="1.001193",
                                               outcome="account"))
        for desk in (a, b, other):
            desk.sync()
        yield Rig(server, a, b, other, ready, received, posted, waiting, a_item, b_item)
        for desk in (a, b, other):
            desk.db.close()


def snapshot(url: str) -> dict[str, Any]:
    """What issue 9's handlers write on the server (not the ledger: a refusal is recorded there)."""
    db = open_server_db(url)
    try:
        with db.session() as s:
            return {
                "dossiers": sorted((d.code, d.status, d.version, str(d.due_at), str(d.previous_due_at))
                                   for d in s.scalars(select(Dossier))),
                "events": sorted((e.dossier_id, e.to_status, e.op_id or "") for e in s.scalars(select(DossierEvent))),
                "records": sorted((r.dossier_id, r.kind, json.dumps(r.data, sort_keys=True))
                                  for r in s.scalars(select(DossierRecord))),
                "returns": sorted((r.id, r.dossier_code, r.device_id, r.item_code or "", r.shipment_state or "",
                                   str(r.state_at), json.dumps(r.data, sort_keys=True))
                                  for r in s.scalars(select(ResultReturn))),
                "guidance": sorted((g.id, g.unit_code, g.reference, json.dumps(g.data, sort_keys=True))
                                   for g in s.scalars(select(GuidanceRecord))),
                "attachments": sorted((a.dossier_code, a.sha256, a.name, a.document_index or 0, a.reused_from or "",
                                       str(a.replaced_at)) for a in s.scalars(select(Attachment))),
                "assisted": sorted((f.id, f.unit_code, json.dumps(f.data, sort_keys=True))
                                   for f in s.scalars(select(AssistedFiling))),
            }
    finally:
        db.dispose()


def honest_assist(unit: str = UNIT_CODE) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "unit_code": unit, "desk_slot": 1, "at": datetime.now(UTC).isoformat(),
            "applicant_name": "Phạm Thị Hoa", "applicant_id_number": "", "applicant_phone": "",
            "procedure_code": "1.001193", "procedure_name": "Thủ tục đăng ký khai sinh", "outcome": "account",
            "note": "", "portal_code": None, "clerk": "Trần Thị Mai", "clerk_username": ""}


_seqs = iter(range(1, 10_000))


def push_with_honest(rig: Rig, op_type: OpType, forged: dict[str, Any]) -> dict[str, Any]:
    """Push `forged` between two honest operations as desk A; the forged one's answer.

    Asserts the honest ones are accepted and that the forged one changed nothing on the server."""
    before = snapshot(rig.server.database_url)
    first, last = honest_assist(), honest_assist()
    ops = [wire(next(_seqs), OpType.ASSIST_LOG, first), wire(next(_seqs), op_type, forged),
           wire(next(_seqs), OpType.ASSIST_LOG, last)]
    body = {"batch_id": str(uuid.uuid4()), "device_epoch": "hostile-issue9", "ops": ops}
    response = requests.post(f"{rig.server.url}{API_PREFIX}/sync/push", json=body,
                             headers={"Authorization": f"Bearer {rig.a.token}"}, timeout=60)
    assert response.status_code == 200, response.text[:500]
    results = {r["op_id"]: r for r in response.json()["results"]}
    assert [results[op["op_id"]]["status"] for op in (ops[0], ops[2])] == ["accepted", "accepted"]
    after = snapshot(rig.server.database_url)
    honest_ids = {first["id"], last["id"]}
    after["assisted"] = [row for row in after["assisted"] if row[0] not in honest_ids]
    assert after == before
    answer = results[ops[1]["op_id"]]
    assert answer["status"] in {"rejected", "conflict"}, answer
    assert VIETNAMESE.search(answer["message"]), answer
    return answer


def test_a_guidance_record_id_of_another_unit_is_refused(rig: Rig) -> None:
    theirs = rig.other.sent(OpType.GUIDANCE_RECORD)
    forged = {**theirs, "unit_code": UNIT_CODE, "reference": "HD1" + theirs["reference"][3:]}
    assert push_with_honest(rig, OpType.GUIDANCE_RECORD, forged)["code"] == "duplicate_id"


def test_a_guidance_record_replayed_with_changed_content_is_refused(rig: Rig) -> None:
    mine = rig.a.db  # A records guidance honestly, then re-sends the same id saying something else
    record_guidance(mine, GuidanceRequest("1.001193", PERSON, reason="Thiếu giấy chứng sinh"))
    rig.a.sync()
    sent = rig.a.sent(OpType.GUIDANCE_RECORD)
    assert push_with_honest(rig, OpType.GUIDANCE_RECORD, {**sent, "reason": "Lý do khác"})["code"] == "duplicate_id"


def test_an_assist_log_id_of_another_unit_is_refused(rig: Rig) -> None:
    theirs = rig.other.sent(OpType.ASSIST_LOG)
    assert push_with_honest(rig, OpType.ASSIST_LOG, {**theirs, "unit_code": UNIT_CODE})["code"] == "duplicate_id"


def test_an_assist_log_for_another_unit_is_refused(rig: Rig) -> None:
    assert push_with_honest(rig, OpType.ASSIST_LOG, honest_assist(OTHER_UNIT))["code"] == "wrong_unit"


def test_a_return_replayed_with_changed_content_is_refused(rig: Rig) -> None:
    changed = {**rig.a_item, "receiver_name": "Người Khác", "street": "99 Trần Phú"}
    assert push_with_honest(rig, OpType.RESULT_RETURN, changed)["code"] == "duplicate_return_id"


def test_a_return_of_a_result_not_ready_is_refused(rig: Rig) -> None:
    early = {**rig.a_item, "id": str(uuid.uuid4()), "dossier_code": rig.received, "method": "desk",
             "item_code": None, "receiver_id_number": "049090001234"}
    assert push_with_honest(rig, OpType.RESULT_RETURN, early)["code"] == "bad_step"


def test_a_second_return_of_a_result_already_returned_is_refused(rig: Rig) -> None:
    again = {**rig.a_item, "id": str(uuid.uuid4()), "method": "desk", "item_code": None,
             "receiver_id_number": "049090001234", "ward_code": None, "postage": None, "payer": None}
    assert push_with_honest(rig, OpType.RESULT_RETURN, again)["code"] == "bad_step"


def test_a_return_of_another_units_dossier_is_refused(rig: Rig) -> None:
    theirs = {**rig.a_item, "id": str(uuid.uuid4()), "dossier_code": f"{OTHER_UNIT}-260101-1001",
              "method": "desk", "item_code": None, "receiver_id_number": "049090001234"}
    assert push_with_honest(rig, OpType.RESULT_RETURN, theirs)["code"] == "unknown_dossier"


def test_a_return_under_another_desks_item_code_is_refused(rig: Rig) -> None:
    forged = {**rig.a_item, "id": str(uuid.uuid4()), "dossier_code": rig.ready, "item_code": rig.b_item["item_code"]}
    assert push_with_honest(rig, OpType.RESULT_RETURN, forged)["code"] == "item_not_granted"


def shipment(rig: Rig, item: dict[str, Any], state: str, at: datetime | None = None) -> dict[str, Any]:
    return {"return_id": item["id"], "item_code": item["item_code"], "state": state,
            "at": (at or datetime.now(UTC)).isoformat(), "actor": "Trần Thị Mai"}


def test_a_step_of_another_desks_posted_item_is_refused(rig: Rig) -> None:
    answer = push_with_honest(rig, OpType.SHIPMENT_STATE, shipment(rig, rig.b_item, "handed"))
    assert answer["code"] == "foreign_shipment"


def test_a_shipment_step_out_of_order_is_refused(rig: Rig) -> None:
    answer = push_with_honest(rig, OpType.SHIPMENT_STATE, shipment(rig, rig.a_item, "waiting"))
    assert answer["code"] == "illegal_shipment_move"


def test_a_shipment_step_dated_before_the_last_one_is_refused(rig: Rig) -> None:
    back_dated = shipment(rig, rig.a_item, "delivered", datetime.fromisoformat(rig.a_item["at"]) - timedelta(days=1))
    assert push_with_honest(rig, OpType.SHIPMENT_STATE, back_dated)["code"] == "bad_step"


def test_a_shipment_step_with_a_forged_item_code_is_refused(rig: Rig) -> None:
    forged = {**shipment(rig, rig.a_item, "delivered"), "item_code": rig.b_item["item_code"]}
    assert push_with_honest(rig, OpType.SHIPMENT_STATE, forged)["code"] == "unknown_shipment"


def apology(code: str, previous: datetime, new: datetime) -> dict[str, Any]:
    return {"code": code, "at": datetime.now(UTC).isoformat(), "actor": "Trần Thị Mai", "reason": "Chậm do thiếu người",
            "previous_due_at": previous.isoformat(), "new_due_at": new.isoformat()}


def test_an_apology_on_another_units_dossier_or_a_closed_one_is_refused(rig: Rig) -> None:
    now = datetime.now(UTC)
    theirs = apology(f"{OTHER_UNIT}-260101-1001", now, now + timedelta(days=2))
    assert push_with_honest(rig, OpType.DOSSIER_APOLOGY, theirs)["code"] == "unknown_dossier"
    closed = apology(rig.posted, now, now + timedelta(days=2))
    assert push_with_honest(rig, OpType.DOSSIER_APOLOGY, closed)["code"] == "bad_step"
    backwards = apology(rig.received, now + timedelta(days=2), now)
    assert push_with_honest(rig, OpType.DOSSIER_APOLOGY, backwards)["code"] == "bad_step"


def handover(direction: str) -> dict[str, Any]:
    now = datetime.now(UTC).isoformat()
    return {"direction": direction, "at": now, "from_party": "Bộ phận một cửa", "to_party": "Phòng Tư pháp",
            "actor": "Trần Thị Mai", "due_at": now, "outcome": "on_time"}


def test_handover_rows_and_steps_out_of_order_are_refused(rig: Rig) -> None:
    # A row «to the agency» on a dossier still at 2, and one «from the agency» on a returned dossier.
    answer = push_with_honest(rig, OpType.DOSSIER_HANDOVER, {"code": rig.received, "handover": handover("to_agency")})
    assert answer["code"] == "bad_step"
    answer = push_with_honest(rig, OpType.DOSSIER_HANDOVER, {"code": rig.posted, "handover": handover("from_agency")})
    assert answer["code"] == "bad_step"
    # 2 → 9 skips the agency; 2 → 4 carrying the agency's return row; 2 → 4 moving the due date.
    step = {"code": rig.received, "from": 2, "at": datetime.now(UTC).isoformat(), "actor": "Trần Thị Mai", "note": ""}
    assert push_with_honest(rig, OpType.DOSSIER_STATUS, {**step, "to": 9})["code"] == "illegal_transition"
    wrong_row = {**step, "to": 4, "handover": handover("from_agency")}
    assert push_with_honest(rig, OpType.DOSSIER_STATUS, wrong_row)["code"] == "bad_step"
    later = (datetime.now(UTC) + timedelta(days=9)).isoformat()
    moved = {**step, "to": 4, "previous_due_at": step["at"], "due_at": later}
    assert push_with_honest(rig, OpType.DOSSIER_STATUS, moved)["code"] == "bad_step"
    # 7 (withdrawn) without a reason.
    assert push_with_honest(rig, OpType.DOSSIER_STATUS, {**step, "to": 7})["code"] == "illegal_transition"


def test_an_attachment_on_a_paper_the_dossier_lacks_or_another_units_dossier_is_refused(rig: Rig) -> None:
    bundle = {"dossier_code": rig.received, "sha256": "cd" * 32, "name": "giay-to-9.pdf", "size": 1000,
              "content_type": "application/pdf", "document_index": 9, "page_count": 2}
    assert push_with_honest(rig, OpType.ATTACHMENT_ADD, bundle)["code"] == "unknown_paper"
    theirs = {**bundle, "dossier_code": f"{OTHER_UNIT}-260101-1001", "document_index": 1}
    assert push_with_honest(rig, OpType.ATTACHMENT_ADD, theirs)["code"] == "unknown_dossier"


def test_status_of_the_dossiers_is_what_the_honest_desk_left(rig: Rig) -> None:
    """The forged pushes above changed nothing the honest desk wrote (a guard on the fixture itself)."""
    db = open_server_db(rig.server.database_url)
    try:
        with db.session() as s:
            status = dict(s.execute(select(Dossier.code, Dossier.status)).all())
    finally:
        db.dispose()
    assert (status[rig.ready], status[rig.received], status[rig.posted]) == (
        Status.RESULT_READY, Status.RECEIVED, Status.RETURNED)


def server_due(rig: Rig, code: str) -> datetime:
    db = open_server_db(rig.server.database_url)
    try:
        with db.session() as s:
            due = s.scalar(select(Dossier.due_at).where(Dossier.code == code))
    finally:
        db.dispose()
    assert due is not None
    return due


def test_an_apology_never_pulls_the_due_date_earlier_whatever_previous_date_it_claims(rig: Rig) -> None:
    due = server_due(rig, rig.received)
    forged = apology(rig.received, due - timedelta(days=30), due - timedelta(days=29))
    assert push_with_honest(rig, OpType.DOSSIER_APOLOGY, forged)["code"] == "bad_step"


def test_an_answered_supplement_never_pulls_the_due_date_earlier(rig: Rig) -> None:
    due = server_due(rig, rig.waiting)
    step = {"code": rig.waiting, "from": 5, "to": 4, "at": datetime.now(UTC).isoformat(), "actor": "Trần Thị Mai",
            "note": "", "previous_due_at": (due - timedelta(days=30)).isoformat(),
            "due_at": (due - timedelta(days=29)).isoformat()}
    assert push_with_honest(rig, OpType.DOSSIER_STATUS, step)["code"] == "bad_step"


def ill_formed(rig: Rig) -> list[tuple[str, OpType, dict[str, Any]]]:
    """Fields past their bounds or of the wrong shape, one per case, on every issue-9 operation."""
    now = datetime.now(UTC)
    post = {**rig.a_item, "id": str(uuid.uuid4()), "dossier_code": rig.ready}
    ship = shipment(rig, rig.a_item, "delivered")
    apo = apology(rig.received, now, now + timedelta(days=3))
    guide = rig.other.sent(OpType.GUIDANCE_RECORD)
    row = handover("to_agency")
    step = {"code": rig.received, "from": 2, "to": 4, "at": now.isoformat(), "actor": "Trần Thị Mai", "note": ""}
    return [
        ("return: item code without its check digit", OpType.RESULT_RETURN, {**post, "item_code": "RR12345678VN"}),
        ("return: postage past the bound", OpType.RESULT_RETURN, {**post, "postage": 10**12}),
        ("return: unknown method", OpType.RESULT_RETURN, {**post, "method": "drone"}),
        ("return: a megabyte street", OpType.RESULT_RETURN, {**post, "street": "Đ" * 1_000_000}),
        ("return: id not a uuid", OpType.RESULT_RETURN, {**post, "id": "../../etc/passwd"}),
        ("return: returned in the future", OpType.RESULT_RETURN,
         {**post, "at": (now + timedelta(days=3)).isoformat()}),
        ("return: by post without an item code", OpType.RESULT_RETURN, {**post, "item_code": None}),
        ("return: at the desk with an item code", OpType.RESULT_RETURN, {**post, "method": "desk"}),
        ("shipment: unknown state", OpType.SHIPMENT_STATE, {**ship, "state": "lost"}),
        ("shipment: state as a list", OpType.SHIPMENT_STATE, {**ship, "state": ["delivered"]}),
        ("shipment: unknown return id", OpType.SHIPMENT_STATE, {**ship, "return_id": str(uuid.uuid4())}),
        ("apology: reason empty", OpType.DOSSIER_APOLOGY, {**apo, "reason": "   "}),
        ("apology: reason past 4000 characters", OpType.DOSSIER_APOLOGY, {**apo, "reason": "Chậm " * 1000}),
        ("apology: due date without a time zone", OpType.DOSSIER_APOLOGY,
         {**apo, "new_due_at": "2026-12-30T17:00:00"}),
        ("apology: due date in the year 9999", OpType.DOSSIER_APOLOGY, {**apo, "new_due_at": "9999-12-30T17:00:00+07:00"}),
        ("handover: unknown direction", OpType.DOSSIER_HANDOVER,
         {"code": rig.received, "handover": {**row, "direction": "sideways"}}),
        ("handover: a late row claimed early", OpType.DOSSIER_HANDOVER,
         {"code": rig.ready, "handover": {**handover("from_agency"), "due_at": (now - timedelta(days=3)).isoformat(),
                                          "outcome": "early"}}),
        ("handover: row missing", OpType.DOSSIER_HANDOVER, {"code": rig.received}),
        ("status: unknown status 11", OpType.DOSSIER_STATUS, {**step, "to": 11}),
        ("status: a thousand missing papers", OpType.DOSSIER_STATUS,
         {**step, "to": 5, "note": "Thiếu giấy", "missing": [{"name": "Giấy", "originals": 1}] * 1000}),
        ("status: a withdrawal moving the due date", OpType.DOSSIER_STATUS,
         {**step, "code": rig.waiting, "from": 5, "to": 7, "note": "Công dân rút hồ sơ",
          "previous_due_at": now.isoformat(), "due_at": (now + timedelta(days=400)).isoformat()}),
        ("status: a step dated before the dossier was received", OpType.DOSSIER_STATUS,
         {**step, "at": (now - timedelta(days=40)).isoformat()}),
        ("apology: dated before the dossier was received", OpType.DOSSIER_APOLOGY,
         {**apo, "at": (now - timedelta(days=40)).isoformat()}),
        ("handover: dated before the dossier was received", OpType.DOSSIER_HANDOVER,
         {"code": rig.ready, "handover": {**handover("from_agency"), "at": (now - timedelta(days=40)).isoformat()}}),
        ("return: dated before the dossier was received", OpType.RESULT_RETURN,
         {**post, "method": "desk", "item_code": None, "receiver_id_number": "049090001234",
          "at": (now - timedelta(days=40)).isoformat()}),
        ("status: papers with a step to 4", OpType.DOSSIER_STATUS,
         {**step, "missing": [{"name": "Giấy chứng sinh", "originals": 1, "copies": 0, "photocopies": 0}]}),
        ("guidance: reference of the wrong form", OpType.GUIDANCE_RECORD,
         {**guide, "id": str(uuid.uuid4()), "unit_code": UNIT_CODE, "reference": "HD1-2612-1"}),
        ("guidance: another desk's slot", OpType.GUIDANCE_RECORD,
         {**guide, "id": str(uuid.uuid4()), "unit_code": UNIT_CODE, "desk_slot": 2,
          "reference": "HD2" + guide["reference"][3:]}),
        ("guidance: reason empty", OpType.GUIDANCE_RECORD,
         {**guide, "id": str(uuid.uuid4()), "unit_code": UNIT_CODE, "reference": "HD1" + guide["reference"][3:],
          "reason": ""}),
        ("assist: another desk's slot", OpType.ASSIST_LOG, {**honest_assist(), "desk_slot": 2}),
        ("assist: unknown outcome", OpType.ASSIST_LOG, {**honest_assist(), "outcome": "maybe"}),
        ("assist: a nested object as the name", OpType.ASSIST_LOG,
         {**honest_assist(), "applicant_name": {"a": {"b": [1, 2, 3]}}}),
        ("attachment: page count without a paper", OpType.ATTACHMENT_ADD,
         {"dossier_code": rig.received, "sha256": "ef" * 32, "name": "a.pdf", "size": 10,
          "content_type": "application/pdf", "page_count": 3}),
        ("attachment: a paper's bundle that is not a PDF", OpType.ATTACHMENT_ADD,
         {"dossier_code": rig.received, "sha256": "ef" * 32, "name": "a.jpg", "size": 10,
          "content_type": "image/jpeg", "document_index": 1, "page_count": 1}),
        ("attachment: a paper reused from another unit's dossier", OpType.ATTACHMENT_ADD,
         {"dossier_code": rig.received, "sha256": "ef" * 32, "name": "a.pdf", "size": 10,
          "content_type": "application/pdf", "document_index": 1, "page_count": 1,
          "reused_from": f"{OTHER_UNIT}-260101-1001"}),
        ("attachment: a paper reused from a code that is no dossier code", OpType.ATTACHMENT_ADD,
         {"dossier_code": rig.received, "sha256": "ef" * 32, "name": "a.pdf", "size": 10,
          "content_type": "application/pdf", "document_index": 1, "page_count": 1, "reused_from": "../../etc"}),
    ]


def test_ill_formed_fields_are_refused_alone_and_change_nothing(rig: Rig) -> None:
    failures = []
    for name, op_type, payload in ill_formed(rig):
        try:
            push_with_honest(rig, op_type, payload)
        except AssertionError as error:
            failures.append(f"{name}: {str(error)[:300]}")
    assert not failures, "\n".join(failures)


def test_an_operation_replayed_under_its_op_id_with_changed_content_is_refused(rig: Rig) -> None:
    op_id = str(uuid.uuid4())
    payload = shipment(rig, rig.a_item, "delivered")
    ops = [wire(next(_seqs), OpType.SHIPMENT_STATE, payload, op_id=op_id)]
    first = requests.post(f"{rig.server.url}{API_PREFIX}/sync/push", headers={"Authorization": f"Bearer {rig.a.token}"},
                          json={"batch_id": str(uuid.uuid4()), "device_epoch": "hostile-issue9", "ops": ops},
                          timeout=60).json()["results"][0]
    assert first["status"] == "accepted", first
    changed = {**payload, "state": "returned"}
    again = wire(ops[0]["seq"], OpType.SHIPMENT_STATE, changed, op_id=op_id)
    before = snapshot(rig.server.database_url)
    result = requests.post(f"{rig.server.url}{API_PREFIX}/sync/push", headers={"Authorization": f"Bearer {rig.a.token}"},
                           json={"batch_id": str(uuid.uuid4()), "device_epoch": "hostile-issue9", "ops": [again]},
                           timeout=60).json()["results"][0]
    assert (result["status"], result["code"]) == ("rejected", "op_id_reused")
    assert VIETNAMESE.search(result["message"])
    assert snapshot(rig.server.database_url) == before

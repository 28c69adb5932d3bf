"""A decision for the desk's version on its own create under a code the province held (keep_counter, merge):
the desk's dossier takes the province's id and the decided content, and its operations the province refused
while the code was disputed are queued once more (storage/conflict_notices.py). Real counter database; the
decision arrives as the notice the sync stores. End to end with a real server: tests/sync/test_recode.py.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select, update

from counter_app.domain.lifecycle import Status
from counter_app.domain.operations import InvalidOperation
from counter_app.services.accounts import create_account
from counter_app.services.clock import utc_now
from counter_app.services.dossiers import get_dossier
from counter_app.services.lifecycle import transition
from counter_app.services.receipts import collect_fee
from counter_app.storage.conflict_notices import apply_resolution_notice
from counter_app.storage.models import AuditLogRow, OutboxOp
from tests.conftest import open_counter
from tests.support.conflict_notices import DEVICE, created_payload, decided, in_conflict, notice, received
from tests.support.receipts import fee_dossier, grant_receipt_range


@pytest.fixture
def desk(tmp_path: Path):
    db = open_counter(tmp_path / "counter")
    create_account(db, username="giamsat", full_name="Lê Văn Giám", role="supervisor", password="matkhau-gs1", by=None)
    yield db
    db.close()



def disputed_step(db, code: str) -> None:
    """A step taken at the desk and refused by the province while the code was disputed."""
    transition(db, code, Status.PROCESSING, by="giamsat")
    with db.write() as session:
        session.execute(update(OutboxOp).where(OutboxOp.op_type == "dossier.status", OutboxOp.state == "pending")
                        .values(state="rejected", result_code="disputed_code"))


def ops(db) -> list[tuple[str, str, str, str | None, dict | str]]:
    """(type, entity id, state, result code, payload: its text when it is not JSON) of every outbox row."""
    def read(text: str) -> dict | str:
        try:
            return json.loads(text)
        except ValueError:
            return text

    with db.read() as session:
        return [(op.op_type, op.entity_id, op.state, op.result_code, read(op.payload))
                for op in session.scalars(select(OutboxOp).order_by(OutboxOp.seq))]


def test_the_desks_dossier_takes_the_provinces_id_and_its_refused_step_goes_again_once(desk) -> None:
    code = received(desk)
    mine = get_dossier(desk, code)
    disputed_step(desk, code)
    province_id = str(uuid.uuid4())
    decided_content = {**created_payload(desk, code), "id": province_id, "summary": "Khai sinh cho con thứ hai"}
    told = notice(in_conflict(desk, code), code, "keep_counter",
                  dossier={"status": 2, "version": 2, "data": decided_content})

    with desk.write() as session:
        apply_resolution_notice(session, told, DEVICE, utc_now())

    held = get_dossier(desk, code)
    assert (held.id, held.summary, held.status) == (province_id, "Khai sinh cho con thứ hai", Status.PROCESSING)
    [*_, refused, again] = ops(desk)
    assert refused[1:4] == (mine.id, "rejected", "disputed_code")
    assert again[:4] == ("dossier.status", province_id, "pending", None) and again[4] == refused[4]
    with desk.read() as session:
        audit = session.scalar(select(AuditLogRow).order_by(AuditLogRow.seq.desc()).limit(1))
        assert audit is not None and "replays" in (audit.before or "")
    before = ops(desk)
    with desk.write() as session:  # the same decision read again (a re-pull)
        apply_resolution_notice(session, told, DEVICE, utc_now())
    assert ops(desk)[len(before) - 1:] == before[-1:] and len(ops(desk)) == len(before)


@pytest.mark.parametrize("state", ["pending", "in_flight"])
def test_a_step_not_sent_or_not_answered_when_the_decision_arrives_goes_under_the_provinces_id(desk, state) -> None:
    """Pending: withdrawn, and queued under the province's id. In flight (a push cut off before its answer): it
    names the old id, which the province refuses once it has decided, so a copy goes under the new one."""
    code = received(desk)
    mine = get_dossier(desk, code)
    transition(desk, code, Status.PROCESSING, by="giamsat")  # taken after the last push
    with desk.write() as session:
        session.execute(update(OutboxOp).where(OutboxOp.op_type == "dossier.status").values(state=state))
    province_id = str(uuid.uuid4())
    told = notice(in_conflict(desk, code), code, "merge",
                  dossier={"status": 2, "version": 2, "data": {**created_payload(desk, code), "id": province_id}})

    with desk.write() as session:
        apply_resolution_notice(session, told, DEVICE, utc_now())

    [*_, left, again] = ops(desk)
    assert left[:3] == ("dossier.status", mine.id, state)
    assert left[3] == ("withdrawn" if state == "pending" else None)
    assert again[:4] == ("dossier.status", province_id, "pending", None) and again[4] == left[4]
    if state == "pending":
        with desk.read() as session:
            message = session.scalar(select(OutboxOp.result_message).where(OutboxOp.entity_id == mine.id,
                                                                           OutboxOp.op_type == "dossier.status"))
        assert message is not None and "cùng một hồ sơ" in message and message.endswith("[adopted]")
    before = ops(desk)
    with desk.write() as session:  # read again: nothing more is queued
        apply_resolution_notice(session, told, DEVICE, utc_now())
    assert ops(desk) == before


@pytest.mark.parametrize(("state", "result"), [("rejected", "disputed_code"), ("in_flight", None)])
def test_a_receipt_refused_or_unanswered_goes_again_once_and_a_damaged_row_stops_nothing(desk, state, result) -> None:
    """A receipt names its dossier by code, under an id of its own: the province refused it with the steps (or
    its push was cut off: if the province took it after all, it takes the copy as the same receipt)."""
    grant_receipt_range(desk, 1, 10)
    code = fee_dossier(desk, clerk="giamsat")
    collect_fee(desk, code, method="cash", by="giamsat")
    other = fee_dossier(desk, "Phạm Thị Hoa", clerk="giamsat")
    collect_fee(desk, other, method="cash", by="giamsat")  # another dossier's receipt: not this decision's
    with desk.write() as session:
        session.execute(update(OutboxOp).where(OutboxOp.op_type == "receipt.issue")
                        .values(state=state, result_code=result))
        damaged = session.scalar(select(OutboxOp).where(OutboxOp.op_type == "receipt.issue")
                                 .order_by(OutboxOp.seq.desc()).limit(1))
        assert damaged is not None
        damaged.payload = "{not json"  # the other dossier's row, edited on disk
    province_id = str(uuid.uuid4())
    told = notice(in_conflict(desk, code), code, "keep_counter",
                  dossier={"status": 2, "version": 2, "data": {**created_payload(desk, code), "id": province_id}})

    with desk.write() as session:
        apply_resolution_notice(session, told, DEVICE, utc_now())

    [refused, _other, again] = [op for op in ops(desk) if op[0] == "receipt.issue"]
    assert refused[2:4] == (state, result) and refused[4]["dossier_code"] == code
    assert again[2:4] == ("pending", None) and again[4] == refused[4]  # the receipt as printed, once more
    before = ops(desk)
    with desk.write() as session:
        apply_resolution_notice(session, told, DEVICE, utc_now())
    assert ops(desk) == before


@pytest.mark.parametrize("damage", ["{not json", "[1]", '{"code": 5}', "{}", '{"from": 4, "to": 9}', "null"])
def test_a_step_edited_on_disk_is_left_as_it_is_and_stops_neither_the_decision_nor_the_others(desk, damage) -> None:
    code = received(desk)
    disputed_step(desk, code)  # 2→4, refused while disputed: it reads
    transition(desk, code, Status.RESULT_READY, by="giamsat")  # 4→9, not sent yet: damaged on disk below
    with desk.write() as session:
        step = session.scalar(select(OutboxOp).where(OutboxOp.state == "pending", OutboxOp.op_type == "dossier.status"))
        assert step is not None
        step.payload = damage
    province_id = str(uuid.uuid4())
    told = notice(in_conflict(desk, code), code, "keep_counter",
                  dossier={"status": 2, "version": 2, "data": {**created_payload(desk, code), "id": province_id}})

    with desk.write() as session:
        apply_resolution_notice(session, told, DEVICE, utc_now())

    assert get_dossier(desk, code).id == province_id
    [*_, refused, damaged, again] = ops(desk)
    assert damaged[2:4] == ("pending", None)  # left as it is: the push withdraws it, saying why
    with desk.read() as session:
        assert session.scalar(select(OutboxOp.payload).where(OutboxOp.payload == damage)) == damage
    assert again[:4] == ("dossier.status", province_id, "pending", None) and again[4] == refused[4]


@pytest.mark.parametrize("case", ["id_held_here", "another_code", "reject"])
def test_a_decision_that_does_not_make_one_dossier_moves_no_id_and_sends_nothing_again(desk, case: str) -> None:
    code, other = received(desk), received(desk, "Phạm Thị Hoa")
    mine = get_dossier(desk, code)
    disputed_step(desk, code)
    content = {**created_payload(desk, code), "id": str(uuid.uuid4())}
    if case == "id_held_here":
        content["id"] = get_dossier(desk, other).id
    if case == "another_code":
        content = {**created_payload(desk, other), "id": str(uuid.uuid4())}
    before = ops(desk)

    decided(desk, code, "reject" if case == "reject" else "keep_counter",
            dossier={"status": 2, "version": 2, "data": content})

    assert get_dossier(desk, code).id == mine.id
    assert len(ops(desk)) == len(before)


def deep(levels: int) -> dict:
    value: dict = {}
    for _ in range(levels):
        value = {"x": value}
    return value


@pytest.mark.parametrize("data", [
    {"id": "x" * 1_000_000},  # huge and not a dossier
    deep(5_000),  # nested past any parser's patience
    "only text",  # not an object at all
    None,
])
def test_a_decided_dossier_that_does_not_read_moves_no_id_and_sends_nothing(desk, data: object) -> None:
    code = received(desk)
    mine = get_dossier(desk, code)
    disputed_step(desk, code)
    told = notice(in_conflict(desk, code), code, "keep_counter", dossier={"status": 2, "version": 2, "data": data})
    before = ops(desk)
    try:
        with desk.write() as session:
            apply_resolution_notice(session, told, DEVICE, utc_now())
    except InvalidOperation:  # the puller skips a change that does not read, alone (storage/sync_store.py)
        assert isinstance(data, dict)
    assert get_dossier(desk, code).id == mine.id
    assert ops(desk)[len(before):] == [] and ops(desk)[-1][1:4] == (mine.id, "rejected", "disputed_code")

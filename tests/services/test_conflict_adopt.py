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
from counter_app.storage.conflict_notices import apply_resolution_notice
from counter_app.storage.models import AuditLogRow, OutboxOp
from tests.conftest import open_counter
from tests.support.conflict_notices import DEVICE, created_payload, decided, in_conflict, notice, received


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


def ops(db) -> list[tuple[str, str, str, str | None, dict]]:
    with db.read() as session:
        return [(op.op_type, op.entity_id, op.state, op.result_code, json.loads(op.payload))
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

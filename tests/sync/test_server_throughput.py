"""What the server's fast push path (issue 13, PS) must keep: a broken unique constraint in a bulk insert still
reads as SQLAlchemy's IntegrityError on both backends (so the batch is redone operation by operation), and the
garbage collector paused during pushes comes back when the last push ends."""

from __future__ import annotations

import gc
import threading
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from sync.server.admin import create_unit
from sync.server.auth import enroll, new_enrollment_code
from sync.server.bulk_insert import insert_rows
from sync.server.db import ServerDatabase
from sync.server.memory import paused_gc
from sync.server.models import OpLedger

UNIT = "000.01.48.H15"


@pytest.fixture(params=["sqlite", "postgresql"])
def server(request: pytest.FixtureRequest, tmp_path: Any) -> Any:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/server.sqlite"
    else:
        url = request.getfixturevalue("postgres_server").create_database()
    db = ServerDatabase.open(url)
    yield db
    db.dispose()


def _ledger_row(device_id: str, op_id: str, seq: int) -> dict[str, Any]:
    return {"device_id": device_id, "op_id": op_id, "device_epoch": str(uuid.uuid4()), "seq": seq,
            "op_type": "dossier.create", "entity_id": "x", "payload_hash": "0" * 64, "status": "accepted",
            "code": "", "message": "Đã nhận «hồ sơ»", "server_version": 1, "received_at": datetime.now(UTC)}


def test_a_bulk_insert_breaking_a_unique_constraint_is_taken_back_alone(server: ServerDatabase) -> None:
    now = datetime.now(UTC)
    with server.session() as session:
        create_unit(session, UNIT, "Đơn vị thử", now)
        code, _ = new_enrollment_code(session, UNIT, now)
        device, _token = enroll(session, code, "quầy thử", "test", now, preferred_slot=1)
        first = str(uuid.uuid4())
        insert_rows(session, OpLedger.__table__, [_ledger_row(device.id, first, 1)])
        with pytest.raises(IntegrityError), session.begin_nested():
            # a second process stored op `first` meanwhile: the whole bulk insert fails, as an INSERT would
            insert_rows(session, OpLedger.__table__, [_ledger_row(device.id, str(uuid.uuid4()), 2),
                                                      _ledger_row(device.id, first, 3)])
        insert_rows(session, OpLedger.__table__, [_ledger_row(device.id, str(uuid.uuid4()), 4)])
    with server.read() as session:
        seqs = session.scalars(select(OpLedger.seq).order_by(OpLedger.seq)).all()
        texts = session.scalar(select(func.count()).where(OpLedger.message == "Đã nhận «hồ sơ»"))
    assert seqs == [1, 4]
    assert texts == 2


def test_the_collector_is_back_when_the_last_of_overlapping_pushes_ends() -> None:
    assert gc.isenabled()
    inside, release = threading.Event(), threading.Event()
    seen: list[bool] = []

    def push() -> None:
        with paused_gc():
            inside.set()
            release.wait()

    other = threading.Thread(target=push)
    other.start()
    inside.wait()
    with paused_gc():
        seen.append(gc.isenabled())
    seen.append(gc.isenabled())  # the other push still runs
    release.set()
    other.join()
    assert seen == [False, False]
    assert gc.isenabled()


def test_a_collector_turned_off_before_stays_off() -> None:
    gc.disable()
    try:
        with paused_gc():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()

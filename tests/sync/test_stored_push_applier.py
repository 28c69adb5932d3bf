"""The stored-push applier (sync/server/inbox.Applier) against a batch that fails "for want of the database" while
the database answers: tried again a few times, then answered, so the other counters' batches behind it are applied.

In process, on a real SQLite server database; the fault is a trigger in that database (SQLite raises
OperationalError for a malformed JSON value, the class a lost connection raises too)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError

from counter_app.domain.operations import OpType
from sync.protocol import Limits
from sync.server.admin import create_unit
from sync.server.db import ServerDatabase
from sync.server.dictionaries import DictionaryCache
from sync.server.inbox import GIVE_UP_AFTER, Applier, store
from sync.server.models import Device, Dossier, StoredPush
from tests.sync.harness import enrolled_device
from tests.sync.payloads import dossier_payload, wire

UNIT = "000.01.48.H15"


def _store(server: ServerDatabase, device_id: str, slot: int, name: str) -> str:
    """One new dossier of desk `slot`, stored as a batch (plain JSON, as a counter may send it)."""
    batch_id = str(uuid.uuid4())
    body = json.dumps({"batch_id": batch_id, "device_epoch": "e1",
                       "ops": [wire(1, OpType.DOSSIER_CREATE, dossier_payload(UNIT, slot, 1, name=name))]})
    with server.session() as session:
        device = session.get(Device, device_id)
        assert device is not None
        store(session, device, batch_id, "identity", body.encode(), datetime.now(UTC))
    return batch_id


def test_a_batch_that_keeps_failing_while_the_database_answers_is_answered_and_the_next_applied(
        tmp_path: Path) -> None:
    server = ServerDatabase.open(f"sqlite:///{tmp_path / 'server.sqlite'}")
    try:
        with server.session() as session:
            create_unit(session, UNIT, "Đơn vị thử", datetime.now(UTC))
        first, second = enrolled_device(server, UNIT, 1), enrolled_device(server, UNIT, 2)
        with server.session() as session:  # every insert of this one name fails as a malformed value does
            session.execute(text("CREATE TRIGGER boom BEFORE INSERT ON dossier WHEN NEW.applicant_name = 'Phá Hoại' "
                                 "BEGIN SELECT json_extract('not json', '$'); END"))
        stuck = _store(server, first, 1, "Phá Hoại")
        behind = _store(server, second, 2, "Lê Thị Hoa")  # another counter's, stored after it
        applier = Applier(server, Limits(), DictionaryCache(server), lambda: datetime.now(UTC))

        for _try in range(GIVE_UP_AFTER - 1):  # the oldest batch first, tried again: it may be the database's fault
            with pytest.raises(OperationalError):
                applier.apply_next()
        assert applier.apply_next()  # answered now: the database answers, the batch fails
        assert applier.apply_next()  # and the other counter's batch is no longer held up
        assert not applier.apply_next()

        with server.read() as session:
            answers = {row.batch_id: (row.status, json.loads(row.answer)) for row in session.scalars(select(StoredPush))}
            names = session.scalars(select(Dossier.applicant_name)).all()
        assert answers[stuck][0] == 500 and answers[stuck][1]["error"]["code"] == "server_error"
        assert answers[behind][0] == 200 and answers[behind][1]["results"][0]["status"] == "accepted"
        assert names == ["Lê Thị Hoa"]
    finally:
        server.dispose()


def test_a_database_that_is_away_leaves_the_batch_waiting(tmp_path: Path) -> None:
    """Giving up is for a batch whose answer can be written: with the database away the batch stays waiting
    however often it is tried, and is applied once the database is back."""
    path = tmp_path / "server.sqlite"
    server = ServerDatabase.open(f"sqlite:///{path}")
    try:
        with server.session() as session:
            create_unit(session, UNIT, "Đơn vị thử", datetime.now(UTC))
        device = enrolled_device(server, UNIT, 1)
        batch = _store(server, device, 1, "Lê Thị Hoa")
        applier = Applier(server, Limits(), DictionaryCache(server), lambda: datetime.now(UTC))
        moved = path.with_name("elsewhere.sqlite")
        server.dispose()
        path.rename(moved)  # the database file gone from under the server: every connection fails
        path.mkdir()  # and nothing can be created in its place
        for _try in range(GIVE_UP_AFTER + 1):
            with pytest.raises(OperationalError):
                applier.apply_next()
        path.rmdir()
        moved.rename(path)
        assert applier.apply_next()
        with server.read() as session:
            row = session.scalar(select(StoredPush).where(StoredPush.batch_id == batch))
            assert row is not None and row.status == 200
    finally:
        server.dispose()

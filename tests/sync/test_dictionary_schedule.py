"""The province's push dictionary is trained again on a schedule (sync/server/dictionaries.py `train_if_due`,
`keep_trained`, the thread `provincial-server serve` starts): the first one once the server holds enough
dossiers, then a new one only when the newest is old and enough dossiers came in since."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sync.protocol import OpStatus, PushBatch
from sync.server.admin import create_unit
from sync.server.db import ServerDatabase
from sync.server.dictionaries import RETRAIN_AFTER, keep_trained, listing, train_if_due
from sync.server.ingest import handle_push
from sync.server.models import Device
from tests.sync.harness import enrolled_device
from tests.sync.payloads import dossier_payload, wire

UNIT = "000.01.48.H15"
ENOUGH = 100


def _desk(server: ServerDatabase, slot: int) -> tuple[str, str]:
    return enrolled_device(server, UNIT, slot), str(uuid.uuid4())


def _receive(server: ServerDatabase, slot: int, count: int) -> None:
    """`count` new dossiers from a new desk of the unit, pushed as a counter pushes them."""
    device_id, epoch = _desk(server, slot)
    ops = [wire(number, "dossier.create", dossier_payload(UNIT, slot, number, name=f"Nguyễn Văn Số {number}"))
           for number in range(1, count + 1)]
    with server.session() as session:
        device = session.get(Device, device_id)
        assert device is not None
        answer = handle_push(session, device, PushBatch(batch_id=str(uuid.uuid4()), device_epoch=epoch, ops=ops),
                             datetime.now(UTC))
    assert [r.status for r in answer.results] == [OpStatus.ACCEPTED] * count


def test_trained_first_when_enough_then_only_when_old_and_the_province_moved_on(tmp_path: Path) -> None:
    server = ServerDatabase.open(f"sqlite:///{tmp_path / 'server.sqlite'}")
    try:
        with server.session() as session:
            create_unit(session, UNIT, "UBND phường Hải Châu", datetime.now(UTC))
        _receive(server, 1, ENOUGH - 1)
        assert train_if_due(server, datetime.now(UTC), min_dossiers=ENOUGH) is None  # too few to learn from
        _receive(server, 2, 40)
        start = datetime.now(UTC)

        first = train_if_due(server, start, min_dossiers=ENOUGH)
        assert first is not None and [d["id"] for d in listing(server)] == [1]
        assert train_if_due(server, start + timedelta(days=10), min_dossiers=ENOUGH) is None  # young
        later = start + RETRAIN_AFTER + timedelta(days=1)
        assert train_if_due(server, later, min_dossiers=ENOUGH) is None  # old, but nothing new since

        _receive(server, 3, ENOUGH)
        second = train_if_due(server, later, min_dossiers=ENOUGH)
        assert second is not None and [d["id"] for d in listing(server)] == [1, 2]
    finally:
        server.dispose()


def test_the_serve_thread_checks_at_start_and_stops_when_told(tmp_path: Path) -> None:
    server = ServerDatabase.open(f"sqlite:///{tmp_path / 'server.sqlite'}")
    try:
        with server.session() as session:
            create_unit(session, UNIT, "UBND phường Hải Châu", datetime.now(UTC))
        stop = threading.Event()
        stop.set()  # one check, then it returns (the real thread waits CHECK_SECONDS between checks)
        keep_trained(server, lambda: datetime.now(UTC), stop)
        assert listing(server) == []  # an empty server: nothing to learn from, nothing failed
    finally:
        server.dispose()

"""The fixed cost of a sync request (issue 13, F): what the server no longer does on every request, and that the
checks it kept still hold.

- `device.last_seen_at` is written when it moved by a minute, not by every request of a sync;
- a pull (or a hello) a counter makes seconds after its previous request writes nothing;
- the token gate remembers a token the sync endpoints have just accepted, and forgets at once one they refused
  (a revoked device is then refused from its headers again).

Service level, on a real SQLite file and the real app (starlette's TestClient: guard and middleware included).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from sync.protocol import API_PREFIX
from sync.server.admin import create_unit, revoke_device
from sync.server.app import create_app
from sync.server.auth import authenticate, enroll, new_enrollment_code
from sync.server.db import ServerDatabase
from sync.server.errors import ApiError
from sync.server.guard_admission import GuardSettings, TokenGate
from sync.server.inbox import APPLIER_THREAD
from sync.server.models import Device
from tests.conftest import UNIT_CODE

HELLO = {"protocol_versions": [1], "schema_versions": [1], "app_version": "test", "device_epoch": "cost-epoch"}


@pytest.fixture()
def server(tmp_path: Path) -> Iterator[tuple[ServerDatabase, str, str]]:
    """The server's database with one enrolled device: (db, device id, token)."""
    db = ServerDatabase.open(f"sqlite:///{tmp_path / 'server.sqlite'}")
    now = datetime.now(UTC)
    with db.session() as s:
        create_unit(s, UNIT_CODE, "UBND phường Hải Châu", now)
        device, token = enroll(s, new_enrollment_code(s, UNIT_CODE, now)[0], "Quầy 1", "test", now)
        device_id = device.id
    yield db, device_id, token
    db.dispose()


def _last_seen(db: ServerDatabase, device_id: str) -> datetime | None:
    with db.session() as s:
        device = s.get(Device, device_id)
        assert device is not None
        return device.last_seen_at


def test_last_seen_moves_by_the_minute(server: tuple[ServerDatabase, str, str]) -> None:
    db, device_id, token = server
    start = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    for moment in (start, start + timedelta(seconds=59)):
        with db.session() as s:
            authenticate(s, f"Bearer {token}", moment)
    assert _last_seen(db, device_id) == start
    with db.session() as s:
        authenticate(s, f"Bearer {token}", start + timedelta(minutes=1))
    assert _last_seen(db, device_id) == start + timedelta(minutes=1)
    with db.session() as s:  # a clock set back by the administrator is followed too
        authenticate(s, f"Bearer {token}", start - timedelta(hours=1))
    assert _last_seen(db, device_id) == start - timedelta(hours=1)


def test_a_sync_writes_the_device_row_once(server: tuple[ServerDatabase, str, str]) -> None:
    db, device_id, token = server
    statements: list[str] = []

    def seen(_connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if threading.current_thread().name != APPLIER_THREAD:  # the background applier prunes when it likes
            statements.append(statement)

    auth = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app(db)) as client:
        assert client.post(f"{API_PREFIX}/sync/hello", json=HELLO, headers=auth).status_code == 200
        event.listen(db.engine, "before_cursor_execute", seen)
        hello = client.post(f"{API_PREFIX}/sync/hello", json=HELLO, headers=auth)
        pull = client.get(f"{API_PREFIX}/sync/pull?after=0", headers=auth)
        event.remove(db.engine, "before_cursor_execute", seen)
    assert hello.status_code == 200 and hello.json()["device_id"] == device_id
    assert pull.status_code == 200 and pull.json()["has_more"] is False
    writes = [s for s in statements if s.lstrip().upper().startswith(("UPDATE", "INSERT", "DELETE"))]
    assert writes == [], writes


class ManualClock:
    """A monotonic clock moved by the test, or by the code under test sleeping on it (`sleep`)."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_the_gate_remembers_what_the_sync_endpoints_confirmed_and_forgets_what_they_refused(
        server: tuple[ServerDatabase, str, str]) -> None:
    db, device_id, token = server
    lookups: list[str | None] = []

    def counted(session: Any, authorization: str | None, now: datetime) -> Any:
        lookups.append(authorization)
        return authenticate(session, authorization, now)

    clock = ManualClock()
    settings = GuardSettings(token_cache_seconds=60)
    gate = TokenGate(db, settings, clock=clock, authenticate=counted)
    bearer = f"Bearer {token}"

    async def scenario() -> None:
        assert await gate.admit(bearer, "127.0.0.1") == device_id
        clock.now += 50
        gate.endpoint_answered(bearer, 200)  # a sync's hello accepted the token just now
        clock.now += 50  # 100 s after the lookup, 50 s after the endpoint's check
        assert await gate.admit(bearer, "127.0.0.1") == device_id
        assert len(lookups) == 1
        clock.now += 61  # nothing confirmed it for a minute: looked up again
        assert await gate.admit(bearer, "127.0.0.1") == device_id
        assert len(lookups) == 2
        with db.session() as s:
            revoke_device(s, device_id)
        gate.endpoint_answered(bearer, 403)  # the endpoint refused the revoked device
        with pytest.raises(ApiError) as refused:
            await gate.admit(bearer, "127.0.0.1")
        assert refused.value.status == 403 and refused.value.code == "device_revoked"
        assert len(lookups) == 3

    asyncio.run(scenario())

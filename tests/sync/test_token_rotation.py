"""Device tokens rotated without losing a sync (sync/server/token_rotation.py, sync/client/token_rotation.py).

A real `provincial-server` rotating at every hello (`--token-rotation-days 0`), the project's fault proxy
cutting the answer that carries the new token, a real counter process SIGKILLed between storing the new
token and using it, the test keyring file the counter processes share; nothing patched.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from counter_app.services.credentials import load_token
from counter_app.services.intake import IntakeRequest, PersonInput, receive_dossier
from counter_app.storage.database import Database
from sync.client.enrollment import enroll
from sync.client.runner import SyncRunner
from sync.server.admin import import_catalog
from sync.server.auth import token_digest
from sync.server.models import Device, TokenRotation
from sync.server.token_rotation import is_due, offer_if_due
from tests.conftest import open_counter
from tests.sync.faultproxy import DELAY, DROP_AFTER_FORWARD, FaultProxy
from tests.sync.harness import ROOT, ServerProcess, backend_url, new_unit
from tests.sync.invariants import open_server_db

HELLO, PUSH, PULL = "/api/v1/sync/hello", "/api/v1/sync/push", "/api/v1/sync/pull"
CATALOG = ROOT / "resources" / "catalog" / "sample-catalog.json"


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """One server per backend that offers a new token at every hello (each scenario has its own unit)."""
    url = backend_url(request, tmp_path_factory)
    with ServerProcess(url, serve_args=["--token-rotation-days", "0"]) as process:
        db = open_server_db(url)
        with db.session() as s:
            import_catalog(s, CATALOG, datetime.now(UTC))
        db.dispose()
        yield process


def enrolled(server: ServerProcess, proxy: FaultProxy, data_dir: Path) -> tuple[Database, str]:
    unit, code = new_unit(server)
    db = open_counter(data_dir, unit_code=unit)
    return db, enroll(db, proxy.url, code, allow_insecure_http=True).device_id


def intake(db: Database, name: str) -> str:
    return receive_dossier(db, IntakeRequest("1.001193", PersonInput(
        full_name=name, id_number="049090001234", phone="0905123456", street="12 Lê Lợi"))).code


def pull_status(server: ServerProcess, token: str) -> tuple[int, str]:
    """What the server answers a pull made with `token` (a pull never offers a token)."""
    answer = requests.get(f"{server.url}{PULL}", params={"after": 0, "limit": 1},
                          headers={"Authorization": f"Bearer {token}"}, timeout=30)
    return answer.status_code, answer.json().get("error", {}).get("code", "") if answer.status_code != 200 else ""


def device_row(server: ServerProcess, device_id: str) -> tuple[str, str | None, list[str]]:
    db = open_server_db(server.database_url)
    try:
        with db.session() as s:
            device = s.get(Device, device_id)
            assert device is not None
            events = list(s.scalars(select(TokenRotation.event).where(TokenRotation.device_id == device_id)
                                    .order_by(TokenRotation.id)))
            return device.token_hash, device.next_token_hash, events
    finally:
        db.dispose()


def test_the_answer_carrying_the_new_token_is_cut(server: ServerProcess, fault_proxy: Callable[..., FaultProxy],
                                                   tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    proxy = fault_proxy(server.port)
    db, device_id = enrolled(server, proxy, tmp_path / "counter")
    first = load_token(device_id)
    code = intake(db, "Nguyễn Văn Đổi Mã")
    # The server commits its offer, the counter never hears it: it keeps the old token, still valid.
    proxy.add_fault(DROP_AFTER_FORWARD, times=1, path_prefix=HELLO)

    report = SyncRunner(db, tmp_path / "counter", base_delay=0.01, max_delay=0.05).run_once()

    assert report.ok and report.pushed == 1 and report.attempts == 2, report.errors
    assert server.stats()[new_unit_of(server, device_id)]["dossiers"] == 1
    final = load_token(device_id)
    assert final != first
    assert pull_status(server, final) == (200, "")
    assert pull_status(server, first) == (401, "bad_token")  # the new token was used: the old one is dead
    token_hash, pending, events = device_row(server, device_id)
    assert token_hash == token_digest(final)
    assert events[:2] == ["offered", "offered"] and "completed" in events  # the lost offer, then a fresh one
    assert pending is None
    listed = {row["device_id"]: row for row in json.loads(server.admin("devices", "--json"))}[device_id]
    assert listed["token_issued_at"] > listed["enrolled_at"] and listed["token_rotation_pending"] is False
    assert "mã xác thực cấp lúc:" in server.admin("devices", "--unit", listed["unit_code"])
    assert all(token not in caplog.text for token in (first, final))  # never in the counter's log
    assert code
    db.close()


def test_a_server_restored_from_before_the_rotation_still_takes_the_counter(
        server: ServerProcess, fault_proxy: Callable[..., FaultProxy], tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    """The province restores its database from a backup taken before a rotation: it knows only the old
    token. The counter kept it (keyring), says hello with it once the new one is refused, and syncs on:
    no re-enrolment, nothing lost; the server, seeing the old token due, rotates again."""
    proxy = fault_proxy(server.port)
    db, device_id = enrolled(server, proxy, tmp_path / "counter")
    old = load_token(device_id)
    backup = device_columns(server, device_id)  # what a backup taken now holds of the device
    intake(db, "Nguyễn Văn Trước Khôi Phục")
    report = SyncRunner(db, tmp_path / "counter", max_attempts=1).run_once()
    assert report.ok and report.pushed == 1, report.errors
    rotated = load_token(device_id)
    assert rotated != old and pull_status(server, rotated) == (200, "") and pull_status(server, old)[0] == 401

    restore_device_columns(server, device_id, backup)  # the province's database put back to the backup
    assert pull_status(server, rotated) == (401, "bad_token") and pull_status(server, old) == (200, "")
    intake(db, "Trần Thị Sau Khôi Phục")

    report = SyncRunner(db, tmp_path / "counter", max_attempts=1).run_once()

    assert report.ok and report.pushed == 1, report.errors
    assert server.stats()[new_unit_of(server, device_id)]["dossiers"] == 2
    final = load_token(device_id)
    assert final not in (old, rotated) and pull_status(server, final) == (200, "")  # rotated again from the old one
    assert "mã xác thực trước lần đổi mã" in caplog.text
    assert all(token not in caplog.text for token in (old, rotated, final))
    db.close()


def device_columns(server: ServerProcess, device_id: str) -> dict[str, object]:
    db = open_server_db(server.database_url)
    try:
        with db.session() as s:
            device = s.get(Device, device_id)
            assert device is not None
            return {name: getattr(device, name) for name in
                    ("token_hash", "next_token_hash", "token_legacy", "token_issued_at")}
    finally:
        db.dispose()


def restore_device_columns(server: ServerProcess, device_id: str, columns: dict[str, object]) -> None:
    db = open_server_db(server.database_url)
    try:
        with db.session() as s:
            device = s.get(Device, device_id)
            assert device is not None
            for name, value in columns.items():
                setattr(device, name, value)
    finally:
        db.dispose()


def new_unit_of(server: ServerProcess, device_id: str) -> str:
    db = open_server_db(server.database_url)
    try:
        with db.session() as s:
            device = s.get(Device, device_id)
            assert device is not None
            return device.unit_code
    finally:
        db.dispose()


def _run_counter_sync(data_dir: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "counter_app", "--data-dir", str(data_dir), "sync", "--once", "--json"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8",
                            env=dict(os.environ))


@pytest.mark.slow
def test_counter_killed_between_storing_and_using_the_new_token(
        server: ServerProcess, fault_proxy: Callable[..., FaultProxy], tmp_path: Path) -> None:
    proxy = fault_proxy(server.port)
    data_dir = tmp_path / "counter"
    db, device_id = enrolled(server, proxy, data_dir)
    first = load_token(device_id)
    intake(db, "Lê Thị Bị Ngắt")
    db.close()
    proxy.add_fault(DELAY, seconds=120, path_prefix=PUSH)  # the first request with the new token hangs

    process = _run_counter_sync(data_dir)
    deadline = time.monotonic() + 90
    try:
        while not any(record.path.startswith(PUSH) for record in proxy.stats().requests):
            assert process.poll() is None, f"sync ended before it could be killed: {process.communicate()}"
            assert time.monotonic() < deadline, "the push never left the counter"
            time.sleep(0.05)
        os.kill(process.pid, signal.SIGKILL)
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=30)
    assert process.returncode == -signal.SIGKILL

    stored = load_token(device_id)
    assert stored != first  # stored before it was used
    token_hash, pending, _ = device_row(server, device_id)
    assert (token_hash, pending) == (token_digest(first), token_digest(stored))  # the server never saw it used
    assert pull_status(server, first) == (200, "")  # the old one still works meanwhile

    proxy.clear_faults()
    rerun = _run_counter_sync(data_dir)
    out, err = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, err + out
    final = load_token(device_id)
    assert pull_status(server, final) == (200, "")
    assert pull_status(server, first) == (401, "bad_token")
    assert pull_status(server, stored) == (401, "bad_token") or final == stored
    assert server.stats()[new_unit_of(server, device_id)]["dossiers"] == 1
    assert all(token not in err + out for token in (first, stored, final))


def test_a_counter_that_cannot_rotate_is_never_offered_a_token(server: ServerProcess, tmp_path: Path) -> None:
    unit, code = new_unit(server)
    db = open_counter(tmp_path / "counter", unit_code=unit)
    device_id = enroll(db, server.url, code, allow_insecure_http=True).device_id
    token = load_token(device_id)
    with db.read() as session:
        from counter_app.storage.sync_store import get_state

        state = get_state(session)
        assert state is not None
        epoch = state.device_epoch
    hello = {"protocol_versions": [1], "schema_versions": [1], "device_epoch": epoch}  # an older counter's hello
    answer = requests.post(f"{server.url}{HELLO}", json=hello, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert answer.status_code == 200 and answer.json().get("new_token") is None
    assert device_row(server, device_id)[1:] == (None, [])
    db.close()


def test_due_only_after_the_period(server: ServerProcess) -> None:
    """The schedule itself, on the module's database: a token is offered once its age reaches the period."""
    unit, code = new_unit(server)
    db = open_server_db(server.database_url)
    try:
        with db.session() as s:
            from sync.server.auth import enroll as enroll_on_server

            device, _ = enroll_on_server(s, code, "Quầy thử", "1.0", datetime.now(UTC))
            period = timedelta(days=30)
            enrolled_at = device.enrolled_at
            assert not is_due(device, enrolled_at + timedelta(days=29, hours=23), period)
            assert offer_if_due(s, device, enrolled_at + timedelta(days=29), period) is None
            offered = offer_if_due(s, device, enrolled_at + period, period)
            assert offered and device.next_token_hash == token_digest(offered)
    finally:
        db.dispose()
    assert unit


@pytest.mark.parametrize("offered", ["kort", "a" * 31 + "\n", "ü" * 40, "x" * 31 + "/"], ids=["short", "newline", "unicode", "slash"])
def test_a_malformed_offer_is_not_taken(offered: str) -> None:
    """A token the server would never issue (a confused proxy, a hostile server) leaves the stored one alone."""
    from counter_app.services.credentials import forget_token, save_token
    from sync.client.token_rotation import adopt_offered_token
    from sync.client.transport import Transport
    from sync.protocol import HelloResponse

    device_id = f"device-malformed-{offered.encode().hex()[:12]}"
    save_token(device_id, "T" * 43)
    hello = HelloResponse.model_validate({
        "protocol_version": 1, "schema_versions": [1], "server_epoch": "e", "server_time": datetime.now(UTC),
        "limits": {}, "capabilities": [], "device_id": device_id, "unit_code": "u", "desk_slot": 1,
        "device_epoch": "d", "acked_seq": 0, "last_change_seq": 0, "new_token": offered})
    transport = Transport("http://127.0.0.1:9", "T" * 43)
    try:
        assert adopt_offered_token(hello, device_id, transport) is False
        assert transport.token == "T" * 43 and load_token(device_id) == "T" * 43
    finally:
        transport.close()
        forget_token(device_id)

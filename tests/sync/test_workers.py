"""Several server processes on one PostgreSQL (`provincial-server serve --workers 3`), proved by real races.

Requests go on fresh connections, so the kernel hands them to different workers of the one listening
socket; a worker is killed with a real SIGKILL and the supervisor starts a new one. Nothing is patched.
"""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import func, select

from counter_app.domain.accounts import hash_password
from counter_app.domain.operations import OpType
from counter_app.services.credentials import load_token
from counter_app.services.demo_data import generate_demo_dossiers
from counter_app.storage.sync_store import get_state
from sync.client.enrollment import enroll
from sync.client.runner import SyncRunner
from sync.protocol import API_PREFIX
from sync.server.guard_admission import GuardSettings
from sync.server.models import ChangeFeed, Device, Dossier, OpLedger, TokenRotation
from sync.server.workers import KEEP_ALIVE_SECONDS, settings_for_workers
from tests.conftest import open_counter
from tests.sync.faultproxy import BANDWIDTH, FaultProxy
from tests.sync.harness import ServerProcess, new_unit
from tests.sync.invariants import check_all, open_server_db
from tests.sync.payloads import dossier_payload, wire

WORKERS = 3
PUSH, PULL = f"{API_PREFIX}/sync/push", f"{API_PREFIX}/sync/pull"


@pytest.fixture(scope="module")
def server(postgres_server: Any) -> Iterator[ServerProcess]:
    with ServerProcess(postgres_server.create_database(), workers=WORKERS) as process:
        yield process


def enrolled_device(server: ServerProcess, unit: str, code: str) -> tuple[str, str, int]:
    """(device id, token, desk slot) of a new desk of `unit`, enrolled over HTTP."""
    answer = requests.post(f"{server.url}{API_PREFIX}/enroll", json={"code": code, "device_name": "Quầy thử"}, timeout=60)
    assert answer.status_code == 200, answer.text
    return answer.json()["device_id"], answer.json()["token"], answer.json()["desk_slot"]


def post_on_fresh_connection(url: str, token: str, body: dict[str, Any]) -> requests.Response:
    """One POST on its own connection (so any worker may take it); a 429 is waited out as a counter would."""
    while True:
        answer = requests.post(url, json=body, headers={"Authorization": f"Bearer {token}", "Connection": "close"},
                               timeout=120)
        if answer.status_code != 429:
            return answer
        time.sleep(float(answer.headers.get("Retry-After", "1")))


def count(server: ServerProcess, query: Any) -> int:
    db = open_server_db(server.database_url)
    try:
        with db.session() as s:
            return s.scalar(query) or 0
    finally:
        db.dispose()


def test_all_workers_run_and_share_one_server_epoch(server: ServerProcess) -> None:
    assert len(server.worker_pids()) == WORKERS
    epochs = {requests.get(f"{server.url}{API_PREFIX}/health", headers={"Connection": "close"}, timeout=30)
              .json()["server_epoch"] for _ in range(12)}
    assert len(epochs) == 1


def test_the_same_batch_pushed_at_once_by_many_threads_is_stored_once(server: ServerProcess) -> None:
    unit, code = new_unit(server)
    device_id, token, slot = enrolled_device(server, unit, code)
    ops = [wire(n, OpType.DOSSIER_CREATE, dossier_payload(unit, slot, n)) for n in range(1, 21)]
    body = {"batch_id": str(uuid.uuid4()), "device_epoch": "races-epoch", "ops": ops}
    threads_count = 8
    start = threading.Barrier(threads_count)
    answers: list[requests.Response] = []

    def push() -> None:
        start.wait()
        answers.append(post_on_fresh_connection(f"{server.url}{PUSH}", token, body))

    threads = [threading.Thread(target=push) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [a.status_code for a in answers] == [200] * threads_count, [a.text for a in answers if a.status_code != 200]
    for index, op in enumerate(ops):
        statuses = sorted(a.json()["results"][index]["status"] for a in answers)
        assert statuses == ["accepted"] + ["duplicate"] * (threads_count - 1), (op["seq"], statuses)
    assert count(server, select(func.count()).select_from(OpLedger).where(OpLedger.device_id == device_id)) == 20
    assert count(server, select(func.count()).select_from(Dossier).where(Dossier.unit_code == unit)) == 20


def test_a_reader_pulling_while_writers_on_every_worker_publish_never_skips_a_change(server: ServerProcess) -> None:
    unit, first_code = new_unit(server)
    devices = [enrolled_device(server, unit, first_code)]
    for _ in range(2):
        devices.append(enrolled_device(server, unit, server.enrollment_code(unit)))
    password_hash = hash_password("matkhau-hoa1")
    rounds = 15
    writing = threading.Event()
    writing.set()

    def write(index: int, token: str) -> None:
        for n in range(1, rounds + 1):  # each accepted upsert of a new clerk publishes one change to the unit
            payload = {"username": f"q{index}n{n}", "full_name": "Nguyễn Thị Hoa", "role": "clerk",
                       "password_hash": password_hash, "disabled": False, "version": 1,
                       "changed_at": datetime.now(UTC).isoformat()}
            body = {"batch_id": str(uuid.uuid4()), "device_epoch": f"feed-epoch-{index}",
                    "ops": [wire(n, OpType.ACCOUNT_UPSERT, payload)]}
            answer = post_on_fresh_connection(f"{server.url}{PUSH}", token, body)
            assert answer.status_code == 200 and answer.json()["results"][0]["status"] == "accepted", answer.text

    seen: list[int] = []
    cursor = 0

    def pull_once(token: str) -> bool:
        nonlocal cursor
        answer = requests.get(f"{server.url}{PULL}", params={"after": cursor, "limit": 7}, timeout=60,
                              headers={"Authorization": f"Bearer {token}", "Connection": "close"})
        if answer.status_code == 429:
            return True
        assert answer.status_code == 200, answer.text
        page = answer.json()
        seen.extend(change["seq"] for change in page["changes"])
        cursor = page["last_seq"]
        return page["has_more"]

    writers = [threading.Thread(target=write, args=(i, token)) for i, (_, token, _) in enumerate(devices)]
    for thread in writers:
        thread.start()
    reader_token = devices[0][1]
    while any(thread.is_alive() for thread in writers):
        pull_once(reader_token)
    for thread in writers:
        thread.join()
    while pull_once(reader_token):
        pass
    pull_once(reader_token)
    published = count(server, select(func.count()).select_from(ChangeFeed).where(ChangeFeed.unit_code == unit))
    assert published == rounds * len(devices)
    assert seen == sorted(seen) and len(seen) == len(set(seen)), "the cursor went back or saw a change twice"
    db = open_server_db(server.database_url)
    try:
        with db.session() as s:
            committed = list(s.scalars(select(ChangeFeed.seq).where(ChangeFeed.unit_code.in_([unit]))
                                       .order_by(ChangeFeed.seq)))
    finally:
        db.dispose()
    assert [seq for seq in seen if seq in set(committed)] == committed, "a committed change was skipped"


def _serving_workers(server: ServerProcess) -> list[int]:
    """The workers holding an established connection on the server's port (read from /proc)."""
    established: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == server.port and fields[3] == "01":
                established.add(fields[9])
    holding = []
    for pid in server.worker_pids():
        try:
            links = {os.readlink(fd) for fd in Path(f"/proc/{pid}/fd").iterdir()}
        except OSError:
            continue
        if any(f"socket:[{inode}]" in links for inode in established):
            holding.append(pid)
    return holding


def test_a_rotated_token_used_at_once_on_every_worker_completes_once(server: ServerProcess) -> None:
    """Hello offers a new token; the counter's first requests with it reach several workers at the same time
    (review Q): every one is served, the rotation completes once, and the old token then stops working."""
    unit, code = new_unit(server)
    device_id, old, _slot = enrolled_device(server, unit, code)
    db = open_server_db(server.database_url)
    try:
        with db.session() as s:  # the token is due: issued longer ago than the rotation period
            device = s.get(Device, device_id)
            assert device is not None
            device.token_issued_at = datetime(2020, 1, 1, tzinfo=UTC)
    finally:
        db.dispose()
    hello = post_on_fresh_connection(f"{server.url}{API_PREFIX}/sync/hello", old, {
        "protocol_versions": [1], "schema_versions": [1], "device_epoch": "rotation-race",
        "capabilities": ["token-rotation"]})
    assert hello.status_code == 200, hello.text
    new = hello.json()["new_token"]
    assert new and new != old

    start = threading.Barrier(6)
    statuses: list[int] = []

    def pull() -> None:
        start.wait()
        while True:  # a 429 (the device's rate limit) is waited out as a counter would
            answer = requests.get(f"{server.url}{PULL}", params={"after": 0, "limit": 1}, timeout=120,
                                  headers={"Authorization": f"Bearer {new}", "Connection": "close"})
            if answer.status_code != 429:
                break
            time.sleep(float(answer.headers.get("Retry-After", "1")))
        statuses.append(answer.status_code)

    threads = [threading.Thread(target=pull) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 6
    completed = count(server, select(func.count()).select_from(TokenRotation).where(
        TokenRotation.device_id == device_id, TokenRotation.event == "completed"))
    assert completed == 1
    refused = requests.get(f"{server.url}{PULL}", headers={"Authorization": f"Bearer {old}"}, timeout=60)
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "bad_token"


@pytest.mark.slow
def test_a_worker_killed_mid_push_is_replaced_and_nothing_is_lost_or_doubled(
        server: ServerProcess, fault_proxy: Callable[..., FaultProxy], tmp_path: Path) -> None:
    unit, code = new_unit(server)
    data_dir = tmp_path / "counter"
    db = open_counter(data_dir, unit_code=unit)
    assert generate_demo_dossiers(db, 300, seed=7, queue_for_sync=True) == 300
    proxy = fault_proxy(server.port)
    device_id = enroll(db, proxy.url, code).device_id
    proxy.add_fault(BANDWIDTH, rate=12_000, latency=0.05)  # a 2G modem: each push body takes seconds
    workers_before = server.worker_pids()
    reports = []
    sync = threading.Thread(target=lambda: reports.append(
        SyncRunner(db, data_dir, base_delay=0.05, max_delay=0.5).run_once()))
    sync.start()
    in_ledger = select(func.count()).select_from(OpLedger).where(OpLedger.device_id == device_id)
    killed: list[int] = []
    while not killed:  # once a batch is committed, kill the worker that holds the connection of the next
        assert sync.is_alive(), f"the sync ended before a worker could be killed: {reports}"
        serving = _serving_workers(server) if count(server, in_ledger) > 0 else []
        if serving:
            os.kill(serving[0], signal.SIGKILL)
            killed.append(serving[0])
        time.sleep(0.05)
    sync.join()
    proxy.clear_faults()
    for _ in range(4):  # a run that used up its attempts on the dead worker is simply run again
        if reports[-1].ok and count(server, in_ledger) == 300:
            break
        reports.append(SyncRunner(db, data_dir, base_delay=0.05, max_delay=0.5).run_once())
    while len(server.worker_pids()) < WORKERS or killed[0] in server.worker_pids():
        time.sleep(0.1)  # the supervisor replaces the dead worker
    assert killed[0] in workers_before and len(server.worker_pids()) == WORKERS
    assert count(server, in_ledger) == 300
    assert count(server, select(func.count()).select_from(Dossier).where(Dossier.unit_code == unit)) == 300
    with db.read() as session:
        assert get_state(session).last_error in (None, "")  # type: ignore[union-attr]
    check_all(server.database_url, [db])
    assert load_token(device_id)
    db.close()


def test_failure_budgets_are_shared_out_between_workers_and_per_client_limits_are_not() -> None:
    one = GuardSettings()
    each = settings_for_workers(one, 4)
    assert each.auth_failures_burst * 4 >= one.auth_failures_burst > (each.auth_failures_burst - 1) * 4
    assert each.enroll_failures_per_second * 4 == pytest.approx(one.enroll_failures_per_second)
    assert each.reports_at_once == 1 and each.enrolments_at_once == 1
    assert (each.device_per_second, each.device_burst, each.large_bodies_at_once) == (
        one.device_per_second, one.device_burst, one.large_bodies_at_once)
    assert settings_for_workers(one, 1) == one


@pytest.mark.slow
def test_an_idle_connection_stays_open_longer_than_a_clients_idle_expiry(server: ServerProcess) -> None:
    """The server never closes a keep-alive connection a client may be reusing at that moment (the first
    500-counter run's ReadErrors): it keeps an idle one longer than httpx's own 5 s idle expiry, and the
    next request on that same connection is answered."""
    client_idle_expiry = 5.0  # httpx's default keepalive_expiry; uvicorn's own default keep-alive was also 5 s
    assert client_idle_expiry < KEEP_ALIVE_SECONDS
    request = f"GET {API_PREFIX}/health HTTP/1.1\r\nHost: {server.host}\r\n\r\n".encode()
    with socket.create_connection((server.host, server.port), timeout=30) as connection:
        answers = []
        for pause in (0.0, client_idle_expiry + 1):
            time.sleep(pause)  # the connection lies idle past the client's expiry (and uvicorn's default)
            connection.sendall(request)
            answer = b""
            while b"\r\n\r\n" not in answer or not answer.endswith(b"}"):
                piece = connection.recv(65536)
                assert piece, "the server closed the idle connection"
                answer += piece
            answers.append(answer.split(b" ", 2)[1])
    assert answers == [b"200", b"200"]

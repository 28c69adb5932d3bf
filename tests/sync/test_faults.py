"""A real counter syncs with a real server through a misbehaving link (sync-anchors.md §7, 1-6, 9, 25).

Every scenario runs against a SQLite and a PostgreSQL server database, and against three server
processes on one PostgreSQL database (`serve --workers 3`). Faults come from the fault
proxy on real sockets, or from SIGKILL on a real counter process; the code under test is never patched.
After each scenario the global invariants are checked on both databases (tests/sync/invariants.py).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from counter_app.domain.lifecycle import Status
from counter_app.services.demo_data import generate_demo_dossiers
from counter_app.services.dossiers import change_status
from counter_app.services.intake import IntakeRequest, PersonInput, receive_dossier
from counter_app.storage.database import Database
from counter_app.storage.models import OutboxOp
from counter_app.storage.sync_store import get_state, queue_summary
from sync.client.enrollment import enroll
from sync.client.runner import SyncReport, SyncRunner
from sync.server.admin import import_catalog
from sync.server.feed import last_change_seq
from sync.server.models import OpLedger
from tests.conftest import open_counter
from tests.sync.faultproxy import (
    BANDWIDTH,
    DELAY,
    DISCONNECT_AFTER_BYTES,
    DROP_AFTER_FORWARD,
    DROP_BEFORE_FORWARD,
    HTML_200,
    STATUS_502,
    TRUNCATE_RESPONSE,
    FaultProxy,
)
from tests.sync.harness import ROOT, ServerProcess, backend_url, new_unit
from tests.sync.invariants import check_all, open_server_db

PUSH, PULL, HELLO = "/api/v1/sync/push", "/api/v1/sync/pull", "/api/v1/sync/hello"
CATALOG = ROOT / "resources" / "catalog" / "sample-catalog.json"
DOSSIERS = 30


@pytest.fixture(scope="module", params=["sqlite", "postgres", "postgres-3-workers"])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """One real server per backend for the module (and `serve --workers 3` on PostgreSQL); each scenario
    gets its own unit on it."""
    url = backend_url(request, tmp_path_factory)
    with ServerProcess(url, workers=3 if request.param.endswith("workers") else 1) as process:
        db = open_server_db(url)
        with db.session() as s:
            import_catalog(s, CATALOG, datetime.now(UTC))
        db.dispose()
        yield process


def busy_counter(data_dir: Path, unit: str, dossiers: int = DOSSIERS) -> Database:
    """A counter that worked offline: `dossiers` received, some moved on (one op each, plus two-step ones)."""
    db = open_counter(data_dir, unit_code=unit)
    codes = [
        receive_dossier(db, IntakeRequest("1.001193", PersonInput(full_name=f"Nguyễn Văn Đức {i}", id_number="049090001234",
                                                                  phone="0905123456", street="12 Lê Lợi"))).code
        for i in range(dossiers)
    ]
    for code in codes[:8]:
        change_status(db, code, Status.PROCESSING, actor="Trần Thị Mai")
    for code in codes[:3]:
        change_status(db, code, Status.RESULT_READY, actor="Trần Thị Mai", note="Có kết quả")
    return db


def outbox_states(db: Database) -> dict[str, int]:
    with db.read() as session:
        return dict(session.execute(select(OutboxOp.state, func.count()).group_by(OutboxOp.state)).all())


def ledger_count(server: ServerProcess, device_id: str) -> int:
    db = open_server_db(server.database_url)
    try:
        with db.session() as s:
            return s.scalar(select(func.count()).select_from(OpLedger).where(OpLedger.device_id == device_id)) or 0
    finally:
        db.dispose()


def visible_changes(server: ServerProcess, unit: str) -> int:
    db = open_server_db(server.database_url)
    try:
        with db.session() as s:
            return last_change_seq(s, unit)
    finally:
        db.dispose()


@dataclass
class Probe:
    """Runs in the runner's backoff (its `sleep` hook): what both sides held right after a failed attempt."""

    db: Database
    server: ServerProcess
    device_id: str
    seen: list[dict[str, Any]] = field(default_factory=list)

    def __call__(self, seconds: float) -> None:
        with self.db.read() as session:
            state = get_state(session)
            assert state is not None
            cursor = state.pull_cursor
        self.seen.append({"outbox": outbox_states(self.db), "ledger": ledger_count(self.server, self.device_id),
                          "cursor": cursor})
        time.sleep(seconds)


@dataclass(frozen=True)
class Scenario:
    name: str
    faults: tuple[tuple[str, dict[str, Any]], ...]
    failed_attempts: int  # attempts the faults spoil before one gets through
    committed_first: bool = False  # the spoiled push reached the server and was committed there
    first_failure: str = "push"  # which step the first spoiled attempt broke: hello | push | pull
    error_text: str = ""  # part of the Vietnamese message the clerk sees for the spoiled attempt


SCENARIOS = [
    Scenario("drop_before_forward", ((DROP_BEFORE_FORWARD, {"times": 2, "path_prefix": PUSH}),), 2),
    Scenario("drop_after_forward", ((DROP_AFTER_FORWARD, {"times": 1, "path_prefix": PUSH}),), 1, committed_first=True),
    Scenario("status_502", ((STATUS_502, {"times": 2, "path_prefix": PUSH}),), 2, error_text="HTTP 502"),
    Scenario("html_200", ((HTML_200, {"times": 1, "path_prefix": PUSH}),), 1, error_text="trang đăng nhập Wi-Fi"),
    Scenario("truncate_response", ((TRUNCATE_RESPONSE, {"times": 1, "path_prefix": PUSH}),), 1, committed_first=True),
    Scenario("disconnect_mid_body", ((DISCONNECT_AFTER_BYTES, {"times": 1, "path_prefix": PUSH, "after_bytes": 500}),), 1),
    Scenario("hello_502_then_portal", ((STATUS_502, {"times": 1, "path_prefix": HELLO}),
                                       (HTML_200, {"times": 1, "path_prefix": HELLO})), 2, first_failure="hello"),
    Scenario("pull_lost_and_truncated", ((DROP_AFTER_FORWARD, {"times": 1, "path_prefix": PULL}),
                                         (TRUNCATE_RESPONSE, {"times": 1, "path_prefix": PULL})), 2, first_failure="pull"),
    Scenario("pull_captive_portal", ((HTML_200, {"times": 1, "path_prefix": PULL}),), 1, first_failure="pull",
             error_text="trang đăng nhập Wi-Fi"),
    Scenario("slow_link", ((DELAY, {"seconds": 0.2}), (BANDWIDTH, {"rate": 40_000, "latency": 0.05})), 0),
]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_sync_through_faulty_link(server: ServerProcess, fault_proxy: Callable[..., FaultProxy], tmp_path: Path,
                                  scenario: Scenario) -> None:
    unit, code = new_unit(server)
    data_dir = tmp_path / "counter"
    db = busy_counter(data_dir, unit)
    ops_total = sum(outbox_states(db).values())
    assert ops_total == DOSSIERS + 8 + 3
    proxy = fault_proxy(server.port)
    device_id = enroll(db, proxy.url, code).device_id
    for fault, options in scenario.faults:
        proxy.add_fault(fault, **options)
    probe = Probe(db, server, device_id)
    runner = SyncRunner(db, data_dir, base_delay=0.01, max_delay=0.1, sleep=probe)

    report = runner.run_once()

    assert report.ok, report.errors
    assert report.attempts == scenario.failed_attempts + 1, report.errors
    assert len(probe.seen) == scenario.failed_attempts
    assert len(report.errors) == scenario.failed_attempts
    if scenario.error_text:
        assert scenario.error_text in report.errors[0]
    fired = proxy.stats().faults_fired
    for fault, options in scenario.faults:
        assert fired.get(fault, 0) >= options.get("times", 1)
    assert report.pushed == ops_total and report.rejected == 0 and report.conflicts == 0
    assert report.pulled == visible_changes(server, unit)

    if scenario.failed_attempts:
        first = probe.seen[0]
        if scenario.first_failure == "hello":
            # Nothing was handed over: the ops are still pending, the server has none of them.
            assert first["outbox"] == {"pending": ops_total} and first["ledger"] == 0
        elif scenario.first_failure == "push":
            # Never taken as an ack: every op of the batch is still in flight, none acked.
            assert first["outbox"] == {"in_flight": ops_total}, first
            # Committed-then-lost pushes are on the server already; the others never reached it (no partial batch).
            assert first["ledger"] == (ops_total if scenario.committed_first else 0)
        else:
            # Pushed and acked before the pull failed; the failed page moved no cursor.
            assert first["outbox"] == {"acked": ops_total} and first["ledger"] == ops_total
            assert first["cursor"] == 0
    if scenario.committed_first:
        assert report.duplicates == ops_total  # the re-send was recognised, not applied again
    elif scenario.first_failure == "push":
        assert report.duplicates == 0

    again = runner.run_once()
    assert again.ok and again.pushed == 0 and again.pulled == 0 and again.attempts == 1
    check_all(server.database_url, [db])
    with db.read() as session:
        state = get_state(session)
        assert state is not None and state.pull_cursor == visible_changes(server, unit)
        assert state.last_error is None and state.last_success_at is not None
    db.close()


def test_captive_portal_never_counts_as_sync(server: ServerProcess, fault_proxy: Callable[..., FaultProxy],
                                            tmp_path: Path) -> None:
    """A run that only ever met the Wi-Fi portal reports failure, stores nothing as sent, and loses nothing."""
    unit, code = new_unit(server)
    data_dir = tmp_path / "counter"
    db = busy_counter(data_dir, unit, dossiers=5)
    proxy = fault_proxy(server.port)
    device_id = enroll(db, proxy.url, code).device_id
    proxy.add_fault(HTML_200, path_prefix=PUSH)  # until removed
    runner = SyncRunner(db, data_dir, max_attempts=3, base_delay=0.01, max_delay=0.1)

    report = runner.run_once()

    assert not report.ok and report.pushed == 0 and report.attempts == 3
    assert all("Wi-Fi" in error for error in report.errors)
    assert set(outbox_states(db)) == {"in_flight"}
    assert ledger_count(server, device_id) == 0
    with db.read() as session:
        state = get_state(session)
        assert state is not None and state.last_success_at is None and "Wi-Fi" in (state.last_error or "")
    proxy.clear_faults()
    assert runner.run_once().ok
    check_all(server.database_url, [db])
    db.close()


# -- a counter process killed in the middle of a sync -----------------------------------------------


def _run_counter_sync(data_dir: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "counter_app", "--data-dir", str(data_dir), "sync", "--once", "--json"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8",
                            env=dict(os.environ))


@pytest.mark.slow
def test_counter_killed_mid_sync_then_restarted(server: ServerProcess, fault_proxy: Callable[..., FaultProxy],
                                                tmp_path: Path) -> None:
    unit, code = new_unit(server)
    data_dir = tmp_path / "counter"
    db = open_counter(data_dir, unit_code=unit)
    assert generate_demo_dossiers(db, 300, seed=7, queue_for_sync=True) == 300
    proxy = fault_proxy(server.port)
    device_id = enroll(db, proxy.url, code).device_id
    db.close()
    # A 2G modem whose answers to pushes crawl (60 B/s): a push's short answer takes seconds to come back,
    # so the kill below lands after the server committed and before the counter stored the answer, however
    # busy the machine (a compact answer at the upload's speed arrived before a poll could see the commit).
    proxy.add_fault(BANDWIDTH, rate=12_000, down_rate=60, latency=0.05, path_prefix=PUSH)

    process = _run_counter_sync(data_dir)
    deadline = time.monotonic() + 90
    try:
        # Kill once the server has committed a pushed batch, while its answer is still on the slow link.
        while ledger_count(server, device_id) == 0:
            assert process.poll() is None, f"sync ended before it could be killed: {process.communicate()}"
            assert time.monotonic() < deadline, "the first push never reached the server"
            time.sleep(0.05)
        lock_pid = (data_dir / "sync.lock").read_text()
        os.kill(process.pid, signal.SIGKILL)
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=30)
    assert process.returncode == -signal.SIGKILL
    assert lock_pid == str(process.pid)  # the dead process's lock file is left behind

    db = Database.open(data_dir)
    committed = ledger_count(server, device_id)
    states = outbox_states(db)
    # The crash hit the window between "server committed" and "counter stored the answer".
    assert states.get("in_flight", 0) >= committed > 0 and states.get("acked", 0) == 0, (states, committed)
    assert server.stats()[unit]["dossiers"] == committed
    db.close()

    proxy.clear_faults()
    rerun = _run_counter_sync(data_dir)
    out, err = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, err  # no stale lock, no manual repair
    report = SyncReport(**json.loads(out.strip().splitlines()[-1]))
    assert report.ok and report.pushed == 300 and report.duplicates == committed

    db = Database.open(data_dir)
    check_all(server.database_url, [db])
    with db.read() as session:
        summary = queue_summary(session)
        assert summary.pending == summary.in_flight == summary.rejected == summary.conflict == 0
    assert server.stats()[unit]["dossiers"] == 300
    db.close()

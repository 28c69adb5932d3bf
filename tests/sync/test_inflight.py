"""Work that meets a sync in flight (sync-anchors.md §7.12 and §7.9), on a SQLite and a PostgreSQL server.

The fault proxy holds a push on the wire (a `delay` fault), so a sync run is really in flight while the
test acts: the clerk edits a dossier whose create operation is in the held batch (§7.12), or a second
sync of the same data folder starts in another thread and as a separate `counter-app sync --once`
process (§7.9). Real server process, real counter databases, real sockets; nothing is patched.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from counter_app.domain.lifecycle import Status
from counter_app.services.dossiers import change_status
from counter_app.services.intake import IntakeRequest, PersonInput, receive_dossier
from counter_app.storage.database import Database
from counter_app.storage.models import OutboxOp
from sync.client.enrollment import enroll
from sync.client.lock import SyncAlreadyRunning
from sync.client.runner import SyncReport, SyncRunner
from sync.server.models import Dossier, OpLedger
from tests.conftest import open_counter
from tests.sync.faultproxy import DELAY, DROP_AFTER_FORWARD, FaultProxy, ProxyStats
from tests.sync.harness import ServerProcess, backend_url, counter_cli, new_unit
from tests.sync.invariants import check_all, check_counter, open_server_db

PUSH, HELLO = "/api/v1/sync/push", "/api/v1/sync/hello"


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """One real server per backend for the module; each test gets its own unit on it."""
    url = backend_url(request, tmp_path_factory)
    with ServerProcess(url) as process:
        yield process


def receive(db: Database, name: str) -> str:
    return receive_dossier(db, IntakeRequest("1.001193", PersonInput(
        full_name=name, id_number="049090001234", phone="0905123456", street="12 Lê Lợi"))).code


def outbox(db: Database) -> list[OutboxOp]:
    with db.read() as session:
        return list(session.scalars(select(OutboxOp).order_by(OutboxOp.seq)))


def ledger(server: ServerProcess, device_id: str) -> dict[str, OpLedger]:
    """The server's ledger rows of this device, by op_id (each op_id at most once: a unique constraint)."""
    db = open_server_db(server.database_url)
    try:
        with db.session() as s:
            rows = list(s.scalars(select(OpLedger).where(OpLedger.device_id == device_id)))
            s.expunge_all()
    finally:
        db.dispose()
    ids = [row.op_id for row in rows]
    assert len(ids) == len(set(ids)), "an op is twice in the server's ledger"
    return {row.op_id: row for row in rows}


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.02)


class Background:
    """A sync run in a thread; the report (or the exception) is kept for the test."""

    def __init__(self, run: Callable[[], SyncReport]) -> None:
        self.report: SyncReport | None = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._main, args=(run,), name="sync-under-test", daemon=True)
        self.thread.start()

    def _main(self, run: Callable[[], SyncReport]) -> None:
        try:
            self.report = run()
        except BaseException as exc:  # handed to the test thread
            self.error = exc

    def result(self, timeout: float = 60.0) -> SyncReport:
        self.thread.join(timeout)
        assert not self.thread.is_alive(), "the sync run did not end"
        if self.error is not None:
            raise self.error
        assert self.report is not None
        return self.report


def push_held(proxy: FaultProxy) -> bool:
    return proxy.stats().faults_fired.get(DELAY, 0) >= 1


def still_held(proxy: FaultProxy, held: ProxyStats) -> bool:
    """Nothing new reached the proxy and nothing more was answered since `held`: the push is still on the wire."""
    now = proxy.stats()
    return (now.requests_seen, now.responses_relayed) == (held.requests_seen, held.responses_relayed)


# -- §7.12 edit while uploading ---------------------------------------------------------------------


@pytest.mark.parametrize("answer_lost", [False, True], ids=["acked", "answer_lost"])
def test_edit_while_create_is_in_flight_is_not_acked_by_the_old_answer(
    server: ServerProcess, fault_proxy: Callable[..., FaultProxy], tmp_path: Path, answer_lost: bool
) -> None:
    """The clerk moves a dossier on while its create op is on the wire. The answer to that batch acks the
    create only; the status op is acked only once the server has it in its ledger; the create op as sent is
    never rewritten. With `answer_lost` the held batch commits but its answer never arrives (the retry
    carries both ops under a new batch id)."""
    unit, code = new_unit(server)
    data_dir = tmp_path / "counter"
    db = open_counter(data_dir, unit_code=unit)
    dossier_code = receive(db, "Nguyễn Văn Đức")
    proxy = fault_proxy(server.port)
    device_id = enroll(db, proxy.url, code).device_id
    [create] = outbox(db)
    assert create.op_type == "dossier.create" and create.state == "pending"
    proxy.add_fault(DELAY, times=1, seconds=1.0, path_prefix=PUSH)  # held ~1 s each way
    if answer_lost:
        proxy.add_fault(DROP_AFTER_FORWARD, times=1, path_prefix=PUSH)
    runner = SyncRunner(db, data_dir, max_attempts=3, base_delay=0.01, max_delay=0.05)

    first = Background(runner.run_once)
    wait_until(lambda: push_held(proxy), "the push is held by the proxy")
    held = proxy.stats()
    [sent] = outbox(db)
    assert sent.state == "in_flight" and sent.batch_id

    change_status(db, dossier_code, Status.PROCESSING, actor="Trần Thị Mai", note="Chuyển xử lý")

    assert still_held(proxy, held), "the edit must happen while the push is still in flight"
    during = outbox(db)
    assert [(op.op_type, op.state) for op in during] == [("dossier.create", "in_flight"), ("dossier.status", "pending")]
    status_op = during[1]
    assert status_op.batch_id is None and status_op.base_version == 1
    # The record already submitted is not mutated in place: the in-flight op is byte for byte what was sent.
    assert (during[0].op_id, during[0].payload, during[0].payload_hash) == (create.op_id, create.payload,
                                                                           create.payload_hash)

    report = first.result()

    assert report.ok, report.errors
    assert report.rejected == report.conflicts == 0
    after = {op.op_id: op for op in outbox(db)}
    on_server = ledger(server, device_id)
    assert after[create.op_id].state == "acked"
    assert on_server[create.op_id].payload_hash == create.payload_hash
    edited = after[status_op.op_id]
    # The held batch's answer did not cover the edit: whatever acked it, it was another batch.
    assert edited.batch_id != sent.batch_id
    assert edited.state in ("pending", "acked"), edited.state
    if edited.state == "acked":
        assert status_op.op_id in on_server, "status op marked acked without a ledger row on the server"
        assert on_server[status_op.op_id].status == "accepted"
        assert on_server[status_op.op_id].payload_hash == status_op.payload_hash
    else:
        assert status_op.op_id not in on_server
    assert report.pushed == 1 + (edited.state == "acked")
    assert report.duplicates == (1 if answer_lost else 0)  # the create's replay, recognised by op_id
    check_counter(server.database_url, db, drained=False)

    second = runner.run_once()

    assert second.ok and second.duplicates == 0 and second.rejected == second.conflicts == 0
    assert second.pushed == (1 if edited.state == "pending" else 0)
    final = {op.op_id: op for op in outbox(db)}
    assert {op.state for op in final.values()} == {"acked"}
    assert set(ledger(server, device_id)) == set(final)
    check_all(server.database_url, [db])
    reader = open_server_db(server.database_url)
    try:
        with reader.session() as s:
            row = s.scalars(select(Dossier).where(Dossier.code == dossier_code)).one()
            assert (row.status, row.version) == (int(Status.PROCESSING), 2)
    finally:
        reader.dispose()
    db.close()


# -- §7.9 single flight ----------------------------------------------------------------------------------


def test_second_sync_of_the_same_folder_is_refused_while_one_is_in_flight(
    server: ServerProcess, fault_proxy: Callable[..., FaultProxy], tmp_path: Path
) -> None:
    """A sync is held on the wire; another thread (its own database connection, like the GUI timer) and a
    separate `counter-app sync --once` process start on the same data folder. Both are refused before
    sending anything; the first run sends every op once."""
    unit, code = new_unit(server)
    data_dir = tmp_path / "counter"
    db = open_counter(data_dir, unit_code=unit)
    for name in ("Nguyễn Văn Đức", "Lê Thị Hoa", "Phạm Minh Tuấn"):
        receive(db, name)
    proxy = fault_proxy(server.port)
    device_id = enroll(db, proxy.url, code).device_id
    proxy.add_fault(DELAY, times=1, seconds=2.0, path_prefix=PUSH)  # held ~2 s each way
    first = Background(SyncRunner(db, data_dir, max_attempts=1).run_once)
    wait_until(lambda: push_held(proxy), "the push is held by the proxy")
    held = proxy.stats()

    other_db = Database.open(data_dir)
    second = Background(SyncRunner(other_db, data_dir, max_attempts=1).run_once)
    with pytest.raises(SyncAlreadyRunning):
        second.result(timeout=30)
    process = counter_cli(data_dir, "sync", "--once", check=False)

    # Refused while the first push was still on the wire, and without sending a single request.
    assert still_held(proxy, held), "the first sync was not in flight throughout (or a refused one sent a request)"
    assert process.returncode != 0
    assert "Một phiên đồng bộ khác đang chạy" in process.stderr, process.stderr

    report = first.result()

    assert report.ok, report.errors
    assert report.pushed == 3 and report.duplicates == 0 and report.attempts == 1
    requests = proxy.stats().requests
    assert sum(r.path.startswith(PUSH) for r in requests) == 1
    assert sum(r.path.startswith(HELLO) for r in requests) == 1
    ops = outbox(db)
    assert {op.state for op in ops} == {"acked"}
    assert set(ledger(server, device_id)) == {op.op_id for op in ops}  # each op once (unique per op_id)
    # The refusals left no lock behind: the next sync (from the other connection) runs and has nothing to send.
    again = SyncRunner(other_db, data_dir, max_attempts=1).run_once()
    assert again.ok and again.pushed == 0 and again.duplicates == 0
    check_all(server.database_url, [db])
    other_db.close()
    db.close()

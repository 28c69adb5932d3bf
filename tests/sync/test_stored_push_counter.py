"""Stored pushes from the counter's side (issue 13, sync/client/push.py, sync/client/stored_push.py) against a
real `provincial-server` process, through the project's fault proxy where the link matters: a long backlog is
stored over a fast link and pushed over a slow one; a cut store or a cut answer loses nothing and sends nothing
twice; hostile answers to an earlier run's batches cost one run; batches the province forgot are sent again; a
poisoned backlog withdraws the poison; the answers a store carries are read without asking for them.
The server's side: tests/sync/test_stored_push.py."""

from __future__ import annotations

import collections
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from counter_app.services.demo_data import generate_demo_dossiers
from counter_app.storage.database import Database
from counter_app.storage.profile import get_profile
from sync.client import stored_push
from sync.client.batch_size import LARGEST_BATCH_BYTES, BatchSizer
from sync.client.enrollment import enroll
from sync.client.push import ANSWER_WAIT_SECONDS, STORED_BACKLOG_OPS, Pusher
from sync.client.runner import STORE_WITHIN_SECONDS, SyncReport, SyncRunner
from sync.client.stored_push import STALL_SECONDS, STALLED
from sync.client.transport import TransientError, Transport
from sync.protocol import Limits, PushResponse, StoredBatch
from sync.server.db import ServerDatabase
from sync.server.models import OpLedger, StoredPush
from tests.conftest import UNIT_CODE, open_counter
from tests.sync.faultproxy import (
    DELAY,
    DROP_AFTER_FORWARD,
    HTML_200,
    STATUS_502,
    TRUNCATE_RESPONSE,
    FaultProxy,
)
from tests.sync.harness import ServerProcess, new_unit
from tests.sync.invariants import check_all
from tests.sync.test_inflight import ledger, outbox, receive, wait_until
from tests.sync.test_poisoned_outbox import poisons
from tests.sync.test_request_cost import ManualClock
from tests.sync.test_stored_push import INBOX, answer_of, outbox_states, prepared, store
from tests.sync.test_wire_server import Desk

pytestmark = pytest.mark.slow  # server processes and counters' backlogs


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    directory = tmp_path_factory.mktemp("stored-push-counter")
    with ServerProcess(f"sqlite:///{directory / 'server.sqlite'}") as process:
        process.admin("create-unit", "--code", UNIT_CODE, "--name", "UBND phường Hải Châu")
        yield process


def backlog_counter(server: ServerProcess, url: str, data_dir: Path, dossiers: int) -> tuple[Database, str]:
    """A counter of a fresh unit with `dossiers` demo dossiers waiting, enrolled through `url` (a proxy)."""
    unit, code = new_unit(server)
    db = open_counter(data_dir, unit_code=unit)
    generate_demo_dossiers(db, dossiers, seed=31, queue_for_sync=True)
    return db, enroll(db, url, code).device_id


@pytest.mark.parametrize("cut", ["store", "answer", "answer, then a slow link"])
def test_the_counter_stores_a_long_backlog_and_a_cut_loses_nothing(
        server: ServerProcess, fault_proxy: Callable[..., FaultProxy], tmp_path: Path, cut: str) -> None:
    """A backlog past STORED_BACKLOG_OPS goes as stored batches (the runner sees the capability in hello). The
    proxy cuts the link once after the server has taken the request, before its answer arrives: a store (the
    batch is kept; storing stops, the counter asks for that batch's answer, then pushes the rest) or the fetch
    of an answer (every batch was stored; the run ends, and the next run asks for the answers before it sends
    anything, over a slow link too, where it would not store). Either way nothing the province holds goes up
    again: no operation is answered as a replay, and after an answer cut the next run sends no push body at
    all. Every operation ends in the ledger once, the outbox all acknowledged."""
    proxy = fault_proxy(server.port)
    count = STORED_BACKLOG_OPS + 300
    data_dir = tmp_path / "desk"
    db, device_id = backlog_counter(server, proxy.url, data_dir, count)
    proxy.add_fault(DROP_AFTER_FORWARD, times=1, path_prefix=INBOX, method="POST" if cut == "store" else "GET")
    runner = SyncRunner(db, data_dir, max_attempts=1)
    runner.batch_bytes = 150_000  # batches of about 100 dossiers: the backlog is many batches
    reports = [runner.run_once()]
    if cut != "store":
        assert not reports[0].ok and reports[0].stored_batches >= 2, reports[0]
    if cut == "answer, then a slow link":  # the next run does not store, but still asks for the answers
        proxy.add_fault(DELAY, seconds=STORE_WITHIN_SECONDS + 0.1, path_prefix="/api/v1/sync/hello")
    while not reports[-1].ok and len(reports) < 20:
        time.sleep(0.2)
        reports.append(runner.run_once())
    assert reports[-1].ok, [r.errors for r in reports]
    rows = outbox(db)
    assert {op.state for op in rows} == {"acked"} and len(rows) == count
    assert set(ledger(server, device_id)) == {op.op_id for op in rows}  # each once: the ledger's unique key
    assert sum(r.duplicates for r in reports) == 0, [r.duplicates for r in reports]
    if cut != "store":
        assert len(reports) == 2 and reports[1].push_body_bytes == 0, reports[1]
        unread = reports[0].stored_batches - reports[0].stored_answers_carried  # answers not carried by a store
        assert unread >= 1 and reports[1].stored_batches_answered_later == unread, reports[0]
    check_all(server.database_url, [db])
    db.close()


class BatchSizes(logging.Handler):
    """The raw bytes of each batch the counter sends, from the push's own debug line (`Pusher._send`), read on
    its logger (not through the root logger and pytest's capture, which other tests' logging setup may change)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.sizes: list[int] = []

    def emit(self, record: logging.LogRecord) -> None:
        if isinstance(record.msg, str) and record.msg.startswith("Gói %d thao tác") and record.args:
            self.sizes.append(int(record.args[1]))  # type: ignore[index]


def test_a_stored_backlog_goes_in_batches_larger_than_a_push_may_be(server: ServerProcess, tmp_path: Path) -> None:
    """Stored batches are kept compressed and applied later, so they grow past a push's largest
    (LARGEST_BATCH_BYTES, the guard's large-body mark) up to the stored bound the province's limits give
    (BatchSizer.stored_largest_bytes); each is applied, and the next run's pushes start from a push's size."""
    data_dir = tmp_path / "desk"
    db, device_id = backlog_counter(server, server.url, data_dir, STORED_BACKLOG_OPS + 800)
    runner = SyncRunner(db, data_dir, max_attempts=1)
    push_log, batches = logging.getLogger("sync.client.push"), BatchSizes()
    level = push_log.level
    push_log.setLevel(logging.DEBUG)  # (setLevel, not the attribute: it also clears the loggers' enabled cache)
    push_log.addHandler(batches)
    try:
        report = runner.run_once()
    finally:
        push_log.removeHandler(batches)
        push_log.setLevel(level)
    assert report.ok and report.stored_batches >= 2, report
    assert len(batches.sizes) == report.stored_batches  # every batch stored: nothing left to push
    assert LARGEST_BATCH_BYTES < max(batches.sizes) <= BatchSizer.for_limits(Limits()).stored_largest_bytes, batches.sizes
    assert runner.batch_bytes == LARGEST_BATCH_BYTES
    assert {op.state for op in outbox(db)} == {"acked"} and len(ledger(server, device_id)) == STORED_BACKLOG_OPS + 800
    db.close()


def answer_cut(server: ServerProcess, proxy: FaultProxy, data_dir: Path, count: int
               ) -> tuple[Database, str, SyncRunner, SyncReport]:
    """A counter's backlog of `count` operations stored in batches of about 100 dossiers through `proxy`, the
    first answer asked for cut after the server sent it: the counter, its device id, its runner, and the
    report of that failed run."""
    db, device_id = backlog_counter(server, proxy.url, data_dir, count)
    proxy.add_fault(DROP_AFTER_FORWARD, times=1, path_prefix=INBOX, method="GET")
    runner = SyncRunner(db, data_dir, max_attempts=1)
    runner.batch_bytes = 150_000
    first = runner.run_once()
    assert not first.ok and first.stored_batches >= 2, first
    return db, device_id, runner, first


@pytest.mark.parametrize("fault", [HTML_200, STATUS_502, TRUNCATE_RESPONSE])
def test_a_hostile_answer_to_an_earlier_batch_costs_a_run_and_nothing_else(
        server: ServerProcess, fault_proxy: Callable[..., FaultProxy], tmp_path: Path, fault: str) -> None:
    """Every batch stored, the answer cut; when the next run asks for the earlier answers, what comes back is a
    captive portal's page (200, HTML), a proxy's 502 or an answer cut short. That run ends with an error and
    changes no operation's state; the run after it reads the real answers: nothing sent twice, nothing lost."""
    proxy = fault_proxy(server.port)
    count = STORED_BACKLOG_OPS + 300
    db, device_id, runner, first = answer_cut(server, proxy, tmp_path / "desk", count)
    before = collections.Counter(op.state for op in outbox(db))
    proxy.add_fault(fault, times=1, path_prefix=INBOX, method="GET")
    hostile = runner.run_once()
    assert not hostile.ok and hostile.errors, hostile
    assert hostile.stored_batches_answered_later == 0 and hostile.push_body_bytes == 0, hostile
    assert collections.Counter(op.state for op in outbox(db)) == before
    last = runner.run_once()
    assert last.ok, last.errors
    unread = first.stored_batches - first.stored_answers_carried
    assert last.stored_batches_answered_later == unread and last.duplicates == 0, (first, last)
    rows = outbox(db)
    assert {op.state for op in rows} == {"acked"} and len(rows) == count
    assert set(ledger(server, device_id)) == {op.op_id for op in rows}
    db.close()


def test_batches_the_province_no_longer_holds_are_sent_again_by_the_next_run(
        server: ServerProcess, fault_proxy: Callable[..., FaultProxy], tmp_path: Path) -> None:
    """Every batch stored, the answer cut, and the province then forgot them (answers are kept 7 days; here
    deleted once applied): the next run hears 404 for each batch whose answer no store carried, sends their
    operations again, and the ledger answers the replays. Nothing lost, nothing applied twice."""
    proxy = fault_proxy(server.port)
    count = STORED_BACKLOG_OPS + 300
    db, device_id, runner, first = answer_cut(server, proxy, tmp_path / "desk", count)
    mine = StoredPush.device_id == device_id
    server_db = ServerDatabase(server.database_url)
    try:
        def all_applied() -> bool:
            with server_db.session() as session:
                return not session.scalar(select(func.count()).where(mine, StoredPush.answered_at.is_(None)))

        wait_until(all_applied, "the stored batches are applied", timeout=120)
        with server_db.session() as session:
            session.execute(StoredPush.__table__.delete().where(mine))
    finally:
        server_db.dispose()
    second = runner.run_once()
    assert second.ok, second.errors
    unread = count - first.pushed  # operations whose answers no store carried in the first run
    assert unread > 0 and second.stored_batches_answered_later == 0 and second.duplicates == unread, (first, second)
    rows = outbox(db)
    assert {op.state for op in rows} == {"acked"} and len(rows) == count
    assert set(ledger(server, device_id)) == {op.op_id for op in rows}
    check_all(server.database_url, [db])
    db.close()


@pytest.mark.parametrize("link", ["fast", "slow"])
def test_a_long_backlog_is_stored_over_a_fast_link_and_pushed_over_a_slow_one(
        server: ServerProcess, fault_proxy: Callable[..., FaultProxy], tmp_path: Path, link: str) -> None:
    """Over loopback the backlog is stored and every answer read in the same run; where hello takes longer than
    STORE_WITHIN_SECONDS (the proxy holds it, as 2G's latency would) the same backlog is pushed."""
    proxy = fault_proxy(server.port)
    db, device_id = backlog_counter(server, proxy.url, tmp_path / "desk", STORED_BACKLOG_OPS)
    if link == "slow":
        proxy.add_fault(DELAY, seconds=STORE_WITHIN_SECONDS + 0.1, path_prefix="/api/v1/sync/hello")
    report = SyncRunner(db, tmp_path / "desk", max_attempts=1).run_once()
    assert report.ok, report.errors
    assert report.pushed == STORED_BACKLOG_OPS and report.duplicates == 0
    assert (report.stored_batches >= 1) is (link == "fast"), report
    rows = outbox(db)
    assert {op.state for op in rows} == {"acked"}
    assert set(ledger(server, device_id)) == {op.op_id for op in rows}
    db.close()


def test_a_poisoned_stored_backlog_withdraws_the_poison_and_stores_the_rest(server: ServerProcess, tmp_path: Path) -> None:
    """Every kind of poisoned row in the middle of a stored backlog: each goes as its withdrawal (the counter's
    own check, as in a push), the good operations are all acknowledged, none is left open."""
    data_dir = tmp_path / "desk"
    db, device_id = backlog_counter(server, server.url, data_dir, STORED_BACKLOG_OPS)
    with db.read() as session:
        slot = get_profile(session).desk_slot
    bad = poisons(db, receive(db, "Nguyễn Văn Đức"), slot)
    generate_demo_dossiers(db, 50, seed=32, queue_for_sync=True)
    report = SyncRunner(db, data_dir, max_attempts=1).run_once()
    assert report.ok, report.errors
    assert report.stored_batches >= 1
    rows = {op.seq: op for op in outbox(db)}
    for name, seq in bad.items():
        assert rows[seq].state == "rejected", (name, rows[seq].state, rows[seq].result_message)
    assert {op.state for seq, op in rows.items() if seq not in bad.values()} == {"acked"}
    assert set(ledger(server, device_id)) >= {op.op_id for op in rows.values() if op.state == "acked"}
    db.close()


def test_the_answers_a_store_carries_are_kept_and_not_asked_for(server: ServerProcess, tmp_path: Path) -> None:
    """Three batches stored and applied; storing the fourth names the first as the oldest still unanswered, and
    its 202 carries the three answers: the counter keeps them (their operations acknowledged) and is left
    awaiting only the fourth's answer, which it reads as before."""
    desk = Desk(server, tmp_path / "desk", 160, seed=61)
    pusher, batches = prepared(desk, 40)
    assert len(batches) == 4
    earlier, last = batches[:3], batches[3]
    for batch in earlier:
        assert batch.body is not None
        assert store(desk, batch.batch_id, batch.body.data, batch.body.headers).status_code in (200, 202)
    for batch in earlier:
        assert answer_of(desk, batch.batch_id).status_code == 200
    awaited = list(earlier)
    with ThreadPoolExecutor(max_workers=1) as wire:
        assert pusher._store_prepared(wire, last, awaited) is None
    assert [batch.batch_id for batch in awaited] == [last.batch_id]  # the three answers came with the store
    assert pusher.report.stored_batches == 4 and pusher.report.stored_answers_carried == 3
    assert pusher.report.pushed == 120
    states = {op.seq: op.state for op in outbox(desk.db)}
    assert {states[item.seq] for batch in earlier for item in batch.items} == {"acked"}
    assert {states[item.seq] for item in last.items} == {"in_flight"}
    assert pusher._collect(awaited) == 1
    assert outbox_states(desk) == {"acked": 160} and pusher.report.duplicates == 0
    desk.db.close()


def test_carried_answers_are_kept_only_for_the_batches_awaited_in_order(server: ServerProcess, tmp_path: Path) -> None:
    """What a store's 202 carries is a server's word like any answer: an answer to a batch not awaited, or out of
    order, ends what the counter takes from it (the rest is asked for, one by one)."""
    desk = Desk(server, tmp_path / "desk", 30, seed=62)
    _pusher, batches = prepared(desk, 10)
    now = datetime.now(UTC)

    def answer(batch_id: str) -> PushResponse:
        return PushResponse(batch_id=batch_id, results=[], acked_seq=1, server_time=now)

    first, second, third = batches
    in_order = StoredBatch(batch_id="x", answered=[answer(first.batch_id), answer(second.batch_id)])
    assert [batch for _answer, batch in Pusher._carried(in_order, batches)] == [first, second]
    swapped = StoredBatch(batch_id="x", answered=[answer(second.batch_id), answer(first.batch_id)])
    assert Pusher._carried(swapped, batches) == []
    stranger = StoredBatch(batch_id="x", answered=[answer(first.batch_id), answer("someone-else"), answer(third.batch_id)])
    assert [batch for _answer, batch in Pusher._carried(stranger, batches)] == [first]
    assert len(Pusher._carried(in_order, batches[:1])) == 1  # no more pairs than batches awaited
    desk.db.close()


def test_a_stalled_province_ends_the_wait_for_answers_and_the_pull_still_runs(postgres_server, tmp_path: Path) -> None:
    """The province's applier is stuck (a transaction elsewhere, held by the test, has inserted the ledger row
    of the backlog's first operation and not committed: applying the first batch waits on it): the counter
    stores its backlog, then waits for the first answer while the batches ahead of it do not
    move. After STALL_SECONDS on the run's clock (not ANSWER_WAIT_SECONDS) it stops waiting: the run fails with
    a Vietnamese message, its pull still brings the province's new day off, and nothing changes state. Once the
    province moves again, the next run reads every answer: nothing sent twice, nothing lost."""
    url = postgres_server.create_database()
    with ServerProcess(url) as process:
        unit, code = new_unit(process)
        data_dir = tmp_path / "desk"
        db = open_counter(data_dir, unit_code=unit)
        generate_demo_dossiers(db, 1, seed=71, queue_for_sync=True)
        device_id = enroll(db, process.url, code).device_id
        assert SyncRunner(db, data_dir, max_attempts=1).run_once().ok  # the device's epoch row exists
        generate_demo_dossiers(db, STORED_BACKLOG_OPS, seed=72, queue_for_sync=True)
        process.admin("calendar-day", "2026-12-31", "--kind", "off", "--note", "Nghỉ bù theo thông báo của UBND tỉnh",
                      "--unit", unit)  # something to pull
        first = next(op for op in outbox(db) if op.state == "pending")
        clock = ManualClock()
        held = ServerDatabase(url)
        try:
            with Session(held.engine) as hold:  # rolled back below, never committed
                hold.add(OpLedger(device_id=device_id, op_id=first.op_id, device_epoch="held-by-the-test", seq=first.seq,
                                  op_type=first.op_type, entity_id=first.entity_id, payload_hash="0" * 64,
                                  status="accepted", received_at=datetime.now(UTC)))
                hold.flush()  # not committed: the applier's insert of this row waits for this transaction
                started = clock()
                stalled = SyncRunner(db, data_dir, max_attempts=1, clock=clock, sleep=clock.sleep).run_once()
                waited = clock() - started
                states = collections.Counter(op.state for op in outbox(db))
                hold.rollback()
        finally:
            held.dispose()
        assert not stalled.ok and stalled.stored_batches >= 1, stalled
        assert stalled.errors == [STALLED.format(minutes=1)], stalled.errors
        assert STALL_SECONDS <= waited < STALL_SECONDS + 2 and waited < ANSWER_WAIT_SECONDS
        assert stalled.pulled == 1  # the pull ran after the push stopped waiting: the province's day off
        assert states["in_flight"] == STORED_BACKLOG_OPS and states["acked"] == 1, states
        moved = SyncRunner(db, data_dir, max_attempts=1).run_once()
        assert moved.ok, moved.errors
        assert moved.stored_batches_answered_later == stalled.stored_batches - stalled.stored_answers_carried
        assert moved.duplicates == 0 and moved.push_body_bytes == 0, moved
        rows = outbox(db)
        assert {op.state for op in rows} == {"acked"}
        assert set(ledger(process, device_id)) == {op.op_id for op in rows}
        db.close()


class ScriptedInbox(ThreadingHTTPServer):
    """A province that answers `GET …/sync/inbox/{id}` from a script: 202 with each (`waiting_before`,
    `province_applied_at`) in turn (or a body of raw bytes: a confused province), then the batch's answer. Real
    HTTP on 127.0.0.1; how a real province moves through a long queue is the script's (the real server's queue
    cannot be paused batch by batch)."""

    def __init__(self, batch_id: str, stands: list[tuple[int, datetime | None] | bytes]) -> None:
        self.script = collections.deque(stands)
        self.asked = 0
        answer = PushResponse(batch_id=batch_id, results=[], acked_seq=0, server_time=datetime.now(UTC))
        inbox = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: object) -> None:
                pass

            def do_GET(self) -> None:
                inbox.asked += 1
                status, data = 200, answer.model_dump_json().encode()
                if inbox.script:
                    stand = inbox.script.popleft()
                    status, data = 202, stand if isinstance(stand, bytes) else StoredBatch(
                        batch_id=batch_id, waiting_before=stand[0], province_applied_at=stand[1]).model_dump_json().encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def __enter__(self) -> ScriptedInbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()


@pytest.mark.parametrize("queue", ["moving", "busy", "stuck"])
def test_the_wait_for_an_answer_lasts_while_the_province_moves(queue: str) -> None:
    """Polled about once a second (on the test's clock), a batch with six of the device's batches ahead: when
    one of them is applied every 30 s ("moving"), or none of them but another counter's batch every 10 s
    ("busy": the province's `province_applied_at` moves), the counter waits the three minutes it takes and reads
    the answer; when nothing moves, it stops after STALL_SECONDS and asks nothing more."""
    batch_id = str(uuid.uuid4())
    opened = datetime(2026, 12, 3, 8, tzinfo=UTC)
    stands: list[tuple[int, datetime | None]] = {
        "moving": [(6 - poll // 30, None) for poll in range(185)],
        "busy": [(6, opened + timedelta(seconds=poll // 10 * 10)) for poll in range(185)],
        "stuck": [(6, opened)] * 400,
    }[queue]
    clock = ManualClock()
    with ScriptedInbox(batch_id, stands) as inbox:
        transport = Transport(f"http://127.0.0.1:{inbox.server_address[1]}", "token")
        started = clock()
        if queue != "stuck":
            assert stored_push.answer(transport, batch_id, started + ANSWER_WAIT_SECONDS, clock, clock.sleep).batch_id == batch_id
            assert inbox.asked == 186 and clock() - started > 3 * STALL_SECONDS
        else:
            with pytest.raises(TransientError) as stopped:
                stored_push.answer(transport, batch_id, started + ANSWER_WAIT_SECONDS, clock, clock.sleep)
            assert stopped.value.code == "stored_waiting" and str(stopped.value) == STALLED.format(minutes=1)
            assert STALL_SECONDS <= clock() - started < STALL_SECONDS + 1.5 and inbox.asked < 70
        transport.close()


@pytest.mark.parametrize("applied_at", ['"ngày mai"', '"2026-13-45T99:00:00Z"', "1e400", "[" * 5_000, '"' + "9" * 100_000 + '"'])
def test_a_confused_provinces_progress_ends_the_wait_without_harm(applied_at: str) -> None:
    """A 202 whose `province_applied_at` is not a time (text, an impossible date, a number past any float, deep
    nesting, a huge string) is not an answer: the wait ends at once with a TransientError in Vietnamese (the
    operations stay in flight and a later run asks again), never a crash or a wait on nonsense."""
    batch_id = str(uuid.uuid4())
    body = f'{{"batch_id": "{batch_id}", "state": "stored", "waiting_before": 0, "province_applied_at": {applied_at}}}'
    with ScriptedInbox(batch_id, [body.encode()] * 5) as inbox:
        transport = Transport(f"http://127.0.0.1:{inbox.server_address[1]}", "token")
        clock = ManualClock()
        with pytest.raises(TransientError) as ended:
            stored_push.answer(transport, batch_id, clock() + ANSWER_WAIT_SECONDS, clock, clock.sleep)
        assert inbox.asked == 1 and str(ended.value) and not str(ended.value).isascii()
        transport.close()


"""Stored pushes (issue 13, sync/server/inbox.py) against a real `provincial-server` process: a counter's backlog
stored batch after batch is applied in the background, in order, each batch answered as `POST /sync/push` would
have answered it; a hostile stored batch gets its own refusal and the device's next batch is still applied; a
server killed (SIGKILL) with stored batches waiting applies them after its restart, each once, on PostgreSQL
with several workers."""

from __future__ import annotations

import collections
import gzip
import json
import os
import signal
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
import zstandard
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sync import bounded
from sync.client.batch_size import BatchSizer
from sync.client.dictionary import codec_for
from sync.client.push import Batch, Pusher
from sync.client.runner import SyncReport, SyncRunner
from sync.protocol import Capability, PushResponse, StoredBatch
from sync.server.db import ServerDatabase
from sync.server.guard_admission import ENV_GUARD_SETTINGS
from sync.server.inbox import MAX_CARRIED_ANSWERS
from sync.server.models import DeviceEpoch, Dossier, OpLedger, StoredPush
from sync.wire import EncodedBody
from tests.conftest import UNIT_CODE
from tests.sync.harness import ServerProcess
from tests.sync.test_inflight import outbox, wait_until
from tests.sync.test_wire import chained_ops
from tests.sync.test_wire_server import Desk

INBOX = "/api/v1/sync/inbox"
pytestmark = pytest.mark.slow  # server processes and counters' backlogs


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    directory = tmp_path_factory.mktemp("stored-push")
    with ServerProcess(f"sqlite:///{directory / 'server.sqlite'}") as process:
        process.admin("create-unit", "--code", UNIT_CODE, "--name", "UBND phường Hải Châu")
        yield process


def prepared(desk: Desk, ops_per_batch: int) -> tuple[Pusher, list[Batch]]:
    """The desk's whole outbox as the counter's own push prepares it (checked, packed, compressed, in flight)."""
    codec = codec_for(desk.hello(), desk.transport, desk.data_dir)
    pusher = Pusher(desk.db, desk.transport, SyncReport(), codec, BatchSizer(max_ops=ops_per_batch, target_bytes=10**9))
    batches: list[Batch] = []
    after = 0
    while (batch := pusher._prepare(after, quarantined=False)) is not None:
        batches.append(batch)
        after = batch.items[-1].seq
    return pusher, batches


def store(desk: Desk, batch_id: str, data: bytes, headers: dict[str, str]) -> requests.Response:
    return desk.transport.request("POST", "/sync/inbox", data=data, headers={**headers, "X-Batch-Id": batch_id})


def answer_of(desk: Desk, batch_id: str, timeout: float = 60) -> requests.Response:
    """The stored batch's answer, once applied (202 until then)."""
    deadline = time.monotonic() + timeout
    while True:
        response = desk.transport.request("GET", f"/sync/inbox/{batch_id}")
        if response.status_code != 202 or time.monotonic() > deadline:
            return response
        time.sleep(0.05)


def inflated(body: EncodedBody) -> bytes:
    """A body's JSON once inflated, by the guard's own inflater (no dictionary: the test server has none)."""
    return bounded.inflate(body.data, body.headers["Content-Encoding"], 50_000_000, 1_000, lambda _id: None)


def outbox_states(desk: Desk) -> dict[str, int]:
    return dict(collections.Counter(op.state for op in outbox(desk.db)))


def server_counts(server: ServerProcess, device_id: str) -> tuple[int, int, int]:
    """Dossiers of the unit, ledger rows of the device, and its highest acknowledged seq."""
    db = ServerDatabase(server.database_url)
    try:
        with db.session() as s:
            return (s.scalar(select(func.count()).select_from(Dossier).where(Dossier.unit_code == UNIT_CODE)) or 0,
                    s.scalar(select(func.count()).select_from(OpLedger).where(OpLedger.device_id == device_id)) or 0,
                    s.scalar(select(func.max(DeviceEpoch.acked_seq)).where(DeviceEpoch.device_id == device_id)) or 0)
    finally:
        db.dispose()


def test_a_backlog_stored_batch_after_batch_is_applied_in_order_and_answered_as_a_push(
        server: ServerProcess, tmp_path: Path) -> None:
    desk = Desk(server, tmp_path / "desk", 240, seed=11)
    assert Capability.STORED_PUSH.value in desk.hello().capabilities
    pusher, batches = prepared(desk, 40)
    assert len(batches) == 6
    for batch in batches:  # one after the other, no answer awaited
        assert batch.body is not None
        stored = store(desk, batch.batch_id, batch.body.data, batch.body.headers)
        assert stored.status_code in (200, 202), stored.text  # 200: applied before this answer was written
        if stored.status_code == 202:
            assert StoredBatch.model_validate_json(stored.content).batch_id == batch.batch_id
    for batch in batches:
        answered = answer_of(desk, batch.batch_id)
        assert answered.status_code == 200, answered.text
        pusher._store_results(PushResponse.model_validate_json(answered.content), batch.items)
    assert outbox_states(desk) == {"acked": 240}
    assert pusher.report.pushed == 240 and pusher.report.rejected == 0
    dossiers, ledger, acked = server_counts(server, desk.device_id)
    assert dossiers >= 240 and ledger == 240 and acked == batches[-1].items[-1].seq

    # The same batch stored again is the same batch: its answer at once, nothing applied twice.
    again = store(desk, batches[2].batch_id, batches[2].body.data, batches[2].body.headers)  # type: ignore[union-attr]
    assert again.status_code == 200 and again.content == answer_of(desk, batches[2].batch_id).content
    assert server_counts(server, desk.device_id)[1] == 240
    desk.db.close()


def test_hostile_stored_batches_are_refused_alone_and_the_next_batch_is_applied(server: ServerProcess, tmp_path: Path) -> None:
    desk = Desk(server, tmp_path / "desk", 30, seed=12)
    pusher, batches = prepared(desk, 30)
    good = batches[0]
    assert good.body is not None
    json_headers = {"Content-Type": "application/json"}

    # Refused before anything is stored: a bad id, an unknown encoding, a bomb, a cut gzip stream.
    assert store(desk, "x", b"{}", json_headers).status_code == 422
    assert store(desk, "bad/../id", b"{}", json_headers).status_code in (404, 422)
    unknown = store(desk, str(uuid.uuid4()), b"{}", {**json_headers, "Content-Encoding": "br"})
    assert unknown.status_code == 415 and unknown.json()["error"]["code"] == "unsupported_encoding"
    bomb = store(desk, str(uuid.uuid4()), gzip.compress(b"[" + b"0," * 20_000_000 + b"0]"), {**json_headers, "Content-Encoding": "gzip"})
    assert bomb.status_code == 413, bomb.text
    cut = store(desk, str(uuid.uuid4()), gzip.compress(b'{"batch_id": "a"}')[:-6], {**json_headers, "Content-Encoding": "gzip"})
    assert cut.status_code == 400 and cut.json()["error"]["code"] == "bad_gzip"
    foreign = zstandard.train_dictionary(2_048, [json.dumps(op).encode() for op in chained_ops(40)], dict_id=777)
    unknown_dictionary = store(desk, str(uuid.uuid4()), zstandard.ZstdCompressor(dict_data=foreign).compress(b"{}"),
                               {**json_headers, "Content-Encoding": "zstd"})
    assert unknown_dictionary.status_code == 409 and unknown_dictionary.json()["error"]["code"] == "unknown_dictionary"
    db = ServerDatabase(server.database_url)
    try:
        with db.session() as s:
            assert s.scalar(select(func.count()).select_from(StoredPush).where(StoredPush.device_id == desk.device_id)) == 0
    finally:
        db.dispose()

    # Stored, then refused alone when applied: not JSON, JSON of the wrong shape, another batch's id inside,
    # nested too deep.
    hostile = {
        "not_json": (b"\xff\xfe not json", {}),
        "wrong_shape": (json.dumps({"batch_id": "abcdefgh-1", "ops": "no"}).encode(), {}),
        "other_id": (json.dumps({"batch_id": str(uuid.uuid4()), "device_epoch": desk.epoch, "ops": []}).encode(), {}),
        "too_deep": (b"[" * 5_000 + b"]" * 5_000, {}),
    }
    ids = {name: f"hostile-{name}-{uuid.uuid4().hex[:8]}" for name in hostile}
    # Each answered before the next is stored: a batch stored behind a refused one while it waits is answered
    # 409 unapplied (the counter resends in order; test_a_stored_batch_refused_whole… below).
    for name, (data, headers) in hostile.items():
        response = store(desk, ids[name], data, {**json_headers, **headers})
        assert response.status_code == 202, (name, response.text)
        refused = answer_of(desk, ids[name])
        assert refused.status_code in (400, 413, 422), (name, refused.status_code, refused.text)
        assert refused.json()["error"]["code"] != "stored_after_failure", name
        assert refused.json()["error"]["message"], name  # a Vietnamese message for the sync screen
    stored_good = store(desk, good.batch_id, good.body.data, good.body.headers)
    assert stored_good.status_code in (200, 202)
    answered = answer_of(desk, good.batch_id)
    assert answered.status_code == 200, answered.text
    pusher._store_results(PushResponse.model_validate_json(answered.content), good.items)
    assert outbox_states(desk) == {"acked": 30}

    # A batch is the device's own: another device neither reads it nor learns it exists.
    other = Desk(server, tmp_path / "other", 1, seed=13)
    assert other.transport.request("GET", f"/sync/inbox/{good.batch_id}").status_code == 404
    assert desk.transport.request("GET", f"/sync/inbox/{uuid.uuid4()}").json()["error"]["code"] == "unknown_batch"
    db = ServerDatabase(server.database_url)
    try:
        with db.session() as s:  # applied batches keep their answer, not their body
            assert s.scalar(select(func.max(func.length(StoredPush.body))).where(StoredPush.answered_at.is_not(None))) == 0
    finally:
        db.dispose()
    desk.db.close()
    other.db.close()


def test_a_store_carries_the_answers_applied_from_the_batch_the_counter_names(server: ServerProcess, tmp_path: Path) -> None:
    """`X-Answers-From` names the oldest batch whose answer the counter has not read: the store's 202 carries the
    answers from that batch on, in the order stored, each as `GET` answers it, as far as they were applied whole
    (a refusal ends them), at most MAX_CARRIED_ANSWERS; none of another device's, none for an unknown batch."""
    desk = Desk(server, tmp_path / "desk", 46, seed=14)
    _pusher, batches = prepared(desk, 2)
    assert len(batches) == 23
    earlier, (probe, again, after_refusal, last) = batches[:19], batches[19:]

    def stored(batch: Batch, answers_from: str | None = None) -> StoredBatch:
        assert batch.body is not None
        headers = {**batch.body.headers, **({"X-Answers-From": answers_from} if answers_from else {})}
        response = store(desk, batch.batch_id, batch.body.data, headers)
        assert response.status_code == 202, response.text
        return StoredBatch.model_validate_json(response.content)

    for batch in earlier:
        assert stored(batch).answered == []  # nothing asked, nothing carried
    answers = {batch.batch_id: PushResponse.model_validate_json(answer_of(desk, batch.batch_id).content)
               for batch in earlier}
    carried = stored(probe, earlier[0].batch_id).answered
    assert carried == [answers[batch.batch_id] for batch in earlier[:MAX_CARRIED_ANSWERS]]
    answers[probe.batch_id] = PushResponse.model_validate_json(answer_of(desk, probe.batch_id).content)
    assert stored(again, earlier[17].batch_id).answered == [answers[b.batch_id] for b in (*earlier[17:], probe)]

    hostile_id = f"hostile-{uuid.uuid4().hex[:8]}"  # refused when applied (its JSON is not a batch)
    assert answer_of(desk, again.batch_id).status_code == 200
    assert store(desk, hostile_id, b'{"batch_id": 7}', {"Content-Type": "application/json"}).status_code == 202
    assert answer_of(desk, hostile_id).status_code == 422
    assert stored(after_refusal, hostile_id).answered == []  # the refusal is asked for, and handled, alone
    assert answer_of(desk, after_refusal.batch_id).status_code == 200
    other = Desk(server, tmp_path / "other", 2, seed=15)
    _other_pusher, (others,) = prepared(other, 2)
    assert others.body is not None
    foreign = store(other, others.batch_id, others.body.data, {**others.body.headers, "X-Answers-From": probe.batch_id})
    assert StoredBatch.model_validate_json(foreign.content).answered == []  # another device's answers: never
    assert stored(last, str(uuid.uuid4())).answered == []  # a batch the province does not hold
    bad = store(desk, str(uuid.uuid4()), b"{}", {"Content-Type": "application/json", "X-Answers-From": "x/../y"})
    assert bad.status_code == 422
    desk.db.close()
    other.db.close()


WORKERS = 2


def test_stored_batches_outlive_killed_workers_and_each_is_applied_once_in_order(postgres_server, tmp_path: Path) -> None:
    """Three desks store their backlogs on `serve --workers 2` over PostgreSQL while the test holds desk 0's epoch
    row (a long transaction elsewhere): the worker that claimed desk 0's first batch waits on it, the other applies
    desks 1 and 2 meanwhile, and none of desk 0's batches may go before its first. Then every worker is killed
    (SIGKILL) and the lock let go: the replaced workers apply desk 0's batches, each once, in order."""
    url = postgres_server.create_database()
    with ServerProcess(url, workers=WORKERS) as process:
        process.admin("create-unit", "--code", UNIT_CODE, "--name", "UBND phường Hải Châu")
        desks = [Desk(process, tmp_path / f"desk{n}", 100, seed=20 + n) for n in range(3)]
        prepared_desks = [prepared(desk, 25) for desk in desks]  # hello: each desk's epoch row exists
        held = ServerDatabase(url)
        try:
            with held.session() as hold:
                hold.execute(select(DeviceEpoch).where(DeviceEpoch.device_id == desks[0].device_id).with_for_update()).all()
                for desk, (_pusher, batches) in zip(desks, prepared_desks, strict=True):
                    for batch in batches:
                        assert batch.body is not None
                        assert store(desk, batch.batch_id, batch.body.data, batch.body.headers).status_code == 202
                for desk, (pusher, batches) in zip(desks[1:], prepared_desks[1:], strict=True):
                    for batch in batches:
                        answered = answer_of(desk, batch.batch_id)
                        assert answered.status_code == 200, answered.text
                        pusher._store_results(PushResponse.model_validate_json(answered.content), batch.items)
                for batch in prepared_desks[0][1]:
                    waiting = desks[0].transport.request("GET", f"/sync/inbox/{batch.batch_id}")
                    assert waiting.status_code == 202, waiting.text
                assert [StoredBatch.model_validate_json(answer_of(desks[0], b.batch_id, timeout=0).content).waiting_before
                        for b in prepared_desks[0][1]] == [0, 1, 2, 3]
                killed = process.worker_pids()
                for pid in killed:
                    os.kill(pid, signal.SIGKILL)
                deadline = time.monotonic() + 60
                while len(set(process.worker_pids()) - set(killed)) < WORKERS:
                    assert time.monotonic() < deadline, "the supervisor did not replace its workers"
                    time.sleep(0.1)
        finally:
            held.dispose()
        pusher, batches = prepared_desks[0]
        for batch in batches:
            answered = answer_of(desks[0], batch.batch_id, timeout=120)
            assert answered.status_code == 200, answered.text
            pusher._store_results(PushResponse.model_validate_json(answered.content), batch.items)
        for desk, (_pusher, batches) in zip(desks, prepared_desks, strict=True):
            assert outbox_states(desk) == {"acked": 100}
            _dossiers, ledger, acked = server_counts(process, desk.device_id)
            assert ledger == 100 and acked == batches[-1].items[-1].seq
            desk.db.close()


def test_a_stored_batch_refused_whole_leaves_the_later_ones_unapplied_and_pushes_wait_behind_them(
        postgres_server, tmp_path: Path) -> None:
    """Three batches stored while the desk's epoch row is held (so none is applied yet): the good first, a
    hostile one, the desk's next batch. Meanwhile a synchronous push of the desk is refused 503 (it would
    overtake them). Let go, the first is applied, the hostile one refused, and the third answered 409
    `stored_after_failure` without being applied. The counter's next run, finding the third batch in flight,
    hears that 409 first (the refusal came before it, unseen): it sends the batch again, in order, instead of
    failing every run on an answer it cannot recover."""
    url = postgres_server.create_database()
    with ServerProcess(url) as process:
        process.admin("create-unit", "--code", UNIT_CODE, "--name", "UBND phường Hải Châu")
        desk = Desk(process, tmp_path / "desk", 20, seed=41)
        pusher, batches = prepared(desk, 10)
        first, second = batches
        assert first.body is not None and second.body is not None
        hostile_id = f"hostile-{uuid.uuid4().hex[:8]}"
        held = ServerDatabase(url)
        try:
            with held.session() as hold:
                hold.execute(select(DeviceEpoch).where(DeviceEpoch.device_id == desk.device_id).with_for_update()).all()
                assert store(desk, first.batch_id, first.body.data, first.body.headers).status_code == 202
                assert store(desk, hostile_id, b'{"batch_id": 7}', {"Content-Type": "application/json"}).status_code == 202
                assert store(desk, second.batch_id, second.body.data, second.body.headers).status_code == 202
                assert process.stats()[UNIT_CODE]["stored_batches_waiting"] == 3  # what the province's IT staff see
                overtaking = desk.post(second.body.data, second.body.headers)
                assert overtaking.status_code == 503 and overtaking.json()["error"]["code"] == "stored_waiting"
                assert overtaking.headers["Retry-After"] == "2"
        finally:
            held.dispose()
        applied = answer_of(desk, first.batch_id)
        assert applied.status_code == 200, applied.text
        pusher._store_results(PushResponse.model_validate_json(applied.content), first.items)
        assert answer_of(desk, hostile_id).status_code == 422
        after = answer_of(desk, second.batch_id)
        assert after.status_code == 409 and after.json()["error"]["code"] == "stored_after_failure"
        assert server_counts(process, desk.device_id)[1] == 10  # the third batch's operations are not in the ledger
        assert process.stats()[UNIT_CODE]["stored_batches_waiting"] == 0
        report = SyncRunner(desk.db, desk.data_dir, max_attempts=1).run_once()  # nothing waits now: a push goes
        assert report.ok, report.errors
        assert report.pushed == 10 and report.duplicates == 0 and report.stored_batches_answered_later == 0, report
        assert outbox_states(desk) == {"acked": 20}
        assert server_counts(process, desk.device_id)[1] == 20
        desk.db.close()


def test_one_batch_stored_by_several_requests_at_once_is_kept_once(postgres_server, tmp_path: Path) -> None:
    """A retry racing its first try (the counter lost the 202 and stores again): eight requests with the same
    batch at once, on PostgreSQL. None fails, the batch is kept once and applied once."""
    url = postgres_server.create_database()
    with ServerProcess(url) as process:
        process.admin("create-unit", "--code", UNIT_CODE, "--name", "UBND phường Hải Châu")
        desk = Desk(process, tmp_path / "desk", 10, seed=51)
        pusher, (batch,) = prepared(desk, 10)
        assert batch.body is not None
        start = threading.Barrier(8)

        def store_at_once() -> int:
            start.wait()
            return store(desk, batch.batch_id, batch.body.data, batch.body.headers).status_code  # type: ignore[union-attr]

        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(lambda _: store_at_once(), range(8)))
        assert set(statuses) <= {200, 202, 429} and {200, 202} & set(statuses), statuses
        answered = answer_of(desk, batch.batch_id)
        assert answered.status_code == 200, answered.text
        pusher._store_results(PushResponse.model_validate_json(answered.content), batch.items)
        db = ServerDatabase(url)
        try:
            with db.session() as s:
                assert s.scalar(select(func.count()).select_from(StoredPush)
                                .where(StoredPush.batch_id == batch.batch_id)) == 1
        finally:
            db.dispose()
        assert server_counts(process, desk.device_id)[1] == 10 and outbox_states(desk) == {"acked": 10}
        desk.db.close()


def test_a_waiting_batch_shows_the_province_applying_other_counters_batches(postgres_server, tmp_path: Path) -> None:
    """The device's first batch is held (a transaction of the test locks its stored row: the applier's claim
    skips it), so its second waits with one batch ahead that does not move; another counter's batch is applied
    meanwhile, and the waiting batch's 202 shows it (`province_applied_at`): the counter reads a busy province,
    not a stuck one (sync/client/stored_push.answer). Released, both batches are applied in order."""
    url = postgres_server.create_database()
    with ServerProcess(url) as process:
        process.admin("create-unit", "--code", UNIT_CODE, "--name", "UBND phường Hải Châu")
        wait_until(lambda: len(process.applier_pids()) == 1, "the applier process runs", timeout=60)
        (applier,) = process.applier_pids()
        held_desk, other_desk = Desk(process, tmp_path / "held", 4, seed=31), Desk(process, tmp_path / "other", 2, seed=32)
        (_pusher, (first, second)), (_other, (others,)) = prepared(held_desk, 2), prepared(other_desk, 2)
        held = ServerDatabase(url)
        try:
            with Session(held.engine) as hold:
                os.kill(applier, signal.SIGSTOP)
                try:
                    for desk, batch in ((held_desk, first), (held_desk, second), (other_desk, others)):
                        assert batch.body is not None
                        assert store(desk, batch.batch_id, batch.body.data, batch.body.headers).status_code == 202
                    hold.execute(select(StoredPush).where(StoredPush.batch_id == first.batch_id).with_for_update())
                    before = StoredBatch.model_validate_json(answer_of(held_desk, second.batch_id, timeout=0).content)
                finally:
                    os.kill(applier, signal.SIGCONT)
                assert answer_of(other_desk, others.batch_id).status_code == 200
                waiting = answer_of(held_desk, second.batch_id, timeout=0)
                assert waiting.status_code == 202, waiting.text
                during = StoredBatch.model_validate_json(waiting.content)
                hold.rollback()
        finally:
            held.dispose()
        assert (before.waiting_before, before.province_applied_at) == (1, None)
        assert during.waiting_before == 1 and during.province_applied_at is not None
        assert answer_of(held_desk, first.batch_id).status_code == 200
        assert answer_of(held_desk, second.batch_id).status_code == 200
        assert server_counts(process, held_desk.device_id)[1] == 4
        held_desk.db.close()
        other_desk.db.close()


def test_a_stored_push_holds_no_large_body_slot_for_what_it_does_not_keep(tmp_path: Path) -> None:
    """The guard lets few large bodies be held at once (GuardSettings.large_body_bytes, here 50 kB; one slot),
    counting a body's inflated bytes once it is whole: a push small on the wire whose JSON is past the mark waits
    for the slot a slow push holds, and is refused busy. A stored push is kept as it came, compressed: the same
    JSON gzipped, stored meanwhile, holds no slot and is stored at once."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv(ENV_GUARD_SETTINGS, json.dumps({"large_body_bytes": 50_000, "busy_patience_seconds": 1}))
        process = ServerProcess(f"sqlite:///{tmp_path / 'server.sqlite'}").start()
    try:
        process.admin("create-unit", "--code", UNIT_CODE, "--name", "UBND phường Hải Châu")
        desk = Desk(process, tmp_path / "desk", 120, seed=51)
        _pusher, (batch,) = prepared(desk, 120)
        assert batch.body is not None
        gzipped = gzip.compress(inflated(batch.body))
        assert len(batch.body.data) < 50_000 < len(inflated(batch.body)) and len(gzipped) < 50_000
        host, port = process.url.split("//")[1].split(":")
        with socket.create_connection((host, int(port))) as slow:  # holds the slot: 60 kB of 200 kB, then waits
            slow.sendall(f"POST /api/v1/sync/push HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer "
                         f"{desk.transport.token}\r\nContent-Type: application/json\r\nContent-Length: 200000\r\n\r\n"
                         .encode() + b"[" + b" " * 60_000)
            time.sleep(0.5)
            pushed = desk.post(batch.body.data, batch.body.headers)
            headers = {**batch.body.headers, "Content-Encoding": "gzip"}
            stored_now = store(desk, batch.batch_id, gzipped, headers)
        assert pushed.status_code == 503 and pushed.json()["error"]["code"] == "server_busy", pushed.text
        assert stored_now.status_code == 202, stored_now.text
        assert answer_of(desk, batch.batch_id).status_code == 200
        desk.db.close()
    finally:
        process.stop()

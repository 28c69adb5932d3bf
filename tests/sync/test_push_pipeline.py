"""The push path of issue 13 (sync/client/push.py): batch n+1 is read, checked and compressed while batch n
is on the wire; its cheap common case (outgoing_batch, one executemany for the answers) keeps every
guarantee of the per-row path.

Real counter files, a real server process on SQLite announcing 4 operations per batch, the project's fault
proxy holding or dropping a push on the wire; nothing is patched.
"""

from __future__ import annotations

import gzip
import json
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from counter_app.domain.lifecycle import Status
from counter_app.domain.operations import OutboxState
from counter_app.services.clock import utc_now
from counter_app.services.dossiers import change_status
from counter_app.storage.models import OutboxOp
from counter_app.storage.sync_store import Answer, ops_to_send, quarantine, record_results
from sync.client.audit_envelope import audit_rows_for, with_audit
from sync.client.enrollment import enroll
from sync.client.outgoing import outgoing, outgoing_batch
from sync.client.runner import SyncRunner
from sync.wire import PushCodec, encode_spliced, spliced_op
from tests.conftest import open_counter
from tests.sync.faultproxy import DELAY, DROP_AFTER_FORWARD, FaultProxy
from tests.sync.harness import ServerProcess, new_unit
from tests.sync.invariants import check_all
from tests.sync.test_inflight import Background, ledger, outbox, push_held, receive, still_held, wait_until
from tests.sync.test_poisoned_outbox import poisons

PUSH = "/api/v1/sync/push"
OPS_PER_BATCH = 4


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    url = f"sqlite:///{tmp_path_factory.mktemp('server') / 'server.sqlite'}"
    with ServerProcess(url, serve_args=["--limit", f"max_ops_per_batch={OPS_PER_BATCH}"]) as process:
        yield process


def _as_sent(items: list) -> list[tuple]:
    return [(i.seq, i.wire, i.size, i.withdrawal_reason, i.newly_withdrawn) for i in items]


def test_the_cheap_path_sends_exactly_what_the_per_row_path_sends(tmp_path: Path) -> None:
    """Sound rows, every kind of poisoned row, a withdrawn one, and rows whose envelope (not payload) is
    wrong: outgoing_batch gives, row for row, what `outgoing` gives alone."""
    db = open_counter(tmp_path / "counter")
    codes = [receive(db, f"Nguyễn Văn {name}") for name in ("An", "Bình", "Cường")]
    change_status(db, codes[0], Status.PROCESSING, actor="Trần Thị Mai", note="Chuyển xử lý")
    poisons(db, codes[1], 1)
    with db.write() as session:
        sound = session.scalars(select(OutboxOp).order_by(OutboxOp.seq)).first()
        assert sound is not None
        for op_id, entity_id in (("không-phải-uuid", "x"), (str(uuid.uuid4()), "x" * 65)):
            session.add(OutboxOp(op_id=op_id, entity=sound.entity, entity_id=entity_id, op_type=sound.op_type,
                                 base_version=sound.base_version, schema_version=sound.schema_version,
                                 payload=sound.payload, payload_hash=sound.payload_hash,
                                 created_at=datetime.now(UTC), state="pending", attempts=0))
        session.flush()
    now = utc_now()
    with db.read() as session:
        rows = ops_to_send(session, 1_000)
        audit = audit_rows_for(session, rows)
    assert len(rows) > 20 and audit
    fast = [with_audit(item, audit) for item in outgoing_batch(rows, "device-1", now)]
    alone = [with_audit(outgoing(row, "device-1", now), audit) for row in rows]
    assert _as_sent(fast) == _as_sent(alone)
    assert any(item.wire["audit"]["after"] is None for item in fast)  # the payload's copy left out as before
    assert sum(item.withdrawal_reason is None for item in fast) == 4 + 1  # 3 creates, 1 status, 1 foreign slot
    db.close()


def test_answers_stored_at_once_change_only_open_operations(tmp_path: Path) -> None:
    db = open_counter(tmp_path / "counter")
    for name in ("An", "Bình", "Cường"):
        receive(db, f"Lê Thị {name}")
    first, second, third = (op.seq for op in outbox(db))
    now = utc_now()
    with db.write() as session:
        record_results(session, [Answer(first, OutboxState.ACKED), Answer(second, OutboxState.REJECTED, "bad", "Sai.")], now)
    with db.write() as session:  # a late or hostile answer must not reopen or rewrite a settled operation
        record_results(session, [Answer(first, OutboxState.PENDING, "busy", "Bận."), Answer(third, OutboxState.CONFLICT,
                                                                                               "dup", "Trùng.")], now)
    states = {op.seq: (op.state, op.result_code, op.result_message, op.acked_at is not None) for op in outbox(db)}
    assert states == {first: ("acked", None, None, True), second: ("rejected", "bad", "Sai.", False),
                      third: ("conflict", "dup", "Trùng.", False)}
    db.close()


def test_open_operations_are_read_in_seq_order_whatever_their_state(tmp_path: Path) -> None:
    """Pending and in-flight operations interleaved, settled ones between them, one in quarantine: the read
    gives the open ones after `after_seq` in seq order up to its limit, and the quarantined one only apart."""
    db = open_counter(tmp_path / "counter")
    for name in ("An", "Bình", "Cường", "Dũng", "Hà", "Khoa", "Lan"):
        receive(db, f"Phạm Văn {name}")
    seqs = [op.seq for op in outbox(db)]
    states = ["in_flight", "pending", "acked", "in_flight", "pending", "rejected", "pending"]
    with db.write() as session:
        for op in session.scalars(select(OutboxOp)):
            op.state = states[seqs.index(op.seq)]
        quarantine(session, seqs[3], "Máy chủ tỉnh không xử lý được riêng thao tác này.")
    open_seqs = [seqs[i] for i in (0, 1, 4, 6)]
    with db.read() as session:
        assert [row.seq for row in ops_to_send(session, 100)] == open_seqs
        assert [row.seq for row in ops_to_send(session, 2, open_seqs[0])] == open_seqs[1:3]
        assert [row.seq for row in ops_to_send(session, 100, quarantined=True)] == [seqs[3]]
    db.close()


def _pipelined_counter(server: ServerProcess, proxy: FaultProxy, tmp_path: Path, dossiers: int) -> tuple:
    unit, code = new_unit(server)
    data_dir = tmp_path / "counter"
    db = open_counter(data_dir, unit_code=unit)
    for number in range(dossiers):
        receive(db, f"Phạm Văn Số {number}")
    device_id = enroll(db, proxy.url, code).device_id
    return db, data_dir, device_id


@pytest.mark.slow
def test_the_next_batch_is_ready_while_the_last_one_is_on_the_wire(
    server: ServerProcess, fault_proxy: Callable[..., FaultProxy], tmp_path: Path
) -> None:
    """While the proxy holds the first push, the second batch is already checked and marked in flight (the
    third waits); the server then gets each batch once, in order, and every operation is acknowledged."""
    proxy = fault_proxy(server.port)
    db, data_dir, device_id = _pipelined_counter(server, proxy, tmp_path, 10)
    proxy.add_fault(DELAY, times=1, seconds=2.0, path_prefix=PUSH)
    run = Background(SyncRunner(db, data_dir, max_attempts=2, base_delay=0.01, max_delay=0.05).run_once)
    wait_until(lambda: push_held(proxy), "the first push is held by the proxy")
    held = proxy.stats()
    wait_until(lambda: sum(op.state == "in_flight" for op in outbox(db)) == 2 * OPS_PER_BATCH,
               "the second batch is prepared")
    during = outbox(db)
    assert still_held(proxy, held), "the second batch must be prepared while the first is still on the wire"
    assert [op.state for op in during] == ["in_flight"] * 8 + ["pending"] * 2
    assert len({op.batch_id for op in during[:4]}) == len({op.batch_id for op in during[4:8]}) == 1
    assert during[0].batch_id != during[4].batch_id

    report = run.result()

    assert report.ok, report.errors
    assert report.pushed == 10 and report.duplicates == 0
    assert {op.state for op in outbox(db)} == {"acked"}
    assert set(ledger(server, device_id)) == {op.op_id for op in outbox(db)}
    check_all(server.database_url, [db])
    db.close()


def test_a_lost_answer_with_the_next_batch_prepared_loses_nothing(
    server: ServerProcess, fault_proxy: Callable[..., FaultProxy], tmp_path: Path
) -> None:
    """The server commits the first batch but its answer never arrives, while the second batch was already
    marked in flight and never sent: the retry sends both, the ledger answers the first as duplicates and
    takes the second, and nothing is stored twice."""
    proxy = fault_proxy(server.port)
    db, data_dir, device_id = _pipelined_counter(server, proxy, tmp_path, 6)
    proxy.add_fault(DROP_AFTER_FORWARD, times=1, path_prefix=PUSH)

    report = SyncRunner(db, data_dir, max_attempts=3, base_delay=0.01, max_delay=0.05).run_once()

    assert report.ok, report.errors
    assert report.attempts == 2
    assert report.pushed == 6 and report.duplicates == OPS_PER_BATCH
    assert {op.state for op in outbox(db)} == {"acked"}
    assert set(ledger(server, device_id)) == {op.op_id for op in outbox(db)}
    check_all(server.database_url, [db])
    db.close()



def test_a_stored_backlog_spliced_sends_exactly_what_the_push_sends(tmp_path: Path) -> None:
    """Sound rows, every kind of poisoned row, a withdrawn one: the stored backlog's body (each checked payload's
    stored text joined in, `spliced_op`) reads back, operation for operation, as the wire form a push sends."""
    db = open_counter(tmp_path / "counter")
    codes = [receive(db, f"Nguyễn Văn {name}") for name in ("An", "Bình", "Cường")]
    change_status(db, codes[0], Status.PROCESSING, actor="Trần Thị Mai", note="Chuyển xử lý")
    poisons(db, codes[1], 1)
    with db.write() as session:
        rows = ops_to_send(session, 1_000)
        audit = audit_rows_for(session, rows)
        items = [with_audit(item, audit) for item in outgoing_batch(rows, str(uuid.uuid4()), utc_now())]
    spliced = [item for item in items if item.payload_text is not None]
    assert len(spliced) >= 4 and len(items) > len(spliced)  # both kinds are here
    document = {"protocol_version": 1, "batch_id": "b" * 36, "device_epoch": "e" * 36, "compact_results": True}
    body = encode_spliced(document, [spliced_op(item.wire, item.payload_text) for item in items], PushCodec())
    sent = json.loads(gzip.decompress(body.data))
    assert sent == {**document, "ops": [item.wire for item in items]}
    assert body.raw_size == len(gzip.decompress(body.data))
    db.close()

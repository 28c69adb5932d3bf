"""Pushing the outbox (issue 13): every open operation once per run, in seq order, batch by batch, with the
next batch read, checked and compressed while the last one is on the wire and in the server.

One request is on the wire at a time (the server sees the device's operations in order), and the next leaves
only once the last was answered; what overlaps is the counter's own work (outbox read, checks, audit rows,
encoding, storing the last answer) with the link's and the server's. A batch is marked in flight when it is
prepared: a crash before it was sent or answered, or before its answer was stored, loses nothing: it is sent
again under the same op_ids and the server's ledger answers the replays as duplicates. Batch size follows the link (sync/client/batch_size.py).

An operation that cannot be sent as it is (a row damaged or written by a buggy version) goes as a
withdrawal. A batch the server refuses as a whole (400/413/422) or fails on (500) is split in halves until
the operation responsible is alone, and the rest goes through. The one left alone is put in quarantine if
the server took other operations in this run (else the server itself is failing and the whole push is
retried later): it stays open, shows its reason on the sync screen, and is sent alone once per run, so it
goes through as soon as the server can take it.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, TypeVar

from counter_app.domain.operations import OutboxState
from counter_app.services.clock import utc_now
from counter_app.storage.audit import note_server_head
from counter_app.storage.database import Database
from counter_app.storage.outbox import WITHDRAWN, withdraw
from counter_app.storage.sync_store import (
    Answer,
    get_state,
    in_flight_batches,
    mark_in_flight,
    ops_to_send,
    quarantine,
    record_results,
)
from sync.client import stored_push
from sync.client.audit_envelope import audit_rows_for, with_audit
from sync.client.batch_size import BatchSizer
from sync.client.outgoing import Outgoing, StoredOp, outgoing_batch
from sync.client.transport import SyncError, TooLarge, TransientError, Transport
from sync.gc_pause import paused_gc
from sync.protocol import PROTOCOL_VERSION, OpStatus, PushResponse, StoredBatch
from sync.wire import (
    FAST_LINK_LEVEL,
    SLOW_LINK_LEVEL,
    EncodedBody,
    PushCodec,
    encode_body,
    encode_spliced,
    results_of,
    spliced_op,
)

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from sqlalchemy.orm import Session

    from sync.client.runner import SyncReport

log = logging.getLogger(__name__)
Sent = TypeVar("Sent")  # what sending a batch is answered: a push's answer, or a stored batch's
# Refusals that are not final: the operation stays pending and is sent again later.
RETRYABLE_CODES = {"payload_hash_mismatch", "busy", "clock_ahead"}
# A batch answered with one of these as a whole is split to find the operation responsible.
BATCH_FAILED = {400, 422, 500}
MAX_SPLIT_FAILURES = 64
UNKNOWN_DICTIONARY = "unknown_dictionary"  # the server's answer to a body compressed with a dictionary it lacks
# Refusals of the body's form (issue 13), not of an operation: the same operations go again as v1 (plain, gzip).
FORM_REFUSED = {UNKNOWN_DICTIONARY, "bad_packed", "bad_zstd"}
GZIP = PushCodec()
# A backlog this long is stored at the province (sync/client/stored_push.py) when it takes stored pushes: the
# counter need not wait for each batch to be applied. Shorter ones are pushed (one answer, no polling).
STORED_BACKLOG_OPS = 2_000
ANSWER_WAIT_SECONDS = 600  # past this the run ends; the next run asks again, then sends what is not answered
MAX_EARLIER_BATCHES = 64  # the province keeps at most this many waiting per device (sync/server/inbox.py)
TOO_LARGE_MESSAGE = "Thao tác quá lớn so với giới hạn của máy chủ tỉnh."
STATE_FOR = {OpStatus.ACCEPTED: OutboxState.ACKED, OpStatus.DUPLICATE: OutboxState.ACKED,
             OpStatus.CONFLICT: OutboxState.CONFLICT, OpStatus.REJECTED: OutboxState.REJECTED}


@dataclass
class Batch:
    """Operations marked in flight together, and their request body once encoded."""

    items: list[Outgoing]
    body: EncodedBody | None = None
    batch_id: str = ""
    codec: PushCodec | None = None  # what `body` was encoded with

    @property
    def size(self) -> int:
        return sum(item.size for item in self.items)


@dataclass
class _PushRun:
    """What one push run has learnt: whether the server answered, what it failed on."""

    epoch: str = ""
    proved: bool = False
    failures: int = 0
    suspects: list[tuple[Outgoing, str]] = field(default_factory=list)
    quarantined_now: set[int] = field(default_factory=set)


class Pusher:
    """One push of the outbox through `transport` under `codec`; answers counted in `report`."""

    def __init__(self, db: Database, transport: Transport, report: SyncReport, codec: PushCodec,
                 sizer: BatchSizer, *, stores: bool = False, inbox: bool = False,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> None:
        self.db = db
        self.clock, self.sleep = clock, sleep  # what the wait for stored answers is measured on
        self.stores = stores  # store a long backlog (the province takes stored pushes, the link is fast)
        self.inbox = inbox or stores  # the province keeps stored batches (hello's capability): ask for old answers
        self.splice = False  # while a backlog is stored: payloads go as the outbox stored them (`spliced_op`)
        self.transport = transport
        self.report = report
        self.codec = codec
        self.sizer = sizer
        self.run_state = _PushRun()
        self.item_bytes = 2_000  # bytes of an operation on the wire before compression, learnt per batch

    def push(self) -> None:
        """All but the quarantined operations (a long backlog stored first, when the province takes it), then
        the quarantined ones one by one."""
        if self.inbox:
            self._collect_earlier()
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sync-push") as wire:
            if self.stores and self._backlog_at_least(STORED_BACKLOG_OPS):
                self._store_backlog(wire)
            self._send_all(wire, quarantined=False)
            self._settle_suspects()
            self._send_all(wire, quarantined=True)
            self._settle_suspects(known=True)  # failed alone again: stays in quarantine, newest reason kept

    def _send_all(self, wire: ThreadPoolExecutor, *, quarantined: bool) -> None:
        """One pass over the open operations. While batch n is on the wire, batch n+1 is prepared; once n is
        answered, n+1 leaves at once and n's answers are stored while it travels. A batch that failed is
        split and resent before anything after it leaves, so the server still sees the operations in order."""
        current = self._prepare(0, quarantined=quarantined)
        sending = self._submit(wire, current)
        while current is not None and sending is not None:
            upcoming = self._prepare(current.items[-1].seq, quarantined=quarantined)
            try:
                answer = sending.result()
            except SyncError as error:
                self._recover(current, error)
                sending = self._submit(wire, upcoming)
            else:
                sending = self._submit(wire, upcoming)  # on the wire while this answer is stored
                self._store_results(answer, current.items)
            current = upcoming

    def _backlog_at_least(self, count: int) -> bool:
        with self.db.read() as session:
            return len(ops_to_send(session, count)) >= count

    def _store_backlog(self, wire: ThreadPoolExecutor) -> None:
        """Every open operation stored at the province batch after batch (sync/client/stored_push.py), the next
        batch prepared while the last is on the wire, no batch waiting for the one before to be applied; then
        the answers, in order. A batch the province could not apply is recovered as a failed push (split until
        the operation at fault is alone) and the batches after it, which it did not apply, are sent again in
        order by the push that follows. Storing that fails (the link) stops here: the province may still have
        kept the batch on the wire (its answer is asked for), and what is left is pushed."""
        started = time.monotonic()
        stored: list[Batch] = []
        pushing, self.sizer = self.sizer, self.sizer.for_stores()  # larger batches (batch_size.py)
        self.splice = True
        try:
            current = self._prepare(0, quarantined=False)
            unsure = self._store_prepared(wire, current, stored)
        finally:
            self.splice = False
            pushing.follow(self.sizer)
            self.sizer = pushing
        self.report.stored_seconds = time.monotonic() - started
        self._collect(stored if unsure is None else [*stored, unsure])

    def _store_prepared(self, wire: ThreadPoolExecutor, current: Batch | None, stored: list[Batch]) -> Batch | None:
        """Store `current` and every batch after it, the next prepared while the last is on the wire; the batch
        whose storing failed, if one did. `stored` holds the batches stored before (whose answers are awaited)
        and gains each batch stored; the answers a store carries (of batches stored before it) are kept while the
        next batch travels, and `stored` is left with the batches whose answers are still to be read."""
        unread = 0  # stored[unread:]: the batches whose answers have not been kept yet
        sending = self._submit_store(wire, current, stored[0].batch_id if stored else None)
        try:
            while current is not None and sending is not None:
                upcoming = self._prepare(current.items[-1].seq, quarantined=False)
                outcome = sending.result()
                carried: list[tuple[PushResponse, Batch]] = []
                if isinstance(outcome, StoredBatch):
                    stored.append(current)
                    carried = self._carried(outcome, stored[unread:])
                asked = unread + len(carried)
                sending = self._submit_store(wire, upcoming, stored[asked].batch_id if asked < len(stored) else None)
                if isinstance(outcome, PushResponse):  # stored and applied before: its answer
                    self._store_results(outcome, current.items)
                for answer, batch in carried:
                    self._store_results(answer, batch.items)
                    unread += 1
                    self.report.stored_answers_carried += 1
                current = upcoming
        except SyncError as error:
            log.warning("Ngừng gửi lưu gói (%s); phần còn lại gửi thường", error.code or error)
            return current
        finally:
            self.report.stored_batches += len(stored)
            del stored[:unread]
        return None

    @staticmethod
    def _carried(outcome: StoredBatch, waiting: list[Batch]) -> list[tuple[PushResponse, Batch]]:
        """The answers a store carried, paired in order with the batches waiting for theirs; an answer to any
        other batch ends the pairs (the rest are asked for)."""
        pairs: list[tuple[PushResponse, Batch]] = []
        for answer, batch in zip(outcome.answered, waiting, strict=False):
            if answer.batch_id != batch.batch_id:
                break
            pairs.append((answer, batch))
        return pairs

    def _collect(self, stored: list[Batch]) -> int:
        """The stored batches' answers, in order (see _store_backlog); how many were answered. A batch the
        province does not hold (never stored, or its answer pruned) is left to the push that follows."""
        deadline = self.clock() + ANSWER_WAIT_SECONDS
        answered = 0
        for batch in stored:
            try:
                answer = stored_push.answer(self.transport, batch.batch_id, deadline, self.clock, self.sleep)
            except SyncError as error:
                if error.status == 404 or error.code == "stored_after_failure":
                    continue  # not held, or not applied (behind a refused batch): sent again, in order, by the push
                if (isinstance(error, TransientError) and error.status is None) or error.code == "stored_waiting":
                    raise  # the link, or the province still at work: the next run asks again
                self._recover(batch, error)
            else:
                answered += 1
                self._store_results(answer, batch.items)
        return answered

    def _collect_earlier(self) -> None:
        """The answers of batches an earlier run left in flight (stored, but the link went before their answers
        came), before anything is sent again: what the province holds need not go up a second time."""
        with self.db.read() as session:
            state = get_state(session)
            assert state is not None
            now = utc_now()
            earlier = [Batch(self._wire_items(session, rows, state.device_id, now), batch_id=batch_id)
                       for batch_id, rows in in_flight_batches(session, MAX_EARLIER_BATCHES)]
        self.report.stored_batches_answered_later += self._collect(earlier)

    def _submit_store(self, wire: ThreadPoolExecutor, batch: Batch | None, answers_from: str | None
                      ) -> Future[StoredBatch | PushResponse] | None:
        return self._submit(wire, batch, lambda batch: self._store(batch, answers_from))

    def _store(self, batch: Batch, answers_from: str | None) -> StoredBatch | PushResponse:
        """Runs on the wire thread: the batch stored (with the answers from `answers_from` on), the link measured
        as for a push."""
        return self._send(batch, lambda body: stored_push.store(self.transport, batch.batch_id, body, answers_from))

    def _submit(self, wire: ThreadPoolExecutor, batch: Batch | None,
                send: Callable[[Batch], Sent] | None = None) -> Future[Sent] | None:
        """`send` (a push by default) of `batch` on the wire thread."""
        if batch is None:
            return None
        if batch.codec is not self.codec:  # prepared before the run fell back to gzip
            self._encode(batch)
        return wire.submit(send or self._post, batch)  # type: ignore[arg-type]

    def _prepare(self, after_seq: int, *, quarantined: bool) -> Batch | None:
        with paused_gc():  # a batch's objects are many and short-lived (sync/gc_pause.py)
            batch = self._claim(after_seq, quarantined=quarantined)
            if batch is None:
                return None
            self._encode(batch)
            return batch

    def _claim(self, after_seq: int, *, quarantined: bool) -> Batch | None:
        """The next batch of open operations after `after_seq`, checked, marked in flight. A quarantined
        operation goes alone, and one put in quarantine during this run waits for the next run."""
        run = self.run_state
        now = utc_now()
        with self.db.write() as session:
            state = get_state(session)
            assert state is not None
            run.epoch = state.device_epoch
            if quarantined:  # one at a time, past those put aside in this very run
                candidates = ops_to_send(session, 1 + len(run.quarantined_now), after_seq, quarantined=True)
                rows = [row for row in candidates if row.seq not in run.quarantined_now][:1]
            else:
                rows = ops_to_send(session, self._rows_wanted(), after_seq)
            items: list[Outgoing] = []
            size = 0
            for item in self._wire_items(session, rows, state.device_id, now):
                size += item.size
                if items and size > self.sizer.target_bytes:
                    self.item_bytes = max(1, size // (len(items) + 1))
                    break
                if item.newly_withdrawn:
                    withdraw(session, item.seq, "invalid_local", item.withdrawal_reason or "")
                items.append(item)
            if not items:
                return None
            batch = Batch(items, batch_id=str(uuid.uuid4()))
            mark_in_flight(session, [item.seq for item in items], batch.batch_id)  # a later run asks for its answer
        if len(items) == len(rows):
            self.item_bytes = max(1, size // len(items))
        return batch

    @staticmethod
    def _wire_items(session: Session, rows: Sequence[StoredOp], device_id: str, now: datetime) -> list[Outgoing]:
        """The rows as they go on the wire, each with its audit row (sync/client/audit_envelope.py)."""
        audit = audit_rows_for(session, rows)
        return [with_audit(item, audit) for item in outgoing_batch(rows, device_id, now)]

    def _rows_wanted(self) -> int:
        """Rows to read for the next batch: about what its target size holds, from the last batch's rows."""
        return max(1, min(self.sizer.max_ops, self.sizer.target_bytes // self.item_bytes + 1))

    def _encode(self, batch: Batch) -> None:
        """The request body: the operations packed (sync/wire.py) and compressed under the run's codec; for a
        stored backlog, plain, each checked payload's stored text joined in as it is (`spliced_op`)."""
        if not batch.batch_id or batch.body is not None:  # a body encoded again is another batch for the province
            batch.batch_id = str(uuid.uuid4())
        level = FAST_LINK_LEVEL if self.sizer.fast_link else SLOW_LINK_LEVEL
        if self.splice:
            texts = [spliced_op(item.wire, item.payload_text) for item in batch.items]
            document = {"protocol_version": PROTOCOL_VERSION, "batch_id": batch.batch_id,
                        "device_epoch": self.run_state.epoch, "compact_results": True}
            batch.body, batch.codec = encode_spliced(document, texts, replace(self.codec, level=level)), self.codec
            return
        ops = [item.wire for item in batch.items]
        packed = self.codec.pack(ops, [item.payload_text for item in batch.items])  # None: a server without the packed form gets the v1 list
        document: dict[str, Any] = {"protocol_version": PROTOCOL_VERSION, "batch_id": batch.batch_id,
                                    "device_epoch": self.run_state.epoch, "ops": ops if packed is None else []}
        if packed is not None:
            document.update(packed=packed, compact_results=True)
        batch.body, batch.codec = encode_body(document, replace(self.codec, level=level)), self.codec

    def _post(self, batch: Batch) -> PushResponse:
        """Runs on the wire thread: the request, its answer checked, and the link measured."""
        if batch.body is None or batch.codec is not self.codec:
            self._encode(batch)
        answer = self._send(batch, lambda body: self.transport.call("POST", "/sync/push", PushResponse, data=body.data,
                                                                    headers=body.headers))
        return stored_push.echoed(answer, batch.batch_id)

    def _send(self, batch: Batch, request: Callable[[EncodedBody], Sent]) -> Sent:
        """`request` of the batch's body, counted in the report and measured for the batch sizer."""
        assert batch.body is not None
        self.report.requests += 1
        self.report.push_body_bytes += len(batch.body.data)
        started = time.monotonic()
        outcome = request(batch.body)
        seconds = time.monotonic() - started
        log.debug("Gói %d thao tác, %d B thô, %d B gửi: %.2f s", len(batch.items), batch.size, len(batch.body.data), seconds)
        self.sizer.observe(batch.size, seconds, len(batch.body.data))
        return outcome

    def _recover(self, failed: Batch, error: SyncError) -> None:
        """A batch failed as a whole: its halves are sent (on this thread, one after the other, before any
        later batch leaves) until the operation responsible is alone; anything else ends the push."""
        parts = self._split(failed.items, error)
        while parts:
            part = parts.pop()
            try:
                answer = self._post(Batch(part))
            except SyncError as next_error:
                parts.extend(self._split(part, next_error))
            else:
                self._store_results(answer, part)

    def _split(self, part: list[Outgoing], error: SyncError) -> list[list[Outgoing]]:
        """What to send instead of `part`, which failed with `error`: its halves, or nothing when it is alone
        (then it is a suspect). Raises when splitting cannot help."""
        run = self.run_state
        if error.code in FORM_REFUSED and self.codec != GZIP:
            # The server no longer knows the dictionary this counter holds, or cannot read the packed or zstd
            # form: plain gzip for the rest of the run (the next run's hello agrees again), the same operations.
            log.warning("Máy chủ từ chối dạng gói nén (%s, từ điển %s); gửi bằng gzip", error.code,
                        self.codec.dictionary_id)
            self.codec = GZIP
            return [part]
        if isinstance(error, TooLarge):
            if len(part) == 1:
                run.suspects.append((part[0], error.message or TOO_LARGE_MESSAGE))
                return []
            self.sizer.too_large(sum(item.size for item in part))
            return _halves(part)
        if error.status not in BATCH_FAILED:
            raise error  # the network, an overloaded server (429/503), an upgrade: retry later as a whole
        run.failures += 1
        if run.failures > MAX_SPLIT_FAILURES:
            raise error
        if len(part) == 1:
            run.suspects.append((part[0], error.message or f"HTTP {error.status}"))
            return []
        return _halves(part)

    def _settle_suspects(self, *, known: bool = False) -> None:
        """Quarantine the operations the server refused or failed on alone, if it took others in this run
        (or, `known`, they were quarantined in an earlier run on that same evidence).

        A server or proxy that refuses everything (or a hiccup on the only operation there is) puts
        nothing in quarantine: the push is retried later as a whole.
        """
        run = self.run_state
        suspects, run.suspects = run.suspects, []
        if not suspects:
            return
        if not run.proved and not known:
            raise TransientError(suspects[0][1] or "Máy chủ tỉnh gặp lỗi; sẽ thử lại.", code="server_error", status=500)
        with self.db.write() as session:
            for item, message in suspects:
                log.warning("Tạm giữ thao tác seq %s (máy chủ không nhận riêng nó)", item.seq)
                quarantine(session, item.seq, f"Máy chủ tỉnh không xử lý được riêng thao tác này: {message} "
                                              "Thao tác được giữ lại và gửi riêng ở mỗi lần đồng bộ.")
                run.quarantined_now.add(item.seq)

    def _store_results(self, answer: PushResponse, part: list[Outgoing]) -> None:
        """Every answer of the batch in one transaction (one executemany); the report counts them."""
        with paused_gc():
            self._record(answer, part)

    def _record(self, answer: PushResponse, part: list[Outgoing]) -> None:
        self.run_state.proved = True
        report, now = self.report, utc_now()
        sent = {item.wire["op_id"]: item for item in part if isinstance(item.wire, dict)}
        answers: list[Answer] = []
        for result in results_of(answer, {item.seq: op_id for op_id, item in sent.items()}):
            item = sent.pop(result.op_id, None)
            if item is None:
                continue  # not an operation of this batch: a confused or hostile answer is ignored
            if item.withdrawal_reason is not None:
                # The server recorded the withdrawal: the operation now counts as refused, with the
                # counter's own reason (kept in the row) rather than the server's echo of it.
                answers.append(Answer(item.seq, OutboxState.REJECTED, WITHDRAWN, item.withdrawal_reason))
                report.rejected += 1
                report.problems.append({"seq": item.seq, "status": "rejected", "code": WITHDRAWN,
                                        "message": item.withdrawal_reason})
                continue
            if result.status is OpStatus.REJECTED and result.code in RETRYABLE_CODES:
                answers.append(Answer(item.seq, OutboxState.PENDING, result.code, result.message))
                continue
            answers.append(Answer(item.seq, STATE_FOR[result.status], result.code, result.message))
            if result.status in (OpStatus.ACCEPTED, OpStatus.DUPLICATE):
                report.pushed += 1
                report.duplicates += 1 if result.status is OpStatus.DUPLICATE else 0
            else:
                report.problems.append({"op_id": result.op_id, "seq": item.seq, "status": result.status.value,
                                        "code": result.code, "message": result.message})
                if result.status is OpStatus.CONFLICT:
                    report.conflicts += 1
                else:
                    report.rejected += 1
        with self.db.write() as session:
            record_results(session, answers, now)
            # Operations the answer left out stay in flight and are sent again next time.
            note_server_head(session, answer.audit_seq, answer.audit_hash)


def _halves(part: list[Outgoing]) -> list[list[Outgoing]]:
    """The two halves of a batch, the second first: the stack pops the first half first."""
    middle = len(part) // 2
    return [part[middle:], part[:middle]]

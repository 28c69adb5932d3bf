"""One sync run of a counter: hello, reconcile epochs, push the outbox, pull changes, upload scans.

Order matters: the dossiers' data goes first and never waits behind a scan; the pull cursor moves only
in the transaction that applies its page; every server answer is stored before the next request.
Transient failures are retried with exponential backoff and jitter; the run then ends, and the next
run (the GUI's timer, or `counter-app sync` without --once) carries on: the queue is never abandoned.
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from counter_app import __version__
from counter_app.domain.errors import DomainError
from counter_app.services.clock import utc_now
from counter_app.services.credentials import load_token
from counter_app.storage.database import Database
from counter_app.storage.models import OutboxOp, SyncJournal
from counter_app.storage.outbox import PAYLOAD_SCHEMA_VERSION
from counter_app.storage.sync_store import (
    apply_change,
    epoch_base,
    get_state,
    mark_in_flight,
    max_seq,
    ops_to_send,
    payload_of,
    record_result,
    reopen_after,
)
from sync.client.blobs import upload_pending_blobs
from sync.client.lock import SingleFlight
from sync.client.transport import PermanentError, SyncError, TooLarge, TransientError, Transport
from sync.protocol import (
    SUPPORTED_PROTOCOL_VERSIONS,
    HelloRequest,
    HelloResponse,
    Operation,
    OpStatus,
    PullPage,
    PushBatch,
    PushResponse,
)

log = logging.getLogger(__name__)
RETRYABLE_CODES = {"payload_hash_mismatch", "busy"}
PULL_PAGE = 200
STATE_FOR = {OpStatus.ACCEPTED: "acked", OpStatus.DUPLICATE: "acked", OpStatus.CONFLICT: "conflict",
             OpStatus.REJECTED: "rejected"}


class NotEnrolled(DomainError):
    def __init__(self) -> None:
        super().__init__("Quầy chưa đăng ký với máy chủ tỉnh. Hãy chạy «counter-app enroll --server URL --code MÃ».")


@dataclass
class SyncReport:
    ok: bool = False
    pushed: int = 0
    duplicates: int = 0
    rejected: int = 0
    conflicts: int = 0
    pulled: int = 0
    blobs_uploaded: int = 0
    requests: int = 0
    attempts: int = 0
    bytes_sent: int = 0
    bytes_received: int = 0
    clock_skew_seconds: float | None = None
    restore_detected: str = ""
    errors: list[str] = field(default_factory=list)
    problems: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class SyncRunner:
    def __init__(
        self,
        db: Database,
        data_dir: Path,
        *,
        transport_factory: Callable[[str, str], Transport] | None = None,
        max_attempts: int = 6,
        base_delay: float = 1.0,
        max_delay: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.db = db
        self.data_dir = data_dir
        self.transport_factory = transport_factory or (lambda url, token: Transport(url, token))
        self.max_attempts = max_attempts
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.sleep = sleep
        self.rng = rng or random.Random()
        self.batch_bytes: int | None = None

    def backoff(self, attempt: int) -> float:
        """Exponential with full jitter, so 500 counters back online at 08:00 do not stampede."""
        ceiling = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        return ceiling * (0.5 + self.rng.random() / 2)

    def run_once(self) -> SyncReport:
        report = SyncReport()
        with SingleFlight(self.data_dir):
            with self.db.read() as session:
                state = get_state(session)
                if state is None:
                    raise NotEnrolled()
                url, device_id = state.server_url, state.device_id
            transport = self.transport_factory(url, load_token(device_id))
            started = utc_now()
            try:
                for attempt in range(1, self.max_attempts + 1):
                    report.attempts = attempt
                    try:
                        self._session(transport, report)
                        report.ok = True
                        break
                    except TransientError as error:
                        report.errors.append(error.message)
                        if attempt == self.max_attempts:
                            break
                        self.sleep(self.backoff(attempt))
                    except PermanentError as error:
                        report.errors.append(error.message)
                        break
            finally:
                report.bytes_sent, report.bytes_received = transport.bytes_sent, transport.bytes_received
                report.clock_skew_seconds = transport.clock_skew_seconds
                transport.close()
                self._finish(report, started)
        return report

    # -- one attempt ---------------------------------------------------------------------------------

    def _session(self, transport: Transport, report: SyncReport) -> None:
        hello = self._hello(transport, report)
        if self._reconcile(hello, report):
            hello = self._hello(transport, report)
        self._push(transport, hello, report)
        self._pull(transport, hello, report)
        report.blobs_uploaded += upload_pending_blobs(self.db, self.data_dir, transport, hello.limits, report)

    def _hello(self, transport: Transport, report: SyncReport) -> HelloResponse:
        with self.db.read() as session:
            state = get_state(session)
            assert state is not None
            request = HelloRequest(protocol_versions=list(SUPPORTED_PROTOCOL_VERSIONS), schema_versions=[PAYLOAD_SCHEMA_VERSION],
                                   app_version=__version__, device_epoch=state.device_epoch,
                                   epoch_base_seq=state.epoch_base_seq)
        report.requests += 1
        hello = transport.call("POST", "/sync/hello", HelloResponse, json_body=request.model_dump(mode="json"))
        if hello.device_epoch != request.device_epoch:
            raise TransientError("Máy chủ trả lời cho một phiên khác của quầy; sẽ thử lại.", code="epoch_echo")
        return hello

    def _reconcile(self, hello: HelloResponse, report: SyncReport) -> bool:
        """Detect restores. True if a new epoch was started (say hello again)."""
        with self.db.write() as session:
            state = get_state(session)
            assert state is not None
            local_max = max_seq(session)
            if hello.acked_seq > local_max or _unsent_within(session, state.epoch_base_seq, hello.acked_seq):
                # The server holds more of this epoch than this database ever wrote, or holds operations
                # under numbers this database gave to work it never sent (the clerk kept working after
                # the restore): it was restored from an older backup. New numbers must never reuse the
                # ones the server already has.
                state.device_epoch = str(uuid.uuid4())
                state.epoch_base_seq = epoch_base(session)
                report.restore_detected = "counter"
                log.warning("Phát hiện CSDL quầy được khôi phục từ bản sao lưu cũ; bắt đầu kỷ nguyên mới")
                return True
            answered = _answered_through(session, state.epoch_base_seq)
            if hello.acked_seq < answered:
                # The server lost what it had acknowledged (restored from backup): send it again.
                reopened = reopen_after(session, hello.acked_seq)
                report.restore_detected = "server"
                log.warning("Máy chủ thiếu %s thao tác đã xác nhận; gửi lại", reopened)
            if state.pull_cursor > hello.last_change_seq:
                state.pull_cursor = hello.last_change_seq
            if state.server_epoch != hello.server_epoch:
                state.server_epoch = hello.server_epoch
        return False

    def _push(self, transport: Transport, hello: HelloResponse, report: SyncReport) -> None:
        target = self.batch_bytes or hello.limits.preferred_batch_bytes
        while True:
            with self.db.write() as session:
                state = get_state(session)
                assert state is not None
                candidates = ops_to_send(session, hello.limits.max_ops_per_batch)
                if not candidates:
                    return
                ops, size = [], 0
                for row in candidates:
                    size += len(row.payload) + 300
                    if ops and size > target:
                        break
                    ops.append(row)
                batch = PushBatch(batch_id=str(uuid.uuid4()), device_epoch=state.device_epoch,
                                  ops=[_to_wire(row) for row in ops])
                mark_in_flight(session, [row.seq for row in ops], batch.batch_id)
            report.requests += 1
            try:
                answer = transport.call("POST", "/sync/push", PushResponse, json_body=batch.model_dump(mode="json"),
                                        gzip_body=True)
            except TooLarge:
                if len(ops) == 1:
                    self._give_up_on(ops[0].op_id, report)
                    continue
                target = max(2_000, size // 2)
                self.batch_bytes = target
                continue
            if answer.batch_id != batch.batch_id:
                raise TransientError("Phản hồi không khớp gói đã gửi; sẽ gửi lại.", code="batch_echo")
            self._store_results(answer, report)

    def _store_results(self, answer: PushResponse, report: SyncReport) -> None:
        now = utc_now()
        with self.db.write() as session:
            for result in answer.results:
                if result.status is OpStatus.REJECTED and result.code in RETRYABLE_CODES:
                    record_result(session, result.op_id, "pending", result.code, result.message, now)
                    continue
                record_result(session, result.op_id, STATE_FOR[result.status], result.code, result.message, now)
                if result.status is OpStatus.ACCEPTED:
                    report.pushed += 1
                elif result.status is OpStatus.DUPLICATE:
                    report.pushed += 1
                    report.duplicates += 1
                else:
                    report.problems.append({"op_id": result.op_id, "seq": result.seq, "status": result.status.value,
                                            "code": result.code, "message": result.message})
                    if result.status is OpStatus.CONFLICT:
                        report.conflicts += 1
                    else:
                        report.rejected += 1

    def _give_up_on(self, op_id: str, report: SyncReport) -> None:
        message = "Thao tác quá lớn so với giới hạn của máy chủ tỉnh; cần kỹ thuật viên kiểm tra."
        with self.db.write() as session:
            record_result(session, op_id, "rejected", "too_large", message, utc_now())
        report.rejected += 1
        report.problems.append({"op_id": op_id, "status": "rejected", "code": "too_large", "message": message})

    def _pull(self, transport: Transport, hello: HelloResponse, report: SyncReport) -> None:
        while True:
            with self.db.read() as session:
                state = get_state(session)
                assert state is not None
                cursor, device_id = state.pull_cursor, state.device_id
            report.requests += 1
            page = transport.call("GET", "/sync/pull", PullPage, params={"after": cursor, "limit": PULL_PAGE})
            if page.after != cursor or page.server_epoch != hello.server_epoch:
                raise TransientError("Trang dữ liệu nhận về không khớp yêu cầu; sẽ thử lại.", code="pull_echo")
            now = utc_now()
            with self.db.write() as session:
                state = get_state(session)
                assert state is not None
                if state.pull_cursor != cursor:
                    raise TransientError("Con trỏ đồng bộ đã đổi trong lúc tải; sẽ thử lại.", code="cursor_moved")
                for change in page.changes:
                    apply_change(session, change.kind.value, change.payload, device_id, now)
                state.pull_cursor = page.last_seq
            report.pulled += len(page.changes)
            if not page.has_more:
                return

    def _finish(self, report: SyncReport, started: Any) -> None:
        now = utc_now()
        with self.db.write() as session:
            state = get_state(session)
            if state is not None:
                state.last_attempt_at = now
                state.clock_skew_seconds = report.clock_skew_seconds
                if report.ok:
                    state.last_success_at = now
                    state.last_error = None
                else:
                    state.last_error = report.errors[-1] if report.errors else "Không rõ lỗi"
            session.add(SyncJournal(started_at=started, finished_at=now, outcome="ok" if report.ok else "failed",
                                    pushed=report.pushed, pulled=report.pulled, rejected=report.rejected,
                                    conflicts=report.conflicts, blobs_uploaded=report.blobs_uploaded,
                                    bytes_sent=report.bytes_sent, bytes_received=report.bytes_received,
                                    message="; ".join(report.errors[-3:])))


def _to_wire(row: OutboxOp) -> Operation:
    return Operation(op_id=row.op_id, seq=row.seq, entity=row.entity, entity_id=row.entity_id, op_type=row.op_type,
                     base_version=row.base_version, schema_version=row.schema_version, created_at=row.created_at,
                     payload=payload_of(row), payload_hash=row.payload_hash)


def _unsent_within(session: Any, base: int, acked: int) -> bool:
    """True if an operation never sent carries a seq of this epoch that the server already holds."""
    from sqlalchemy import select

    return session.scalar(
        select(OutboxOp.seq).where(OutboxOp.seq > base, OutboxOp.seq <= acked, OutboxOp.state == "pending").limit(1)
    ) is not None


def _answered_through(session: Any, base: int) -> int:
    """The highest seq such that every operation of this epoch up to it has a server answer."""
    from sqlalchemy import select

    states = session.execute(select(OutboxOp.seq, OutboxOp.state).where(OutboxOp.seq > base).order_by(OutboxOp.seq)).all()
    through = base
    for seq, state in states:
        if state in ("pending", "in_flight") or seq != through + 1:
            break
        through = seq
    return through


__all__ = ["NotEnrolled", "SyncError", "SyncReport", "SyncRunner"]

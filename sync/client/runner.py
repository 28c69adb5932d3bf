"""One sync run of a counter: hello, reconcile epochs, push the outbox, pull changes, upload scans.

Order matters: the dossiers' data goes first and never waits behind a scan; the pull cursor moves only
in the transaction that applies its page; a push request leaves only once the one before was answered
(its answers are stored while the next travels, sync/client/push.py).
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
from counter_app.domain.operations import printable
from counter_app.services.clock import utc_now
from counter_app.services.credentials import load_token
from counter_app.services.outbox_housekeeping import prune_after_sync
from counter_app.storage.database import Database
from counter_app.storage.models import SyncJournal
from counter_app.storage.outbox import PAYLOAD_SCHEMA_VERSION
from counter_app.storage.outbox_pruning import pruned_between, pruned_loss
from counter_app.storage.sync_store import (
    answered_through,
    apply_change,
    epoch_base,
    get_state,
    max_seq,
    reopen_after,
    unsent_within,
)
from counter_app.updates.download import sync_step as update_step
from sync.client.batch_size import BatchSizer
from sync.client.blobs import upload_pending_blobs
from sync.client.dictionary import codec_for
from sync.client.lock import SingleFlight
from sync.client.pullback import STORE_ERRORS, pull_back, pullback_pending
from sync.client.push import Pusher
from sync.client.token_rotation import CAPABILITY as TOKEN_ROTATION
from sync.client.token_rotation import adopt_offered_token, call_with_previous_token
from sync.client.transport import PermanentError, SyncError, TransientError, Transport
from sync.protocol import (
    SUPPORTED_PROTOCOL_VERSIONS,
    Capability,
    Change,
    ChangeKind,
    HelloRequest,
    HelloResponse,
    PullPage,
)

log = logging.getLogger(__name__)
# Errors that stop a whole sync run: this device may not sync, or must be upgraded first.
STOP_CODES = {"upgrade_required", "device_revoked", "bad_token", "missing_token"}
PULL_PAGE = 200
# A backlog is stored at the province (sync/client/push.py) only over a link whose hello came back this fast: on
# a slow one (2G: 300 ms each way) the link, not the province, is what a push waits for, and fetching the
# answers afterwards would cost a round trip per batch.
STORE_WITHIN_SECONDS = 0.15


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
    push_body_bytes: int = 0  # push request bodies as encoded (packed, compressed), headers not counted
    clock_skew_seconds: float | None = None
    restore_detected: str = ""
    pulled_back: int = 0  # dossiers taken back from the province after a restore
    stored_batches: int = 0  # push batches stored at the province and applied there in the background
    stored_answers_carried: int = 0  # of them, answered on a later store's 202 (not asked for one by one)
    stored_seconds: float | None = None  # from the push's start until its backlog was stored (the link may go)
    stored_batches_answered_later: int = 0  # stored by an earlier run, answered in this one (not sent again)
    errors: list[str] = field(default_factory=list)
    problems: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def losses(self) -> list[str]:
        """What the counter can never send again (a server restored from before a pruning), in Vietnamese: said
        even by a run that succeeded, in the sync journal (F7) and the status bar."""
        return [str(problem.get("message", "")) for problem in self.problems if problem.get("status") == "lost"]

    def passed_over(self) -> list[str]:
        """The province's changes this desk could not apply and went past, in Vietnamese: kept in the sync journal
        (F7), since the next run does not meet them again."""
        return [str(problem["message"]) for problem in self.problems if problem.get("code") == "bad_change"]


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
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        self.db = db
        self.data_dir = data_dir
        self.transport_factory = transport_factory or (lambda url, token: Transport(url, token))
        self.max_attempts = max_attempts
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.sleep, self.clock = sleep, clock  # the waits: backoff between attempts, stored answers
        self.rng = rng or random.Random()
        self.batch_bytes: int | None = None
        self.hello_seconds: float | None = None

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
            if report.ok:
                prune_after_sync(self.db, self.data_dir)  # at most once a day: acknowledged rows past retention
        return report

    # -- one attempt ---------------------------------------------------------------------------------

    def _session(self, transport: Transport, report: SyncReport) -> None:
        """Hello, then push, pull and scans, each of which runs even if one before it failed.

        The province's status changes and the scans must not wait behind a push the server cannot take
        right now; a failure is raised at the end so that the run is retried with backoff.
        """
        hello = self._hello(transport, report)
        if self._reconcile(hello, report):
            hello = self._hello(transport, report)
        if pullback_pending(self.db):  # restored by `counter-app restore`: take our own dossiers back first
            report.pulled_back = pull_back(self.db, transport, report)
        failures: list[SyncError] = []
        steps: list[Callable[[], object]] = [
            lambda: self._push(transport, hello, report),
            lambda: self._pull(transport, hello, report),
            lambda: self._upload_blobs(transport, hello, report),
            lambda: update_step(self.data_dir, transport, hello.releases),  # issue 12: counter updates
        ]
        for step in steps:
            try:
                step()
            except SyncError as error:
                if error.status in (401, 403) or error.code in STOP_CODES:
                    raise  # the device is not allowed to sync at all: nothing else would work either
                failures.append(error)
        if failures:
            raise failures[0]

    def _upload_blobs(self, transport: Transport, hello: HelloResponse, report: SyncReport) -> None:
        report.blobs_uploaded += upload_pending_blobs(self.db, self.data_dir, transport, hello.limits, report)

    def _hello(self, transport: Transport, report: SyncReport) -> HelloResponse:
        with self.db.read() as session:
            state = get_state(session)
            assert state is not None
            request = HelloRequest(protocol_versions=list(SUPPORTED_PROTOCOL_VERSIONS), schema_versions=[PAYLOAD_SCHEMA_VERSION],
                                   app_version=__version__, device_epoch=state.device_epoch,
                                   epoch_base_seq=state.epoch_base_seq, capabilities=[TOKEN_ROTATION])
            device_id = state.device_id
        report.requests += 1
        started = time.monotonic()
        hello = call_with_previous_token(
            lambda: transport.call("POST", "/sync/hello", HelloResponse, json_body=request.model_dump(mode="json")),
            device_id, transport)
        self.hello_seconds = time.monotonic() - started  # the link's round trip, near enough (a small request)
        if hello.device_epoch != request.device_epoch:
            raise TransientError("Máy chủ trả lời cho một phiên khác của quầy; sẽ thử lại.", code="epoch_echo")
        adopt_offered_token(hello, device_id, transport)  # stored before use; the old one works until then
        return hello

    def _reconcile(self, hello: HelloResponse, report: SyncReport) -> bool:
        """Detect restores. True if a new epoch was started (say hello again)."""
        with self.db.write() as session:
            state = get_state(session)
            assert state is not None
            local_max = max_seq(session)
            if hello.acked_seq > local_max or unsent_within(session, state.epoch_base_seq, hello.acked_seq):
                # The server holds more of this epoch than this database ever wrote, or holds operations
                # under numbers this database gave to work it never sent (the clerk kept working after
                # the restore): it was restored from an older backup. New numbers must never reuse the
                # ones the server already has.
                state.device_epoch = str(uuid.uuid4())
                state.epoch_base_seq = epoch_base(session)
                state.server_audit_seq, state.server_audit_hash = 0, ""  # the old epoch's rows are not ours
                report.restore_detected = "counter"
                log.warning("Phát hiện CSDL quầy được khôi phục từ bản sao lưu cũ; bắt đầu kỷ nguyên mới")
                return True
            answered = answered_through(session, state.epoch_base_seq)
            if hello.acked_seq < answered:
                # The server lost what it had acknowledged (restored from backup): send it again.
                reopened = reopen_after(session, hello.acked_seq)
                report.restore_detected = "server"
                log.warning("Máy chủ thiếu %s thao tác đã xác nhận; gửi lại", reopened)
                if lost := pruned_between(session, hello.acked_seq, answered):
                    report.problems.append(pruned_loss(lost))
                    log.error("Máy chủ thiếu %s thao tác quầy đã xoá sau thời hạn lưu giữ; không gửi lại được", lost)
            if state.pull_cursor > hello.last_change_seq:
                state.pull_cursor = hello.last_change_seq
            if state.server_epoch != hello.server_epoch:
                state.server_epoch = hello.server_epoch
        return False

    def _push(self, transport: Transport, hello: HelloResponse, report: SyncReport) -> None:
        """Send every open operation once in this run (sync/client/push.py), batches sized to the link; the
        size the run ended with is where the next run starts."""
        sizer = BatchSizer.for_limits(hello.limits, self.batch_bytes)
        try:
            inbox = Capability.STORED_PUSH.value in hello.capabilities
            stores = inbox and (self.hello_seconds or 0) < STORE_WITHIN_SECONDS
            Pusher(self.db, transport, report, codec_for(hello, transport, self.data_dir), sizer, stores=stores,
                   inbox=inbox, clock=self.clock, sleep=self.sleep).push()
        finally:
            self.batch_bytes = sizer.target_bytes

    def _pull(self, transport: Transport, hello: HelloResponse, report: SyncReport) -> None:
        """Pages of the unit's changes after the cursor. None is asked for when hello said the feed ends at the
        cursor: a change made since is taken by the next run, and most syncs save a round trip (300 ms on 2G)
        and the province a request."""
        with self.db.read() as session:
            state = get_state(session)
            assert state is not None
            if state.pull_cursor >= hello.last_change_seq:
                return
        while True:
            with self.db.read() as session:
                state = get_state(session)
                assert state is not None
                cursor, device_id = state.pull_cursor, state.device_id
            report.requests += 1
            page = transport.call("GET", "/sync/pull", PullPage, params={"after": cursor, "limit": PULL_PAGE,
                                                                          "resolutions": 1})
            if page.after != cursor or page.server_epoch != hello.server_epoch or not _well_ordered(page, PULL_PAGE):
                raise TransientError("Trang dữ liệu nhận về không khớp yêu cầu; sẽ thử lại.", code="pull_echo")
            now = utc_now()
            with self.db.write() as session:
                state = get_state(session)
                assert state is not None
                if state.pull_cursor != cursor:
                    raise TransientError("Con trỏ đồng bộ đã đổi trong lúc tải; sẽ thử lại.", code="cursor_moved")
                for change in page.changes:
                    try:
                        with session.begin_nested():
                            apply_change(session, change.kind.value, change.payload, device_id, now)
                    except STORE_ERRORS as error:
                        # One change the counter cannot use must not stop the ones behind it.
                        log.error("Bỏ qua thay đổi %s từ máy chủ (%s)", change.seq, type(error).__name__)
                        report.problems.append({"change_seq": change.seq, "kind": change.kind.value, "code": "bad_change",
                                                "message": _passed_over(change)})
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
                                    message="; ".join([*report.errors[-3:], *report.losses(), *report.passed_over()])))


_CHANGE_WORDS = {ChangeKind.PROCEDURE: "thủ tục", ChangeKind.CALENDAR: "lịch làm việc",
                 ChangeKind.DOSSIER_STATUS: "trạng thái hồ sơ", ChangeKind.DESK_SLOT: "số quầy",
                 ChangeKind.NUMBER_RANGE: "dải số", ChangeKind.ACCOUNT: "tài khoản",
                 ChangeKind.CONFLICT_RESOLUTION: "quyết định về xung đột"}


def _passed_over(change: Change) -> str:
    """What the journal says of a change this desk could not apply: its number, what it is and what it names (as
    sent, so quoted printable and short)."""
    names = printable(change.entity_id, 60)
    return (f"Quầy không áp dụng được thay đổi số {change.seq} từ máy chủ tỉnh ({_CHANGE_WORDS.get(change.kind, change.kind.value)}"
            f"{' ' + names if names else ''}); đã bỏ qua, các thay đổi khác đã nhận.")


def _well_ordered(page: PullPage, limit: int) -> bool:
    """A page answers what was asked: at most `limit` changes, in increasing order after the cursor."""
    seqs = [change.seq for change in page.changes]
    if len(seqs) > limit or any(b <= a for a, b in zip([page.after, *seqs], seqs, strict=False)):
        return False
    return page.last_seq == (seqs[-1] if seqs else page.after)


__all__ = ["NotEnrolled", "SyncError", "SyncReport", "SyncRunner"]

"""The background sync of the counter: a run every few minutes and on demand (F9), never on the GUI thread.

One run at a time, on its own one-thread pool, so a slow or dead network never delays a search or an
intake save (the runner does its own short write transactions). After a failed run the next one waits
longer (1, 2, 4 … up to 15 minutes, with jitter); a success brings back the normal interval; the queue
is never given up. The queue summary is re-read every ~20 s and whenever the main window asks
(`refresh()` after an intake save), and every new snapshot is emitted as `state_changed(SyncStatus)`
and, worded for the status bar, as `text_changed(str)`.
"""

from __future__ import annotations

import dataclasses
import html
import logging
import random
import threading
import time
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal

from counter_app.domain.errors import DomainError
from counter_app.domain.formats import short_moment
from counter_app.services.clock import utc_now
from counter_app.services.sync_status import SyncStatus, sync_status
from counter_app.ui import palette
from counter_app.ui.context import UiContext
from counter_app.ui.palette import in_colour

if TYPE_CHECKING:
    from sync.client.runner import SyncReport

translate = QCoreApplication.translate  # the status bar line: marked for lupdate, context "SyncStatus"
log = logging.getLogger(__name__)

REFRESH_SECONDS = 20.0
BACKOFF_BASE_SECONDS = 60.0
BACKOFF_MAX_SECONDS = 15 * 60.0
SKEW_WARNING_SECONDS = 120.0
FIRST_RUN_DELAY_SECONDS = 10.0  # after start: let the window settle, then send what waited overnight
SHORT_ERROR_CHARS = 90
NOT_ENROLLED_STATE = "Chưa đăng ký máy chủ"
# Inside one run the runner retries a few times itself; the worker's own backoff does the rest.
RUNNER_DEFAULTS: dict[str, Any] = {"max_attempts": 3, "base_delay": 2.0, "max_delay": 30.0}


class _Stopped(Exception):
    """Raised inside a run's retry pause when the window closes: end the run now."""


# -- wording ------------------------------------------------------------------------------------------


def age_text(age: timedelta) -> str:
    """'vừa xong', '5 phút', '2 giờ', '3 ngày'."""
    seconds = max(0, int(age.total_seconds()))
    if seconds < 60:
        return QCoreApplication.translate("sync_worker", "vừa xong")
    if seconds < 3600:
        return translate("SyncStatus", "{count} phút").format(count=seconds // 60)
    if seconds < 86400:
        return translate("SyncStatus", "{count} giờ").format(count=seconds // 3600)
    return translate("SyncStatus", "{count} ngày").format(count=seconds // 86400)


def skew_text(seconds: float) -> str:
    """The size of a clock difference: '45 giây', '5 phút', '2 giờ 10 phút', '3 ngày'."""
    value = abs(round(seconds))
    if value < 60:
        return QCoreApplication.translate("sync_worker", "{value} giây").format(value=value)
    if value < 3600:
        return QCoreApplication.translate("sync_worker", "{round} phút").format(round=round(value / 60))
    if value < 86400:
        hours, minutes = divmod(round(value / 60), 60)
        return QCoreApplication.translate("sync_worker", "{hours} giờ").format(hours=hours) + (QCoreApplication.translate("sync_worker", " {minutes} phút").format(minutes=minutes) if minutes else "")
    return QCoreApplication.translate("sync_worker", "{value} ngày").format(value=value // 86400)


def short_error(message: str) -> str:
    message = " ".join(message.split())
    return message if len(message) <= SHORT_ERROR_CHARS else message[: SHORT_ERROR_CHARS - 1].rstrip() + "…"


def skew_warning(status: SyncStatus) -> str:
    """'Đồng hồ máy lệch 5 phút so với máy chủ' when the clocks differ by more than 2 minutes, else ''."""
    skew = status.clock_skew_seconds
    if not status.enrolled or skew is None or abs(skew) <= SKEW_WARNING_SECONDS:
        return ""
    return translate("SyncStatus", "Đồng hồ máy lệch {skew} so với máy chủ").format(skew=skew_text(skew))


def _status_parts(status: SyncStatus, running: bool) -> tuple[str, list[str], str]:
    """(main text, further parts, error part) of the status bar line."""
    if not status.enrolled:
        main = translate("SyncStatus", "Đồng bộ: chưa đăng ký máy chủ tỉnh")
        parts = [translate("SyncStatus", "chờ gửi {count}").format(count=status.pending)] if status.pending else []
        return main, parts, ""
    parts: list[str] = []
    error = ""
    if status.last_error:
        error = translate("SyncStatus", "lỗi — {error}").format(error=short_error(status.last_error))
    if status.pending:
        queue = translate("SyncStatus", "chờ gửi {count}").format(count=status.pending)
        if status.oldest_pending_age is not None:
            queue += translate("SyncStatus", " (cũ nhất {age})").format(age=age_text(status.oldest_pending_age))
    else:
        queue = translate("SyncStatus", "đã gửi hết")
    parts.append(queue)
    parts.append(translate("SyncStatus", "lần cuối {moment}").format(
        moment=short_moment(status.last_success_at, status.checked_at or utc_now()))
                 if status.last_success_at else translate("SyncStatus", "chưa đồng bộ lần nào"))
    if status.problems:
        parts.append(translate("SyncStatus", "{count} thao tác cần xem lại (F7)").format(count=status.problems))
    if running:
        parts.append(translate("SyncStatus", "đang đồng bộ…"))
    return translate("SyncStatus", "Đồng bộ:"), parts, error


def status_text(status: SyncStatus, running: bool = False) -> str:
    """The status bar line as plain text, e.g. 'Đồng bộ: chờ gửi 12 (cũ nhất 2 giờ) · lần cuối 10:42'."""
    main, parts, error = _status_parts(status, running)
    if error:
        main = f"{main} {error}"
    elif status.enrolled:
        main = f"{main} {parts.pop(0)}"
    text = " · ".join([main, *parts])
    warning = skew_warning(status)
    return f"{text} · {warning}" if warning else text


def status_html(status: SyncStatus, running: bool = False) -> str:
    """The same line for the status bar label: the error in red, the clock warning in amber."""
    main, parts, error = _status_parts(status, running)
    pieces = [html.escape(main)]
    if error:
        pieces.append(' ' + in_colour(html.escape(error), palette.ERROR))
    elif status.enrolled:
        pieces.append(" " + html.escape(parts.pop(0)))
    text = "".join(pieces)
    for part in parts:
        text += " · " + html.escape(part)
    warning = skew_warning(status)
    if warning:
        text += ' · ' + in_colour(html.escape(warning), palette.WARNING)
    return text


# -- the worker -----------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class RunOutcome:
    """What one run ended with; `error` is set when the run could not even start or crashed."""

    report: SyncReport | None
    status: SyncStatus
    read_at: float
    not_enrolled: bool = False
    busy: bool = False
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.report is not None and self.report.ok


NOT_ENROLLED_TEXT = (
    "Chưa đồng bộ được: quầy chưa đăng ký với máy chủ tỉnh. Mở màn hình Đồng bộ (F7), chọn «Đăng ký máy chủ…» "
    "và nhập mã đăng ký do giám sát viên cấp."
)


def outcome_text(outcome: RunOutcome) -> str:
    """One sentence saying how a sync asked for by the clerk (F9) ended, and why when it could not."""
    if outcome.not_enrolled:
        return NOT_ENROLLED_TEXT
    if outcome.busy:
        return QCoreApplication.translate("sync_worker", "Một phiên đồng bộ khác đang chạy (lệnh counter-app sync?); kết quả sẽ hiện khi phiên đó xong.")
    if outcome.error:
        return QCoreApplication.translate("sync_worker", "Chưa đồng bộ được: {error}").format(error=outcome.error)
    report = outcome.report
    if report is None or not report.ok:
        reasons = "; ".join(report.errors[:2]) if report and report.errors else QCoreApplication.translate("sync_worker", "không kết nối được máy chủ tỉnh")
        return QCoreApplication.translate("sync_worker", "Chưa đồng bộ được: {reasons}. Hồ sơ vẫn lưu an toàn tại quầy và sẽ được gửi lại tự động.").format(reasons=reasons)
    done = QCoreApplication.translate("sync_worker", "Đã đồng bộ xong: gửi {pushed} thao tác, nhận {pulled} cập nhật.").format(pushed=report.pushed, pulled=report.pulled)
    return " ".join([done, *report.losses()])


class SyncWorker(QObject):
    """Owned by the main window; `start()` once, `stop()` on close."""

    state_changed = Signal(object)  # SyncStatus
    text_changed = Signal(str)  # rich text for the status bar label
    running_changed = Signal(bool)
    run_finished = Signal(object)  # RunOutcome

    def __init__(
        self,
        context: UiContext,
        parent: QObject | None = None,
        *,
        interval_minutes: float | None = None,
        refresh_seconds: float = REFRESH_SECONDS,
        backoff_base_seconds: float = BACKOFF_BASE_SECONDS,
        backoff_max_seconds: float = BACKOFF_MAX_SECONDS,
        runner_options: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.data_dir = context.db.path.parent
        if interval_minutes is None:
            interval_minutes = context.settings.sync_interval_minutes()
        self.interval_ms = max(1_000, int(interval_minutes * 60_000))
        self.backoff_base_ms = int(backoff_base_seconds * 1000)
        self.backoff_max_ms = int(backoff_max_seconds * 1000)
        self.runner_options = {**RUNNER_DEFAULTS, **(runner_options or {})}
        self.failures = 0  # consecutive failed runs
        self.status: SyncStatus | None = None
        self._local_error = ""  # a failure the runner could not record (token missing, no keyring …)
        self._running = False
        self._stop = threading.Event()
        self._applied_read_at = -1.0
        self._rng = random.Random()
        self._ran_once = False
        self.chosen_delay_ms: int | None = None  # the wait the rule chose when it last scheduled a run

        self._run_timer = QTimer(self)
        self._run_timer.setSingleShot(True)
        self._run_timer.timeout.connect(self.sync_now)
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setInterval(max(1_000, int(refresh_seconds * 1000)))
        self._refresh_timer.timeout.connect(self.refresh)

    # -- public ---------------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._running

    @property
    def next_run_in_ms(self) -> int | None:
        """Milliseconds until the next automatic run, None when none is scheduled.

        Qt's coarse timers may fire up to 5 % after the wait asked for, and this counts to when the timer
        will fire; the wait the backoff rule chose is `chosen_delay_ms`.
        """
        return self._run_timer.remainingTime() if self._run_timer.isActive() else None

    def start(self) -> None:
        """Show the state now and begin the periodic refresh; runs begin once the counter is enrolled."""
        self._stop.clear()
        self._refresh_timer.start()
        self.refresh()

    def stop(self, msecs: int = 15_000) -> bool:
        """Stop the timers and end a run at its next pause; True if nothing is left running."""
        self._stop.set()
        self._run_timer.stop()
        self._refresh_timer.stop()
        return self.context.tasks.wait_network(msecs)

    def sync_now(self) -> bool:
        """Start a run now (F9, the timer, after enrolment); False if one is already running."""
        if self._running or self._stop.is_set():
            return False
        self._run_timer.stop()
        self._set_running(True)
        self.context.tasks.run(self._run_in_background, self._run_done, network=True, owner=self)
        return True

    def refresh(self, *_: object) -> None:
        """Re-read the queue summary in the background, then emit the new state."""
        db = self.context.db

        def read() -> tuple[float, SyncStatus]:
            read_at = time.monotonic()
            return read_at, sync_status(db)

        self.context.tasks.run(read, self._refreshed, self._refresh_failed, owner=self)

    def status_text(self) -> str:
        """The status bar line (plain text) for the latest known state."""
        return status_text(self.status, self._running) if self.status else ""

    # -- background ---------------------------------------------------------------------------------

    def _sleep(self, seconds: float) -> None:
        if self._stop.wait(seconds):
            raise _Stopped()

    def _run_in_background(self) -> RunOutcome:
        """Runs on the sync thread: one run, then the state as it is after it."""
        # Imported here, on the sync thread: requests and pydantic stay out of the app's start-up time.
        from sync.client.lock import SyncAlreadyRunning
        from sync.client.runner import NotEnrolled, SyncRunner

        db = self.context.db
        report: SyncReport | None = None
        flags: dict[str, Any] = {}
        try:
            runner = SyncRunner(db, self.data_dir, sleep=self._sleep, **self.runner_options)
            report = runner.run_once()
        except NotEnrolled:
            flags["not_enrolled"] = True
        except SyncAlreadyRunning:
            flags["busy"] = True
        except _Stopped:
            flags["error"] = self.tr("Phiên đồng bộ dừng vì ứng dụng đang đóng.")
        except DomainError as error:  # token missing, no keyring …: nothing reached the server
            flags["error"] = error.message
        except Exception:  # a bug must not kill the background sync: log it, show it, go on
            log.exception("Phiên đồng bộ lỗi")
            flags["error"] = self.tr("Lỗi không mong đợi khi đồng bộ (chi tiết đã ghi vào nhật ký); sẽ thử lại.")
        read_at = time.monotonic()
        try:
            status = sync_status(db)
        except Exception:
            log.exception("Không đọc được tình trạng đồng bộ")
            status = self.status or SyncStatus(enrolled=False)
        return RunOutcome(report=report, status=status, read_at=read_at, **flags)

    # -- back on the GUI thread ---------------------------------------------------------------------

    def _run_done(self, outcome: RunOutcome) -> None:
        self._ran_once = True
        if outcome.ok or outcome.not_enrolled:
            self.failures = 0
            self._local_error = ""
        elif not outcome.busy:
            self.failures += 1
            self._local_error = outcome.error
        self._set_running(False)
        self._apply(outcome.read_at, outcome.status)
        self._schedule_next(outcome.status)
        self.run_finished.emit(outcome)
        self.refresh()  # intake saves during the run are counted too

    def _schedule_next(self, status: SyncStatus) -> None:
        if self._stop.is_set() or not status.enrolled:
            self._run_timer.stop()
            return
        if not self._ran_once:
            delay = min(self.interval_ms, int(FIRST_RUN_DELAY_SECONDS * 1000))
        elif self.failures:
            ceiling = min(self.backoff_max_ms, self.backoff_base_ms * 2 ** (self.failures - 1))
            delay = int(ceiling * (0.8 + 0.2 * self._rng.random()))  # spread 500 counters back online
        else:
            delay = self.interval_ms
        self.chosen_delay_ms = max(1, delay)
        self._run_timer.start(self.chosen_delay_ms)

    def _refreshed(self, result: tuple[float, SyncStatus]) -> None:
        read_at, status = result
        self._apply(read_at, status)
        if status.enrolled and not self._running and not self._run_timer.isActive() and not self._stop.is_set():
            self._schedule_next(status)  # enrolled meanwhile (dialog or command line): start the rhythm

    def _refresh_failed(self, error: Exception) -> None:
        log.warning("Không đọc được tình trạng đồng bộ: %s", error)

    def _apply(self, read_at: float, status: SyncStatus) -> None:
        if read_at < self._applied_read_at:
            return  # an older snapshot arriving late must not overwrite a newer one
        self._applied_read_at = read_at
        if self._local_error and status.enrolled:
            status = dataclasses.replace(status, last_error=self._local_error)
        self.status = status
        self._emit()

    def _set_running(self, running: bool) -> None:
        self._running = running
        self.running_changed.emit(running)
        if self.status is not None:
            self._emit()

    def _emit(self) -> None:
        assert self.status is not None
        self.state_changed.emit(self.status)
        self.text_changed.emit(status_html(self.status, self._running))


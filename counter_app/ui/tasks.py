"""The one way screens run slow work: off the GUI thread, results delivered back on it.

Reads run on a small pool; writes run one at a time on their own single-thread pool (one writer, as
SQLite wants); network work (sync, enrolment) runs on a third single-thread pool, so a slow link never
holds up a search or an intake save. Callbacks are called on the GUI thread through queued signals, so they may touch
widgets. Never call services that hit the database directly from a slot on the GUI thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

log = logging.getLogger(__name__)


class _Relay(QObject):
    """Lives on the GUI thread; a worker emits, the GUI thread receives."""

    succeeded = Signal(object)
    failed = Signal(object)


class _Job(QRunnable):
    def __init__(self, fn: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._fn = fn
        self._relay = relay

    def run(self) -> None:
        try:
            result = self._fn()
        except Exception as error:  # delivered to the GUI thread, which decides what to show
            if not isinstance(error, _expected_errors()):
                log.exception("Tác vụ nền lỗi")
            self._relay.failed.emit(error)
        else:
            self._relay.succeeded.emit(result)


def _expected_errors() -> tuple[type[Exception], ...]:
    from counter_app.domain.errors import DomainError

    return (DomainError,)


class TaskRunner(QObject):
    """Owns the thread pools; `run()` returns at once."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._readers = QThreadPool(self)
        self._readers.setMaxThreadCount(2)
        self._writer = QThreadPool(self)
        self._writer.setMaxThreadCount(1)
        self._network = QThreadPool(self)
        self._network.setMaxThreadCount(1)
        self._pending: set[_Relay] = set()

    def run(
        self,
        fn: Callable[[], Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[Exception], None] | None = None,
        *,
        write: bool = False,
        network: bool = False,
    ) -> None:
        relay = _Relay()
        self._pending.add(relay)

        def finished(result: Any) -> None:
            self._pending.discard(relay)
            if on_done:
                on_done(result)

        def failed(error: Exception) -> None:
            self._pending.discard(relay)
            if on_error:
                on_error(error)
            else:
                log.error("Lỗi tác vụ nền không được xử lý: %s", error)

        relay.succeeded.connect(finished)
        relay.failed.connect(failed)
        pool = self._network if network else self._writer if write else self._readers
        pool.start(_Job(fn, relay))

    @property
    def busy(self) -> bool:
        return bool(self._pending)

    def wait(self, msecs: int = 30_000) -> bool:
        """Block until all queued work finished (for shutdown and tests)."""
        return self._readers.waitForDone(msecs) and self._writer.waitForDone(msecs) and self.wait_network(msecs)

    def wait_network(self, msecs: int = 30_000) -> bool:
        return self._network.waitForDone(msecs)

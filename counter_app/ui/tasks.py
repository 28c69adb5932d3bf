"""The one way screens run slow work: off the GUI thread, results delivered back on it.

Reads run on a small pool; writes run one at a time on their own single-thread pool (one writer, as
SQLite wants); network work (sync, enrolment) runs on a third single-thread pool, so a slow link never
holds up a search or an intake save. Callbacks are called on the GUI thread through queued signals, so they may touch
widgets. Never call services that hit the database directly from a slot on the GUI thread.

A result that arrives after the widget that asked for it was closed, or after that widget asked the same
question again, is dropped here, once, rather than in every callback: pass `owner=self` (its callbacks
never run once it is destroyed) and `request="search"` (only the newest request of that name per owner
is answered).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal
from shiboken6 import getCppPointer

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


class _OwnerState:
    """What the runner knows of one owner: is it still there, and which request of each name is newest."""

    def __init__(self) -> None:
        self.alive = True
        self.newest: dict[str, int] = {}


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
        self._owners: dict[int, _OwnerState] = {}
        self._serial = 0

    def run(
        self,
        fn: Callable[[], Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[Exception], None] | None = None,
        *,
        write: bool = False,
        network: bool = False,
        owner: QObject | None = None,
        request: str | None = None,
    ) -> None:
        """Run `fn` in the background; `on_done(result)` or `on_error(error)` later on the GUI thread.

        With `owner`, neither is called once the owner is destroyed; with `request` too, neither is called
        once the owner started a newer request of that name (the answer would be stale). `fn` itself
        still runs to its end (a write is never cut in half).
        """
        if request is not None and owner is None:
            raise ValueError("a superseded request is told per owner: pass owner= too")
        relay = _Relay()
        self._pending.add(relay)
        wanted = self._watch(owner, request)

        def finished(result: Any) -> None:
            self._pending.discard(relay)
            if on_done and wanted():
                on_done(result)

        def failed(error: Exception) -> None:
            self._pending.discard(relay)
            if not wanted():
                log.debug("Bỏ kết quả lỗi của một yêu cầu cũ: %s", error)
            elif on_error:
                on_error(error)
            elif isinstance(error, _expected_errors()):
                log.error("Lỗi tác vụ nền không được xử lý: %s", error)
            else:  # a bug nobody handles: the crash dialog (the worker already logged its traceback)
                from counter_app.crash import WHERE_TASK, report_exception

                report_exception(error, WHERE_TASK, logged=True)

        relay.succeeded.connect(finished)
        relay.failed.connect(failed)
        pool = self._network if network else self._writer if write else self._readers
        pool.start(_Job(fn, relay))

    def _watch(self, owner: QObject | None, request: str | None) -> Callable[[], bool]:
        """A test, made now, of whether the answer is still wanted when it arrives."""
        if owner is None:
            return lambda: True
        key = getCppPointer(owner)[0]  # unique among live Qt objects; its entry goes when the object does
        state = self._owners.get(key)
        if state is None:
            state = self._owners[key] = _OwnerState()

            def gone(_: object = None, key: int = key, state: _OwnerState = state) -> None:
                state.alive = False
                if self._owners.get(key) is state:
                    del self._owners[key]

            owner.destroyed.connect(gone)
        if request is None:
            return lambda: state.alive
        self._serial += 1
        serial = state.newest[request] = self._serial
        return lambda: state.alive and state.newest.get(request) == serial

    def drop(self, owner: QObject, request: str) -> None:
        """Forget the owner's outstanding `request`: its answer, when it comes, is not wanted any more."""
        state = self._owners.get(getCppPointer(owner)[0])
        if state is not None:
            self._serial += 1
            state.newest[request] = self._serial

    @property
    def busy(self) -> bool:
        return bool(self._pending)

    def wait(self, msecs: int = 30_000) -> bool:
        """Block until all queued work finished (for shutdown and tests)."""
        return self._readers.waitForDone(msecs) and self._writer.waitForDone(msecs) and self.wait_network(msecs)

    def wait_network(self, msecs: int = 30_000) -> bool:
        return self._network.waitForDone(msecs)

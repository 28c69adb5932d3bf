"""One report at a time in the background, with its progress and a cancel that really stops it.

The engine (services.reports) calls `Progress.report(done, total)` between its steps, on the worker
thread. Here that call sends `stepped` (queued to the GUI thread as `progressed`) and then raises
`ReportCancelled` once the person pressed Esc, so the engine stops at its next step. A report that
finished although Esc was pressed is dropped too: what the screen shows is either a whole report asked
for and not cancelled, or nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from counter_app.reports.model import Progress, ReportCancelled
from counter_app.ui.tasks import TaskRunner

_CANCELLED = object()  # what the job returns when it stopped (the task runner logs real errors only)


class ReportRun(QObject):
    """`start(build)` runs `build(progress)` on the task runner; one of `done`, `cancelled`, `failed` follows."""

    stepped = Signal(int, int)  # sent on the worker thread, between two steps of the engine
    progressed = Signal(int, int)  # the same, on the GUI thread
    done = Signal(object)
    cancelled = Signal()
    failed = Signal(object)

    def __init__(self, tasks: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.tasks = tasks
        self.running = False
        self._stop = threading.Event()
        self.stepped.connect(self._stepped)  # a slot of this GUI-thread object: queued from the worker

    def start(self, build: Callable[[Progress], Any]) -> None:
        """Run a report; a report still running is cancelled and its answer dropped."""
        self._stop.set()
        stop = self._stop = threading.Event()
        self.running = True

        def on_step(done: int, total: int) -> None:
            self.stepped.emit(done, total)
            if stop.is_set():
                raise ReportCancelled()

        def job() -> Any:
            try:
                result = build(Progress(on_step=on_step, cancelled=stop.is_set))
            except ReportCancelled:
                return _CANCELLED
            return _CANCELLED if stop.is_set() else result

        self.tasks.run(job, self._finished, self._failed, owner=self, request="report")

    def cancel(self) -> bool:
        """Esc: stop the running report at its next step. False when none runs."""
        if not self.running:
            return False
        self._stop.set()
        return True

    @Slot(int, int)
    def _stepped(self, done: int, total: int) -> None:
        if self.running and not self._stop.is_set():
            self.progressed.emit(done, total)

    def _finished(self, result: Any) -> None:
        self.running = False
        if result is _CANCELLED:
            self.cancelled.emit()
        else:
            self.done.emit(result)

    def _failed(self, error: Exception) -> None:
        self.running = False
        self.failed.emit(error)

"""The stored-push applier (sync/server/inbox.py) in processes of its own, for `provincial-server serve`.

Why: applying a batch is Python CPU work (about 0.2 ms per dossier). As a thread of the serving process it
shared the GIL with every request: while one counter's backlog was applied, every other counter's requests
waited their turns, and so did the backlog's own stores (issue 13: 10,000 dossiers on loopback took 3.1-3.4 s
until every answer with the thread, 2.96-2.99 s with a process; bench/README.md, wave 12).

- The serving process keeps `ApplierProcesses`: `serve` in its app's lifespan (uvicorn ends a one-process
  server by raising the signal again once the app has shut down: nothing after uvicorn.run would run), the
  supervisor of `serve --workers N` around its workers. One applier process (on PostgreSQL, one per worker:
  several devices' batches are applied at once), spawned, not forked (each opens its own pool; 0.7 s of CPU
  to start), started with the server; one that dies is replaced within WATCH_SECONDS; they are stopped with
  the server, and one whose serving process was killed ends at once (its parent's sentinel), writing nothing.
- A store wakes them with one datagram to a UDP socket on 127.0.0.1 that the serving process binds and hands
  to each applier (`WakeAppliers`: kept by `ApplierProcesses` in `serve`, by each worker of `serve --workers
  N`). Any local process could send one: a wake only makes an applier look for work, and a flood of them
  (read WAKES_PER_LOOK at a time) does not keep it from working. A wake lost (a full buffer) costs at most
  inbox.POLL_SECONDS: appliers also look then.
- `serve --applier thread` keeps the applier a thread of each web process, as before (a test server whose clock
  the test sets runs so: spawned processes read the machine's clock).
"""

from __future__ import annotations

import contextlib
import gc
import logging
import multiprocessing
import os
import socket
import threading
from multiprocessing import connection
from multiprocessing.process import BaseProcess
from typing import Any

from counter_app.services.clock import utc_now
from sync.protocol import Limits
from sync.server.db import ServerDatabase
from sync.server.dictionaries import DictionaryCache
from sync.server.inbox import Applier

log = logging.getLogger(__name__)
WATCH_SECONDS = 1.0  # how often the serving process looks for a dead applier process
WAKE = b"w"
# One line per applier process, in the server's output (the port: where its wakes come from, for the IT staff)
STARTED = "Tiến trình xử lý gói lưu đã chạy (pid {pid}, nhận tín hiệu đánh thức ở 127.0.0.1:{port})"
WAKES_PER_LOOK = 256  # datagrams read before the applier is woken: a flood of them cannot keep it asleep


class WakeAppliers:
    """What a web process keeps in place of an applier of its own: `wake` tells the applier processes that a
    batch was stored or is asked for; `start` and `stop` have nothing to run."""

    def __init__(self, port: int) -> None:
        self.address = ("127.0.0.1", port)
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.setblocking(False)

    def wake(self) -> None:
        with contextlib.suppress(OSError):  # a full buffer: wakes enough (and they look every POLL_SECONDS anyway)
            self._socket.sendto(WAKE, self.address)

    def start(self) -> None:
        pass

    def stop(self) -> None:
        self._socket.close()


class ApplierProcesses:
    """The serving process's applier processes (see the module docstring); `wake` as a web process's."""

    def __init__(self, database_url: str, limits: Limits, count: int) -> None:
        self.database_url = database_url
        self.limits = limits
        self.count = count
        self.wake_socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.wake_socket.bind(("127.0.0.1", 0))
        self.port: int = self.wake_socket.getsockname()[1]
        self._waker = WakeAppliers(self.port)  # a store in this very process wakes them as a worker's would
        self._context = multiprocessing.get_context("spawn")
        self._processes: list[BaseProcess] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._watch, name="stored-push-appliers", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._waker.wake()

    def stop(self) -> None:
        """Stop watching, then the processes: an apply cut short is rolled back and done again at the next
        start (inbox.py: only a batch's commit records its answer)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        for process in self._processes:
            process.terminate()
        for process in self._processes:
            process.join(timeout=10)
            if process.is_alive():
                process.kill()
        self._waker.stop()
        self.wake_socket.close()

    def _watch(self) -> None:
        while not self._stop.is_set():
            for process in [process for process in self._processes if not process.is_alive()]:
                log.warning("Tiến trình xử lý gói lưu %s đã dừng (mã thoát %s); chạy tiến trình mới", process.pid,
                            process.exitcode)
                self._processes.remove(process)
            while len(self._processes) < self.count and not self._stop.is_set():
                self._processes.append(self._spawn())
            self._stop.wait(WATCH_SECONDS)

    def _spawn(self) -> BaseProcess:
        process = self._context.Process(target=run_applier, name="stored-push-applier", daemon=True,
                                        args=(self.database_url, self.limits.model_dump(), self.wake_socket))
        process.start()
        print(STARTED.format(pid=process.pid, port=self.port), flush=True)
        return process


def run_applier(database_url: str, limits: dict[str, Any], wake_socket: socket.socket) -> None:
    """An applier process: its Applier thread applies stored batches, woken by each datagram, until the serving
    process is gone."""
    db = ServerDatabase(database_url)  # no migration: the serving process ran it before it started serving
    _collect_for_batches()
    applier = Applier(db, Limits(**limits), DictionaryCache(db), utc_now)
    wake_socket.setblocking(False)  # several appliers wait on one socket: one reads a datagram, the rest find none
    parent = multiprocessing.parent_process()
    applier.start()
    try:
        with contextlib.suppress(KeyboardInterrupt):  # Ctrl+C at the server's terminal reaches this process too
            _serve_wakes(applier, wake_socket, parent)
    finally:
        applier.stop()
        db.dispose()


def _collect_for_batches() -> None:
    """Tune the cyclic garbage collector for a process that builds and drops whole batches.

    Parsing one stored batch makes some 100,000 containers, nearly all freed by reference counting when the
    batch is done. Applying it runs with the collector paused (sync/gc_pause.py), but the parse comes first: at
    Python's default (a young collection every 700 allocations) the collector ran about 150 times per batch,
    each older collection walking the objects made at start-up (modules, classes, schemas) too. Young
    collections every 10,000 allocations, and the start-up objects frozen out of every collection, took parsing
    27 stored batches three times from 0.92-0.93 s to 0.83-0.85 s of CPU (either change alone does as much),
    and the applier's CPU for 10,000 dossiers from 1.84-1.90 s to 1.81-1.84 s (bench/README.md, wave 14)."""
    gc.set_threshold(10_000, 10, 10)
    gc.freeze()


def _serve_wakes(applier: Applier, wake_socket: socket.socket, parent: BaseProcess | None) -> None:
    """Wake `applier` for each datagram (those already waiting read at once), until `parent` ends."""
    watched: list[Any] = [wake_socket, *([parent.sentinel] if parent is not None else [])]
    while True:
        ready = connection.wait(watched)
        if parent is not None and parent.sentinel in ready:  # the serving process was killed: end now, an apply
            os._exit(0)  # cut short is rolled back (the next server applies the batch), nothing written after
        with contextlib.suppress(BlockingIOError):
            for _ in range(WAKES_PER_LOOK):  # the wakes waiting: one look at the work answers them all
                wake_socket.recv(64)  # (whatever a datagram holds: only its arrival counts)
        applier.wake()

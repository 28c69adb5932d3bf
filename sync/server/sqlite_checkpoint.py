"""Checkpoints of a SQLite server's write-ahead log, in a thread of their own rather than inside a push.

Under WAL, SQLite copies the log back into the database file (a checkpoint) when a commit finds the log
past `wal_autocheckpoint` pages, and that commit waits for it: on a backlog push this was 70 % of the
commit's time (bench/server_push_stages.py). Here the committing connections leave it to this thread, woken
after each commit, which runs a PASSIVE checkpoint on its own connection: it copies what no reader still
needs and never blocks a writer. If the thread falls behind, the writers' own automatic checkpoint at
SAFETY_NET_PAGES still bounds the log. PostgreSQL needs none of this.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path

log = logging.getLogger(__name__)

# The writers' own automatic checkpoint, kept as a bound should this thread fall behind (4 KiB pages: 40 MB).
SAFETY_NET_PAGES = 10_000


class WalCheckpointer:
    """Runs `PRAGMA wal_checkpoint(PASSIVE)` on `path` after commits (`poke`), one at a time, coalesced."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._wake = threading.Event()
        self._stopped = False
        self.checkpoints = 0  # how many ran: the tests watch it
        self._thread = threading.Thread(target=self._run, name="sqlite-wal-checkpoint", daemon=True)
        self._thread.start()

    def poke(self) -> None:
        """A commit happened: checkpoint soon (several pokes during one checkpoint make one more)."""
        self._wake.set()

    def stop(self) -> None:
        self._stopped = True
        self._wake.set()
        if self._thread is not threading.current_thread():
            self._thread.join(timeout=30)

    def _run(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            if self._stopped:
                return
            try:
                self._checkpoint()
            except sqlite3.Error as error:  # busy or gone: the next commit pokes again, the safety net holds
                log.debug("Bỏ qua một lần checkpoint WAL: %s", error)

    def _checkpoint(self) -> None:
        # mode=rw: a database file gone meanwhile is an error here, never a new empty file
        connection = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=rw", uri=True, timeout=5,
                                     isolation_level=None)
        try:
            connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            self.checkpoints += 1
        finally:
            connection.close()

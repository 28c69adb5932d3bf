"""A SQLite server's write-ahead log is copied back into the database by its own thread
(sync/server/sqlite_checkpoint.py), not by the commit of a push; the writers' automatic checkpoint stays as
a bound should that thread fall behind."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import text

from sync.server.db import ServerDatabase
from sync.server.models import Meta
from sync.server.sqlite_checkpoint import SAFETY_NET_PAGES


def _wait_for_checkpoint(server: ServerDatabase, after: int) -> None:
    checkpointer = server._checkpointer
    assert checkpointer is not None
    done = threading.Event()
    for _ in range(3000):  # no time is asserted: this only waits for the thread's work, at most ~30 s
        if checkpointer.checkpoints > after:
            done.set()
            break
        done.wait(0.01)
    assert done.is_set(), "the checkpoint thread never ran"


def test_the_log_is_copied_back_by_the_thread_not_by_the_commits(tmp_path: Path) -> None:
    path = tmp_path / "server.sqlite"
    server = ServerDatabase.open(f"sqlite:///{path}")
    try:
        with server.session() as session:
            autocheckpoint = session.execute(text("PRAGMA wal_autocheckpoint")).scalar_one()
        assert autocheckpoint == SAFETY_NET_PAGES
        checkpointer = server._checkpointer
        assert checkpointer is not None
        # Stop the thread from running while rows are written: the commits alone leave the data in the log.
        checkpointer.stop()
        size_before = path.stat().st_size
        for batch in range(60):  # 6 MB: past the default autocheckpoint (1,000 pages)
            with server.session() as session:
                session.add_all(Meta(key=f"k{batch}-{i}", value="x" * 2000) for i in range(50))
        assert path.stat().st_size == size_before, "a commit copied the log into the database itself"
        assert Path(f"{path}-wal").stat().st_size > 5_000_000
    finally:
        server.dispose()
    # A server on the same file with its thread: its first check-in wakes it and the data reaches the file.
    server = ServerDatabase.open(f"sqlite:///{path}")
    try:
        checkpointer = server._checkpointer
        assert checkpointer is not None
        before = checkpointer.checkpoints
        with server.session() as session:
            assert session.get(Meta, "k59-49") is not None
        _wait_for_checkpoint(server, before)
        assert path.stat().st_size > size_before + 5_000_000
    finally:
        server.dispose()
    assert not checkpointer._thread.is_alive()


def test_no_thread_for_a_database_in_memory() -> None:
    server = ServerDatabase("sqlite://")
    try:
        assert server._checkpointer is None
    finally:
        server.dispose()

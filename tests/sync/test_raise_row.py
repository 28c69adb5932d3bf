"""A device's audit head only ever goes up, even when two server workers raise it at once (issue 13).

`sync.server.bulk_insert.raise_row` writes it in one INSERT … ON CONFLICT DO UPDATE … WHERE: the database
compares, never Python after a read another worker may have overtaken. Proven by real races on SQLite and
on the suite's PostgreSQL: threads with their own connections, released together by a barrier, each
raising the same head to its own values, and by one transaction holding a higher head while another
tries a lower one.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sync.server.admin import create_unit
from sync.server.auth import enroll, new_enrollment_code
from sync.server.bulk_insert import raise_row
from sync.server.db import ServerDatabase
from sync.server.models import AuditHead

NOW = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)
UNIT = "000.01.48.H20"
THREADS = 4
RAISES = 40


@pytest.fixture(params=["sqlite", "postgres"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[ServerDatabase, str]]:
    url = (request.getfixturevalue("postgres_url") if request.param == "postgres"
           else f"sqlite:///{tmp_path / 'server.sqlite'}")
    db = ServerDatabase.open(url)
    with db.session() as session:
        create_unit(session, UNIT, "UBND phường Hải Châu", NOW)
        code, _ = new_enrollment_code(session, UNIT, NOW)
        device, _token = enroll(session, code, "Quầy 1", "1.0", NOW)
        device_id = device.id
    try:
        yield db, device_id
    finally:
        db.dispose()


def _raise(db: ServerDatabase, device_id: str, seq: int) -> None:
    with db.session() as session:
        raise_row(session, AuditHead.__table__, {"device_id": device_id}, {"seq": seq, "hash": f"h{seq}"}, rank="seq")


def _head(db: ServerDatabase, device_id: str) -> tuple[int, str] | None:
    with db.session() as session:
        head = session.get(AuditHead, device_id)
        return None if head is None else (head.seq, head.hash)


def test_first_raise_inserts_and_a_lower_one_changes_nothing(database: tuple[ServerDatabase, str]) -> None:
    db, device_id = database
    assert _head(db, device_id) is None
    _raise(db, device_id, 7)
    assert _head(db, device_id) == (7, "h7")
    _raise(db, device_id, 3)
    _raise(db, device_id, 7)
    assert _head(db, device_id) == (7, "h7")
    _raise(db, device_id, 9)
    assert _head(db, device_id) == (9, "h9")


def test_racing_raises_leave_the_highest(database: tuple[ServerDatabase, str]) -> None:
    db, device_id = database
    rng = random.Random(13)
    plans = [[rng.randrange(1, 10_000) for _ in range(RAISES)] for _ in range(THREADS)]
    barrier = threading.Barrier(THREADS)
    failures: list[BaseException] = []

    def work(plan: list[int]) -> None:
        try:
            barrier.wait(timeout=30)
            for seq in plan:
                _raise(db, device_id, seq)
        except BaseException as error:  # reported by the main thread
            failures.append(error)

    threads = [threading.Thread(target=work, args=(plan,)) for plan in plans]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures, failures
    top = max(max(plan) for plan in plans)
    assert _head(db, device_id) == (top, f"h{top}")


def test_a_lower_raise_waiting_on_a_higher_one_keeps_the_higher(database: tuple[ServerDatabase, str]) -> None:
    """The interleaving a read-then-write loses: the lower writer decides while the higher is uncommitted."""
    db, device_id = database
    _raise(db, device_id, 1)
    higher_written = threading.Event()
    lower_done = threading.Event()
    errors: list[BaseException] = []

    def lower() -> None:
        try:
            higher_written.wait(timeout=30)
            _raise(db, device_id, 5)  # blocks on the higher transaction's row (PostgreSQL) or write lock (SQLite)
        except BaseException as error:
            errors.append(error)
        finally:
            lower_done.set()

    thread = threading.Thread(target=lower)
    thread.start()
    with db.session() as session:
        raise_row(session, AuditHead.__table__, {"device_id": device_id}, {"seq": 8, "hash": "h8"}, rank="seq")
        higher_written.set()
        assert not lower_done.wait(timeout=0.5)  # the lower one cannot decide before this commits
    thread.join(timeout=60)
    assert not errors, errors
    assert _head(db, device_id) == (8, "h8")

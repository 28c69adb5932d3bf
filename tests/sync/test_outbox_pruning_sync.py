"""Outbox pruning against a real server: restore detection on either side still works after pruning.

a. A counter whose acknowledged rows were all pruned is not mistaken for a restored one (its high-water
   mark is kept), and the server restored from a backup is still noticed across the pruned gap, so the
   operations it lost (not pruned yet) are sent again.
b. A counter put back from a backup taken after pruning notices the server holds more, and starts a new
   epoch: nothing doubled, the new work goes across.

Real parts: a `provincial-server` process on a SQLite file (copied with SQLite's backup API while it
runs, put back while it is stopped), real counter files, the real sync client.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from counter_app.services.intake import IntakeRequest, PersonInput, receive_dossier
from counter_app.services.outbox_housekeeping import prune_after_sync
from counter_app.storage.database import DB_FILENAME, Database
from counter_app.storage.migrate import backup_database
from counter_app.storage.models import OutboxOp, SyncJournal
from counter_app.storage.sync_store import get_state
from sync.client.enrollment import enroll
from sync.client.runner import SyncReport, SyncRunner
from sync.server.admin import import_catalog
from sync.server.db import ServerDatabase
from sync.server.models import Dossier
from tests.conftest import open_counter
from tests.sync.harness import ROOT, ServerProcess, new_unit
from tests.sync.invariants import open_server_db

CATALOG = ROOT / "resources" / "catalog" / "sample-catalog.json"
LATER = datetime.now(UTC) + timedelta(days=31)  # the retention (30 days) has passed for what is acked now


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    url = f"sqlite:///{tmp_path / 'server.sqlite'}"
    db = ServerDatabase.open(url)  # migrated, then the catalog, before the server starts
    with db.session() as s:
        import_catalog(s, CATALOG, datetime.now(UTC))
    db.dispose()
    with ServerProcess(url) as process:
        yield process


def counter(server: ServerProcess, data_dir: Path) -> Database:
    unit, code = new_unit(server)
    db = open_counter(data_dir, unit_code=unit)
    enroll(db, server.url, code)
    return db


def intake(db: Database, name: str) -> str:
    return receive_dossier(db, IntakeRequest("1.001193", PersonInput(
        full_name=name, id_number="049090001234", phone="0905123456", street="12 Lê Lợi"))).code


def sync(db: Database, data_dir: Path) -> SyncReport:
    report = SyncRunner(db, data_dir, base_delay=0.01, max_delay=0.1).run_once()
    assert report.ok, report.errors
    return report


def outbox_rows(db: Database) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(OutboxOp)) or 0


def epoch(db: Database) -> str:
    with db.read() as session:
        state = get_state(session)
        assert state is not None
        return state.device_epoch


def server_codes(server: ServerProcess) -> list[str]:
    db = open_server_db(server.database_url)
    try:
        with db.session() as s:
            return sorted(s.scalars(select(Dossier.code)))
    finally:
        db.dispose()


def server_file(server: ServerProcess) -> Path:
    return Path(server.database_url.removeprefix("sqlite:///"))


@pytest.mark.slow
def test_pruned_counter_keeps_its_epoch_and_still_sees_a_restored_server(server: ServerProcess, tmp_path: Path) -> None:
    data_dir = tmp_path / "counter"
    db = counter(server, data_dir)
    first = [intake(db, name) for name in ("Nguyễn Văn An", "Lê Thị Bình", "Phạm Văn Cường")]
    sync(db, data_dir)
    assert prune_after_sync(db, data_dir, now=LATER).deleted == 3
    assert outbox_rows(db) == 0
    before = epoch(db)

    report = sync(db, data_dir)  # the server holds seq 1-3, the counter no row at all any more

    assert report.restore_detected == "" and epoch(db) == before
    backup = tmp_path / "server-backup.sqlite"
    source, target = sqlite3.connect(server_file(server)), sqlite3.connect(backup)
    source.backup(target)
    source.close()
    target.close()
    later = [intake(db, name) for name in ("Trần Thị Dung", "Võ Văn Em")]  # seq 4, 5: above the pruned gap
    assert sync(db, data_dir).pushed == 2

    server.stop()  # the province puts its database back from the backup: it lost seq 4 and 5
    for suffix in ("-wal", "-shm"):
        Path(f"{server_file(server)}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(backup, server_file(server))
    server.start()
    assert server_codes(server) == sorted(first)

    report = sync(db, data_dir)

    assert report.restore_detected == "server" and report.pushed == 2
    assert server_codes(server) == sorted(first + later)
    db.close()


def test_counter_restored_from_a_backup_taken_after_pruning(server: ServerProcess, tmp_path: Path) -> None:
    data_dir = tmp_path / "counter"
    db = counter(server, data_dir)
    kept = [intake(db, name) for name in ("Đặng Thu Thảo", "Hoàng Văn Nam")]
    sync(db, data_dir)
    assert prune_after_sync(db, data_dir, now=LATER).deleted == 2
    backup = backup_database(data_dir / DB_FILENAME, "nightly")
    lost = [intake(db, name) for name in ("Bùi Thị Mai", "Lý Văn Phúc")]  # seq 3, 4
    sync(db, data_dir)
    old_epoch = epoch(db)

    path = db.path
    db.close()
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(backup, path)
    db = Database.open(data_dir)
    fresh = intake(db, "Mai Văn Sáu")  # seq 3 again in this database: the server already holds a seq 3

    report = sync(db, data_dir)

    assert report.restore_detected == "counter" and epoch(db) != old_epoch
    codes = server_codes(server)
    assert len(codes) == len(set(codes))  # nothing doubled
    assert set(kept + lost) <= set(codes)
    with db.read() as session:
        row = session.scalars(select(OutboxOp).where(OutboxOp.entity_id != "")).all()
        assert [op.state for op in row] == ["acked"] or fresh in lost  # the new dossier went across (or conflicts)
    db.close()


def test_a_server_restored_from_before_what_was_pruned_is_reported(server: ServerProcess, tmp_path: Path) -> None:
    data_dir = tmp_path / "counter"
    db = counter(server, data_dir)
    sync(db, data_dir)  # hello: the device's epoch exists on the server, holding nothing yet
    backup = tmp_path / "server-backup.sqlite"
    source, target = sqlite3.connect(server_file(server)), sqlite3.connect(backup)
    source.backup(target)
    source.close()
    target.close()
    [intake(db, name) for name in ("Ngô Thị Bảy", "Đỗ Văn Tám")]
    sync(db, data_dir)
    assert prune_after_sync(db, data_dir, now=LATER).deleted == 2
    server.stop()
    for suffix in ("-wal", "-shm"):
        Path(f"{server_file(server)}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(backup, server_file(server))
    server.start()

    report = sync(db, data_dir)

    assert report.restore_detected == "server" and report.pushed == 0
    assert [(p["code"], p["count"]) for p in report.problems] == [("pruned_before_server_restore", 2)]
    assert "không gửi lại được" in report.problems[0]["message"]
    assert report.losses() == [report.problems[0]["message"]]
    with db.read() as session:  # kept where the F7 screen shows it, though the run itself succeeded
        last = session.scalars(select(SyncJournal).order_by(SyncJournal.id.desc())).first()
        assert last is not None and last.outcome == "ok" and report.problems[0]["message"] in last.message
    db.close()

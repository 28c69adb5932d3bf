"""Restores from backup on either side (sync-anchors.md §7 scenarios 20 and 21), on SQLite and PostgreSQL.

a. The counter's database is put back from an older backup: the server holds operations the counter no
   longer has. The counter must notice, start a new epoch (never reuse the server's sequence numbers),
   double nothing, and get its new work across; dossier codes it re-issues that the server already
   gave to the lost dossiers come back as visible `duplicate_code` conflicts, never as overwrites.
b. The server's database is put back from an older backup: it lost operations it had acknowledged.
   The counter must notice and send them again, so the server ends with every dossier exactly once.

Real parts: a `provincial-server` process, real counter and server database files (PostgreSQL databases
copied with CREATE DATABASE ... TEMPLATE while the server is stopped), and the real sync client.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from counter_app.domain.lifecycle import Status
from counter_app.services.dossiers import change_status
from counter_app.services.intake import IntakeRequest, PersonInput, receive_dossier
from counter_app.storage.database import DB_FILENAME, Database
from counter_app.storage.migrate import backup_database
from counter_app.storage.models import DossierRow, OutboxOp
from counter_app.storage.sync_store import get_state
from sync.client.enrollment import enroll
from sync.client.runner import SyncReport, SyncRunner
from sync.server.admin import create_unit
from sync.server.audit import verify_chains
from sync.server.auth import new_enrollment_code
from sync.server.db import ServerDatabase
from sync.server.models import Conflict, Dossier, OpLedger
from tests.conftest import UNIT_CODE, open_counter
from tests.sync.harness import ServerProcess
from tests.sync.invariants import check_all

NAMES = ["Nguyễn Văn Đức", "Lê Thị Hoa", "Phạm Minh Tuấn", "Trần Thị Lan", "Võ Văn Kiệt", "Đặng Thu Thảo",
         "Hoàng Văn Nam", "Bùi Thị Mai"]


@dataclass
class ServerSide:
    """The server's database (SQLite file or PostgreSQL database) and the process serving it."""

    url: str
    process: ServerProcess
    tmp: Path

    def backup(self) -> None:
        """A consistent copy of the server database, taken the way an administrator would."""
        if self.url.startswith("sqlite"):
            source, target = sqlite3.connect(self._sqlite_path), sqlite3.connect(self.tmp / "server-backup.sqlite")
            source.backup(target)
            source.close()
            target.close()
        else:
            self.process.stop()  # a template database must have no open sessions
            self._pg(f'CREATE DATABASE "{self._pg_name}_bak" TEMPLATE "{self._pg_name}"')
            self.process.start()

    def restore(self) -> None:
        """Stop the server, put the backup back in place of the live database, start the server on it."""
        self.process.stop()
        if self.url.startswith("sqlite"):
            for suffix in ("-wal", "-shm"):
                Path(f"{self._sqlite_path}{suffix}").unlink(missing_ok=True)
            shutil.copyfile(self.tmp / "server-backup.sqlite", self._sqlite_path)
        else:
            self._pg(f'DROP DATABASE "{self._pg_name}" WITH (FORCE)')
            self._pg(f'CREATE DATABASE "{self._pg_name}" TEMPLATE "{self._pg_name}_bak"')
        self.process.start()

    @property
    def _sqlite_path(self) -> str:
        return str(make_url(self.url).database)

    @property
    def _pg_name(self) -> str:
        return str(make_url(self.url).database)

    def _pg(self, statement: str) -> None:
        url = make_url(self.url)
        with psycopg.connect(host=url.host, port=url.port, user=url.username, dbname="postgres", autocommit=True) as conn:
            conn.execute(statement.encode())

    def db(self) -> ServerDatabase:
        return ServerDatabase(self.url)


@pytest.fixture(params=["sqlite", "postgresql"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ServerSide]:
    url = (f"sqlite:///{tmp_path / 'server.sqlite'}" if request.param == "sqlite"
           else request.getfixturevalue("postgres_url"))
    db = ServerDatabase.open(url)
    with db.session() as s:
        create_unit(s, UNIT_CODE, "UBND phường Hải Châu", datetime.now(UTC))
    db.dispose()
    process = ServerProcess(url).start()
    try:
        yield ServerSide(url, process, tmp_path)
    finally:
        process.stop()


def enrolled_counter(server: ServerSide, data_dir: Path) -> Database:
    db = open_counter(data_dir)
    admin = server.db()
    try:
        with admin.session() as s:
            code, _ = new_enrollment_code(s, UNIT_CODE, datetime.now(UTC))
    finally:
        admin.dispose()
    enroll(db, server.process.url, code)
    return db


def intake(db: Database, name: str) -> str:
    return receive_dossier(db, IntakeRequest("1.001193", PersonInput(
        full_name=name, id_number="049090001234", phone="0905123456", street="12 Lê Lợi"))).code


def sync(db: Database, data_dir: Path) -> SyncReport:
    report = SyncRunner(db, data_dir, base_delay=0.01, max_delay=0.1).run_once()
    assert report.ok, report.errors
    return report


def local_dossiers(db: Database) -> dict[str, tuple[str, int]]:
    """code -> (id, status) as the counter holds them."""
    with db.read() as session:
        return {row.code: (row.id, row.status) for row in session.scalars(select(DossierRow))}


def local_ops(db: Database) -> list[OutboxOp]:
    with db.read() as session:
        return list(session.scalars(select(OutboxOp).order_by(OutboxOp.seq)))


def server_dossiers(server: ServerSide) -> dict[str, tuple[str, int]]:
    db = server.db()
    try:
        with db.session() as s:
            rows = s.scalars(select(Dossier)).all()
            codes = [row.code for row in rows]
            assert len(codes) == len(set(codes)), "a dossier code is stored twice on the server"
            return {row.code: (row.id, row.status) for row in rows}
    finally:
        db.dispose()


def restore_counter(db: Database, backup: Path) -> Database:
    """Close the counter, put the backup file in place of its database (no WAL left over), reopen it."""
    path, data_dir = db.path, db.path.parent
    db.close()
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(backup, path)
    return Database.open(data_dir)


@pytest.mark.slow
@pytest.mark.parametrize("new_after_restore", [1, 4], ids=["fewer-new-than-lost", "more-new-than-lost"])
def test_counter_restored_from_old_backup(server: ServerSide, tmp_path: Path, new_after_restore: int) -> None:
    data_dir = tmp_path / "counter"
    db = enrolled_counter(server, data_dir)
    kept = [intake(db, name) for name in NAMES[:3]]
    sync(db, data_dir)
    backup = backup_database(data_dir / DB_FILENAME, "nightly")

    lost = [intake(db, name) for name in NAMES[3:5]]  # seq 4, 5
    change_status(db, kept[0], Status.PROCESSING, actor="Trần Thị Mai")  # seq 6
    sync(db, data_dir)
    before = server_dossiers(server)
    assert sorted(before) == sorted(kept + lost)
    with db.read() as session:
        old_state = get_state(session)
        assert old_state is not None
        old_epoch, device_id = old_state.device_epoch, old_state.device_id

    db = restore_counter(db, backup)
    assert sorted(local_dossiers(db)) == sorted(kept)
    fresh = [intake(db, name) for name in NAMES[5:5 + new_after_restore]]
    # The desk's day counter restarted from the backup: its first new codes are the lost dossiers' codes.
    assert fresh[: len(lost)] == lost[: len(fresh)]

    report = sync(db, data_dir)

    assert report.restore_detected == "counter"
    with db.read() as session:
        state = get_state(session)
        assert state is not None and state.device_epoch != old_epoch
    after = server_dossiers(server)
    # Nothing already on the server was doubled or overwritten: the lost dossiers keep their ids and data.
    for code in before:
        assert after[code][0] == before[code][0]
    collided = [code for code in fresh if code in before]
    arrived = [code for code in fresh if code not in before]
    assert sorted(after) == sorted(set(before) | set(arrived))
    for code in arrived:
        assert after[code][0] == local_dossiers(db)[code][0]
    ops = {json.loads(op.payload).get("code"): op for op in local_ops(db) if op.op_type == "dossier.create"}
    for code in collided:  # kept for a supervisor, with a reason the clerk can read
        assert (ops[code].state, ops[code].result_code) == ("conflict", "duplicate_code")
        assert ops[code].result_message and "Mã hồ sơ" in ops[code].result_message
    for code in arrived:
        assert ops[code].state == "acked"
    assert all(op.state in ("acked", "conflict") for op in local_ops(db)), "queue did not drain"
    admin = server.db()
    try:
        with admin.session() as s:
            conflicts = s.scalars(select(Conflict).where(Conflict.code == "duplicate_code")).all()
            assert sorted(c.dossier_code for c in conflicts) == sorted(collided)
            for conflict in conflicts:  # the re-issued dossier's data is on the server, not lost
                assert conflict.detail["ours"]["id"] == local_dossiers(db)[conflict.dossier_code][0]
            ledger = s.scalars(select(OpLedger).where(OpLedger.device_id == device_id)).all()
            assert max(Counter(row.op_id for row in ledger).values()) == 1
            per_epoch = Counter((row.device_epoch, row.seq) for row in ledger)
            assert max(per_epoch.values()) == 1, "a sequence number was reused within one epoch"
            assert sorted(seq for epoch, seq in per_epoch if epoch == old_epoch) == [1, 2, 3, 4, 5, 6]
            # The audit chain forks where the backup was taken: shown as a restore, never as a forgery.
            (chain,) = verify_chains(s, device_id)
            assert chain.check.intact, chain.check.breaks
            assert [note.first_seq for note in chain.check.notes] == list(range(4, min(6, 3 + new_after_restore) + 1))
    finally:
        admin.dispose()

    again = sync(db, data_dir)
    assert again.restore_detected == "" and again.pushed == 0
    db.close()


@pytest.mark.slow
def test_server_restored_from_old_backup(server: ServerSide, tmp_path: Path) -> None:
    data_dir = tmp_path / "counter"
    db = enrolled_counter(server, data_dir)
    codes = [intake(db, name) for name in NAMES[:3]]
    sync(db, data_dir)
    server.backup()

    codes += [intake(db, name) for name in NAMES[3:5]]
    change_status(db, codes[0], Status.PROCESSING, actor="Trần Thị Mai")
    change_status(db, codes[3], Status.SUPPLEMENT_REQUESTED, actor="Trần Thị Mai", note="Thiếu giấy tờ")
    sync(db, data_dir)
    assert sorted(server_dossiers(server)) == sorted(codes)

    server.restore()
    assert sorted(server_dossiers(server)) == sorted(codes[:3])  # the server lost the last three hours
    codes.append(intake(db, NAMES[5]))

    report = sync(db, data_dir)

    assert report.restore_detected == "server"
    assert report.pushed == 5  # two dossiers and two status changes sent again, and the new dossier
    after = server_dossiers(server)
    assert after == {code: (dossier_id, status) for code, (dossier_id, status) in local_dossiers(db).items()}
    assert after[codes[0]][1] == Status.PROCESSING and after[codes[3]][1] == Status.SUPPLEMENT_REQUESTED
    check_all(server.url, [db])  # every op once, nothing foreign, nothing overwritten, queue drained
    again = sync(db, data_dir)
    assert again.restore_detected == "" and again.pushed == 0
    db.close()


@pytest.mark.slow
def test_counter_restored_from_backup_taken_before_its_last_sync(server: ServerSide, tmp_path: Path) -> None:
    """The nightly backup still had work queued that was sent later: after the restore that work goes out
    again under a new epoch, is recognised as already stored, and later syncs settle (no endless re-send)."""
    data_dir = tmp_path / "counter"
    db = enrolled_counter(server, data_dir)
    codes = [intake(db, name) for name in NAMES[:2]]
    sync(db, data_dir)
    codes += [intake(db, name) for name in NAMES[2:4]]  # queued, not yet sent ...
    backup = backup_database(data_dir / DB_FILENAME, "nightly")  # ... when the backup is taken
    sync(db, data_dir)
    before = server_dossiers(server)

    db = restore_counter(db, backup)
    fresh = intake(db, NAMES[4])
    report = sync(db, data_dir)

    assert report.restore_detected == "counter"
    assert report.duplicates == 2  # the two queued dossiers were already on the server: not doubled
    after = server_dossiers(server)
    assert {code: after[code] for code in before} == before
    assert sorted(after) == sorted([*codes, fresh])
    assert all(op.state == "acked" for op in local_ops(db))
    for _ in range(2):  # settled: nothing is detected or re-sent any more
        again = sync(db, data_dir)
        assert again.restore_detected == "" and again.pushed == 0
    check_all(server.url, [db])
    db.close()

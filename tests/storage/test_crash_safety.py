"""A counter killed (SIGKILL) while it records keeps everything it reported saved, and its queue agrees.

tests/support/record_loop.py receives dossiers, collects their fees under receipts and moves them to
processing, in a loop, through the real services on a real file, printing `done <kind> <id>` after each
commit. The test reads those lines (no sleeping, no clocks) and kills the process right after a chosen
line, three times at three different places of the cycle, restarting it on the same file each time.
Then: `PRAGMA integrity_check` is ok, the app opens the file, every reported operation is there, every
record has its outbox operation and every operation its record, the audit chain is whole, and the
sync queue counts what is there to send.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from counter_app.domain.lifecycle import Status
from counter_app.domain.receipts import ReceiptBook
from counter_app.services.accounts import create_account
from counter_app.services.audit import verify_audit
from counter_app.services.catalog import ensure_sample_catalog
from counter_app.services.clock import utc_now
from counter_app.services.unit_setup import setup_unit
from counter_app.storage.database import DB_FILENAME, Database
from counter_app.storage.models import DossierRow, NumberRange, OutboxOp, ReceiptRow
from counter_app.storage.sync_store import queue_summary

ROOT = Path(__file__).resolve().parents[2]
DRIVER = ROOT / "tests" / "support" / "record_loop.py"
# Kill right after the Nth line of a run: lines cycle dossier, receipt, status, so these land the kill
# while a receipt, a status change and an intake are being written.
KILL_AFTER = (7, 11, 15)

pytestmark = pytest.mark.slow


def set_up_counter(data_dir: Path) -> None:
    db = Database.open(data_dir)
    setup_unit(db, unit_code="000.31.48.H15", unit_name="Bộ phận Một cửa UBND phường Hải Châu", desk=3,
               ward_code=20242)
    create_account(db, username="giamsat", full_name="Lê Văn Giám", role="supervisor", password="matkhau-gs1", by=None)
    create_account(db, username="mai", full_name="Trần Thị Mai", role="clerk", password="matkhau-mai1", by="giamsat")
    ensure_sample_catalog(db)
    with db.write() as session:
        session.add(NumberRange(series=ReceiptBook("01BLP3-001", "AA-26P").series, first=1, last=1000,
                                next_number=1, received_at=utc_now()))
    db.close()


def run_and_kill(data_dir: Path, lines: int) -> list[tuple[str, str]]:
    """Start the driver, read `lines` done-lines, SIGKILL it; what it reported done."""
    process = subprocess.Popen([sys.executable, str(DRIVER), str(data_dir)], cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, encoding="utf-8")
    reported: list[tuple[str, str]] = []
    try:
        assert process.stdout is not None
        assert process.stdout.readline() == "ready\n", process.stderr.read() if process.stderr else ""
        while len(reported) < lines:
            line = process.stdout.readline()
            assert line.startswith("done "), f"the driver stopped: {line!r} {process.stderr.read() if process.stderr else ''}"
            kind, ident = line.split()[1:]
            reported.append((kind, ident))
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.kill()
        process.wait()
    assert process.returncode == -signal.SIGKILL
    return reported


@pytest.fixture(scope="module")
def killed_counter(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, list[tuple[str, str]]]]:
    data_dir = tmp_path_factory.mktemp("killed-counter")
    set_up_counter(data_dir)
    reported: list[tuple[str, str]] = []
    for lines in KILL_AFTER:
        reported += run_and_kill(data_dir, lines)
    yield data_dir, reported


def test_the_killed_file_passes_integrity_check(killed_counter: tuple[Path, list[tuple[str, str]]]) -> None:
    data_dir, reported = killed_counter
    assert Counter(kind for kind, _ in reported) == {"dossier": 12, "receipt": 11, "status": 10}
    connection = sqlite3.connect(data_dir / DB_FILENAME)  # recovers the WAL a kill leaves, like any open
    try:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        connection.close()


def test_everything_reported_done_is_there_and_the_outbox_matches(
        killed_counter: tuple[Path, list[tuple[str, str]]]) -> None:
    data_dir, reported = killed_counter
    db = Database.open(data_dir)  # the app's own open: checks, then uses the file as it is
    try:
        with db.read() as session:
            dossiers = {row.code: row for row in session.scalars(select(DossierRow))}
            receipts = {row.id: row for row in session.scalars(select(ReceiptRow))}
            ops = list(session.scalars(select(OutboxOp)))
            events = session.execute(select(DossierRow.id, DossierRow.status)).all()
            summary = queue_summary(session)
        for kind, ident in reported:
            if kind == "dossier":
                assert ident in dossiers
            elif kind == "receipt":
                assert receipts[ident].status == "issued" and receipts[ident].total_vnd == 10_000
            else:
                assert dossiers[ident].status == Status.PROCESSING
        # Each record has its operation, and each operation its record (nothing half-saved either way).
        by_type = Counter((op.op_type, op.entity_id) for op in ops)
        assert all(by_type[("dossier.create", row.id)] == 1 for row in dossiers.values())
        assert all(by_type[("receipt.issue", receipt_id)] == 1 for receipt_id in receipts)
        assert {(row_id) for (row_id, status) in events if status == Status.PROCESSING} == {
            entity for (op_type, entity) in by_type if op_type == "dossier.status"}
        dossier_ids = {row.id for row in dossiers.values()}
        for op in ops:
            if op.op_type in ("dossier.create", "dossier.status"):
                assert op.entity_id in dossier_ids
            elif op.op_type == "receipt.issue":
                assert op.entity_id in receipts
            else:
                assert op.op_type == "account.upsert"
        # Every receipt belongs to a dossier; at most one receipt per dossier (the loop collects once).
        assert Counter(r.dossier_code for r in receipts.values()).most_common(1)[0][1] == 1
        assert {r.dossier_code for r in receipts.values()} <= set(dossiers)
        assert summary.pending == len(ops) and summary.in_flight == summary.rejected == 0
        assert verify_audit(db).intact
    finally:
        db.close()

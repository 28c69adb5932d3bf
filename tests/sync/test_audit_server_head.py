"""The counter checks its audit chain against the row the province holds (issue 10, review R).

C's known gap: someone with the file drops the triggers, rewrites the counter's tail with fresh hashes and
moves `audit_head` back with it; the chain then agrees with itself and with its head, and only the
server's copy showed the change. Each push answer now carries the newest row the server has chained for
the device (in the pushed epoch); the counter keeps it, and `counter-app verify-audit` (and the start
check, which calls the same service) requires its chain to hold that very row. Real server process, real
counter file, tampering with the sqlite3 module, the real command.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from counter_app.domain.audit import AuditRecord, sealed
from counter_app.services.accounts import create_account
from counter_app.services.audit import verify_audit
from counter_app.storage.audit import COLUMNS
from counter_app.storage.database import DB_FILENAME, Database
from counter_app.storage.sync_store import get_state
from sync.client.enrollment import enroll
from sync.client.runner import SyncRunner
from tests.conftest import UNIT_CODE, open_counter
from tests.support.cli_process import run_counter_app
from tests.sync.harness import ServerProcess

EXIT_AUDIT_BROKEN = 5


@pytest.fixture(scope="module")
def synced(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A counter whose five audit rows all reached a real server; its data dir (closed)."""
    root = tmp_path_factory.mktemp("head")
    with ServerProcess(f"sqlite:///{root / 'server.sqlite'}") as server:
        server.admin("create-unit", "--code", UNIT_CODE, "--name", "UBND phường Hải Châu")
        db = open_counter(root / "counter")
        enroll(db, server.url, server.enrollment_code(UNIT_CODE))
        create_account(db, username="giamsat", full_name="Lê Văn Giám", role="supervisor", password="matkhau-gs1",
                       by=None)
        for number in range(4):
            create_account(db, username=f"nv{number}", full_name=f"Trần Thị Mai {number}", role="clerk",
                           password="matkhau123", by="giamsat")
        report = SyncRunner(db, root / "counter", base_delay=0.01, max_delay=0.1).run_once()
        assert report.ok and not report.problems, report
        db.close()
    return root / "counter"


@pytest.fixture
def counter(synced: Path, tmp_path: Path) -> Iterator[Database]:
    data_dir = tmp_path / "counter"
    shutil.copytree(synced, data_dir)
    db = Database.open(data_dir)
    yield db
    db.close()


def _tamper(data_dir: Path, rewrite) -> None:
    """Drop the triggers, change the tail, move the kept head to the new last row: the chain agrees with
    itself and with its head again."""
    connection = sqlite3.connect(data_dir / DB_FILENAME)
    for name in ("audit_log_no_update", "audit_log_no_delete", "audit_head_forward_only"):
        connection.execute(f"DROP TRIGGER {name}")
    rewrite(connection)
    seq, digest = connection.execute("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
    connection.execute("UPDATE audit_head SET seq = ?, hash = ?", (seq, digest))
    connection.commit()
    connection.close()


def _row(connection: sqlite3.Connection, seq: int) -> AuditRecord:
    return AuditRecord(*connection.execute(f"SELECT {COLUMNS} FROM audit_log WHERE seq = ?", (seq,)).fetchone())


def _rewrite_last(connection: sqlite3.Connection) -> None:
    last = _row(connection, 5)
    forged = sealed(replace(last, clerk_name="Ai Đó"))
    connection.execute("UPDATE audit_log SET clerk_name = ?, hash = ? WHERE seq = 5", (forged.clerk_name, forged.hash))


def test_the_push_answer_leaves_the_servers_head_on_the_counter(counter: Database) -> None:
    with counter.read() as session:
        state = get_state(session)
        assert state is not None
        assert state.server_audit_seq == 5
        kept = session.connection().exec_driver_sql("SELECT hash FROM audit_log WHERE seq = 5").scalar()
        assert state.server_audit_hash == kept
    assert verify_audit(counter).intact


@pytest.mark.parametrize(("case", "rewrite", "kind", "rows"), [
    ("tail cut, head moved back", lambda c: c.execute("DELETE FROM audit_log WHERE seq >= 4"), "truncated", (4, 5)),
    ("tail rewritten with fresh hashes", _rewrite_last, "head", (5, 5)),
])
def test_a_rewritten_tail_with_its_head_moved_back_is_caught_on_the_counter(
        synced: Path, tmp_path: Path, case: str, rewrite, kind: str, rows: tuple[int, int]) -> None:
    data_dir = tmp_path / "counter"
    shutil.copytree(synced, data_dir)
    _tamper(data_dir, rewrite)
    result = run_counter_app(["--data-dir", str(data_dir), "verify-audit", "--json"])
    assert result.returncode == EXIT_AUDIT_BROKEN, (case, result.stdout, result.stderr)
    report = json.loads(result.stdout)
    [found] = report["breaks"]  # the chain alone is whole: only the province's row tells
    assert (found["kind"], found["first_seq"], found["last_seq"]) == (kind, *rows), found
    assert "máy chủ tỉnh" in found["message"].lower()

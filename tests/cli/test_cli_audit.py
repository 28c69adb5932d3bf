"""`counter-app verify-audit` (issue 10, must-show): a row changed, deleted or inserted in the SQLite file by
a tamperer (triggers dropped first, with the sqlite3 module) is found by the real command, which names the
row and exits 5; an intact trail exits 0."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from counter_app.domain.audit import AuditRecord, sealed
from counter_app.services.intake import IntakeRequest, PersonInput, receive_dossier
from counter_app.storage.audit import COLUMNS
from counter_app.storage.database import DB_FILENAME
from tests.conftest import open_counter
from tests.support.cli_process import run_counter_app

EXIT_AUDIT_BROKEN = 5
ROWS = 5


def run(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_counter_app(["--data-dir", str(data_dir), *args])


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("template") / "counter"
    db = open_counter(data_dir)
    for number in range(ROWS):
        applicant = PersonInput(full_name=f"Nguyễn Văn Đức {'ABCDE'[number]}", id_number=f"04909000123{number}",
                                phone="0905123456", street="12 Lê Lợi", birth_date="1990-05-04", gender="male")
        receive_dossier(db, IntakeRequest("1.002211", applicant))
    db.close()
    return data_dir


@pytest.fixture
def counter(template: Path, tmp_path: Path) -> Path:
    data_dir = tmp_path / "counter"
    shutil.copytree(template, data_dir)
    return data_dir


def tamper(data_dir: Path, change: Callable[[sqlite3.Connection], None]) -> None:
    """What a tamperer with the file does: drop the triggers, change the table, commit."""
    connection = sqlite3.connect(data_dir / DB_FILENAME)
    for name in ("audit_log_no_update", "audit_log_no_delete", "audit_head_forward_only"):
        connection.execute(f"DROP TRIGGER {name}")
    change(connection)
    connection.commit()
    connection.close()


def row(connection: sqlite3.Connection, seq: int) -> AuditRecord:
    return AuditRecord(*connection.execute(f"SELECT {COLUMNS} FROM audit_log WHERE seq = ?", (seq,)).fetchone())


def insert(connection: sqlite3.Connection, record: AuditRecord) -> None:
    connection.execute(f"INSERT INTO audit_log ({COLUMNS}) VALUES ({', '.join('?' * 11)})",
                       (*record.fields().values(), record.hash))


def insert_in_the_middle(connection: sqlite3.Connection) -> None:
    """A forged row 3, sealed and chained to row 2; the rows after it moved one place down."""
    for seq in range(ROWS, 2, -1):
        connection.execute("UPDATE audit_log SET seq = seq + 1 WHERE seq = ?", (seq,))
    second = row(connection, 2)
    insert(connection, sealed(replace(second, seq=3, clerk_name="Ai Đó", prev_hash=second.hash)))


def append_at_the_end(connection: sqlite3.Connection) -> None:
    """A forged row after the last, correctly sealed and chained: only the kept head tells."""
    last = row(connection, ROWS)
    insert(connection, sealed(replace(last, seq=ROWS + 1, subject="000.31.48.H15-261130-9999", prev_hash=last.hash)))


TAMPERING = {
    "changed": (lambda c: c.execute("UPDATE audit_log SET clerk_name = 'Ai Đó' WHERE seq = 2"), "changed", 2),
    "deleted": (lambda c: c.execute("DELETE FROM audit_log WHERE seq = 3"), "missing", 3),
    "inserted in the middle": (insert_in_the_middle, "changed", 4),
    "inserted at the end": (append_at_the_end, "head", ROWS + 1),
    "tail cut off": (lambda c: c.execute("DELETE FROM audit_log WHERE seq >= 4"), "truncated", 4),
    "two rows swapped": (lambda c: (c.execute("UPDATE audit_log SET seq = -2 WHERE seq = 2"),
                                    c.execute("UPDATE audit_log SET seq = 2 WHERE seq = 3"),
                                    c.execute("UPDATE audit_log SET seq = 3 WHERE seq = -2")), "changed", 2),
}


def test_an_intact_trail_passes(counter: Path) -> None:
    result = run(counter, "verify-audit", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["intact"] and report["rows"] == ROWS and report["breaks"] == []


@pytest.mark.parametrize("case", list(TAMPERING))
def test_a_tampered_row_is_found_and_named(counter: Path, case: str) -> None:
    change, kind, seq = TAMPERING[case]
    tamper(counter, change)
    result = run(counter, "verify-audit", "--json")
    assert result.returncode == EXIT_AUDIT_BROKEN, result.stderr
    report = json.loads(result.stdout)
    assert not report["intact"]
    assert any(found["kind"] == kind and found["first_seq"] <= seq <= found["last_seq"] for found in report["breaks"]), \
        report["breaks"]
    text = run(counter, "verify-audit")  # the words a supervisor reads name the row too
    assert text.returncode == EXIT_AUDIT_BROKEN and f"{seq}" in text.stdout and "bị phá vỡ" in text.stdout

"""The audit trail on a real counter database: each action writes one chained row saying who, when, what,
before and after; the database itself refuses to change or delete a row; the chain check names rows."""

import json
import shutil
import sqlite3
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from counter_app.domain.audit import BreakKind, genesis_hash
from counter_app.domain.dossier import OFFICE_TZ
from counter_app.domain.lifecycle import Status
from counter_app.services.accounts import create_account
from counter_app.services.audit import verify_audit
from counter_app.services.intake import IntakeRequest, PersonInput, receive_dossier
from counter_app.services.lifecycle import transition
from counter_app.storage.database import DB_FILENAME, Database
from counter_app.storage.models import AuditLogRow, OutboxOp

RECEIVED = datetime(2026, 2, 11, 9, 0, tzinfo=OFFICE_TZ)
MOVED = datetime(2026, 2, 11, 15, 0, tzinfo=OFFICE_TZ)


def receive(db: Database, clerk: str = "mai") -> str:
    applicant = PersonInput(full_name="Nguyễn Văn Đức", id_number="049090001234", phone="0905123456",
                            street="12 Lê Lợi", birth_date="1990-05-04", gender="male")
    request = IntakeRequest("1.002211", applicant, received_at=RECEIVED, clerk_username=clerk)
    return receive_dossier(db, request, now=RECEIVED).code


def audit_rows(db: Database) -> list[AuditLogRow]:
    with db.read() as session:
        rows = list(session.scalars(select(AuditLogRow).order_by(AuditLogRow.seq)))
        session.expunge_all()
        return rows


@pytest.fixture
def staffed(counter_db: Database) -> Database:
    create_account(counter_db, username="giamsat", full_name="Lê Văn Giám", role="supervisor",
                   password="matkhau-gs1", by=None)
    create_account(counter_db, username="mai", full_name="Trần Thị Mai", role="clerk", password="matkhau123",
                   by="giamsat")
    return counter_db


def test_an_intake_and_a_status_change_each_write_one_row_with_who_when_before_and_after(staffed: Database) -> None:
    accounts = len(audit_rows(staffed))  # the two account.upsert operations are audited too
    code = receive(staffed)
    transition(staffed, code, Status.PROCESSING, at=MOVED, now=MOVED, agency="Phòng Tư pháp", by="mai")

    rows = audit_rows(staffed)[accounts:]
    assert [row.action for row in rows] == ["dossier.create", "dossier.status"]
    intake, moved = rows
    assert (intake.clerk_name, intake.clerk_username, intake.subject) == ("Trần Thị Mai", "mai", code)
    assert intake.at == RECEIVED.isoformat() and intake.before is None
    assert json.loads(intake.after)["code"] == code
    assert (moved.clerk_name, moved.clerk_username, moved.subject, moved.at) == ("Trần Thị Mai", "mai", code,
                                                                                 MOVED.isoformat())
    assert json.loads(moved.before) == {"status": int(Status.RECEIVED)}
    assert json.loads(moved.after)["status"] == int(Status.PROCESSING)
    assert moved.prev_hash == intake.hash and moved.seq == intake.seq + 1
    with staffed.read() as session:  # each row names the operation carrying it to the province
        ops = {op.seq: op.op_type for op in session.scalars(select(OutboxOp))}
    assert ops[intake.op_seq] == "dossier.create" and ops[moved.op_seq] == "dossier.status"
    assert verify_audit(staffed).intact


def test_the_first_row_chains_from_the_device_genesis_and_account_secrets_stay_out(staffed: Database) -> None:
    first = audit_rows(staffed)[0]
    assert first.seq == 1 and first.prev_hash == genesis_hash(first.device)
    assert first.action == "account.upsert" and json.loads(first.after)["password_hash"] == "***"


def test_the_database_refuses_to_change_or_delete_an_audit_row(staffed: Database) -> None:
    receive(staffed)
    staffed.close()
    connection = sqlite3.connect(staffed.path)
    for statement in ("UPDATE audit_log SET clerk_name = 'Ai Đó' WHERE seq = 1", "DELETE FROM audit_log WHERE seq = 2",
                      "UPDATE audit_head SET seq = 1"):
        with pytest.raises(sqlite3.DatabaseError):
            connection.execute(statement)
    connection.close()


def test_a_row_changed_behind_the_app_is_named(staffed: Database) -> None:
    receive(staffed)
    path = staffed.path
    staffed.close()
    connection = sqlite3.connect(path)
    connection.execute("DROP TRIGGER audit_log_no_update")
    connection.execute("UPDATE audit_log SET clerk_name = 'Ai Đó' WHERE seq = 2")
    connection.commit()
    connection.close()
    reopened = Database.open(path.parent)
    try:
        report = verify_audit(reopened)
    finally:
        reopened.close()
    assert [(found.kind, found.first_seq) for found in report.breaks] == [(BreakKind.CHANGED, 2)]
    assert "Dòng số 2" in report.breaks[0].message


AUDIT_FIELDS = ("seq", "at", "device", "clerk_name", "clerk_username", "action", "subject", "before", "after",
                "prev_hash", "hash")


@pytest.fixture(scope="module")
def trail_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.conftest import open_counter

    folder = tmp_path_factory.mktemp("trail") / "counter"
    db = open_counter(folder)
    for name in ("Nguyễn Văn Đức", "Lê Thị Hoa", "Phạm Minh Tuấn", "Trần Thị Lan"):
        applicant = PersonInput(full_name=name, id_number="049090001234", phone="0905123456", street="12 Lê Lợi",
                                birth_date="1990-05-04", gender="male")
        code = receive_dossier(db, IntakeRequest("1.002211", applicant, received_at=RECEIVED), now=RECEIVED).code
    transition(db, code, Status.PROCESSING, at=MOVED, now=MOVED, agency="Phòng Tư pháp")
    db.close()
    return folder


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seq=st.integers(1, 5), column=st.sampled_from(AUDIT_FIELDS), data=st.data())
def test_any_single_change_of_any_field_in_the_file_is_found_and_names_the_row(
        trail_template: Path, tmp_path_factory: pytest.TempPathFactory, seq: int, column: str, data) -> None:
    folder = tmp_path_factory.mktemp("tampered") / "counter"
    shutil.copytree(trail_template, folder)
    connection = sqlite3.connect(folder / DB_FILENAME)
    connection.execute("DROP TRIGGER audit_log_no_update")
    old = connection.execute(f"SELECT {column} FROM audit_log WHERE seq = ?", (seq,)).fetchone()[0]
    if column == "seq":
        new = data.draw(st.sampled_from([-1, 0, 6, 99]))
    elif old is None:
        new = "{}"
    else:
        new = data.draw(st.text(min_size=1, max_size=5).map(lambda extra: old + extra) | st.just(old[:-1] or "x"))
    connection.execute(f"UPDATE audit_log SET {column} = ? WHERE seq = ?", (new, seq))
    connection.commit()
    connection.close()
    db = Database.open(folder)
    try:
        report = verify_audit(db)
    finally:
        db.close()
    assert not report.intact
    assert any(found.first_seq <= seq <= found.last_seq or found.first_seq <= new <= found.last_seq
               if isinstance(new, int) else found.first_seq <= seq <= found.last_seq for found in report.breaks), \
        report.breaks

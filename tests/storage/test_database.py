"""The counter's SQLite file: settings, migrations from every released schema, refusal of newer files."""

import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from counter_app.services.dossiers import get_dossier
from counter_app.storage.database import DB_FILENAME, Database
from counter_app.storage.migrate import NewerDatabaseError, backup_database, current_revision, head_revision

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "db"


def test_connection_settings_survive_power_cuts(tmp_path: Path) -> None:
    db = Database.open(tmp_path)
    with db.read() as session:
        assert session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert session.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        assert session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert session.execute(text("PRAGMA busy_timeout")).scalar() == 10_000
    db.close()


def test_the_fast_path_head_is_alembics_head() -> None:
    from counter_app.storage.database import SCHEMA_HEAD

    assert head_revision() == SCHEMA_HEAD


def test_empty_database_is_migrated_to_head(tmp_path: Path) -> None:
    db = Database.open(tmp_path)
    assert current_revision(db.engine) == head_revision()
    with db.read() as session:
        tables = set(session.execute(text("SELECT name FROM sqlite_master WHERE type='table'")).scalars())
    assert {"dossier", "dossier_event", "outbox", "procedure", "unit_profile", "dossier_fts"} <= tables
    db.close()


# Every released schema upgraded with its data: tests/storage/test_upgrades.py.


def test_schema_0001_fixture_exists() -> None:
    assert (FIXTURES / "schema_0001.sqlite").is_file()


def test_the_issue_8_schema_keeps_accounts_register_numbers_and_late_entries(tmp_path: Path) -> None:
    from datetime import datetime

    from counter_app.domain.dossier import OFFICE_TZ
    from counter_app.services.accounts import SignInRefused, sign_in

    shutil.copy(FIXTURES / "schema_0006.sqlite", tmp_path / DB_FILENAME)
    db = Database.open(tmp_path)
    now = datetime(2026, 12, 1, 9, 0, tzinfo=OFFICE_TZ)
    assert sign_in(db, "mai", "matkhau-mai1", now=now).full_name == "Trần Thị Mai"
    with pytest.raises(SignInRefused):
        sign_in(db, "mai", "matkhau-sai", now=now)
    first, late = get_dossier(db, "000.31.48.H15-260203-3001"), get_dossier(db, "000.31.48.H15-260203-3003")
    assert (first.register_book, first.register_number, first.received_by) == ("03/2026", 1, "Trần Thị Mai")
    assert (late.register_number, late.received_by) == (3, "Lê Văn Giám")
    assert "Nhập lại từ sổ giấy khi mất điện" in late.history[0].note
    with db.read() as session:
        flagged = session.execute(text("SELECT code FROM dossier WHERE late_entry_reason IS NOT NULL")).scalars()
        assert list(flagged) == [late.code]
    db.close()


def test_a_database_from_a_newer_version_is_refused_untouched(tmp_path: Path) -> None:
    db = Database.open(tmp_path)
    db.close()
    path = tmp_path / DB_FILENAME
    with sqlite3.connect(path) as raw:
        raw.execute("UPDATE alembic_version SET version_num = '9999_future'")
    before = path.read_bytes()
    with pytest.raises(NewerDatabaseError) as caught:
        Database.open(tmp_path)
    assert "phiên bản mới hơn" in caught.value.message
    assert path.read_bytes() == before
    assert not (tmp_path / "backups").exists()


def test_backup_is_a_consistent_copy_while_a_writer_is_active(counter_db: Database) -> None:
    with counter_db.write() as session:
        session.execute(text("UPDATE unit_profile SET clerk_name = 'Người trực'"))
        backup = backup_database(counter_db.path, "test")
    with sqlite3.connect(backup) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert copy.execute("SELECT count(*) FROM procedure").fetchone()[0] >= 25

"""Every released schema upgrades to head with its data intact; a failed or impossible upgrade changes nothing.

The files are tests/fixtures/db/schema_NNNN.sqlite (one per released schema, each written by that release:
make_schema_NNNN.py / make_released_schema.py). Each is copied to a temporary folder and opened by the app's
own `Database.open`, which upgrades it (docs/upgrades.md). The failures are real: an old file holding an
index a later migration creates, and a disk (a 1 MB tmpfs) too small for the backup and the migrated copy.
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from counter_app.domain.dossier import OFFICE_TZ
from counter_app.exit_codes import EXIT_UPGRADE_FAILED
from counter_app.services.dossiers import get_dossier, search_dossiers
from counter_app.services.intake import IntakeRequest, PersonInput, receive_dossier
from counter_app.storage.database import (
    DB_FILENAME,
    Database,
    DatabaseAccessError,
    MigrationFailedError,
    NotEnoughSpaceError,
)
from counter_app.storage.migrate import head_revision, space_needed
from tests.support.cli_process import run_counter_app
from tests.support.qt_polling import active_message_box, when_shown
from tests.support.tmpfs import mounted_tmpfs

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "db"
RELEASED = sorted(FIXTURES.glob("schema_*.sqlite"))
UNIT = "000.31.48.H15"
# Tables a migration rebuilds on purpose (the search index of 0003); everything else keeps every row.
REBUILT = ("alembic_version", "sqlite_sequence", "dossier_fts")


def revision_of(fixture: Path) -> str:
    return fixture.stem.removeprefix("schema_")


def read_fixture(fixture: Path) -> sqlite3.Connection:
    """The committed file, read-only and immutable: no -wal/-shm ever appears beside it."""
    return sqlite3.connect(f"{fixture.as_uri()}?immutable=1", uri=True)


def row_counts(connection: sqlite3.Connection) -> dict[str, int]:
    tables = [row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    return {t: connection.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables
            if not t.startswith(REBUILT)}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def wal_bytes(path: Path) -> int:
    wal = Path(f"{path}-wal")
    return wal.stat().st_size if wal.exists() else 0


@pytest.fixture(scope="module", params=RELEASED, ids=lambda p: p.stem)
def upgraded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Database]]:
    """Each file upgraded once for the module's tests (they read; the one that writes comes last)."""
    fixture: Path = request.param
    folder = tmp_path_factory.mktemp(fixture.stem)
    shutil.copy(fixture, folder / DB_FILENAME)
    db = Database.open(folder)
    yield fixture, db
    db.close()


def test_the_fixtures_are_single_files_no_test_writes_beside() -> None:
    assert {revision_of(f) for f in RELEASED} >= {"0001", "0002", "0003", "0006", "0011", "0017", "0018", "0019"}
    assert not [p.name for p in FIXTURES.iterdir() if p.name.endswith(("-wal", "-shm", "-journal"))]
    assert all(f.stat().st_size < 320_000 for f in RELEASED)


def test_every_row_of_every_table_survives_the_upgrade(upgraded: tuple[Path, Database]) -> None:
    fixture, db = upgraded
    with read_fixture(fixture) as old:
        before = row_counts(old)
    with sqlite3.connect(db.path) as new:
        after = row_counts(new)
        assert new.execute("SELECT version_num FROM alembic_version").fetchone()[0] == head_revision()
        assert new.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert new.execute("PRAGMA foreign_key_check").fetchall() == []
    assert before["dossier"] >= 3
    assert {table: after[table] for table in before} == before
    backups = list((db.path.parent / "backups").glob("*.sqlite"))
    if revision_of(fixture) == head_revision():
        assert backups == []  # the newest release's file opens as it is: nothing migrated, nothing to back up
        return
    # A consistent copy at the old revision was taken first, with every row.
    (backup,) = backups
    with sqlite3.connect(backup) as copy:
        assert copy.execute("SELECT version_num FROM alembic_version").fetchone()[0] == revision_of(fixture)
        assert row_counts(copy) == before
    copy.close()


def test_dossiers_keep_their_codes_names_due_dates_and_statuses(upgraded: tuple[Path, Database]) -> None:
    fixture, db = upgraded
    with read_fixture(fixture) as old:
        expected = old.execute("SELECT code, applicant_name, applicant_id_number, due_at, status FROM dossier").fetchall()
    for code, name, id_number, due_at, status in expected:
        dossier = get_dossier(db, code)
        assert (dossier.applicant.full_name, dossier.applicant.id_number, int(dossier.status)) == (name, id_number, status)
        assert dossier.due_at.astimezone(OFFICE_TZ).replace(tzinfo=None) == _naive_office(due_at)
    first = get_dossier(db, f"{UNIT}-260203-3001")
    assert first.applicant.full_name == "Nguyễn Văn Đức"
    assert first.received_at == datetime(2026, 2, 3, 8, 15, tzinfo=OFFICE_TZ)
    assert [d.code for d in search_dossiers(db, "nguyen van duc")] == [f"{UNIT}-260203-3001"]
    assert [d.code for d in search_dossiers(db, "Lê Thị Hồng")] == [f"{UNIT}-260203-3002"]
    assert [d.code for d in search_dossiers(db, "0978111222")] == [f"{UNIT}-260203-3003"]


def _naive_office(stored: str) -> datetime:
    """A stored due date (UTC, as SQLAlchemy writes it) in office time without its zone."""
    from datetime import UTC

    return datetime.fromisoformat(stored).replace(tzinfo=UTC).astimezone(OFFICE_TZ).replace(tzinfo=None)


def test_records_of_later_releases_keep_their_values(upgraded: tuple[Path, Database]) -> None:
    fixture, db = upgraded
    revision = revision_of(fixture)
    if revision < "0011":
        return  # no returns, supplements or receipts in that schema (the row counts above cover the rest)
    from counter_app.services.lifecycle import supplement_requests
    from counter_app.services.returns import returns_of

    (desk,) = returns_of(db, f"{UNIT}-260203-3002")
    assert (desk.receiver_name, desk.method.value) == ("Lê Thị Hồng", "desk")
    (posted,) = returns_of(db, f"{UNIT}-260205-3001")
    assert (posted.receiver_name, posted.postage, posted.street) == ("Hoàng Minh Tâm", 32000, "45 Trần Phú")
    (supplement,) = supplement_requests(db, f"{UNIT}-260203-3001")
    assert supplement.reason == "Thiếu bản sao giấy khai sinh" and supplement.supplied_at is not None
    if revision >= "0014":
        from counter_app.services.receipts import receipts_of

        (receipt,) = receipts_of(db, f"{UNIT}-260210-3001")
        assert (receipt.number, receipt.total_vnd, receipt.payer_name) == (1, 10_000, "Đặng Thị Ánh Tuyết")


def test_an_upgraded_counter_gives_the_next_code(upgraded: tuple[Path, Database]) -> None:
    fixture, db = upgraded
    with read_fixture(fixture) as old:
        accounts = "clerk_account" in {r[0] for r in old.execute("SELECT name FROM sqlite_master")}
    received = datetime(2026, 2, 3, 15, 0, tzinfo=OFFICE_TZ)
    dossier = receive_dossier(db, IntakeRequest(
        "1.001193", PersonInput(full_name="Võ Thị Ngọc Ánh", id_number="079190006789", phone="0909000111",
                                street="7 Hùng Vương"),
        received_at=received, clerk_username="mai" if accounts else "", clerk="" if accounts else "Trần Thị Mai"),
        now=received)
    assert dossier.code == f"{UNIT}-260203-3004"
    assert [d.code for d in search_dossiers(db, "vo thi ngoc anh")] == [dossier.code]


# -- failures leave the file as it was --------------------------------------------------------------------------

OBSTACLE = "ix_dossier_event_to_status_at"  # created by migration 0018


def test_a_failed_migration_leaves_the_file_byte_identical_and_says_so(tmp_path: Path) -> None:
    """A 0017 file that already holds an index named like one 0018 creates (a hand-made fix on some PC):
    the upgrade fails on the copy; the file keeps every byte, the message says so and where the backup is;
    once the obstacle is gone the same file upgrades."""
    path = tmp_path / DB_FILENAME
    shutil.copy(FIXTURES / "schema_0017.sqlite", path)
    with sqlite3.connect(path) as connection:
        connection.execute(f"CREATE INDEX {OBSTACLE} ON dossier (status)")
    connection.close()
    before = sha256(path)

    with pytest.raises(MigrationFailedError) as refused:
        Database.open(tmp_path)
    message = refused.value.message
    assert sha256(path) == before
    assert wal_bytes(path) == 0  # the read-only checks may leave an empty -wal/-shm: nothing pending in them
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(("-wal", "-shm"))) == [
        "backups", DB_FILENAME]  # no migrated copy left behind
    (backup,) = (tmp_path / "backups").iterdir()
    assert "từ lược đồ 0017 lên" in message and "Không có gì bị thay đổi" in message and str(backup) in message
    assert f"index {OBSTACLE} already exists" in message
    with sqlite3.connect(backup) as copy:
        assert copy.execute("SELECT version_num FROM alembic_version").fetchone()[0] == "0017"
    copy.close()

    result = run_counter_app(["--data-dir", str(tmp_path), "search", "pham quoc"])  # the CLI, a real process
    assert result.returncode == EXIT_UPGRADE_FAILED
    assert "Không nâng cấp được cơ sở dữ liệu" in result.stderr and "Không có gì bị thay đổi" in result.stderr
    assert sha256(path) == before

    with sqlite3.connect(path) as connection:
        connection.execute(f"DROP INDEX {OBSTACLE}")
    connection.close()
    db = Database.open(tmp_path)
    assert get_dossier(db, f"{UNIT}-260203-3003").applicant.full_name == "Phạm Quốc Việt"
    db.close()


def test_the_copy_a_killed_upgrade_left_is_removed_by_the_next_one(tmp_path: Path) -> None:
    path = tmp_path / DB_FILENAME
    shutil.copy(FIXTURES / "schema_0011.sqlite", path)
    leftover = tmp_path / f"{DB_FILENAME}.migrating-999999"  # as a process killed mid-migration leaves it
    shutil.copy(FIXTURES / "schema_0011.sqlite", leftover)
    Path(f"{leftover}-wal").write_bytes(b"")
    db = Database.open(tmp_path)
    assert get_dossier(db, f"{UNIT}-260203-3001").applicant.full_name == "Nguyễn Văn Đức"
    db.close()
    assert not list(tmp_path.glob(f"{DB_FILENAME}.migrating-*"))


HOLD_OPEN = """
import sqlite3, sys
connection = sqlite3.connect(sys.argv[1])
connection.execute("SELECT count(*) FROM dossier").fetchall()
print("open", flush=True)
sys.stdin.read()
"""


def test_an_old_file_another_window_keeps_open_is_not_replaced_under_it(tmp_path: Path) -> None:
    """Another process (an old app window) has the file open: replacing the file would leave it writing
    into the old one, so the upgrade is refused, nothing changed; once it has closed, the upgrade runs."""
    import sys

    path = tmp_path / DB_FILENAME
    shutil.copy(FIXTURES / "schema_0011.sqlite", path)
    before = sha256(path)
    other = subprocess.Popen([sys.executable, "-c", HOLD_OPEN, str(path)], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    try:
        assert other.stdout is not None and other.stdout.readline() == "open\n"
        with pytest.raises(DatabaseAccessError) as refused:
            Database.open(tmp_path)
        assert "đang bị một chương trình khác giữ" in refused.value.message
        assert "Dữ liệu đã lưu không bị thay đổi" in refused.value.message
        assert sha256(path) == before
        assert not list(tmp_path.glob(f"{DB_FILENAME}.migrating-*"))
    finally:
        other.communicate("")
    db = Database.open(tmp_path)
    assert get_dossier(db, f"{UNIT}-260203-3002").applicant.full_name == "Lê Thị Hồng"
    db.close()


def test_the_gui_refuses_a_failed_upgrade_in_a_dialog_before_any_window(qapp, tmp_path: Path) -> None:
    from PySide6.QtWidgets import QApplication, QMessageBox

    from counter_app.ui.app import run_gui
    from counter_app.ui.main_window import MainWindow

    path = tmp_path / DB_FILENAME
    shutil.copy(FIXTURES / "schema_0017.sqlite", path)
    with sqlite3.connect(path) as connection:
        connection.execute(f"CREATE INDEX {OBSTACLE} ON dossier (status)")
    connection.close()
    before = sha256(path)
    seen: list[tuple[str, str, list[MainWindow]]] = []

    def answer(box: QMessageBox) -> None:  # the modal box runs its own event loop: read it, then press OK
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        seen.append((box.windowTitle(), box.text(), windows))
        box.button(QMessageBox.StandardButton.Ok).click()

    when_shown(active_message_box, answer)
    assert run_gui(tmp_path, dialogs=True) == EXIT_UPGRADE_FAILED
    ((title, text, windows),) = seen
    assert title == "Không mở được dữ liệu của quầy" and windows == []
    assert "Không nâng cấp được cơ sở dữ liệu của quầy" in text and "Không có gì bị thay đổi" in text
    assert sha256(path) == before


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 1 MB file system (tmpfs), mounted for this test; skipped where mounting is not allowed."""
    with mounted_tmpfs(tmp_path / "small-disk", "size=1m,mode=0700") as mount_point:
        yield mount_point


def test_a_disk_too_small_for_backup_and_copy_is_refused_before_anything_is_written(small_disk: Path) -> None:
    path = small_disk / DB_FILENAME
    shutil.copy(FIXTURES / "schema_0018.sqlite", path)
    before = sha256(path)
    free = shutil.disk_usage(small_disk).free
    assert path.stat().st_size < free < space_needed(path)  # the file fits; file + backup + copy do not

    with pytest.raises(NotEnoughSpaceError) as refused:
        Database.open(small_disk)
    message = refused.value.message
    assert sha256(path) == before
    assert wal_bytes(path) == 0
    assert [p.name for p in small_disk.iterdir() if not p.name.endswith(("-wal", "-shm"))] == [DB_FILENAME]
    needed_mb = f"{space_needed(path) / (1 << 20):.1f}".replace(".", ",")
    assert f"cần khoảng {needed_mb} MB" in message and "ổ đĩa chỉ còn trống" in message
    assert "Chưa có gì bị thay đổi" in message

    subprocess.run(["mount", "-o", "remount,size=8m", str(small_disk)], check=True)  # room made
    db = Database.open(small_disk)
    assert get_dossier(db, f"{UNIT}-260203-3001").applicant.full_name == "Nguyễn Văn Đức"
    db.close()


def test_the_cli_upgrades_the_oldest_file_and_finds_by_a_folded_name(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "schema_0001.sqlite", tmp_path / DB_FILENAME)
    result = run_counter_app(["--data-dir", str(tmp_path), "search", "pham quoc viet"])  # a real process
    assert result.returncode == 0, result.stderr
    assert f"{UNIT}-260203-3003" in result.stdout and "Phạm Quốc Việt" in result.stdout
    (backup,) = (tmp_path / "backups").glob("*.sqlite")
    assert backup.name.startswith(f"counter-before-{head_revision()}-")

"""Suite-wide setup: Qt runs offscreen, before anything imports Qt."""

import os
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

UNIT_CODE = "000.31.48.H15"
UNIT_NAME = "Trung tâm Phục vụ hành chính công phường Hải Châu"
HAI_CHAU_WARD = 20242


def open_counter(data_dir: Path, desk: int = 1, unit_code: str = UNIT_CODE):
    """A real counter database in `data_dir`, set up for one desk with the sample catalog."""
    from counter_app.services.catalog import ensure_sample_catalog
    from counter_app.services.unit_setup import setup_unit
    from counter_app.storage.database import DB_FILENAME, Database

    if not (data_dir / DB_FILENAME).exists():
        _copy_new_database(data_dir / DB_FILENAME)
    db = Database.open(data_dir)
    setup_unit(db, unit_code=unit_code, unit_name=UNIT_NAME, desk=desk, clerk_name="Trần Thị Mai",
               ward_code=HAI_CHAU_WARD)
    ensure_sample_catalog(db)
    return db


@pytest.fixture(scope="module")
def stopped_clock() -> Iterator[datetime]:
    """This test process's clock stopped at the moment the module starts, for the whole module: a module that
    reads "today" (or compares with "now") at several moments reads one, even when office midnight or a due
    hour passes while it runs. Processes the tests start keep the machine's clock unless given this instant
    (`run_counter_app(..., at=...)`, `counter_cli(..., at=...)`)."""
    from counter_app.services.clock import stopped_at, use_clock, utc_now

    instant = utc_now()
    with use_clock(stopped_at(instant)):
        yield instant


_new_database: list[Path] = []  # this process's template: a database the app created, never opened since


def _copy_new_database(target: Path) -> None:
    """Put a copy of a brand-new database (created and migrated by Database.open, nothing in it) at `target`.

    Every test that opens a counter would otherwise run the whole migration chain again (~0.3 s each, hundreds
    of times in the suite); Database.open of the copy finds it at the head revision and only checks it.
    The unit's setup (with its random device id) still runs on each copy. Tests of creating a database
    call Database.open on an empty folder themselves.
    """
    import atexit
    import shutil

    from counter_app.storage.database import DB_FILENAME, Database
    from counter_app.storage.private_files import create_private_file, make_private_dir

    if not _new_database:
        folder = Path(tempfile.mkdtemp(prefix="new-counter-db-"))
        atexit.register(shutil.rmtree, folder, True)
        Database.open(folder).close()
        _new_database.append(folder / DB_FILENAME)
    make_private_dir(target.parent)
    create_private_file(target)
    shutil.copyfile(_new_database[0], target)


# The longest test files start first. Under pytest-xdist (tests/run.sh: one file per worker at a time, in
# collection order) a long file collected late runs alone at the end while the other worker idles; the
# bundle's cold PyInstaller build alone is 1-3 minutes. Only the order changes, never what runs.
SLOW_FILES_FIRST = (
    "tests/installer/test_bundle.py",
    "tests/sync/test_hostile_http.py",
    "tests/sync/test_faults.py",
    "tests/cli/test_cli_help.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {path: place for place, path in enumerate(SLOW_FILES_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))  # stable: the rest keep their order


_session_started = time.time()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The Linux bundle's figures when this run built it (tests/installer/conftest.py). Here, not beside the
    fixture: under pytest-xdist the process that prints the summary never loads tests/installer/."""
    import json

    from tests.installer.conftest import REPORT

    if not REPORT.exists() or REPORT.stat().st_mtime < _session_started:
        return
    report = json.loads(REPORT.read_text(encoding="utf-8"))
    terminalreporter.section("bản đóng gói Linux")
    terminalreporter.write_line(
        f"{report['bundle']}: {report['bundle_bytes'] / 2**20:.1f} MB trong {report['file_count']} tệp; "
        f"{Path(report['artifact']).name}: {report['tarball_bytes'] / 2**20:.1f} MB; "
        f"dựng trong {report['build_seconds']} s (+ nén {report['tarball_seconds']} s)"
    )


@pytest.fixture(autouse=True)
def _dialog_lookouts_end_with_their_test() -> Iterator[None]:
    """tests/support/qt_polling.when_shown: a look-out for a dialog never outlives its test."""
    yield
    from tests.support.qt_polling import end_of_test

    end_of_test()


@pytest.fixture
def counter_db(tmp_path: Path) -> Iterator:
    db = open_counter(tmp_path / "counter")
    yield db
    db.close()

# Keep the suite away from the machine's real keyring: a file-backed test backend, chosen the way any
# installation can choose one (PYTHON_KEYRING_BACKEND), and inherited by counter subprocesses.
os.environ["PYTHON_KEYRING_BACKEND"] = "tests.support.file_keyring.FileKeyring"
# Each pytest-xdist worker gets its own file: the workers inherit the controller's environment, and two
# workers' tests sharing one file would read each other's half-written JSON and passwords.
if os.environ.get("PYTEST_XDIST_WORKER") or "COUNTER_TEST_KEYRING_FILE" not in os.environ:
    os.environ["COUNTER_TEST_KEYRING_FILE"] = str(Path(tempfile.mkdtemp(prefix="keyring-")) / "keyring.json")

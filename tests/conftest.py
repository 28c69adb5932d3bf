"""Suite-wide setup: Qt runs offscreen, before anything imports Qt."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator
from pathlib import Path

import pytest

UNIT_CODE = "000.31.48.H15"
UNIT_NAME = "Trung tâm Phục vụ hành chính công phường Hải Châu"
HAI_CHAU_WARD = 20242


def open_counter(data_dir: Path, desk: int = 1, unit_code: str = UNIT_CODE):
    """A real counter database in `data_dir`, set up for one desk with the sample catalog."""
    from counter_app.services.catalog import ensure_sample_catalog
    from counter_app.services.unit_setup import setup_unit
    from counter_app.storage.database import Database

    db = Database.open(data_dir)
    setup_unit(db, unit_code=unit_code, unit_name=UNIT_NAME, desk=desk, clerk_name="Trần Thị Mai",
               ward_code=HAI_CHAU_WARD)
    ensure_sample_catalog(db)
    return db


@pytest.fixture
def counter_db(tmp_path: Path) -> Iterator:
    db = open_counter(tmp_path / "counter")
    yield db
    db.close()

# Keep the suite away from the machine's real keyring: a file-backed test backend, chosen the way any
# installation can choose one (PYTHON_KEYRING_BACKEND), and inherited by counter subprocesses.
import tempfile  # noqa: E402

os.environ["PYTHON_KEYRING_BACKEND"] = "tests.support.file_keyring.FileKeyring"
os.environ.setdefault("COUNTER_TEST_KEYRING_FILE", str(Path(tempfile.mkdtemp(prefix="keyring-")) / "keyring.json"))

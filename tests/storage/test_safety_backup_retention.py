"""The copies taken before each upgrade (storage/migrate.py) and each update (updates/install.py) are
bounded: the newest KEEP_SAFETY_BACKUPS stay, older ones go, and nothing else in `backups/` is touched
(the daily backups of services/backups.py, a safety copy of a restore, a file someone put there)."""

from __future__ import annotations

from pathlib import Path

from counter_app.storage.database import DB_FILENAME
from counter_app.storage.integrity import BACKUP_DIRNAME
from counter_app.storage.migrate import KEEP_SAFETY_BACKUPS, backup_database
from tests.conftest import UNIT_CODE, open_counter


def test_only_the_newest_safety_backups_are_kept(tmp_path: Path) -> None:
    open_counter(tmp_path).close()
    folder = tmp_path / BACKUP_DIRNAME
    folder.mkdir()
    others = [folder / f"{UNIT_CODE}-1-20260310-163000.sqlite", folder / f"{UNIT_CODE}-1-20260310-163000-truoc-khoi-phuc.sqlite",
              folder / "ghi-chu-cua-quan-tri.sqlite", folder / "counter-ban-chep-tay.sqlite"]
    for other in others:
        other.write_bytes(b"x")

    taken = [backup_database(tmp_path / DB_FILENAME, label)
             for label in ["before-0019", "truoc-cap-nhat-0.2.0"] * 4]  # four upgrades, four updates

    kept = sorted(p for p in folder.iterdir() if p not in others)
    assert kept == sorted(taken[-KEEP_SAFETY_BACKUPS:])
    assert all(other.read_bytes() == b"x" for other in others)

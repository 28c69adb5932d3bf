"""What a backup and a restore cost on a large counter database (docs/backups.md).

Why: the daily backup runs as the window closes, so its time is the wait a clerk sees at the first close
of the day; a restore runs once, from the command line. Baseline, measured in the same run: a plain
file copy of the same database (which would not be consistent while the app writes, hence the online
backup API).

    .venv/bin/python bench/backup_restore.py                     # 20,000 dossiers
    .venv/bin/python bench/backup_restore.py --dossiers 200000
"""

from __future__ import annotations

import argparse
import shutil
import sys

from _common import emit, log, machine, timed_ms, work_dir
from search_latency import ensure_database

from counter_app.services.backups import back_up_now, default_backup_dir
from counter_app.services.restore import restore_database
from counter_app.storage.database import DB_FILENAME, Database


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dossiers", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--data-dir")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args(argv)
    result: dict = {"benchmark": "backup_restore", "machine": machine(), "dossiers": args.dossiers}
    with work_dir(args.data_dir, args.keep, "bench-backup-") as data_dir:
        result["generation"] = ensure_database(data_dir, args.dossiers, args.seed)
        db = Database.open(data_dir)
        folder = default_backup_dir(data_dir)
        result["baseline_file_copy_ms"], _ = timed_ms(lambda: shutil.copyfile(db.path, data_dir / "plain-copy.sqlite"))
        result["backup_ms"], outcome = timed_ms(lambda: back_up_now(db, folder, folder, 3))
        db.close()
        result["database_bytes"] = (data_dir / DB_FILENAME).stat().st_size
        result["restore_ms"], _ = timed_ms(lambda: restore_database(data_dir, outcome.path))
        log(f"backup {result['backup_ms']} ms, restore {result['restore_ms']} ms")
    emit(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())

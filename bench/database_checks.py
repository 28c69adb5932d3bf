"""What checking the counter's database costs: the header/length checks, quick_check and integrity_check.

Why: every start checks the file before using it (counter_app/storage/integrity.py). quick_check reads
every page, so it runs at start only for files up to QUICK_CHECK_AT_START_MAX_BYTES and in the
background for larger ones; this measures whether that limit keeps the start's extra wait small
(target: quick_check of a file at the limit under 250 ms, from the measured ms per MB). The baseline,
measured in the same run, is opening the same database without quick_check.

Each figure is the median of `--runs` runs with the file in the OS cache (a counter that ran
yesterday); with `--cold` (root on Linux) the caches are dropped before one more run of each check.

    .venv/bin/python bench/database_checks.py                          # 200,000 dossiers
    .venv/bin/python bench/database_checks.py --dossiers 20000 --runs 3   # quick
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

from _common import emit, file_sizes, log, machine, timed_ms, work_dir
from search_latency import ensure_database

from counter_app.storage.database import DB_FILENAME, Database
from counter_app.storage.integrity import QUICK_CHECK_AT_START_MAX_BYTES, check_before_open, run_check

TARGET_MS_AT_LIMIT = 250.0
MB = 1024 * 1024


def _drop_caches() -> bool:
    try:
        subprocess.run(["sync"], check=True)
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
        return True
    except (OSError, subprocess.CalledProcessError):
        return False


def _median_ms(call: Any, runs: int) -> float:
    return round(statistics.median(timed_ms(call)[0] for _ in range(runs)), 1)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dossiers", type=int, default=200_000)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--cold", action="store_true", help="also time each check after dropping the OS caches")
    p.add_argument("--data-dir")
    p.add_argument("--keep", action="store_true")
    args = p.parse_args(argv)
    result: dict[str, Any] = {"benchmark": "database_checks", "dossiers": args.dossiers, "runs": args.runs}
    with work_dir(args.data_dir, args.keep, "bench-checks-") as data_dir:
        result["generation"] = ensure_database(data_dir, args.dossiers, args.seed)
        path = data_dir / DB_FILENAME
        sizes = file_sizes(path)
        result["files"] = sizes
        megabytes = sizes["db_file_bytes"] / MB
        checks = {
            "baseline_open_without_quick_check": lambda: Database.open(data_dir, quick_check_max_bytes=0).close(),
            "open_with_quick_check": lambda: Database.open(data_dir, quick_check_max_bytes=1 << 62).close(),
            "header_and_length_checks": lambda: check_before_open(path, quick_check=False),
            "quick_check": lambda: run_check(path, "quick_check"),
            "integrity_check": lambda: run_check(path, "integrity_check"),
        }
        timed_ms(checks["open_with_quick_check"])  # warm the cache
        warm = {}
        for name, call in checks.items():
            log(f"{name} ×{args.runs}…")
            warm[name] = _median_ms(call, args.runs)
        result["warm_median_ms"] = warm
        if args.cold:
            cold = {}
            for name in ("quick_check", "integrity_check"):
                if not _drop_caches():
                    log("cannot drop the OS caches (not root on Linux?): no cold figures")
                    break
                cold[name] = round(timed_ms(checks[name])[0], 1)
            result["cold_ms"] = cold
    per_mb = warm["quick_check"] / megabytes if megabytes else 0.0
    at_limit = per_mb * QUICK_CHECK_AT_START_MAX_BYTES / MB
    result["quick_check_ms_per_mb_warm"] = round(per_mb, 3)
    if result.get("cold_ms", {}).get("quick_check"):
        cold_per_mb = result["cold_ms"]["quick_check"] / megabytes
        result["quick_check_ms_per_mb_cold"] = round(cold_per_mb, 3)
        result["quick_check_at_the_limit_ms_cold"] = round(cold_per_mb * QUICK_CHECK_AT_START_MAX_BYTES / MB, 1)
    result["quick_check_at_start_limit_mb"] = QUICK_CHECK_AT_START_MAX_BYTES / MB
    result["quick_check_at_the_limit_ms_warm"] = round(at_limit, 1)
    result["quick_check_runs_at_start"] = sizes["db_file_bytes"] <= QUICK_CHECK_AT_START_MAX_BYTES
    result["target"] = {"quick_check_at_the_limit_ms": TARGET_MS_AT_LIMIT}
    result["meets_target"] = at_limit < TARGET_MS_AT_LIMIT
    result["machine"] = machine()
    emit(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())

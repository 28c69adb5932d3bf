"""Time from process start to the first shown main window, on a big database and on an empty one.

Why: the counter opens at 07:00 with citizens already queuing, on a low-spec PC; years of dossiers
must not make the start slower (target: under 2 s on 1,000,000 dossiers). The baseline, measured in
the same run, is the same start on a set-up counter with no dossier.

Each start is a real `python -m counter_app --data-dir D --smoke` process (offscreen Qt); the clock
runs from just before the process is spawned to the moment it prints that its window is shown.

    .venv/bin/python bench/gui_startup.py --data-dir /tmp/db1m          # reuses search_latency's database
    .venv/bin/python bench/gui_startup.py --dossiers 20000 --runs 3      # quick
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from _common import emit, log, machine, setup_demo_unit, summarize_ms, work_dir
from search_latency import ensure_database

from counter_app.storage.database import Database

ROOT = Path(__file__).resolve().parents[1]
TARGET_MS = 2_000.0


def start_once(data_dir: Path) -> tuple[float, float]:
    """(ms until the window is shown, ms the app reports from its own start) for one real process."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "counter_app", "--data-dir", str(data_dir), "--smoke"],
                               cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("shown_ms="):
            shown = (time.perf_counter() - start) * 1000
            internal = float(line.split("=", 1)[1])
            break
    else:
        raise RuntimeError(f"the app did not show its window: {process.stderr.read() if process.stderr else ''}")
    process.wait(60)
    return shown, internal


def measure(data_dir: Path, runs: int) -> dict[str, Any]:
    start_once(data_dir)  # warm the OS file cache, as on a counter that ran yesterday
    shown, internal = zip(*(start_once(data_dir) for _ in range(runs)), strict=True)
    return {"process_start_to_window_ms": summarize_ms(list(shown)), "app_reported_ms": summarize_ms(list(internal))}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dossiers", type=int, default=1_000_000)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--data-dir", help="database folder to (re)use, as made by search_latency.py --data-dir")
    p.add_argument("--keep", action="store_true")
    args = p.parse_args(argv)
    result: dict[str, Any] = {"benchmark": "gui_startup", "dossiers": args.dossiers, "runs": args.runs}
    with work_dir(args.data_dir, args.keep, "bench-start-") as big, work_dir(None, False, "bench-start-empty-") as empty:
        result["generation"] = ensure_database(big, args.dossiers, args.seed)
        db = Database.open(empty)
        setup_demo_unit(db)
        db.close()
        log(f"starting the app {args.runs + 1}× on {args.dossiers:,} dossiers…")
        result["big_database"] = measure(big, args.runs)
        log(f"starting the app {args.runs + 1}× on an empty database…")
        result["baseline_empty_database"] = measure(empty, args.runs)
    p95 = result["big_database"]["process_start_to_window_ms"]["p95_ms"]
    result["target"] = {"process_start_to_window_p95_ms": TARGET_MS}
    result["meets_target"] = p95 < TARGET_MS
    result["machine"] = machine()
    emit(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())

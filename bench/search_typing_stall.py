"""The longest stall of the GUI event loop while a clerk types a search on a big database.

Why: the counter must never freeze (target: no stall over 50 ms while typing on 1,000,000 dossiers).
The real main window is built offscreen on the database; a name is typed into the search screen key by
key at a fast typist's pace (80 ms per key) with real key events, while a 2 ms QTimer records the gaps
between its ticks; every gap above the timer period is time the loop could not run. The baseline is the
same typing on an empty database in the same process.

    .venv/bin/python bench/search_typing_stall.py --data-dir /tmp/db1m
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from _common import emit, log, machine, setup_demo_unit, work_dir
from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication
from search_latency import ensure_database

from counter_app.services.unit_setup import load_profile
from counter_app.storage.database import Database
from counter_app.ui.context import UiContext
from counter_app.ui.main_window import MainWindow
from counter_app.ui.settings import CounterSettings
from counter_app.ui.tasks import TaskRunner

TARGET_MAX_STALL_MS = 50.0
QUERIES = ("nguyen van d", "tran thi h", "le", "0905", "pham quoc")
KEY_INTERVAL_MS = 80
TICK_MS = 2


def type_and_watch(app: QApplication, data_dir: Path) -> dict[str, Any]:
    db = Database.open(data_dir)
    settings = CounterSettings(data_dir / "bench-settings.ini")
    context = UiContext(db=db, tasks=TaskRunner(), profile=load_profile(db), settings=settings)
    window = MainWindow(context)
    window.show()
    window.show_screen(window.search)
    box = window.search.box
    gaps: list[float] = []
    last = time.perf_counter()

    def tick() -> None:
        nonlocal last
        now = time.perf_counter()
        gaps.append((now - last) * 1000)
        last = now

    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.timeout.connect(tick)
    timer.start(TICK_MS)
    searches = 0
    for query in QUERIES:
        box.clear()
        for char in query:
            for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
                QApplication.sendEvent(box, QKeyEvent(kind, Qt.Key.Key_unknown, Qt.KeyboardModifier.NoModifier, char))
            deadline = time.perf_counter() + KEY_INTERVAL_MS / 1000
            while time.perf_counter() < deadline:
                app.processEvents()
                time.sleep(0.0005)
        settle = time.perf_counter() + 1.5  # let the last search (after the typing pause) finish
        while time.perf_counter() < settle:
            app.processEvents()
            time.sleep(0.0005)
        searches += 1
    timer.stop()
    context.tasks.wait()
    window.close()
    window.deleteLater()  # destroy the widgets now, under the running QApplication, not at interpreter exit
    app.processEvents()
    db.close()
    stalls = sorted(g - TICK_MS for g in gaps if g > TICK_MS)
    return {
        "queries_typed": searches,
        "ticks": len(gaps),
        "max_stall_ms": round(stalls[-1], 2) if stalls else 0.0,
        "p99_gap_ms": round(sorted(gaps)[int(len(gaps) * 0.99)], 2) if gaps else 0.0,
        "gaps_over_16ms": sum(1 for g in gaps if g > 16),
        "gaps_over_50ms": sum(1 for g in gaps if g > 50),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dossiers", type=int, default=1_000_000)
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--data-dir", help="database folder to (re)use, as made by search_latency.py --data-dir")
    p.add_argument("--keep", action="store_true")
    args = p.parse_args(argv)
    app = QApplication.instance() or QApplication(sys.argv)
    result: dict[str, Any] = {"benchmark": "search_typing_stall", "dossiers": args.dossiers, "queries": list(QUERIES)}
    with work_dir(args.data_dir, args.keep, "bench-stall-") as big, work_dir(None, False, "bench-stall-empty-") as empty:
        result["generation"] = ensure_database(big, args.dossiers, args.seed)
        db = Database.open(empty)
        setup_demo_unit(db)
        db.close()
        log("typing on the big database…")
        result["big_database"] = type_and_watch(app, big)
        log("typing on an empty database…")
        result["baseline_empty_database"] = type_and_watch(app, empty)
    result["target"] = {"max_stall_ms": TARGET_MAX_STALL_MS}
    result["meets_target"] = result["big_database"]["max_stall_ms"] < TARGET_MAX_STALL_MS
    result["machine"] = machine()
    emit(result)
    sys.stdout.flush()
    # PySide6 6.12 aborts in the interpreter's exit-time garbage collection after this script's synthetic
    # key events ("none_dealloc"); the app itself exits cleanly (see the --smoke tests). The figures are
    # written, so leave without that final collection.
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())

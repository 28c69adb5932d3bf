"""Insert rate of `counter-app demo-data` (dossiers/s) against raw sqlite3 executemany of the same rows.

Why: demo data builds the databases every other benchmark and the screenshots use (1,000,000 dossiers
for search), so its rate decides whether those runs take minutes or an hour; and the ratio to raw
SQLite says how much of that time is the app's own code rather than the disk.

1. DB A: the app's `generate_demo_dossiers` (after `setup_unit` + sample catalog, as `--demo` does).
2. The rows of dossier, dossier_fts, dossier_event (and desk_day_counter) are read back out of A.
3. DB B: a fresh database migrated by the app (`Database.open`), same unit set up; the same rows are
   inserted with sqlite3 `executemany`, same pragmas (WAL, synchronous=FULL, foreign_keys) and the
   same transactions (one BEGIN IMMEDIATE ... COMMIT per chunk of demo_data.CHUNK dossiers).
   B must end up identical to A (checked by a digest of the three tables).
4. Breakdown (unless --no-variants): the app with its bulk insert stubbed out (Python-side cost only),
   and two candidate fixes of `storage.dossiers.bulk_insert_dossiers`, patched in this process only,
   each checked to write exactly the same rows as A.

    .venv/bin/python bench/demo_data_insert.py                    # 100,000 dossiers
    .venv/bin/python bench/demo_data_insert.py --dossiers 20000 --no-variants
"""

from __future__ import annotations

import argparse
import hashlib
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from _common import emit, log, machine, setup_demo_unit, watch_bulk_insert, work_dir
from sqlalchemy import insert as sa_insert

import counter_app.storage.dossiers as storage_dossiers
from counter_app.services import demo_data
from counter_app.services.clock import utc_now
from counter_app.storage.database import BUSY_TIMEOUT_MS, DB_FILENAME, Database
from counter_app.storage.models import DossierEvent

# 1,000,000 dossiers (the search benchmark) in at most 5 minutes.
TARGET_RATE = 1_000_000 / 300
COPIED = {  # table -> (select of every column, ORDER BY that makes the copy comparable)
    "dossier": ("SELECT * FROM dossier", "pk"),
    "dossier_fts": ("SELECT rowid, body FROM dossier_fts", "rowid"),
    "dossier_event": ("SELECT * FROM dossier_event", "id"),
    "desk_day_counter": ("SELECT * FROM desk_day_counter", "day, desk_slot"),
}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dossiers", type=int, default=100_000, help="dossiers to insert (default 100,000)")
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--no-variants", action="store_true", help="only the app and the raw baseline")
    p.add_argument("--data-dir", help="parent directory for the databases (must be empty or new); kept")
    p.add_argument("--keep", action="store_true", help="keep the temporary directory")
    return p.parse_args(argv)


# -- the app -----------------------------------------------------------------------------------------


def run_app(directory: Path, count: int, seed: int, now: datetime) -> dict[str, Any]:
    """Time `generate_demo_dossiers` alone (setup and catalog are done first, untimed)."""
    db = Database.open(directory)
    try:
        setup_demo_unit(db)
        with watch_bulk_insert(count) as progress:
            start = time.perf_counter()
            made = demo_data.generate_demo_dossiers(db, count, seed=seed, now=now)
            seconds = time.perf_counter() - start
    finally:
        db.close()
    return {
        "dossiers": made,
        "seconds": round(seconds, 3),
        "dossiers_per_second": round(made / seconds, 1),
        "bulk_insert_seconds": round(progress.insert_seconds, 3),
        "other_seconds": round(seconds - progress.insert_seconds, 3),
    }


@contextmanager
def patched(obj: Any, name: str, value: Any) -> Iterator[None]:
    real = getattr(obj, name)
    setattr(obj, name, value)
    try:
        yield
    finally:
        setattr(obj, name, real)


def _insert_render_nulls(model: Any) -> Any:
    """Candidate fix 1: ORM bulk insert of events with render_nulls, so None keeps one batch."""
    statement = sa_insert(model)
    return statement.execution_options(render_nulls=True) if model is DossierEvent else statement


def _insert_core_table(model: Any) -> Any:
    """Candidate fix 2: a Core insert on the Table: one executemany, no ORM per-row bookkeeping."""
    return model.__table__.insert()


def candidate(directory: Path, count: int, seed: int, now: datetime, make_insert: Callable[[Any], Any]) -> dict[str, Any]:
    """The app run with `insert` inside storage/dossiers.py swapped for `make_insert`."""
    with patched(storage_dossiers, "insert", make_insert):
        return run_app(directory, count, seed, now)


# -- the raw baseline --------------------------------------------------------------------------------


def extract(db_path: Path) -> dict[str, tuple[list[str], list[tuple[Any, ...]]]]:
    """Every row of the copied tables, in key order, with column names."""
    tables = {}
    with closing(sqlite3.connect(db_path)) as conn:
        for table, (select, order) in COPIED.items():
            cursor = conn.execute(f"{select} ORDER BY {order}")
            columns = [d[0] for d in cursor.description]
            tables[table] = (columns, cursor.fetchall())
    return tables


def raw_insert(directory: Path, tables: dict[str, tuple[list[str], list[tuple[Any, ...]]]], chunk: int) -> float:
    """Insert the extracted rows with executemany, chunked like demo_data; returns seconds."""
    db = Database.open(directory)  # migrated by the app, then set up like DB A (untimed)
    try:
        setup_demo_unit(db)
    finally:
        db.close()
    conn = sqlite3.connect(directory / DB_FILENAME, isolation_level=None)
    try:
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON", f"busy_timeout={BUSY_TIMEOUT_MS}"):
            conn.execute(f"PRAGMA {pragma}")
        sql = {
            table: f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
            for table, (cols, _) in tables.items()
        }
        dossiers = tables["dossier"][1]
        fts = tables["dossier_fts"][1]
        events = tables["dossier_event"][1]
        event_pk = tables["dossier_event"][0].index("dossier_pk")
        start = time.perf_counter()
        e = 0
        for i in range(0, len(dossiers), chunk):
            part = dossiers[i : i + chunk]
            last_pk = part[-1][0]
            e_end = e
            while e_end < len(events) and events[e_end][event_pk] <= last_pk:
                e_end += 1
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(sql["dossier"], part)
            conn.executemany(sql["dossier_fts"], fts[i : i + chunk])
            conn.executemany(sql["dossier_event"], events[e:e_end])
            if i == 0:
                conn.executemany(sql["desk_day_counter"], tables["desk_day_counter"][1])
            conn.execute("COMMIT")
            e = e_end
        return time.perf_counter() - start
    finally:
        conn.close()


def digest(db_path: Path) -> str:
    """One hash over the copied tables, to prove two databases hold the same rows."""
    h = hashlib.sha256()
    with closing(sqlite3.connect(db_path)) as conn:
        for table, (select, order) in COPIED.items():
            h.update(table.encode())
            for row in conn.execute(f"{select} ORDER BY {order}"):
                h.update(repr(row).encode())
    return h.hexdigest()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    now = utc_now()  # one instant for every app run, so all of them write identical rows
    chunk = demo_data.CHUNK
    with work_dir(args.data_dir, args.keep, "bench-insert-") as root:
        if any(root.iterdir()):
            sys.exit(f"{root} is not empty: this benchmark times fresh inserts, give it a new --data-dir")
        log(f"A: app generate_demo_dossiers, {args.dossiers:,} dossiers")
        app = run_app(root / "a_app", args.dossiers, args.seed, now)
        a_path = root / "a_app" / DB_FILENAME

        log("extracting the rows of A")
        start = time.perf_counter()
        tables = extract(a_path)
        extract_seconds = time.perf_counter() - start
        made = len(tables["dossier"][1])

        log("B: raw sqlite3 executemany of the same rows")
        raw_seconds = raw_insert(root / "b_raw", tables, chunk)
        row_counts = {table: len(rows) for table, (_, rows) in tables.items()}
        del tables
        a_digest = digest(a_path)
        same = digest(root / "b_raw" / DB_FILENAME) == a_digest

        breakdown: dict[str, Any] = {}
        if not args.no_variants:
            log("C: app with bulk_insert_dossiers stubbed out (Python-side cost only)")
            with patched(demo_data, "bulk_insert_dossiers", lambda *_: None):
                breakdown["app_without_bulk_insert"] = run_app(root / "c_python", args.dossiers, args.seed, now)
            for name, make_insert in (
                ("fix_render_nulls_for_events", _insert_render_nulls),
                ("fix_core_table_insert", _insert_core_table),
            ):
                log(f"candidate fix: {name}")
                directory = root / name
                figures = candidate(directory, args.dossiers, args.seed, now, make_insert)
                figures["identical_rows_to_app"] = digest(directory / DB_FILENAME) == a_digest
                figures["speedup_vs_app"] = round(figures["dossiers_per_second"] / app["dossiers_per_second"], 2)
                breakdown[name] = figures

    raw_rate = made / raw_seconds
    result = {
        "benchmark": "demo_data_insert",
        "dossiers": args.dossiers,
        "chunk": chunk,
        "rows": row_counts,
        "results": {"app_generate_demo_dossiers": app, **breakdown},
        "baseline": {
            "method": "sqlite3 executemany of A's rows into a fresh app-migrated DB, WAL + synchronous=FULL, "
            f"one transaction per {chunk} dossiers",
            "seconds": round(raw_seconds, 3),
            "dossiers_per_second": round(raw_rate, 1),
            "identical_rows_to_app": same,
            "extract_seconds": round(extract_seconds, 3),
        },
        "ratio": {
            "app_rate_over_raw_rate": round(app["dossiers_per_second"] / raw_rate, 3),
            "raw_speedup_over_app": round(raw_rate / app["dossiers_per_second"], 1),
        },
        "target": {"dossiers_per_second": round(TARGET_RATE, 1), "why": "1,000,000 demo dossiers in <= 5 minutes"},
        "meets_target": app["dossiers_per_second"] >= TARGET_RATE,
        "machine": machine(),
    }
    emit(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The desk's six worklists (F5) on a big counter database (default 1,000,000 dossiers).

Why: the worklists open on F5 while a citizen waits, and a counter keeps years of dossiers. Each list
is meant to be one indexed query (`ix_dossier_status_due_at`; the shipment lists through
`result_return`'s indexes), capped at 200 rows with its true total. This times
`services.worklists.all_worklists` (what the screen reads) and each `worklist(kind)` alone.

Baseline, measured in the same run on the same database and the same `now`: the app's own statements
for each list with `NOT INDEXED` on `dossier` and `result_return` (a full table scan, what the lists cost
without their indexes). Both must return the same rows and totals, which the JSON checks.

Data, built set-based: the app's demo service makes a template of `TEMPLATE_DOSSIERS` real dossiers,
which one `INSERT … SELECT` over a recursive counter copies up to N (new pk, id and code; no register
number, no search-index rows: the worklists read neither), with the secondary indexes made again after.
Each dossier's status (2, 4, 5, 9, 10) and due date (around `now`) come from a hash of its pk, in the same
statement (one `UPDATE` for the template); `--returns-per-state` posted returns are written in
each shipment state, plus older superseded returns, so "the newest return of each dossier" has work to do.

    .venv/bin/python bench/worklists.py                        # 1M dossiers in a temp dir
    .venv/bin/python bench/worklists.py --dossiers 50000       # quick run
    .venv/bin/python bench/worklists.py --data-dir /tmp/wl1m   # build once, reuse afterwards
"""

from __future__ import annotations

import argparse
import json
import re
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from time import perf_counter
from typing import Any

from _common import emit, file_sizes, log, machine, setup_demo_unit, summarize_ms, timed_ms, work_dir
from sqlalchemy import event, insert, select
from sqlalchemy.orm import Session

from counter_app.domain.dossier import OFFICE_TZ
from counter_app.domain.postal_codes import item_code
from counter_app.domain.returns import ShipmentState
from counter_app.services.demo_data import generate_demo_dossiers
from counter_app.services.worklists import (
    DEFAULT_LIMIT,
    WorklistKind,
    _statement,
    all_worklists,
    worklist,
)
from counter_app.storage.database import DB_FILENAME, Database
from counter_app.storage.models import DossierRow, ResultReturn

TARGET_ALL_P95_MS = 500.0  # F5 opens the screen: the six lists together, read in the background
META_FILE = "bench-worklists-meta.json"
TEMPLATE_DOSSIERS = 2_000
# Share of dossiers per status, in per mille: most of a counter's years are returned results (10).
STATUS_SHARES = ((2, 100), (4, 80), (5, 60), (9, 60), (10, 700))
ACTIVE_DUE_MINUTES = (-5 * 1440, 15 * 1440)  # running clocks: due from 5 days ago to 15 days ahead
SUPERSEDED_EVERY = 10  # one return in ten has an older return of the same dossier before it


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dossiers", type=int, default=1_000_000, help="dossiers in the database (default 1,000,000)")
    p.add_argument("--returns-per-state", type=int, default=3_000,
                   help="posted returns in each shipment state (default 3,000)")
    p.add_argument("--runs", type=int, default=20, help="timed runs of each app read (default 20)")
    p.add_argument("--baseline-runs", type=int, default=3,
                   help="timed runs of each full-scan list (default 3; each scans the table)")
    p.add_argument("--seed", type=int, default=2026, help="seed of the demo template")
    p.add_argument("--data-dir", help="use (and keep) this directory; a database built with the same sizes is reused")
    p.add_argument("--keep", action="store_true", help="keep the temporary directory and print its path")
    return p.parse_args(argv)


# -- database ----------------------------------------------------------------------------------------


def _sql_time(column_sql: str) -> str:
    """SQL for a UTC instant in the text form SQLAlchemy writes for SQLite DateTime columns."""
    return f"strftime('%Y-%m-%d %H:%M:%S', {column_sql}) || '.000000'"


def _status_sql(pk: str) -> str:
    """A status by STATUS_SHARES from a hash of the dossier's pk (deterministic, evenly spread)."""
    cases, upper = [], 0
    for status, share in STATUS_SHARES:
        upper += share
        cases.append(f"WHEN (({pk} * 2654435761) % 1000003) % 1000 < {upper} THEN {status}")
    return f"(CASE {' '.join(cases)} END)"


def _due_sql(pk: str, now: datetime) -> str:
    """A due date: within the past two years for a finished dossier (10), else from 5 days ago to 15 ahead."""
    hashed = f"(({pk} * 40503) % 1000003)"
    low, high = ACTIVE_DUE_MINUTES
    offset = (f"CASE WHEN {_status_sql(pk)} = 10 THEN -({hashed} % (730 * 1440)) "
              f"ELSE {low} + ({hashed} * 7) % {high - low} END")
    now_sql = now.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    return _sql_time(f"'{now_sql}', ({offset}) || ' minutes'")


def _copy_template(con: sqlite3.Connection, count: int, now: datetime) -> int:
    """Copy the template dossiers up to `count` in one INSERT … SELECT, spreading statuses and due dates
    (the template's own rows too); returns the template size. The secondary indexes are dropped first
    and made again after: one sort per index instead of a million scattered inserts."""
    template = con.execute("SELECT count(*) FROM dossier").fetchone()[0]
    con.execute(f"UPDATE dossier SET status = {_status_sql('pk')}, due_at = {_due_sql('pk', now)}")
    copies = -(-count // template) - 1
    if copies <= 0:
        return template
    indexes = con.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'dossier' "
                          "AND sql IS NOT NULL").fetchall()
    for name, _ in indexes:
        con.execute(f'DROP INDEX "{name}"')
    columns = [row[1] for row in con.execute("PRAGMA table_info(dossier)")]
    new_pk = "(k.i * :template + t.pk)"
    replaced = {
        "pk": new_pk,
        "id": "printf('%08x-0000-4000-8000-%012x', k.i, t.pk)",
        "code": "t.code || '.' || k.i",
        "register_book": "NULL",
        "register_number": "NULL",
        "status": _status_sql(new_pk),
        "due_at": _due_sql(new_pk, now),
    }
    select_list = ", ".join(replaced.get(c, f"t.{c}") for c in columns)
    con.execute(
        f"INSERT INTO dossier ({', '.join(columns)}) "  # column names from PRAGMA, the rest constants
        "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < :copies) "
        f"SELECT {select_list} FROM k CROSS JOIN dossier AS t "
        "WHERE t.pk <= :template AND k.i * :template + t.pk <= :count",
        {"template": template, "copies": copies, "count": count},
    )
    for _, sql in indexes:
        con.execute(sql)
    return template


def _write_returns(db: Database, per_state: int, now: datetime) -> int:
    """`per_state` posted returns in each shipment state on status-10 dossiers, plus superseded older ones."""
    states = list(ShipmentState)
    with db.write() as session:
        pks = session.scalars(select(DossierRow.pk).where(DossierRow.status == 10)
                              .order_by(DossierRow.pk.desc()).limit(per_state * len(states))).all()
        rows: list[dict[str, Any]] = []
        for n, pk in enumerate(pks):
            state = states[n % len(states)]
            at = now - timedelta(minutes=10 + n)
            if n % SUPERSEDED_EVERY == 0:  # sent before, came back, sent again
                rows.append(_return_row(len(rows) + 1, pk, ShipmentState.RETURNED, at - timedelta(days=7)))
            rows.append(_return_row(len(rows) + 1, pk, state, at))
        session.execute(insert(ResultReturn), rows)
    return len(rows)


def _return_row(serial: int, dossier_pk: int, state: ShipmentState, at: datetime) -> dict[str, Any]:
    return {
        "id": f"00000000-0000-4000-9000-{serial:012x}", "dossier_pk": dossier_pk, "method": "post",
        "returned_at": at, "receiver_name": "Người nhận thử", "phone": "0912345678", "street": "1 Đường Thử",
        "postage": 30_000, "payer": "citizen", "item_code": item_code(serial), "shipment_state": state.value,
        "state_at": at,
    }


def ensure_database(data_dir: Path, count: int, per_state: int, seed: int) -> dict[str, Any]:
    """Build the database unless `data_dir` already holds one of these sizes (then its meta is reused)."""
    meta_path = data_dir / META_FILE
    wanted = {"dossiers": count, "returns_per_state": per_state, "seed": seed}
    if meta_path.exists():
        meta = json.loads(meta_path.read_text())
        if {k: meta.get(k) for k in wanted} != wanted:
            sys.exit(f"{data_dir} holds a worklist database of other sizes ({meta_path.name}): use another --data-dir")
        log(f"reusing {count:,} dossiers in {data_dir}")
        return {"reused": True, **meta}
    if (data_dir / DB_FILENAME).exists():
        sys.exit(f"{data_dir} holds a database this benchmark did not build: use another --data-dir")
    # A working morning (10:00 office time today): "due today" then spans the rest of a working day, and
    # every list is the same whenever the benchmark runs, as due dates are set relative to it.
    now = datetime.combine(datetime.now(OFFICE_TZ).date(), time(10), OFFICE_TZ).astimezone(UTC)
    log(f"building {count:,} dossiers in {data_dir}")
    start = perf_counter()
    db = Database.open(data_dir)
    try:
        setup_demo_unit(db)
        generate_demo_dossiers(db, min(count, TEMPLATE_DOSSIERS), seed=seed, now=now)
        template_seconds = perf_counter() - start
        with closing(sqlite3.connect(data_dir / DB_FILENAME, isolation_level=None)) as con:
            con.execute("BEGIN IMMEDIATE")
            con.execute("PRAGMA cache_size = -262144")  # 256 MB: the index builds sort in memory
            template = _copy_template(con, count, now)
            copied_seconds = perf_counter() - start
            con.execute("COMMIT")
            con.execute("ANALYZE")
        returns = _write_returns(db, per_state, now)
    finally:
        db.close()
    seconds = perf_counter() - start
    meta = {
        **wanted, "now": now.isoformat(), "template_dossiers": template, "result_returns": returns,
        "build_seconds": round(seconds, 2), "template_seconds": round(template_seconds, 2),
        "copy_seconds": round(copied_seconds - template_seconds, 2),
        "dossiers_per_second": round(count / seconds, 1),
    }
    meta_path.write_text(json.dumps(meta, indent=2))
    return {"reused": False, **meta}


# -- the lists ---------------------------------------------------------------------------------------


# `FROM dossier`, `JOIN result_return` and the like, not `dossier.pk`: where a table is read, not a column.
_TABLE_READ = re.compile(r"\b(FROM|JOIN) (dossier|result_return)( AS \w+)?(?=\s|$)")  # an alias comes first


@contextmanager
def _no_index(db: Database) -> Iterator[None]:
    """Every statement sent meanwhile reads dossier and result_return with NOT INDEXED (a full scan).

    SQLAlchemy's SQLite dialect renders no table hints, so the SQL is rewritten as it goes to the driver."""

    def rewrite(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> Any:
        return _TABLE_READ.sub(r"\1 \2\3 NOT INDEXED", statement), parameters

    event.listen(db.engine, "before_cursor_execute", rewrite, retval=True)
    try:
        yield
    finally:
        event.remove(db.engine, "before_cursor_execute", rewrite)


def _full_scan(db: Database, kind: WorklistKind, now: datetime, limit: int) -> tuple[list[str], int]:
    """`worklist(kind)` itself (rows, Dossier objects, count when capped), with no index on dossier or
    result_return: the same answer, by scanning."""
    with _no_index(db):
        answer = worklist(db, kind, now=now, limit=limit)
    return [d.id for d in answer.dossiers], answer.total


def _plan(session: Session, kind: WorklistKind, now: datetime, limit: int) -> list[str]:
    """SQLite's query plan for the app's list query (which indexes it uses)."""
    statement = _statement(kind, now).order_by(DossierRow.due_at, DossierRow.pk).limit(limit)
    compiled = statement.compile(session.get_bind(), compile_kwargs={"render_postcompile": True})
    rows = session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", tuple(compiled.params.values()))
    return [row[3] for row in rows]


def measure(db: Database, now: datetime, runs: int, baseline_runs: int, limit: int) -> dict[str, Any]:
    all_worklists(db, now=now, limit=limit)  # warm the page cache and SQLAlchemy's statement cache
    log(f"timing all_worklists and each list, {runs} runs")
    together = [timed_ms(lambda: all_worklists(db, now=now, limit=limit))[0] for _ in range(runs)]
    lists: dict[str, Any] = {}
    for kind in WorklistKind:
        samples, answer = [], None
        for _ in range(runs):
            ms, answer = timed_ms(lambda kind=kind: worklist(db, kind, now=now, limit=limit))
            samples.append(ms)
        assert answer is not None
        lists[kind.value] = {"rows": len(answer.dossiers), "total": answer.total, **summarize_ms(samples),
                             "_ids": [d.id for d in answer.dossiers]}
    log(f"baseline: each list by full scan (NOT INDEXED), {baseline_runs} runs")
    baseline: dict[str, Any] = {}
    with db.read() as session:
        for kind in WorklistKind:
            samples, answer = [], ([], 0)
            for _ in range(baseline_runs):
                ms, answer = timed_ms(lambda kind=kind: _full_scan(db, kind, now, limit))
                samples.append(ms)
            app = lists[kind.value]
            same = answer[0] == app.pop("_ids") and answer[1] == app["total"]
            app["plan"] = _plan(session, kind, now, limit)
            with _no_index(db):
                baseline_plan = _plan(session, kind, now, limit)
            baseline[kind.value] = {**summarize_ms(samples), "same_rows_and_total": same, "plan": baseline_plan}
            if app["p50_ms"]:
                baseline[kind.value]["speedup_p50"] = round(baseline[kind.value]["p50_ms"] / app["p50_ms"], 1)
    scan_sum = sum(b["p50_ms"] for b in baseline.values())
    return {"all_worklists": summarize_ms(together), "lists": lists, "baseline": {
        "method": "worklist(kind) itself with its SQL rewritten to read dossier and result_return NOT INDEXED "
                  "(full scans): the same statements, row conversion and count",
        "lists": baseline, "sum_of_p50_ms": round(scan_sum, 3)}}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with work_dir(args.data_dir, args.keep, "bench-worklists-") as data_dir:
        build = ensure_database(data_dir, args.dossiers, args.returns_per_state, args.seed)
        now = datetime.fromisoformat(build["now"])
        sizes = file_sizes(data_dir / DB_FILENAME)
        db = Database.open(data_dir)
        try:
            figures = measure(db, now, args.runs, args.baseline_runs, DEFAULT_LIMIT)
        finally:
            db.close()
    all_p95 = figures["all_worklists"]["p95_ms"]
    result = {
        "benchmark": "worklists",
        "dossiers": args.dossiers,
        "returns_per_state": args.returns_per_state,
        "limit": DEFAULT_LIMIT,
        "now": build["now"],
        "database": {**sizes, "db_file_mb": round(sizes["db_file_bytes"] / 2**20, 1)},
        "build": build,
        **figures,
        "all_same_as_baseline": all(b["same_rows_and_total"] for b in figures["baseline"]["lists"].values()),
        "target": {"all_worklists_p95_ms": TARGET_ALL_P95_MS},
        "meets_target": all_p95 < TARGET_ALL_P95_MS,
        "notes": "warm OS page cache; wall clock per call, including loading up to 200 rows into Dossier "
        "objects and the count of a capped list; `now` is the build's, so a reused database gives the same lists",
        "data_dir": str(data_dir) if (args.data_dir or args.keep) else None,
        "machine": machine(),
    }
    emit(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())

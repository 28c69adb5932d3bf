"""Server ingest rate into PostgreSQL: a counter's backlog pushed through the real API, beside a plain
COPY of the very rows that push produced (dossiers, their history, the operation ledger).

Why: at 08:00 hundreds of counters come back online at once; the server must absorb backlogs far
faster than links deliver them. COPY is the ceiling PostgreSQL offers for loading rows; the ratio says
what the protocol's idempotency (ledger, savepoint per operation, checks) costs on top.

The PostgreSQL server is the tests' throw-away cluster (tests/sync/postgres.py, fsync off for both runs,
so the comparison is fair but absolute rates are optimistic).

    .venv/bin/python bench/server_ingest_postgres.py [--dossiers 10000]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "tests.support.file_keyring.FileKeyring")
# Throughput, not the guard, is measured here: the naive baseline's one POST per dossier would meet the
# per-device rate limit (50 requests/s) at once. The server process inherits this.
os.environ.setdefault("PROVINCIAL_SERVER_GUARD", json.dumps({"device_burst": 1_000_000, "device_per_second": 1e6,
                                                             "device_body_bytes_burst": 10**12,
                                                             "device_body_bytes_per_second": 1e12}))

import psycopg
from _common import emit, log, machine, work_dir
from sync_backlog import app_run, make_counter

from tests.sync.harness import ServerProcess
from tests.sync.postgres import PostgresServer

TABLES = ("dossier", "dossier_event", "op_ledger")


def copy_baseline(url: str) -> dict[str, Any]:
    """COPY the rows the push created into empty twins of their tables, in one transaction."""
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn) as conn:
        dumps: dict[str, bytes] = {}
        for table in TABLES:
            buffer = io.BytesIO()
            with conn.cursor().copy(f"COPY {table} TO STDOUT") as copy:
                for block in copy:
                    buffer.write(block)
            dumps[table] = buffer.getvalue()
            conn.execute(f"CREATE TABLE {table}_copy (LIKE {table} INCLUDING ALL)")
        conn.commit()
        start = time.perf_counter()
        with conn.transaction():
            for table in TABLES:
                with conn.cursor().copy(f"COPY {table}_copy FROM STDIN") as copy:
                    copy.write(dumps[table])
        seconds = time.perf_counter() - start
        rows = {table: conn.execute(f"SELECT count(*) FROM {table}_copy").fetchone()[0] for table in TABLES}
    return {"seconds": round(seconds, 3), "rows": rows, "bytes": sum(len(d) for d in dumps.values())}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dossiers", type=int, default=10_000)
    p.add_argument("--seed", type=int, default=7)
    args = p.parse_args(argv)
    result: dict[str, Any] = {"benchmark": "server_ingest_postgres", "dossiers": args.dossiers}
    with work_dir(None, False, "bench-ingest-") as directory, PostgresServer() as postgres:
        os.environ.setdefault("COUNTER_TEST_KEYRING_FILE", str(directory / "keyring.json"))
        url = postgres.create_database("ingest")
        with ServerProcess(url) as server:
            db = make_counter(directory / "counter", "000.01.48.H15", args.dossiers, args.seed, server)
            log("pushing the backlog through the API into PostgreSQL…")
            push = app_run(db, directory / "counter")
            db.close()
        push["server_ingest_dossiers_per_second"] = push["dossiers_per_second"]
        result["api_push_into_postgresql"] = push
        log("COPY baseline…")
        baseline = copy_baseline(url)
        baseline["dossiers_per_second"] = round(baseline["rows"]["dossier"] / baseline["seconds"], 1)
        result["baseline_copy_same_rows"] = baseline
    result["copy_to_api_rate_ratio"] = round(baseline["dossiers_per_second"] / push["dossiers_per_second"], 2)
    result["machine"] = machine()
    emit(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())

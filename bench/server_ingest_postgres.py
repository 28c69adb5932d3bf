"""Server ingest rate into PostgreSQL beside a plain COPY of the very rows that ingest produced.

Why: at 08:00 hundreds of counters come back online at once; the server must absorb backlogs far
faster than links deliver them. COPY is the ceiling PostgreSQL offers for loading rows; the ratio says
what the protocol's checks and idempotency (ledger, audit chain, per-operation answers) cost on top.

1. server ingest: a counter's backlog (the app's demo dossiers with their audit rows, as the runner sends
   them: bench/_ingest_ops.py) pushed batch by batch into `handle_push`, each batch in its own transaction
   as the API does it, without HTTP: the server's own work per batch (checks, ledger, audit chain, SQL);
2. baseline: COPY of exactly the rows step 1 wrote, in every table it wrote (dossier, dossier_event,
   op_ledger, audit_entry), into empty twins, in one transaction, in text and in binary format (the faster
   counts);
3. end to end (skip with --no-api): the same kind of backlog pushed by the app's SyncRunner through a real
   `provincial-server` (HTTP, gzip, the client's outbox), for comparison.

The PostgreSQL server is the tests' throw-away cluster (tests/sync/postgres.py, fsync off for every run,
so the comparison is fair but absolute rates are optimistic). Target: ingest >= 0.2x COPY.

    .venv/bin/python bench/server_ingest_postgres.py [--dossiers 10000] [--batch 1000] [--no-api]
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
from _ingest_ops import Backlog, enrolled_device, make_backlog
from sync_backlog import app_run, make_counter

from counter_app.services.clock import utc_now
from sync.protocol import OpStatus, PushBatch
from sync.server.db import ServerDatabase
from sync.server.ingest import handle_push
from sync.server.models import Device
from tests.sync.harness import ServerProcess
from tests.sync.postgres import PostgresServer

TABLES = ("dossier", "dossier_event", "op_ledger", "audit_entry")
TARGET_RATIO = 0.2


def server_ingest(url: str, backlog: Backlog) -> dict[str, Any]:
    """Each batch through handle_push in its own transaction, as the API's push endpoint runs it."""
    server = ServerDatabase.open(url)
    device = enrolled_device(server, backlog.unit_code)
    batches = [PushBatch.model_validate(batch) for batch in backlog.batches]
    statuses: dict[str, int] = {}
    seconds = []
    for batch in batches:
        start = time.perf_counter()
        with server.session() as session:
            me = session.get(Device, device.id)
            assert me is not None
            answer = handle_push(session, me, batch, utc_now())
        seconds.append(time.perf_counter() - start)
        for result in answer.results:
            statuses[result.status.value] = statuses.get(result.status.value, 0) + 1
    server.dispose()
    assert statuses.get(OpStatus.ACCEPTED.value) == backlog.ops, statuses
    total = sum(seconds)
    return {"seconds": round(total, 3), "batches": len(batches), "ops": backlog.ops, "results": statuses,
            "slowest_batch_seconds": round(max(seconds), 3),
            "dossiers_per_second": round(backlog.ops / total, 1)}


def copy_baseline(url: str) -> dict[str, Any]:
    """COPY the rows the push created into empty twins of their tables, in one transaction, in text and in
    binary format (the faster is the baseline: binary is what the server's own COPY sends)."""
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    formats = {"text": "", "binary": " (FORMAT BINARY)"}
    with psycopg.connect(dsn) as conn:
        dumps: dict[tuple[str, str], bytes] = {}
        for table in TABLES:
            for name, option in formats.items():
                buffer = io.BytesIO()
                with conn.cursor().copy(f"COPY {table} TO STDOUT{option}") as copy:
                    for block in copy:
                        buffer.write(block)
                dumps[name, table] = buffer.getvalue()
            conn.execute(f"CREATE TABLE {table}_copy (LIKE {table} INCLUDING ALL)")
        conn.commit()
        seconds: dict[str, float] = {}
        for name, option in formats.items():
            for table in TABLES:
                conn.execute(f"TRUNCATE {table}_copy")
            conn.commit()
            start = time.perf_counter()
            with conn.transaction():
                for table in TABLES:
                    with conn.cursor().copy(f"COPY {table}_copy FROM STDIN{option}") as copy:
                        copy.write(dumps[name, table])
            seconds[name] = round(time.perf_counter() - start, 3)
        rows = {table: conn.execute(f"SELECT count(*) FROM {table}_copy").fetchone()[0] for table in TABLES}
    best = min(seconds, key=lambda name: seconds[name])
    return {"seconds": seconds[best], "format": best, "seconds_by_format": seconds, "rows": rows,
            "bytes": sum(len(d) for (name, _), d in dumps.items() if name == best)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dossiers", type=int, default=10_000)
    p.add_argument("--batch", type=int, default=1_000, help="operations per push (the server's default limit)")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--no-api", action="store_true", help="skip the end-to-end run through a real server process")
    args = p.parse_args(argv)
    result: dict[str, Any] = {"benchmark": "server_ingest_postgres", "dossiers": args.dossiers, "batch": args.batch}
    with work_dir(None, False, "bench-ingest-") as directory, PostgresServer() as postgres:
        os.environ.setdefault("COUNTER_TEST_KEYRING_FILE", str(directory / "keyring.json"))
        log(f"making the backlog of {args.dossiers:,} dossiers…")
        backlog = make_backlog(directory / "backlog", "000.01.48.H15", args.dossiers, args.seed, args.batch)
        url = postgres.create_database("ingest")
        log("server ingest (handle_push, batch by batch)…")
        ingest = server_ingest(url, backlog)
        result["server_ingest"] = ingest
        log("COPY baseline…")
        baseline = copy_baseline(url)
        baseline["dossiers_per_second"] = round(baseline["rows"]["dossier"] / baseline["seconds"], 1)
        result["baseline_copy_same_rows"] = baseline
        ratio = ingest["dossiers_per_second"] / baseline["dossiers_per_second"]
        result["ingest_to_copy_ratio"] = round(ratio, 3)
        result["target"] = f"ingest >= {TARGET_RATIO}x COPY of the same rows"
        result["meets_target"] = ratio >= TARGET_RATIO
        if not args.no_api:
            api_url = postgres.create_database("ingest_api")
            with ServerProcess(api_url) as server:
                db = make_counter(directory / "counter", "000.01.48.H15", args.dossiers, args.seed, server)
                log("end to end: the app's SyncRunner through a real server…")
                push = app_run(db, directory / "counter")
                db.close()
            result["api_push_end_to_end"] = push
    result["machine"] = machine()
    emit(result)
    return 0

if __name__ == "__main__":
    sys.exit(main())

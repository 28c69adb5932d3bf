"""What checking the audit trail costs: `verify_audit` over N rows (default 100,000), and the server's
`verify_chains` over a device's chain kept in PostgreSQL (`--postgres-rows`).

Why: the counter checks its whole trail at every start (in the background) and `counter-app verify-audit`
does it on demand; `provincial-server verify-audit` re-checks every device's chain. The rows are streamed
in chunks as the driver's plain tuples, hashed and linked. Target: 100,000 rows in under 3 s on the
counter. The baseline, measured in the same run, is reading the same rows through the same stream without
hashing them (on the server: the same query through the same stream).

The rows are sealed and chained exactly as the app seals them, then bulk-inserted into a real counter
database (appending them one by one through the outbox would measure intake, not the check) and, for the
server, COPYed into `audit_entry` of a migrated server database on the tests' throw-away PostgreSQL
cluster (tests/sync/postgres.py).

    .venv/bin/python bench/audit_verify.py                          # 100,000 rows on the counter
    .venv/bin/python bench/audit_verify.py --rows 20000             # quick
    .venv/bin/python bench/audit_verify.py --rows 1000000 --runs 1 --postgres-rows 1000000
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' PostgreSQL cluster

from _common import emit, log, machine, setup_demo_unit, timed_ms, work_dir

from counter_app.domain.audit import STORED_FIELDS, AuditRecord, genesis_hash, sealed
from counter_app.services.audit import verify_audit
from counter_app.storage.audit import COLUMNS, stream_rows
from counter_app.storage.database import DB_FILENAME, Database

TARGET_MS_PER_100K = 3_000.0
FILL_CHUNK = 50_000


def timed(call: Callable[[], Any]) -> tuple[float, float, Any]:
    """(wall ms, this process's CPU ms, result): the CPU time is less shaken by other work on a shared machine."""
    cpu = time.process_time()
    wall_ms, result = timed_ms(call)
    return wall_ms, (time.process_time() - cpu) * 1000, result


def figures(rows: int, checks: list[tuple[float, float, Any]], baseline: list[tuple[float, float, Any]]
            ) -> dict[str, Any]:
    wall, cpu = statistics.median(c[0] for c in checks), statistics.median(c[1] for c in checks)
    read_wall, read_cpu = statistics.median(b[0] for b in baseline), statistics.median(b[1] for b in baseline)
    return {"verify_ms": round(wall, 1), "verify_cpu_ms": round(cpu, 1),
            "verify_runs_ms": [round(c[0], 1) for c in checks],
            "baseline_read_ms": round(read_wall, 1), "baseline_read_cpu_ms": round(read_cpu, 1),
            "rows_per_second": round(rows / (wall / 1000)), "rows_per_cpu_second": round(rows / (cpu / 1000)),
            "baseline_rows_per_second": round(rows / (read_wall / 1000))}


def sealed_rows(device: str, rows: int) -> Iterator[tuple[Any, ...]]:
    """`rows` rows of one device's chain, sealed as the app seals them, in STORED_FIELDS order."""
    previous = genesis_hash(device)
    for seq in range(1, rows + 1):
        after = json.dumps({"code": f"000.31.48.H15-261130-{seq % 10000:04d}", "from": 2, "to": 4, "note": "",
                            "at": "2026-11-30T08:00:00+07:00", "total_vnd": seq * 1000}, separators=(",", ":"))
        record = sealed(AuditRecord(seq=seq, at="2026-11-30T08:00:00+07:00", device=device, clerk_name="Trần Thị Mai",
                                    clerk_username="mai", action="dossier.status", subject=f"HS-{seq}",
                                    before='{"status":2}', after=after, prev_hash=previous))
        previous = record.hash
        yield record.stored()


def _chunks(rows: Iterator[tuple[Any, ...]]) -> Iterator[list[tuple[Any, ...]]]:
    while chunk := list(islice(rows, FILL_CHUNK)):
        yield chunk


def fill_counter(path: Path, device: str, rows: int) -> None:
    connection = sqlite3.connect(path)
    last: tuple[Any, ...] = ()
    for chunk in _chunks(sealed_rows(device, rows)):
        connection.executemany(f"INSERT INTO audit_log ({COLUMNS}) VALUES ({', '.join('?' * 11)})", chunk)
        last = chunk[-1]
    connection.execute("INSERT INTO audit_head (id, seq, hash) VALUES (1, ?, ?)", (last[0], last[-1]))
    connection.commit()
    connection.close()


def counter_run(data_dir: Path, rows: int, runs: int) -> dict[str, Any]:
    db = Database.open(data_dir)
    setup_demo_unit(db)
    db.close()
    log(f"counter: sealing and inserting {rows} audit rows")
    fill_counter(data_dir / DB_FILENAME, "bench-device", rows)
    db = Database.open(data_dir)
    try:
        def read_only() -> int:
            with db.read() as session:
                return sum(1 for _ in stream_rows(session.connection()))

        log("counter: reading and checking")
        baseline = [timed(read_only) for _ in range(runs)]
        checks = [timed(lambda: verify_audit(db)) for _ in range(runs)]
    finally:
        db.close()
    report = checks[-1][2]
    result = {"rows": rows, "intact": report.intact, "rows_checked": report.rows, **figures(rows, checks, baseline)}
    target = TARGET_MS_PER_100K * rows / 100_000
    return {**result, "target_ms": target, "meets_target": report.intact and result["verify_ms"] < target}


def postgres_run(rows: int, runs: int) -> dict[str, Any]:
    """The server's verify_chains over one device's `rows` rows kept in PostgreSQL."""
    import psycopg
    from sqlalchemy import select

    from sync.server.audit import stream_chain, verify_chains
    from sync.server.db import ServerDatabase
    from sync.server.models import AuditEntry, AuditHead, Device, Unit
    from tests.sync.postgres import PostgresServer

    device_id, epoch, now = str(uuid.uuid4()), str(uuid.uuid4()), datetime.now(UTC)
    with PostgresServer() as postgres:
        url = postgres.create_database("audit")
        server = ServerDatabase.open(url)
        try:
            with server.session() as session:
                session.add(Unit(code="BENCH", name="Đơn vị đo", created_at=now))
                session.flush()
                session.add(Device(id=device_id, unit_code="BENCH", desk_slot=1, token_hash=uuid.uuid4().hex * 2,
                                   enrolled_at=now))
            log(f"postgres: sealing and copying {rows} audit rows")
            extra = ("device_id", "device_epoch", "op_id", "state", "problem", "received_at")
            last: tuple[Any, ...] = ()
            with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
                with conn.cursor().copy(f"COPY {AuditEntry.__tablename__} ({', '.join((*STORED_FIELDS, *extra))}) "
                                        "FROM STDIN") as copy:
                    for row in sealed_rows(device_id, rows):
                        copy.write_row((*row, device_id, epoch, "", "ok", "", now))
                        last = row
                conn.execute("ANALYZE audit_entry")
            with server.session() as session:
                session.add(AuditHead(device_id=device_id, seq=last[0], hash=last[-1]))

            def read_only() -> int:
                with server.session() as session:
                    return sum(1 for _ in stream_chain(session, device_id))

            def check() -> Any:
                with server.session() as session:
                    return verify_chains(session, device_id)[0]

            log("postgres: reading and checking")
            baseline = [timed(read_only) for _ in range(runs)]
            checks = [timed(check) for _ in range(runs)]
            with server.session() as session:
                stored = session.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc()).limit(1))
        finally:
            server.dispose()
    chain = checks[-1][2]
    return {"rows": rows, "rows_stored": stored, "intact": chain.check.intact, "rows_checked": chain.check.rows,
            **figures(rows, checks, baseline), "cpu_note": "CPU of this process only (not PostgreSQL's)"}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rows", type=int, default=100_000, help="rows on the counter (0: skip)")
    p.add_argument("--postgres-rows", type=int, default=0, help="rows of one device on the server (0: skip)")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--data-dir")
    p.add_argument("--keep", action="store_true")
    args = p.parse_args(argv)
    result: dict[str, Any] = {"benchmark": "audit_verify", "runs": args.runs}
    if args.rows:
        with work_dir(args.data_dir, args.keep, "bench-audit-") as data_dir:
            result["counter_sqlite"] = counter_run(data_dir, args.rows, args.runs)
    if args.postgres_rows:
        result["server_postgresql"] = postgres_run(args.postgres_rows, args.runs)
    result["meets_target"] = result.get("counter_sqlite", {}).get("meets_target")
    result["machine"] = machine()
    emit(result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

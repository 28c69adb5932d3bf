"""What checking the audit trail costs: `verify_audit` over N rows (default 100,000).

Why: the counter checks its whole trail at every start (in the background) and `counter-app verify-audit`
does it on demand; the rows are streamed in chunks as plain records (no ORM objects), hashed and linked.
Target: 100,000 rows in under 3 s. The baseline, measured in the same run, is reading the same rows
through the same stream without hashing them.

The rows are sealed and chained exactly as the app seals them, then bulk-inserted into a real counter
database (appending them one by one through the outbox would measure intake, not the check).

    .venv/bin/python bench/audit_verify.py                 # 100,000 rows
    .venv/bin/python bench/audit_verify.py --rows 20000    # quick
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
from typing import Any

from _common import emit, log, machine, setup_demo_unit, timed_ms, work_dir

from counter_app.domain.audit import AuditRecord, genesis_hash, sealed
from counter_app.services.audit import verify_audit
from counter_app.storage.audit import COLUMNS, stream_records
from counter_app.storage.database import DB_FILENAME, Database

TARGET_MS_PER_100K = 3_000.0


def _fill(path: Any, device: str, rows: int) -> None:
    previous = genesis_hash(device)
    batch: list[tuple[Any, ...]] = []
    connection = sqlite3.connect(path)
    for seq in range(1, rows + 1):
        after = json.dumps({"code": f"000.31.48.H15-261130-{seq % 10000:04d}", "from": 2, "to": 4, "note": "",
                            "at": "2026-11-30T08:00:00+07:00", "total_vnd": seq * 1000}, separators=(",", ":"))
        record = sealed(AuditRecord(seq=seq, at="2026-11-30T08:00:00+07:00", device=device, clerk_name="Trần Thị Mai",
                                    clerk_username="mai", action="dossier.status", subject=f"HS-{seq}",
                                    before='{"status":2}', after=after, prev_hash=previous))
        previous = record.hash
        batch.append((*record.fields().values(), record.hash))
    connection.executemany(f"INSERT INTO audit_log ({COLUMNS}) VALUES ({', '.join('?' * 11)})", batch)
    connection.execute("INSERT INTO audit_head (id, seq, hash) VALUES (1, ?, ?)", (rows, previous))
    connection.commit()
    connection.close()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rows", type=int, default=100_000)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--data-dir")
    p.add_argument("--keep", action="store_true")
    args = p.parse_args(argv)
    result: dict[str, Any] = {"benchmark": "audit_verify", "rows": args.rows, "runs": args.runs}
    with work_dir(args.data_dir, args.keep, "bench-audit-") as data_dir:
        db = Database.open(data_dir)
        setup_demo_unit(db)
        db.close()
        log(f"sealing and inserting {args.rows} audit rows")
        _fill(data_dir / DB_FILENAME, "bench-device", args.rows)
        db = Database.open(data_dir)
        try:
            def read_only() -> int:
                with db.read() as session:
                    return sum(1 for _ in stream_records(session.connection()))

            baseline = [timed_ms(read_only)[0] for _ in range(args.runs)]
            checks = [timed_ms(lambda: verify_audit(db)) for _ in range(args.runs)]
        finally:
            db.close()
    report = checks[-1][1]
    verify_ms = statistics.median(ms for ms, _ in checks)
    target = TARGET_MS_PER_100K * args.rows / 100_000
    result.update({
        "intact": report.intact,
        "verify_ms": round(verify_ms, 1),
        "baseline_read_ms": round(statistics.median(baseline), 1),
        "rows_per_second": round(args.rows / (verify_ms / 1000)),
        "target_ms": target,
        "meets_target": report.intact and verify_ms < target,
        "machine": machine(),
    })
    emit(result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Pushing a backlog of N receipts (default 5,000) with their audit envelopes to a real provincial server,
against a backlog of N dossiers (the existing path) pushed from the same counter in the same run.

Why: a counter offline for a day collects fees under its granted receipt numbers; when the link returns the
receipts (`receipt.issue`) must reach the province, each carrying its audit row in its envelope (`"audit"`:
the row's fields, `after` being the operation's payload again as JSON text, and two SHA-256 hashes). What
does the envelope cost, in bytes on the wire and in time per operation?

One counter of its own unit (the demo unit's catalog) enrolled with a real `provincial-server` process on
127.0.0.1 (SQLite file, or `--postgres` the tests' throw-away cluster), one warm-up sync (catalog pull):

1. N dossiers received through the app's intake with the sample catalog's fee procedure (chứng thực chữ ký,
   10.000 đồng), the province grants N receipt numbers (`provincial-server number-range`), then the app's
   `SyncRunner` pushes the N `dossier.create` operations: the baseline;
2. N fees collected (`collect_fee`, 1 in 5 by transfer), then the runner pushes the N `receipt.issue`.

For both backlogs the JSON gives seconds, operations/s, requests and bytes on the wire per operation (what
the runner's transport counted), and, rebuilt offline from the same outbox rows and batches, the raw and
gzip bytes per operation with and without the audit envelopes, and with the envelopes' `after` left
out where it is the operation's payload text (a proposed cheaper encoding: the server would rebuild it
from the payload, whose hash it checks). Unless `--no-audit-variant`, a second
counter built the same way pushes its receipts with the envelopes left out (the push's `with_audit`
replaced in this process only, as bench/demo_data_insert.py measures its variants): the time the
envelopes cost, client and server together.

    .venv/bin/python bench/sync_receipts.py                       # 5,000 of each, with the variant
    .venv/bin/python bench/sync_receipts.py --receipts 500 --no-audit-variant
    .venv/bin/python bench/sync_receipts.py --postgres
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' server harness and helpers
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "tests.support.file_keyring.FileKeyring")
# Throughput, not the guard, is measured here (as in sync_backlog.py).
os.environ.setdefault("PROVINCIAL_SERVER_GUARD", json.dumps({"device_burst": 1_000_000, "device_per_second": 1e6,
                                                             "device_body_bytes_burst": 10**12,
                                                             "device_body_bytes_per_second": 1e12}))

from _common import emit, log, machine, receive_fee_dossiers, setup_demo_unit, work_dir
from sqlalchemy import select

import sync.client.push as push_module
from counter_app.services.receipts import collect_fee, receipt_numbers_left
from counter_app.services.unit_setup import setup_unit
from counter_app.storage.audit import records_for_ops
from counter_app.storage.database import Database
from counter_app.storage.models import OutboxOp
from counter_app.storage.sync_store import get_state
from sync.client.enrollment import enroll
from sync.client.outgoing import wire_operation
from sync.client.runner import SyncRunner
from sync.protocol import PushBatch
from tests.support.receipts import BOOK
from tests.sync.harness import ROOT, ServerProcess


def push(db: Database, directory: Path) -> dict[str, Any]:
    """One run of the app's SyncRunner: everything pending goes."""
    runner = SyncRunner(db, directory, base_delay=0.5, max_delay=5)
    start = time.perf_counter()
    report = runner.run_once()
    seconds = time.perf_counter() - start
    assert report.ok, report.errors
    wire = report.bytes_sent + report.bytes_received
    return {"seconds": round(seconds, 3), "pushed": report.pushed, "requests": report.requests,
            "bytes_sent": report.bytes_sent, "bytes_received": report.bytes_received,
            "ops_per_second": round(report.pushed / seconds, 1),
            "ms_per_op": round(seconds * 1000 / max(1, report.pushed), 3),
            "wire_bytes_per_op": round(wire / max(1, report.pushed), 1)}


def envelope_bytes(db: Database, op_type: str) -> dict[str, Any]:
    """Raw and gzip bytes per operation of the pushed batches of `op_type`, with and without their audit rows."""
    with db.read() as session:
        rows = list(session.scalars(select(OutboxOp).where(OutboxOp.op_type == op_type).order_by(OutboxOp.seq)))
        audit = records_for_ops(session, [row.seq for row in rows])
        epoch = get_state(session).device_epoch  # type: ignore[union-attr]
    batches: dict[str, list[OutboxOp]] = {}
    for row in rows:
        batches.setdefault(row.batch_id or "", []).append(row)
    sizes = dict.fromkeys(("raw_with_audit", "raw_without", "raw_after_elided", "gzip_with_audit", "gzip_without",
                           "gzip_after_elided"), 0)
    elidable = 0
    for batch_id, members in batches.items():
        ops = [wire_operation(row).model_dump(mode="json") for row in members]
        for form in ("with_audit", "without", "after_elided"):
            body = PushBatch.model_validate({"batch_id": batch_id or "x" * 36, "device_epoch": epoch, "ops": ops})
            data = body.model_dump(mode="json")
            for op, row in zip(data["ops"], members, strict=True):
                record = audit[row.seq]
                if form == "with_audit":
                    op["audit"] = {**record.fields(), "hash": record.hash}
                elif form == "after_elided":  # the proposal: `after` left out when it is the payload's own text
                    same = record.after == row.payload
                    elidable += same
                    op["audit"] = {**record.fields(), "hash": record.hash, **({"after": None} if same else {})}
            text = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
            sizes[f"raw_{form}"] += len(text)
            sizes[f"gzip_{form}"] += len(gzip.compress(text, compresslevel=6))
    count = max(1, len(rows))
    per_op = {f"{key}_per_op": round(value / count, 1) for key, value in sizes.items()}
    return {"ops": len(rows), "batches": len(batches), **per_op, "after_is_the_payload_text": elidable,
            "audit_share_of_raw": round(1 - sizes["raw_without"] / sizes["raw_with_audit"], 3),
            "audit_share_of_gzip": round(1 - sizes["gzip_without"] / sizes["gzip_with_audit"], 3),
            "after_elided_saves_of_gzip": round(1 - sizes["gzip_after_elided"] / sizes["gzip_with_audit"], 3)}


def counter_with_backlogs(server: ServerProcess, directory: Path, unit_code: str, count: int,
                          result: dict[str, Any] | None) -> tuple[Database, dict[str, Any]]:
    """A counter with `count` fee dossiers pushed (figures in `result` when given), then `count` receipts
    collected and not yet pushed."""
    server.admin("create-unit", "--code", unit_code, "--name", f"Đơn vị thử {unit_code}")
    db = Database.open(directory)
    setup_demo_unit(db)
    setup_unit(db, unit_code=unit_code, unit_name=f"Đơn vị thử {unit_code}", desk=1, clerk_name="Trần Thị Mai")
    device_id = enroll(db, server.url, server.enrollment_code(unit_code)).device_id
    assert SyncRunner(db, directory, base_delay=0.5).run_once().ok  # warm-up: the catalog pull
    log(f"{unit_code}: receiving {count:,} fee dossiers")
    start = time.perf_counter()
    codes = receive_fee_dossiers(db, count)
    setup = {"intake_seconds": round(time.perf_counter() - start, 1)}
    server.admin("number-range", device_id, "--series", BOOK.series, "--count", str(count))
    log(f"{unit_code}: pushing the dossiers")
    dossiers = push(db, directory)
    assert receipt_numbers_left(db) == count
    if result is not None:
        result["dossiers_backlog"] = {**dossiers, "envelopes": envelope_bytes(db, "dossier.create")}
    log(f"{unit_code}: collecting {count:,} fees")
    start = time.perf_counter()
    for i, code in enumerate(codes):
        if i % 5 == 4:
            collect_fee(db, code, method="transfer", bank_reference=f"FT{i:010d}")
        else:
            collect_fee(db, code, method="cash")
    setup["collect_seconds"] = round(time.perf_counter() - start, 1)
    return db, setup


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--receipts", type=int, default=5_000)
    p.add_argument("--postgres", action="store_true", help="the server on the tests' throw-away PostgreSQL")
    p.add_argument("--no-audit-variant", action="store_true", help="skip the counter pushed without envelopes")
    p.add_argument("--data-dir")
    p.add_argument("--keep", action="store_true")
    args = p.parse_args(argv)
    result: dict[str, Any] = {"benchmark": "sync_receipts", "receipts": args.receipts,
                              "server_database": "postgresql" if args.postgres else "sqlite"}
    with work_dir(args.data_dir, args.keep, "bench-sync-receipts-") as directory:
        os.environ.setdefault("COUNTER_TEST_KEYRING_FILE", str(directory / "keyring.json"))
        postgres = None
        if args.postgres:
            from tests.sync.postgres import PostgresServer

            postgres = PostgresServer()
            postgres.start()
            url = postgres.create_database("bench_receipts")
        else:
            url = f"sqlite:///{directory / 'server.sqlite'}"
        try:
            with ServerProcess(url) as server:
                server.admin("import-catalog", str(ROOT / "resources" / "catalog" / "sample-catalog.json"))
                db, setup = counter_with_backlogs(server, directory / "app", "000.01.48.H15", args.receipts, result)
                result["setup"] = setup
                log("pushing the receipts")
                result["receipts_backlog"] = {**push(db, directory / "app"),
                                              "envelopes": envelope_bytes(db, "receipt.issue")}
                db.close()
                if not args.no_audit_variant:
                    plain, _ = counter_with_backlogs(server, directory / "plain", "000.02.48.H15", args.receipts, None)
                    push_module.with_audit = lambda item, audit: item  # this process only: no envelopes
                    log("pushing the receipts without their audit envelopes")
                    result["variant_receipts_without_audit_envelopes"] = push(plain, directory / "plain")
                    plain.close()
                stats = server.stats()
                result["server_receipts_per_unit"] = {unit: row.get("receipts") for unit, row in stats.items()}
        finally:
            if postgres is not None:
                postgres.stop()
    dossiers, receipts = result["dossiers_backlog"], result["receipts_backlog"]
    result["receipts_vs_dossiers"] = {
        "ms_per_op_ratio": round(receipts["ms_per_op"] / dossiers["ms_per_op"], 2),
        "wire_bytes_per_op_ratio": round(receipts["wire_bytes_per_op"] / dossiers["wire_bytes_per_op"], 2)}
    variant = result.get("variant_receipts_without_audit_envelopes")
    if variant:
        result["audit_envelope_cost_per_receipt"] = {
            "ms": round(receipts["ms_per_op"] - variant["ms_per_op"], 3),
            "wire_bytes": round(receipts["wire_bytes_per_op"] - variant["wire_bytes_per_op"], 1),
            "share_of_time": round(1 - variant["seconds"] / receipts["seconds"], 3)}
    result["machine"] = machine()
    emit(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Collecting fees on a real counter: receipts per second, what a receipt costs part by part, and the day's
close (summary and close sheet) for a day of N receipts (default 2,000).

Why: at a busy counter the clerk waits for `collect_fee` with the citizen in front of them, and at the end of
the day for the close sheet. One collect is one write transaction (synchronous=FULL: one fsync): the next
number of the book, the receipt row, its outbox operation (`receipt.issue`) and its audit row. Every figure
below is measured in this run, on the same counter file, each call in its own write transaction like the
app's:

- `collect_fee`: N dossiers received with the sample catalog's fee procedure (chứng thực chữ ký, 10.000
  đồng), each paid (4 in 5 cash, 1 in 5 transfer with a bank reference).
- baselines: `receive_dossier` (the intake of the same dossiers), a write transaction reading
  the profile as collect_fee does first (SQLite writes nothing, so no fsync), the same receipt rows INSERTed bare with sqlite3 into a twin of the `receipt` table (one
  transaction each, the app's pragmas, and all in one transaction), the app's `append_operation` with a
  receipt.issue payload (outbox row + audit row), and the audit row alone (`storage.audit.append_record`,
  the function `append_operation` calls, in its own transaction: it includes the commit of its row). The
  audit trail's share of a collect is (audit row alone − that transaction) / collect. The file system
  the counter file is on is reported: on this VM's disk an fsync is cheap, on a counter's HDD it is not.
- the day: `day_summary` and `day_close_pdf` (draft, then after `close_day`), against a raw SELECT of the
  day's receipts.

    .venv/bin/python bench/receipts.py                       # 2,000 receipts, 500 of each baseline part
    .venv/bin/python bench/receipts.py --receipts 300 --parts 100
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import tempfile
import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' receipt helpers

from _common import (
    emit,
    log,
    machine,
    receive_fee_dossiers,
    setup_demo_unit,
    summarize_ms,
    timed_ms,
    work_dir,
)
from sqlalchemy import select

from counter_app.domain.operations import OpType
from counter_app.services.clock import office_today, utc_now
from counter_app.services.day_close import close_day, day_summary
from counter_app.services.day_close_sheet import day_close_pdf
from counter_app.services.receipts import collect_fee
from counter_app.storage.audit import append_record
from counter_app.storage.database import DB_FILENAME, Database
from counter_app.storage.models import OutboxOp
from counter_app.storage.outbox import append_operation
from counter_app.storage.profile import get_profile
from tests.support.receipts import grant_receipt_range


def file_system(path: Path) -> str:
    """The type of the file system holding `path` (from /proc/mounts: the longest mount point above it)."""
    try:
        mounts = [line.split()[:3] for line in Path("/proc/mounts").read_text().splitlines()]
    except OSError:
        return "unknown"
    resolved = str(path.resolve())
    above = [m for m in mounts if resolved == m[1] or resolved.startswith(m[1].rstrip("/") + "/")]
    return max(above, key=lambda m: len(m[1]))[2] if above else "unknown"


def per_call(name: str, calls: int, call: Callable[[int], Any]) -> dict[str, Any]:
    """`call(i)` for i in range(calls), each timed: rate, mean and percentiles in ms."""
    log(f"{name}: {calls} calls")
    samples = [timed_ms(lambda i=i: call(i))[0] for i in range(calls)]
    total_s = sum(samples) / 1000
    return {"calls": calls, "per_second": round(calls / total_s, 1), **summarize_ms(samples)}


def bare_inserts(path: Path, parts: int) -> dict[str, Any]:
    """The collected receipt rows INSERTed into a twin of `receipt` with sqlite3, with the app's pragmas."""
    connection = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON", "busy_timeout=5000"):
        connection.execute(f"PRAGMA {pragma}")
    create = connection.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'receipt'").fetchone()[0]
    rows = connection.execute("SELECT * FROM receipt ORDER BY pk").fetchall()[:parts]
    marks = ", ".join("?" * len(rows[0]))
    figures = {}
    for table, one_transaction in (("receipt_bare_each", False), ("receipt_bare_all", True)):
        connection.execute(create.replace("receipt", table, 1))

        def insert_each(i: int, table: str = table) -> None:
            connection.execute("BEGIN IMMEDIATE")
            connection.execute(f"INSERT INTO {table} VALUES ({marks})", rows[i])
            connection.execute("COMMIT")

        if one_transaction:
            ms, _ = timed_ms(lambda table=table: (connection.execute("BEGIN IMMEDIATE"),
                                                  connection.executemany(f"INSERT INTO {table} VALUES ({marks})", rows),
                                                  connection.execute("COMMIT")))
            figures["all_in_one_transaction"] = {"rows": len(rows), "ms": round(ms, 1),
                                                 "per_second": round(len(rows) / (ms / 1000), 1)}
        else:
            figures["one_transaction_each"] = per_call("bare INSERT of a receipt row", len(rows), insert_each)
    connection.close()
    return figures


def day_close_figures(db: Database, path: Path, day: date) -> dict[str, Any]:
    summary_ms, summary = timed_ms(lambda: day_summary(db, day))
    draft_ms, draft = timed_ms(lambda: day_close_pdf(db, day))
    close_day(db, day, counted_total=summary.cash_expected)
    closed_ms, closed = timed_ms(lambda: day_close_pdf(db, day))
    connection = sqlite3.connect(path)
    raw_ms, raw = timed_ms(lambda: connection.execute(
        "SELECT * FROM receipt WHERE day = ? ORDER BY form_number, symbol, number", (day.isoformat(),)).fetchall())
    connection.close()
    return {"receipts": len(summary.receipts), "raw_rows": len(raw), "cash_expected_vnd": summary.cash_expected,
            "transfers_total_vnd": summary.transfers_total, "day_summary_ms": round(summary_ms, 1),
            "close_sheet_pdf_draft_ms": round(draft_ms, 1), "close_sheet_pdf_closed_ms": round(closed_ms, 1),
            "summary_plus_sheet_s": round((summary_ms + closed_ms) / 1000, 2),
            "pdf_bytes": len(closed), "pdf_pages": closed.count(b"/Type /Page\n") or closed.count(b"/Type /Page"),
            "draft_pdf_bytes": len(draft), "baseline_raw_select_ms": round(raw_ms, 1)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--receipts", type=int, default=2_000)
    p.add_argument("--parts", type=int, default=500, help="calls of each baseline part")
    p.add_argument("--data-dir")
    p.add_argument("--keep", action="store_true")
    args = p.parse_args(argv)
    parts = min(args.parts, args.receipts)
    result: dict[str, Any] = {"benchmark": "receipts", "receipts": args.receipts, "parts": parts}
    with work_dir(args.data_dir, args.keep, "bench-receipts-") as data_dir:
        db = Database.open(data_dir)
        try:
            setup_demo_unit(db)
            grant_receipt_range(db, 1, args.receipts + 10)
            log(f"receive_dossier: {args.receipts} calls")
            intake_ms: list[float] = []
            codes = receive_fee_dossiers(db, args.receipts, lambda i, ms: intake_ms.append(ms))
            result["intake_receive_dossier"] = {"calls": len(intake_ms),
                                                "per_second": round(len(intake_ms) / (sum(intake_ms) / 1000), 1),
                                                **summarize_ms(intake_ms)}
            day = office_today()

            def collect(i: int) -> None:
                if i % 5 == 4:
                    collect_fee(db, codes[i], method="transfer", bank_reference=f"FT{i:010d}")
                else:
                    collect_fee(db, codes[i], method="cash")

            result["collect_fee"] = per_call("collect_fee", args.receipts, collect)
            with db.read() as session:
                issued = session.scalars(select(OutboxOp).where(OutboxOp.op_type == OpType.RECEIPT_ISSUE.value)
                                         .order_by(OutboxOp.seq).limit(parts)).all()
                payloads = [json.loads(op.payload) for op in issued]
            result["day_close"] = day_close_figures(db, data_dir / DB_FILENAME, day)

            # Each part in a write transaction that first reads the profile, as collect_fee does: the audit
            # row's own lookup of the profile is then the identity map's, as in a collect.
            def empty(_: int) -> None:
                with db.write() as session:
                    get_profile(session)

            def operation(i: int) -> None:
                with db.write() as session:
                    get_profile(session)
                    payload = {**payloads[i], "id": str(uuid.uuid4())}
                    append_operation(session, entity="receipt", entity_id=payload["id"],
                                     op_type=OpType.RECEIPT_ISSUE, payload=payload, now=utc_now())

            def audit_row(i: int) -> None:
                with db.write() as session:
                    get_profile(session)
                    append_record(session, at=utc_now(), clerk_name=payloads[i]["collector"], clerk_username="",
                                  action=OpType.RECEIPT_ISSUE.value, subject=str(payloads[i]["number"]), before=None,
                                  after=payloads[i], op_seq=None)

            result["baseline_empty_write_transaction"] = per_call("empty write transaction", parts, empty)
            result["baseline_append_operation_receipt_issue"] = per_call("append_operation", parts, operation)
            result["baseline_audit_row_alone"] = per_call("audit row alone", parts, audit_row)
            result["baseline_bare_insert_receipt_row"] = bare_inserts(data_dir / DB_FILENAME, parts)
        finally:
            db.close()
    mean = {key: result[key]["mean_ms"] for key in ("collect_fee", "intake_receive_dossier",
                                                     "baseline_empty_write_transaction",
                                                     "baseline_append_operation_receipt_issue",
                                                     "baseline_audit_row_alone")}
    bare = result["baseline_bare_insert_receipt_row"]["one_transaction_each"]["mean_ms"]
    result["shares_of_a_collect"] = {
        "collect_mean_ms": mean["collect_fee"],
        "commit_fsync_share": round(mean["baseline_empty_write_transaction"] / mean["collect_fee"], 3),
        "audit_row_share": round((mean["baseline_audit_row_alone"] - mean["baseline_empty_write_transaction"])
                                 / mean["collect_fee"], 3),
        "outbox_plus_audit_share": round((mean["baseline_append_operation_receipt_issue"]
                                          - mean["baseline_empty_write_transaction"]) / mean["collect_fee"], 3),
        "collect_vs_bare_insert": round(mean["collect_fee"] / bare, 2),
        "collect_vs_intake": round(mean["collect_fee"] / mean["intake_receive_dossier"], 2),
    }
    result["machine"] = {**machine(), "file_system": file_system(Path(args.data_dir or tempfile.gettempdir()))}
    emit(result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

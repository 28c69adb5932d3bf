"""The supervisor's reports on a big counter database (default 1,000,000 dossiers over 250 office days).

Why: a counter keeps years of dossiers, and the reports screen (F6) and `counter-app report` must answer
in well under a second (issue 11). This times the engine (`counter_app.reports.queries`) over the counter's
sources: the daily report of the last office day, the register (Sổ theo dõi hồ sơ, Mẫu 06) of its month
and the QĐ 766 indicators of its month, each `--runs` times after one untimed run.

Baseline, same run, same file: the same calls inside one transaction in which the indexes of the reports
migration (counter 0018: those a database at 0017 lacks) are dropped, then rolled back (SQLite's DDL is
transactional): what the report indexes buy. With no such index, the baseline reads `dossier` NOT INDEXED.

Data: `report_data.Planner` plans every dossier's life (history, supplement, apology, hand-overs, return,
receipts, scans; guidance and assisted filings; a close per day; outbox operations, the last two hours not
yet acknowledged); rows go in with raw sqlite3 executemany into a database the app created and migrated,
secondary indexes dropped during the load and made again after, then ANALYZE. The database is kept under
bench/out/report-counter/ (git-ignored) and reused by later runs of the same sizes.

    .venv/bin/python bench/report_counter.py                     # 1M (built once, ~minutes), then timed
    .venv/bin/python bench/report_counter.py --dossiers 20000    # quick run
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import tempfile
import threading
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from time import perf_counter
from typing import Any

import _report_profile as report_profile
from _common import emit, file_sizes, log, machine, setup_demo_unit, summarize_ms, timed_ms
from _report_data import (
    AGENCY,
    OFFICE_OFFSET,
    Desk,
    DossierLife,
    Planner,
    Procedure,
    last_office_day,
    report_shape,
)
from sqlalchemy import Connection, create_engine, text
from sqlalchemy.exc import OperationalError

from counter_app.domain.postal_codes import item_code
from counter_app.storage.database import DB_FILENAME, Database

TARGET_MS = 1_000.0  # each report, p95
META_FILE = "bench-report-counter-meta.json"
OUT_DIR = Path(__file__).resolve().parent / "out" / "report-counter"
CHUNK = 20_000
CLERK = "Trần Thị Mai"
PREVIOUS_REVISION = "0017"  # the schema before the reports migration
# The daily report's figures shown in the JSON.
DAILY_KEYS = ("received_total", "finished_on_time", "pending", "overdue", "collected_total", "digitised", "not_synced")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dossiers", type=int, default=1_000_000, help="dossiers in the database (default 1,000,000)")
    p.add_argument("--days", type=int, default=250, help="office days they span (default 250)")
    p.add_argument("--runs", type=int, default=5, help="timed runs of each report (default 5)")
    p.add_argument("--baseline-runs", type=int, default=1, help="timed runs without the report indexes (default 1)")
    p.add_argument("--baseline-limit", type=float, default=120.0,
                   help="seconds after which a baseline run is interrupted (default 120)")
    p.add_argument("--seed", type=int, default=11)
    p.add_argument("--data-dir", help="where the database is built and kept (default bench/out/report-counter/<sizes>)")
    return p.parse_args(argv)


# -- building the database -----------------------------------------------------------------------------


def _t(instant: datetime | None) -> str | None:
    """A naive-UTC instant in the text SQLAlchemy stores in SQLite DateTime columns."""
    return None if instant is None else instant.isoformat(sep=" ", timespec="microseconds")


def _office_date(instant: datetime) -> str:
    return (instant + OFFICE_OFFSET).date().isoformat()


INSERTS = {
    "dossier": "INSERT INTO dossier (pk, id, code, unit_code, desk_slot, procedure_code, procedure_name, "
    "applicant_type, applicant_name, applicant_id_type, applicant_id_number, applicant_phone, applicant_email, "
    "applicant_birth_date, applicant_gender, applicant_address, submitter, summary, documents, sets_count, channel, "
    "result_delivery, received_at, due_at, processing_hours, status, received_by, version, updated_at, register_book, "
    "register_number, received_by_username, late_entry_reason, late_entry_by, previous_due_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, 'citizen', ?, 'cccd', ?, ?, '', NULL, NULL, ?, 'null', ?, ?, 1, ?, ?, ?, ?, ?, ?, "
    "?, ?, ?, ?, ?, 'mai', ?, ?, ?)",
    "dossier_event": "INSERT INTO dossier_event (dossier_pk, from_status, to_status, at, actor, note, actor_username, "
    "previous_due_at, due_at) VALUES (?, ?, ?, ?, ?, '', 'mai', ?, ?)",
    "supplement_request": "INSERT INTO supplement_request (dossier_pk, requested_at, requested_by, "
    "requested_by_username, reason, missing, due_at_before, supplied_at, supplied_by, due_at_after) "
    "VALUES (?, ?, ?, 'mai', 'Thiếu bản sao giấy khai sinh', '[]', ?, ?, ?, ?)",
    "apology": "INSERT INTO apology (dossier_pk, at, by, by_username, reason, previous_due_at, new_due_at) "
    "VALUES (?, ?, ?, 'mai', 'Cần xác minh thêm thông tin', ?, ?)",
    "handover": "INSERT INTO handover (dossier_pk, direction, at, from_party, to_party, by, by_username, due_at, "
    "outcome) VALUES (?, ?, ?, ?, ?, ?, 'mai', ?, ?)",
    "result_return": "INSERT INTO result_return (id, dossier_pk, method, returned_at, clerk, clerk_username, "
    "receiver_name, receiver_id_number, phone, province_code, ward_code, street, address_text, postage, payer, "
    "item_code, shipment_state, state_at) VALUES (?, ?, ?, ?, ?, 'mai', ?, '', ?, NULL, NULL, ?, ?, ?, ?, ?, ?, ?)",
    "receipt": "INSERT INTO receipt (id, form_number, symbol, number, dossier_code, payer_name, payer_address, items, "
    "fee_vnd, charge_vnd, total_vnd, method, bank_reference, collected_at, day, collector, collector_username, status, "
    "cancelled_at, cancel_reason, cancelled_by, replaces_id, issuer_name, issuer_tax_code) "
    "VALUES (?, '01BLP3-001', 'AA-26P', ?, ?, ?, ?, '[]', ?, ?, ?, ?, '', ?, ?, ?, 'mai', ?, ?, ?, ?, NULL, '', '')",
    "attachment": "INSERT INTO attachment (dossier_pk, sha256, name, size, content_type, created_at, upload_state, "
    "uploaded_at, error, document_index, page_count, replaced_at, reused_from) "
    "VALUES (?, ?, 'ban-so-hoa.pdf', 250000, 'application/pdf', ?, 'complete', ?, NULL, ?, 3, ?, NULL)",
    "guidance_record": "INSERT INTO guidance_record (id, reference, day, number, unit_code, desk_slot, at, clerk, "
    "clerk_username, procedure_code, procedure_name, applicant, missing, reason, summary) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'mai', ?, ?, '{}', '[]', 'Thiếu giấy tờ', '')",
    "assisted_filing": "INSERT INTO assisted_filing (id, unit_code, desk_slot, at, applicant_name, applicant_id_number, "
    "applicant_phone, procedure_code, procedure_name, outcome, note, portal_code, clerk, clerk_username) "
    "VALUES (?, ?, ?, ?, 'Nguyễn Văn An', '', '', ?, ?, 'filed', '', NULL, ?, 'mai')",
    "outbox": "INSERT INTO outbox (op_id, entity, entity_id, op_type, base_version, schema_version, payload, "
    "payload_hash, created_at, state, batch_id, attempts, result_code, result_message, acked_at) "
    "VALUES (?, ?, ?, ?, NULL, 1, '{}', ?, ?, ?, NULL, ?, NULL, NULL, ?)",
    "day_close": "INSERT INTO day_close (id, day, device_id, desk_slot, closed_at, clerk, clerk_username, counted, "
    "counted_total, expected_cash, transfers_total, fee_total, charge_total, receipts_count, cancellations_count, "
    "difference, explanation, supervisor, supervisor_name) VALUES (?, ?, ?, ?, ?, ?, 'mai', '{}', ?, ?, ?, ?, ?, ?, "
    "?, ?, ?, 'truong', 'Lê Văn Trưởng')",
}


class RowMaker:
    """Turns planned lives into rows of the counter's tables (numbers that must be unique kept here)."""

    def __init__(self, unit_code: str, now: datetime) -> None:
        self.unit_code = unit_code
        self.pending_after = now - timedelta(hours=2)  # operations since then are not yet acknowledged
        self.register: dict[str, int] = defaultdict(int)
        self.receipt_number = 0
        self.post_serial = 0
        self.op_serial = 0
        # per office day: cash, transfers, fees, charges, receipts, cancellations (for its close)
        self.day_money: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0, 0])

    def rows(self, lives: list[DossierLife]) -> dict[str, list[tuple[Any, ...]]]:
        out: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
        for life in lives:
            self._dossier(life, out)
        return out

    def _dossier(self, life: DossierLife, out: dict[str, list[tuple[Any, ...]]]) -> None:
        pk, received = life.n, life.received_at
        book = f"{life.desk_slot:02d}/{(received + OFFICE_OFFSET).year}"
        self.register[book] += 1
        address = json.dumps({"street": life.street, "ward_code": None, "province_code": None, "text": life.street},
                             ensure_ascii=False)
        documents = '[{"name": "Tờ khai", "originals": 1, "certified_copies": 0, "photocopies": 0}]'
        late = "Mất điện, nhập lại sau" if life.back_dated else None
        out["dossier"].append((
            pk, life.id, life.code, self.unit_code, life.desk_slot, life.procedure.code, life.procedure.name,
            life.applicant_name, f"0790{pk:08d}", life.phone, address, life.procedure.name, documents, life.channel,
            "bcci" if life.returned and life.returned[0] == "post" else "desk", _t(received), _t(life.due_at),
            life.procedure.processing_hours, life.status, CLERK, len(life.steps), _t(life.steps[-1][2]), book,
            self.register[book], late, "truong" if late else None, _t(life.previous_due_at)))
        supplied = life.supplement[1] if life.supplement else None
        for from_status, to_status, at in life.steps:
            moved = life.supplement if (from_status, to_status) == (5, 4) and life.supplement else None
            out["dossier_event"].append((pk, from_status, to_status, _t(at), CLERK,
                                         _t(moved[2]) if moved else None, _t(moved[3]) if moved else None))
            self._op(out, life.id, "dossier.create" if from_status is None else "dossier.status", at)
        if life.supplement:
            asked, _, before, after = life.supplement
            out["supplement_request"].append((pk, _t(asked), CLERK, _t(before), _t(supplied),
                                               CLERK if supplied else "", _t(after)))
        if life.apology:
            at, previous, new = life.apology
            out["apology"].append((pk, _t(at), CLERK, _t(previous), _t(new)))
            self._op(out, life.id, "dossier.apology", at)
        for direction, at, due, outcome in life.handovers:
            parties = ("Bộ phận Một cửa", AGENCY) if direction == "to_agency" else (AGENCY, "Bộ phận Một cửa")
            out["handover"].append((pk, direction, _t(at), *parties, CLERK, _t(due), outcome))
        if life.returned:
            method, at = life.returned
            postal = method == "post"
            if postal:
                self.post_serial += 1
            out["result_return"].append((
                str(uuid.UUID(int=(1 << 64) + pk)), pk, method, _t(at), CLERK, life.applicant_name, life.phone,
                life.street if postal else "", life.street if postal else "", 30_000 if postal else None,
                "citizen" if postal else None, item_code(self.post_serial) if postal else None,
                "delivered" if postal else None, _t(at) if postal else None))
            self._op(out, life.id, "result.return", at)
        for fee, charge, method, at, cancelled in life.receipts:
            self.receipt_number += 1
            day = _office_date(at)
            money = self.day_money[day]
            if cancelled is None:
                money[0 if method == "cash" else 1] += fee + charge
                money[2] += fee
                money[3] += charge
                money[4] += 1
            else:
                money[5] += 1
            out["receipt"].append((
                str(uuid.UUID(int=(2 << 64) + self.receipt_number)), self.receipt_number, life.code,
                life.applicant_name, life.street, fee, charge, fee + charge, method, _t(at), day, CLERK,
                "cancelled" if cancelled else "issued", _t(cancelled), "Ghi sai số tiền" if cancelled else "",
                "truong" if cancelled else ""))
            self._op(out, life.id, "receipt.issue", at)
        for paper, at, replaced in life.scans:
            out["attachment"].append((pk, f"{pk:032x}{paper:016x}{int(at.timestamp()):016x}", _t(at), _t(at), paper,
                                      _t(replaced)))

    def _op(self, out: dict[str, list[tuple[Any, ...]]], entity_id: str, op_type: str, at: datetime) -> None:
        self.op_serial += 1
        acked = at < self.pending_after
        out["outbox"].append((str(uuid.UUID(int=(3 << 64) + self.op_serial)), "dossier", entity_id, op_type,
                              f"{self.op_serial:064x}", _t(at), "acked" if acked else "pending", 1 if acked else 0,
                              _t(at + timedelta(minutes=5)) if acked else None))

    def desk_rows(self, records: list[Desk], procedure: Procedure) -> dict[str, list[tuple[Any, ...]]]:
        out: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
        for serial, r in enumerate(records, start=1):
            if r.kind == "guidance":
                out["guidance_record"].append((
                    str(uuid.UUID(int=(4 << 64) + serial)), f"HD{r.desk_slot}-{r.day:%y%m%d}-{r.number:03d}",
                    r.day.isoformat(), r.number, self.unit_code, r.desk_slot, _t(r.at), CLERK, procedure.code,
                    procedure.name))
            else:
                out["assisted_filing"].append((str(uuid.UUID(int=(5 << 64) + serial)), self.unit_code, r.desk_slot,
                                               _t(r.at), procedure.code, procedure.name, CLERK))
        return out

    def close_rows(self, days: list[date], device_id: str, desk_slot: int) -> list[tuple[Any, ...]]:
        """One close per office day (the counter's own desk), with the day's money; one day in 50 off by 10.000 đ."""
        rows = []
        for n, day in enumerate(days, start=1):
            cash, transfers, fees, charges, receipts, cancelled = self.day_money[day.isoformat()]
            difference = -10_000 if n % 50 == 0 else 0
            closed_at = datetime.combine(day, datetime.min.time()) + timedelta(hours=17, minutes=15) - OFFICE_OFFSET
            rows.append((str(uuid.UUID(int=(6 << 64) + n)), day.isoformat(), device_id, desk_slot, _t(closed_at),
                         CLERK, cash + difference, cash, transfers, fees, charges, receipts, cancelled, difference,
                         "Thiếu tiền lẻ" if difference else ""))
        return rows


@contextmanager
def _indexes_dropped(con: sqlite3.Connection, tables: list[str]) -> Iterator[None]:
    """Drop the secondary indexes of `tables` for the load and make them again after (one sort each)."""
    marks = ", ".join("?" for _ in tables)
    indexes = con.execute(f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                          f"AND tbl_name IN ({marks})", tables).fetchall()
    for name, _ in indexes:
        con.execute(f'DROP INDEX "{name}"')
    yield
    for name, sql in indexes:
        log(f"index {name}")
        con.execute(sql)


def build(data_dir: Path, count: int, days: int, seed: int) -> dict[str, Any]:
    start = perf_counter()
    db = Database.open(data_dir)
    try:
        setup_demo_unit(db)
        with db.read() as session:
            procedures = [Procedure(*row) for row in session.execute(text(
                "SELECT code, name, processing_hours FROM procedure WHERE active ORDER BY code"))]
            unit_code, desk_slot, device_id = session.execute(text(
                "SELECT unit_code, desk_slot, device_id FROM unit_profile")).one()
    finally:
        db.close()
    last_day = last_office_day(datetime.now(UTC).date())
    planner = Planner(unit_code, procedures, count, days, last_day, seed)
    maker = RowMaker(unit_code, planner.now)
    totals: dict[str, int] = defaultdict(int)
    log(f"building {count:,} dossiers over {days} office days up to {last_day} in {data_dir}")
    with closing(sqlite3.connect(data_dir / DB_FILENAME, isolation_level=None)) as con:
        con.execute("PRAGMA cache_size = -262144")  # 256 MB: the index builds sort in memory
        con.execute("PRAGMA synchronous = OFF")  # a benchmark's file: rebuilt if a crash spoils it
        con.execute("BEGIN IMMEDIATE")
        with _indexes_dropped(con, sorted(INSERTS)):
            chunk: list[DossierLife] = []
            for life in planner.lives():
                chunk.append(life)
                if len(chunk) == CHUNK:
                    _insert(con, maker.rows(chunk), totals)
                    chunk = []
                    if totals["dossier"] % 100_000 == 0:
                        log(f"{totals['dossier']:,} dossiers in {perf_counter() - start:.0f} s")
            _insert(con, maker.rows(chunk), totals)
            _insert(con, maker.desk_rows(list(planner.desk_records()), procedures[0]), totals)
            _insert(con, {"day_close": maker.close_rows(planner.days[:days], device_id, desk_slot)}, totals)
        con.execute("COMMIT")
        log("ANALYZE")
        con.execute("ANALYZE")
    return {"dossiers": count, "days": days, "seed": seed, "last_day": last_day.isoformat(),
            "now": planner.now.replace(tzinfo=UTC).isoformat(), "desks_in_codes": planner.desks, "rows": dict(totals),
            "build_seconds": round(perf_counter() - start, 1)}


def _insert(con: sqlite3.Connection, rows: dict[str, list[tuple[Any, ...]]], totals: dict[str, int]) -> None:
    for table, values in rows.items():
        if values:
            con.executemany(INSERTS[table], values)
            totals[table] += len(values)


def ensure_database(data_dir: Path, count: int, days: int, seed: int) -> dict[str, Any]:
    meta_path = data_dir / META_FILE
    wanted = {"dossiers": count, "days": days, "seed": seed}
    if meta_path.exists():
        meta = json.loads(meta_path.read_text())
        if {k: meta.get(k) for k in wanted} == wanted:
            log(f"reusing {count:,} dossiers in {data_dir}")
            return {"reused": True, **meta}
        sys.exit(f"{data_dir} holds a report database of other sizes ({meta_path.name}): use another --data-dir")
    if (data_dir / DB_FILENAME).exists():
        sys.exit(f"{data_dir} holds a database this benchmark did not build: use another --data-dir")
    data_dir.mkdir(parents=True, exist_ok=True)
    meta = build(data_dir, count, days, seed)
    meta_path.write_text(json.dumps(meta, indent=2))
    return {"reused": False, **meta}


# -- the reports -------------------------------------------------------------------------------------


def report_indexes() -> list[tuple[str, str, str]]:
    """(name, table, sql) of the indexes the reports migration adds: the head schema's minus 0017's."""
    from alembic import command

    from counter_app.storage.migrate import alembic_config

    def indexes_at(revision: str) -> dict[str, tuple[str, str, str]]:
        with tempfile.TemporaryDirectory() as scratch:
            engine = create_engine(f"sqlite+pysqlite:///{scratch}/schema.sqlite")
            try:
                with engine.begin() as connection:
                    config = alembic_config()
                    config.attributes["connection"] = connection
                    command.upgrade(config, revision)
                    rows = connection.exec_driver_sql("SELECT name, tbl_name, sql FROM sqlite_master "
                                                      "WHERE type = 'index' AND sql IS NOT NULL").fetchall()
            finally:
                engine.dispose()
        return {row[0]: tuple(row) for row in rows}

    before, after = indexes_at(PREVIOUS_REVISION), indexes_at("head")
    return [after[name] for name in sorted(set(after) - set(before))]


def _add_missing(db: Database, indexes: list[tuple[str, str, str]]) -> None:
    """A database built before the reports migration gained an index gets it now (same revision number)."""
    with db.engine.begin() as conn:
        for name, _, sql in indexes:
            if not conn.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE name = ?", (name,)).scalar():
                log(f"adding the report index {name} to the kept database")
                conn.exec_driver_sql(sql)
        conn.exec_driver_sql("ANALYZE")


def reports(period_day: date) -> dict[str, Callable[[Connection], Any]]:
    """The three reports timed, each a call on one connection (the engine with the counter's sources)."""
    from counter_app.reports import queries
    from counter_app.reports.counter_sources import counter_sources
    from counter_app.reports.model import Period, Scope

    month = Period(period_day.replace(day=1), period_day)
    day = Period.day(period_day)
    now = datetime.now(UTC)
    return {
        "daily_last_day": lambda conn: queries.build_daily(conn, counter_sources(conn), day, Scope(), now=now),
        "register_month": lambda conn: queries.build_register(conn, counter_sources(conn), month, Scope(), now=now),
        "kpi_month": lambda conn: queries.build_kpi(conn, counter_sources(conn), month, Scope(), now=now),
    }


def measure(db: Database, last_day: date, runs: int) -> dict[str, Any]:
    calls = reports(last_day)
    figures: dict[str, Any] = {}
    with db.engine.connect() as conn:
        for name, call in calls.items():
            log(f"{name}: profile run")
            conn.begin()
            with report_profile.capture(conn) as profile:
                first_ms, result = timed_ms(lambda call=call: call(conn))
            report_profile.replay(conn, profile)
            slowest = report_profile.slowest_with_plans(conn, profile)
            conn.rollback()
            samples = []
            for _ in range(runs):
                conn.begin()
                ms, result = timed_ms(lambda call=call: call(conn))
                conn.rollback()
                samples.append(ms)
            figures[name] = {**summarize_ms(samples), "first_run_ms": round(first_ms, 2), "figures": report_shape(result, DAILY_KEYS),
                             "statements": report_profile.summary(profile), "slowest_statements": slowest}
    return figures


def measure_baseline(db: Database, last_day: date, runs: int, dropped: list[tuple[str, str, str]],
                     limit_s: float) -> dict[str, Any]:
    """The same reports with the report indexes dropped inside a transaction that is rolled back."""
    calls = reports(last_day)
    out: dict[str, Any] = {}
    with db.engine.connect() as conn:
        for name, call in calls.items():
            log(f"baseline {name}")
            conn.begin()
            for index_name, _, _ in dropped:
                conn.exec_driver_sql(f'DROP INDEX "{index_name}"')
            samples, result = [], None
            try:
                with _interrupted_after(conn, limit_s):
                    for _ in range(runs):
                        ms, result = timed_ms(lambda call=call: call(conn))
                        samples.append(ms)
            except OperationalError as error:
                if "interrupted" not in str(error):
                    raise
                conn.rollback()
                out[name] = {"stopped_after_s": limit_s, "note": "interrupted: slower than the limit"}
                continue
            conn.rollback()
            out[name] = {**summarize_ms(samples), "figures": report_shape(result, DAILY_KEYS)}
    return out


@contextmanager
def _interrupted_after(conn: Connection, seconds: float) -> Iterator[None]:
    """Interrupt the SQLite statement running after `seconds` (sqlite3's interrupt, from a timer thread)."""
    raw = conn.connection.dbapi_connection
    assert raw is not None
    timer = threading.Timer(seconds, raw.interrupt)
    timer.start()
    try:
        yield
    finally:
        timer.cancel()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    data_dir = Path(args.data_dir) if args.data_dir else OUT_DIR / f"{args.dossiers}-{args.days}-{args.seed}"
    build_meta = ensure_database(data_dir.resolve(), args.dossiers, args.days, args.seed)
    last_day = date.fromisoformat(build_meta["last_day"])
    sizes = file_sizes(data_dir / DB_FILENAME)
    dropped = report_indexes()
    db = Database.open(data_dir)
    _add_missing(db, dropped)
    try:
        figures = measure(db, last_day, args.runs)
        baseline = (measure_baseline(db, last_day, args.baseline_runs, dropped, args.baseline_limit)
                    if dropped else None)
    finally:
        db.close()
    p95 = {name: f["p95_ms"] for name, f in figures.items()}
    result: dict[str, Any] = {
        "benchmark": "report_counter",
        "dossiers": args.dossiers,
        "office_days": args.days,
        "last_day": build_meta["last_day"],
        "database": {**sizes, "db_file_mb": round(sizes["db_file_bytes"] / 2**20, 1)},
        "build": build_meta,
        "reports": figures,
        "baseline": {
            "method": "the same calls with the indexes of the reports migration dropped in a rolled-back transaction",
            "dropped_indexes": [f"{name} ON {table}" for name, table, _ in dropped],
            "reports": baseline,
            "note": None if dropped else "the reports migration adds no index: no baseline without them",
        },
        "target": {"each_report_p95_ms": TARGET_MS},
        "meets_target": all(v < TARGET_MS for v in p95.values()),
        "notes": "warm OS page cache; each report is one call of counter_app.reports.queries on one connection with "
        "counter_sources (rows built into the report's dataclasses included)",
        "machine": machine(),
    }
    if baseline:
        for name, app in figures.items():
            base = baseline[name]
            if "figures" not in base:
                continue
            base["same_figures"] = base["figures"] == app["figures"]
            if app["p50_ms"]:
                base["slower_p50"] = round(base["p50_ms"] / app["p50_ms"], 1)
    emit(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The province's reports on PostgreSQL (default 10,000,000 dossiers across 100 units, 250 office days).

Why: the province reports over every unit (issue 11): the province-wide daily report, a unit's one-month
register (Sổ theo dõi hồ sơ) and the province's QĐ 766 indicators for a month must each answer under 5 s.
This times the engine (`counter_app.reports.queries`) over the server's sources
(`sync.server.report_sources.server_sources`), `--runs` times each after one profiled run whose slowest
statements are reported with PostgreSQL's EXPLAIN.

Baseline, same run, same database: the same calls in a transaction in which the indexes the reports
migration (server 0014) adds are dropped, then rolled back (PostgreSQL's DDL is transactional).

Data: one unit's dossiers are planned by `report_data.Planner` (N/units lives: history, supplements,
apologies and hand-overs as dossier records, returns, receipts, scans, guidance, assisted filings, a
close per day), shaped as the server stores what counters push (the operations' JSON in `data`), COPYed
in, then copied to the other units by INSERT … SELECT (new ids, codes, unit codes, receipt and item
numbers), with secondary indexes and triggers off during the load. The template unit is loaded at schema
0013 and migrated to head (0014's backfill on one unit), then copied at head, so the full data never needs
the backfill's rewrite of `dossier` (twice the disk at 10M). The PostgreSQL cluster (Debian's binaries, as the tests start it: tests/sync/postgres.py, fsync off) is kept
in bench/out/report-server/ and reused by later runs of the same sizes.

    .venv/bin/python bench/report_server.py                           # 10M (built once: long), then timed
    .venv/bin/python bench/report_server.py --dossiers 200000 --units 10   # quick run
    .venv/bin/python bench/report_server.py --build-only                # build (or reuse) only
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import pwd
import shutil
import signal
import sys
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from time import perf_counter
from typing import Any

sys.path.append(str(Path(__file__).resolve().parents[1]))  # tests.sync.postgres

import _report_profile as report_profile
import psycopg
from _common import emit, log, machine, summarize_ms, timed_ms
from _report_data import AGENCY, OFFICE_OFFSET, DossierLife, Planner, Procedure, last_office_day, report_shape
from sqlalchemy import Connection, create_engine
from sqlalchemy.exc import OperationalError

from tests.sync.postgres import SUPERUSER, PostgresServer

TARGET_MS = 5_000.0
OUT_DIR = Path(__file__).resolve().parent / "out" / "report-server"
META_FILE = "bench-report-server-meta.json"
DATABASE = "reports"
LOAD_REVISION = "0013"  # the schema before the reports migration: the template unit is loaded there, then migrated
SHARED_BUFFERS = "1GB"  # a province's server has memory; the tests' 16 MB would measure the disk
CLERK = "Trần Thị Mai"
# Measured: dossier alone takes 1.7 KB a row (the operation's JSON in `data`); with its steps, records,
# returns, receipts and indexes ~5 KB a dossier (loaded at head: no backfill rewriting dossier).
BYTES_PER_DOSSIER = 5_000
TEMPLATE_UNIT = 0
TABLES = ("dossier", "dossier_event", "dossier_record", "result_return", "receipt", "attachment",
          "guidance_record", "assisted_filing", "day_close")
# The daily report's figures shown in the JSON (the province has no outbox of its own: no "not_synced").
DAILY_KEYS = ("received_total", "finished_on_time", "pending", "overdue", "collected_total", "digitised")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dossiers", type=int, default=10_000_000, help="dossiers in the province (default 10,000,000)")
    p.add_argument("--units", type=int, default=100, help="units they are spread over (default 100)")
    p.add_argument("--days", type=int, default=250, help="office days they span (default 250)")
    p.add_argument("--runs", type=int, default=3, help="timed runs of each report (default 3)")
    p.add_argument("--baseline-runs", type=int, default=1, help="timed runs without the report indexes (default 1)")
    p.add_argument("--limit", type=float, default=600.0,
                   help="seconds after which a report's statement is cancelled and the report marked stopped")
    p.add_argument("--baseline-limit", type=float, default=300.0,
                   help="seconds after which a baseline statement is cancelled (default 300)")
    p.add_argument("--seed", type=int, default=11)
    p.add_argument("--build-only", action="store_true", help="build (or reuse) the database and stop")
    p.add_argument("--data-dir", help="where the PostgreSQL cluster is kept (default bench/out/report-server/<sizes>)")
    return p.parse_args(argv)


def unit_code(k: int) -> str:
    return f"000.{k:02d}.48.H15"


def unit_code_sql(k: str) -> str:
    return f"('000.' || lpad(({k})::text, 2, '0') || '.48.H15')"


def device_id(k: int) -> str:
    return f"00000000-{k:04x}-4000-a000-000000000000"


# -- a cluster kept between runs ---------------------------------------------------------------------


class KeptPostgres(PostgresServer):
    """The tests' throw-away cluster, made in a directory of our choosing and kept (reused when it exists)."""

    def __init__(self, directory: Path) -> None:
        super().__init__(shared_buffers=SHARED_BUFFERS, max_connections=20)
        self.directory = directory

    def _make_base_dir(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        if self._as_root:
            owner = pwd.getpwnam(SUPERUSER)
            os.chown(self.directory, owner.pw_uid, owner.pw_gid)
        self.base_dir = self.directory
        self._run_as_server_user(["mkdir", "-p", "-m", "700", str(self.directory / "sock")], "mkdir")

    def _initdb(self) -> None:
        if not (self.data_dir / "PG_VERSION").exists():
            super()._initdb()

    def _remove_base_dir(self) -> None:
        self.base_dir = None  # kept for the next run

    def database_exists(self, name: str) -> bool:
        with psycopg.connect(host="127.0.0.1", port=self.port, user=SUPERUSER, dbname="postgres") as conn:
            return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is not None


# -- building ------------------------------------------------------------------------------------------


def _ts(instant: datetime | None) -> str | None:
    return None if instant is None else instant.isoformat(sep=" ", timespec="microseconds") + "+00"


def _iso(instant: datetime | None) -> str | None:
    return None if instant is None else instant.replace(tzinfo=UTC).isoformat()


def _day(instant: datetime) -> str:
    return (instant + OFFICE_OFFSET).date().isoformat()


class TemplateRows:
    """One unit's rows in the server's tables, shaped as sync/server/ingest.py stores pushed operations."""

    def __init__(self, unit: str, device: str, now: datetime) -> None:
        self.unit, self.device, self.now = unit, device, now
        self.rows: dict[str, list[tuple[Any, ...]]] = {table: [] for table in TABLES}
        self.receipt_number = 0
        self.post_serial = 0

    def add(self, life: DossierLife) -> None:
        dossier_id = life.id[:9] + f"{TEMPLATE_UNIT:04x}" + life.id[13:]
        received = life.received_at
        address = {"street": life.street, "ward_code": None, "province_code": None, "text": life.street}
        person = {"full_name": life.applicant_name, "applicant_type": "citizen", "id_type": "cccd",
                  "id_number": f"0790{life.n:08d}", "phone": life.phone, "email": "", "birth_date": None,
                  "gender": None, "address": address}
        history = [{"from_status": f, "to_status": t, "at": _iso(at), "actor": CLERK, "note": ""}
                   for f, t, at in life.steps if f is None or f == 1]
        data = {
            "id": dossier_id, "code": life.code, "unit_code": self.unit, "desk_slot": life.desk_slot,
            "status": history[-1]["to_status"], "status_label": "", "channel": life.channel,
            "procedure_code": life.procedure.code, "procedure_name": life.procedure.name,
            "applicant_name": life.applicant_name, "id_type": "cccd", "id_number": person["id_number"],
            "phone": life.phone, "applicant": person, "submitter": None, "summary": life.procedure.name,
            "documents": [{"name": "Tờ khai", "originals": 1, "certified_copies": 0, "photocopies": 0}],
            "sets_count": 1, "result_delivery": "desk", "received_at": _iso(received),
            "due_at": _iso(life.handovers[0][2] if life.handovers else life.due_at),  # as at intake
            "processing_hours": life.procedure.processing_hours, "received_by": CLERK, "version": 1,
            "history": history, "register_book": f"{life.desk_slot:02d}/{(received + OFFICE_OFFSET).year}",
            "register_number": life.n,
        }
        if life.back_dated:
            data["late_entry_reason"] = "Mất điện, nhập lại sau"
        updated = life.steps[-1][2]
        self.rows["dossier"].append((dossier_id, life.code, self.unit, life.desk_slot, life.status, len(life.steps),
                                     json.dumps(data, ensure_ascii=False), _ts(received), _ts(updated), self.device,
                                     _ts(life.due_at), _ts(life.previous_due_at)))
        handovers = {h[1]: h for h in life.handovers}
        for f, t, at in life.steps:
            details: dict[str, Any] = {}
            if t == 5 and life.supplement:
                details["missing"] = [{"name": "Bản sao giấy khai sinh", "originals": 0, "certified_copies": 1,
                                       "photocopies": 0}]
            if (f, t) == (5, 4) and life.supplement:
                details["previous_due_at"], details["due_at"] = _iso(life.supplement[2]), _iso(life.supplement[3])
            if at in handovers and t in (4, 9):
                details["handover"] = self._handover(handovers[at])
            self.rows["dossier_event"].append((dossier_id, f, t, _ts(at), CLERK, "", "counter", _op(),
                                               json.dumps(details, ensure_ascii=False) if details else None))
        for h in life.handovers:
            self.rows["dossier_record"].append((dossier_id, "handover", _ts(h[1]), CLERK,
                                                json.dumps(self._handover(h), ensure_ascii=False), _op()))
        if life.apology:
            at, previous, new = life.apology
            payload = {"code": life.code, "at": _iso(at), "actor": CLERK, "reason": "Cần xác minh thêm thông tin",
                       "previous_due_at": _iso(previous), "new_due_at": _iso(new)}
            self.rows["dossier_record"].append((dossier_id, "apology", _ts(at), CLERK,
                                                json.dumps(payload, ensure_ascii=False), _op()))
        if life.returned:
            self._return(life, life.returned)
        for fee, charge, method, at, cancelled in life.receipts:
            self.receipt_number += 1
            payload = {"number": self.receipt_number, "dossier_code": life.code, "fee_vnd": fee, "charge_vnd": charge,
                       "method": method, "collected_at": _iso(at), "payer_name": life.applicant_name}
            self.rows["receipt"].append((
                str(uuid.UUID(int=(2 << 64) + self.receipt_number)), self.unit, self.device, "01BLP3-001", "AA-26P",
                self.receipt_number, life.code, fee, charge, fee + charge, method, _ts(at), _day(at),
                "cancelled" if cancelled else "issued", _ts(cancelled), "Ghi sai số tiền" if cancelled else "",
                "truong" if cancelled else "", json.dumps(payload, ensure_ascii=False), _ts(at)))
        for paper, at, replaced in life.scans:
            sha = f"{life.n:032x}{paper:016x}{int(at.timestamp()):016x}"
            self.rows["attachment"].append((self.unit, life.code, sha, "ban-so-hoa.pdf", 250_000, _ts(at), paper, 3,
                                            _ts(replaced)))

    def _handover(self, h: tuple[str, datetime, datetime, str]) -> dict[str, Any]:
        direction, at, due, outcome = h
        parties = ("Bộ phận Một cửa", AGENCY) if direction == "to_agency" else (AGENCY, "Bộ phận Một cửa")
        return {"direction": direction, "at": _iso(at), "from_party": parties[0], "to_party": parties[1],
                "actor": CLERK, "due_at": _iso(due), "outcome": outcome}

    def _return(self, life: DossierLife, returned: tuple[str, datetime]) -> None:
        from counter_app.domain.postal_codes import item_code

        method, at = returned
        postal = method == "post"
        code = None
        if postal:
            self.post_serial += 1
            code = item_code(self.post_serial)
        payload = {"dossier_code": life.code, "method": method, "at": _iso(at), "actor": CLERK,
                   "receiver_name": life.applicant_name, "item_code": code}
        self.rows["result_return"].append((
            str(uuid.UUID(int=(1 << 64) + life.n)), self.unit, life.code, self.device, method, code,
            "delivered" if postal else None, _ts(at), _ts(at) if postal else None,
            json.dumps(payload, ensure_ascii=False), _ts(at)))

    def add_desk_records(self, planner: Planner, procedure: Procedure) -> None:
        for serial, r in enumerate(planner.desk_records(), start=1):
            record_id = str(uuid.UUID(int=(4 << 64) + serial))
            if r.kind == "guidance":
                reference = f"HD{r.desk_slot}-{r.day:%y%m%d}-{r.number:03d}"
                payload = {"id": record_id, "reference": reference, "unit_code": self.unit,
                           "desk_slot": r.desk_slot, "at": _iso(r.at), "clerk": CLERK,
                           "procedure_code": procedure.code, "procedure_name": procedure.name}
                self.rows["guidance_record"].append((record_id, self.unit, reference, _ts(r.at), procedure.code,
                                                     json.dumps(payload, ensure_ascii=False), self.device, _ts(r.at)))
            else:
                payload = {"id": record_id, "unit_code": self.unit, "desk_slot": r.desk_slot, "at": _iso(r.at),
                           "outcome": "filed", "procedure_code": procedure.code, "procedure_name": procedure.name}
                self.rows["assisted_filing"].append((record_id, self.unit, r.desk_slot, _ts(r.at), "filed",
                                                     procedure.code, None, json.dumps(payload, ensure_ascii=False),
                                                     self.device, _ts(r.at)))
        for n, day in enumerate(planner.days[:planner.history_days], start=1):
            closed = datetime.combine(day, datetime.min.time()) + timedelta(hours=17, minutes=15) - OFFICE_OFFSET
            difference = -10_000 if n % 50 == 0 else 0
            payload = {"day": day.isoformat(), "difference": difference, "clerk": CLERK}
            self.rows["day_close"].append((str(uuid.UUID(int=(6 << 64) + n)), self.unit, self.device, 1,
                                           day.isoformat(), _ts(closed), 1_000_000 + difference, 1_000_000, 0,
                                           difference, 0, 0, json.dumps(payload, ensure_ascii=False), _ts(closed)))


_OP_SERIAL = [0]


def _op() -> str:
    _OP_SERIAL[0] += 1
    return str(uuid.UUID(int=(3 << 64) + _OP_SERIAL[0]))


COLUMNS = {
    "dossier": "id, code, unit_code, desk_slot, status, version, data, received_at, updated_at, source_device_id, "
    "due_at, previous_due_at",
    "dossier_event": "dossier_id, from_status, to_status, at, actor, note, source, op_id, details",
    "dossier_record": "dossier_id, kind, at, actor, data, op_id",
    "result_return": "id, unit_code, dossier_code, device_id, method, item_code, shipment_state, returned_at, state_at, "
    "data, updated_at",
    "receipt": "id, unit_code, device_id, form_number, symbol, number, dossier_code, fee_vnd, charge_vnd, total_vnd, "
    "method, collected_at, day, status, cancelled_at, cancel_reason, cancelled_by, data, received_at",
    "attachment": "unit_code, dossier_code, sha256, name, size, created_at, document_index, page_count, replaced_at",
    "guidance_record": "id, unit_code, reference, at, procedure_code, data, source_device_id, created_at",
    "assisted_filing": "id, unit_code, desk_slot, at, outcome, procedure_code, portal_code, data, source_device_id, "
    "received_at",
    "day_close": "id, unit_code, device_id, desk_slot, day, closed_at, counted_total, expected_cash, transfers_total, "
    "difference, receipts_count, cancellations_count, data, received_at",
}

# Columns migration 0014 added (filled by its backfill on the template unit), copied with the rest.
HEAD_COLUMNS = {
    "dossier": "channel, procedure_code, procedure_name, applicant_name, applicant_address, applicant_phone, "
    "sets_count, register_book, register_number, back_dated",
    "dossier_record": "previous_due_at",
}

_NEW_ID = "overlay({col} placing lpad(to_hex(k), 4, '0') from 10 for 4)"
_NEW_CODE = f"replace({{col}}, '{unit_code(TEMPLATE_UNIT)}', {unit_code_sql('k')})"


def _head_columns(table: str) -> str:
    return COLUMNS[table] + (", " + HEAD_COLUMNS[table] if table in HEAD_COLUMNS else "")


def _copy_select(table: str) -> str:
    """The SELECT list that turns the template unit's rows into unit k's (columns of `_head_columns`)."""
    new = {
        "id": _NEW_ID.format(col="id"), "dossier_id": _NEW_ID.format(col="dossier_id"),
        "code": _NEW_CODE.format(col="code"), "dossier_code": _NEW_CODE.format(col="dossier_code"),
        "unit_code": unit_code_sql("k"), "device_id": _NEW_ID.format(col="device_id"),
        "source_device_id": _NEW_ID.format(col="source_device_id"),
        "number": "number + k * 10000000",
        "item_code": "CASE WHEN item_code IS NULL THEN NULL ELSE 'RR' || lpad((k * 100000 + "
                     "substr(item_code, 3, 8)::int)::text, 8, '0') || substr(item_code, 11) END",
        "op_id": _NEW_ID.format(col="op_id"),
    }
    return ", ".join(new.get(c.strip(), c.strip()) for c in _head_columns(table).split(","))


def build(url: str, count: int, units: int, days: int, seed: int) -> dict[str, Any]:
    """Load the template unit at schema 0013 (as pushed operations were stored before the reports), migrate
    it to head (0014's backfill on one unit's rows), then copy it to the other units at head: the full data
    never needs the backfill's rewrite of `dossier` (which doubled the disk needed at 10M). Migration 0014
    on full data was timed by the 2M build (bench/README.md)."""
    from alembic import command

    from counter_app.services.catalog import read_catalog_file, sample_catalog_path
    from sync.server.db import alembic_config

    start = perf_counter()
    engine = create_engine(url)
    with engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, LOAD_REVISION)
    engine.dispose()
    procedures = [Procedure(p.code, p.name, p.processing_hours) for p in read_catalog_file(sample_catalog_path())]
    last_day = last_office_day(datetime.now(UTC).date())
    per_unit = count // units
    planner = Planner(unit_code(TEMPLATE_UNIT), procedures, per_unit, days, last_day, seed)
    template = TemplateRows(unit_code(TEMPLATE_UNIT), device_id(TEMPLATE_UNIT), planner.now)
    log(f"planning the template unit: {per_unit:,} dossiers")
    for life in planner.lives():
        template.add(life)
    template.add_desk_records(planner, procedures[0])
    timings: dict[str, float] = {"plan_template_s": round(perf_counter() - start, 1)}
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SET TIME ZONE 'UTC'")
        conn.execute("SET maintenance_work_mem = '1GB'")
        now = datetime.now(UTC)
        with conn.transaction():
            for k in range(units):
                conn.execute("INSERT INTO unit (code, name, created_at) VALUES (%s, %s, %s)",
                             (unit_code(k), f"UBND xã thử số {k}", now))
                conn.execute("INSERT INTO device (id, unit_code, desk_slot, token_hash, token_legacy, name, app_version, "
                             "revoked, enrolled_at) VALUES (%s, %s, 1, %s, false, 'Quầy 1', '1.0', false, %s)",
                             (device_id(k), unit_code(k), f"{k:064x}", now))
        t = perf_counter()
        for table in TABLES:
            with conn.cursor().copy(f"COPY {table} ({COLUMNS[table]}) FROM STDIN") as copy:
                for row in template.rows[table]:
                    copy.write_row(row)
        timings["copy_template_s"] = round(perf_counter() - t, 1)
        rows = {table: len(template.rows[table]) for table in TABLES}
        del template
    timings["migrate_template_to_head_s"] = _migrate(url)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SET TIME ZONE 'UTC'")
        conn.execute("SET maintenance_work_mem = '1GB'")
        indexes = conn.execute(
            "SELECT indexname, indexdef FROM pg_indexes i WHERE schemaname = 'public' AND tablename = ANY(%s) "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)", (list(TABLES),)).fetchall()
        for name, _ in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        for table in TABLES:
            conn.execute(f"ALTER TABLE {table} DISABLE TRIGGER ALL")  # foreign keys: consistent by construction
        for table in TABLES:
            t = perf_counter()
            log(f"copying {table} to {units - 1} more units")
            conn.execute(f"INSERT INTO {table} ({_head_columns(table)}) SELECT {_copy_select(table)} FROM {table} "
                         f"CROSS JOIN generate_series(1, {units - 1}) AS k")
            timings[f"replicate_{table}_s"] = round(perf_counter() - t, 1)
        for table in TABLES:
            conn.execute(f"ALTER TABLE {table} ENABLE TRIGGER ALL")
        t = perf_counter()
        for name, definition in indexes:
            log(f"index {name}")
            conn.execute(definition)
        timings["indexes_s"] = round(perf_counter() - t, 1)
    t = perf_counter()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    timings["vacuum_analyze_s"] = round(perf_counter() - t, 1)
    return {"dossiers": per_unit * units, "units": units, "days": days, "seed": seed, "last_day": last_day.isoformat(),
            "template_rows": rows, "timings": timings, "build_seconds": round(perf_counter() - start, 1)}


def _migrate(url: str) -> float | None:
    """Bring the database to head; seconds taken, or None when it was there already."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from sync.server.db import alembic_config, migrate

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
        if current == ScriptDirectory.from_config(alembic_config()).get_current_head():
            return None
        log(f"migrating from {current} to head (the reports migration on the full data)")
        start = perf_counter()
        migrate(engine)
        with engine.connect() as connection:
            connection.exec_driver_sql("ANALYZE")
        return round(perf_counter() - start, 1)
    finally:
        engine.dispose()


# -- the reports ---------------------------------------------------------------------------------------


def report_indexes(postgres: PostgresServer) -> list[tuple[str, str]]:
    """(name, table) of the indexes migration 0014 adds to existing tables (not constraints): a database at
    head minus one at 0013, both empty."""
    from alembic import command

    from sync.server.db import alembic_config

    found: dict[str, set[tuple[str, str]]] = {}
    for revision in (LOAD_REVISION, "head"):
        name = f"schema_{revision}".lower()
        postgres.drop_database(name)
        engine = create_engine(postgres.create_database(name))
        try:
            with engine.begin() as connection:
                config = alembic_config()
                config.attributes["connection"] = connection
                command.upgrade(config, revision)
                found[revision] = {tuple(r) for r in connection.exec_driver_sql(
                    "SELECT indexname, tablename FROM pg_indexes i WHERE schemaname = 'public' "
                    "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)")}
        finally:
            engine.dispose()
        postgres.drop_database(name)
    old_tables = {table for _, table in found[LOAD_REVISION]}  # a new table's indexes are not the reports'
    return sorted(i for i in found["head"] - found[LOAD_REVISION] if i[1] in old_tables)  # type: ignore[misc]


def reports(last_day: date, one_unit: str) -> dict[str, Callable[[Connection], Any]]:
    from sqlalchemy.orm import Session

    from counter_app.reports import queries
    from counter_app.reports.model import Period, Scope

    server_sources = importlib.import_module("sync.server.report_sources").server_sources  # part C's module

    month = Period(last_day.replace(day=1), last_day)
    now = datetime.now(UTC)

    def sources(conn: Connection, unit: str | None = None) -> Any:
        return server_sources(Session(bind=conn), unit)

    return {
        "province_daily_last_day": lambda conn: queries.build_daily(conn, sources(conn), Period.day(last_day), Scope(),
                                                                    now=now),
        "unit_register_month": lambda conn: queries.build_register(conn, sources(conn, one_unit), month,
                                                                   Scope(unit_code=one_unit), now=now),
        "province_kpi_month": lambda conn: queries.build_kpi(conn, sources(conn), month, Scope(), now=now),
    }


def measure(url: str, last_day: date, runs: int, limit_s: float) -> dict[str, Any]:
    """Each report profiled once then timed `runs` times; a statement running past `limit_s` stops that
    report (reported as such, with the statement's plan) and the next one is measured."""
    engine = create_engine(url)
    figures: dict[str, Any] = {}
    try:
        with engine.connect() as conn:
            for name, call in reports(last_day, unit_code(1)).items():
                log(f"{name}: profile run")
                try:
                    figures[name] = _measure_one(conn, call, runs, limit_s)
                except OperationalError as error:
                    if "statement timeout" not in str(error):
                        raise
                    figures[name] = {"stopped_after_s": limit_s, "note": "a statement ran past the limit",
                                     "statement": report_profile.one_line(str(error.statement))[:report_profile.SQL_CHARS]}
    finally:
        engine.dispose()
    return figures


def _measure_one(conn: Connection, call: Callable[[Connection], Any], runs: int, limit_s: float) -> dict[str, Any]:
    with conn.begin() as tx:
        conn.exec_driver_sql(f"SET LOCAL statement_timeout = '{int(limit_s)}s'")
        with report_profile.capture(conn) as profile:
            first_ms, result = timed_ms(lambda: call(conn))
        report_profile.replay(conn, profile)
        slowest = report_profile.slowest_with_plans(conn, profile)
        tx.rollback()
    samples = []
    for _ in range(runs):
        with conn.begin() as tx:
            conn.exec_driver_sql(f"SET LOCAL statement_timeout = '{int(limit_s)}s'")
            ms, result = timed_ms(lambda: call(conn))
            tx.rollback()
        samples.append(ms)
    return {**summarize_ms(samples), "first_run_ms": round(first_ms, 2), "figures": report_shape(result, DAILY_KEYS),
            "statements": report_profile.summary(profile), "slowest_statements": slowest}


def measure_baseline(url: str, last_day: date, runs: int, dropped: list[tuple[str, str]],
                     limit_s: float) -> dict[str, Any]:
    engine = create_engine(url)
    out: dict[str, Any] = {}
    try:
        with engine.connect() as conn:
            for name, call in reports(last_day, unit_code(1)).items():
                log(f"baseline {name}")
                samples, result = [], None
                try:
                    with conn.begin() as tx:
                        conn.exec_driver_sql(f"SET LOCAL statement_timeout = '{int(limit_s)}s'")
                        for index_name, _ in dropped:
                            conn.exec_driver_sql(f'DROP INDEX "{index_name}"')
                        for _ in range(runs):
                            ms, result = timed_ms(lambda call=call: call(conn))
                            samples.append(ms)
                        tx.rollback()
                except OperationalError as error:
                    if "statement timeout" not in str(error):
                        raise
                    out[name] = {"stopped_after_s": limit_s, "note": "a statement ran past the limit"}
                    continue
                out[name] = {**summarize_ms(samples), "figures": report_shape(result, DAILY_KEYS)}
    finally:
        engine.dispose()
    return out


def _ensure(postgres: KeptPostgres, directory: Path, args: argparse.Namespace) -> dict[str, Any]:
    meta_path = directory / META_FILE
    wanted = {"dossiers": args.dossiers // args.units * args.units, "units": args.units, "days": args.days,
              "seed": args.seed}
    if meta_path.exists() and postgres.database_exists(DATABASE):
        meta = json.loads(meta_path.read_text())
        if {k: meta.get(k) for k in wanted} == wanted:
            log(f"reusing {wanted['dossiers']:,} dossiers in {directory}")
            seconds = _migrate(postgres.url_for(DATABASE))  # kept at 0013 while 0014 was a stub
            if seconds is not None:
                meta["timings"]["migrate_to_head_s"] = seconds
                meta_path.write_text(json.dumps(meta, indent=2))
            return {"reused": True, **meta}
        sys.exit(f"{directory} holds a report database of other sizes ({meta_path.name}): use another --data-dir")
    need = args.dossiers * BYTES_PER_DOSSIER
    free = shutil.disk_usage(directory).free
    if free < need:
        sys.exit(f"{args.dossiers:,} dossiers need about {need / 2**30:.0f} GB free; {directory} has {free / 2**30:.0f} GB: use fewer dossiers or another --data-dir")
    postgres.drop_database(DATABASE)
    url = postgres.create_database(DATABASE)
    meta = build(url, args.dossiers, args.units, args.days, args.seed)
    meta_path.write_text(json.dumps(meta, indent=2))
    return {"reused": False, **meta}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # `kill` still stops the cluster (finally below)
    directory = Path(args.data_dir) if args.data_dir else OUT_DIR / f"{args.dossiers}-{args.units}-{args.days}-{args.seed}"
    directory = directory.resolve()
    postgres = KeptPostgres(directory)
    postgres.start()
    try:
        meta = _ensure(postgres, directory, args)
        if args.build_only:
            emit({"benchmark": "report_server", "built": meta})
            return 0
        url = postgres.url_for(DATABASE)
        last_day = date.fromisoformat(meta["last_day"])
        dropped = report_indexes(postgres)
        figures = measure(url, last_day, args.runs, args.limit)
        baseline = measure_baseline(url, last_day, args.baseline_runs, dropped, args.baseline_limit) if dropped else None
        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
            size = conn.execute("SELECT pg_database_size(%s)", (DATABASE,)).fetchone()[0]
    finally:
        postgres.stop()
    result: dict[str, Any] = {
        "benchmark": "report_server",
        "dossiers": meta["dossiers"],
        "units": args.units,
        "office_days": args.days,
        "last_day": meta["last_day"],
        "database_mb": round(size / 2**20, 1),
        "postgresql": {"shared_buffers": SHARED_BUFFERS, "fsync": "off (the tests' cluster)"},
        "build": meta,
        "reports": figures,
        "baseline": {
            "method": "the same calls with the indexes of server migration 0014 dropped in a rolled-back transaction",
            "dropped_indexes": [f"{name} ON {table}" for name, table in dropped],
            "reports": baseline,
        },
        "target": {"each_report_p95_ms": TARGET_MS},
        "meets_target": all(f.get("p95_ms", float("inf")) < TARGET_MS for f in figures.values()),
        "machine": machine(),
    }
    if baseline:
        for name, app in figures.items():
            if "figures" not in baseline[name] or "figures" not in app:
                continue
            baseline[name]["same_figures"] = baseline[name]["figures"] == app["figures"]
            if app["p50_ms"]:
                baseline[name]["slower_p50"] = round(baseline[name]["p50_ms"] / app["p50_ms"], 1)
    emit(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())

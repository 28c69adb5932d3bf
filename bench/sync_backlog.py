"""Pushing a busy week's backlog (default 10,000 dossiers) from a counter to the provincial server.

Why: a rural commune counter may be offline for days; when the link returns the backlog must drain
quickly, in few requests, with few bytes. Three runs in one process, each on its own unit:

1. the app's SyncRunner over loopback: time, requests, bytes on the wire per dossier;
2. the baseline, a naive client: one uncompressed POST per dossier, same server, same loopback;
3. the app again through the project's fault proxy limited to 64 kbit/s with 300 ms latency (a rural
   2G link): time and bytes on the wire against the compressed payload (target: at most 1.3x).

    .venv/bin/python bench/sync_backlog.py                     # 10,000 dossiers, all three runs
    .venv/bin/python bench/sync_backlog.py --dossiers 2000 --no-slow-link
    .venv/bin/python bench/sync_backlog.py --database-url postgresql+psycopg://...   # server on PostgreSQL
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' server harness and fault proxy
# A bench machine has no desktop keyring: keep the tokens in the tests' file backend (set in main()).
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "tests.support.file_keyring.FileKeyring")
# Throughput, not the guard, is measured here: the naive baseline's one POST per dossier would meet the
# per-device rate limit (50 requests/s) at once. The server process inherits this.
os.environ.setdefault("PROVINCIAL_SERVER_GUARD", json.dumps({"device_burst": 1_000_000, "device_per_second": 1e6,
                                                             "device_body_bytes_burst": 10**12,
                                                             "device_body_bytes_per_second": 1e12}))

from _common import emit, log, machine, setup_demo_unit, work_dir
from sqlalchemy import select

from counter_app.services.demo_data import generate_demo_dossiers
from counter_app.services.unit_setup import setup_unit
from counter_app.storage.database import Database
from counter_app.storage.models import OutboxOp
from counter_app.storage.sync_store import get_state
from sync.client.enrollment import enroll
from sync.client.outgoing import wire_operation
from sync.client.runner import SyncRunner
from sync.client.transport import Transport
from sync.protocol import HelloRequest, HelloResponse, PushBatch, PushResponse
from tests.sync.faultproxy import FaultProxy
from tests.sync.harness import ServerProcess

TARGET_WIRE_RATIO = 1.3
LINK_BYTES_PER_SECOND = 8_000  # 64 kbit/s
LINK_LATENCY_SECONDS = 0.3


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dossiers", type=int, default=10_000)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--database-url", help="server database (default: a SQLite file in the work dir)")
    p.add_argument("--no-slow-link", action="store_true", help="skip the 64 kbit/s run (it takes minutes)")
    p.add_argument("--data-dir")
    p.add_argument("--keep", action="store_true")
    return p.parse_args(argv)


def make_counter(directory: Path, unit_code: str, count: int, seed: int, server: ServerProcess) -> Database:
    """A counter of its own unit with `count` dossiers waiting in the outbox, enrolled with the server."""
    server.admin("create-unit", "--code", unit_code, "--name", f"Đơn vị thử {unit_code}")
    db = Database.open(directory)
    setup_demo_unit(db)
    setup_unit(db, unit_code=unit_code, unit_name=f"Đơn vị thử {unit_code}", desk=1, clerk_name="Đo hiệu năng")
    generate_demo_dossiers(db, count, seed=seed, queue_for_sync=True)
    enroll(db, server.url, server.enrollment_code(unit_code))
    return db


def app_run(db: Database, directory: Path, base_url: str | None = None) -> dict[str, Any]:
    transports: list[Transport] = []

    def factory(url: str, token: str) -> Transport:
        transports.append(Transport(base_url or url, token))
        return transports[-1]

    runner = SyncRunner(db, directory, transport_factory=factory, base_delay=0.5, max_delay=5)
    start = time.perf_counter()
    report = runner.run_once()
    seconds = time.perf_counter() - start
    assert report.ok, report.errors
    return {"seconds": round(seconds, 3), "pushed": report.pushed, "requests": report.requests,
            "bytes_sent": report.bytes_sent, "bytes_received": report.bytes_received,
            "wire_bytes_per_dossier": round((report.bytes_sent + report.bytes_received) / max(1, report.pushed), 1),
            "dossiers_per_second": round(report.pushed / seconds, 1)}


def naive_run(db: Database) -> dict[str, Any]:
    """One POST per dossier, no compression: what a simple client would do."""
    with db.read() as session:
        state = get_state(session)
        assert state is not None
        ops = [wire_operation(row) for row in session.scalars(select(OutboxOp).order_by(OutboxOp.seq))]
        url, device_id, epoch, base = state.server_url, state.device_id, state.device_epoch, state.epoch_base_seq
    from counter_app.services.credentials import load_token

    transport = Transport(url, load_token(device_id))
    hello = HelloRequest(protocol_versions=[1], schema_versions=[1], device_epoch=epoch, epoch_base_seq=base)
    start = time.perf_counter()
    transport.call("POST", "/sync/hello", HelloResponse, json_body=hello.model_dump(mode="json"))
    statuses: dict[str, int] = {}
    for op in ops:
        batch = PushBatch(batch_id=str(uuid.uuid4()), device_epoch=epoch, ops=[op])
        answer = transport.call("POST", "/sync/push", PushResponse, json_body=batch.model_dump(mode="json"))
        statuses[answer.results[0].status.value + ":" + answer.results[0].code] = statuses.get(answer.results[0].status.value + ":" + answer.results[0].code, 0) + 1
    seconds = time.perf_counter() - start
    transport.close()
    return {"seconds": round(seconds, 3), "pushed": len(ops), "requests": len(ops) + 1, "results": statuses,
            "bytes_sent": transport.bytes_sent, "bytes_received": transport.bytes_received,
            "wire_bytes_per_dossier": round((transport.bytes_sent + transport.bytes_received) / max(1, len(ops)), 1),
            "dossiers_per_second": round(len(ops) / seconds, 1)}


def compressed_payload(db: Database) -> tuple[int, int]:
    """(gzip bytes, raw bytes) of the push bodies as the runner built them, batch by batch."""
    with db.read() as session:
        rows = list(session.scalars(select(OutboxOp).order_by(OutboxOp.seq)))
        epoch = get_state(session).device_epoch  # type: ignore[union-attr]
    batches: dict[str, list[OutboxOp]] = {}
    for row in rows:
        batches.setdefault(row.batch_id or "", []).append(row)
    compressed = raw = 0
    for batch_id, members in batches.items():
        body = PushBatch(batch_id=batch_id or "x" * 36, device_epoch=epoch, ops=[wire_operation(r) for r in members])
        data = json.dumps(body.model_dump(mode="json"), ensure_ascii=False, separators=(",", ":")).encode()
        raw += len(data)
        compressed += len(gzip.compress(data, compresslevel=6))
    return compressed, raw


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    result: dict[str, Any] = {"benchmark": "sync_backlog", "dossiers": args.dossiers}
    with work_dir(args.data_dir, args.keep, "bench-sync-") as directory:
        os.environ.setdefault("COUNTER_TEST_KEYRING_FILE", str(directory / "keyring.json"))
        url = args.database_url or f"sqlite:///{directory / 'server.sqlite'}"
        with ServerProcess(url) as server:
            log(f"server on {server.url}; preparing counters with {args.dossiers:,} dossiers each")
            app_db = make_counter(directory / "app", "000.01.48.H15", args.dossiers, args.seed, server)
            naive_db = make_counter(directory / "naive", "000.02.48.H15", args.dossiers, args.seed, server)
            log("app client over loopback…")
            result["app_loopback"] = app_run(app_db, directory / "app")
            log("naive client (one POST per dossier)…")
            result["baseline_naive_one_post_per_dossier"] = naive_run(naive_db)
            if not args.no_slow_link:
                slow_db = make_counter(directory / "slow", "000.03.48.H15", args.dossiers, args.seed, server)
                with FaultProxy(server.port) as proxy:
                    proxy.add_fault("bandwidth", rate=LINK_BYTES_PER_SECOND, latency=LINK_LATENCY_SECONDS)
                    log("app client through a 64 kbit/s, 300 ms link… (minutes)")
                    run = app_run(slow_db, directory / "slow", base_url=proxy.url)
                    wire = proxy.stats().wire_bytes
                compressed, raw = compressed_payload(slow_db)
                run.update({"proxy_wire_bytes": wire, "compressed_payload_bytes": compressed, "raw_payload_bytes": raw,
                            "wire_to_compressed_ratio": round(wire / compressed, 3)})
                result["app_slow_link_64kbit_300ms"] = run
                result["meets_target"] = run["wire_to_compressed_ratio"] <= TARGET_WIRE_RATIO
            stats = server.stats()
            result["server_dossiers_per_unit"] = {unit: row["dossiers"] for unit, row in stats.items()}
            for db in (app_db, naive_db):
                db.close()
    app, naive = result["app_loopback"], result["baseline_naive_one_post_per_dossier"]
    result["speedup_vs_naive"] = round(naive["seconds"] / app["seconds"], 2)
    result["bytes_ratio_vs_naive"] = round(
        (app["bytes_sent"] + app["bytes_received"]) / (naive["bytes_sent"] + naive["bytes_received"]), 3)
    result["target"] = {"slow_link_wire_to_compressed_ratio_max": TARGET_WIRE_RATIO}
    result["machine"] = machine()
    emit(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())

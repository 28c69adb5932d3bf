"""Where the server's time goes in a push, stage by stage, per dossier, in-process (no HTTP, no client).

Why: the app must ingest a loopback backlog at ~12,000 dossiers/s end to end (5x the PouchDB peer), i.e. about
80 us of server CPU per dossier. This splits the server's side of one push the way the API runs it: inflate
the zstd body (sync/bounded.py), parse the JSON with its bounds (the guard), validate the PushBatch, unpack the
columnar form (sync/packing.py), `handle_push` in its own transaction (checks, ledger, audit chain, SQL), and
write the compact answer. The backlog is a counter's (bench/_ingest_ops.py: the app's demo dossiers with their
audit rows, packed and compressed as the runner sends them to a server without a dictionary yet).

With `--stored` the bodies are a stored push's (plain JSON, zstd: what `POST /sync/inbox` keeps and the applier
takes up, sync/server/inbox.py): nothing to unpack, the payloads' canonical texts written by `handle_push`.

Baseline in the same run: `json.loads` of the same bodies uncompressed (the least any JSON server must do).

    .venv/bin/python bench/server_push_stages.py [--dossiers 10000] [--batch 1000] [--postgres] [--stored] [--profile 25]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "tests.support.file_keyring.FileKeyring")

from _common import emit, log, machine, profiled, work_dir
from _ingest_ops import enrolled_device, make_backlog, packed_bodies

from counter_app.services.clock import utc_now
from sync import bounded
from sync.packing import CanonicalTexts
from sync.protocol import Limits, OpStatus, PushBatch
from sync.server.db import ServerDatabase
from sync.server.dictionaries import DictionaryCache
from sync.server.guard_body import json_bounds
from sync.server.inbox import prepared_push
from sync.server.ingest import handle_push
from sync.server.memory import paused_gc
from sync.server.models import Device
from sync.wire import FAST_LINK_LEVEL, PackBounds, PushCodec, compacted, encode_body, unpack_ops

STAGES = ("inflate", "parse_json", "validate_batch", "unpack", "handle_push", "answer")
TARGET_US_PER_DOSSIER = 80


def run(server: ServerDatabase, device_id: str, bodies: list[bytes], limits: Limits) -> tuple[dict[str, float], dict[str, int]]:
    """Every body through the server's stages; CPU seconds of this process per stage (the machine is shared:
    CPU time moves less than wall time when others run) and the results' statuses. A plain body (a stored
    push's) has nothing to unpack: its `unpack` is `prepared_push`'s bounds, as the applier runs them."""
    seconds = dict.fromkeys(STAGES, 0.0)
    statuses: dict[str, int] = {}
    dictionaries = DictionaryCache(server)  # as the applier's (a plain body names no string table)
    bounds = json_bounds(limits)
    pack_bounds = PackBounds(max_ops=limits.max_ops_per_batch, max_leaves=limits.max_json_values,
                             max_depth=limits.max_json_depth)
    for body in bodies:
        marks = [time.process_time()]
        raw = bounded.inflate(body, "zstd", limits.max_inflated_bytes, limits.max_inflate_ratio, lambda _id: None)
        marks.append(time.process_time())
        value = bounded.parse_json(raw, bounds)
        marks.append(time.process_time())
        batch = PushBatch.model_validate(value)
        marks.append(time.process_time())
        texts = CanonicalTexts()
        if batch.packed is None:
            batch, texts = prepared_push(batch, limits, dictionaries)
        else:
            with paused_gc():
                batch = batch.model_copy(update={"ops": unpack_ops(batch.packed, pack_bounds, (), texts), "packed": None})
        marks.append(time.process_time())
        with server.session() as session:
            me = session.get(Device, device_id)
            assert me is not None
            response = handle_push(session, me, batch, utc_now(), texts)
        marks.append(time.process_time())
        compacted(response).model_dump_json()
        marks.append(time.process_time())
        for stage, start, end in zip(STAGES, marks, marks[1:], strict=False):
            seconds[stage] += end - start
        for result in response.results:
            statuses[result.status.value] = statuses.get(result.status.value, 0) + 1
    return seconds, statuses


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dossiers", type=int, default=10_000)
    p.add_argument("--batch", type=int, default=1_000, help="operations per push (the server's default limit)")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--postgres", action="store_true", help="the tests' throw-away PostgreSQL cluster, not SQLite")
    p.add_argument("--stored", action="store_true",
                   help="the batches as a stored push sends them (plain JSON, zstd), through the applier's stages")
    p.add_argument("--profile", type=int, default=0, metavar="N", help="print cProfile's N costliest functions to stderr")
    p.add_argument("--sort", default="tottime", help="cProfile order for --profile (tottime, cumulative)")
    args = p.parse_args(argv)
    result: dict[str, Any] = {"benchmark": "server_push_stages", "dossiers": args.dossiers, "batch": args.batch,
                              "backend": "postgresql" if args.postgres else "sqlite",
                              "body": "plain (stored push)" if args.stored else "packed (push)"}
    limits = Limits()
    with work_dir(None, False, "bench-stages-") as directory:
        os.environ.setdefault("COUNTER_TEST_KEYRING_FILE", str(directory / "keyring.json"))
        log(f"making the backlog of {args.dossiers:,} dossiers…")
        backlog = make_backlog(directory / "backlog", "000.01.48.H15", args.dossiers, args.seed, args.batch)
        bodies, plain = packed_bodies(backlog)
        if args.stored:
            codec = PushCodec(name="zstd", packed=False, level=FAST_LINK_LEVEL)
            bodies = [encode_body({**batch, "compact_results": True}, codec).data for batch in backlog.batches]
        start = time.process_time()
        for text in plain:
            json.loads(text)
        baseline = time.process_time() - start
        postgres = None
        if args.postgres:
            from tests.sync.postgres import PostgresServer
            postgres = PostgresServer()
            url = postgres.__enter__().create_database("stages")
        else:
            url = f"sqlite:///{directory / 'server.sqlite3'}"
        try:
            server = ServerDatabase.open(url)
            device = enrolled_device(server, backlog.unit_code)
            log("pushing, stage by stage…")
            with profiled(args.profile, args.sort):
                wall = time.perf_counter()
                seconds, statuses = run(server, device.id, bodies, limits)
                wall = time.perf_counter() - wall
            server.dispose()
        finally:
            if postgres is not None:
                postgres.__exit__(None, None, None)
    assert statuses.get(OpStatus.ACCEPTED.value) == backlog.ops, statuses
    total = sum(seconds.values())
    per_dossier = {stage: round(s / backlog.ops * 1e6, 1) for stage, s in seconds.items()}
    result.update({
        "wire_bytes": sum(len(b) for b in bodies), "results": statuses,
        "cpu_us_per_dossier": per_dossier, "total_cpu_us_per_dossier": round(total / backlog.ops * 1e6, 1),
        "cpu_dossiers_per_second": round(backlog.ops / total, 1), "wall_seconds": round(wall, 3),
        "baseline_json_loads_us_per_dossier": round(baseline / backlog.ops * 1e6, 1),
        "target": f"<= {TARGET_US_PER_DOSSIER} us of server CPU per dossier",
        "meets_target": total / backlog.ops * 1e6 <= TARGET_US_PER_DOSSIER,
        "machine": machine(),
    })
    emit(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())

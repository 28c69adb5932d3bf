"""Where the counter's CPU goes in a push, stage by stage, per dossier, in-process (no HTTP, no server).

Why: on loopback the counter's own work is half of what a backlog costs (`client_cpu_seconds_per_1000` in
bench/sync_backlog.py). This runs a counter's backlog (bench/_ingest_ops.py: the app's demo dossiers with
their audit rows) through the push's stages in the order sync/client/push.py runs them, batch by batch: read
the open outbox rows and their audit rows (the claim's transaction), `outgoing_batch` (each row checked, or
its withdrawal), the audit envelopes, marking the batch in flight (and the claim's commit), packing
(sync/packing.py), encoding (JSON and zstd at the fast-link level, for a server without a dictionary yet),
reading the server's compact answer and storing it (`Pusher._store_results`: one executemany).

Baseline in the same run: `json.loads` of the same outbox payloads (the least a push that looks at its rows
must do).

    .venv/bin/python bench/client_push_stages.py [--dossiers 10000] [--batch 1000] [--profile 25 --sort cumulative]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import uuid
from itertools import pairwise
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "tests.support.file_keyring.FileKeyring")

from _common import emit, log, machine, profiled, work_dir
from _ingest_ops import demo_counter

from counter_app.services.clock import utc_now
from counter_app.storage.database import Database
from counter_app.storage.outbox import withdraw
from counter_app.storage.sync_store import get_state, mark_in_flight, ops_to_send, record_enrolment
from sync.client.audit_envelope import audit_rows_for, with_audit
from sync.client.batch_size import BatchSizer
from sync.client.outgoing import Outgoing, outgoing_batch
from sync.client.push import Batch, Pusher
from sync.client.runner import SyncReport
from sync.gc_pause import paused_gc
from sync.protocol import PROTOCOL_VERSION, PushResponse
from sync.wire import FAST_LINK_LEVEL, PushCodec, encode_body

STAGES = ("read_outbox", "read_audit", "outgoing_batch", "audit_envelope", "mark_in_flight", "pack", "encode",
          "answer_parse", "store_answers")
TARGET_US_PER_DOSSIER = 170  # half of the ~340 us measured end to end before issue 13's wave 3


def enrolled(db: Database, unit_code: str) -> None:
    """The sync state a real enrolment leaves (device id, epoch), without a server."""
    with db.write() as session:
        record_enrolment(session, server_url="http://127.0.0.1:9", device_id=str(uuid.uuid4()), unit_code=unit_code,
                         unit_name=f"Đơn vị thử {unit_code}", desk_slot=1, server_epoch=str(uuid.uuid4()),
                         now=utc_now())


def answer_for(batch_id: str, items: list[Outgoing]) -> bytes:
    """The server's compact answer to a batch it took whole: one accepted range, the newest audit row."""
    last_audit = next((item.wire["audit"] for item in reversed(items) if "audit" in item.wire), None)
    return PushResponse(batch_id=batch_id, results=[], acked_seq=items[-1].seq, server_time=utc_now(),
                        audit_seq=last_audit["seq"] if last_audit else 0,
                        audit_hash=last_audit["hash"] if last_audit else "",
                        accepted=[(items[0].seq, items[-1].seq, 1)]).model_dump_json().encode()


def run(db: Database, batch_rows: int) -> tuple[dict[str, float], int, int]:
    """The whole outbox through the push's stages; CPU seconds of this process per stage (the machine is
    shared: CPU time moves less than wall time when others run), operations sent, withdrawals among them."""
    seconds = dict.fromkeys(STAGES, 0.0)
    codec = PushCodec(name="zstd", packed=True, level=FAST_LINK_LEVEL)
    pusher = Pusher(db, None, SyncReport(), codec, BatchSizer(max_ops=batch_rows, target_bytes=10**9))  # type: ignore[arg-type]
    after_seq, sent, withdrawn = 0, 0, 0
    while True:
        marks = [time.process_time()]
        with paused_gc():  # as Pusher._prepare: claim and encode with the collector paused
            with db.write() as session:
                state = get_state(session)
                assert state is not None
                rows = ops_to_send(session, batch_rows, after_seq)
                if not rows:
                    break
                marks.append(time.process_time())
                audit = audit_rows_for(session, rows)
                marks.append(time.process_time())
                items = outgoing_batch(rows, state.device_id, utc_now())
                marks.append(time.process_time())
                items = [with_audit(item, audit) for item in items]
                marks.append(time.process_time())
                for item in items:
                    if item.newly_withdrawn:
                        withdraw(session, item.seq, "invalid_local", item.withdrawal_reason or "")
                mark_in_flight(session, [item.seq for item in items], str(uuid.uuid4()))
            marks.append(time.process_time())
            batch = Batch(items, batch_id=str(uuid.uuid4()))
            ops = [item.wire for item in items]
            packed = codec.pack(ops, [item.payload_text for item in items])
            marks.append(time.process_time())
            document = {"protocol_version": PROTOCOL_VERSION, "batch_id": batch.batch_id,
                        "device_epoch": state.device_epoch, "ops": [], "packed": packed, "compact_results": True}
            encode_body(document, codec)
            marks.append(time.process_time())
        with paused_gc():  # no collection set off here: a deferred one lands in the stages after, timed
            text = answer_for(batch.batch_id, items)  # the server's part: not timed
        marks.append(time.process_time())
        answer = PushResponse.model_validate_json(text)
        marks.append(time.process_time())
        pusher._store_results(answer, items)
        marks.append(time.process_time())
        spans = list(pairwise(marks))
        del spans[7]  # the server's answer, made here
        for stage, (start, end) in zip(STAGES, spans, strict=True):
            seconds[stage] += end - start
        after_seq = items[-1].seq
        sent += len(items)
        withdrawn += sum(item.withdrawal_reason is not None for item in items)
    return seconds, sent, withdrawn


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dossiers", type=int, default=10_000)
    p.add_argument("--batch", type=int, default=1_000, help="outbox rows per batch (the server's default limit)")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--profile", type=int, default=0, metavar="N", help="print cProfile's N costliest functions to stderr")
    p.add_argument("--sort", default="tottime", help="cProfile order for --profile (tottime, cumulative)")
    args = p.parse_args(argv)
    result: dict[str, Any] = {"benchmark": "client_push_stages", "dossiers": args.dossiers, "batch": args.batch}
    with work_dir(None, False, "bench-client-stages-") as directory:
        log(f"making a counter with {args.dossiers:,} dossiers to send…")
        db = demo_counter(directory / "counter", "000.01.48.H15", args.dossiers, args.seed)
        try:
            enrolled(db, "000.01.48.H15")
            with db.read() as session:
                payloads = [row.payload for row in ops_to_send(session, 10 * args.dossiers + 1000)]
            start = time.process_time()
            for payload in payloads:
                json.loads(payload)
            baseline = time.process_time() - start
            log("pushing, stage by stage…")
            with profiled(args.profile, args.sort):
                wall = time.perf_counter()
                seconds, sent, withdrawn = run(db, args.batch)
                wall = time.perf_counter() - wall
        finally:
            db.close()
    assert sent == len(payloads) and withdrawn == 0, (sent, len(payloads), withdrawn)
    total = sum(seconds.values())
    result.update({
        "operations": sent, "cpu_us_per_dossier": {stage: round(s / sent * 1e6, 1) for stage, s in seconds.items()},
        "total_cpu_us_per_dossier": round(total / sent * 1e6, 1), "wall_seconds": round(wall, 3),
        "baseline_json_loads_us_per_dossier": round(baseline / sent * 1e6, 1),
        "target": f"<= {TARGET_US_PER_DOSSIER} us of counter CPU per dossier in these stages",
        "meets_target": total / sent * 1e6 <= TARGET_US_PER_DOSSIER,
        "machine": machine(),
    })
    emit(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())

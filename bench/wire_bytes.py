"""Bytes per dossier of a push on a 2G link (issue 13, W): what the wire format alone costs, no network.

Why: on 64 kbit/s every byte is time. Two counters of two units each hold a backlog of demo dossiers
(default 10,000); the province's dictionary is trained on unit A's dossiers (personal data replaced, as
`provincial-server dictionary train` does) and unit B's backlog is encoded with it, batch by batch, in
each form: v1 rows + gzip (the baseline, measured in the same run), packed + gzip, packed + zstd without
and with the dictionary. HTTP overhead is estimated per request (headers both ways, the compact answer)
and reported apart; the full on-the-wire figure is bench/sync_backlog.py's 2G run.

    .venv/bin/python bench/wire_bytes.py                      # 10,000 dossiers, batches of 200 and 1,000
    .venv/bin/python bench/wire_bytes.py --dossiers 2000 --batch 100
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import emit, log, machine, setup_demo_unit, work_dir
from sqlalchemy import select

from counter_app.services.clock import utc_now
from counter_app.services.demo_data import generate_demo_dossiers
from counter_app.services.unit_setup import setup_unit
from counter_app.storage.database import Database
from counter_app.storage.models import OutboxOp
from sync.client.audit_envelope import audit_rows_for, with_audit
from sync.client.outgoing import outgoing
from sync.server.dictionaries import build_document, read_document
from sync.unpacking import unpack_ops
from sync.wire import FAST_LINK_LEVEL, PushCodec, encode_body

TARGET_BYTES_PER_DOSSIER = 150
# Request line + headers (Host, Authorization: Bearer 43 chars, Content-Type, Content-Encoding, Content-Length,
# User-Agent, Accept…) and the answer's status line + headers, as requests and uvicorn send them.
HTTP_OVERHEAD_PER_REQUEST = 520
COMPACT_ANSWER_BYTES = 260  # a compact PushResponse, gzipped: batch id, acked seq, times, one accepted range


def counter_ops(directory: Path, unit_code: str, count: int, seed: int) -> list[dict[str, Any]]:
    """The wire operations (with audit envelopes) of a counter holding `count` demo dossiers to send."""
    db = Database.open(directory)
    setup_demo_unit(db)
    setup_unit(db, unit_code=unit_code, unit_name=f"Đơn vị thử {unit_code}", desk=1, clerk_name="Đo hiệu năng")
    generate_demo_dossiers(db, count, seed=seed, queue_for_sync=True)
    with db.read() as session:
        rows = list(session.scalars(select(OutboxOp).order_by(OutboxOp.seq)))
        audit = audit_rows_for(session, rows)
        ops = [with_audit(outgoing(row, str(uuid.uuid4()), utc_now()), audit).wire for row in rows]
    db.close()
    return ops


def encoded_bytes(ops: list[dict[str, Any]], codec: PushCodec, batch: int, packed: bool) -> dict[str, Any]:
    body = raw = requests = 0
    pack_seconds = 0.0
    for start in range(0, len(ops), batch):
        part = ops[start:start + batch]
        document: dict[str, Any] = {"protocol_version": 1, "batch_id": str(uuid.uuid4()), "device_epoch": str(uuid.uuid4())}
        began = time.perf_counter()
        if packed:
            document.update(ops=[], packed=codec.pack(part) if codec.packed else None, compact_results=True)
            if document["packed"] is None:
                document["packed"] = PushCodec(packed=True).pack(part)
        else:
            document["ops"] = part
        encoded = encode_body(document, codec)
        pack_seconds += time.perf_counter() - began
        if packed and start == 0:  # the first batch is checked to come back exactly
            assert unpack_ops(json.loads(json.dumps(document["packed"])), strings=codec.strings) == part
        body += len(encoded.data)
        raw += encoded.raw_size
        requests += 1
    overhead = requests * (HTTP_OVERHEAD_PER_REQUEST + (COMPACT_ANSWER_BYTES if packed else 0))
    n = len(ops)
    return {"requests": requests, "body_bytes_per_dossier": round(body / n, 1), "raw_bytes_per_dossier": round(raw / n, 1),
            "http_overhead_per_dossier": round(overhead / n, 1),
            "wire_bytes_per_dossier_estimate": round((body + overhead) / n, 1),
            "encode_microseconds_per_dossier": round(pack_seconds / n * 1e6, 1)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dossiers", type=int, default=10_000)
    p.add_argument("--batch", type=int, action="append", help="operations per batch (repeatable; default 200 and 1000)")
    p.add_argument("--data-dir")
    p.add_argument("--keep", action="store_true")
    args = p.parse_args(argv)
    batches = args.batch or [200, 1_000]
    result: dict[str, Any] = {"benchmark": "wire_bytes", "dossiers": args.dossiers}
    with work_dir(args.data_dir, args.keep, "bench-wire-") as directory:
        log(f"two counters with {args.dossiers:,} dossiers each…")
        trained_on = counter_ops(directory / "a", "000.01.48.H15", args.dossiers, seed=11)
        sent = counter_ops(directory / "b", "000.02.48.H15", args.dossiers, seed=7)
    began = time.perf_counter()
    content, strings = build_document([op["payload"] for op in trained_on], 1)
    published = read_document(content)
    result["dictionary"] = {"bytes": len(content), "strings": len(strings), "zstd_bytes": len(published.zstd),
                            "train_seconds": round(time.perf_counter() - began, 2), "trained_on": "another unit's dossiers"}
    with_dictionary = PushCodec("zstd", published.id, published.zstd, published.strings, packed=True)
    forms = {"v1_rows_gzip_baseline": (PushCodec(), False), "packed_gzip": (PushCodec(packed=True), True),
             "packed_zstd_no_dictionary": (PushCodec("zstd", packed=True), True),
             "packed_zstd_dictionary": (with_dictionary, True),
             "packed_zstd_dictionary_fast_level": (replace(with_dictionary, level=FAST_LINK_LEVEL), True)}
    for size in batches:
        log(f"batches of {size}…")
        result[f"batch_{size}"] = {name: encoded_bytes(sent, codec, size, packed) for name, (codec, packed) in forms.items()}
    best = min(result[f"batch_{size}"]["packed_zstd_dictionary"]["wire_bytes_per_dossier_estimate"] for size in batches)
    result["target"] = {"wire_bytes_per_dossier_max": TARGET_BYTES_PER_DOSSIER}
    result["meets_target"] = best <= TARGET_BYTES_PER_DOSSIER
    result["machine"] = machine()
    emit(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())

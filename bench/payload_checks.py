"""What the per-operation checks that both ends run cost, per call and per dossier, in this process's CPU time.

Why: the counter and the server each write every payload's canonical JSON (its hash, its audit row's `after`)
and check every payload against its model (domain/payloads.py) before they queue, send or apply it. Issue 13
needs the whole loopback push far under 100 us of CPU per dossier on each end, so these are measured alone:
`canonical_json` and `payload_hash` (domain/serialization.py), `check_payload` and the envelope's
`Operation` check (sync/protocol.py), and the instant and text checks one by one.

The operations are a counter's (bench/_ingest_ops.py: the app's demo dossiers, as the runner sends them).
Baselines in the same run: `json.dumps(sort_keys=True)` (the definition of canonical JSON; its text is also
checked to be the same) and `json.loads` of the payload's text (the least any server does to read it).
CPU time (`time.process_time`, the best of `--repeat`): the machine is shared, wall time is noise.

    .venv/bin/python bench/payload_checks.py [--dossiers 200] [--repeat 7]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "tests.support.file_keyring.FileKeyring")

from _common import emit, log, machine, work_dir
from _ingest_ops import make_backlog

from counter_app.domain import payload_fields
from counter_app.domain.operations import check_payload
from counter_app.domain.serialization import canonical_json, payload_hash
from counter_app.services.clock import utc_now
from sync.protocol import Operation


class _Info:
    """What pydantic hands a validator: only `context` is read."""

    def __init__(self, context: dict[str, Any]) -> None:
        self.context = context


def cpu_us(call: Callable[[], Any], calls: int, repeat: int) -> float:
    """Microseconds of CPU per call: `call` runs `calls` calls; the best of `repeat` runs."""
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        call()
        best = min(best, time.process_time() - start)
    return round(best / calls * 1e6, 3)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dossiers", type=int, default=200, metavar="N", help="demo dossiers (one dossier.create each)")
    p.add_argument("--repeat", type=int, default=7, metavar="N", help="runs per figure; the best is kept")
    args = p.parse_args()
    log(f"making {args.dossiers:,} dossiers…")
    with work_dir(None, False, "bench-payload-checks-") as directory:
        backlog = make_backlog(directory, "000.31.48.H15", args.dossiers, seed=7, batch_size=1000)
    ops = [op for batch in backlog.batches for op in batch["ops"]]
    payloads = [op["payload"] for op in ops]
    texts = [canonical_json(payload) for payload in payloads]
    now = utc_now()
    n, repeat = len(ops), args.repeat

    def definition(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))

    same_text = all(definition(payload) == text for payload, text in zip(payloads, texts, strict=True))
    log("measuring…")
    per_call = {
        "canonical_json": cpu_us(lambda: [canonical_json(v) for v in payloads], n, repeat),
        "baseline_json_dumps_sort_keys": cpu_us(lambda: [definition(v) for v in payloads], n, repeat),
        "payload_hash": cpu_us(lambda: [payload_hash(v) for v in payloads], n, repeat),
        "baseline_sha256_of_json_dumps": cpu_us(
            lambda: [hashlib.sha256(definition(v).encode("utf-8")).hexdigest() for v in payloads], n, repeat),
        "baseline_json_loads_of_payload": cpu_us(lambda: [json.loads(t) for t in texts], n, repeat),
    }
    info = _Info({"now": now})
    instants = [op["created_at"] for op in ops]
    texts_checked = [payload["applicant"]["full_name"] for payload in payloads]
    per_call["event_instant"] = cpu_us(lambda: [payload_fields._event_instant(v, info) for v in instants], n, repeat)
    per_call["clean_text"] = cpu_us(lambda: [payload_fields._clean_text(v) for v in texts_checked], n, repeat)
    per_dossier = {
        "check_payload": cpu_us(lambda: [check_payload(op["op_type"], op["payload"], now=now) for op in ops], n, repeat),
        "operation_envelope": cpu_us(lambda: [Operation.model_validate(op, context={"now": now}) for op in ops], n,
                                     repeat),
    }
    emit({"benchmark": "payload_checks", "dossiers": n, "repeat": repeat, "same_text_as_json_dumps": same_text,
          "cpu_us_per_call": per_call, "cpu_us_per_dossier": per_dossier,
          "canonical_json_speedup": round(per_call["baseline_json_dumps_sort_keys"] / per_call["canonical_json"], 2),
          "machine": machine()})


if __name__ == "__main__":
    main()

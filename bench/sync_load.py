"""A province's counters syncing at once: 500 counters against `provincial-server serve --workers 4` on PostgreSQL.

Why: at 08:00 every commune opens within minutes, and after a provincial outage every counter comes back
with its backlog at once. One asyncio process plays the counters (bench/_light_http.py: one keep-alive
connection each, light on CPU because it shares the machine with the server); each speaks the real
protocol (hello, push of real `dossier.create` operations with their audit envelopes chained per device,
pull) as `sync.client` does. The run:

1. 08:00 burst: every counter's first sync starts within 10 s;
2. steady work: each counter receives dossiers (exponential gaps, `--dossiers-per-minute` each: a busy desk
   takes ~60 a day, so the default is ~16x a real rate) and syncs every `--sync-seconds` (±25 % jitter);
3. an outage: halfway through, the server is stopped for `--outage-seconds` (a quarter of the run at
   most), then started again; every counter returns with its backlog within 10 s;
4. all along, the province's processing agencies move received dossiers into processing
   (`--status-changes-per-dossier`, 1 by default): feed changes the unit's desks pull;
5. a final drain: every counter syncs until nothing is left, then the dossiers in the database are
   counted against the dossiers the counters sent (lost = 0 is the target).

Reported: p50/p95/p99 per endpoint, errors by status (outside the outage; target 0), p95 push (< 1 s),
server CPU seconds per 1,000 dossiers (utime+stime of the supervisor and every worker from /proc, and
PostgreSQL's processes separately). The machine is shared: load average at start and end is reported.
The latencies (and the p95 target) are the workload's, steps 1-4; the final drain's, where all 500 counters
sync at one instant (harsher than either burst, which spreads over 10 s, and no counter's real behaviour), are
reported apart (`final_drain_latency_ms`; `push_latency_ms_including_final_drain` is the figure waves 1-10
reported), with the pushes by phase, the slow pushes by when they started, and how late the generator's own
event loop woke (its share of any latency).

    .venv/bin/python bench/sync_load.py                                 # 500 counters, 10 minutes, 4 workers
    .venv/bin/python bench/sync_load.py --minutes 1 --counters 50        # a quick check
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' server harness and PostgreSQL

import httpx
from _common import emit, log, machine, summarize_ms
from _light_http import LightClient, TransportFailure
from _load_phases import push_phases, slow_pushes_by_ten_seconds, watch_loop
from sqlalchemy import func, select

from counter_app.domain.audit import AuditRecord, genesis_hash
from counter_app.domain.lifecycle import Status
from counter_app.domain.serialization import canonical_json, iso_instant, payload_hash
from counter_app.services.demo_data import FAMILY, GIVEN, MIDDLE
from sync.client.dictionary import _codec_from, _matches
from sync.protocol import API_PREFIX, DictionaryOffer, PushResponse
from sync.server.admin import create_unit, set_status
from sync.server.auth import new_enrollment_code
from sync.server.db import ServerDatabase
from sync.server.dictionaries import SyncDictionary
from sync.server.models import Dossier
from sync.wire import FAST_LINK_LEVEL, PushCodec, encode_body, results_of
from tests.sync.harness import ServerProcess
from tests.sync.payloads import dossier_payload
from tests.sync.postgres import PostgresServer

DESKS_PER_UNIT = 5
BURST_SECONDS = 10.0
TARGET_P95_PUSH_MS = 1_000.0
MAX_OPS_PER_PUSH = 500
CODEC = PushCodec(name="zstd", packed=True, level=FAST_LINK_LEVEL)
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
JSON = {"Content-Type": "application/json"}


@dataclass
class SimulatedCounter:
    """One simulated counter: its credentials, its outbox of operations not yet answered, its chain."""

    unit: str
    slot: int
    device_id: str
    token: str
    epoch: str = field(default_factory=lambda: str(uuid.uuid4()))
    seq: int = 0
    audit_head: str = ""
    cursor: int = 0
    numbers: int = 0
    outbox: list[dict[str, Any]] = field(default_factory=list)
    sent: int = 0  # dossier.create operations answered accepted or duplicate
    codec: PushCodec = CODEC  # until the province publishes its dictionary
    pushes_with_dictionary: int = 0

    def receive_dossier(self, rng: random.Random) -> None:
        """A dossier received at the desk: its operation and its audit row, chained as the counter chains it."""
        self.numbers += 1
        name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
        payload = dossier_payload(self.unit, self.slot, self.numbers, received_at=datetime.now(UTC), name=name)
        self.seq += 1
        at = iso_instant(datetime.now(UTC))
        record = AuditRecord(seq=self.seq, at=at, device=self.device_id, clerk_name="Trần Thị Mai",
                             clerk_username="mai", action="dossier.create", subject=payload["code"], before=None,
                             after=canonical_json(payload), prev_hash=self.audit_head or genesis_hash(self.device_id))
        self.audit_head = record.computed_hash()
        self.outbox.append({"op_id": str(uuid.uuid4()), "seq": self.seq, "entity": "dossier", "entity_id": payload["id"],
                            "op_type": "dossier.create", "base_version": None, "schema_version": 1, "created_at": at,
                            "payload": payload, "payload_hash": payload_hash(payload),
                            "audit": {**record.fields(), "after": None, "hash": self.audit_head}})


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter[str] = field(default_factory=Counter)
    outage_errors: Counter[str] = field(default_factory=Counter)
    outage: bool = False
    start: float = field(default_factory=time.monotonic)
    examples: dict[str, str] = field(default_factory=dict)  # one message per kind of error, to tell causes apart
    by_ten_seconds: Counter[int] = field(default_factory=Counter)  # when the errors came (seconds since start)
    drain_from: float = float("inf")  # requests started from then on are the final drain's (the plan's end)
    drain_latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    pushes: list[tuple[float, float]] = field(default_factory=list)  # (when it started, monotonic; its ms)
    loop_lag_ms: list[float] = field(default_factory=list)  # how late the generator's own loop woke (watch_loop)

    def error(self, endpoint: str, status: str, example: str = "") -> None:
        key = f"{endpoint}:{status}"
        (self.outage_errors if self.outage else self.errors)[key] += 1
        if not self.outage:
            self.examples.setdefault(key, example[:200])
            self.by_ten_seconds[int(time.monotonic() - self.start) // 10 * 10] += 1


async def call(client: LightClient, tally: Tally, endpoint: str, method: str, path: str, *, body: bytes = b"",
               headers: dict[str, str] | None = None, raw: bool = False) -> Any:
    """One request, timed; its JSON (its bytes if `raw`), or None (and the error counted) unless it answered 200."""
    start, began = time.perf_counter(), time.monotonic()
    try:
        answer = await client.request(method, f"{API_PREFIX}{path}", body, headers)
    except TransportFailure as failure:
        tally.error(endpoint, failure.kind, str(failure))
        return None
    if answer.status != 200:
        tally.error(endpoint, str(answer.status), answer.body.decode("utf-8", "replace"))
        return None
    ms = (time.perf_counter() - start) * 1000
    (tally.drain_latencies if began >= tally.drain_from else tally.latencies)[endpoint].append(ms)
    if endpoint == "push":
        tally.pushes.append((began, ms))
    return answer.body if raw else json.loads(answer.body)


async def take_dictionary(counter: SimulatedCounter, client: LightClient, tally: Tally, offer: dict[str, Any],
                          known: dict[int, PushCodec]) -> None:
    """The province's newest dictionary, as sync/client/dictionary.py takes it: each counter downloads it once
    (so the server serves it as often as a real province would); the generator reads each one once."""
    document = await call(client, tally, "dictionary", "GET", f"/sync/dictionaries/{offer['id']}", raw=True)
    if document is None:
        return
    checked = DictionaryOffer.model_validate(offer)
    if checked.id not in known:
        found = _codec_from(checked, document) if _matches(document, checked) else None
        if found is None:
            tally.error("dictionary", "does_not_match")
            return
        known[checked.id] = replace(found, level=FAST_LINK_LEVEL)  # loopback: a fast link
    counter.codec = known[checked.id]


async def sync_once(counter: SimulatedCounter, client: LightClient, tally: Tally, dictionaries: dict[int, PushCodec]) -> bool:
    """hello, push what the outbox holds (in batches), pull the unit's changes: as sync.client.runner does."""
    hello = await call(client, tally, "hello", "POST", "/sync/hello", headers=JSON, body=json.dumps({
        "protocol_versions": [1], "schema_versions": [1], "app_version": "bench", "device_epoch": counter.epoch}).encode())
    if hello is None:
        return False
    offer = hello.get("dictionary")
    if offer and offer["id"] != counter.codec.dictionary_id:
        await take_dictionary(counter, client, tally, offer, dictionaries)
    while counter.outbox:
        part = counter.outbox[:MAX_OPS_PER_PUSH]
        # Packed, zstd, with the province's dictionary once it has one (sync/client/dictionary.py).
        document = {"batch_id": str(uuid.uuid4()), "device_epoch": counter.epoch, "ops": [],
                    "packed": counter.codec.pack(part), "compact_results": True}
        body = encode_body(document, counter.codec)
        counter.pushes_with_dictionary += bool(counter.codec.dictionary_id)
        answer = await call(client, tally, "push", "POST", "/sync/push", body=body.data, headers=body.headers)
        if answer is None:
            return False
        results = results_of(PushResponse.model_validate(answer), {op["seq"]: op["op_id"] for op in part})
        done = {r.seq for r in results if r.status.value in ("accepted", "duplicate")}
        if len(done) != len(part):
            tally.error("push", "not_accepted")
        counter.sent += len(done)
        counter.outbox = counter.outbox[len(part):]  # a refused one would be quarantined: counted, not resent
    if counter.cursor >= hello["last_change_seq"]:
        return True  # hello said the feed ends at the cursor: no page to ask for (sync/client/runner.py)
    while True:
        page = await call(client, tally, "pull", "GET", f"/sync/pull?after={counter.cursor}&limit=1000")
        if page is None:
            return False
        counter.cursor = page["last_seq"]
        if not page["has_more"]:
            return True


async def play(counter: SimulatedCounter, server: ServerProcess, tally: Tally, plan: Plan, rng: random.Random) -> int:
    """The counter's day; returns how many connections it opened."""
    client = LightClient(server.host, server.port, {"Authorization": f"Bearer {counter.token}"})
    try:
        next_sync = plan.start + rng.uniform(0, BURST_SECONDS)  # 08:00: everyone within 10 s
        next_dossier = plan.start + rng.expovariate(plan.dossiers_per_second)
        returned = False
        while True:
            now = time.monotonic()
            if now >= plan.end:
                break
            if now >= next_dossier:
                counter.receive_dossier(rng)
                next_dossier += rng.expovariate(plan.dossiers_per_second)
            if plan.back_at and not returned:  # the server is back: every counter returns within 10 s
                returned = True
                next_sync = min(next_sync, plan.back_at + rng.uniform(0, BURST_SECONDS))
            if now >= next_sync:
                await sync_once(counter, client, tally, plan.dictionaries)
                next_sync = time.monotonic() + plan.sync_seconds * rng.uniform(0.75, 1.25)
            await asyncio.sleep(max(0.0, min(next_dossier, next_sync, plan.end, now + 1) - time.monotonic()))
        for _ in range(10):  # the drain: until the outbox is empty
            if await sync_once(counter, client, tally, plan.dictionaries) and not counter.outbox:
                break
            await asyncio.sleep(1)
    finally:
        client.close()
    return client.connections


@dataclass
class Plan:
    start: float
    end: float
    sync_seconds: float
    dossiers_per_second: float
    back_at: float = 0.0  # when the server returns from the outage (monotonic), once known
    dictionaries: dict[int, PushCodec] = field(default_factory=dict)  # the province's, as the counters took them
    counters: int = 0


class CpuSampler:
    """CPU seconds (utime+stime) of a set of processes, sampled each second so that a worker that dies
    (or a server stopped for the outage) still counts what it used up to its last sample."""

    def __init__(self) -> None:
        self.seen: dict[int, float] = {}
        self.before: dict[int, float] = {}  # what each process had used when the run began (its start-up)

    def start(self, pids: list[int]) -> None:
        self.sample(pids)
        self.before = dict(self.seen)

    def sample(self, pids: list[int]) -> None:
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            self.seen[pid] = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS

    @property
    def seconds(self) -> float:
        return sum(used - self.before.get(pid, 0.0) for pid, used in self.seen.items())


def children_of(parent: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == parent:
                found.append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    return found


async def sample_cpu(server: ServerProcess, postgres: PostgresServer, app: CpuSampler, database: CpuSampler,
                     stop: asyncio.Event) -> None:
    postmaster = int((postgres.data_dir / "postmaster.pid").read_text().split()[0])
    assert server.process is not None
    app.start([server.process.pid, *children_of(server.process.pid)])
    database.start([postmaster, *children_of(postmaster)])
    while not stop.is_set():
        if server.process is not None and server.process.poll() is None:
            app.sample([server.process.pid, *children_of(server.process.pid)])
        database.sample([postmaster, *children_of(postmaster)])
        await asyncio.sleep(1)


SERVER_LOG_EVENTS = {  # lines of the server's log that explain transport errors (uvicorn's own wording)
    "worker_died": "] died", "traceback": "Traceback", "error_lines": "ERROR", "warning_lines": "WARNING"}


def server_log_events(server: ServerProcess, seen: Counter[str], examples: list[str]) -> None:
    """Count what the server's log says (read before a restart replaces its process, and at the end)."""
    if server.process is None:
        return
    with server.process.stdout as output:
        for line in output:
            for name, marker in SERVER_LOG_EVENTS.items():
                seen[name] += marker in line
            if ("ERROR" in line or "WARNING" in line) and len(examples) < 10:
                examples.append(line.strip()[:200])


async def outage(server: ServerProcess, plan: Plan, tally: Tally, at: float, seconds: float,
                 log_events: Counter[str], log_examples: list[str]) -> dict[str, float]:
    await asyncio.sleep(max(0.0, at - time.monotonic()))
    log(f"outage: stopping the server for {seconds:.0f} s")
    tally.outage = True
    await asyncio.to_thread(server.stop)
    server_log_events(server, log_events, log_examples)
    await asyncio.sleep(seconds)
    started = time.monotonic()
    await asyncio.to_thread(server.start)
    plan.back_at = time.monotonic()
    tally.outage = False  # from here on, the return burst's errors are errors
    log("outage over: the server is back")
    return {"down_seconds": round(seconds, 1), "restart_seconds": round(plan.back_at - started, 1)}


def move_received_dossiers(database_url: str, count: int) -> int:
    """The processing agencies take `count` received dossiers into processing (sync/server/admin.set_status, as
    `provincial-server set-status` does): each one a DOSSIER_STATUS change its unit's desks pull."""
    db = ServerDatabase(database_url)
    try:
        with db.session() as s:
            codes = list(s.scalars(select(Dossier.code).where(Dossier.status == int(Status.RECEIVED))
                                   .order_by(Dossier.received_at).limit(count)))
            for code in codes:
                set_status(s, code, Status.PROCESSING, "", "Phòng Tư pháp (bench)", datetime.now(UTC))
        return len(codes)
    finally:
        db.dispose()


async def province(database_url: str, plan: Plan, per_dossier: float, moved: list[int]) -> None:
    """The province's own writes to the feed while the counters sync: `per_dossier` status changes for each
    dossier the counters receive (a dossier's life brings ~2: processing, result ready), once a second."""
    owed = 0.0
    while time.monotonic() < plan.end:
        await asyncio.sleep(1)
        owed += per_dossier * plan.dossiers_per_second * plan.counters
        if owed >= 1:
            moved.append(await asyncio.to_thread(move_received_dossiers, database_url, int(owed)))
            owed -= int(owed)


def enrol_counters(server: ServerProcess, count: int) -> list[SimulatedCounter]:
    """count / DESKS_PER_UNIT units (created in the database) and their desks, enrolled over HTTP."""
    db = ServerDatabase(server.database_url)
    codes: list[tuple[str, str]] = []
    try:
        for index in range((count + DESKS_PER_UNIT - 1) // DESKS_PER_UNIT):
            unit = f"{index // 99 + 100:03d}.{index % 99 + 1:02d}.48.H15"
            with db.session() as s:
                create_unit(s, unit, f"UBND xã thử {index + 1}", datetime.now(UTC))
            for _ in range(min(DESKS_PER_UNIT, count - len(codes))):
                with db.session() as s:
                    codes.append((unit, new_enrollment_code(s, unit, datetime.now(UTC))[0]))
    finally:
        db.dispose()

    async def enrol_all() -> list[SimulatedCounter]:
        turns = asyncio.Semaphore(8)
        async with httpx.AsyncClient(base_url=server.url, timeout=120) as client:
            async def enrol(unit: str, code: str) -> SimulatedCounter:
                async with turns:
                    while True:
                        answer = await client.post(f"{API_PREFIX}/enroll", json={"code": code, "device_name": "Quầy tải"})
                        if answer.status_code != 429:
                            break
                        await asyncio.sleep(float(answer.headers.get("Retry-After", "1")))
                    answer.raise_for_status()
                    data = answer.json()
                    return SimulatedCounter(unit, data["desk_slot"], data["device_id"], data["token"])
            return list(await asyncio.gather(*(enrol(unit, code) for unit, code in codes)))

    return asyncio.run(enrol_all())


async def run_load(server: ServerProcess, postgres: PostgresServer, counters: list[SimulatedCounter],
                   args: argparse.Namespace) -> dict[str, Any]:
    rng = random.Random(args.seed)
    own_cpu = time.process_time()
    start = time.monotonic()
    total = args.minutes * 60
    plan = Plan(start, start + total, args.sync_seconds, args.dossiers_per_minute / 60, counters=len(counters))
    tally = Tally(drain_from=plan.end)
    app_cpu, database_cpu = CpuSampler(), CpuSampler()
    stop = asyncio.Event()
    sampler = asyncio.create_task(sample_cpu(server, postgres, app_cpu, database_cpu, stop))
    down = min(args.outage_seconds, total / 4)
    log_events: Counter[str] = Counter()
    log_examples: list[str] = []
    outage_task = asyncio.create_task(outage(server, plan, tally, start + total / 2 - down / 2, down, log_events,
                                             log_examples))
    moved: list[int] = []
    watcher = asyncio.create_task(watch_loop(plan.end, tally.loop_lag_ms))
    agencies = asyncio.create_task(province(server.database_url, plan, args.status_changes_per_dossier, moved))
    connections = await asyncio.gather(*(play(c, server, tally, plan, random.Random(rng.random())) for c in counters))
    await agencies
    await watcher
    outage_figures = await outage_task
    stop.set()
    await sampler
    return {"plan": plan, "dictionaries": sorted(plan.dictionaries), "seconds": round(time.monotonic() - start, 1), "tally": tally, "app_cpu": app_cpu.seconds, "log_events": log_events, "connections": sum(connections),
            "log_examples": log_examples,
            "server_processes": len(app_cpu.seen),
            "generator_cpu": time.process_time() - own_cpu,
            "database_cpu": database_cpu.seconds, "outage": outage_figures, "status_changes": sum(moved)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--counters", type=int, default=500)
    p.add_argument("--minutes", type=float, default=10)
    p.add_argument("--workers", type=int, default=4)
    p.add_argument("--sync-seconds", type=float, default=60)
    p.add_argument("--dossiers-per-minute", type=float, default=2.0, help="per counter")
    p.add_argument("--outage-seconds", type=float, default=60)
    p.add_argument("--status-changes-per-dossier", type=float, default=1.0,
                   help="the province's status changes (feed) per dossier received; 0: a feed that never moves")
    p.add_argument("--seed", type=int, default=13)
    args = p.parse_args(argv)
    result: dict[str, Any] = {"benchmark": "sync_load", "counters": args.counters, "minutes": args.minutes,
                              "workers": args.workers, "sync_seconds": args.sync_seconds,
                              "dossiers_per_minute_per_counter": args.dossiers_per_minute,
                              "status_changes_per_dossier": args.status_changes_per_dossier}
    with PostgresServer(shared_buffers="128MB", max_connections=200) as postgres:
        url = postgres.create_database("load")
        with ServerProcess(url, workers=args.workers) as server:
            log(f"enrolling {args.counters} counters…")
            started = time.perf_counter()
            counters = enrol_counters(server, args.counters)
            result["enrol_seconds"] = round(time.perf_counter() - started, 1)
            log(f"playing {args.counters} counters for {args.minutes} min against {args.workers} workers…")
            run = asyncio.run(run_load(server, postgres, counters, args))
            server.stop()
            server_log_events(server, run["log_events"], run["log_examples"])
            db = ServerDatabase(url)
            with db.session() as s:
                stored = s.scalar(select(func.count()).select_from(Dossier)) or 0
                trained = list(s.scalars(select(SyncDictionary.id)))  # by the restarted server, in the background
            db.dispose()
    tally: Tally = run["tally"]
    plan: Plan = run["plan"]
    created = sum(c.seq for c in counters)
    sent = sum(c.sent for c in counters)
    latencies = {endpoint: summarize_ms(samples) for endpoint, samples in sorted(tally.latencies.items())}
    p95_push = latencies.get("push", {}).get("p95_ms", float("nan"))
    result.update({
        "seconds": run["seconds"], "dossiers_created": created, "dossiers_sent": sent, "dossiers_in_database": stored,
        "dossiers_lost": created - stored, "province_status_changes": run["status_changes"], "latency_ms": latencies,
        # The target's figures: the workload (both bursts and the steady minutes), not the final drain, where
        # every counter syncs at the same instant to empty its outbox so that the lost dossiers can be counted.
        "final_drain_latency_ms": {endpoint: summarize_ms(samples) for endpoint, samples
                                   in sorted(tally.drain_latencies.items())},
        "push_latency_ms_including_final_drain": summarize_ms([ms for _, ms in tally.pushes]),  # as waves 1-10 counted
        "push_latency_ms_by_phase": push_phases(tally.pushes, plan.start, plan.end, plan.back_at),
        "slow_pushes_by_ten_seconds": slow_pushes_by_ten_seconds(tally.pushes, plan.start),
        "server_back_at_second": round(plan.back_at - plan.start, 1),
        "generator_loop_lag_ms": summarize_ms(tally.loop_lag_ms), "errors": dict(tally.errors),
        "errors_during_outage": dict(tally.outage_errors), "outage": run["outage"],
        "error_examples": tally.examples, "errors_by_ten_seconds": dict(sorted(tally.by_ten_seconds.items())),
        "server_log": dict(run["log_events"]), "server_log_examples": run["log_examples"],
        "server_cpu_seconds": round(run["app_cpu"], 1), "postgresql_cpu_seconds": round(run["database_cpu"], 1),
        # supervisors + workers seen: 2 x (1 + workers) with the outage's restart; more means workers were replaced
        "server_processes_seen": run["server_processes"],
        "load_generator_cpu_seconds": round(run["generator_cpu"], 1),  # shares the machine's 2 cores with the server
        "connections_opened": run["connections"],  # a counter keeps its connection between syncs, as requests does
        # trained by the server at its restart after the outage once it holds >= 1,000 dossiers (dictionaries.py)
        "dictionaries_trained": trained, "dictionaries_used": run["dictionaries"], "pushes_with_dictionary": sum(c.pushes_with_dictionary for c in counters),
        "server_cpu_seconds_per_1000_dossiers": round(run["app_cpu"] / max(1, stored) * 1000, 2),
        "postgresql_cpu_seconds_per_1000_dossiers": round(run["database_cpu"] / max(1, stored) * 1000, 2),
        "targets": {"errors": 0, "p95_push_ms": TARGET_P95_PUSH_MS, "dossiers_lost": 0},
        "meets_target": {"errors": not tally.errors, "p95_push": p95_push < TARGET_P95_PUSH_MS,
                         "nothing_lost": created == stored == sent},
        "machine": machine(),
    })
    emit(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())

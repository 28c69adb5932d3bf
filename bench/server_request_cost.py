"""The server's fixed cost per request: CPU and SQL statements of one hello, pull and small push.

Why: under 500 counters (bench/sync_load.py) the p50 push is tens of milliseconds but the p95 is over a
second: at 08:00 and after an outage every counter syncs at once and the requests queue on 2 cores. What a
sync costs the server whatever it carries (token, guard, session, epoch row, feed head, audit head...) is
what the queue is made of, so it is measured here alone, request by request.

The app is the real one (`create_app`: guard, gzip, error layers, FastAPI), served by uvicorn in a thread of
this process on 127.0.0.1, on the tests' throw-away PostgreSQL cluster (or SQLite with --sqlite). The client is
http.client on a keep-alive connection in the main thread. Server CPU = process CPU time minus the main
thread's own (the client's) over each request; SQL statements are counted by a `before_cursor_execute` hook
on the server's engine (a COPY counts as one). Several other devices of the unit have pushed before, and the
feed holds a few changes, so the measured device is not alone in the tables.

Request types: hello; pull with nothing new; pull of a few changes; push of 1, 5 and 20 new dossiers (packed,
zstd, compact answers: as the runner sends them). Each is repeated `--repeats` times; the JSON gives the mean
CPU ms and SQL statements per request. The baseline in the same run is the health endpoint (no token, no
database: the cost of HTTP, uvicorn and the middleware alone).

    .venv/bin/python bench/server_request_cost.py [--repeats 30] [--others 8] [--sqlite] [--profile 30 --sort tottime]
"""

from __future__ import annotations

import argparse
import cProfile
import http.client
import io
import json
import os
import pstats
import random
import socket
import sys
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "tests.support.file_keyring.FileKeyring")

from _common import emit, log, machine, work_dir
from sqlalchemy import event
from sync_load import CODEC, SimulatedCounter

from counter_app.domain.codes import MAX_DESK_SLOTS
from sync.protocol import API_PREFIX
from sync.server.admin import create_unit, set_calendar_day
from sync.server.auth import enroll, new_enrollment_code
from sync.server.db import ServerDatabase
from sync.wire import encode_body

UNIT = "000.01.48.H20"
FEED_CHANGES = 5
TARGET_CPU_MS = {"hello": 2.0, "pull_empty": 2.0, "push_1": 6.0}  # what a sync may cost, request by request
MAX_REPEATS = 45  # 20-dossier pushes from one desk: 999 dossier codes a day (domain/codes.py)
JSON = {"Content-Type": "application/json"}


class StatementCounter:
    """SQL statements the server's engine sends (every thread: the guard's token check and the endpoint's)."""

    def __init__(self, db: ServerDatabase, show: bool) -> None:
        self.count = 0
        self.checkouts = 0  # connections taken from the pool (each pays pool_pre_ping's round trip)
        self.show = show
        self._lock = threading.Lock()
        event.listen(db.engine, "before_cursor_execute", self._seen)
        event.listen(db.engine, "checkout", self._checkout)

    def _seen(self, _connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        with self._lock:
            self.count += 1
        if self.show:
            log("SQL " + " ".join(statement.split())[:160])

    def _checkout(self, *_args: Any) -> None:
        with self._lock:
            self.checkouts += 1


class ThreadProfiles:
    """cProfile (CPU time) of every thread started from now on (uvicorn's loop, its worker threads), merged at the end."""

    def __init__(self) -> None:
        self.profiles: list[cProfile.Profile] = []

    def start(self) -> None:
        def begin(*_args: Any) -> None:
            profile = cProfile.Profile(time.thread_time)  # CPU of the thread, not the wall clock
            self.profiles.append(profile)
            profile.enable()

        threading.setprofile(begin)

    def report(self, sort: str, count: int) -> str:
        threading.setprofile(None)  # type: ignore[arg-type]
        out = io.StringIO()
        stats = pstats.Stats(self.profiles[0], stream=out)
        for profile in self.profiles[1:]:
            stats.add(profile)
        stats.sort_stats(sort).print_stats(count)
        return out.getvalue()


class InProcessServer:
    """uvicorn serving `app` on 127.0.0.1 from a thread of this process."""

    def __init__(self, app: Any) -> None:
        import uvicorn

        from sync.server.workers import uvicorn_options

        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.server = uvicorn.Server(uvicorn.Config(app, lifespan="on", **uvicorn_options("warning")))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True)

    def __enter__(self) -> InProcessServer:
        self.thread.start()
        while not self.server.started:
            time.sleep(0.01)
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)


class Client:
    """One keep-alive connection, as a counter holds it; each request returns (status, JSON)."""

    def __init__(self, port: int, token: str | None) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None) -> Any:
        self.connection.request(method, f"{API_PREFIX}{path}", body=body, headers={**self.headers, **(headers or {})})
        answer = self.connection.getresponse()
        data = answer.read()
        if answer.status != 200:
            raise RuntimeError(f"{method} {path}: {answer.status} {data[:300]!r}")
        return json.loads(data)


def enrolled_counters(db: ServerDatabase, count: int) -> list[SimulatedCounter]:
    now = datetime.now(UTC)
    counters = []
    with db.session() as session:
        create_unit(session, UNIT, "Đơn vị đo chi phí mỗi yêu cầu", now)
        for _ in range(count):
            code, _expires = new_enrollment_code(session, UNIT, now)
            device, token = enroll(session, code, "Quầy đo", "bench", now)
            counters.append(SimulatedCounter(unit=UNIT, slot=device.desk_slot, device_id=device.id, token=token))
        for day in range(FEED_CHANGES):
            set_calendar_day(session, f"2030-01-{day + 1:02d}", "off", "Nghỉ bù", UNIT, now)
    return counters


def hello_body(counter: SimulatedCounter) -> bytes:
    return json.dumps({"protocol_versions": [1], "schema_versions": [1], "app_version": "bench",
                       "device_epoch": counter.epoch}).encode()


def push(client: Client, counter: SimulatedCounter, dossiers: int, rng: random.Random) -> Callable[[], Any]:
    """The push of `dossiers` new dossiers, encoded now (the client's work is not the server's)."""
    for _ in range(dossiers):
        counter.receive_dossier(rng)
    document = {"batch_id": str(uuid.uuid4()), "device_epoch": counter.epoch, "ops": [],
                "packed": CODEC.pack(counter.outbox), "compact_results": True}
    counter.outbox = []
    body = encode_body(document, CODEC)
    return lambda: client.request("POST", "/sync/push", body.data, body.headers)


def measure(make: Callable[[], Callable[[], Any]], repeats: int, statements: StatementCounter) -> dict[str, float]:
    """Mean server CPU ms (process minus this thread) and SQL statements per request, over `repeats` requests."""
    cpu = 0.0
    sql = checkouts = 0
    for _ in range(repeats):
        call = make()
        before_sql, before_checkouts = statements.count, statements.checkouts
        process, thread = time.process_time(), time.thread_time()
        call()
        cpu += (time.process_time() - process) - (time.thread_time() - thread)
        sql += statements.count - before_sql
        checkouts += statements.checkouts - before_checkouts
    return {"cpu_ms": round(cpu / repeats * 1000, 3), "sql_statements": round(sql / repeats, 2),
            "pool_checkouts": round(checkouts / repeats, 2)}


def run(db: ServerDatabase, args: argparse.Namespace) -> tuple[dict[str, dict[str, float]], str]:
    from sync.server.app import create_app

    rng = random.Random(args.seed)
    counters = enrolled_counters(db, args.others + 3)
    others, measured = counters[:args.others], dict(zip((1, 5, 20), counters[args.others:], strict=True))
    me = measured[1]
    with InProcessServer(create_app(db)) as server:  # the others' pushes: not measured, not profiled
        log(f"{len(others)} other devices push {args.other_dossiers} dossiers each…")
        for other in others:
            client = Client(server.port, other.token)
            client.request("POST", "/sync/hello", hello_body(other), JSON)
            for _ in range(args.other_dossiers // 20):
                push(client, other, 20, rng)()
    profiles = ThreadProfiles()
    if args.profile:
        profiles.start()  # the threads of the server below: uvicorn's loop and its worker threads
    statements = StatementCounter(db, args.show_sql)
    with InProcessServer(create_app(db)) as server:
        clients = {size: Client(server.port, counter.token) for size, counter in measured.items()}
        for size, counter in measured.items():  # each has its epoch row and has pushed: what every later push finds
            last_seq = clients[size].request("POST", "/sync/hello", hello_body(counter), JSON)["last_change_seq"]
            push(clients[size], counter, 1, rng)()
        client, public = clients[1], Client(server.port, None)
        log(f"measuring, {args.repeats} requests of each type…")
        requests: dict[str, Callable[[], Callable[[], Any]]] = {
            "health_baseline": lambda: lambda: public.request("GET", "/health"),
            "hello": lambda: lambda: client.request("POST", "/sync/hello", hello_body(me), JSON),
            "pull_empty": lambda: lambda: client.request("GET", f"/sync/pull?after={last_seq}&limit=1000"),
            "pull_changes": lambda: lambda: client.request("GET", f"/sync/pull?after={last_seq - FEED_CHANGES}&limit=1000"),
            **{f"push_{size}": lambda size=size: push(clients[size], measured[size], size, rng) for size in (1, 5, 20)},
        }
        figures = {name: measure(make, args.repeats, statements) for name, make in requests.items()
                   if not args.only or name in args.only}
    report = profiles.report(args.sort, args.profile) if args.profile else ""
    return figures, report


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--repeats", type=int, default=30, help="requests of each type")
    p.add_argument("--others", type=int, default=6, help="other devices of the unit that pushed before (at most 7)")
    p.add_argument("--other-dossiers", type=int, default=100, help="dossiers each other device pushed")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--sqlite", action="store_true", help="SQLite, not the tests' throw-away PostgreSQL cluster")
    p.add_argument("--profile", type=int, default=0, metavar="N", help="print cProfile's N costliest functions to stderr")
    p.add_argument("--only", nargs="*", metavar="TYPE", help="only these request types (hello, pull_empty, push_1…)")
    p.add_argument("--show-sql", action="store_true", help="log every SQL statement the server sends to stderr")
    p.add_argument("--sort", default="tottime", help="cProfile order for --profile (tottime, cumulative)")
    args = p.parse_args(argv)
    if not 0 <= args.others <= MAX_DESK_SLOTS - 3:
        p.error(f"--others: 0 to {MAX_DESK_SLOTS - 3} (a unit has {MAX_DESK_SLOTS} desks; three are measured)")
    if not 1 <= args.repeats <= MAX_REPEATS:
        p.error(f"--repeats: 1 to {MAX_REPEATS} (a desk numbers at most 999 dossiers a day)")
    result: dict[str, Any] = {"benchmark": "server_request_cost", "repeats": args.repeats, "others": args.others,
                              "backend": "sqlite" if args.sqlite else "postgresql"}
    with work_dir(None, False, "bench-request-cost-") as directory:
        os.environ.setdefault("COUNTER_TEST_KEYRING_FILE", str(directory / "keyring.json"))
        postgres = None
        if args.sqlite:
            url = f"sqlite:///{directory / 'server.sqlite3'}"
        else:
            from tests.sync.postgres import PostgresServer
            postgres = PostgresServer()
            url = postgres.__enter__().create_database("request_cost")
        try:
            db = ServerDatabase.open(url)
            figures, report = run(db, args)
            db.dispose()
        finally:
            if postgres is not None:
                postgres.__exit__(None, None, None)
    if report:
        log(report)
    sync_cpu = sum(figures.get(name, {}).get("cpu_ms", 0.0) for name in ("hello", "push_1", "pull_empty"))
    result.update({
        "per_request": figures,
        "sync_of_one_dossier_cpu_ms": round(sync_cpu, 3),  # hello + push of 1 + empty pull: a counter's minute
        "target": {name: f"<= {ms} ms of server CPU" for name, ms in TARGET_CPU_MS.items()},
        "meets_target": all(figures[name]["cpu_ms"] <= ms for name, ms in TARGET_CPU_MS.items() if name in figures),
        "note": "CPU time of this process minus the client's thread; the machine is shared (load average below)",
        "machine": machine(),
    })
    emit(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())

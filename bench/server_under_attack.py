"""Twenty honest counters syncing while an attacker sends bombs and floods, against the same run without him.

Why: the province's server is reachable from public mobile networks. An attacker with nothing, or with
one stolen token, must not slow the province's counters down or blow up the server's memory
(sync/server/guard.py). Two phases in one run, on one real `provincial-server` process:

1. baseline: 20 counters (each its own unit, a real SQLite database and the app's SyncRunner) each sync
   `--rounds` times, with `--dossiers` new dossiers received (the app's intake) before each sync;
2. the same again while attackers run from the same address (127.0.0.1, as behind a carrier's NAT):
   three threads sending bombs with a stolen device token (gzip inflating to 2 GB, 7 MB of nesting,
   7 MB of schema-breaking operations), one sending bombs with made-up tokens, a hello flood with the
   stolen token, an enrolment-code brute force, and four stalled uploads re-opened as they are cut.

Figures: p50/p95/max of the honest counters' hello and push calls (ms) in each phase, failed syncs,
what the attackers got back, and the server's resident memory before and at its peak.

    .venv/bin/python bench/server_under_attack.py [--counters 20] [--rounds 5] [--dossiers 3] [--postgres]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' server harness and hostile peers
# A bench machine has no desktop keyring: keep the tokens in the tests' file backend (set in main()).
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "tests.support.file_keyring.FileKeyring")

from _common import emit, log, machine, setup_demo_unit, summarize_ms, work_dir

from counter_app.services.intake import IntakeRequest, PersonInput, receive_dossier
from counter_app.services.unit_setup import setup_unit
from counter_app.storage.database import Database
from sync.client.enrollment import enroll
from sync.client.runner import SyncRunner
from sync.client.transport import Transport
from sync.protocol import EnrollResponse
from tests.sync.harness import ServerProcess, new_unit
from tests.sync.hostile import MB, connect, exchange, gzip_bomb, head, memory_kb, read_answer

HELLO, PUSH, ENROLL = "/api/v1/sync/hello", "/api/v1/sync/push", "/api/v1/enroll"
TARGET_HELLO_P95_MS = 1_000
TARGET_MEMORY_RISE_MB = 100


class TimedTransport(Transport):
    """The app's transport, timing each call by path."""

    def __init__(self, base_url: str, token: str, samples: dict[str, list[float]]) -> None:
        super().__init__(base_url, token)
        self.samples = samples

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return super().request(method, path, **kwargs)
        finally:
            self.samples.setdefault(path, []).append((time.perf_counter() - started) * 1000)


class HonestCounter:
    def __init__(self, server: ServerProcess, directory: Path, number: int) -> None:
        unit, code = new_unit(server)
        self.db = Database.open(directory)
        setup_demo_unit(self.db)
        setup_unit(self.db, unit_code=unit, unit_name=f"Đơn vị thử {unit}", desk=1, clerk_name="Đo hiệu năng")
        enroll(self.db, server.url, code)
        self.samples: dict[str, list[float]] = {}
        self.runner = SyncRunner(self.db, directory, base_delay=0.2, max_delay=1, max_attempts=3,
                                 transport_factory=lambda url, token: TimedTransport(url, token, self.samples))
        self.number = number
        self.failures: list[str] = []

    def sync_rounds(self, rounds: int, dossiers: int) -> None:
        for round_ in range(rounds):
            for n in range(dossiers):  # received at the desk (the real intake), then synced
                person = PersonInput(full_name=f"Nguyễn Thị Thử {self.number}-{round_}-{n}", id_number="049090001234",
                                     phone="0905123456", street="12 Lê Lợi")
                receive_dossier(self.db, IntakeRequest("1.001193", person))
            report = self.runner.run_once()
            if not report.ok:
                self.failures.extend(report.errors)


def honest_phase(counters: list[HonestCounter], rounds: int, dossiers: int) -> dict[str, Any]:
    for counter in counters:
        counter.samples.clear()
        counter.failures.clear()
    started = time.perf_counter()
    threads = [threading.Thread(target=c.sync_rounds, args=(rounds, dossiers)) for c in counters]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    failures = [f for c in counters for f in c.failures]
    return {"seconds": round(time.perf_counter() - started, 2),
            "hello": summarize_ms([ms for c in counters for ms in c.samples.get("/sync/hello", [])]),
            "push": summarize_ms([ms for c in counters for ms in c.samples.get("/sync/push", [])]),
            "syncs": len(counters) * rounds, "failed_syncs": len(failures), "failures": sorted(set(failures))[:5]}


class Attack:
    """Attacker threads, each repeating its move until stopped; what came back is counted per move."""

    def __init__(self, server: ServerProcess, stolen: str, stalled_token: str) -> None:
        self.server = server
        self.stolen = {"Authorization": f"Bearer {stolen}"}
        self.stalled = {"Authorization": f"Bearer {stalled_token}"}
        self.stop = threading.Event()
        self.statuses: dict[str, Counter[str]] = {}
        gz = {"Content-Encoding": "gzip", "Content-Type": "application/json"}
        plain = {"Content-Type": "application/json"}
        op = {"op_id": "x" * 10, "seq": 1, "entity": "dossier", "entity_id": "y" * 7000, "op_type": "t",
              "schema_version": 1, "created_at": "2026-01-01T00:00:00Z", "payload": {}, "payload_hash": "a" * 64}
        self.bombs = [(gzip_bomb(b"", b"[", 2048), gz), (gzip_bomb(b"[", b"0,", 2048), gz), (b"[" * (7 * MB), plain),
                      (json.dumps({"batch_id": "b" * 10, "device_epoch": "e", "ops": [op] * 1000}).encode(), plain)]
        self.moves: list[tuple[str, Callable[[int], str]]] = [
            *((f"bombs_with_stolen_token_{n}", self.bomb_with_token) for n in range(3)),
            ("bombs_with_made_up_tokens", self.bomb_without_token),
            ("hello_flood_with_stolen_token", self.hello_flood),
            ("enrolment_code_brute_force", self.brute_force),
            *((f"stalled_upload_{n}", self.stalled_upload) for n in range(4)),
        ]

    def bomb_with_token(self, n: int) -> str:
        body, headers = self.bombs[n % len(self.bombs)]
        return str(exchange(self.server.port, "POST", PUSH, body, {**headers, **self.stolen}).status)

    def bomb_without_token(self, n: int) -> str:
        body, headers = self.bombs[n % len(self.bombs)]
        return str(exchange(self.server.port, "POST", PUSH, body, {**headers, "Authorization": f"Bearer {n:043d}"}).status)

    def hello_flood(self, _n: int) -> str:
        body = json.dumps({"protocol_versions": [1], "schema_versions": [1], "device_epoch": "flood"}).encode()
        return str(exchange(self.server.port, "POST", HELLO, body, {"Content-Type": "application/json", **self.stolen}).status)

    def brute_force(self, n: int) -> str:
        body = json.dumps({"code": f"GUESS{n:05d}"}).encode()
        return str(exchange(self.server.port, "POST", ENROLL, body, {"Content-Type": "application/json"}).status)

    def stalled_upload(self, _n: int) -> str:
        """Announces a hello and sends 10 bytes of it, then nothing: held until the server cuts it."""
        with connect(self.server.port, timeout=700) as sock:
            sock.sendall(head("POST", HELLO, {"Content-Type": "application/json", **self.stalled}, 1_000) + b'{"protoco')
            answer = read_answer(sock)
        if answer.status is None:
            time.sleep(0.1)
        return str(answer.status)

    @contextlib.contextmanager
    def running(self) -> Iterator[None]:
        def repeat(name: str, move: Callable[[int], str]) -> None:
            tally = self.statuses.setdefault(name, Counter())
            n = 0
            while not self.stop.is_set():
                try:
                    tally[move(n)] += 1
                except OSError as error:
                    tally[type(error).__name__] += 1
                n += 1

        threads = [threading.Thread(target=repeat, args=move, daemon=True) for move in self.moves]
        for thread in threads:
            thread.start()
        try:
            yield
        finally:
            self.stop.set()
            for thread in threads:
                thread.join(timeout=60)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--counters", type=int, default=20)
    p.add_argument("--rounds", type=int, default=5, help="syncs per counter in each phase")
    p.add_argument("--dossiers", type=int, default=3, help="new dossiers before each sync")
    p.add_argument("--postgres", action="store_true", help="server on the tests' throw-away PostgreSQL")
    args = p.parse_args(argv)
    result: dict[str, Any] = {"benchmark": "server_under_attack", "honest_counters": args.counters, "rounds": args.rounds,
                              "dossiers_per_sync": args.dossiers, "database": "postgresql" if args.postgres else "sqlite"}
    with work_dir(None, False, "bench-attack-") as directory, contextlib.ExitStack() as stack:
        os.environ.setdefault("COUNTER_TEST_KEYRING_FILE", str(directory / "keyring.json"))
        if args.postgres:
            from tests.sync.postgres import PostgresServer

            url = stack.enter_context(PostgresServer()).create_database("attack")
        else:
            url = f"sqlite:///{directory / 'server.sqlite'}"
        server = stack.enter_context(ServerProcess(url))
        log(f"server on {server.url}; enrolling {args.counters} counters…")
        counters = [HonestCounter(server, directory / f"counter-{n}", n) for n in range(args.counters)]
        honest_phase(counters, 1, args.dossiers)  # warm-up: first catalog pull, connections, caches
        stolen, stalled = (Transport(server.url).call("POST", "/enroll", EnrollResponse,
                                                      json_body={"code": new_unit(server)[1]}).token for _ in range(2))
        log("baseline: honest counters alone…")
        result["baseline_no_attacker"] = honest_phase(counters, args.rounds, args.dossiers)
        pid = server.process.pid  # type: ignore[union-attr]
        before = memory_kb(pid)["VmRSS"]
        attack = Attack(server, stolen, stalled)
        log("the same under attack…")
        with attack.running():
            time.sleep(1)  # the attackers get going first
            result["under_attack"] = honest_phase(counters, args.rounds, args.dossiers)
        peak = memory_kb(pid)["VmHWM"]
        result["under_attack"]["attacker_requests"] = {name: dict(tally) for name, tally in sorted(attack.statuses.items())}
        result["server_memory_mb"] = {"before_attack": round(before / 1024, 1), "peak": round(peak / 1024, 1),
                                      "rise": round((peak - before) / 1024, 1)}
        for counter in counters:
            counter.db.close()
    base, attacked = result["baseline_no_attacker"], result["under_attack"]
    result["p95_ratio_under_attack"] = {call: round(attacked[call]["p95_ms"] / base[call]["p95_ms"], 2)
                                        for call in ("hello", "push") if base[call].get("p95_ms")}
    result["target"] = {"hello_p95_under_attack_ms_max": TARGET_HELLO_P95_MS, "failed_syncs": 0,
                        "server_memory_rise_mb_max": TARGET_MEMORY_RISE_MB}
    result["meets_target"] = (attacked["hello"].get("p95_ms", 1e9) < TARGET_HELLO_P95_MS and attacked["failed_syncs"] == 0
                              and base["failed_syncs"] == 0 and result["server_memory_mb"]["rise"] < TARGET_MEMORY_RISE_MB)
    result["machine"] = machine()
    emit(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())

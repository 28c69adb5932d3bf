"""Real parts for sync tests: a provincial server in its own process, and counters on real data folders."""

from __future__ import annotations

import itertools
import json
import os
import re
import socket
import subprocess
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

from sync.server.applier_process import STARTED
from sync.server.auth import enroll, new_enrollment_code
from sync.server.db import ServerDatabase
from tests.support.cli_process import SpawnedProcess, run_command, run_counter_app

ROOT = Path(__file__).resolve().parents[2]
UNIT_A = "000.31.48.H15"
UNIT_B = "000.32.48.H15"


_LISTENING = re.compile(r"Uvicorn running on https?://\S+?:(\d+) ")
_WORKER_READY = "Application startup complete."  # each worker's line (--log-level info)
_APPLIER_STARTED = re.compile(re.escape(STARTED).replace(r"\{pid\}", r"(\d+)").replace(r"\{port\}", r"(\d+)"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def local_network_address() -> str:
    """An IPv4 address of this machine that is not loopback (the route a packet would take; none is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("198.51.100.1", 9))  # TEST-NET-2: only the routing table is consulted
        except OSError as error:
            raise RuntimeError(f"this machine has no non-loopback IPv4 route: {error}") from None
        address = probe.getsockname()[0]
    if address.startswith("127."):
        raise RuntimeError("this machine has no non-loopback IPv4 address")
    return address


class ServerProcess:
    """`provincial-server serve` as a real process on 127.0.0.1 (SQLite file or PostgreSQL URL)."""

    def __init__(self, database_url: str, port: int | None = None, serve_args: Sequence[str] = (),
                 host: str = "127.0.0.1", workers: int = 1, clock_from: datetime | None = None) -> None:
        self.database_url = database_url
        self.host = host
        self.workers = workers  # > 1: `serve --workers N`, a supervisor process and N worker processes
        self.port = port or 0  # 0: the first start takes any free port and learns which (start)
        self.serve_args = list(serve_args)  # e.g. ["--limit", "max_device_blob_bytes=5000000"]
        self.process: SpawnedProcess | None = None  # a real process, forked from tests/support/cli_process
        self.clock_from = clock_from  # the server's clock reads this at each start, then ticks (one worker only)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def admin(self, *args: str, at: datetime | None = None) -> str:
        """One `provincial-server` command on this server's database; `at` stops its clock at that instant."""
        result = run_command("provincial-server", ["--database-url", self.database_url, *args], at=at)
        assert result.returncode == 0, result.stderr
        return result.stdout

    def enrollment_code(self, unit: str, at: datetime | None = None) -> str:
        return self.admin("enrollment-code", "--unit", unit, at=at).split()[-1]

    def stats(self) -> dict[str, dict]:
        return {row["unit_code"]: row for row in json.loads(self.admin("stats", "--json"))}

    def start(self) -> ServerProcess:
        """Start the server and wait until THIS process listens. The first start binds port 0 and reads the
        port uvicorn got from its own startup line: a port picked beforehand could be taken meanwhile by a
        test running in parallel (pytest-xdist), and the health check would then be answered by a stranger.
        A restart reuses the port the clients were given."""
        if self.clock_from is not None and self.workers > 1:
            raise ValueError("spawned workers keep the machine's clock: a server with its own clock runs one worker")
        # A server whose clock the test sets applies stored pushes in a thread of its own: a spawned applier
        # process would read the machine's clock.
        own_clock = ["--applier", "thread"] if self.clock_from is not None and "--applier" not in self.serve_args else []
        self.process = SpawnedProcess("provincial-server", [
            "--database-url", self.database_url, "serve", "--host", self.host, "--port", str(self.port or 0),
            *([] if "--log-level" in self.serve_args else ["--log-level", "info"]), *self.serve_args, *own_clock,
            *(["--workers", str(self.workers)] if self.workers > 1 else [])], clock_from=self.clock_from)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.process.stdout.read() if self.process.stdout else ''}")
            with self.process.stdout as output:
                log_text = output.read()
            bound = _LISTENING.search(log_text)
            if bound is None or (self.workers > 1 and log_text.count(_WORKER_READY) < self.workers):
                time.sleep(0.05)  # with workers: until every worker has started, so each one can be killed
                continue
            self.port = int(bound.group(1))
            try:
                if requests.get(f"{self.url}/api/v1/health", timeout=1).status_code == 200:
                    return self
            except requests.ConnectionError:
                time.sleep(0.1)
        raise RuntimeError("server did not start")

    def worker_pids(self) -> list[int]:
        """The pids of the worker processes (`workers` > 1): the supervisor's spawned children that are not
        applier processes, read from /proc."""
        appliers = set(self.applier_pids())
        return [pid for pid in self._spawned_children() if pid not in appliers]

    def applier_pids(self) -> list[int]:
        """The pids of the stored-push applier processes running now (sync/server/applier_process.py), as the
        server's output names them."""
        assert self.process is not None and self.process.stdout is not None
        with self.process.stdout as output:
            named = {int(pid) for pid, _port in _APPLIER_STARTED.findall(output.read())}
        return [pid for pid in self._spawned_children() if pid in named]

    def wake_port(self) -> int:
        """The UDP port on 127.0.0.1 where the applier processes take their wakes, as the server's output names it."""
        assert self.process is not None and self.process.stdout is not None
        with self.process.stdout as output:
            named = _APPLIER_STARTED.findall(output.read())
        assert named, "no applier process has started"
        return int(named[-1][1])

    def _spawned_children(self) -> list[int]:
        assert self.process is not None
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue  # the process ended meanwhile
            if int(fields[1]) == self.process.pid and "spawn_main" in _cmdline(stat.parent):
                pids.append(int(stat.parent.name))
        return sorted(pids)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _cmdline(proc_dir: Path) -> str:
    try:
        return (proc_dir / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def backend_url(request: Any, tmp_path_factory: Any) -> str:
    """The database a module's server runs on, by the fixture's param: a fresh PostgreSQL database
    ("postgres" or "postgresql") or a new SQLite file."""
    if str(request.param).startswith("postgres"):
        return request.getfixturevalue("postgres_server").create_database()
    return f"sqlite:///{tmp_path_factory.mktemp('server') / 'server.sqlite'}"


_unit_numbers = itertools.count(10)


def new_unit(server: ServerProcess) -> tuple[str, str]:
    """A fresh unit on `server` (written to its database directly) and a one-time enrolment code for it."""
    from sync.server.admin import create_unit
    from sync.server.auth import new_enrollment_code
    from sync.server.db import ServerDatabase

    unit = f"000.{next(_unit_numbers):02d}.48.H15"
    db = ServerDatabase(server.database_url)
    try:
        with db.session() as s:
            create_unit(s, unit, f"UBND đơn vị thử {unit}", datetime.now(UTC))
        with db.session() as s:
            code, _ = new_enrollment_code(s, unit, datetime.now(UTC))
    finally:
        db.dispose()
    return unit, code


def counter_cli(data_dir: Path, *args: str, check: bool = True, env: dict[str, str] | None = None,
                at: datetime | None = None) -> subprocess.CompletedProcess[str]:
    """One `counter-app` command on `data_dir`; `at` stops its clock at that instant."""
    result = run_counter_app(["--data-dir", str(data_dir), *args], env={**os.environ, **(env or {})}, timeout=300, at=at)
    if check:
        assert result.returncode == 0, result.stderr + result.stdout
    return result


def enrolled_device(server: ServerDatabase, unit: str, slot: int) -> str:
    """A desk of `unit` enrolled straight in `server`'s database (no HTTP, no counter): its device id."""
    now = datetime.now(UTC)
    with server.session() as session:
        code, _ = new_enrollment_code(session, unit, now)
        device, _token = enroll(session, code, f"quầy {slot}", "test", now, preferred_slot=slot)
        return device.id

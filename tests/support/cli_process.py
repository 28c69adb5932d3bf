"""Start `counter-app` and `provincial-server` as real processes, without paying Python's start-up each time.

The suite starts hundreds of these processes; each spent about a second importing SQLAlchemy, pydantic,
FastAPI and the app before doing a few milliseconds of work. Here one parent process (the "zygote")
imports them once, then forks a fresh child per command. A child is a real, separate process: its own
pid, stdin, stdout and stderr (files), working folder and environment, its exit code from `main()` or
from argparse's `SystemExit`; signals reach it as they would any process, and nothing it does reaches the
parent. Only the imports are shared, the way a fork server shares them.

Two kinds of request: `run` waits for the command and answers its exit code (`counter-app intake …`,
`provincial-server stats`); `spawn` answers the child's pid at once (`provincial-server serve`), and
`poll` reaps it once it has ended. The entry points themselves (`python -m counter_app`, the GUI's
`--smoke`) are still started the ordinary way by the tests that are about them.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parents[2]
PRELOADED = ("counter_app.cli", "sync.server.cli", "sync.server.app", "uvicorn")
COMMANDS = {"counter-app": "counter_app.cli", "provincial-server": "sync.server.cli"}


def _child(request: dict[str, Any]) -> None:
    """In the forked child: wire the files to fds 0, 1 and 2, run the command, exit with its code."""
    import importlib
    import io

    os.setpgid(0, 0)  # its own process group, like a process started on its own
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_DFL)
    for fd, path, flags in ((0, request["stdin"], os.O_RDONLY), (1, request["stdout"], os.O_WRONLY | os.O_APPEND),
                            (2, request["stderr"], os.O_WRONLY | os.O_APPEND)):
        opened = os.open(path, flags)
        os.dup2(opened, fd)
        os.close(opened)
    sys.stdin = io.TextIOWrapper(io.BufferedReader(io.FileIO(0, "r", closefd=False)), encoding="utf-8")
    sys.stdout = io.TextIOWrapper(io.BufferedWriter(io.FileIO(1, "w", closefd=False)), encoding="utf-8")
    sys.stderr = io.TextIOWrapper(io.BufferedWriter(io.FileIO(2, "w", closefd=False)), encoding="utf-8",
                                  line_buffering=True)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    if request.get("clock"):
        _install_clock(request["clock"])
    code: object = 1
    try:
        code = importlib.import_module(COMMANDS[request["command"]]).main(request["argv"])
    except SystemExit as stop:  # argparse: --help, --version, bad options
        code = stop.code
    except BaseException:  # a traceback is a finding: show it like Python would
        import traceback

        traceback.print_exc()
        code = 1
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):  # the child is ending either way
                stream.flush()
    if code is None:
        code = 0
    elif not isinstance(code, int):
        print(code, file=sys.stderr)
        sys.stderr.flush()
        code = 1
    os._exit(code)


def _install_clock(clock: dict[str, str]) -> None:
    """The child's clock (counter_app.services.clock), as the test asked: stopped at an instant (one command,
    one moment) or ticking from one (a server). Only a forked child gets it; nothing in production reads this."""
    from datetime import datetime

    from counter_app.services import clock as app_clock

    at = datetime.fromisoformat(clock["at"])
    app_clock.install_clock(app_clock.stopped_at(at) if clock["kind"] == "stopped" else app_clock.ticking_from(at))


def serve() -> None:
    """The zygote's loop: one JSON request per line on stdin, one JSON answer per line on stdout."""
    import importlib

    for module in PRELOADED:
        importlib.import_module(module)
    control_in = os.fdopen(os.dup(0), "rb", buffering=0)
    control_out = os.fdopen(os.dup(1), "wb", buffering=0)
    spawned: set[int] = set()
    try:
        while line := _read_line(control_in):
            request = json.loads(line)
            if request["kind"] == "poll":
                answer = _poll(request["pid"], spawned)
            else:
                pid = os.fork()
                if pid == 0:
                    control_in.close()
                    control_out.close()
                    _child(request)
                if request["kind"] == "spawn":
                    spawned.add(pid)
                    answer = {"pid": pid}
                else:
                    answer = {"returncode": os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])}
            control_out.write((json.dumps(answer) + "\n").encode())
    finally:
        for pid in spawned:  # the suite ended (or died): no server outlives it
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)


def _poll(pid: int, spawned: set[int]) -> dict[str, Any]:
    if pid not in spawned:
        return {"returncode": None, "unknown": True}
    done, status = os.waitpid(pid, os.WNOHANG)
    if done == 0:
        return {"returncode": None}
    spawned.discard(pid)
    return {"returncode": os.waitstatus_to_exitcode(status)}


def _read_line(stream: IO[bytes]) -> bytes:
    """One line, read a byte at a time so nothing is buffered when the zygote forks."""
    chunks = bytearray()
    while byte := stream.read(1):
        chunks += byte
        if byte == b"\n":
            break
    return bytes(chunks)


class Zygote:
    """The client side: starts the zygote on first use; one request at a time."""

    def __init__(self) -> None:
        self._process: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()

    def ask(self, request: dict[str, Any], timeout: float) -> dict[str, Any]:
        with self._lock:
            process = self._start()
            assert process.stdin is not None
            process.stdin.write((json.dumps(request) + "\n").encode())
            process.stdin.flush()
            return _read_answer(process, timeout)

    def _start(self) -> subprocess.Popen[bytes]:
        if self._process is None or self._process.poll() is not None:
            self._process = subprocess.Popen(
                [sys.executable, "-c", "from tests.support.cli_process import serve; serve()"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=ROOT, env=dict(os.environ),
            )
            atexit.register(self.close)
        return self._process

    def close(self) -> None:
        if self._process is not None and self._process.poll() is None:
            assert self._process.stdin is not None
            self._process.stdin.close()
            self._process.wait(timeout=10)
        self._process = None


def _read_answer(process: subprocess.Popen[bytes], timeout: float) -> dict[str, Any]:
    """The zygote's answer line; a command still running after `timeout` seconds is a failure."""
    result: list[bytes] = []
    stdout = process.stdout
    assert stdout is not None
    reader = threading.Thread(target=lambda: result.append(stdout.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    if not result or not result[0]:
        process.kill()
        raise TimeoutError(f"the command did not finish within {timeout} s (or the zygote died)")
    return json.loads(result[0])


ZYGOTE = Zygote()


def _request(kind: str, command: str, argv: list[str], folder: str, *, input: str | None, cwd: Path,
             env: dict[str, str] | None, stderr_to_stdout: bool = False,
             clock: dict[str, str] | None = None) -> dict[str, Any]:
    paths = {name: str(Path(folder) / name) for name in ("stdin", "stdout", "stderr")}
    if stderr_to_stdout:
        paths["stderr"] = paths["stdout"]
    Path(paths["stdin"]).write_text(input or "", encoding="utf-8")
    Path(paths["stdout"]).touch()
    Path(paths["stderr"]).touch()
    return {"kind": kind, "command": command, "argv": argv, "cwd": str(cwd),
            "env": env if env is not None else dict(os.environ), "clock": clock, **paths}


def run_command(command: str, argv: list[str], *, input: str | None = None, cwd: Path = ROOT,
                env: dict[str, str] | None = None, timeout: float = 120,
                at: datetime | None = None) -> subprocess.CompletedProcess[str]:
    """Like `subprocess.run([command, *argv], capture_output=True, text=True)`; see the module docstring.
    `at`: the command's clock is stopped at that instant (what it records, prints and checks happens then)."""
    clock = None if at is None else {"kind": "stopped", "at": at.isoformat()}
    with tempfile.TemporaryDirectory(prefix="cmd-") as folder:
        request = _request("run", command, argv, folder, input=input, cwd=cwd, env=env, clock=clock)
        answer = ZYGOTE.ask(request, timeout)
        return subprocess.CompletedProcess(
            [command, *argv], answer["returncode"],
            Path(request["stdout"]).read_text(encoding="utf-8"), Path(request["stderr"]).read_text(encoding="utf-8"),
        )


def run_counter_app(argv: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """One `counter-app` command as its own process."""
    return run_command("counter-app", argv, **kwargs)


class SpawnedProcess:
    """A long-running child (a server), with the part of `subprocess.Popen` the tests use: pid, poll,
    wait, terminate, kill, and its output (stdout and stderr together) as `stdout` once it has ended."""

    def __init__(self, command: str, argv: list[str], *, cwd: Path = ROOT, env: dict[str, str] | None = None,
                 clock_from: datetime | None = None) -> None:
        """`clock_from`: the child's clock reads that instant at its start and ticks from there (a server
        started a minute before office midnight). Worker processes of `serve --workers N` are spawned, not
        forked, and keep the machine's clock: give a clock to one-process servers only."""
        self._folder = tempfile.TemporaryDirectory(prefix="spawned-")
        clock = None if clock_from is None else {"kind": "ticking", "at": clock_from.isoformat()}
        request = _request("spawn", command, argv, self._folder.name, input=None, cwd=cwd, env=env,
                           stderr_to_stdout=True, clock=clock)
        self._log = Path(request["stdout"])
        self.pid: int = ZYGOTE.ask(request, 30)["pid"]
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            self.returncode = ZYGOTE.ask({"kind": "poll", "pid": self.pid}, 30)["returncode"]
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(f"pid {self.pid}", timeout or 0)
            time.sleep(0.02)
        assert self.returncode is not None
        return self.returncode

    def send_signal(self, sig: int) -> None:
        if self.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, sig)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    @property
    def stdout(self) -> IO[str]:
        """What the process printed so far (read it after it ended for the whole of it)."""
        return self._log.open(encoding="utf-8")

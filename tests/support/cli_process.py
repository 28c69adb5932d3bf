"""Run `counter-app` as a real process, without paying Python's start-up for each command.

A command line test starts hundreds of `counter-app` processes; each spent about one second importing
SQLAlchemy, pydantic and the app before doing a few milliseconds of work. Here one parent process (the
"zygote") imports `counter_app.cli` once, then forks a fresh child per command. The child is a real,
separate process: its own stdin, stdout and stderr (files), its own working folder and environment,
its exit code from `main()` or from argparse's `SystemExit`, and nothing it does reaches the parent.
Only the imports are shared, the way a fork server shares them.

The entry point itself (`python -m counter_app`) is still started the ordinary way by the tests that
are about it (tests/cli/test_cli_help.py).
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parents[2]


def _child(request: dict[str, Any], stdin_path: str, stdout_path: str, stderr_path: str) -> None:
    """In the forked child: wire the files to fds 0, 1 and 2, run the command, exit with its code."""
    import io

    for fd, path, flags in ((0, stdin_path, os.O_RDONLY), (1, stdout_path, os.O_WRONLY), (2, stderr_path, os.O_WRONLY)):
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
    code: object = 1
    try:
        from counter_app.cli import main

        code = main(request["argv"])
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


def serve() -> None:
    """The zygote's loop: one JSON request per line on stdin, one JSON answer per line on stdout."""
    import counter_app.cli  # noqa: F401 - the point: import once, fork many

    control_in = os.fdopen(os.dup(0), "rb", buffering=0)
    control_out = os.fdopen(os.dup(1), "wb", buffering=0)
    while True:
        line = _read_line(control_in)
        if not line:
            return
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            control_in.close()
            control_out.close()
            _child(request, request["stdin"], request["stdout"], request["stderr"])
        _, status = os.waitpid(pid, 0)
        control_out.write((json.dumps({"returncode": os.waitstatus_to_exitcode(status)}) + "\n").encode())


def _read_line(stream: IO[bytes]) -> bytes:
    """One line, read a byte at a time so nothing is buffered when the zygote forks."""
    chunks = bytearray()
    while True:
        byte = stream.read(1)
        if not byte:
            return bytes(chunks)
        chunks += byte
        if byte == b"\n":
            return bytes(chunks)


class CliProcesses:
    """The client side: starts the zygote on first use and runs one command at a time through it."""

    def __init__(self) -> None:
        self._zygote: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        self._env: dict[str, str] | None = None

    def _start(self) -> subprocess.Popen[bytes]:
        if self._zygote is None or self._zygote.poll() is not None:
            self._env = dict(os.environ)
            self._zygote = subprocess.Popen(
                [sys.executable, "-c", "from tests.support.cli_process import serve; serve()"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=ROOT, env=self._env,
            )
            atexit.register(self.close)
        return self._zygote

    def run(self, argv: list[str], *, input: str | None = None, cwd: Path = ROOT,
            env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """Like `subprocess.run([python, -m, counter_app, *argv], capture_output=True, text=True)`."""
        with self._lock, tempfile.TemporaryDirectory(prefix="cli-") as folder:
            paths = {name: str(Path(folder) / name) for name in ("stdin", "stdout", "stderr")}
            Path(paths["stdin"]).write_text(input or "", encoding="utf-8")
            Path(paths["stdout"]).touch()
            Path(paths["stderr"]).touch()
            zygote = self._start()
            request = {"argv": argv, "cwd": str(cwd), "env": env if env is not None else dict(os.environ), **paths}
            assert zygote.stdin is not None and zygote.stdout is not None
            zygote.stdin.write((json.dumps(request) + "\n").encode())
            zygote.stdin.flush()
            answer = _read_answer(zygote, timeout)
            return subprocess.CompletedProcess(
                [sys.executable, "-m", "counter_app", *argv], answer["returncode"],
                Path(paths["stdout"]).read_text(encoding="utf-8"), Path(paths["stderr"]).read_text(encoding="utf-8"),
            )

    def close(self) -> None:
        if self._zygote is not None and self._zygote.poll() is None:
            assert self._zygote.stdin is not None
            self._zygote.stdin.close()
            self._zygote.wait(timeout=10)
        self._zygote = None


def _read_answer(zygote: subprocess.Popen[bytes], timeout: float) -> dict[str, Any]:
    """The zygote's answer line; a command still running after `timeout` seconds is a failure."""
    result: list[bytes] = []
    assert zygote.stdout is not None
    reader = threading.Thread(target=lambda: result.append(zygote.stdout.readline()), daemon=True)  # type: ignore[union-attr]
    reader.start()
    reader.join(timeout)
    if not result or not result[0]:
        zygote.kill()
        raise TimeoutError(f"counter-app did not finish within {timeout} s (or its parent died)")
    return json.loads(result[0])


CLI = CliProcesses()


def run_counter_app(argv: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """Run one `counter-app` command as its own process; see the module docstring."""
    return CLI.run(argv, **kwargs)

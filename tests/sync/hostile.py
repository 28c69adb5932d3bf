"""Real hostile peers for the sync tests: raw HTTP clients that send bombs, stall or come from another
address, a hostile HTTP server that answers the counter with bombs, and memory readings of processes.

Nothing here patches the code under test: the attacks travel over real sockets on 127.0.0.x (Linux
routes the whole 127/8 block to loopback, so 127.0.0.2 is "another address" for the server).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zlib
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.conftest import UNIT_CODE, UNIT_NAME

GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
MB = 1 << 20


def gzip_bomb(head: bytes, unit: bytes, megabytes: int, tail: bytes = b"") -> bytes:
    """A valid gzip body inflating to `head` + `megabytes` MB of `unit` repeated + `tail`, at ~1,000:1.

    Each MB is deflated once after a full flush (which resets the compressor), so its compressed form is
    the same every time and is simply repeated: a 2 GB bomb is built in a second.
    """
    block = unit * (MB // len(unit))
    deflate = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    first = deflate.compress(head) + deflate.flush(zlib.Z_FULL_FLUSH)
    repeated = deflate.compress(block) + deflate.flush(zlib.Z_FULL_FLUSH)
    last = deflate.compress(tail) + deflate.flush()
    crc = zlib.crc32(head)
    for _ in range(megabytes):
        crc = zlib.crc32(block, crc)
    crc = zlib.crc32(tail, crc)
    size = len(head) + megabytes * len(block) + len(tail)
    return GZIP_HEADER + first + repeated * megabytes + last + struct.pack("<II", crc, size & 0xFFFFFFFF)


@dataclass
class Answer:
    status: int | None  # None: the server closed the connection without a response
    headers: dict[str, str]
    body: bytes

    def error(self) -> dict[str, str]:
        """The project's error body: {"error": {"code", "message"}} and nothing else."""
        document = json.loads(self.body)
        assert set(document) == {"error"}, document
        assert set(document["error"]) == {"code", "message"}, document
        return document["error"]


def connect(port: int, source: str = "127.0.0.1", timeout: float = 60) -> socket.socket:
    sock = socket.socket()
    sock.settimeout(timeout)
    sock.bind((source, 0))
    sock.connect(("127.0.0.1", port))
    return sock


def head(method: str, path: str, headers: dict[str, str], length: int | None) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", *(f"{k}: {v}" for k, v in headers.items())]
    if length is not None:
        lines.append(f"Content-Length: {length}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def read_answer(sock: socket.socket) -> Answer:
    response = http.client.HTTPResponse(sock)
    try:
        response.begin()
        return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
    except (ConnectionError, http.client.HTTPException):
        return Answer(None, {}, b"")


def exchange(port: int, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None,
             source: str = "127.0.0.1") -> Answer:
    """One request over a fresh connection, sent the way an attacker sends it: the whole body, without
    waiting; the answer is read meanwhile, so a server that answers before reading is heard."""
    with connect(port, source) as sock:
        def push() -> None:
            with contextlib.suppress(OSError):
                sock.sendall(head(method, path, headers or {}, len(body)) + body)

        sender = threading.Thread(target=push, daemon=True)
        sender.start()
        answer = read_answer(sock)
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sender.join(30)
        return answer


# -- memory of a process -------------------------------------------------------------------------------


def memory_kb(pid: int) -> dict[str, int]:
    """VmRSS (resident now) and VmHWM (the peak since the process started), in kB."""
    fields: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0])
    return fields


@dataclass
class Finished:
    returncode: int
    stdout: str
    stderr: str
    peak_rss_mb: float


# A child forked from a big process inherits its resident pages in ru_maxrss (Linux keeps the old memory's
# high-water mark across exec), so the process is started by a small wrapper that reports its peak.
_WRAPPER = """
import os, subprocess, sys
child = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(child.pid, 0)
with open(sys.argv[1], "w") as report:
    report.write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status))
"""


def run_measured(args: list[str], *, cwd: Path, env: dict[str, str] | None = None, timeout: float = 300) -> Finished:
    """Runs a process to its end and reports its own peak resident memory (ru_maxrss, via the wrapper)."""
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "maxrss"
        out, err = Path(folder) / "out", Path(folder) / "err"
        with open(os.devnull, "rb") as stdin, out.open("wb") as stdout, err.open("wb") as stderr:
            process = subprocess.Popen([sys.executable, "-c", _WRAPPER, str(report), *args], cwd=cwd, env=env,
                                       stdin=stdin, stdout=stdout, stderr=stderr, start_new_session=True)
            try:
                returncode = process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                raise
        return Finished(returncode, out.read_text("utf-8", "replace"), err.read_text("utf-8", "replace"),
                        int(report.read_text()) / 1024)


# -- a hostile provincial server -------------------------------------------------------------------------

GZIP_BOMB = "gzip_bomb"  # 2 MB of gzip that inflates to 2 GB
HUGE_PLAIN = "huge_plain"  # announces 1 GB and sends it
ENDLESS_CHUNKED = "endless_chunked"  # chunk after chunk, never a last one
DEEP_JSON = "deep_json"  # 10 MB of "[" with a 200 and application/json
ATTACKS = (GZIP_BOMB, HUGE_PLAIN, ENDLESS_CHUNKED, DEEP_JSON)


class HostileServer:
    """A real HTTP server on 127.0.0.1: enrolment is answered properly (any code), every other request
    with `attack`. Counts the attacks it served."""

    def __init__(self, attack: str) -> None:
        self.attack = attack
        self.served = 0
        self._bomb = gzip_bomb(b"", b"[", 2048) if attack == GZIP_BOMB else b""
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args: object) -> None:
                pass

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                outer.answer(self)

            def do_GET(self) -> None:
                outer.answer(self)

            do_HEAD = do_GET

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        if handler.path.endswith("/enroll"):
            body = json.dumps({"device_id": str(uuid.uuid4()), "token": "t" * 43, "unit_code": UNIT_CODE,
                               "unit_name": UNIT_NAME, "desk_slot": 1, "server_epoch": str(uuid.uuid4())}).encode()
            self._send(handler, 200, {"Content-Length": str(len(body))}, body)
            return
        self.served += 1
        with contextlib.suppress(OSError):
            if self.attack == GZIP_BOMB:
                self._send(handler, 200, {"Content-Encoding": "gzip", "Content-Length": str(len(self._bomb))}, self._bomb)
            elif self.attack == DEEP_JSON:
                body = b"[" * (10 * MB)
                self._send(handler, 200, {"Content-Length": str(len(body))}, body)
            elif self.attack == HUGE_PLAIN:
                self._send(handler, 200, {"Content-Length": str(1024 * MB)}, b"")
                piece = b" " * (64 * 1024)
                for _ in range(1024 * MB // len(piece)):
                    handler.wfile.write(piece)
            else:
                self._send(handler, 200, {"Transfer-Encoding": "chunked"}, b"")
                piece = b"10000\r\n" + b"{" * 0x10000 + b"\r\n"
                deadline = time.monotonic() + 600
                while time.monotonic() < deadline:
                    handler.wfile.write(piece)

    @staticmethod
    def _send(handler: BaseHTTPRequestHandler, status: int, headers: dict[str, str], body: bytes) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        if body:
            handler.wfile.write(body)

    def __enter__(self) -> HostileServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

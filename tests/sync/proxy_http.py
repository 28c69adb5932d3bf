"""HTTP/1.1 as the fault proxy reads and writes it (tests/sync/faultproxy.py): a socket that counts every byte
and paces what it sends, request and response heads, and chunked bodies kept byte for byte.

Every read is bounded (`MAX_HEAD`, `IO_TIMEOUT`), so a stuck or hostile peer ends its connection (`Cut`)
rather than a thread's life.
"""

from __future__ import annotations

import contextlib
import select
import socket
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tests.sync.fault_kinds import Link

if TYPE_CHECKING:
    from tests.sync.faultproxy import FaultProxy

MAX_HEAD = 64 * 1024
IO_TIMEOUT = 60.0  # an idle or stuck socket is given up after this; keeps every thread's life bounded
SLICE_SECONDS = 0.05  # pacing granularity under a bandwidth cap


class Cut(Exception):
    """The proxy decided to (or had to) end this client connection now."""


class Conn:
    """A socket with a read buffer that counts every byte crossing it and respects pacing and stop."""

    def __init__(self, proxy: FaultProxy, sock: socket.socket, side: str) -> None:
        self.proxy = proxy
        self.sock = sock
        self.side = side  # "client" or "upstream"
        self.buf = bytearray()
        self.eof = False
        self.received = 0  # this connection's own totals, for the per-request records
        self.sent = 0
        sock.settimeout(IO_TIMEOUT)
        # No Nagle: a head and a body sent separately must not wait for a delayed ACK (40 ms each).
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _fill(self) -> bool:
        if self.eof:
            return False
        try:
            data = self.sock.recv(65536)
        except (OSError, TimeoutError):
            data = b""
        if not data:
            self.eof = True
            return False
        self.proxy._count(f"bytes_from_{self.side}", len(data))
        self.received += len(data)
        self.buf += data
        return True

    def read_head(self) -> bytes | None:
        """Bytes up to and including the blank line; None on a clean close before any byte."""
        while True:
            end = self.buf.find(b"\r\n\r\n")
            if end >= 0:
                head = bytes(self.buf[: end + 4])
                del self.buf[: end + 4]
                return head
            if len(self.buf) > MAX_HEAD:
                raise Cut("head too large")
            if not self._fill():
                if self.buf:
                    raise Cut("closed mid-head")
                return None

    def read_line(self) -> bytes:
        while True:
            end = self.buf.find(b"\r\n")
            if end >= 0:
                line = bytes(self.buf[: end + 2])
                del self.buf[: end + 2]
                return line
            if len(self.buf) > MAX_HEAD or not self._fill():
                raise Cut("bad chunk framing")

    def read_some(self, limit: int) -> bytes:
        if not self.buf and not self._fill():
            raise Cut(f"{self.side} closed mid-body")
        data = bytes(self.buf[:limit])
        del self.buf[:limit]
        return data

    def read_exact(self, n: int) -> bytes:
        out = bytearray()
        while len(out) < n:
            out += self.read_some(n - len(out))
        return bytes(out)

    def read_to_eof(self) -> bytes:
        while self._fill():
            pass
        data = bytes(self.buf)
        self.buf.clear()
        return data

    def send(self, data: bytes, link: Link | None = None) -> None:
        """Send everything, paced by `link` if given; counts only what really went out."""
        counter = "bytes_to_client" if self.side == "client" else "bytes_to_upstream"
        if link is None:
            pieces = [data]
        else:
            step = max(1, int(link.rate * SLICE_SECONDS))
            pieces = [data[i : i + step] for i in range(0, len(data), step)]
        for piece in pieces:
            if link is not None:
                self.proxy._sleep_until(link.reserve(len(piece)))
            # Counted before it leaves, so a test that has just received it already sees it counted.
            self.proxy._count(counter, len(piece))
            self.sent += len(piece)
            try:
                self.sock.sendall(piece)
            except (OSError, TimeoutError) as exc:
                raise Cut(f"{self.side} send failed: {exc}") from exc

    def is_stale(self) -> bool:
        """True if the peer closed (or sent junk) while the connection sat idle: do not reuse it."""
        if self.buf or self.eof:
            return True
        try:
            readable, _, _ = select.select([self.sock], [], [], 0)
        except (OSError, ValueError):
            return True
        return bool(readable)

    def close(self) -> None:
        self.proxy._forget(self.sock)
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(OSError):
            self.sock.close()


@dataclass
class Head:
    raw: bytes
    first_line: str
    headers: list[tuple[str, str]]

    def get(self, name: str) -> str | None:
        name = name.lower()
        for key, value in self.headers:
            if key.lower() == name:
                return value.strip()
        return None

    def has_token(self, name: str, token: str) -> bool:
        value = self.get(name) or ""
        return token in [part.strip().lower() for part in value.split(",")]


def parse_head(raw: bytes) -> Head:
    lines = raw.decode("latin-1").split("\r\n")
    headers = []
    for line in lines[1:]:
        if not line:
            continue
        key, sep, value = line.partition(":")
        if not sep:
            raise Cut(f"malformed header line {line!r}")
        headers.append((key.strip(), value))
    return Head(raw, lines[0], headers)


def drain_body(conn: Conn, chunked: bool, length: int | None) -> None:
    """Take a request body that will not be forwarded, so the client is not cut off mid-send."""
    if chunked:
        read_chunked(conn)
    else:
        conn.read_exact(length or 0)


def read_chunked(conn: Conn) -> bytes:
    """A chunked body, framing and trailers included, exactly as received."""
    out = bytearray()
    while True:
        line = conn.read_line()
        out += line
        try:
            size = int(line.split(b";", 1)[0].strip(), 16)
        except ValueError as exc:
            raise Cut("bad chunk size") from exc
        if size == 0:
            while True:
                trailer = conn.read_line()
                out += trailer
                if trailer == b"\r\n":
                    return bytes(out)
        out += conn.read_exact(size + 2)

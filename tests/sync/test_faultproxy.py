"""The fault proxy does what the sync scenarios rely on, checked against a real HTTP server.

Each sync failure test trusts the proxy to drop, cut, lie or slow down exactly as asked; if the proxy
quietly forwarded a "dropped" request, those tests would pass while proving nothing. So each fault is
checked here from both ends: what the `requests` client sees and what the upstream server handled.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from tests.sync.faultproxy import (
    BANDWIDTH,
    DELAY,
    DISCONNECT_AFTER_BYTES,
    DROP_AFTER_FORWARD,
    DROP_BEFORE_FORWARD,
    HTML_200,
    STATUS_502,
    TRUNCATE_RESPONSE,
    FaultProxy,
)

TIMEOUT = 10


class Upstream(ThreadingHTTPServer):
    """A tiny real HTTP/1.1 server that records what it fully handled and what bodies it got."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.handled: list[tuple[str, str]] = []
        self.partial_bodies: list[int] = []  # bytes received by requests whose body never completed
        self.connections: set[tuple[str, int]] = set()

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def count(self, path_prefix: str = "") -> int:
        with self.lock:
            return sum(1 for _, path in self.handled if path.startswith(path_prefix))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # head and body are separate writes; no 40 ms delayed-ACK stall
    server: Upstream

    def log_message(self, format: str, *args: object) -> None:  # keep the test output clean
        pass

    def _body(self) -> bytes | None:
        length = int(self.headers.get("Content-Length") or 0)
        body = bytearray()
        while len(body) < length:
            piece = self.rfile.read(min(65536, length - len(body)))
            if not piece:
                with self.server.lock:
                    self.server.partial_bodies.append(len(body))
                self.close_connection = True
                return None
            body += piece
        return bytes(body)

    def _reply(self, status: int, body: bytes, ctype: str = "application/json", head_only: bool = False) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head_only:
            self.wfile.write(body)

    def _done(self) -> None:
        with self.server.lock:
            self.server.handled.append((self.command, self.path))
            self.server.connections.add(self.client_address)

    def do_GET(self) -> None:
        self._done()
        if self.path.startswith("/chunked"):
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for part in (b"xin ", b"ch\xc3\xa0o", b"!"):
                self.wfile.write(f"{len(part):x}\r\n".encode() + part + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
            return
        size = int(self.path.partition("n=")[2] or 100)
        self._reply(200, bytes(i % 251 for i in range(size)), "application/octet-stream")

    def do_HEAD(self) -> None:
        self._done()
        self.send_response(200)
        self.send_header("Upload-Offset", "1234")
        self.send_header("Content-Length", "999")  # what a GET would carry; a HEAD sends no body
        self.end_headers()

    def do_POST(self) -> None:
        body = self._body()
        if body is None:
            return
        self._done()
        reply = {"len": len(body), "sha256": hashlib.sha256(body).hexdigest(),
                 "encoding": self.headers.get("Content-Encoding")}
        self._reply(200, json.dumps(reply).encode())

    do_PATCH = do_POST


@pytest.fixture
def upstream() -> Iterator[Upstream]:
    server = Upstream()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture
def proxy(upstream: Upstream) -> Iterator[FaultProxy]:
    with FaultProxy(upstream.port, seed=7) as p:
        yield p
    assert p.alive_threads() == 0, "the proxy left threads running after stop()"


@pytest.fixture
def session() -> Iterator[requests.Session]:
    with requests.Session() as s:
        yield s


def test_relays_bodies_untouched_over_keep_alive(proxy: FaultProxy, upstream: Upstream,
                                                 session: requests.Session) -> None:
    """Without faults the proxy is invisible: gzip bytes, HEAD, chunked and binary bodies, one connection."""
    payload = gzip.compress(json.dumps({"ops": ["Nguyễn Văn Đức"] * 200}).encode())
    r = session.post(f"{proxy.url}/api/v1/sync/push", data=payload,
                     headers={"Content-Encoding": "gzip", "Content-Type": "application/json"}, timeout=TIMEOUT)
    assert r.status_code == 200
    assert r.json() == {"len": len(payload), "sha256": hashlib.sha256(payload).hexdigest(), "encoding": "gzip"}

    head = session.head(f"{proxy.url}/blobs/abc", timeout=TIMEOUT)
    assert head.status_code == 200 and head.headers["Upload-Offset"] == "1234" and head.content == b""

    assert session.get(f"{proxy.url}/chunked", timeout=TIMEOUT).content == "xin chào!".encode()
    data = session.get(f"{proxy.url}/data?n=70000", timeout=TIMEOUT).content
    assert data == bytes(i % 251 for i in range(70000))

    stats = proxy.stats()
    assert stats.connections == 1, "keep-alive: all four requests should share one client connection"
    assert len(upstream.connections) == 1, "and one upstream connection"
    assert stats.requests_seen == stats.requests_forwarded == stats.responses_relayed == 4
    assert upstream.count() == 4
    assert stats.faults_fired == {}
    assert [rec.status for rec in stats.requests] == [200, 200, 200, 200]


def test_counts_wire_bytes_exactly(proxy: FaultProxy) -> None:
    """Byte counts are what crossed the client's link, headers included (scenario 25's 1.3x budget)."""
    body = b"x" * 500
    request = (b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 500\r\nConnection: close\r\n\r\n" + body)
    with socket.create_connection(("127.0.0.1", proxy.port), timeout=TIMEOUT) as sock:
        sock.sendall(request)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    assert received.startswith(b"HTTP/1.1 200")
    stats = proxy.stats()
    assert stats.bytes_from_client == len(request)
    assert stats.bytes_to_client == len(received)
    assert stats.wire_bytes == len(request) + len(received)
    assert stats.requests[0].request_bytes == len(request)
    assert stats.requests[0].response_bytes == len(received)

    proxy.reset_stats()
    assert proxy.stats().wire_bytes == 0 and proxy.stats().requests == []


def test_drop_before_forward_server_never_sees_it(proxy: FaultProxy, upstream: Upstream,
                                                  session: requests.Session) -> None:
    proxy.add_fault(DROP_BEFORE_FORWARD, times=1)
    with pytest.raises(requests.ConnectionError):
        session.post(f"{proxy.url}/push", data=b"{}", timeout=TIMEOUT)
    assert upstream.count() == 0
    # Only the next request was dropped; the retry goes through.
    assert session.post(f"{proxy.url}/push", data=b"{}", timeout=TIMEOUT).status_code == 200
    assert upstream.count() == 1
    stats = proxy.stats()
    assert stats.faults_fired == {DROP_BEFORE_FORWARD: 1}
    assert stats.faults_forwarded == {}
    assert stats.requests_seen == 2 and stats.requests_forwarded == 1


def test_drop_after_forward_server_handled_but_client_gets_nothing(
        proxy: FaultProxy, upstream: Upstream, session: requests.Session) -> None:
    """Scenario 2: the server committed, the response was lost."""
    proxy.add_fault(DROP_AFTER_FORWARD, times=1)
    with pytest.raises(requests.ConnectionError):
        session.post(f"{proxy.url}/push", data=b'{"batch_id": 1}', timeout=TIMEOUT)
    assert upstream.count("/push") == 1
    assert proxy.stats().faults_forwarded == {DROP_AFTER_FORWARD: 1}
    assert proxy.stats().bytes_to_client == 0


def test_status_502_is_html_and_not_forwarded(proxy: FaultProxy, upstream: Upstream,
                                              session: requests.Session) -> None:
    proxy.add_fault(STATUS_502, times=2)
    for _ in range(2):
        r = session.post(f"{proxy.url}/push", data=b"{}", timeout=TIMEOUT)
        assert r.status_code == 502
        assert r.headers["Content-Type"].startswith("text/html") and b"Bad Gateway" in r.content
    assert upstream.count() == 0
    assert session.post(f"{proxy.url}/push", data=b"{}", timeout=TIMEOUT).status_code == 200
    assert proxy.stats().connections == 1, "a 502 keeps the connection alive, like nginx"


def test_html_200_is_a_captive_portal_page(proxy: FaultProxy, upstream: Upstream,
                                           session: requests.Session) -> None:
    """Scenario 6: a 200 that is not an acknowledgement."""
    proxy.add_fault(HTML_200)
    r = session.post(f"{proxy.url}/api/v1/sync/push", json={"batch_id": "b1"}, timeout=TIMEOUT)
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/html")
    assert "Wi-Fi" in r.text
    with pytest.raises(ValueError):
        r.json()
    assert upstream.count() == 0


def test_truncated_response_is_an_error_for_the_client(proxy: FaultProxy, upstream: Upstream,
                                                       session: requests.Session) -> None:
    proxy.add_fault(TRUNCATE_RESPONSE, times=1, keep_bytes=1000)
    with pytest.raises((requests.exceptions.ChunkedEncodingError, requests.ConnectionError)):
        session.get(f"{proxy.url}/data?n=5000", timeout=TIMEOUT)
    assert upstream.count() == 1
    record = proxy.stats().requests[0]
    assert record.faults == (TRUNCATE_RESPONSE,) and record.forwarded
    assert 1000 < record.response_bytes < 5000  # the head plus 1000 body bytes


def test_path_prefix_and_method_select_requests(proxy: FaultProxy, upstream: Upstream,
                                                session: requests.Session) -> None:
    proxy.add_fault(STATUS_502, path_prefix="/api/v1/sync/push", method="POST")
    assert session.post(f"{proxy.url}/api/v1/sync/hello", json={}, timeout=TIMEOUT).status_code == 200
    assert session.post(f"{proxy.url}/api/v1/sync/push", json={}, timeout=TIMEOUT).status_code == 502
    assert session.get(f"{proxy.url}/api/v1/sync/push?n=5", timeout=TIMEOUT).status_code == 200
    assert upstream.count("/api/v1/sync/push") == 1  # only the GET
    proxy.clear_faults()
    assert session.post(f"{proxy.url}/api/v1/sync/push", json={}, timeout=TIMEOUT).status_code == 200


def test_probability_is_reproducible_with_a_seed(upstream: Upstream) -> None:
    """The same seed gives the same fault pattern, so a failing random scenario can be replayed."""
    patterns = []
    for _ in range(2):
        with FaultProxy(upstream.port, seed=1234) as p, requests.Session() as s:
            p.add_fault(STATUS_502, probability=0.5)
            patterns.append([s.get(f"{p.url}/data?n=10", timeout=TIMEOUT).status_code for _ in range(30)])
            assert p.stats().faults_fired[STATUS_502] == patterns[-1].count(502)
    assert patterns[0] == patterns[1]
    assert 5 <= patterns[0].count(502) <= 25
    assert upstream.count() == 2 * patterns[0].count(200)


def test_delay_applies_each_way(proxy: FaultProxy, session: requests.Session) -> None:
    proxy.add_fault(DELAY, seconds=0.3, times=1)
    start = time.monotonic()
    assert session.get(f"{proxy.url}/data?n=10", timeout=TIMEOUT).status_code == 200
    assert time.monotonic() - start >= 0.6
    assert session.get(f"{proxy.url}/data?n=10", timeout=TIMEOUT).status_code == 200
    assert [rec.faults for rec in proxy.stats().requests] == [(DELAY,), ()]  # only the next request


def test_bandwidth_caps_throughput_both_ways(proxy: FaultProxy, upstream: Upstream,
                                             session: requests.Session) -> None:
    """64 kbit/s with 300 ms latency: 20 KB up plus 20 KB down cannot take less than ~5.6 s."""
    rate, latency = 8000, 0.3
    proxy.add_fault(BANDWIDTH, rate=rate, latency=latency)
    up = bytes(range(256)) * 80  # 20,480 bytes
    start = time.monotonic()
    r = session.post(f"{proxy.url}/upload", data=up, timeout=30)
    assert r.json()["sha256"] == hashlib.sha256(up).hexdigest()
    down = session.get(f"{proxy.url}/data?n=20000", timeout=30).content
    elapsed = time.monotonic() - start
    assert len(down) == 20000

    stats = proxy.stats()
    assert stats.bytes_from_client > 20_480 and stats.bytes_to_client > 20_000
    minimum = (stats.bytes_to_upstream + stats.bytes_to_client) / rate + 4 * latency
    assert elapsed >= 0.95 * minimum, (elapsed, minimum)
    assert upstream.count() == 2


def test_disconnect_after_bytes_cuts_the_upload(proxy: FaultProxy, upstream: Upstream,
                                                session: requests.Session) -> None:
    """Scenario 26: the link dies mid-blob; the server got exactly the first N bytes and no request."""
    proxy.add_fault(DISCONNECT_AFTER_BYTES, after_bytes=30_000, times=1, path_prefix="/blobs/")
    blob = b"\x89PNG" + bytes(100_000)
    # A short request on the same path does not use up the fault (its body is below the cut).
    assert session.patch(f"{proxy.url}/blobs/abc", data=b"tiny", timeout=TIMEOUT).status_code == 200
    with pytest.raises(requests.ConnectionError):
        session.patch(f"{proxy.url}/blobs/abc", data=blob, timeout=TIMEOUT)
    deadline = time.monotonic() + 5
    while not upstream.partial_bodies and time.monotonic() < deadline:
        time.sleep(0.02)
    assert upstream.partial_bodies == [30_000]
    assert upstream.count() == 1  # only the tiny one
    assert proxy.stats().faults_fired == {DISCONNECT_AFTER_BYTES: 1}
    # The link is back for the retry.
    assert session.patch(f"{proxy.url}/blobs/abc", data=blob, timeout=TIMEOUT).json()["len"] == len(blob)


def test_killed_upstream_gives_502(upstream: Upstream, session: requests.Session) -> None:
    """A server that is down looks like it does behind nginx: 502, and the proxy keeps running."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead_port = probe.getsockname()[1]  # nothing listens here once the probe is closed
    with FaultProxy(dead_port) as proxy:
        r = session.post(f"{proxy.url}/push", data=b"{}", timeout=TIMEOUT)
        assert r.status_code == 502 and b"Bad Gateway" in r.content
        assert proxy.stats().requests_forwarded == 0
        assert session.post(f"{proxy.url}/push", data=b"{}", timeout=TIMEOUT).status_code == 502


def test_stop_closes_open_connections(upstream: Upstream) -> None:
    """A stuck scenario cannot outlive its test: stop() ends slow transfers and idle connections."""
    proxy = FaultProxy(upstream.port).start()
    proxy.add_fault(BANDWIDTH, rate=100)  # 100 B/s: this GET would take minutes
    errors: list[BaseException] = []

    def slow_get() -> None:
        try:
            requests.get(f"{proxy.url}/data?n=50000", timeout=30)
        except requests.RequestException as exc:
            errors.append(exc)

    idle = socket.create_connection(("127.0.0.1", proxy.port), timeout=5)
    worker = threading.Thread(target=slow_get, daemon=True)
    worker.start()
    time.sleep(0.5)
    start = time.monotonic()
    proxy.stop()
    worker.join(5)
    assert time.monotonic() - start < 5
    assert not worker.is_alive() and len(errors) == 1
    assert proxy.alive_threads() == 0
    assert idle.recv(1) == b""  # closed by the proxy
    idle.close()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", proxy.port), timeout=1).close()

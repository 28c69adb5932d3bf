"""A fault-injecting HTTP/1.1 reverse proxy for the sync tests (sync-anchors.md section 7).

The counter talks to the provincial server through real links that drop, stall, lie and cut. This proxy
sits on 127.0.0.1 between the client (`requests`) and a real server and misbehaves on command, so the
tests exercise the real client and server code over real sockets; nothing is mocked.

Bodies are relayed as opaque bytes (gzip stays gzip). Keep-alive works on both sides: one upstream
connection per client connection, reused while both ends allow it.

    with FaultProxy(upstream_port) as proxy:
        proxy.add_fault(DROP_AFTER_FORWARD, times=1, path_prefix="/api/v1/sync/push")
        proxy.add_fault(BANDWIDTH, rate=8000, latency=0.3)
        requests.post(proxy.url + "/api/v1/sync/push", ...)
        proxy.stats().faults_fired[DROP_AFTER_FORWARD]

The fault kinds and what each does: tests/sync/fault_kinds.py; the HTTP reading and writing:
tests/sync/proxy_http.py.
"""

from __future__ import annotations

import contextlib
import random
import socket
import threading
import time
import zlib
from types import TracebackType

import zstandard

from tests.sync.fault_kinds import (
    BAD_GATEWAY_HTML,
    BANDWIDTH,
    CAPTIVE_PORTAL_HTML,
    DELAY,
    DISCONNECT_AFTER_BYTES,
    DROP_AFTER_FORWARD,
    DROP_BEFORE_FORWARD,
    FAULTS,
    HTML_200,
    REFUSE_BODY,
    REFUSED_HTML,
    SHAPING_FAULTS,
    STATUS_502,
    TERMINAL_FAULTS,
    TRUNCATE_RESPONSE,
    FaultRule,
    Link,
    ProxyStats,
    RequestRecord,
    json_error,
)
from tests.sync.proxy_http import IO_TIMEOUT, Conn, Cut, Head, drain_body, parse_head, read_chunked

# The fault kinds and records stay importable from here, where the tests have always taken them.
__all__ = ["BANDWIDTH", "DELAY", "DISCONNECT_AFTER_BYTES", "DROP_AFTER_FORWARD", "DROP_BEFORE_FORWARD", "FAULTS",
           "HTML_200", "REFUSE_BODY", "SHAPING_FAULTS", "STATUS_502", "TERMINAL_FAULTS", "TRUNCATE_RESPONSE",
           "FaultProxy", "FaultRule", "ProxyStats", "RequestRecord"]

MAX_RECORDS = 20_000  # requests kept in the stats (bounded memory in long soak scenarios)


class FaultProxy:
    """The proxy: listens on 127.0.0.1:`port` (0 = any free one), forwards to upstream_host:upstream_port."""

    def __init__(
        self, upstream_port: int, *, upstream_host: str = "127.0.0.1", port: int = 0, seed: int = 0
    ) -> None:
        self.upstream = (upstream_host, upstream_port)
        self._requested_port = port
        self.port: int | None = None
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self._stats = ProxyStats()
        self._stop = threading.Event()
        self._listener: socket.socket | None = None
        self._threads: set[threading.Thread] = set()
        self._sockets: set[socket.socket] = set()
        self._accept_thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Base URL the client should use instead of the server's."""
        if self.port is None:
            raise RuntimeError("proxy not started")
        return f"http://127.0.0.1:{self.port}"

    # -- fault control (thread-safe, any time) ---------------------------------------------------
    def add_fault(
        self,
        fault: str,
        *,
        times: int | None = None,
        path_prefix: str | None = None,
        method: str | None = None,
        probability: float = 1.0,
        seconds: float = 0.0,
        rate: int = 0,
        down_rate: int = 0,
        latency: float = 0.0,
        after_bytes: int = 0,
        keep_bytes: int | None = None,
        body_contains: bytes = b"",
        status: int = 500,
        error_code: str = "",
    ) -> FaultRule:
        """Arm a fault; `times`, `path_prefix`, `method` and `probability` (seeded RNG) say which requests;
        a bandwidth cap paces both directions at `rate` bytes per second, or the answers at `down_rate`."""
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; one of {sorted(FAULTS)}")
        if not 0.0 <= probability <= 1.0:
            raise ValueError("probability must be within [0, 1]")
        if times is not None and times < 1:
            raise ValueError("times must be >= 1 (or None for every matching request)")
        if fault == BANDWIDTH and rate <= 0:
            raise ValueError("bandwidth needs rate > 0 (bytes per second)")
        if fault == DISCONNECT_AFTER_BYTES and after_bytes < 0:
            raise ValueError("after_bytes must be >= 0")
        if fault == REFUSE_BODY and not body_contains:
            raise ValueError("refuse_body needs body_contains")
        rule = FaultRule(
            fault=fault, times=times, path_prefix=path_prefix, method=method.upper() if method else None,
            probability=probability, seconds=seconds, rate=rate, latency=latency, after_bytes=after_bytes,
            keep_bytes=keep_bytes, body_contains=body_contains, status=status,
            error_code=error_code,
        )
        if fault == BANDWIDTH:
            rule.up, rule.down = Link(rate), Link(down_rate or rate)
        with self._lock:
            self._rules.append(rule)
        return rule

    def remove_fault(self, rule: FaultRule) -> None:
        with self._lock:
            if rule in self._rules:
                self._rules.remove(rule)

    def clear_faults(self) -> None:
        with self._lock:
            self._rules.clear()

    def stats(self) -> ProxyStats:
        """A consistent snapshot (copies), safe to keep while traffic goes on."""
        with self._lock:
            s = self._stats
            return ProxyStats(
                connections=s.connections, requests_seen=s.requests_seen,
                requests_forwarded=s.requests_forwarded, responses_relayed=s.responses_relayed,
                bytes_from_client=s.bytes_from_client, bytes_to_client=s.bytes_to_client,
                bytes_to_upstream=s.bytes_to_upstream, bytes_from_upstream=s.bytes_from_upstream,
                faults_fired=dict(s.faults_fired), faults_forwarded=dict(s.faults_forwarded),
                requests=[RequestRecord(**vars(r)) for r in s.requests],
            )

    def reset_stats(self) -> None:
        with self._lock:
            self._stats = ProxyStats()

    # -- life cycle ------------------------------------------------------------------------------
    def start(self) -> FaultProxy:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self._requested_port))
        listener.listen(64)
        listener.settimeout(0.2)
        self._listener = listener
        self.port = int(listener.getsockname()[1])
        self._stop.clear()
        self._accept_thread = threading.Thread(target=self._accept_loop, name="faultproxy-accept", daemon=True)
        self._accept_thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Close the listener and every open connection, then wait (bounded) for the threads to end."""
        self._stop.set()
        if self._listener is not None:
            with contextlib.suppress(OSError):
                self._listener.close()
        with self._lock:
            sockets = list(self._sockets)
            threads = list(self._threads)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                sock.close()
        deadline = time.monotonic() + timeout
        for thread in [*threads, self._accept_thread]:
            if thread is not None:
                thread.join(max(0.0, deadline - time.monotonic()))

    def alive_threads(self) -> int:
        """Proxy threads still running (0 after stop(): nothing leaks into the next test)."""
        with self._lock:
            threads = list(self._threads)
        if self._accept_thread is not None:
            threads.append(self._accept_thread)
        return sum(1 for t in threads if t.is_alive())

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- internals -------------------------------------------------------------------------------
    def _count(self, name: str, n: int) -> None:
        with self._lock:
            setattr(self._stats, name, getattr(self._stats, name) + n)

    def _forget(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.discard(sock)

    def _sleep_until(self, deadline: float) -> None:
        remaining = deadline - time.monotonic()
        if remaining > 0 and self._stop.wait(remaining):
            raise Cut("proxy stopping")

    def _sleep(self, seconds: float) -> None:
        if seconds > 0:
            self._sleep_until(time.monotonic() + seconds)

    def _accept_loop(self) -> None:
        assert self._listener is not None
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                break
            thread = threading.Thread(target=self._serve, args=(client,), name="faultproxy-conn", daemon=True)
            with self._lock:
                if self._stop.is_set():
                    client.close()
                    break
                self._sockets.add(client)
                self._threads.add(thread)
                self._stats.connections += 1
            thread.start()

    def _serve(self, client_sock: socket.socket) -> None:
        client = Conn(self, client_sock, "client")
        upstream: Conn | None = None
        try:
            while not self._stop.is_set():
                upstream, keep = self._one_request(client, upstream)
                if not keep:
                    break
        except Cut:
            pass
        finally:
            client.close()
            if upstream is not None:
                upstream.close()
            with self._lock:
                self._threads.discard(threading.current_thread())

    def _select_rules(self, method: str, path: str, body_length: int | None, body: bytes | None = None) -> list[FaultRule]:
        """The rules that fire for this request; consumes their `times` and the seeded RNG.

        `body` (inflated) is known only when a refuse_body rule wanted it read first; without it those
        rules never fire."""
        chosen: list[FaultRule] = []
        terminal = False
        with self._lock:
            for rule in list(self._rules):
                if rule.fault == REFUSE_BODY and (body is None or rule.body_contains not in body):
                    continue
                if rule.path_prefix is not None and not path.startswith(rule.path_prefix):
                    continue
                if rule.method is not None and rule.method != method:
                    continue
                if rule.fault in TERMINAL_FAULTS and terminal:
                    continue
                if rule.fault == DISCONNECT_AFTER_BYTES and (body_length is None or body_length <= rule.after_bytes):
                    continue
                if rule.probability < 1.0 and self._rng.random() >= rule.probability:
                    continue
                rule.fired += 1
                if rule.times is not None and rule.fired >= rule.times:
                    self._rules.remove(rule)
                terminal = terminal or rule.fault in TERMINAL_FAULTS
                chosen.append(rule)
                self._stats.faults_fired[rule.fault] = self._stats.faults_fired.get(rule.fault, 0) + 1
        return chosen

    def _wants_body(self, method: str, path: str) -> bool:
        """Whether an armed refuse_body rule may apply to this request (its body must be read first)."""
        with self._lock:
            return any(rule.fault == REFUSE_BODY and (rule.path_prefix is None or path.startswith(rule.path_prefix))
                       and (rule.method is None or rule.method == method) for rule in self._rules)

    def _answer(
        self, client: Conn, record: RequestRecord, method: str, status: int, reason: str, ctype: str,
        page: bytes, keep: bool, link: Link | None,
    ) -> None:
        """A response the proxy makes up itself (502 page, captive portal)."""
        response = (
            f"HTTP/1.1 {status} {reason}\r\nContent-Type: {ctype}\r\nContent-Length: {len(page)}\r\n"
            f"Connection: {'keep-alive' if keep else 'close'}\r\n\r\n"
        ).encode() + (b"" if method == "HEAD" else page)
        record.status = status
        record.response_bytes = len(response)
        client.send(response, link)

    def _one_request(self, client: Conn, upstream: Conn | None) -> tuple[Conn | None, bool]:
        """Relay (or sabotage) one request; returns the upstream to reuse and whether to keep the client."""
        before_in = client.received - len(client.buf)
        head_raw = client.read_head()
        if head_raw is None:
            return upstream, False
        head = parse_head(head_raw)
        parts = head.first_line.split(" ")
        if len(parts) != 3:
            raise Cut(f"bad request line {head.first_line!r}")
        method, target, version = parts
        path = target
        if "://" in path:  # absolute-form: match on the path only
            path = "/" + path.split("://", 1)[1].partition("/")[2]
        chunked = head.has_token("Transfer-Encoding", "chunked")
        length = None if chunked else int(head.get("Content-Length") or 0)
        body: bytes | None = None
        if self._wants_body(method, path):
            body = read_chunked(client) if chunked else client.read_exact(length or 0)
        rules = self._select_rules(method, path, length, _inflated(body, head) if body is not None else None)
        faults = tuple(r.fault for r in rules)
        terminal = next((r for r in rules if r.fault in TERMINAL_FAULTS), None)
        record = RequestRecord(method, target, faults)
        with self._lock:
            self._stats.requests_seen += 1
            self._stats.requests.append(record)
            if len(self._stats.requests) > MAX_RECORDS:  # bounded memory in long soak scenarios
                del self._stats.requests[: MAX_RECORDS // 10]
        delay = sum(r.seconds for r in rules if r.fault == DELAY)
        latency = sum(r.latency for r in rules if r.fault == BANDWIDTH)
        up_link = next((r.up for r in rules if r.fault == BANDWIDTH), None)
        down_link = next((r.down for r in rules if r.fault == BANDWIDTH), None)
        client_keep = version == "HTTP/1.1" and not head.has_token("Connection", "close")

        def finish_in() -> None:
            record.request_bytes = client.received - len(client.buf) - before_in

        # Faults that never reach the server: take the whole request first, as a real middlebox would.
        if terminal is not None and terminal.fault in (DROP_BEFORE_FORWARD, STATUS_502, HTML_200, REFUSE_BODY):
            if body is None:
                drain_body(client, chunked, length)
            finish_in()
            self._sleep(delay + latency)
            if terminal.fault == DROP_BEFORE_FORWARD:
                raise Cut("drop_before_forward")
            if terminal.fault == STATUS_502:
                self._answer(client, record, method, 502, "Bad Gateway", "text/html", BAD_GATEWAY_HTML,
                             client_keep, down_link)
            elif terminal.fault == REFUSE_BODY and terminal.error_code:
                self._answer(client, record, method, terminal.status, "Refused", "application/json",
                             json_error(terminal.error_code), client_keep, down_link)
            elif terminal.fault == REFUSE_BODY:
                self._answer(client, record, method, terminal.status, "Refused", "text/html", REFUSED_HTML,
                             client_keep, down_link)
            else:
                self._answer(client, record, method, 200, "OK", "text/html; charset=utf-8",
                             CAPTIVE_PORTAL_HTML, client_keep, down_link)
            return upstream, client_keep

        # Forward the request.
        self._sleep(delay + latency)
        if upstream is not None and upstream.is_stale():
            upstream.close()
            upstream = None
        if upstream is None:
            try:
                sock = socket.create_connection(self.upstream, timeout=IO_TIMEOUT)
            except OSError:
                # The server is down (killed in a test): answer as nginx would, after taking the body.
                if body is None:
                    drain_body(client, chunked, length)
                finish_in()
                self._answer(client, record, method, 502, "Bad Gateway", "text/html", BAD_GATEWAY_HTML,
                             client_keep, down_link)
                return None, client_keep
            with self._lock:
                self._sockets.add(sock)
            upstream = Conn(self, sock, "upstream")
        upstream.send(head_raw, up_link)
        if body is not None:
            upstream.send(body, up_link)
        elif chunked:
            upstream.send(read_chunked(client), up_link)
        else:
            remaining = length or 0
            cut_at = terminal.after_bytes if terminal and terminal.fault == DISCONNECT_AFTER_BYTES else None
            sent = 0
            while remaining > 0:
                want = remaining if cut_at is None else min(remaining, cut_at - sent)
                if want == 0:
                    finish_in()
                    upstream.close()
                    raise Cut("disconnect_after_bytes")
                piece = client.read_some(min(want, 65536))
                upstream.send(piece, up_link)
                sent += len(piece)
                remaining -= len(piece)
        finish_in()
        with self._lock:
            self._stats.requests_forwarded += 1
            for fault in faults:
                self._stats.faults_forwarded[fault] = self._stats.faults_forwarded.get(fault, 0) + 1
        record.forwarded = True

        # Read the whole response (informational 1xx heads included) before deciding what the client gets.
        response = bytearray()
        while True:
            resp_raw = upstream.read_head()
            if resp_raw is None:
                raise Cut("upstream closed without a response")
            resp = parse_head(resp_raw)
            status = int(resp.first_line.split(" ")[1])
            response += resp_raw
            if not 100 <= status < 200 or status == 101:
                break
        record.status = status
        head_len = len(response)
        upstream_keep = not resp.has_token("Connection", "close") and resp.first_line.startswith("HTTP/1.1")
        if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
            pass
        elif resp.has_token("Transfer-Encoding", "chunked"):
            response += read_chunked(upstream)
        elif resp.get("Content-Length") is not None:
            response += upstream.read_exact(int(resp.get("Content-Length") or 0))
        else:
            response += upstream.read_to_eof()
            upstream_keep = False
        if not upstream_keep:
            upstream.close()
            upstream = None
            client_keep = False

        if terminal is not None and terminal.fault == DROP_AFTER_FORWARD:
            raise Cut("drop_after_forward")
        self._sleep(delay + latency)
        if terminal is not None and terminal.fault == TRUNCATE_RESPONSE:
            body_len = len(response) - head_len
            keep = body_len // 2 if terminal.keep_bytes is None else min(terminal.keep_bytes, body_len)
            record.response_bytes = head_len + keep
            client.send(bytes(response[: head_len + keep]), down_link)
            raise Cut("truncate_response")
        # Recorded before sending, so a test that has just received the response sees it counted.
        record.response_bytes = len(response)
        with self._lock:
            self._stats.responses_relayed += 1
        try:
            client.send(bytes(response), down_link)
        except Cut:
            with self._lock:
                self._stats.responses_relayed -= 1
            raise
        return upstream, client_keep


def _inflated(body: bytes, head: Head) -> bytes:
    """The body as the server would read it (a gzip or dictionary-less zstd body inflated; framing of a chunked
    one kept). A zstd body made with the province's dictionary stays opaque, as it would to a firewall."""
    encoding = (head.get("Content-Encoding") or "").lower()
    if encoding == "gzip":
        with contextlib.suppress(OSError, EOFError, zlib.error):
            return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(body, 64 * 1024 * 1024)
    if encoding == "zstd":
        with contextlib.suppress(zstandard.ZstdError):
            return zstandard.ZstdDecompressor().decompress(body, max_output_size=64 * 1024 * 1024)
    return body



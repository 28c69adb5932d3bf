"""The fault proxy's vocabulary (tests/sync/faultproxy.py): the fault kinds, the rules that arm them, the
pages the proxy answers with, and what it records of each request.

Faults (at most one *terminal* fault applies to a request: the first matching rule in the order added;
every matching *shaping* fault, delay and bandwidth, applies as well):

- drop_before_forward: read the request, close the client connection; the server never sees it.
- drop_after_forward: forward, read the whole response (the server committed), close without answering.
- status_502: answer 502 Bad Gateway with an HTML page, without forwarding.
- html_200: answer 200 text/html with a captive-portal page, without forwarding.
- truncate_response: forward, send the response head with its Content-Length but only `keep_bytes` of the
  body (default: half), then close.
- disconnect_after_bytes: forward the head and the first `after_bytes` body bytes, then cut both
  connections; matches only requests whose Content-Length is larger than `after_bytes`.
- (no fault) the upstream refuses connections (its process was killed): answer 502, as nginx would.
- refuse_body: read the whole request body (inflated if gzip) and, if it contains `body_contains`, answer
  `status` with an HTML page without forwarding, as a web application firewall in front of the server
  does (or a server failing on one record); a request whose body does not match is forwarded untouched.
  With `error_code`, the answer is the server's own JSON error (`{"error": {"code", "message"}}`) instead,
  as a server that refuses the body's form would send it.
- delay: sleep `seconds` before forwarding the request and again before sending the response.
- bandwidth: one-way `latency` in each direction and throughput capped at `rate` bytes/s both ways,
  paced in small slices; requests matching the same rule share that link, like one 2G modem.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field

DROP_BEFORE_FORWARD = "drop_before_forward"
DROP_AFTER_FORWARD = "drop_after_forward"
STATUS_502 = "status_502"
HTML_200 = "html_200"
TRUNCATE_RESPONSE = "truncate_response"
DISCONNECT_AFTER_BYTES = "disconnect_after_bytes"
REFUSE_BODY = "refuse_body"
DELAY = "delay"
BANDWIDTH = "bandwidth"

TERMINAL_FAULTS = frozenset(
    {DROP_BEFORE_FORWARD, DROP_AFTER_FORWARD, STATUS_502, HTML_200, TRUNCATE_RESPONSE, DISCONNECT_AFTER_BYTES,
     REFUSE_BODY}
)
SHAPING_FAULTS = frozenset({DELAY, BANDWIDTH})
FAULTS = TERMINAL_FAULTS | SHAPING_FAULTS

BAD_GATEWAY_HTML = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)
REFUSED_HTML = b"<html><body><h1>Request refused</h1></body></html>\r\n"
CAPTIVE_PORTAL_HTML = (
    "<!DOCTYPE html>\n<html lang=\"vi\"><head><meta charset=\"utf-8\"><title>Đăng nhập Wi-Fi</title></head>\n"
    "<body><h1>Chào mừng đến với Wi-Fi miễn phí</h1>\n"
    "<form method=\"post\" action=\"/login\"><p>Vui lòng xem quảng cáo và đăng nhập để tiếp tục.</p>\n"
    "<input name=\"phone\" placeholder=\"Số điện thoại\"><button>Kết nối</button></form></body></html>\n"
).encode()


@dataclass
class Link:
    """One direction of a shaped link: bytes leave no faster than `rate` per second, across all users."""

    rate: int
    next_free: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reserve(self, nbytes: int) -> float:
        """Book airtime for nbytes and return the monotonic time at which they have been sent."""
        with self.lock:
            start = max(time.monotonic(), self.next_free)
            self.next_free = start + nbytes / self.rate
            return self.next_free


@dataclass
class FaultRule:
    """One fault and when it applies; add_fault() builds these, remove_fault() takes them back."""

    fault: str
    times: int | None = None  # fires for the next N matching requests; None: until removed
    path_prefix: str | None = None
    method: str | None = None
    probability: float = 1.0
    seconds: float = 0.0  # delay
    rate: int = 0  # bandwidth, bytes per second
    latency: float = 0.0  # bandwidth, one way
    after_bytes: int = 0  # disconnect_after_bytes
    keep_bytes: int | None = None  # truncate_response; None: half the body
    body_contains: bytes = b""  # refuse_body
    status: int = 500  # refuse_body
    error_code: str = ""  # refuse_body: answer the server's JSON error with this code instead of HTML
    fired: int = 0
    up: Link | None = None
    down: Link | None = None


@dataclass
class RequestRecord:
    """What happened to one request, for assertions and for debugging a failed scenario."""

    method: str
    path: str
    faults: tuple[str, ...]
    forwarded: bool = False
    status: int | None = None  # the upstream's status, or the one the proxy invented
    request_bytes: int = 0
    response_bytes: int = 0


@dataclass
class ProxyStats:
    """Counts since start or the last reset_stats(); bytes are as on the wire, headers included."""

    connections: int = 0
    requests_seen: int = 0
    requests_forwarded: int = 0
    responses_relayed: int = 0
    bytes_from_client: int = 0
    bytes_to_client: int = 0
    bytes_to_upstream: int = 0
    bytes_from_upstream: int = 0
    faults_fired: dict[str, int] = field(default_factory=dict)
    faults_forwarded: dict[str, int] = field(default_factory=dict)
    requests: list[RequestRecord] = field(default_factory=list)

    @property
    def wire_bytes(self) -> int:
        """Everything the client's link carried, both directions."""
        return self.bytes_from_client + self.bytes_to_client


def json_error(code: str) -> bytes:
    message = f"Máy chủ từ chối dữ liệu gửi lên ({code})."
    return json.dumps({"error": {"code": code, "message": message}}, ensure_ascii=False).encode("utf-8")

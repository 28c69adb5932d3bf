"""HTTP to the provincial server, with the checks that keep a bad network from faking success.

Only a JSON body that parses into the expected protocol model counts as an answer: a captive portal's
`200` HTML page, a truncated body or a proxy's 502 are all *transient* failures that leave the outbox
untouched and are retried later. Bytes on the wire are counted for the journal and the benchmarks.
What is read back is bounded like the server bounds what it reads (sync/bounded.py): bytes on the wire,
bytes after gzip, the JSON's shape, and time; a bomb or an endless answer is a transient error.
"""

from __future__ import annotations

import email.utils
import gzip
import json
import time
from datetime import UTC
from typing import Any, TypeVar

import requests
import urllib3
from pydantic import BaseModel, ValidationError

from counter_app import __version__
from counter_app.domain.errors import DomainError
from counter_app.services.clock import utc_now
from sync import bounded
from sync.protocol import API_PREFIX

M = TypeVar("M", bound=BaseModel)
CONNECT_TIMEOUT = 10
READ_TIMEOUT = 60  # between two reads
# What the counter reads back, whatever the server (or a hostile network) sends: a pull page of 1,000
# catalog entries is ~2 MB of JSON and ~60,000 values.
MAX_RESPONSE_BYTES = 16_000_000  # on the wire
MAX_RESPONSE_INFLATED_BYTES = 32_000_000
MAX_RESPONSE_INFLATE_RATIO = 200  # checked past 1 MB
RESPONSE_DEADLINE_SECONDS = 600  # a whole answer, however it trickles
READ_STEP = 64 * 1024
RESPONSE_BOUNDS = bounded.JsonBounds(max_bytes=MAX_RESPONSE_INFLATED_BYTES, max_depth=64, max_items=20_000,
                                     max_values=500_000)
ERROR_BOUNDS = bounded.JsonBounds(max_bytes=64_000, max_depth=8, max_items=100, max_values=1_000)


class SyncError(DomainError):
    """A sync step failed; `transient` ones are retried, the others need a person."""

    transient = True

    def __init__(self, message: str, *, code: str = "", status: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


class TransientError(SyncError):
    transient = True


class PermanentError(SyncError):
    transient = False


class TooLarge(PermanentError):
    """413: the batch must be split (or the single operation is too large for the server)."""


def _body_size(request: requests.PreparedRequest) -> int:
    body = request.body
    if body is None:
        return 0
    return len(body) if isinstance(body, bytes | bytearray) else len(str(body).encode())


class Transport:
    def __init__(self, base_url: str, token: str | None = None, *, session: requests.Session | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.http = session or requests.Session()
        self.http.headers["User-Agent"] = f"counter-app/{__version__}"
        self.http.headers["Accept-Encoding"] = "gzip"  # the only encoding _read_capped inflates
        self.bytes_sent = 0
        self.bytes_received = 0
        self.clock_skew_seconds: float | None = None

    def close(self) -> None:
        self.http.close()

    # -- low level -------------------------------------------------------------------------------

    def request(self, method: str, path: str, *, json_body: Any = None, data: bytes | None = None,
                headers: dict[str, str] | None = None, params: dict[str, Any] | None = None,
                gzip_body: bool = False) -> requests.Response:
        all_headers = dict(headers or {})
        if self.token:
            all_headers["Authorization"] = f"Bearer {self.token}"
        if json_body is not None:
            data = json.dumps(json_body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
            all_headers["Content-Type"] = "application/json"
            if gzip_body:
                data = gzip.compress(data, compresslevel=6)
                all_headers["Content-Encoding"] = "gzip"
        try:
            response = self.http.request(method, f"{self.base_url}{API_PREFIX}{path}", data=data, headers=all_headers,
                                         params=params, timeout=(CONNECT_TIMEOUT, READ_TIMEOUT), stream=True)
            try:
                wire_size = _read_capped(response)  # all of it now: a truncated body raises here
            finally:
                response.close()  # back to the pool when read to the end; dropped when abandoned
        except requests.exceptions.SSLError as error:
            raise PermanentError(f"Lỗi chứng chỉ bảo mật khi kết nối máy chủ tỉnh: {error}", code="tls") from None
        except (requests.exceptions.ConnectionError, requests.exceptions.Timeout,
                requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError,
                urllib3.exceptions.HTTPError) as error:
            raise TransientError(f"Không kết nối được máy chủ tỉnh: {network_cause(error)}.", code="network") from None
        self.bytes_sent += _body_size(response.request) + sum(len(k) + len(v) + 4 for k, v in response.request.headers.items())
        self.bytes_received += wire_size + sum(len(k) + len(v) + 4 for k, v in response.headers.items())
        self._read_clock(response)
        return response

    def _read_clock(self, response: requests.Response) -> None:
        stamp = response.headers.get("Date")
        if not stamp:
            return
        try:
            server_time = email.utils.parsedate_to_datetime(stamp)
        except (TypeError, ValueError):
            return
        if server_time.tzinfo is None:
            server_time = server_time.replace(tzinfo=UTC)
        self.clock_skew_seconds = (utc_now() - server_time).total_seconds()

    # -- checked JSON calls --------------------------------------------------------------------------

    def call(self, method: str, path: str, model: type[M], **kwargs: Any) -> M:
        response = self.request(method, path, **kwargs)
        return parse_response(response, model)


def network_cause(error: BaseException) -> str:
    """Why a request never got an answer, in words a clerk can act on (never an exception's class name)."""
    chain: list[BaseException] = []
    seen: BaseException | None = error
    while seen is not None and len(chain) < 8:
        chain.append(seen)
        seen = getattr(seen, "reason", None) or seen.__cause__ or seen.__context__
        if seen in chain:
            break
    text = " ".join(str(item) for item in chain).lower()
    if any(isinstance(item, urllib3.exceptions.NameResolutionError) for item in chain) or (
        "name or service not known" in text or "nodename nor servname" in text or "getaddrinfo failed" in text
        or "temporary failure in name resolution" in text
    ):
        return "không tìm thấy tên máy chủ (sai địa chỉ, hoặc máy chưa có mạng/DNS)"
    if any(isinstance(item, ConnectionRefusedError) for item in chain) or "connection refused" in text \
            or "actively refused" in text:
        return "máy chủ từ chối kết nối (sai cổng, hoặc chương trình máy chủ chưa chạy)"
    if isinstance(error, requests.exceptions.ConnectTimeout) or any(
        isinstance(item, urllib3.exceptions.ConnectTimeoutError) for item in chain
    ):
        return f"máy chủ không phản hồi sau {CONNECT_TIMEOUT:g} giây (mạng chậm, tường lửa chặn, hoặc sai địa chỉ)"
    if isinstance(error, requests.exceptions.Timeout) or "timed out" in text:
        return "máy chủ nhận kết nối nhưng không trả lời kịp (mạng chậm hoặc máy chủ đang quá tải)"
    if "network is unreachable" in text or "no route to host" in text:
        return "máy tính không có đường mạng tới máy chủ (kiểm tra dây mạng, wifi hoặc 4G)"
    if isinstance(error, requests.exceptions.ChunkedEncodingError | requests.exceptions.ContentDecodingError) or (
        "connection reset" in text or "connection aborted" in text or "remote end closed" in text
    ):
        return "kết nối bị ngắt giữa chừng (mạng chập chờn); sẽ thử lại"
    return "kết nối mạng bị lỗi (kiểm tra địa chỉ máy chủ và đường mạng)"


def _read_capped(response: requests.Response) -> int:
    """Reads the answer as sent (still compressed) and inflates it as it comes, within bounds; the result
    is left as `response.content`, the size on the wire returned. A bomb, a huge or an endless answer stops at
    its cap: a transient error."""
    deadline = time.monotonic() + RESPONSE_DEADLINE_SECONDS
    content: list[bytes] = []
    size = 0
    try:
        inflater = bounded.Inflater(response.headers.get("Content-Encoding", ""), MAX_RESPONSE_INFLATED_BYTES,
                                    MAX_RESPONSE_INFLATE_RATIO)
        while chunk := response.raw.read(READ_STEP, decode_content=False):
            size += len(chunk)
            if size > MAX_RESPONSE_BYTES:
                raise TransientError(f"Phản hồi của máy chủ tỉnh vượt {bounded.size_text(MAX_RESPONSE_BYTES)}; quầy đã dừng "
                                     "đọc để bảo vệ máy. Sẽ thử lại sau.", code="response_too_large", status=response.status_code)
            if time.monotonic() > deadline:
                raise TransientError("Máy chủ tỉnh trả lời quá chậm; quầy đã dừng chờ. Sẽ thử lại sau.",
                                     code="response_timeout", status=response.status_code)
            content.append(inflater.feed(chunk))
        inflater.finish()
    except bounded.Refused as refused:
        raise TransientError(f"Phản hồi của máy chủ tỉnh bị bỏ qua để bảo vệ máy quầy: {refused.message} Sẽ thử lại sau.",
                             code="response_too_large", status=response.status_code) from None
    # requests keeps a read body in `_content`: .content, .text and .json() then work as usual.
    response._content = b"".join(content)
    response._content_consumed = True
    return size


def _error_fields(response: requests.Response) -> tuple[str, str]:
    """The code and message of a JSON error body, or empty strings."""
    try:
        error = bounded.parse_json(response.content, ERROR_BOUNDS).get("error", {})
        return str(error.get("code", ""))[:100], str(error.get("message", ""))[:1000]
    except (bounded.Refused, AttributeError):
        return "", ""


def parse_response(response: requests.Response, model: type[M]) -> M:
    """The protocol answer in `response`, or the right error: never a guess."""
    content_type = response.headers.get("Content-Type", "")
    is_json = content_type.split(";")[0].strip() == "application/json"
    if response.status_code >= 400:
        code, message = _error_fields(response) if is_json else ("", "")
        if response.status_code == 413:
            raise TooLarge(message or "Gói dữ liệu quá lớn với máy chủ.", code=code or "too_large", status=413)
        if response.status_code in (408, 425, 429) or response.status_code >= 500 or not is_json:
            raise TransientError(message or f"Máy chủ tỉnh tạm thời không phục vụ (HTTP {response.status_code}).",
                                 code=code or "unavailable", status=response.status_code)
        raise PermanentError(message or f"Máy chủ tỉnh từ chối yêu cầu (HTTP {response.status_code}).",
                             code=code, status=response.status_code)
    if not is_json:
        raise TransientError(
            "Nhận được trang web thay vì phản hồi của máy chủ tỉnh (mạng có trang đăng nhập Wi-Fi?). Dữ liệu chưa được gửi.",
            code="not_json", status=response.status_code,
        )
    try:
        bounded.check_shape(response.content, RESPONSE_BOUNDS)
        return model.model_validate_json(response.content)
    except (ValidationError, bounded.Refused):
        raise TransientError("Phản hồi của máy chủ tỉnh không đúng giao thức; sẽ thử lại.", code="bad_response",
                             status=response.status_code) from None

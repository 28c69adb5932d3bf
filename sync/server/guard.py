"""Bounded work before trust: what the server does with a request before an endpoint sees it.

Cheapest first:
1. The path decides who may ask: health, enrolment and the API's own docs are public; every other path
   needs `Authorization: Bearer`. The token is checked from the headers before a byte of the body is
   read (`sync.server.auth.authenticate` in a worker thread, rolled back; a valid answer is kept for a
   minute so an honest counter's requests cost nothing). The endpoint still authenticates inside its
   own transaction: this check only decides whether the body is worth reading.
2. Rate limits answer 429 with Retry-After: per device (requests per second and requests at once),
   per address for public paths, for failed tokens and for failed enrolment codes.
3. The body is read with a cap on raw bytes, an idle timeout per read and a total deadline (408), and
   inflated as a stream with caps on size and ratio (413); an unknown Content-Encoding gets 415.
4. JSON is parsed here too, once its shape is checked (`sync.bounded`; in a worker thread past 16 kB), and handed
   to FastAPI by `PreparsedJsonRequest.json`. A body that grows past 1 MB waits for the large-body slot
   (one by default) and holds it until its request ends, so memory stays flat whatever arrives at once.

Many honest counters can share one address (a carrier's NAT): a token this process has seen valid is
never refused because of other callers' failures from the same address.
"""

from __future__ import annotations

import asyncio
import email.message
import hashlib
import logging
import os
import secrets
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, ValidationError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from counter_app.domain.errors import DomainError
from sync import bounded
from sync.protocol import API_PREFIX, Limits
from sync.server.auth import authenticate
from sync.server.db import ServerDatabase
from sync.server.dictionaries import DictionaryCache
from sync.server.errors import ApiError
from sync.server.http_errors import BATCH_ID_KEY, error_response
from sync.server.ratelimit import InFlight, Slots, TokenBuckets, Verdict, retry_after
from sync.server.report_tokens import authenticate_report

log = logging.getLogger(__name__)
ENV_GUARD_SETTINGS = "PROVINCIAL_SERVER_GUARD"  # JSON object of GuardSettings fields, e.g. {"body_idle_seconds": 10}
PUBLIC_PATHS = frozenset(f"{API_PREFIX}{p}" for p in ("/health", "/openapi.json", "/docs", "/docs/oauth2-redirect"))
ENROLL_PATH = f"{API_PREFIX}/enroll"
# Endpoints that authenticate the token in their own transaction: their answer tells the token gate whether the
# token is still valid (200: checked just now; 401/403: refused), so a counter syncing every minute is not looked
# up again by the gate at every sync.
CONFIRMING_PATHS = frozenset(f"{API_PREFIX}{p}" for p in ("/sync/hello", "/sync/push", "/sync/pull"))
REPORTS_PREFIX = f"{API_PREFIX}/reports/"  # report tokens only (sync.server.report_tokens), never a device's
PARSED_KEY = "sync.json"  # the request's parsed JSON body, in its ASGI state
# How the bounds of sync.bounded answer: transport faults are 400, sizes 413 (the counter splits its batch).
STATUS_FOR = {"unsupported_encoding": 415, "inflated_too_large": 413, "inflate_ratio": 413, "json_too_large": 413,
              "json_too_many_values": 413, "json_too_wide": 413, "unknown_dictionary": 409}
BUSY = "Máy chủ tỉnh đang bận; quầy sẽ thử lại sau."
# A body this small (a hello, a push of a few dossiers) is parsed on the event loop: parsing it costs less than
# the trip through the thread pool would (issue 13: the fixed cost of a request). Larger ones go to a thread.
INLINE_PARSE_BYTES = 16 * 1024


class GuardSettings(BaseModel):
    """The server's own limits (the counter is told `Limits`; these it meets only as 408/429/503)."""

    model_config = ConfigDict(extra="forbid")

    body_idle_seconds: float = 30.0  # longest wait for the next piece of a body
    body_deadline_seconds: float = 600.0  # a whole body (512 kB on a 20 kbit/s 2G link takes ~210 s)
    public_body_bytes: int = 64_000  # enrolment: raw and inflated
    public_body_seconds: float = 30.0
    token_cache_seconds: float = 60.0
    remembered_tokens: int = 100_000
    token_lookups_at_once: int = 4
    device_requests_at_once: int = 4
    device_burst: int = 600
    device_per_second: float = 50.0
    device_body_bytes_burst: int = 32_000_000  # bytes of bodies (after gzip): a 10,000-dossier backlog is ~25 MB
    device_body_bytes_per_second: float = 2_000_000
    address_burst: int = 300  # public paths only: an honest counter's own requests carry its token
    address_per_second: float = 30.0
    auth_failures_burst: int = 50
    auth_failures_per_second: float = 0.5
    penalty_seconds: float = 0.1  # an address over its failure budget: each failed token holds the one turn this long
    enroll_failures_burst: int = 10
    enroll_failures_per_second: float = 1 / 60
    enrolments_at_once: int = 2  # server-wide: each attempt costs a slow hash of the code (~20 ms of CPU)
    large_body_bytes: int = 1_000_000  # a body past this (raw or inflated) waits for a large-body slot
    large_bodies_at_once: int = 1  # honest batches stay far below 1 MB (preferred_batch_bytes: 256 kB)
    busy_patience_seconds: float = 30.0
    reports_at_once: int = 2  # server-wide: a province-wide report reads a period of every unit

    @classmethod
    def from_environment(cls) -> GuardSettings:
        configured = os.environ.get(ENV_GUARD_SETTINGS)
        try:
            return cls.model_validate_json(configured) if configured else cls()
        except ValidationError as error:
            fields = ", ".join(".".join(str(p) for p in e["loc"]) or "JSON" for e in error.errors())
            raise DomainError(f"Biến môi trường {ENV_GUARD_SETTINGS} không hợp lệ ({fields}); hãy sửa hoặc bỏ nó.") from None


class Refusal(ApiError):
    """An answer the guard gives itself, before (or instead of) the endpoint."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(status, code, message)
        self.headers = headers or {}


def _refuse_if_limited(verdict: Verdict, code: str, message: str, log_line: str, *log_args: object) -> None:
    """429 with Retry-After when `verdict` refuses; only the first refusal of a run is logged, not the flood."""
    if verdict.allowed:
        return
    if verdict.first_refusal:
        log.warning(log_line, *log_args)
    seconds = retry_after(verdict.wait)
    raise Refusal(429, code, message.format(seconds=seconds), {"Retry-After": seconds})


def _header(scope: Scope, name: bytes) -> str | None:
    values = [v.decode("latin-1") for k, v in scope["headers"] if k.lower() == name]
    return ", ".join(values) if values else None


class Kind(Enum):
    PUBLIC = "public"
    ENROLL = "enroll"
    DEVICE = "device"
    REPORT = "report"


def kind_of(path: str) -> Kind:
    if path == ENROLL_PATH:
        return Kind.ENROLL
    if path.startswith(REPORTS_PREFIX):
        return Kind.REPORT
    if path in PUBLIC_PATHS or not path.startswith(f"{API_PREFIX}/"):
        return Kind.PUBLIC
    return Kind.DEVICE


class TokenGate:
    """Which device a bearer token belongs to, asking the database at most once a minute per token.

    A token never seen valid is paid for from its address's failure budget (given back when it proves
    valid). Once an address has spent it, its unknown tokens are still checked (a valid one behind the
    same NAT must get through) but one at a time for all such callers, and a failure holds that single
    turn a while before its 429: the database sees a trickle whatever the attacker sends.
    """

    def __init__(self, db: ServerDatabase, settings: GuardSettings, *, clock: Callable[[], float] = time.monotonic,
                 authenticate: Callable[[Session, str | None, datetime], Any] = authenticate) -> None:
        self.db = db
        self.authenticate = authenticate  # the device's (default) or, on report paths, the report token's
        self.settings = settings
        self.clock = clock
        self._secret = secrets.token_bytes(16)  # keys of the cache below: not the token, not its stored hash
        self._seen: OrderedDict[bytes, tuple[str, float]] = OrderedDict()  # key -> (device id, checked at)
        self._failures = TokenBuckets(settings.auth_failures_burst, settings.auth_failures_per_second, clock=clock)
        self._lookups = Slots(settings.token_lookups_at_once, settings.busy_patience_seconds)
        self._penalty = Slots(1, settings.busy_patience_seconds)

    def _key(self, authorization: str | None) -> bytes:
        return hashlib.blake2b(authorization.encode("utf-8", "surrogatepass"), key=self._secret,
                               digest_size=16).digest() if authorization else b""

    def endpoint_answered(self, authorization: str | None, status: int) -> None:
        """An endpoint that authenticates in its own transaction answered: a 200 proves the token valid now (it is
        remembered from now), a 401/403 proves it refused (it is forgotten: its next request is looked up)."""
        key = self._key(authorization)
        seen = self._seen.get(key)
        if seen is None:
            return
        if status == 200:
            self._seen[key] = (seen[0], self.clock())
        elif status in (401, 403):
            del self._seen[key]

    async def admit(self, authorization: str | None, address: str) -> str:
        """The device id, or Refusal/ApiError (401/403/429) without the body having been read."""
        key = self._key(authorization)
        seen = self._seen.get(key)
        if seen and self.clock() - seen[1] < self.settings.token_cache_seconds:
            self._seen.move_to_end(key)
            return seen[0]
        if not authorization or seen:  # nothing to look up, or a token this process has seen valid
            return await self._check(key, authorization, self._lookups)
        verdict = self._failures.take(address)
        if verdict.allowed:
            device_id = await self._check(key, authorization, self._lookups)
            self._failures.give_back(address)
            return device_id
        try:
            return await self._check(key, authorization, self._penalty, pause_on_failure=self.settings.penalty_seconds)
        except ApiError:
            _refuse_if_limited(verdict, "too_many_auth_failures",
                               "Quá nhiều lần xác thực sai từ địa chỉ này; hãy thử lại sau {seconds} giây.",
                               "Địa chỉ %s bị tạm từ chối %s giây sau nhiều mã xác thực sai", address,
                               retry_after(verdict.wait))
            raise

    async def _check(self, key: bytes, authorization: str | None, slots: Slots, pause_on_failure: float = 0) -> str:
        try:
            async with slots.hold():
                try:
                    device_id = await run_in_threadpool(self._lookup, authorization)
                except ApiError:
                    self._seen.pop(key, None)
                    await asyncio.sleep(pause_on_failure)
                    raise
        except TimeoutError:
            raise Refusal(503, "server_busy", BUSY, {"Retry-After": "5"}) from None
        if key:
            self._seen[key] = (device_id, self.clock())
            self._seen.move_to_end(key)
            if len(self._seen) > self.settings.remembered_tokens:
                self._seen.popitem(last=False)
        return device_id

    def _lookup(self, authorization: str | None) -> str:
        with Session(self.db.engine) as session:  # closed without commit: the check writes nothing
            return self.authenticate(session, authorization, datetime.now(UTC)).id


class RequestGuard:
    """ASGI middleware: admission, rate limits and body reading (see the module docstring)."""

    def __init__(self, app: ASGIApp, db: ServerDatabase, limits: Limits, settings: GuardSettings) -> None:
        self.app = app
        self.limits = limits
        self.settings = settings
        self.gate = TokenGate(db, settings)
        self.report_gate = TokenGate(db, settings, authenticate=authenticate_report)
        self.report_turns = Slots(settings.reports_at_once, settings.busy_patience_seconds)
        self.device_rate = TokenBuckets(settings.device_burst, settings.device_per_second)
        self.device_in_flight = InFlight(settings.device_requests_at_once)
        self.device_bytes = TokenBuckets(settings.device_body_bytes_burst, settings.device_body_bytes_per_second)
        self.address_rate = TokenBuckets(settings.address_burst, settings.address_per_second)
        self.enroll_failures = TokenBuckets(settings.enroll_failures_burst, settings.enroll_failures_per_second)
        self.enroll_turns = Slots(settings.enrolments_at_once, settings.busy_patience_seconds)
        self.large_bodies = Slots(settings.large_bodies_at_once, settings.busy_patience_seconds)
        self.json_bounds = json_bounds(limits)
        self.dictionaries = DictionaryCache(db)  # zstd push bodies (issue 13)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})  # shared with the layers outside (log lines name the batch)
        try:
            async with AsyncExitStack() as stack:
                try:
                    admitted = await self._admit(scope, receive, send, stack)
                except Refusal as refusal:
                    await error_response(refusal.status, refusal.code, refusal.message, refusal.headers)(scope, receive, send)
                    return
                except ApiError as error:  # the token's own refusal (401/403), from authenticate
                    await error_response(error.status, error.code, error.message)(scope, receive, send)
                    return
                except _ClientGone:
                    return
                await self.app(*admitted)
        finally:
            # The parsed body dies with its request. uvicorn keeps a keep-alive connection's last scope until
            # the next request or the connection's end: with the JSON left in it, each 8 MB push held about
            # 40 MB for seconds after its answer, and pushes one after another piled up
            # (tests/sync/test_money_hostile.py).
            state.pop(PARSED_KEY, None)

    async def _admit(self, scope: Scope, receive: Receive, send: Send, stack: AsyncExitStack) -> tuple[Scope, Receive, Send]:
        kind = kind_of(scope["path"])
        address = (scope.get("client") or ("?",))[0]
        if kind is Kind.REPORT:
            return await self._admit_report(scope, receive, send, stack, address)
        if kind is Kind.DEVICE:
            device_id = await self.gate.admit(_header(scope, b"authorization"), address)
            _refuse_if_limited(self.device_rate.take(device_id), "rate_limited",
                               "Quầy gửi quá nhiều yêu cầu; hãy thử lại sau {seconds} giây.",
                               "Quầy %s gửi quá nhiều yêu cầu; tạm từ chối", device_id)
            _refuse_if_limited(self.device_bytes.clear(device_id), "rate_limited",
                               "Quầy gửi quá nhiều dữ liệu; hãy thử lại sau {seconds} giây.",
                               "Quầy %s gửi quá nhiều dữ liệu; tạm từ chối", device_id)
            if not stack.enter_context(self.device_in_flight.enter(device_id)):
                raise Refusal(429, "too_many_at_once", "Quầy đang có quá nhiều yêu cầu cùng lúc; hãy thử lại sau.",
                              {"Retry-After": "1"})
            scope, receive = await self._with_body(scope, receive, self.limits.max_body_bytes, self.limits.max_inflated_bytes,
                                                   self.settings.body_deadline_seconds, stack, device_id)
            if scope["path"] in CONFIRMING_PATHS:
                send = self._tell_gate(_header(scope, b"authorization"), send)
            return scope, receive, send
        _refuse_if_limited(self.address_rate.take(address), "rate_limited",
                           "Quá nhiều yêu cầu từ địa chỉ này; hãy thử lại sau {seconds} giây.",
                           "Địa chỉ %s gửi quá nhiều yêu cầu không xác thực; tạm từ chối", address)
        if kind is Kind.PUBLIC:
            return scope, _replay(b"", receive), send  # nothing public reads a body: none is read
        scope, receive = await self._with_body(scope, receive, self.settings.public_body_bytes, self.settings.public_body_bytes,
                                               self.settings.public_body_seconds, stack)
        # Attempts take turns (a few at once, server-wide: each costs a slow hash), and each takes one of
        # the address's budget of wrong codes only while it runs: given back unless its code is refused.
        # So desks enrolling together from one address are never turned away, and a burst of guesses
        # cannot run ahead of its own charges.
        try:
            await stack.enter_async_context(self.enroll_turns.hold())
        except TimeoutError:
            raise Refusal(503, "server_busy", "Máy chủ đang bận xử lý các lần đăng ký khác; hãy thử lại sau ít phút.",
                          {"Retry-After": "30"}) from None
        verdict = self.enroll_failures.take(address)
        _refuse_if_limited(verdict, "too_many_enroll_attempts",
                           "Quá nhiều lần nhập mã đăng ký sai; hãy thử lại sau {seconds} giây hoặc liên hệ giám sát viên.",
                           "Địa chỉ %s bị tạm từ chối %s giây sau nhiều mã đăng ký sai", address, retry_after(verdict.wait))
        return scope, receive, self._charge_enroll_failures(address, send)

    async def _admit_report(self, scope: Scope, receive: Receive, send: Send, stack: AsyncExitStack,
                            address: str) -> tuple[Scope, Receive, Send]:
        """A report token's request: its own rate, then one of a few report turns server-wide; no body is read."""
        token_id = await self.report_gate.admit(_header(scope, b"authorization"), address)
        _refuse_if_limited(self.device_rate.take(f"report:{token_id}"), "rate_limited",
                           "Quá nhiều yêu cầu báo cáo; hãy thử lại sau {seconds} giây.",
                           "Mã báo cáo %s gửi quá nhiều yêu cầu; tạm từ chối", token_id)
        try:
            await stack.enter_async_context(self.report_turns.hold())
        except TimeoutError:
            raise Refusal(503, "server_busy", "Máy chủ đang lập các báo cáo khác; hãy thử lại sau ít phút.",
                          {"Retry-After": "30"}) from None
        return scope, _replay(b"", receive), send

    def _tell_gate(self, authorization: str | None, send: Send) -> Send:
        """The endpoint's verdict on the token, passed to the token gate (TokenGate.endpoint_answered)."""

        async def watched(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.gate.endpoint_answered(authorization, message["status"])
            await send(message)

        return watched

    def _charge_enroll_failures(self, address: str, send: Send) -> Send:
        """The attempt's token is given back unless the code was refused (a wrong, used or expired code)."""

        async def watched(message: Message) -> None:
            if message["type"] == "http.response.start":
                refused_code = 400 <= message["status"] < 500 and message["status"] != 409  # 409: no free desk slot
                if not refused_code:
                    self.enroll_failures.give_back(address)
            await send(message)

        return watched

    async def _with_body(self, scope: Scope, receive: Receive, max_raw: int, max_inflated: int, deadline: float,
                         stack: AsyncExitStack, device_id: str | None = None) -> tuple[Scope, Receive]:
        if scope["method"] in ("GET", "HEAD", "OPTIONS"):
            return scope, _replay(b"", receive)
        declared = _header(scope, b"content-length")
        if declared is not None and declared.strip().isdigit() and int(declared) > max_raw:
            raise Refusal(413, "body_too_large", f"Gói dữ liệu vượt {bounded.size_text(max_raw)}; quầy sẽ chia nhỏ và gửi lại.",
                          {"Connection": "close"})
        inflater = None
        try:
            inflater = bounded.Inflater(_header(scope, b"content-encoding") or "", max_inflated, self.limits.max_inflate_ratio,
                                        self.dictionaries.zstd if device_id else None)
            body = await self._read(receive, inflater, max_raw, deadline, stack)
        except bounded.Refused as refused:
            raise Refusal(STATUS_FOR.get(refused.code, 400), refused.code, refused.message, {"Connection": "close"}) from None
        finally:
            if device_id and inflater is not None:  # what it made the server read and inflate, refused or not
                self.device_bytes.owe(device_id, inflater.produced)
        if declared is not None and declared.strip().isdigit() and int(declared) != inflater.received:
            raise Refusal(400, "incomplete_body", "Dữ liệu gửi lên bị thiếu; quầy sẽ gửi lại.", {"Connection": "close"})
        if body and _is_json(scope):
            await self._parse(scope, body)
        if _header(scope, b"content-encoding"):
            scope = dict(scope)
            scope["headers"] = [(k, v) for k, v in scope["headers"] if k.lower() not in (b"content-encoding", b"content-length")]
            scope["headers"].append((b"content-length", str(len(body)).encode()))
        return scope, _replay(body, receive)

    async def _parse(self, scope: Scope, body: bytes) -> None:
        """The JSON value, parsed off the event loop once its shape is checked, left for the endpoint in the
        request's state (a refusal here leaves no exception holding the body inside the app)."""
        if len(body) <= INLINE_PARSE_BYTES:
            value, refused = _parse_json_quietly(body, self.json_bounds)
        else:
            value, refused = await run_in_threadpool(_parse_json_quietly, body, self.json_bounds)
        if refused is not None:
            raise Refusal(STATUS_FOR.get(refused.code, 400), refused.code, refused.message)
        scope["state"][PARSED_KEY] = value
        batch_id = value.get("batch_id") if isinstance(value, dict) else None
        if isinstance(batch_id, str):
            scope["state"][BATCH_ID_KEY] = batch_id[:64]

    async def _read(self, receive: Receive, inflater: bounded.Inflater, max_raw: int, deadline: float,
                    stack: AsyncExitStack) -> bytes:
        loop = asyncio.get_running_loop()
        end = loop.time() + deadline
        body = bytearray()  # one growing block: thousands of small pieces would fragment the heap for good
        large = False
        while True:
            if not large and max(inflater.received, inflater.produced) > self.settings.large_body_bytes:
                large = True  # from here on this request holds one of a few slots, until it ends
                try:
                    await stack.enter_async_context(self.large_bodies.hold())
                except TimeoutError:
                    raise Refusal(503, "server_busy", BUSY, {"Retry-After": "5", "Connection": "close"}) from None
            wait = min(self.settings.body_idle_seconds, end - loop.time())
            try:
                if wait <= 0:
                    raise TimeoutError
                async with asyncio.timeout(wait):
                    message = await receive()
            except TimeoutError:
                raise Refusal(408, "body_timeout", "Gửi dữ liệu quá chậm; máy chủ đã ngừng chờ. Quầy sẽ gửi lại.",
                              {"Connection": "close"}) from None
            if message["type"] == "http.disconnect":
                raise _ClientGone  # a cut body is never processed (nor a cut chunk stored)
            chunk = message.get("body", b"")
            if inflater.received + len(chunk) > max_raw:
                raise Refusal(413, "body_too_large", f"Gói dữ liệu vượt {bounded.size_text(max_raw)}; quầy sẽ chia nhỏ và gửi lại.",
                              {"Connection": "close"})
            body += inflater.feed(chunk)
            if not message.get("more_body", False):
                body += inflater.finish()
                return bytes(body)


class _ClientGone(Exception):
    pass


def _replay(body: bytes, receive: Receive) -> Receive:
    """`body` as one message; later calls wait on the real connection (for a disconnect)."""
    held: list[bytes] = [body]  # let go once delivered: the app keeps its own reference as long as it needs

    async def replay() -> Message:
        if not held:
            return await receive()
        return {"type": "http.request", "body": held.pop(), "more_body": False}

    return replay


def _parse_json_quietly(body: bytes, bounds: bounded.JsonBounds) -> tuple[Any, bounded.Refused | None]:
    """parse_json, its refusal returned rather than raised: an exception crossing the thread pool keeps its
    frames, and so the body, alive in reference cycles until the garbage collector happens by."""
    try:
        return bounded.parse_json(body, bounds), None
    except bounded.Refused as refused:
        return None, bounded.Refused(refused.code, refused.message)


def json_bounds(limits: Limits) -> bounded.JsonBounds:
    return bounded.JsonBounds(max_bytes=limits.max_inflated_bytes, max_depth=limits.max_json_depth,
                              max_items=max(limits.max_json_items, limits.max_ops_per_batch + 1),
                              max_values=limits.max_json_values)


def _is_json(scope: Scope) -> bool:
    """Whether FastAPI will parse this body as JSON (no Content-Type, application/json or +json)."""
    content_type = _header(scope, b"content-type")
    if not content_type:
        return True
    message = email.message.Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (subtype == "json" or subtype.endswith("+json"))


class BodyRefused(HTTPException):
    """Raised from `Request.json()`: FastAPI passes HTTPException through to the app's handlers."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(status_code=status, detail=message)
        self.code = code
        self.message = message


class PreparsedJsonRequest(Request):
    """A request whose JSON the guard has already parsed (and whose body is not copied again)."""

    async def body(self) -> bytes:
        if not hasattr(self, "_body"):
            chunks = [chunk async for chunk in self.stream() if chunk]
            self._body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        return self._body

    async def json(self) -> Any:
        state = self.scope.get("state") or {}
        if PARSED_KEY not in state:  # only when the app runs without its guard
            raise BodyRefused(400, "invalid_json", "Máy chủ chưa kiểm tra được dữ liệu JSON gửi lên.")
        return state[PARSED_KEY]


class PreparsedJsonRoute(APIRoute):
    """FastAPI's custom Request/APIRoute pattern: every endpoint gets a PreparsedJsonRequest."""

    def get_route_handler(self) -> Callable[[Request], Awaitable[Response]]:
        handler = super().get_route_handler()

        async def preparsed_handler(request: Request) -> Response:
            return await handler(PreparsedJsonRequest(request.scope, request.receive))

        return preparsed_handler

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
4. JSON is parsed by `BoundedJsonRequest.json` in a worker thread once its shape is checked
   (`sync.bounded`); large bodies wait for one of a few parsing slots, so memory stays flat whatever
   arrives at once.

Many honest counters can share one address (a carrier's NAT): a token this process has seen valid is
never refused because of other callers' failures from the same address.
"""

from __future__ import annotations

import asyncio
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
from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sync import bounded
from sync.protocol import API_PREFIX, Limits
from sync.server.auth import authenticate
from sync.server.db import ServerDatabase
from sync.server.errors import ApiError
from sync.server.http_errors import BATCH_ID_KEY, error_response
from sync.server.ratelimit import InFlight, Slots, TokenBuckets, Verdict, retry_after

log = logging.getLogger(__name__)
ENV_GUARD_SETTINGS = "PROVINCIAL_SERVER_GUARD"  # JSON object of GuardSettings fields, e.g. {"body_idle_seconds": 10}
PUBLIC_PATHS = frozenset(f"{API_PREFIX}{p}" for p in ("/health", "/openapi.json", "/docs", "/docs/oauth2-redirect"))
ENROLL_PATH = f"{API_PREFIX}/enroll"
# How the bounds of sync.bounded answer: transport faults are 400, sizes 413 (the counter splits its batch).
STATUS_FOR = {"unsupported_encoding": 415, "inflated_too_large": 413, "inflate_ratio": 413, "json_too_large": 413,
              "json_too_many_values": 413, "json_too_wide": 413}
BUSY = "Máy chủ tỉnh đang bận; quầy sẽ thử lại sau."


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
    address_burst: int = 300  # public paths only: an honest counter's own requests carry its token
    address_per_second: float = 30.0
    auth_failures_burst: int = 50
    auth_failures_per_second: float = 0.5
    enroll_failures_burst: int = 10
    enroll_failures_per_second: float = 1 / 60
    large_body_bytes: int = 256_000  # JSON bodies above this parse in one of a few slots
    large_bodies_at_once: int = 2
    busy_patience_seconds: float = 30.0

    @classmethod
    def from_environment(cls) -> GuardSettings:
        configured = os.environ.get(ENV_GUARD_SETTINGS)
        return cls.model_validate_json(configured) if configured else cls()


class Refusal(ApiError):
    """An answer the guard gives itself, before (or instead of) the endpoint."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(status, code, message)
        self.headers = headers or {}


def _limited(verdict: Verdict, code: str, message: str) -> Refusal:
    seconds = retry_after(verdict.wait)
    return Refusal(429, code, message.format(seconds=seconds), {"Retry-After": seconds})


def _header(scope: Scope, name: bytes) -> str | None:
    values = [v.decode("latin-1") for k, v in scope["headers"] if k.lower() == name]
    return ", ".join(values) if values else None


class Kind(Enum):
    PUBLIC = "public"
    ENROLL = "enroll"
    DEVICE = "device"


def kind_of(path: str) -> Kind:
    if path == ENROLL_PATH:
        return Kind.ENROLL
    if path in PUBLIC_PATHS or not path.startswith(f"{API_PREFIX}/"):
        return Kind.PUBLIC
    return Kind.DEVICE


class TokenGate:
    """Which device a bearer token belongs to, asking the database at most once a minute per token."""

    def __init__(self, db: ServerDatabase, settings: GuardSettings, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        self._secret = secrets.token_bytes(16)  # keys of the cache below: not the token, not its stored hash
        self._seen: OrderedDict[bytes, tuple[str, float]] = OrderedDict()  # key -> (device id, checked at)
        self._failures = TokenBuckets(settings.auth_failures_burst, settings.auth_failures_per_second, clock=clock)
        self._lookups = Slots(settings.token_lookups_at_once, settings.busy_patience_seconds)

    async def admit(self, authorization: str | None, address: str) -> str:
        """The device id, or Refusal/ApiError (401/403/429) without the body having been read."""
        key = hashlib.blake2b(authorization.encode("utf-8", "surrogatepass"), key=self._secret,
                              digest_size=16).digest() if authorization else None
        seen = self._seen.get(key) if key else None
        now = self.clock()
        if seen and now - seen[1] < self.settings.token_cache_seconds:
            self._seen.move_to_end(key)  # type: ignore[arg-type]
            return seen[0]
        # A token never seen valid pays from its address's failure budget, returned if it proves valid.
        charged = bool(authorization) and seen is None
        if charged:
            verdict = self._failures.take(address)
            if not verdict.allowed:
                if verdict.first_refusal:
                    log.warning("Địa chỉ %s bị tạm từ chối %s giây sau nhiều mã xác thực sai", address, retry_after(verdict.wait))
                raise _limited(verdict, "too_many_auth_failures",
                               "Quá nhiều lần xác thực sai từ địa chỉ này; hãy thử lại sau {seconds} giây.")
        try:
            async with self._lookups.hold():
                device_id = await run_in_threadpool(self._lookup, authorization)
        except TimeoutError:
            if charged:
                self._failures.give_back(address)
            raise Refusal(503, "server_busy", BUSY, {"Retry-After": "5"}) from None
        except ApiError:
            if key:
                self._seen.pop(key, None)
            raise
        if charged:
            self._failures.give_back(address)
        self._seen[key] = (device_id, now)  # type: ignore[index]
        self._seen.move_to_end(key)  # type: ignore[arg-type]
        if len(self._seen) > self.settings.remembered_tokens:
            self._seen.popitem(last=False)
        return device_id

    def _lookup(self, authorization: str | None) -> str:
        with Session(self.db.engine) as session:  # closed without commit: the check writes nothing
            return authenticate(session, authorization, datetime.now(UTC)).id


class RequestGuard:
    """ASGI middleware: admission, rate limits and body reading (see the module docstring)."""

    def __init__(self, app: ASGIApp, db: ServerDatabase, limits: Limits, settings: GuardSettings) -> None:
        self.app = app
        self.limits = limits
        self.settings = settings
        self.gate = TokenGate(db, settings)
        self.device_rate = TokenBuckets(settings.device_burst, settings.device_per_second)
        self.device_in_flight = InFlight(settings.device_requests_at_once)
        self.address_rate = TokenBuckets(settings.address_burst, settings.address_per_second)
        self.enroll_failures = TokenBuckets(settings.enroll_failures_burst, settings.enroll_failures_per_second)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scope.setdefault("state", {})  # shared with the layers outside (log lines name the batch)
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

    async def _admit(self, scope: Scope, receive: Receive, send: Send, stack: AsyncExitStack) -> tuple[Scope, Receive, Send]:
        kind = kind_of(scope["path"])
        address = (scope.get("client") or ("?",))[0]
        if kind is Kind.DEVICE:
            device_id = await self.gate.admit(_header(scope, b"authorization"), address)
            verdict = self.device_rate.take(device_id)
            if not verdict.allowed:
                if verdict.first_refusal:
                    log.warning("Quầy %s gửi quá nhiều yêu cầu; tạm từ chối", device_id)
                raise _limited(verdict, "rate_limited", "Quầy gửi quá nhiều yêu cầu; hãy thử lại sau {seconds} giây.")
            if not stack.enter_context(self.device_in_flight.enter(device_id)):
                raise Refusal(429, "too_many_at_once", "Quầy đang có quá nhiều yêu cầu cùng lúc; hãy thử lại sau.",
                              {"Retry-After": "1"})
            scope, receive = await self._with_body(scope, receive, self.limits.max_body_bytes, self.limits.max_inflated_bytes,
                                                   self.settings.body_deadline_seconds)
            return scope, receive, send
        verdict = self.address_rate.take(address)
        if not verdict.allowed:
            if verdict.first_refusal:
                log.warning("Địa chỉ %s gửi quá nhiều yêu cầu không xác thực; tạm từ chối", address)
            raise _limited(verdict, "rate_limited", "Quá nhiều yêu cầu từ địa chỉ này; hãy thử lại sau {seconds} giây.")
        if kind is Kind.PUBLIC:
            return scope, _replay(b"", receive), send  # nothing public reads a body: none is read
        verdict = self.enroll_failures.take(address)
        if not verdict.allowed:
            if verdict.first_refusal:
                log.warning("Địa chỉ %s bị tạm từ chối %s giây sau nhiều mã đăng ký sai", address, retry_after(verdict.wait))
            raise _limited(verdict, "too_many_enroll_attempts",
                           "Quá nhiều lần nhập mã đăng ký sai; hãy thử lại sau {seconds} giây hoặc liên hệ giám sát viên.")
        scope, receive = await self._with_body(scope, receive, self.settings.public_body_bytes, self.settings.public_body_bytes,
                                               self.settings.public_body_seconds)
        return scope, receive, self._charge_enroll_failures(address, send)

    def _charge_enroll_failures(self, address: str, send: Send) -> Send:
        """The attempt's token is given back unless the code was refused (a wrong, used or expired code)."""

        async def watched(message: Message) -> None:
            if message["type"] == "http.response.start":
                refused_code = 400 <= message["status"] < 500 and message["status"] != 409  # 409: no free desk slot
                if not refused_code:
                    self.enroll_failures.give_back(address)
            await send(message)

        return watched

    async def _with_body(self, scope: Scope, receive: Receive, max_raw: int, max_inflated: int,
                         deadline: float) -> tuple[Scope, Receive]:
        if scope["method"] in ("GET", "HEAD", "OPTIONS"):
            return scope, _replay(b"", receive)
        declared = _header(scope, b"content-length")
        if declared is not None and declared.strip().isdigit() and int(declared) > max_raw:
            raise Refusal(413, "body_too_large", f"Gói dữ liệu vượt {bounded.size_text(max_raw)}; quầy sẽ chia nhỏ và gửi lại.",
                          {"Connection": "close"})
        try:
            inflater = bounded.Inflater(_header(scope, b"content-encoding") or "", max_inflated, self.limits.max_inflate_ratio)
            body = await self._read(receive, inflater, max_raw, deadline)
        except bounded.Refused as refused:
            raise Refusal(STATUS_FOR.get(refused.code, 400), refused.code, refused.message, {"Connection": "close"}) from None
        if declared is not None and declared.strip().isdigit() and int(declared) != inflater.consumed:
            raise Refusal(400, "incomplete_body", "Dữ liệu gửi lên bị thiếu; quầy sẽ gửi lại.", {"Connection": "close"})
        if _header(scope, b"content-encoding"):
            scope = dict(scope)
            scope["headers"] = [(k, v) for k, v in scope["headers"] if k.lower() not in (b"content-encoding", b"content-length")]
            scope["headers"].append((b"content-length", str(len(body)).encode()))
        return scope, _replay(body, receive)

    async def _read(self, receive: Receive, inflater: bounded.Inflater, max_raw: int, deadline: float) -> bytes:
        loop = asyncio.get_running_loop()
        end = loop.time() + deadline
        parts: list[bytes] = []
        while True:
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
            if inflater.consumed + len(chunk) > max_raw:
                raise Refusal(413, "body_too_large", f"Gói dữ liệu vượt {bounded.size_text(max_raw)}; quầy sẽ chia nhỏ và gửi lại.",
                              {"Connection": "close"})
            parts.append(inflater.feed(chunk))
            if not message.get("more_body", False):
                inflater.finish()
                return b"".join(parts)


class _ClientGone(Exception):
    pass


def _replay(body: bytes, receive: Receive) -> Receive:
    """`body` as one message; later calls wait on the real connection (for a disconnect)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


class JsonParser:
    """Parses request bodies off the event loop, a few large ones at a time, within `Limits`."""

    def __init__(self, limits: Limits, settings: GuardSettings) -> None:
        self.bounds = bounded.JsonBounds(max_bytes=limits.max_inflated_bytes, max_depth=limits.max_json_depth,
                                         max_items=max(limits.max_json_items, limits.max_ops_per_batch + 1),
                                         max_values=limits.max_json_values)
        self.settings = settings
        self._large = Slots(settings.large_bodies_at_once, settings.busy_patience_seconds)

    async def parse(self, body: bytes) -> Any:
        try:
            if len(body) <= self.settings.large_body_bytes:
                return await run_in_threadpool(bounded.parse_json, body, self.bounds)
            async with self._large.hold():
                return await run_in_threadpool(bounded.parse_json, body, self.bounds)
        except bounded.Refused as refused:
            raise BodyRefused(STATUS_FOR.get(refused.code, 400), refused.code, refused.message) from None
        except TimeoutError:
            raise BodyRefused(503, "server_busy", BUSY, {"Retry-After": "5"}) from None


class BodyRefused(HTTPException):
    """Raised from `Request.json()`: FastAPI passes HTTPException through to the app's handlers."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(status_code=status, detail=message, headers=headers)
        self.code = code
        self.message = message


def bounded_json_route(parser: JsonParser) -> type[APIRoute]:
    """An APIRoute whose requests parse JSON with `parser` (FastAPI's custom Request/APIRoute pattern)."""

    class BoundedJsonRequest(Request):
        async def json(self) -> Any:
            if not hasattr(self, "_json"):
                self._json = await parser.parse(await self.body())
                batch_id = self._json.get("batch_id") if isinstance(self._json, dict) else None
                if isinstance(batch_id, str):
                    self.scope.setdefault("state", {})[BATCH_ID_KEY] = batch_id[:64]
            return self._json

    class BoundedJsonRoute(APIRoute):
        def get_route_handler(self) -> Callable[[Request], Awaitable[Response]]:
            handler = super().get_route_handler()

            async def bounded_handler(request: Request) -> Response:
                return await handler(BoundedJsonRequest(request.scope, request.receive))

            return bounded_handler

    return BoundedJsonRoute

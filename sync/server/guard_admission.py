"""Admission: who may ask and how often, decided from the path and the headers before the body is read.

Split from the guard's middleware (sync/server/guard.py) so that its first, cheapest steps read alone:
the guard's limits (`GuardSettings`), the refusal it answers with when one is reached (`Refusal`, 429
with Retry-After for a rate), the kind of caller a path admits (`kind_of`) and the token gate, which
asks the database who a bearer token belongs to at most once a minute per token (`TokenGate`).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
from enum import Enum
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.types import Scope

from counter_app.domain.errors import DomainError
from counter_app.services.clock import utc_now
from sync.protocol import API_PREFIX
from sync.server.auth import authenticate
from sync.server.db import ServerDatabase
from sync.server.errors import ApiError
from sync.server.ratelimit import Slots, TokenBuckets, Verdict, retry_after

log = logging.getLogger("sync.server.guard")  # the guard's log lines keep one name, whichever module writes them
ENV_GUARD_SETTINGS = "PROVINCIAL_SERVER_GUARD"  # JSON object of GuardSettings fields, e.g. {"body_idle_seconds": 10}
PUBLIC_PATHS = frozenset(f"{API_PREFIX}{p}" for p in ("/health", "/openapi.json", "/docs", "/docs/oauth2-redirect"))
ENROLL_PATH = f"{API_PREFIX}/enroll"
REPORTS_PREFIX = f"{API_PREFIX}/reports/"  # report tokens only (sync.server.report_tokens), never a device's
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


def refuse_if_limited(verdict: Verdict, code: str, message: str, log_line: str, *log_args: object) -> None:
    """429 with Retry-After when `verdict` refuses; only the first refusal of a run is logged, not the flood."""
    if verdict.allowed:
        return
    if verdict.first_refusal:
        log.warning(log_line, *log_args)
    seconds = retry_after(verdict.wait)
    raise Refusal(429, code, message.format(seconds=seconds), {"Retry-After": seconds})


def header(scope: Scope, name: bytes) -> str | None:
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
            refuse_if_limited(verdict, "too_many_auth_failures",
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
            return self.authenticate(session, authorization, utc_now()).id

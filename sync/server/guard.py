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

Steps 1 and 2 live in guard_admission.py (`GuardSettings`, `TokenGate`), steps 3 and 4 in guard_body.py
(`BodyReader`, `PreparsedJsonRoute`); this module wires them into one ASGI middleware (`RequestGuard`).
"""

from __future__ import annotations

from contextlib import AsyncExitStack

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sync.protocol import API_PREFIX, Limits
from sync.server.db import ServerDatabase
from sync.server.errors import ApiError
from sync.server.guard_admission import (
    GuardSettings,
    Kind,
    Refusal,
    TokenGate,
    header,
    kind_of,
    refuse_if_limited,
)
from sync.server.guard_body import PARSED_KEY, BodyReader, ClientGone, replay
from sync.server.http_errors import error_response
from sync.server.inbox_routes import INBOX_PATH
from sync.server.ratelimit import InFlight, Slots, TokenBuckets, retry_after
from sync.server.report_tokens import authenticate_report

# Endpoints that authenticate the token in their own transaction: their answer tells the token gate whether the
# token is still valid (200: checked just now; 401/403: refused), so a counter syncing every minute is not looked
# up again by the gate at every sync.
CONFIRMING_PATHS = frozenset(f"{API_PREFIX}{p}" for p in ("/sync/hello", "/sync/push", "/sync/pull", "/sync/inbox"))


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
        self.body = BodyReader(db, limits, settings, self.device_bytes)

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
                except ClientGone:
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
            device_id = await self.gate.admit(header(scope, b"authorization"), address)
            refuse_if_limited(self.device_rate.take(device_id), "rate_limited",
                              "Quầy gửi quá nhiều yêu cầu; hãy thử lại sau {seconds} giây.",
                              "Quầy %s gửi quá nhiều yêu cầu; tạm từ chối", device_id)
            refuse_if_limited(self.device_bytes.clear(device_id), "rate_limited",
                              "Quầy gửi quá nhiều dữ liệu; hãy thử lại sau {seconds} giây.",
                              "Quầy %s gửi quá nhiều dữ liệu; tạm từ chối", device_id)
            if not stack.enter_context(self.device_in_flight.enter(device_id)):
                raise Refusal(429, "too_many_at_once", "Quầy đang có quá nhiều yêu cầu cùng lúc; hãy thử lại sau.",
                              {"Retry-After": "1"})
            stored_push = scope["path"] == INBOX_PATH and scope["method"] == "POST"  # kept as it came (inbox.py)
            scope, receive = await self.body.read(scope, receive, self.limits.max_body_bytes, self.limits.max_inflated_bytes,
                                                  self.settings.body_deadline_seconds, stack, device_id, keep_raw=stored_push)
            if scope["path"] in CONFIRMING_PATHS:
                send = self._tell_gate(header(scope, b"authorization"), send)
            return scope, receive, send
        refuse_if_limited(self.address_rate.take(address), "rate_limited",
                          "Quá nhiều yêu cầu từ địa chỉ này; hãy thử lại sau {seconds} giây.",
                          "Địa chỉ %s gửi quá nhiều yêu cầu không xác thực; tạm từ chối", address)
        if kind is Kind.PUBLIC:
            return scope, replay(b"", receive), send  # nothing public reads a body: none is read
        scope, receive = await self.body.read(scope, receive, self.settings.public_body_bytes, self.settings.public_body_bytes,
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
        refuse_if_limited(verdict, "too_many_enroll_attempts",
                          "Quá nhiều lần nhập mã đăng ký sai; hãy thử lại sau {seconds} giây hoặc liên hệ giám sát viên.",
                          "Địa chỉ %s bị tạm từ chối %s giây sau nhiều mã đăng ký sai", address, retry_after(verdict.wait))
        return scope, receive, self._charge_enroll_failures(address, send)

    async def _admit_report(self, scope: Scope, receive: Receive, send: Send, stack: AsyncExitStack,
                            address: str) -> tuple[Scope, Receive, Send]:
        """A report token's request: its own rate, then one of a few report turns server-wide; no body is read."""
        token_id = await self.report_gate.admit(header(scope, b"authorization"), address)
        refuse_if_limited(self.device_rate.take(f"report:{token_id}"), "rate_limited",
                          "Quá nhiều yêu cầu báo cáo; hãy thử lại sau {seconds} giây.",
                          "Mã báo cáo %s gửi quá nhiều yêu cầu; tạm từ chối", token_id)
        try:
            await stack.enter_async_context(self.report_turns.hold())
        except TimeoutError:
            raise Refusal(503, "server_busy", "Máy chủ đang lập các báo cáo khác; hãy thử lại sau ít phút.",
                          {"Retry-After": "30"}) from None
        return scope, replay(b"", receive), send

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

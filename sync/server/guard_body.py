"""The body of an admitted request: read within bounds, inflated within bounds, parsed once as JSON.

Split from the guard's middleware (sync/server/guard.py) so that the body's bounds read alone: a cap on
raw bytes, an idle timeout per read and a total deadline (408); inflation as a stream with caps on size
and ratio (413), an unknown Content-Encoding 415; one large-body slot held by a body past 1 MB until its
request ends; and the JSON parsed here once its shape is checked (`sync.bounded`), handed to FastAPI by
`PreparsedJsonRequest.json`.
"""

from __future__ import annotations

import asyncio
import email.message
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.types import Message, Receive, Scope

from sync import bounded
from sync.protocol import Limits
from sync.server.db import ServerDatabase
from sync.server.dictionaries import DictionaryCache
from sync.server.guard_admission import BUSY, GuardSettings, Refusal, header
from sync.server.http_errors import BATCH_ID_KEY
from sync.server.ratelimit import Slots, TokenBuckets

PARSED_KEY = "sync.json"  # the request's parsed JSON body, in its ASGI state
# How the bounds of sync.bounded answer: transport faults are 400, sizes 413 (the counter splits its batch).
STATUS_FOR = {"unsupported_encoding": 415, "inflated_too_large": 413, "inflate_ratio": 413, "json_too_large": 413,
              "json_too_many_values": 413, "json_too_wide": 413, "unknown_dictionary": 409}
# A body this small (a hello, a push of a few dossiers) is parsed on the event loop: parsing it costs less than
# the trip through the thread pool would (issue 13: the fixed cost of a request). Larger ones go to a thread.
INLINE_PARSE_BYTES = 16 * 1024


class BodyReader:
    """Reads a request's body within the bounds it is given (see the module docstring); one per guard."""

    def __init__(self, db: ServerDatabase, limits: Limits, settings: GuardSettings, device_bytes: TokenBuckets) -> None:
        self.limits = limits
        self.settings = settings
        self.device_bytes = device_bytes  # the guard's budget of body bytes per device: each body is owed to it
        self.large_bodies = Slots(settings.large_bodies_at_once, settings.busy_patience_seconds)
        self.json_bounds = json_bounds(limits)
        self.dictionaries = DictionaryCache(db)  # zstd push bodies (issue 13)

    async def read(self, scope: Scope, receive: Receive, max_raw: int, max_inflated: int, deadline: float,
                   stack: AsyncExitStack, device_id: str | None = None, keep_raw: bool = False) -> tuple[Scope, Receive]:
        """The request with its body read, inflated and, if JSON, parsed; `Refusal` past any bound. A device's
        body is charged to its budget of body bytes and may use the published zstd dictionaries. `keep_raw`: a
        push to be stored (sync/server/inbox.py) is inflated only to hold it to the same bounds, and passed on
        as it came, compressed and unparsed."""
        if scope["method"] in ("GET", "HEAD", "OPTIONS"):
            return scope, replay(b"", receive)
        declared = header(scope, b"content-length")
        if declared is not None and declared.strip().isdigit() and int(declared) > max_raw:
            raise Refusal(413, "body_too_large", f"Gói dữ liệu vượt {bounded.size_text(max_raw)}; quầy sẽ chia nhỏ và gửi lại.",
                          {"Connection": "close"})
        inflater = None
        try:
            inflater = bounded.Inflater(header(scope, b"content-encoding") or "", max_inflated, self.limits.max_inflate_ratio,
                                        self.dictionaries.zstd if device_id else None)
            body = await self._receive(receive, inflater, max_raw, deadline, stack, keep_raw)
        except bounded.Refused as refused:
            raise Refusal(STATUS_FOR.get(refused.code, 400), refused.code, refused.message, {"Connection": "close"}) from None
        finally:
            if device_id and inflater is not None:  # what it made the server read and inflate, refused or not
                self.device_bytes.owe(device_id, inflater.produced)
        if declared is not None and declared.strip().isdigit() and int(declared) != inflater.received:
            raise Refusal(400, "incomplete_body", "Dữ liệu gửi lên bị thiếu; quầy sẽ gửi lại.", {"Connection": "close"})
        if keep_raw:
            return scope, replay(body, receive)
        if body and _is_json(scope):
            await self._parse(scope, body)
        if header(scope, b"content-encoding"):
            scope = dict(scope)
            scope["headers"] = [(k, v) for k, v in scope["headers"] if k.lower() not in (b"content-encoding", b"content-length")]
            scope["headers"].append((b"content-length", str(len(body)).encode()))
        return scope, replay(body, receive)

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

    async def _receive(self, receive: Receive, inflater: bounded.Inflater, max_raw: int, deadline: float,
                       stack: AsyncExitStack, keep_raw: bool = False) -> bytes:
        loop = asyncio.get_running_loop()
        end = loop.time() + deadline
        body = bytearray()  # one growing block: thousands of small pieces would fragment the heap for good
        large = False
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
                raise ClientGone  # a cut body is never processed (nor a cut chunk stored)
            chunk = message.get("body", b"")
            if inflater.received + len(chunk) > max_raw:
                raise Refusal(413, "body_too_large", f"Gói dữ liệu vượt {bounded.size_text(max_raw)}; quầy sẽ chia nhỏ và gửi lại.",
                              {"Connection": "close"})
            inflated = inflater.feed(chunk)
            body += chunk if keep_raw else inflated
            more = message.get("more_body", False)
            if not more:
                rest = inflater.finish()  # the bounds hold to the end (a stored push keeps its bytes, not this)
                if not keep_raw:
                    body += rest
            # Past the mark after any piece, the last one too (a small body on the wire may inflate large): from
            # here on this request holds one of a few slots, until it ends (its JSON parsed and answered). A stored
            # push keeps only its compressed bytes: those are what it holds.
            held = inflater.received if keep_raw else max(inflater.received, inflater.produced)
            if not large and held > self.settings.large_body_bytes:
                large = True
                try:
                    await stack.enter_async_context(self.large_bodies.hold())
                except TimeoutError:
                    raise Refusal(503, "server_busy", BUSY, {"Retry-After": "5", "Connection": "close"}) from None
            if not more:
                return bytes(body)


class ClientGone(Exception):
    """The client hung up before its body was whole: nothing is answered."""


def replay(body: bytes, receive: Receive) -> Receive:
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
    content_type = header(scope, b"content-type")
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

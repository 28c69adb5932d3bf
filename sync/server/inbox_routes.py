"""The stored push's endpoints (issue 13, sync/server/inbox.py), and the applier's life in a server process.

- `POST /api/v1/sync/inbox` with `X-Batch-Id`: the body of a push (as `POST /sync/push` takes it, compressed
  as it came; the guard held it to the push's bounds) is stored; 202 with `StoredBatch`, or the batch's
  answer when it was stored and applied before.
  With `X-Answers-From` (a batch id of the device), the 202 also carries the answers of the device's batches
  from that one on, as far as they were applied whole (`inbox.answered_from`).
- `GET /api/v1/sync/inbox/{batch_id}`: 202 while it waits, then its answer (the status and body the push
  endpoint would have sent), 404 if this device never stored it (or its answer was pruned).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Annotated, Any

from fastapi import FastAPI, Header, Path, Request, Response
from starlette.concurrency import run_in_threadpool

from counter_app.domain.payload_fields import OP_ID_RE
from counter_app.services.clock import utc_now
from sync.protocol import API_PREFIX, ErrorResponse, PushResponse, StoredBatch
from sync.server.auth import authenticate
from sync.server.db import ServerDatabase
from sync.server.errors import ApiError
from sync.server.inbox import Background, Stored, answered_from, store, stored

INBOX_PATH = f"{API_PREFIX}/sync/inbox"
# A stored batch's answer is the push's (200 or its error), or 202 while it waits.
ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {"model": PushResponse}, 202: {"model": StoredBatch},
    **{status: {"model": ErrorResponse} for status in (400, 401, 403, 404, 408, 409, 413, 415, 422, 429, 503)}}
BATCH_ID_PATTERN = f"^{OP_ID_RE.pattern}$"  # a push batch's id (PushBatch.batch_id)


def applying(applier: Background, lifespan: Callable[[FastAPI], AbstractAsyncContextManager[None]]
             ) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """`lifespan` with the applier running in the background while the process serves."""

    @asynccontextmanager
    async def both(app: FastAPI) -> AsyncIterator[None]:
        async with lifespan(app):
            applier.start()
            try:
                yield
            finally:
                applier.stop()

    return both


def install_inbox_routes(app: FastAPI, db: ServerDatabase, applier: Background) -> None:
    @app.post(INBOX_PATH, status_code=202, response_model=None, responses=ANSWERS)
    async def store_push(request: Request, x_batch_id: Annotated[str, Header(pattern=BATCH_ID_PATTERN)],
                         x_answers_from: Annotated[str | None, Header(pattern=BATCH_ID_PATTERN)] = None,
                         content_encoding: Annotated[str, Header()] = "",
                         authorization: Annotated[str | None, Header()] = None) -> Response:
        body = await request.body()

        def keep() -> tuple[Stored, list[bytes]]:
            with db.session() as session:
                me = authenticate(session, authorization, utc_now())
                stand = store(session, me, x_batch_id, content_encoding.strip().lower(), body, utc_now())
                return stand, ([] if x_answers_from is None else answered_from(session, me, x_answers_from))

        stand, carried = await run_in_threadpool(keep)
        applier.wake()
        return _response(stand, carried)

    @app.get(INBOX_PATH + "/{batch_id}", status_code=202, response_model=None, responses=ANSWERS)
    def stored_answer(batch_id: Annotated[str, Path(pattern=BATCH_ID_PATTERN)],
                      authorization: Annotated[str | None, Header()] = None) -> Response:
        with db.session() as session:
            me = authenticate(session, authorization, utc_now())
            stand = stored(session, me, batch_id)
        if stand is None:
            raise ApiError(404, "unknown_batch", "Máy chủ tỉnh không giữ gói này; quầy sẽ gửi lại các thao tác của gói.")
        if stand.status is None:
            applier.wake()  # asked for and still waiting: a wake lost, or batches left by a restart
        return _response(stand)


def _response(stand: Stored, carried: Sequence[bytes] = ()) -> Response:
    """The batch's answer if it has one, else 202 with where it stands and the earlier answers `carried`."""
    if stand.status is None or stand.answer is None:
        body = StoredBatch(batch_id=stand.batch_id, waiting_before=stand.waiting_before,
                           answered=[PushResponse.model_validate_json(answer) for answer in carried],
                           province_applied_at=stand.province_applied_at).model_dump_json()
        return Response(body, status_code=202, media_type="application/json")
    return Response(stand.answer, status_code=stand.status, media_type="application/json")

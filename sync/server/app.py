"""The provincial server's HTTP API (FastAPI). Stateless: every request works from the database alone,
so several processes can serve one PostgreSQL database behind a load balancer.

Before an endpoint runs, guard.RequestGuard has checked the token from the headers, the rate limits and
the body's bounds; http_errors gives every refusal the project's Vietnamese error shape.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Annotated, Any

from fastapi import FastAPI, Header, Query, Request, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp

from counter_app import __version__
from counter_app.domain.payload_fields import MAX_INT64
from counter_app.services.clock import utc_now
from sync.protocol import (
    API_PREFIX,
    PROTOCOL_VERSION,
    SUPPORTED_PROTOCOL_VERSIONS,
    SUPPORTED_SCHEMA_VERSIONS,
    BlobCreate,
    BlobStatus,
    Capability,
    EnrollRequest,
    EnrollResponse,
    ErrorResponse,
    HelloRequest,
    HelloResponse,
    Limits,
    PullPage,
    PushBatch,
    PushResponse,
)
from sync.server.auth import authenticate, enroll, epoch_row
from sync.server.blobs import ChunkOutcome, append_chunk, blob_status, check_sha256, create_blob, get_blob
from sync.server.conflict_routes import install_conflict_routes
from sync.server.db import ServerDatabase
from sync.server.dictionaries import DictionaryCache, install_dictionary_routes, newest_offer
from sync.server.errors import ApiError
from sync.server.feed import changes_after, last_change_seq
from sync.server.guard import RequestGuard
from sync.server.guard_admission import GuardSettings
from sync.server.guard_body import PreparsedJsonRoute
from sync.server.http_errors import ContainErrors, install_error_handlers
from sync.server.inbox import Applier, Background, applied_push, prepared_push, refuse_while_waiting
from sync.server.inbox_routes import applying, install_inbox_routes
from sync.server.memory import limit_malloc_arenas
from sync.server.models import Unit
from sync.server.pullback import install_pullback_routes
from sync.server.release_routes import install_release_routes
from sync.server.releases import newest_offers
from sync.server.reports import install_report_routes
from sync.server.token_rotation import DEFAULT_ROTATION_DAYS, offer_if_due
from sync.server.workers import tuned_for_load

log = logging.getLogger(__name__)
MAX_PULL_PAGE = 1_000
# The device's bearer token; module level so FastAPI can resolve the annotation.
Authorization = Annotated[str | None, Header()]
ERRORS = {status: {"model": ErrorResponse} for status in (400, 401, 403, 404, 408, 409, 413, 415, 422, 429, 503)}


def answer(model: BaseModel) -> Response:
    """`model` as the JSON answer, written once. Returned as a model, FastAPI would validate it again against the
    route's response_model and serialize it, in one more trip through the thread pool per request (issue 13: the
    fixed cost of a sync); the models here are built by the server itself, already valid."""
    return Response(model.model_dump_json(), media_type="application/json")


class ProvincialApi(FastAPI):
    """FastAPI with `ContainErrors` outside Starlette's own error layer (which re-raises to the server's log)."""

    def build_middleware_stack(self) -> ASGIApp:
        return ContainErrors(super().build_middleware_stack())


def create_app(db: ServerDatabase, limits: Limits | None = None, settings: GuardSettings | None = None,
               token_rotation_days: float = DEFAULT_ROTATION_DAYS, applier: Background | None = None) -> FastAPI:
    """The provincial server's app. Stored pushes are applied by `applier`, started and stopped with the app
    (sync/server/applier_process.py), or by a thread of this process."""
    limits = limits or Limits()
    rotation_period = timedelta(days=token_rotation_days)
    limit_malloc_arenas()  # before uvicorn's worker threads exist
    server_epoch = db.server_epoch()
    settings = settings or GuardSettings.from_environment()
    dictionaries = DictionaryCache(db)  # string tables of packed pushes (issue 13)
    applier = applier or Applier(db, limits, dictionaries, utc_now)  # stored pushes, applied in the background
    app = ProvincialApi(title="Máy chủ tỉnh — đồng bộ quầy một cửa", version=__version__,
                        openapi_url=f"{API_PREFIX}/openapi.json", docs_url=f"{API_PREFIX}/docs", redoc_url=None,
                        lifespan=applying(applier, tuned_for_load))
    # Endpoints take the JSON the guard parsed off the event loop within `limits`.
    app.router.route_class = PreparsedJsonRoute
    # Push results and pull pages compress well; on a 2G link the answer costs as much as the question.
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    # Outside it: token, rate limits and body bounds, before any endpoint runs (guard.py).
    app.add_middleware(RequestGuard, db=db, limits=limits, settings=settings)
    install_error_handlers(app)

    # Each endpoint commits its own transaction before it returns, so a response is only ever sent
    # for work that is durably stored (never "acknowledged, then the commit failed").

    @app.get(f"{API_PREFIX}/health")
    def health() -> dict[str, Any]:
        return {"status": "ok", "protocol_version": PROTOCOL_VERSION, "server_epoch": server_epoch}

    @app.post(f"{API_PREFIX}/enroll", responses=ERRORS)
    def enroll_device(request: EnrollRequest) -> EnrollResponse:
        with db.session() as s:
            new_device, token = enroll(s, request.code, request.device_name, request.app_version, utc_now(),
                                      request.desk_slot, request.expected_unit_code)
            unit = s.get(Unit, new_device.unit_code)
            assert unit is not None
            response = EnrollResponse(device_id=new_device.id, token=token, unit_code=unit.code, unit_name=unit.name,
                                      desk_slot=new_device.desk_slot, server_epoch=server_epoch)
        return response

    @app.post(f"{API_PREFIX}/sync/hello", responses=ERRORS, response_model=HelloResponse)
    def hello(request: HelloRequest, authorization: Authorization = None) -> Response:
        common = sorted(set(request.protocol_versions) & set(SUPPORTED_PROTOCOL_VERSIONS))
        if not common:
            raise ApiError(409, "upgrade_required",
                           "Phiên bản ứng dụng quầy không tương thích với máy chủ tỉnh; hãy cập nhật ứng dụng. Dữ liệu chưa gửi vẫn được giữ.")
        schemas = sorted(set(request.schema_versions) & set(SUPPORTED_SCHEMA_VERSIONS))
        if not schemas:
            raise ApiError(409, "upgrade_required", "Dữ liệu của quầy ở phiên bản máy chủ chưa đọc được; hãy cập nhật máy chủ hoặc ứng dụng.")
        with db.session() as s:
            me = authenticate(s, authorization, utc_now())
            row = epoch_row(s, me, request.device_epoch, utc_now(), request.epoch_base_seq)
            me.app_version = request.app_version[:40]
            response = HelloResponse(
                protocol_version=common[-1], schema_versions=schemas, server_epoch=server_epoch, server_time=utc_now(),
                limits=limits, capabilities=[c.value for c in Capability], device_id=me.id, unit_code=me.unit_code,
                desk_slot=me.desk_slot, device_epoch=row.epoch, acked_seq=row.acked_seq,
                last_change_seq=last_change_seq(s, me.unit_code), releases=newest_offers(s), dictionary=newest_offer(s),
                new_token=offer_if_due(s, me, utc_now(), rotation_period)
                if Capability.TOKEN_ROTATION.value in request.capabilities else None,
            )
        return answer(response)

    @app.post(f"{API_PREFIX}/sync/push", responses=ERRORS, response_model=PushResponse)
    def push(batch: PushBatch, authorization: Authorization = None) -> Response:
        batch, texts = prepared_push(batch, limits, dictionaries)  # the packed form (sync/packing.py), bounded
        with db.session() as s:
            me = authenticate(s, authorization, utc_now())
            refuse_while_waiting(s, me)  # its stored batches go first (sync/server/inbox.py)
            response = applied_push(s, me, batch, texts, utc_now())
        return answer(response)

    @app.get(f"{API_PREFIX}/sync/pull", responses=ERRORS, response_model=PullPage)
    def pull(after: Annotated[int, Query(ge=0, le=MAX_INT64)] = 0, limit: Annotated[int, Query(ge=1, le=MAX_PULL_PAGE)] = 200,
             resolutions: bool = False, authorization: Authorization = None) -> Response:
        with db.session() as s:
            me = authenticate(s, authorization, utc_now())
            changes, more = changes_after(s, me.unit_code, after, limit, resolutions=resolutions)
        return answer(PullPage(server_epoch=server_epoch, after=after, changes=changes,
                               last_seq=changes[-1].seq if changes else after, has_more=more))

    @app.head(f"{API_PREFIX}/blobs/{{sha256}}", responses=ERRORS)
    def blob_head(sha256: str, authorization: Authorization = None) -> Response:
        check_sha256(sha256)
        with db.session() as s:
            me = authenticate(s, authorization, utc_now())
            blob = get_blob(s, me.unit_code, sha256)
            if blob is None:
                return Response(status_code=404)
            return Response(status_code=200, headers={"Upload-Offset": str(blob.received), "Upload-Length": str(blob.size),
                                                  "X-Blob-Complete": "1" if blob.complete else "0"})

    @app.post(f"{API_PREFIX}/blobs/{{sha256}}", responses=ERRORS)
    def blob_create(sha256: str, request: BlobCreate, authorization: Authorization = None) -> BlobStatus:
        check_sha256(sha256)
        with db.session() as s:
            me = authenticate(s, authorization, utc_now())
            status = blob_status(create_blob(s, me, sha256, request.size, request.content_type, limits, utc_now()))
        return status

    @app.patch(f"{API_PREFIX}/blobs/{{sha256}}", responses=ERRORS)
    async def blob_patch(sha256: str, request: Request, upload_offset: Annotated[int, Header(ge=0)],
                         authorization: Authorization = None) -> BlobStatus:
        check_sha256(sha256)
        data = await request.body()
        if len(data) > limits.blob_chunk_bytes * 2:
            raise ApiError(413, "chunk_too_large", f"Mỗi phần tải lên tối đa {limits.blob_chunk_bytes * 2} byte.")

        def store() -> ChunkOutcome:
            with db.session() as s:
                me = authenticate(s, authorization, utc_now())
                outcome = append_chunk(s, me.unit_code, sha256, upload_offset, data, utc_now())
            return outcome

        outcome = await run_in_threadpool(store)
        if outcome.refusal is not None:  # e.g. a hash mismatch: the reset is committed, the refusal answered
            raise outcome.refusal
        return outcome.status

    install_dictionary_routes(app, db)  # GET /api/v1/sync/dictionaries/{id}: push dictionaries (issue 13)
    install_release_routes(app, db)  # GET /api/v1/releases/{sha256}: counter updates (issue 12)
    install_report_routes(app, db)  # GET /api/v1/reports/…: report tokens only (issue 11)
    install_pullback_routes(app, db)  # GET /api/v1/sync/pullback: a restored counter's own dossiers (issue 12)
    install_conflict_routes(app, db)  # GET /api/v1/sync/conflicts, POST …/{id}/resolution: a supervisor decides (issue 13)
    install_inbox_routes(app, db, applier)  # POST /api/v1/sync/inbox, GET …/{batch_id}: stored pushes (issue 13)
    return app


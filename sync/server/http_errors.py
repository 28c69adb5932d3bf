"""Every 4xx/5xx the server sends is `{"error": {"code", "message"}}` in Vietnamese, and no failure logs data.

FastAPI's and Starlette's own refusals (unknown path, wrong method, unparsable body, schema errors) are
translated here. An unexpected exception becomes a 500 in the same shape and one log line naming the
exception type, where it was raised and the request's batch id: never the exception's text (a
database error's text can quote the row it failed on, i.e. a citizen's data) and never a traceback with
locals. `ContainErrors` sits outside Starlette's ServerErrorMiddleware, which re-raises every exception
after answering so that the server (uvicorn) would log it in full.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Mapping
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from counter_app.domain.errors import DomainError
from sync.server.errors import ApiError

log = logging.getLogger(__name__)
# The push's batch id, once its body is parsed (see guard_body.BodyReader), for the log line of a failure.
BATCH_ID_KEY = "sync.batch_id"
SERVER_ERROR = "Máy chủ gặp lỗi ngoài dự kiến; quầy sẽ thử lại sau."
_HTTP_MESSAGES = {
    400: ("bad_request", "Yêu cầu không hợp lệ."),
    401: ("unauthorized", "Thiếu hoặc sai mã xác thực của quầy."),
    403: ("forbidden", "Quầy không có quyền thực hiện yêu cầu này."),
    404: ("not_found", "Không có địa chỉ này trên máy chủ tỉnh."),
    405: ("method_not_allowed", "Địa chỉ này không nhận phương thức {method}."),
    406: ("not_acceptable", "Máy chủ không trả được định dạng được yêu cầu."),
    408: ("request_timeout", "Gửi dữ liệu quá chậm; máy chủ đã ngừng chờ."),
    411: ("length_required", "Thiếu độ dài dữ liệu gửi lên."),
    413: ("body_too_large", "Dữ liệu gửi lên quá lớn."),
    415: ("unsupported_media_type", "Kiểu dữ liệu gửi lên không được hỗ trợ."),
    422: ("invalid_request", "Yêu cầu không đúng định dạng giao thức."),
    429: ("rate_limited", "Quá nhiều yêu cầu; hãy thử lại sau."),
}


def error_response(status: int, code: str, message: str, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse(status_code=status, content={"error": {"code": code, "message": message}}, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(_request: Request, error: ApiError) -> JSONResponse:
        return error_response(error.status, error.code, error.message, error.headers)

    @app.exception_handler(DomainError)
    async def domain_error(_request: Request, error: DomainError) -> JSONResponse:
        return error_response(422, "refused", error.message)

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, error: RequestValidationError) -> JSONResponse:
        where = "; ".join(".".join(str(p) for p in e.get("loc", ())) for e in error.errors()[:5])
        return error_response(422, "invalid_request", f"Yêu cầu không đúng định dạng giao thức ({where}).")

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> JSONResponse:
        if isinstance(getattr(error, "code", None), str):  # the guard's BodyRefused: its own code and message
            return error_response(error.status_code, error.code, error.message, error.headers)  # type: ignore[attr-defined]
        code, message = _HTTP_MESSAGES.get(error.status_code, ("http_error", "Yêu cầu bị từ chối (HTTP {status})."))
        return error_response(error.status_code, code, message.format(method=request.method, status=error.status_code),
                              error.headers)

    @app.exception_handler(Exception)
    async def unexpected(_request: Request, _error: Exception) -> JSONResponse:
        return error_response(500, "server_error", SERVER_ERROR)  # logged once, by ContainErrors


def log_failure(scope: Scope, error: BaseException) -> None:
    """One line: what failed where, for which request; nothing from the exception's text or its locals."""
    frames = traceback.extract_tb(error.__traceback__)
    where = f"{Path(frames[-1].filename).name}:{frames[-1].lineno} {frames[-1].name}" if frames else "?"
    batch = scope.get("state", {}).get(BATCH_ID_KEY)
    log.error("Lỗi máy chủ %s tại %s khi xử lý %s %s%s", type(error).__name__, where, scope.get("method", ""),
              scope.get("path", ""), f" (gói {batch})" if batch else "")


class ContainErrors:
    """The outermost layer: an exception never reaches the server's logger with its message or traceback."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scope.setdefault("state", {})  # shared with inner layers, which note the batch id there
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as error:
            log_failure(scope, error)
            if not started:
                await error_response(500, "server_error", SERVER_ERROR)(scope, receive, send)

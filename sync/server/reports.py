"""Province-wide reports over HTTP (issue 11): the same reports as each counter's, per unit and in total.

GET /api/v1/reports/{daily,kpi,register}?from=YYYY-MM-DD&to=YYYY-MM-DD[&unit=U][&format=json|xlsx] with
`Authorization: Bearer <report token>` (sync.server.report_tokens; the guard admits report tokens only on
these paths). The figures come from `counter_app.reports.queries` over `sync.server.report_sources`, the
very rules the counters apply; JSON is `counter_app.reports.export_json.report_json`, XLSX
`counter_app.reports.export_xlsx.write_xlsx`. `provincial-server report …` (cli_reports.py) builds the same.
"""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import FastAPI, Header, Query, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from counter_app.domain.errors import ValidationError
from counter_app.domain.operations import printable
from counter_app.reports import queries
from counter_app.reports.model import DailyReport, KpiReport, Period, Register, ReportKind, Scope
from counter_app.reports.period_input import parse_report_day, report_period
from counter_app.reports.sources import ReportSources
from counter_app.services.clock import utc_now
from sync.protocol import API_PREFIX, ErrorResponse
from sync.server.db import ServerDatabase
from sync.server.errors import ApiError
from sync.server.models import Unit
from sync.server.report_sources import server_sources
from sync.server.report_tokens import allowed_unit, authenticate_report

REPORTS_PATH = f"{API_PREFIX}/reports"
MAX_REGISTER_ROWS = 100_000  # ~50 MB of JSON; a unit's year or the province's week fits
FORMATS = ("json", "xlsx")
QUERY_NAMES = ("from", "to", "unit", "format")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ERRORS: dict[int | str, dict[str, Any]] = {status: {"model": ErrorResponse} for status in (400, 401, 403, 404, 429, 503)}
Report = DailyReport | KpiReport | Register
# The report token; module level so FastAPI can resolve the annotation.
Authorization = Annotated[str | None, Header()]


def parse_period(start: str | None, end: str | None) -> Period:
    """The period asked for: both ends given, in order, at most a year, within the years reports cover
    (`counter_app.reports.period_input`, the CLI's and the screen's check too; 400 otherwise)."""
    for text, name in ((start, "from"), (end, "to")):
        if not text:
            raise ApiError(400, "bad_period", f"Thiếu tham số {name} (ngày dạng YYYY-MM-DD).")
    assert start is not None and end is not None
    try:
        return report_period(parse_report_day(start, "from", "Tham số from", iso_only=True),
                             parse_report_day(end, "to", "Tham số to", iso_only=True))
    except ValidationError as error:
        raise ApiError(400, "bad_period", error.message) from None


def refuse_repeated(request: Request) -> None:
    """`from=…&from=…` is refused, not read as its last value: a proxy or a bad link must not pick the period."""
    for name in QUERY_NAMES:
        if len(request.query_params.getlist(name)) > 1:
            raise ApiError(400, "repeated_parameter", f"Tham số {name} chỉ được gửi một lần.")


def parse_kind(text: str) -> ReportKind:
    try:
        return ReportKind(text)
    except ValueError:
        raise ApiError(404, "unknown_report", "Không có loại báo cáo này (daily, kpi, register).") from None


def check_unit_exists(session: Session, unit_code: str | None) -> None:
    if unit_code is not None and (len(unit_code) > 32 or session.get(Unit, unit_code) is None):
        raise ApiError(404, "unknown_unit", f"Không có đơn vị mã «{printable(unit_code, 40, replacement='?')}» trên máy chủ tỉnh.")


def build_report(session: Session, kind: ReportKind, period: Period, unit_code: str | None, now: datetime) -> Report:
    """The report of one unit, or of the province (`unit_code` None: per unit and in total)."""
    check_unit_exists(session, unit_code)
    sources = server_sources(session, unit_code)
    scope = Scope(unit_code=unit_code)
    connection = session.connection()
    if kind is ReportKind.DAILY:
        return queries.build_daily(connection, sources, period, scope, now=now)
    if kind is ReportKind.KPI:
        return queries.build_kpi(connection, sources, period, scope, now=now)
    check_register_size(session, sources, period)
    return queries.build_register(connection, sources, period, scope, now=now)


def check_register_size(session: Session, sources: ReportSources, period: Period, limit: int = MAX_REGISTER_ROWS) -> None:
    """The register lists every dossier received in the period: counted first (an index range), so a
    province-wide year is refused before it is built in memory and sent."""
    first, after = period.instants()
    d = sources.dossiers
    rows = session.scalar(select(func.count()).select_from(d).where(d.c.received_at >= first, d.c.received_at < after))
    if rows and rows > limit:
        raise ApiError(400, "report_too_large",
                       f"Sổ theo dõi hồ sơ của kỳ này có {_thousands(rows)} hồ sơ, quá {_thousands(limit)} dòng một "
                       "lần; hãy chọn một đơn vị hoặc một kỳ ngắn hơn.")


def _thousands(number: int) -> str:
    return f"{number:,}".replace(",", ".")


def report_file_name(kind: ReportKind, period: Period, unit_code: str | None, suffix: str) -> str:
    """e.g. bao-cao-daily-000.31.48.H15-2026-11-01-2026-11-30.xlsx (ASCII: safe in any header)."""
    where = unit_code or "toan-tinh"
    return f"bao-cao-{kind.value}-{where}-{period.start.isoformat()}-{period.end.isoformat()}.{suffix}"


def xlsx_bytes(report: Report) -> bytes:
    from counter_app.reports.export_xlsx import write_xlsx

    with tempfile.TemporaryDirectory(prefix="report-") as folder:
        path = Path(folder) / "report.xlsx"
        write_xlsx(report, path)
        return path.read_bytes()


def report_response(report: Report, kind: ReportKind, period: Period, unit_code: str | None, fmt: str) -> Response:
    if fmt == "xlsx":
        name = report_file_name(kind, period, unit_code, "xlsx")
        return Response(xlsx_bytes(report), media_type=XLSX_TYPE,
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
    from counter_app.reports.export_json import report_json

    return JSONResponse(report_json(report))


def install_report_routes(app: FastAPI, db: ServerDatabase) -> None:
    @app.get(f"{REPORTS_PATH}/{{kind}}", responses=ERRORS)
    def report(request: Request, kind: str, start: Annotated[str | None, Query(alias="from")] = None,
               end: Annotated[str | None, Query(alias="to")] = None, unit: str | None = None,
               fmt: Annotated[str, Query(alias="format")] = "json", authorization: Authorization = None) -> Response:
        refuse_repeated(request)
        if fmt not in FORMATS:
            raise ApiError(400, "bad_format", "Định dạng báo cáo phải là json hoặc xlsx.")
        with db.session() as s:  # short: the token's last use is written, then the lock is let go
            token = authenticate_report(s, authorization, utc_now())
        report_kind = parse_kind(kind)
        period = parse_period(start, end)
        unit_code = allowed_unit(token, unit)
        with db.read() as s:  # the report itself never holds the write lock (pushes go on meanwhile)
            built = build_report(s, report_kind, period, unit_code, utc_now())
        return report_response(built, report_kind, period, unit_code, fmt)

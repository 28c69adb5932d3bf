"""A report as plain JSON types: the CLI's `--format json` and the province's HTTP answer (keep it stable).

Dates are ISO (`2026-03-10`), instants ISO on the office clock (`2026-03-10T08:05:00+07:00`), amounts whole
đồng (int), rates strings with two decimals (`"93.75"`) or null when nothing was recorded. Figures carry
every key of the catalogue (figures.py) in its order, so a reader never meets a missing key. The shape of
each kind is documented in docs/report-exports.md.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from counter_app.domain.formats import to_office
from counter_app.reports.export_labels import Report, kind_of
from counter_app.reports.figures import DAILY_FIGURES, KPI_COUNTS, KPI_INDICATORS
from counter_app.reports.model import (
    DailyReport,
    DayCloseLine,
    Indicator,
    KpiReport,
    KpiRow,
    Register,
    RegisterRow,
    ReportRow,
)

FORMAT_VERSION = 1


def instant_json(instant: datetime | None) -> str | None:
    return None if instant is None else to_office(instant).isoformat()


def _day(day: date) -> str:
    return day.isoformat()


def report_json(report: Report) -> dict[str, Any]:
    """The report as a dict of str, int, None, lists and dicts (json.dumps needs no helper)."""
    head: dict[str, Any] = {
        "kind": kind_of(report).value,
        "format_version": FORMAT_VERSION,
        "title": report.title,
        "period": {"from": _day(report.period.start), "to": _day(report.period.end)},
        "scope": {"unit_code": report.scope.unit_code, "desk_slot": report.scope.desk_slot},
        "generated_at": instant_json(report.generated_at),
    }
    if isinstance(report, DailyReport):
        return head | _daily(report)
    if isinstance(report, KpiReport):
        return head | _kpi(report)
    return head | _register(report)


def _row(row: ReportRow) -> dict[str, Any]:
    return {"unit_code": row.unit_code, "desk_slot": row.desk_slot, "unit_name": row.unit_name,
            "values": {f.key: int(row.values.get(f.key, 0)) for f in DAILY_FIGURES}}


def _close(close: DayCloseLine) -> dict[str, Any]:
    return {"unit_code": close.unit_code, "desk_slot": close.desk_slot, "day": _day(close.day), "clerk": close.clerk,
            "expected_cash": close.expected_cash, "counted_total": close.counted_total,
            "difference": close.difference, "explanation": close.explanation}


def _daily(report: DailyReport) -> dict[str, Any]:
    return {
        "figures": [{"key": f.key, "label": f.label, "section": f.section, "unit": f.unit,
                     "lists_dossiers": f.lists_dossiers} for f in DAILY_FIGURES],
        "desks": [_row(r) for r in report.desks],
        "units": [_row(r) for r in report.units],
        "total": _row(report.total),
        "received_per_day": [{"day": _day(day), "direct": by.get(1, 0), "online": by.get(2, 0),
                              "postal": by.get(3, 0)} for day, by in sorted(report.received_per_day.items())],
        "closes": [_close(c) for c in report.closes],
    }


def _indicator(indicator: Indicator) -> dict[str, Any]:
    rate = indicator.rate
    return {"numerator": indicator.numerator, "denominator": indicator.denominator,
            "rate": None if rate is None else f"{rate:.2f}"}


def _kpi_row(row: KpiRow) -> dict[str, Any]:
    indicators = {}
    for f in KPI_INDICATORS:
        found = row.indicators.get(f.key)
        indicators[f.key] = _indicator(found) if found else {"numerator": 0, "denominator": 0, "rate": None}
    return {"unit_code": row.unit_code, "desk_slot": row.desk_slot, "unit_name": row.unit_name,
            "indicators": indicators, "counts": {f.key: int(row.counts.get(f.key, 0)) for f in KPI_COUNTS}}


def _kpi(report: KpiReport) -> dict[str, Any]:
    return {
        "indicators": [{"key": f.key, "label": f.label, "section": f.section} for f in KPI_INDICATORS],
        "counts": [{"key": f.key, "label": f.label, "section": f.section} for f in KPI_COUNTS],
        "units": [_kpi_row(r) for r in report.units],
        "total": _kpi_row(report.total),
        "on_time_per_day": [{"day": _day(day)} | _indicator(ind) for day, ind in sorted(report.on_time_per_day.items())],
    }


def _register_row(row: RegisterRow) -> dict[str, Any]:
    return {
        "number": row.number, "code": row.code, "procedure_name": row.procedure_name, "sets_count": row.sets_count,
        "applicant_name": row.applicant_name, "applicant_address": row.applicant_address,
        "applicant_phone": row.applicant_phone, "agency": row.agency,
        "received_at": instant_json(row.received_at), "due_at": instant_json(row.due_at),
        "sent_to_agency_at": instant_json(row.sent_to_agency_at),
        "result_from_agency_at": instant_json(row.result_from_agency_at),
        "returned_at": instant_json(row.returned_at),
        "register_book": row.register_book, "register_number": row.register_number, "note": row.note,
        "unit_code": row.unit_code, "desk_slot": row.desk_slot,
    }


def _register(report: Register) -> dict[str, Any]:
    return {"rows": [_register_row(r) for r in report.rows]}

"""A report as plain JSON (dates ISO, amounts int, rates as strings such as "93.75" or null).

Part C's minimal stand-in so the province's API answers before part B's exports land; the lead keeps
part B's version of this file (same name, same function) when merging.
"""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from counter_app.reports.model import DailyReport, Indicator, KpiReport, Register


def _plain(value: Any) -> Any:
    if isinstance(value, Indicator):
        rate = value.rate
        return {"key": value.key, "numerator": value.numerator, "denominator": value.denominator,
                "rate": None if rate is None else str(rate)}
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, dict):
        return {(k.isoformat() if isinstance(k, date) else str(k)): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def report_json(report: DailyReport | KpiReport | Register) -> dict[str, Any]:
    kind = {DailyReport: "daily", KpiReport: "kpi", Register: "register"}[type(report)]
    return {"kind": kind, **_plain(report)}

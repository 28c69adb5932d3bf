"""A report's period as a person types it (the CLI, the province's HTTP API): checked before any query runs.

Dates are YYYY-MM-DD, like every `--day` of the CLI, or dd/mm/yyyy as the papers write them. A period ends
on or after its start and spans at most `queries.MAX_PERIOD_DAYS` days (a year, leap day included; the
engine's own check, `queries.check_period`, with its message): a longer one is refused rather than left to run
for minutes. Refusals are ValidationErrors (the CLI's exit code 2, the server's 400).
"""

from __future__ import annotations

from datetime import date, datetime

from counter_app.domain.errors import ValidationError
from counter_app.domain.formats import office_date
from counter_app.reports.model import Period
from counter_app.reports.queries import MAX_PERIOD_DAYS, PeriodTooLong, check_period

__all__ = ["MAX_PERIOD_DAYS", "parse_report_day", "report_period"]
MAX_DATE_TEXT = 40  # a date is 10 characters; more is never echoed back whole


def parse_report_day(text: str, field: str, label: str) -> date:
    """'2026-03-10' or '10/03/2026' → the office date; anything else a ValidationError in Vietnamese."""
    value = text.strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    raise ValidationError(field, f"{label} «{text[:MAX_DATE_TEXT]}» không phải một ngày hợp lệ (dạng YYYY-MM-DD, "
                          "ví dụ 2026-03-10, hoặc dd/mm/yyyy, ví dụ 10/03/2026).", label)


def report_period(start: date, end: date) -> Period:
    """The period [start, end]; refused when it ends before it starts or is longer than MAX_PERIOD_DAYS."""
    if end < start:
        raise ValidationError("to", f"Ngày kết thúc {office_date(end)} trước ngày bắt đầu {office_date(start)}.",
                              "Đến ngày")
    try:
        return check_period(Period(start, end))
    except PeriodTooLong as too_long:
        raise ValidationError("to", too_long.message, "Đến ngày") from None

"""A report's period as a person types it (the CLI, the province's HTTP API): checked before any query runs.

Dates are YYYY-MM-DD, like every `--day` of the CLI, or dd/mm/yyyy as the papers write them. A period ends
on or after its start and spans at most `queries.MAX_PERIOD_DAYS` days (a year, leap day included; the
engine's own check, `queries.check_period`, with its message): a longer one is refused rather than left to run
for minutes. Its days lie between FIRST_REPORT_DAY and LAST_REPORT_DAY: 0001-01-01 or 9999-12-31 are valid
dates whose instants at the office overflow (a crash, not an answer). Refusals are ValidationErrors (the
CLI's exit code 2, the server's and the screen's message). The CLI, the screen and the server all check here.
"""

from __future__ import annotations

from datetime import date, datetime

from counter_app.domain.errors import ValidationError
from counter_app.domain.formats import office_date
from counter_app.domain.operations import printable
from counter_app.reports.model import Period
from counter_app.reports.queries import MAX_PERIOD_DAYS, PeriodTooLong, check_period

__all__ = ["FIRST_REPORT_DAY", "LAST_REPORT_DAY", "MAX_PERIOD_DAYS", "parse_report_day", "report_period"]
MAX_DATE_TEXT = 40  # a date is 10 characters; more is never echoed back whole
ISO_DATE_CHARS = 10
FIRST_REPORT_DAY = date(1900, 1, 1)  # no dossier is older; any earlier date is a typo
LAST_REPORT_DAY = date(2999, 12, 31)


def parse_report_day(text: str, field: str, label: str, *, iso_only: bool = False) -> date:
    """'2026-03-10' or '10/03/2026' → the office date; anything else a ValidationError in Vietnamese.
    `iso_only` (the HTTP API): exactly YYYY-MM-DD, one spelling per date in a link."""
    value = text.strip()
    patterns = ("%Y-%m-%d",) if iso_only else ("%Y-%m-%d", "%d/%m/%Y")
    if iso_only and len(text) != ISO_DATE_CHARS:  # strptime takes 2026-3-1 and padding too
        patterns = ()
    for pattern in patterns:
        try:
            return datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    shown = printable(text, MAX_DATE_TEXT, replacement="?")
    if iso_only:
        raise ValidationError(field, f"{label} «{shown}» không phải một ngày hợp lệ (dạng YYYY-MM-DD, ví dụ "
                              "2026-03-10).", label)
    raise ValidationError(field, f"{label} «{shown}» không phải một ngày hợp lệ (dạng YYYY-MM-DD, "
                          "ví dụ 2026-03-10, hoặc dd/mm/yyyy, ví dụ 10/03/2026).", label)


def report_period(start: date, end: date) -> Period:
    """The period [start, end]; refused when it ends before it starts, is longer than MAX_PERIOD_DAYS or
    lies outside FIRST_REPORT_DAY..LAST_REPORT_DAY."""
    for day, field, label in ((start, "from", "Từ ngày"), (end, "to", "Đến ngày")):
        if not FIRST_REPORT_DAY <= day <= LAST_REPORT_DAY:
            raise ValidationError(field, f"{label} {office_date(day)} nằm ngoài khoảng báo cáo được "
                                  f"(từ {office_date(FIRST_REPORT_DAY)} đến {office_date(LAST_REPORT_DAY)}).", label)
    if end < start:
        raise ValidationError("to", f"Ngày kết thúc {office_date(end)} trước ngày bắt đầu {office_date(start)}.",
                              "Đến ngày")
    try:
        return check_period(Period(start, end))
    except PeriodTooLong as too_long:
        raise ValidationError("to", too_long.message, "Đến ngày") from None

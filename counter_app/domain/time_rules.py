"""Processing-time rules (thời hạn giải quyết) as data: how long, in what unit, per channel.

The law states time limits in four ways, and each needs its own arithmetic (docs/processing-times.md):

- same day (trong ngày), with a cut-off hour: hộ tịch (khai sinh, khai tử, kết hôn) and chứng thực are
  done on the day received, or on the next working day when received after 15:00;
- working hours and working days: counted in office time by `WorkCalendar.due_at` (1 day = 8 h);
- calendar days (ngày): counted on the calendar, the result moved to the next working day when it
  falls on a weekend or holiday.

A procedure may give a different time per channel (direct, online, postal). This module is the one
home of both the due-date rule (`due_at`) and the Vietnamese wording of a time (`processing_time_text`,
`procedure_time_text`): the picker, the slip, the CLI and the reports call these.

Pure Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from counter_app.domain.dossier import OFFICE_TZ, Channel

if TYPE_CHECKING:  # the calendar loads the `holidays` tables; the catalog only needs the rules
    from counter_app.domain.calendar import WorkCalendar

HOURS_PER_DAY = 8
# The cut-off of hộ tịch and chứng thực: received after 15:00 → the next working day.
DEFAULT_CUTOFF = time(15, 0)

# How the catalog names channels in its "times" mapping, and how the wording names them.
CHANNEL_KEYS: dict[str, Channel] = {"direct": Channel.DIRECT, "online": Channel.ONLINE, "postal": Channel.POSTAL}
CHANNEL_KEY = {channel: key for key, channel in CHANNEL_KEYS.items()}
_CHANNEL_WORDS = {Channel.DIRECT: "trực tiếp", Channel.ONLINE: "trực tuyến", Channel.POSTAL: "qua bưu chính"}


class TimeUnit(StrEnum):
    """The unit the legal text states the time in; it decides how the due date is counted."""

    SAME_DAY = "same_day"
    WORKING_HOURS = "working_hours"
    WORKING_DAYS = "working_days"
    CALENDAR_DAYS = "calendar_days"


@dataclass(frozen=True)
class TimeRule:
    """One processing time: `amount` hours (working_hours) or days (working/calendar days), 0 for same day.

    `cutoff` is only for same day: a dossier received after it is due on the next working day.
    Build through `catalog_checks` (files, sync) so that a bad rule is reported in Vietnamese.
    """

    unit: TimeUnit
    amount: int = 0
    cutoff: time | None = None

    def __post_init__(self) -> None:
        same_day = self.unit is TimeUnit.SAME_DAY
        if same_day != (self.amount == 0) or self.amount < 0 or (self.cutoff is not None and not same_day):
            raise ValueError(f"invalid processing-time rule {self!r}")

    @classmethod
    def from_hours(cls, hours: int, unit: TimeUnit = TimeUnit.WORKING_DAYS) -> TimeRule:
        """The rule an old catalog entry means: whole days when `hours` is a multiple of 8, else hours.

        Old entries hold only working hours and a display unit (working_days/working_hours); their due
        date was always `hours` of office time, which both rules built here still give.
        """
        if hours <= 0:
            return cls(TimeUnit.SAME_DAY)
        if unit is TimeUnit.WORKING_HOURS or hours % HOURS_PER_DAY:
            return cls(TimeUnit.WORKING_HOURS, hours)
        return cls(TimeUnit.WORKING_DAYS, hours // HOURS_PER_DAY)

    @property
    def nominal_hours(self) -> int:
        """Working hours the rule stands for in the old fields (dossier `processing_hours`, DB column).

        Same day is 0; a calendar day counts as 8 hours there. Only a summary: due dates come from `due_at`.
        """
        if self.unit is TimeUnit.WORKING_HOURS:
            return self.amount
        return self.amount * HOURS_PER_DAY

    def to_dict(self) -> dict[str, object]:
        """The catalog JSON form, read back by `catalog_checks`."""
        if self.unit is TimeUnit.SAME_DAY:
            data: dict[str, object] = {"unit": self.unit.value}
            if self.cutoff is not None:
                data["cutoff"] = self.cutoff.strftime("%H:%M")
            return data
        key = "hours" if self.unit is TimeUnit.WORKING_HOURS else "days"
        return {"unit": self.unit.value, key: self.amount}


class HasTimeRules(Protocol):
    """Anything that gives the rule for a channel (a catalog `Procedure`)."""

    def time_rule(self, channel: Channel) -> TimeRule: ...


# -- the due date ----------------------------------------------------------------------------------


def due_at(procedure: HasTimeRules, channel: Channel, received_at: datetime, calendar: WorkCalendar) -> datetime:
    """When a dossier of `procedure` filed through `channel` at `received_at` is due (Asia/Ho_Chi_Minh).

    The one due-date rule of the app: intake, the preview on the intake screen and the demo data call it.
    """
    return rule_due_at(procedure.time_rule(channel), received_at, calendar)


def rule_due_at(rule: TimeRule, received_at: datetime, calendar: WorkCalendar) -> datetime:
    """The due instant of one rule; `due_at` picks the rule of the dossier's channel."""
    if rule.unit is TimeUnit.SAME_DAY:
        return calendar.closing_time(_same_day(rule, received_at, calendar))
    if rule.unit is TimeUnit.CALENDAR_DAYS:
        start = calendar.next_office_time(received_at)
        result = start + timedelta(days=rule.amount)  # Asia/Ho_Chi_Minh has no DST: wall clock is exact
        if calendar.is_working_day(result.date()):
            return result
        # A day off: the same office clock time on the next working day.
        return datetime.combine(calendar.next_working_day(result.date()), result.timetz())
    return calendar.due_at(received_at, rule.nominal_hours)


def due_after_supplement(
    rule: TimeRule, due_at: datetime, requested_at: datetime, supplied_at: datetime, calendar: WorkCalendar
) -> datetime:
    """The new due date (NgayHenTraMoi) once the missing papers arrive: the clock stood still from the
    request to the answer, so the old due date (NgayHenTraTruoc) moves by the time waited.

    Counted like the procedure's own time: office time for working hours/days and same day (the waiting
    over nights, weekends and Tết costs nothing), calendar time for calendar days, the result then moved
    to the same clock time of the next working day if it falls on a day off. Nothing waited, nothing moved.
    The time waited counts in whole seconds: due dates travel to the province to the second, and a fraction
    would leave the counter and the province holding due dates a few milliseconds apart.
    """
    if rule.unit is TimeUnit.CALENDAR_DAYS:
        waited = _whole_seconds(supplied_at - requested_at)
        if waited <= timedelta(0):
            return due_at
        result = (due_at + waited).astimezone(OFFICE_TZ)
        if calendar.is_working_day(result.date()):
            return result
        return datetime.combine(calendar.next_working_day(result.date()), result.timetz())
    return calendar.add_working_time(due_at, _whole_seconds(calendar.working_time_between(requested_at, supplied_at)))


def _whole_seconds(span: timedelta) -> timedelta:
    return timedelta(seconds=int(span.total_seconds()))


def _same_day(rule: TimeRule, received_at: datetime, calendar: WorkCalendar) -> date:
    """The working day a same-day dossier is done: the day received, unless after the cut-off or hours."""
    local = received_at.astimezone(OFFICE_TZ)
    day = local.date()
    clock = local.time().replace(tzinfo=None)
    if (
        calendar.is_working_day(day)
        and clock < calendar.office_hours.periods[-1][1]
        and (rule.cutoff is None or clock <= rule.cutoff)
    ):
        return day
    return calendar.next_working_day(day)


# -- the wording -----------------------------------------------------------------------------------


def processing_time_text(rule: TimeRule) -> str:
    """One rule in the words of the slip: "5 ngày làm việc", "16 giờ làm việc", "30 ngày",
    "Trong ngày (tiếp nhận sau 15 giờ: ngày làm việc tiếp theo)"."""
    if rule.unit is TimeUnit.SAME_DAY:
        if rule.cutoff is None:
            return "Trong ngày"
        return f"Trong ngày (tiếp nhận sau {_hour_text(rule.cutoff)}: ngày làm việc tiếp theo)"
    if rule.unit is TimeUnit.WORKING_HOURS:
        return f"{rule.amount} giờ làm việc"
    if rule.unit is TimeUnit.WORKING_DAYS:
        return f"{rule.amount} ngày làm việc"
    return f"{rule.amount} ngày"


def procedure_time_text(procedure: HasTimeRules) -> str:
    """A procedure's time, naming channels only where they differ:
    "Trực tiếp: 15 ngày; trực tuyến, qua bưu chính: 5 ngày"."""
    groups: dict[TimeRule, list[Channel]] = {}
    for channel in Channel:
        groups.setdefault(procedure.time_rule(channel), []).append(channel)
    if len(groups) == 1:
        return processing_time_text(next(iter(groups)))
    parts = [
        f"{', '.join(_CHANNEL_WORDS[c] for c in channels)}: {processing_time_text(rule)}"
        for rule, channels in groups.items()
    ]
    text = "; ".join(parts)
    return text[0].upper() + text[1:]


def _hour_text(value: time) -> str:
    return f"{value.hour} giờ" if value.minute == 0 else f"{value.hour} giờ {value.minute:02d}"

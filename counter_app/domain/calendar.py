"""Working-hours calendar: when a dossier is due (ngày hẹn trả), docs/domain.md section 3.3.

Processing times are held in *working hours* (1 working day = 8 h with the default office hours), so
the due date is found by counting office time only: the clock starts at the next office moment after
receipt, runs through the working periods of each day and stands still over lunch, nights, weekends,
public holidays and the unit's extra days off. Units can also declare make-up working days (ngày làm
bù), because the government swaps days around Tết and 2/9 by annual notice.

Public holidays are seeded from the `holidays` library (loaded lazily per year, Vietnamese names).
The official yearly notice wins: a unit adds whatever the library lacks through `extra_days_off`
rather than this module carrying hard-coded exceptions.

Everything is computed in Asia/Ho_Chi_Minh (no DST, so wall-clock arithmetic is exact) with integer
microseconds, so results are reproducible on the counter and on the provincial server. The demo data
generator calls `due_at` a million times, hence the per-instance caches and the day-by-day skipping.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

import holidays

from counter_app.domain.dossier import OFFICE_TZ
from counter_app.domain.errors import DomainError, ValidationError
from counter_app.domain.formats import office_date, office_hhmm

_US_PER_HOUR = 3_600_000_000
_ONE_DAY = timedelta(days=1)
# Longest run of days off we accept before declaring the calendar broken (Tết plus weekends is ~9).
_MAX_DAYS_OFF_IN_A_ROW = 366
_CACHE_SIZE = 8192  # ~22 years of days per instance

_TIME_TEXT = re.compile(r"^(\d{1,2}):(\d{2})$")
_DATE_TEXT = re.compile(r"^\d{4}-\d{2}-\d{2}$")

_LABEL_OFFICE_HOURS = "Giờ làm việc"
_LABEL_DAYS_OFF = "Ngày nghỉ bổ sung"
_LABEL_WORKING_DAYS = "Ngày làm bù"
_LABEL_HOURS = "Thời hạn giải quyết (giờ làm việc)"

EXTRA_DAY_OFF_NAME = "Ngày nghỉ theo thông báo của đơn vị"

Period = tuple[time, time]


def _us_of_day(value: time | datetime) -> int:
    return ((value.hour * 60 + value.minute) * 60 + value.second) * 1_000_000 + value.microsecond


@dataclass(frozen=True)
class OfficeHours:
    """The working periods of one office day; the default is 07:00–11:30 and 13:30–17:00 (8 h).

    Configurable per unit because some communes open earlier in summer or work through lunch.
    Periods must be in order, not overlap, and each must start before it ends.
    """

    periods: tuple[Period, ...] = ((time(7, 0), time(11, 30)), (time(13, 30), time(17, 0)))

    def __post_init__(self) -> None:
        periods = tuple(tuple(p) if isinstance(p, list | tuple) else p for p in self.periods)
        object.__setattr__(self, "periods", periods)
        if not periods:
            raise ValidationError(
                "office_hours", "Giờ làm việc phải có ít nhất một buổi làm việc.", _LABEL_OFFICE_HOURS
            )
        previous: Period | None = None
        for period in periods:
            if (
                not isinstance(period, tuple)
                or len(period) != 2
                or not all(isinstance(t, time) for t in period)
            ):
                raise ValidationError(
                    "office_hours",
                    f"Mỗi buổi làm việc phải gồm giờ bắt đầu và giờ kết thúc; nhận được «{period}».",
                    _LABEL_OFFICE_HOURS,
                )
            start, end = period
            if start.tzinfo is not None or end.tzinfo is not None:
                raise ValidationError(
                    "office_hours",
                    "Giờ làm việc là giờ Việt Nam, không được kèm múi giờ.",
                    _LABEL_OFFICE_HOURS,
                )
            if start >= end:
                raise ValidationError(
                    "office_hours",
                    f"Buổi làm việc {office_hhmm(start)}–{office_hhmm(end)}: giờ bắt đầu phải trước giờ kết thúc.",
                    _LABEL_OFFICE_HOURS,
                )
            if previous is not None and start < previous[1]:
                raise ValidationError(
                    "office_hours",
                    f"Các buổi làm việc phải theo thứ tự và không chồng lên nhau: "
                    f"buổi {office_hhmm(start)}–{office_hhmm(end)} bắt đầu trước khi buổi "
                    f"{office_hhmm(previous[0])}–{office_hhmm(previous[1])} kết thúc.",
                    _LABEL_OFFICE_HOURS,
                )
            previous = (start, end)

    @classmethod
    def parse(cls, value: Any) -> OfficeHours:
        """Build from plain config data such as [["07:00", "11:30"], ["13:30", "17:00"]]."""
        if isinstance(value, str | bytes) or not isinstance(value, Iterable):
            raise ValidationError(
                "office_hours",
                f'Giờ làm việc phải là danh sách các buổi, ví dụ [["07:00", "11:30"], '
                f'["13:30", "17:00"]]; nhận được «{value}».',
                _LABEL_OFFICE_HOURS,
            )
        periods: list[Period] = []
        for item in value:
            if (
                isinstance(item, str | bytes)
                or not isinstance(item, Iterable)
                or len(item := list(item)) != 2
            ):
                raise ValidationError(
                    "office_hours",
                    f'Mỗi buổi làm việc phải gồm giờ bắt đầu và giờ kết thúc, ví dụ ["07:00", "11:30"]; '
                    f"nhận được «{item}».",
                    _LABEL_OFFICE_HOURS,
                )
            periods.append((_parse_time(item[0]), _parse_time(item[1])))
        return cls(tuple(periods))

    @property
    def hours_per_day(self) -> float:
        """Working hours in one full office day (8.0 by default)."""
        return sum(_us_of_day(e) - _us_of_day(s) for s, e in self.periods) / _US_PER_HOUR


def _parse_time(value: Any) -> time:
    match = _TIME_TEXT.match(value.strip()) if isinstance(value, str) else None
    if match:
        hour, minute = int(match[1]), int(match[2])
        if hour < 24 and minute < 60:
            return time(hour, minute)
    raise ValidationError(
        "office_hours",
        f"Giờ «{value}» không hợp lệ; hãy ghi theo dạng GG:PP, ví dụ 07:00 hoặc 13:30.",
        _LABEL_OFFICE_HOURS,
    )


def _parse_day(value: Any, field: str, label: str) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _DATE_TEXT.match(value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValidationError(
        field,
        f"{label}: ngày «{value}» không hợp lệ; hãy ghi theo dạng NNNN-TT-NN, ví dụ 2026-02-21.",
        label,
    )


def _parse_days(values: Any, field: str, label: str) -> frozenset[date]:
    if values is None:
        return frozenset()
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise ValidationError(
            field, f'{label} phải là danh sách ngày, ví dụ ["2026-02-21"]; nhận được «{values}».', label
        )
    return frozenset(_parse_day(v, field, label) for v in values)


def _library_year(year: int) -> tuple[dict[date, str], frozenset[date]]:
    """Vietnamese public holidays of `year` from the `holidays` library, and its make-up Saturdays."""
    table = holidays.country_holidays("VN", years=year, language="vi")
    days_off = {d: name for d, name in table.items() if d.year == year}
    workdays = frozenset(d for d in table.weekend_workdays if d.year == year)
    return days_off, workdays


class WorkCalendar:
    """Which days are working days and how office time adds up, for one unit.

    A day is a working day if it is Monday–Friday, not a public holiday and not in `extra_days_off`,
    or if it is in `extra_working_days` (ngày làm bù, e.g. a Saturday). When `public_holidays` is
    None the holidays come from the `holidays` library, including its observed (nghỉ bù) and
    substituted days; the Saturdays the library lists as swapped working days (e.g. 22/8/2026 for
    31/8/2026) count as make-up working days too, unless the unit lists them in `extra_days_off`.
    Passing a mapping date → name (e.g. the supervisor-edited table) replaces the library entirely.
    """

    def __init__(
        self,
        office_hours: OfficeHours | None = None,
        extra_days_off: Iterable[date] = (),
        extra_working_days: Iterable[date] = (),
        public_holidays: Mapping[date, str] | None = None,
    ) -> None:
        self.office_hours = office_hours if office_hours is not None else OfficeHours()
        self.extra_days_off = _parse_days(extra_days_off, "days_off", _LABEL_DAYS_OFF)
        self.extra_working_days = _parse_days(extra_working_days, "working_days", _LABEL_WORKING_DAYS)
        both = self.extra_days_off & self.extra_working_days
        if both:
            listed = ", ".join(office_date(d) for d in sorted(both))
            raise ValidationError(
                "working_days",
                f"Ngày {listed} vừa là ngày nghỉ bổ sung vừa là ngày làm bù; hãy chọn một.",
                _LABEL_WORKING_DAYS,
            )
        self._fixed_holidays = public_holidays
        self._years: dict[int, tuple[dict[date, str], frozenset[date]]] = {}

        self._periods: tuple[tuple[int, int], ...] = tuple(
            (_us_of_day(s), _us_of_day(e)) for s, e in self.office_hours.periods
        )
        self._day_us = sum(e - s for s, e in self._periods)
        # Per-instance caches: a class-level lru_cache would keep every calendar alive forever.
        self.is_working_day: Callable[[date], bool] = lru_cache(maxsize=_CACHE_SIZE)(self._is_working_day)
        self._next_working_day: Callable[[date], date] = lru_cache(maxsize=_CACHE_SIZE)(
            self._find_next_working_day
        )

    @classmethod
    def from_config(
        cls, config: Mapping[str, Any] | None, public_holidays: Mapping[date, str] | None = None
    ) -> WorkCalendar:
        """Build from the unit config: keys `office_hours`, `days_off`, `working_days` (all optional).

        Unknown keys are refused: a typo such as "day_off" would otherwise silently drop a Tết notice.
        """
        config = config or {}
        if not isinstance(config, Mapping):
            raise ValidationError(
                "calendar",
                f"Cấu hình lịch làm việc phải là một bảng khóa–giá trị; nhận được «{config}».",
                "Lịch làm việc",
            )
        unknown = sorted(str(k) for k in config if k not in {"office_hours", "days_off", "working_days"})
        if unknown:
            raise ValidationError(
                "calendar",
                f"Cấu hình lịch làm việc có khóa không hợp lệ: {', '.join(unknown)} "
                "(chỉ dùng office_hours, days_off, working_days).",
                "Lịch làm việc",
            )
        office = config.get("office_hours")
        return cls(
            office_hours=OfficeHours.parse(office) if office is not None else OfficeHours(),
            extra_days_off=_parse_days(config.get("days_off"), "days_off", _LABEL_DAYS_OFF),
            extra_working_days=_parse_days(config.get("working_days"), "working_days", _LABEL_WORKING_DAYS),
            public_holidays=public_holidays,
        )

    # -- days -------------------------------------------------------------------------------------

    def _year(self, year: int) -> tuple[dict[date, str], frozenset[date]]:
        loaded = self._years.get(year)
        if loaded is None:
            loaded = self._years[year] = _library_year(year)
        return loaded

    def _public_holiday(self, d: date) -> str | None:
        if self._fixed_holidays is not None:
            return self._fixed_holidays.get(d)
        return self._year(d.year)[0].get(d)

    def _is_working_day(self, d: date) -> bool:
        """Uncached rule; `is_working_day` is this wrapped in a per-instance lru_cache."""
        if d in self.extra_working_days:
            return True
        if d in self.extra_days_off:
            return False
        if d.weekday() >= 5:
            return self._fixed_holidays is None and d in self._year(d.year)[1]
        return self._public_holiday(d) is None

    def _find_next_working_day(self, d: date) -> date:
        """The first working day strictly after `d`."""
        for _ in range(_MAX_DAYS_OFF_IN_A_ROW):
            d += _ONE_DAY
            if self.is_working_day(d):
                return d
        raise DomainError(
            f"Không có ngày làm việc nào trong {_MAX_DAYS_OFF_IN_A_ROW} ngày sau {office_date(d)}; "
            "hãy kiểm tra danh sách ngày nghỉ của đơn vị."
        )

    def next_working_day(self, d: date) -> date:
        """The first working day strictly after `d`."""
        return self._next_working_day(d)

    def closing_time(self, d: date) -> datetime:
        """The end of the last office period of day `d` (17:00 by default): a same-day result is due then."""
        return self._instant(d, self._periods[-1][1])

    def working_day_start(self, instant: datetime) -> datetime:
        """Midnight (office time) of the working day in progress at `instant`: today if it is a working
        day, else the last working day before it. A dossier received before it is a late entry."""
        d, _ = self._local(instant, "now")
        for _ in range(_MAX_DAYS_OFF_IN_A_ROW):
            if self.is_working_day(d):
                return self._instant(d, 0)
            d -= _ONE_DAY
        raise DomainError(
            f"Không có ngày làm việc nào trong {_MAX_DAYS_OFF_IN_A_ROW} ngày trước {office_date(d)}; "
            "hãy kiểm tra danh sách ngày nghỉ của đơn vị."
        )

    def holiday_name(self, d: date) -> str | None:
        """Why `d` is a day off besides the weekend, in Vietnamese, for the UI; None on working days."""
        if self.is_working_day(d):
            return None
        name = self._public_holiday(d)
        if name is None and d in self.extra_days_off:
            return EXTRA_DAY_OFF_NAME
        return name

    # -- instants ---------------------------------------------------------------------------------

    @staticmethod
    def _local(instant: datetime, field: str) -> tuple[date, int]:
        if not isinstance(instant, datetime) or instant.utcoffset() is None:
            raise ValidationError(
                field,
                f"Thời điểm «{instant}» phải là ngày giờ có múi giờ (ví dụ giờ Việt Nam, UTC+7).",
                "Thời điểm",
            )
        local = instant.astimezone(OFFICE_TZ)
        return local.date(), _us_of_day(local)

    @staticmethod
    def _instant(d: date, us: int) -> datetime:
        seconds, micro = divmod(us, 1_000_000)
        minutes, second = divmod(seconds, 60)
        hour, minute = divmod(minutes, 60)
        return datetime(d.year, d.month, d.day, hour, minute, second, micro, tzinfo=OFFICE_TZ)

    def _counting_start(self, d: date, us: int) -> tuple[date, int, int]:
        """(day, period index, microsecond of day) of the first office moment at or after (d, us)."""
        if self.is_working_day(d):
            for index, (start, end) in enumerate(self._periods):
                if us < end:
                    return d, index, max(us, start)
        return self._next_working_day(d), 0, self._periods[0][0]

    def next_office_time(self, instant: datetime) -> datetime:
        """When the clock starts for something received at `instant` (aware, any zone), in OFFICE_TZ.

        Before the first period: its start; at lunch: the afternoon start; after hours or on a day
        off: the first period of the next working day. At exactly a period end (11:30, 17:00) there
        is no working time left in that period, so the next one is taken.
        """
        d, _, us = self._counting_start(*self._local(instant, "received_at"))
        return self._instant(d, us)

    def due_at(self, received_at: datetime, processing_hours: int) -> datetime:
        """The due instant: `processing_hours` of office time after the counting start.

        0 hours gives the counting start itself (on-the-spot services). A result that lands exactly on
        a period end (e.g. 17:00) stays there rather than moving to the next morning.
        """
        if (
            isinstance(processing_hours, bool)
            or not isinstance(processing_hours, int)
            or processing_hours < 0
        ):
            raise ValidationError(
                "processing_hours",
                f"Thời hạn giải quyết phải là số nguyên giờ làm việc, không âm; nhận được «{processing_hours}».",
                _LABEL_HOURS,
            )
        d, index, us = self._counting_start(*self._local(received_at, "received_at"))
        return self._after_office_us(d, index, us, processing_hours * _US_PER_HOUR)

    def add_working_time(self, start: datetime, duration: timedelta) -> datetime:
        """`start` moved forward by `duration` of office time (microsecond exact); a zero duration keeps it.

        A supplement's answer moves the due date by the working time the citizen took
        (`time_rules.due_after_supplement`); the result always lies inside office hours of a working day.
        """
        remaining = duration // timedelta(microseconds=1)
        if remaining <= 0:
            return start
        d, index, us = self._counting_start(*self._local(start, "start"))
        return self._after_office_us(d, index, us, remaining)

    def _after_office_us(self, d: date, index: int, us: int, remaining: int) -> datetime:
        """The instant `remaining` office microseconds after the office moment (d, period index, us)."""
        if remaining == 0:
            return self._instant(d, us)
        periods = self._periods
        # Rest of the first day, period by period.
        for start, end in periods[index:]:
            us = max(us, start)
            if remaining <= end - us:
                return self._instant(d, us + remaining)
            remaining -= end - us
        # Whole working days; `>` keeps a result that ends exactly at the day's last period end.
        d = self._next_working_day(d)
        while remaining > self._day_us:
            remaining -= self._day_us
            d = self._next_working_day(d)
        for start, end in periods:
            if remaining <= end - start:
                return self._instant(d, start + remaining)
            remaining -= end - start
        raise AssertionError("unreachable: remaining fits in one office day")  # pragma: no cover

    def _worked_before(self, us: int) -> int:
        """Working microseconds of a working day that lie before `us`."""
        return sum(min(us, end) - start for start, end in self._periods if us > start)

    def working_hours_between(self, start: datetime, end: datetime) -> float:
        """Office time between two aware instants, in hours; negative when `end` is before `start`.

        Used to pause the clock while a supplement is awaited and for on-time reports.
        """
        return self.working_time_between(start, end) / timedelta(hours=1)

    def working_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Office time between two aware instants, exact to the microsecond; negative when `end` is first."""
        d1, us1 = self._local(start, "start")
        d2, us2 = self._local(end, "end")
        if (d2, us2) < (d1, us1):
            return -self.working_time_between(end, start)
        if d1 == d2:
            total = self._worked_before(us2) - self._worked_before(us1) if self.is_working_day(d1) else 0
        else:
            total = self._day_us - self._worked_before(us1) if self.is_working_day(d1) else 0
            d = d1 + _ONE_DAY
            while d < d2:
                if self.is_working_day(d):
                    total += self._day_us
                d += _ONE_DAY
            if self.is_working_day(d2):
                total += self._worked_before(us2)
        return timedelta(microseconds=total)

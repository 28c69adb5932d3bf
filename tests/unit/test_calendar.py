"""Due dates counted in office hours: hand-computed cases around Tết and 2/9 2026, and a property check.

Default office hours: 07:00–11:30 (4.5 h) and 13:30–17:00 (3.5 h), 8 h a day. All expected instants
below were worked out by hand; each comment shows the arithmetic.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from counter_app.domain.calendar import EXTRA_DAY_OFF_NAME, OfficeHours, WorkCalendar
from counter_app.domain.dossier import OFFICE_TZ
from counter_app.domain.errors import ValidationError

CAL = WorkCalendar()


def vn(*args: int) -> datetime:
    """An instant on the office wall clock (Asia/Ho_Chi_Minh)."""
    return datetime(*args, tzinfo=OFFICE_TZ)


# -- what the holidays library (0.108) gives ---------------------------------------------------------


def test_library_gives_tet_2026_as_the_official_notice() -> None:
    # The official notice: Tết Bính Ngọ off Mon 16 – Fri 20 Feb 2026 (with the weekends, 14–22 Feb).
    # The library gives exactly these five weekdays, with Vietnamese names.
    february = {date(2026, 2, d): CAL.holiday_name(date(2026, 2, d)) for d in range(1, 29)}
    named = {d: n for d, n in february.items() if n is not None}
    assert named == {
        date(2026, 2, 16): "Giao thừa Tết Nguyên Đán",
        date(2026, 2, 17): "Tết Nguyên Đán",
        date(2026, 2, 18): "Mùng hai Tết Nguyên Đán",
        date(2026, 2, 19): "Mùng ba Tết Nguyên Đán",
        date(2026, 2, 20): "Mùng bốn Tết Nguyên Đán",
    }
    # Closed days of February: the weekends (1, 7-8, 14-15, 21-22, 28) and Tết 16-20.
    closed = [d.day for d in february if not CAL.is_working_day(d)]
    assert closed == [1, 7, 8, *range(14, 23), 28]


def test_library_gives_national_day_2026_with_a_swapped_saturday() -> None:
    # 2/9/2026 is a Wednesday. The library gives 1/9 and 2/9 (Quốc khánh, the 2nd day is the adjacent
    # 1/9) plus Mon 31/8 off, swapped with Saturday 22/8 which becomes a working day. So the office is
    # closed Sat 29/8 – Wed 2/9 and open Sat 22/8.
    names = {d: CAL.holiday_name(d) for d in (date(2026, 8, 31), date(2026, 9, 1), date(2026, 9, 2))}
    assert names == {
        date(2026, 8, 31): "Ngày nghỉ (thay cho ngày 22/08/2026)",
        date(2026, 9, 1): "Quốc khánh",
        date(2026, 9, 2): "Quốc khánh",
    }
    assert CAL.holiday_name(date(2026, 9, 3)) is None
    assert CAL.is_working_day(date(2026, 9, 3))
    assert CAL.is_working_day(date(2026, 8, 22))  # Saturday, ngày làm bù from the library
    assert CAL.holiday_name(date(2026, 8, 22)) is None


def test_other_2026_days_off_and_names() -> None:
    assert CAL.holiday_name(date(2026, 1, 1)) == "Tết Dương lịch"
    # Giỗ Tổ 10/3 lunar is Sunday 26/4/2026; the library moves it to Monday 27/4 (nghỉ bù).
    assert CAL.holiday_name(date(2026, 4, 27)) == "Ngày Giỗ Tổ Hùng Vương (nghỉ bù)"
    assert not CAL.is_working_day(date(2026, 4, 27))
    assert CAL.holiday_name(date(2026, 11, 24)) == "Ngày Văn hóa Việt Nam"
    assert CAL.holiday_name(date(2026, 3, 11)) is None  # ordinary Wednesday
    assert CAL.holiday_name(date(2026, 3, 7)) is None  # ordinary Saturday: weekend, not a holiday


# -- due dates ---------------------------------------------------------------------------------------


def test_due_date_across_tet_2026() -> None:
    # Fri 13/2 15:00 + 16 h: 15:00–17:00 = 2 h (14 left). 14–22/2 closed (weekend, Tết 16–20, weekend).
    # Mon 23/2 full day 8 h (6 left); Tue 24/2 morning 4.5 h (1.5 left); 13:30 + 1.5 h = 15:00.
    assert CAL.due_at(vn(2026, 2, 13, 15, 0), 16) == vn(2026, 2, 24, 15, 0)


def test_due_date_across_a_weekend() -> None:
    # Fri 6/3/2026 10:00 + 8 h: 10:00–11:30 = 1.5, 13:30–17:00 = 3.5 (3 left); Mon 9/3 07:00 + 3 = 10:00.
    assert CAL.due_at(vn(2026, 3, 6, 10, 0), 8) == vn(2026, 3, 9, 10, 0)


def test_due_date_across_national_day_2026() -> None:
    # Fri 28/8 09:00 + 16 h: 2.5 + 3.5 = 6 h on Friday (10 left). Sat 29/8 – Wed 2/9 closed.
    # Thu 3/9 full day 8 h (2 left); Fri 4/9 07:00 + 2 h = 09:00.
    assert CAL.due_at(vn(2026, 8, 28, 9, 0), 16) == vn(2026, 9, 4, 9, 0)


def test_due_date_uses_the_swapped_working_saturday() -> None:
    # Fri 21/8/2026 15:00 + 8 h: 2 h on Friday (6 left); Sat 22/8 is a working day (swap for 31/8):
    # morning 4.5 h (1.5 left); 13:30 + 1.5 h = 15:00 on Saturday.
    assert CAL.due_at(vn(2026, 8, 21, 15, 0), 8) == vn(2026, 8, 22, 15, 0)


def test_received_after_hours_starts_next_morning() -> None:
    # Tue 10/3/2026 18:30: the clock starts Wed 11/3 07:00; + 8 h is a full day ending exactly at
    # 17:00, which is kept (not moved to Thursday 07:00).
    assert CAL.next_office_time(vn(2026, 3, 10, 18, 30)) == vn(2026, 3, 11, 7, 0)
    assert CAL.due_at(vn(2026, 3, 10, 18, 30), 8) == vn(2026, 3, 11, 17, 0)


def test_received_at_lunch_starts_at_1330() -> None:
    # Tue 10/3 12:00: start 13:30; + 4 h: 3.5 h until 17:00 (0.5 left); Wed 11/3 07:00 + 0.5 = 07:30.
    assert CAL.next_office_time(vn(2026, 3, 10, 12, 0)) == vn(2026, 3, 10, 13, 30)
    assert CAL.due_at(vn(2026, 3, 10, 12, 0), 4) == vn(2026, 3, 11, 7, 30)


def test_received_before_opening_starts_at_0700() -> None:
    # Tue 10/3 06:15: start 07:00; + 5 h: 4.5 h until 11:30 (0.5 left); 13:30 + 0.5 = 14:00.
    assert CAL.next_office_time(vn(2026, 3, 10, 6, 15)) == vn(2026, 3, 10, 7, 0)
    assert CAL.due_at(vn(2026, 3, 10, 6, 15), 5) == vn(2026, 3, 10, 14, 0)


def test_received_on_a_sunday() -> None:
    # Sun 8/3/2026 10:00: start Mon 9/3 07:00; + 12 h: Monday 8 h (4 left); Tue 10/3 07:00 + 4 = 11:00.
    assert CAL.next_office_time(vn(2026, 3, 8, 10, 0)) == vn(2026, 3, 9, 7, 0)
    assert CAL.due_at(vn(2026, 3, 8, 10, 0), 12) == vn(2026, 3, 10, 11, 0)


def test_result_ending_at_the_end_of_the_morning_stays_at_1130() -> None:
    # Tue 10/3 09:30 + 2 h = 11:30 exactly: kept, not moved to 13:30.
    assert CAL.due_at(vn(2026, 3, 10, 9, 30), 2) == vn(2026, 3, 10, 11, 30)


def test_zero_hours_is_the_counting_start() -> None:
    assert CAL.due_at(vn(2026, 3, 10, 10, 15), 0) == vn(2026, 3, 10, 10, 15)
    assert CAL.due_at(vn(2026, 3, 10, 18, 30), 0) == vn(2026, 3, 11, 7, 0)
    assert CAL.due_at(vn(2026, 2, 13, 17, 0), 0) == vn(2026, 2, 23, 7, 0)  # 17:00 Fri before Tết


def test_any_time_zone_in_office_time_zone_out() -> None:
    # 01:00 UTC is 08:00 in Hà Nội; + 1 h = 09:00 +07:00.
    due = CAL.due_at(datetime(2026, 3, 10, 1, 0, tzinfo=UTC), 1)
    assert due == vn(2026, 3, 10, 9, 0)
    assert due.tzinfo == OFFICE_TZ
    # 23:30 UTC on Mon 9/3 is 06:30 Tue 10/3 in Hà Nội: starts 07:00 Tuesday, not Monday evening.
    assert CAL.next_office_time(datetime(2026, 3, 9, 23, 30, tzinfo=UTC)) == vn(2026, 3, 10, 7, 0)


def test_seconds_are_carried_exactly() -> None:
    # Tue 10/3 10:15:42.5 + 3 h: 1:14:17.5 until 11:30 (1:45:42.5 left); 13:30 + that = 15:15:42.5.
    assert CAL.due_at(vn(2026, 3, 10, 10, 15, 42, 500_000), 3) == vn(2026, 3, 10, 15, 15, 42, 500_000)


def test_long_processing_time() -> None:
    # Mon 2/3/2026 07:00 + 200 h = exactly 25 working days, ending 17:00 on the 25th working day.
    # March 2026 has no holiday: Mon 2/3 … Fri 27/3 is 20 days, Mon 30/3 … Fri 3/4 is 5 more.
    assert CAL.due_at(vn(2026, 3, 2, 7, 0), 200) == vn(2026, 4, 3, 17, 0)


# -- unit overrides ----------------------------------------------------------------------------------


def test_make_up_saturday_shortens_the_due_date() -> None:
    # Fri 6/3 10:00 + 8 h: 5 h on Friday (3 left). Sat 7/3 declared a working day: 07:00 + 3 = 10:00
    # Saturday, instead of Monday 9/3 10:00.
    cal = WorkCalendar(extra_working_days=[date(2026, 3, 7)])
    assert cal.is_working_day(date(2026, 3, 7))
    assert cal.due_at(vn(2026, 3, 6, 10, 0), 8) == vn(2026, 3, 7, 10, 0)


def test_extra_day_off_pushes_the_due_date() -> None:
    # Same dossier, Mon 9/3 declared off: the remaining 3 h fall on Tue 10/3, 07:00 + 3 = 10:00.
    cal = WorkCalendar(extra_days_off=[date(2026, 3, 9)])
    assert cal.due_at(vn(2026, 3, 6, 10, 0), 8) == vn(2026, 3, 10, 10, 0)
    assert cal.holiday_name(date(2026, 3, 9)) == EXTRA_DAY_OFF_NAME


def test_extra_day_off_overrides_the_library_working_saturday() -> None:
    cal = WorkCalendar(extra_days_off=[date(2026, 8, 22)])
    assert not cal.is_working_day(date(2026, 8, 22))
    # Fri 21/8 15:00 + 8 h: 2 h Friday (6 left); Mon 24/8: 4.5 morning (1.5 left); 13:30 + 1.5 = 15:00.
    assert cal.due_at(vn(2026, 8, 21, 15, 0), 8) == vn(2026, 8, 24, 15, 0)


def test_own_holiday_table_replaces_the_library() -> None:
    # With an empty table Tết weekdays are working days: Fri 13/2 15:00 + 16 h: 2 h Friday (14 left),
    # Mon 16/2 8 h (6 left), Tue 17/2 4.5 h (1.5 left), 13:30 + 1.5 = 15:00.
    cal = WorkCalendar(public_holidays={})
    assert cal.due_at(vn(2026, 2, 13, 15, 0), 16) == vn(2026, 2, 17, 15, 0)
    assert not cal.is_working_day(date(2026, 8, 22))  # the library's swapped Saturday is not used either
    table = {date(2026, 3, 9): "Ngày nghỉ thử"}
    assert WorkCalendar(public_holidays=table).holiday_name(date(2026, 3, 9)) == "Ngày nghỉ thử"


def test_from_config_builds_the_unit_calendar() -> None:
    # A unit that opens 07:30–11:30 and 13:00–17:00, adds Sat 21/2/2026 as a day off (already a
    # weekend, harmless) and Mon 23/2 as an extra day off, and works Sat 28/2 as a make-up day.
    cal = WorkCalendar.from_config(
        {
            "office_hours": [["07:30", "11:30"], ["13:00", "17:00"]],
            "days_off": ["2026-02-21", "2026-02-23"],
            "working_days": ["2026-02-28"],
        }
    )
    assert cal.office_hours.periods == ((time(7, 30), time(11, 30)), (time(13, 0), time(17, 0)))
    assert cal.office_hours.hours_per_day == 8.0
    # Fri 13/2 12:00 (lunch until 13:00) + 12 h: 4 h Friday (8 left); 14–23/2 closed;
    # Tue 24/2 full 8 h ends 17:00 exactly.
    assert cal.next_office_time(vn(2026, 2, 13, 12, 0)) == vn(2026, 2, 13, 13, 0)
    assert cal.due_at(vn(2026, 2, 13, 12, 0), 12) == vn(2026, 2, 24, 17, 0)
    # Fri 27/2 16:00 + 2 h: 1 h Friday (1 left); Sat 28/2 is worked: 07:30 + 1 = 08:30.
    assert cal.due_at(vn(2026, 2, 27, 16, 0), 2) == vn(2026, 2, 28, 8, 30)


def test_from_config_empty_is_the_default_calendar() -> None:
    cal = WorkCalendar.from_config({})
    assert cal.office_hours == OfficeHours()
    assert cal.due_at(vn(2026, 2, 13, 15, 0), 16) == vn(2026, 2, 24, 15, 0)


def test_single_period_office_hours() -> None:
    # A desk open 08:00–12:00 only (4 h/day): Tue 10/3 11:00 + 6 h: 1 h Tuesday (5 left),
    # Wed 11/3 4 h (1 left), Thu 12/3 08:00 + 1 = 09:00.
    cal = WorkCalendar(OfficeHours(((time(8), time(12)),)))
    assert cal.due_at(vn(2026, 3, 10, 11, 0), 6) == vn(2026, 3, 12, 9, 0)


# -- working time between instants ---------------------------------------------------------------------


def test_working_hours_between() -> None:
    assert CAL.working_hours_between(vn(2026, 2, 13, 15, 0), vn(2026, 2, 24, 15, 0)) == 16.0
    assert CAL.working_hours_between(vn(2026, 2, 24, 15, 0), vn(2026, 2, 13, 15, 0)) == -16.0
    # 10:00–14:00 on a Tuesday: 1.5 h morning + 0.5 h afternoon.
    assert CAL.working_hours_between(vn(2026, 3, 10, 10, 0), vn(2026, 3, 10, 14, 0)) == 2.0
    assert CAL.working_hours_between(vn(2026, 3, 10, 11, 45), vn(2026, 3, 10, 13, 15)) == 0.0  # lunch
    assert CAL.working_hours_between(vn(2026, 3, 7, 8, 0), vn(2026, 3, 8, 16, 0)) == 0.0  # weekend
    # Friday 16:00 to Monday 08:00: 1 h + 1 h.
    assert CAL.working_hours_between(vn(2026, 3, 6, 16, 0), vn(2026, 3, 9, 8, 0)) == 2.0
    # 15 minutes across time zones: 07:00 UTC = 14:00 in Hà Nội.
    assert CAL.working_hours_between(vn(2026, 3, 10, 13, 45), datetime(2026, 3, 10, 7, 0, tzinfo=UTC)) == 0.25


# -- property: never on a day off ----------------------------------------------------------------------

_ZONES = st.sampled_from([OFFICE_TZ, UTC, ZoneInfo("Europe/Paris"), ZoneInfo("America/New_York")])


@settings(max_examples=400, deadline=None)
@given(
    received=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31), timezones=_ZONES),
    hours=st.integers(min_value=0, max_value=200),
)
def test_due_is_always_office_time_of_a_working_day(received: datetime, hours: int) -> None:
    due = CAL.due_at(received, hours)
    assert due.tzinfo == OFFICE_TZ
    assert CAL.is_working_day(due.date())
    assert any(start <= due.timetz().replace(tzinfo=None) <= end for start, end in CAL.office_hours.periods)
    start = CAL.next_office_time(received)
    assert start >= received
    assert due >= start
    assert CAL.working_hours_between(start, due) == hours
    assert CAL.working_hours_between(received, due) == hours  # nothing counts before the start


# -- validation --------------------------------------------------------------------------------------


@pytest.mark.parametrize("hours", [-1, -8])
def test_negative_hours_are_refused(hours: int) -> None:
    with pytest.raises(ValidationError) as err:
        CAL.due_at(vn(2026, 3, 10, 8, 0), hours)
    assert err.value.field == "processing_hours"
    assert err.value.message == (
        f"Thời hạn giải quyết phải là số nguyên giờ làm việc, không âm; nhận được «{hours}»."
    )


@pytest.mark.parametrize("hours", [1.5, "8", True])
def test_non_integer_hours_are_refused(hours: object) -> None:
    with pytest.raises(ValidationError) as err:
        CAL.due_at(vn(2026, 3, 10, 8, 0), hours)  # type: ignore[arg-type]
    assert err.value.field == "processing_hours"
    assert f"«{hours}»" in err.value.message


def test_naive_received_at_is_refused() -> None:
    with pytest.raises(ValidationError) as err:
        CAL.due_at(datetime(2026, 3, 10, 8, 0), 8)
    assert err.value.field == "received_at"
    assert "múi giờ" in err.value.message


@pytest.mark.parametrize(
    ("periods", "expected"),
    [
        ((), "Giờ làm việc phải có ít nhất một buổi làm việc."),
        (
            ((time(11, 30), time(7, 0)),),
            "Buổi làm việc 11:30–07:00: giờ bắt đầu phải trước giờ kết thúc.",
        ),
        (
            ((time(7, 0), time(7, 0)),),
            "Buổi làm việc 07:00–07:00: giờ bắt đầu phải trước giờ kết thúc.",
        ),
        (
            ((time(7, 0), time(12, 0)), (time(11, 0), time(17, 0))),
            "Các buổi làm việc phải theo thứ tự và không chồng lên nhau: buổi 11:00–17:00 bắt đầu "
            "trước khi buổi 07:00–12:00 kết thúc.",
        ),
        (
            ((time(13, 30), time(17, 0)), (time(7, 0), time(11, 30))),
            "Các buổi làm việc phải theo thứ tự và không chồng lên nhau: buổi 07:00–11:30 bắt đầu "
            "trước khi buổi 13:30–17:00 kết thúc.",
        ),
    ],
)
def test_invalid_office_hours(periods: tuple, expected: str) -> None:
    with pytest.raises(ValidationError) as err:
        OfficeHours(periods)
    assert err.value.field == "office_hours"
    assert err.value.label == "Giờ làm việc"
    assert err.value.message == expected


@pytest.mark.parametrize(
    ("config", "field", "fragment"),
    [
        ({"office_hours": [["7h30", "11:30"]]}, "office_hours", "Giờ «7h30» không hợp lệ"),
        ({"office_hours": [["07:00", "25:00"]]}, "office_hours", "Giờ «25:00» không hợp lệ"),
        ({"office_hours": [["07:00"]]}, "office_hours", "phải gồm giờ bắt đầu và giờ kết thúc"),
        ({"office_hours": "07:00-17:00"}, "office_hours", "«07:00-17:00»"),
        ({"office_hours": [["13:30", "17:00"], ["07:00", "11:30"]]}, "office_hours", "theo thứ tự"),
        ({"days_off": ["2026-02-30"]}, "days_off", "ngày «2026-02-30» không hợp lệ"),
        ({"days_off": ["21/02/2026"]}, "days_off", "ngày «21/02/2026» không hợp lệ"),
        ({"days_off": "2026-02-21"}, "days_off", "phải là danh sách ngày"),
        ({"working_days": ["2026-2-28"]}, "working_days", "Ngày làm bù: ngày «2026-2-28» không hợp lệ"),
        (
            {"days_off": ["2026-02-28"], "working_days": ["2026-02-28"]},
            "working_days",
            "Ngày 28/02/2026 vừa là ngày nghỉ bổ sung vừa là ngày làm bù",
        ),
        ({"day_off": ["2026-02-21"]}, "calendar", "khóa không hợp lệ: day_off"),
    ],
)
def test_invalid_config(config: dict, field: str, fragment: str) -> None:
    with pytest.raises(ValidationError) as err:
        WorkCalendar.from_config(config)
    assert err.value.field == field
    assert fragment in err.value.message

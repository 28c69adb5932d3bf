"""The office-time formats: every instant on the office clock, whatever zone it arrives in."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from counter_app.domain.dossier import OFFICE_TZ
from counter_app.domain.formats import (
    at_day_text,
    clock_text,
    column_datetime,
    due_wording,
    office_date,
    office_datetime,
    office_hhmm,
    place_date,
    seconds_datetime,
    short_moment,
    slip_time,
)

# 01:05:07 UTC is 08:05:07 in Hà Nội: a UTC instant must never be printed as UTC.
MORNING_UTC = datetime(2026, 2, 3, 1, 5, 7, tzinfo=UTC)


def test_instants_are_written_on_the_office_clock() -> None:
    assert office_hhmm(MORNING_UTC) == "08:05"
    assert office_date(MORNING_UTC) == "03/02/2026"
    assert office_datetime(MORNING_UTC) == "08:05 03/02/2026"
    assert column_datetime(MORNING_UTC) == "03/02/2026 08:05"
    assert seconds_datetime(MORNING_UTC) == "08:05:07 03/02/2026"
    assert clock_text(MORNING_UTC) == "08:05  03/02/2026"
    assert at_day_text(MORNING_UTC) == "08:05 ngày 03/02/2026"
    assert slip_time(MORNING_UTC) == "08 giờ 05 phút, ngày 03/02/2026"


def test_a_naive_instant_is_utc_as_storage_keeps_it() -> None:
    assert office_datetime(datetime(2026, 2, 3, 1, 5)) == "08:05 03/02/2026"


def test_the_office_day_can_differ_from_the_utc_day() -> None:
    late_utc = datetime(2026, 2, 2, 20, 0, tzinfo=UTC)  # 03:00 on the 3rd in Hà Nội
    assert office_date(late_utc) == "03/02/2026"


def test_plain_days_and_times_of_day_are_written_as_they_are() -> None:
    assert office_date(date(2026, 12, 31)) == "31/12/2026"
    assert office_date(date(1, 1, 1)) == "01/01/0001"
    assert office_hhmm(time(7, 0)) == "07:00"


def test_an_instant_out_of_range_is_shown_as_typed() -> None:
    earliest = datetime(1, 1, 1, 3, 0, tzinfo=OFFICE_TZ)  # converting would overflow
    assert office_datetime(earliest) == "03:00 01/01/0001"


def test_due_wording_names_the_weekday() -> None:
    assert due_wording(datetime(2026, 2, 24, 15, 0, tzinfo=OFFICE_TZ)) == "15:00 thứ Ba, 24/02/2026"
    assert due_wording(datetime(2026, 3, 8, 9, 0, tzinfo=OFFICE_TZ)) == "09:00 Chủ nhật, 08/03/2026"


def test_short_moment_drops_the_day_only_today() -> None:
    now = datetime(2026, 6, 5, 16, 0, tzinfo=OFFICE_TZ)
    assert short_moment(datetime(2026, 6, 5, 10, 42, tzinfo=OFFICE_TZ), now) == "10:42"
    assert short_moment(datetime(2026, 6, 4, 10, 42, tzinfo=OFFICE_TZ), now) == "10:42 04/06"
    assert short_moment(None, now) == "—"
    assert seconds_datetime(None) == "—"


def test_place_date_pads_as_the_decree_says() -> None:
    assert place_date("Hải Châu", datetime(2026, 3, 5, 9, 0, tzinfo=OFFICE_TZ)) == "Hải Châu, ngày 05 tháng 3 năm 2026"
    assert place_date("Hải Châu", datetime(2026, 2, 13, 9, 0, tzinfo=OFFICE_TZ)) == "Hải Châu, ngày 13 tháng 02 năm 2026"
    assert place_date("Hải Châu", datetime(2026, 11, 20, 9, 0, tzinfo=OFFICE_TZ)) == "Hải Châu, ngày 20 tháng 11 năm 2026"

"""Processing-time rules: the due date of each unit, per channel, and their one wording (docs/processing-times.md)."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from counter_app.domain.calendar import WorkCalendar
from counter_app.domain.catalog import Procedure, procedure_from_dict, procedure_to_dict
from counter_app.domain.catalog_files import parse_catalog_json
from counter_app.domain.dossier import OFFICE_TZ, Channel
from counter_app.domain.errors import ValidationErrors
from counter_app.domain.time_rules import (
    TimeRule,
    TimeUnit,
    due_at,
    procedure_time_text,
    processing_time_text,
    rule_due_at,
)
from counter_app.services.catalog import read_catalog_file, sample_catalog_path

CALENDAR = WorkCalendar()  # weekends and the `holidays` library's Vietnamese public holidays
SAME_DAY_TEXT = "Trong ngày (tiếp nhận sau 15 giờ: ngày làm việc tiếp theo)"


@pytest.fixture(scope="module")
def sample() -> dict[str, Procedure]:
    return {p.code: p for p in read_catalog_file(sample_catalog_path())}


def at(y: int, m: int, d: int, hh: int, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=OFFICE_TZ)


# -- same day with a cut-off ----------------------------------------------------------------------


def test_khai_sinh_at_nine_is_due_the_same_day_and_at_half_past_three_the_next_working_day(sample) -> None:
    birth = sample["1.001193"]
    tuesday = at(2026, 3, 10, 9)
    assert due_at(birth, Channel.DIRECT, tuesday, CALENDAR) == at(2026, 3, 10, 17)  # close of office hours
    assert due_at(birth, Channel.DIRECT, at(2026, 3, 10, 15, 30), CALENDAR) == at(2026, 3, 11, 17)
    # Friday after the cut-off: the next working day is Monday.
    assert due_at(birth, Channel.DIRECT, at(2026, 3, 13, 15, 30), CALENDAR) == at(2026, 3, 16, 17)


def test_same_day_edges_cut_off_lunch_early_morning_and_days_off() -> None:
    rule = TimeRule(TimeUnit.SAME_DAY, cutoff=time(15, 0))
    assert rule_due_at(rule, at(2026, 3, 10, 15, 0), CALENDAR) == at(2026, 3, 10, 17)  # "sau 15 giờ" is after
    assert rule_due_at(rule, at(2026, 3, 10, 15, 1), CALENDAR) == at(2026, 3, 11, 17)
    assert rule_due_at(rule, at(2026, 3, 10, 6, 30), CALENDAR) == at(2026, 3, 10, 17)
    assert rule_due_at(rule, at(2026, 3, 10, 12, 0), CALENDAR) == at(2026, 3, 10, 17)
    assert rule_due_at(rule, at(2026, 3, 14, 9), CALENDAR) == at(2026, 3, 16, 17)  # Saturday
    # 30/4 and 1/5/2026 are public holidays: Wednesday 29/4 after 15:00 → Monday 4/5.
    assert rule_due_at(rule, at(2026, 4, 29, 16), CALENDAR) == at(2026, 5, 4, 17)
    no_cutoff = TimeRule(TimeUnit.SAME_DAY)
    assert rule_due_at(no_cutoff, at(2026, 3, 10, 16, 30), CALENDAR) == at(2026, 3, 10, 17)
    assert rule_due_at(no_cutoff, at(2026, 3, 10, 17, 0), CALENDAR) == at(2026, 3, 11, 17)  # after hours


# -- calendar days --------------------------------------------------------------------------------


@settings(max_examples=400, deadline=None)
@given(
    day=st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31)),
    minute=st.integers(min_value=0, max_value=24 * 60 - 1),
    days=st.integers(min_value=1, max_value=60),
)
def test_a_calendar_day_procedure_never_ends_on_a_holiday_or_weekend(day: date, minute: int, days: int) -> None:
    received = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=OFFICE_TZ)
    due = rule_due_at(TimeRule(TimeUnit.CALENDAR_DAYS, days), received, CALENDAR)
    start = CALENDAR.next_office_time(received)
    assert CALENDAR.is_working_day(due.date())
    assert due.date() >= start.date() + timedelta(days=days)
    # Moved only as far as the first working day: every day skipped is a day off.
    skipped = start.date() + timedelta(days=days)
    while skipped < due.date():
        assert not CALENDAR.is_working_day(skipped), skipped
        skipped += timedelta(days=1)


def test_calendar_days_landing_in_tet_move_to_the_first_working_day_after() -> None:
    # 2/2/2026 + 15 days = 17/2, in the Tết 2026 holidays (16-20/2): due Monday 23/2, same office clock.
    due = rule_due_at(TimeRule(TimeUnit.CALENDAR_DAYS, 15), at(2026, 2, 2, 9, 30), CALENDAR)
    assert due == at(2026, 2, 23, 9, 30)


# -- per channel ----------------------------------------------------------------------------------


def test_1_013952_postal_online_and_direct_each_get_their_own_time(sample) -> None:
    land = sample["1.013952"]
    monday = at(2026, 3, 9, 9)
    assert land.time_rule(Channel.POSTAL) == TimeRule(TimeUnit.CALENDAR_DAYS, 5)
    assert due_at(land, Channel.POSTAL, monday, CALENDAR) == at(2026, 3, 16, 9)  # 14/3 is a Saturday
    assert due_at(land, Channel.ONLINE, monday, CALENDAR) == at(2026, 3, 16, 9)
    assert due_at(land, Channel.DIRECT, monday, CALENDAR) == at(2026, 3, 24, 9)


def test_a_channel_not_listed_has_the_direct_time() -> None:
    raw = {"code": "1.000001", "name": "Thử", "sector": "Thử", "level": "xã",
           "times": {"direct": {"unit": "working_days", "days": 3}, "online": {"unit": "working_hours", "hours": 4}}}
    procedure = procedure_from_dict(raw)
    assert procedure.time_rule(Channel.POSTAL) == TimeRule(TimeUnit.WORKING_DAYS, 3)
    assert procedure.time_rule(Channel.ONLINE) == TimeRule(TimeUnit.WORKING_HOURS, 4)
    assert procedure_from_dict(procedure_to_dict(procedure)) == procedure


# -- old catalog files ------------------------------------------------------------------------------

OLD_ENTRY = {
    "code": "1.004859", "name": "Thủ tục cũ", "sector": "Hộ tịch", "level": "xã",
    "processing_hours": 24, "online_processing_hours": 16, "time_unit": "working_days",
    "fees": [], "documents": [], "result_delivery": ["desk", "bcci"], "required_fields": [],
    "is_sample": False, "source": "", "note": "",
}


def test_old_catalog_files_load_and_write_back_unchanged() -> None:
    old_file = json.dumps({"format": "counter-app-catalog", "version": 1, "procedures": [OLD_ENTRY]})
    (procedure,) = parse_catalog_json(old_file)
    assert procedure.times == ()
    assert procedure_to_dict(procedure) == OLD_ENTRY  # the same keys and values as before
    received = at(2026, 3, 10, 9)
    # The due date is still exactly the working hours the old entry held.
    assert due_at(procedure, Channel.DIRECT, received, CALENDAR) == CALENDAR.due_at(received, 24)
    assert due_at(procedure, Channel.ONLINE, received, CALENDAR) == CALENDAR.due_at(received, 16)
    assert due_at(procedure, Channel.POSTAL, received, CALENDAR) == CALENDAR.due_at(received, 24)
    assert procedure_time_text(procedure) == "Trực tiếp, qua bưu chính: 3 ngày làm việc; trực tuyến: 2 ngày làm việc"


def test_the_fixture_catalogs_of_earlier_releases_still_load() -> None:
    fixtures = Path(__file__).resolve().parents[1] / "fixtures" / "catalog"
    for name in ("good.csv", "good-semicolon.csv", "nfd.json"):
        procedures = read_catalog_file(fixtures / name)
        assert procedures and all(p.times == () and p.processing_hours > 0 for p in procedures)


# -- checks -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("times", "extra", "words"),
    [
        ({"online": {"unit": "same_day"}}, {}, "thời hạn nộp trực tiếp (direct)"),
        ({"direct": {"unit": "weeks", "days": 2}}, {}, "đơn vị (unit) phải là same_day"),
        ({"direct": {"unit": "working_days", "days": 0}}, {}, "số nguyên từ 1 đến 366"),
        ({"direct": {"unit": "calendar_days", "days": 400}}, {}, "số nguyên từ 1 đến 366"),
        ({"direct": {"unit": "working_days", "days": 2, "cutoff": "15:00"}}, {}, "không dùng khoá cutoff"),
        ({"direct": {"unit": "same_day", "cutoff": "3 giờ chiều"}}, {}, "dạng GG:PP"),
        ({"direct": {"unit": "same_day"}, "fax": {"unit": "same_day"}}, {}, "khoá không hợp lệ: fax"),
        ({"direct": {"unit": "same_day"}}, {"processing_hours": 8}, "không ghi thêm processing_hours"),
        ("5 ngày", {}, "phải là một đối tượng"),
    ],
)
def test_bad_time_rules_are_refused_in_vietnamese(times, extra: dict, words: str) -> None:
    raw = {"code": "1.000001", "name": "Thử", "sector": "Thử", "level": "xã", "times": times, **extra}
    with pytest.raises(ValidationErrors) as caught:
        procedure_from_dict(raw)
    messages = " ".join(e.message for e in caught.value.errors)
    assert words in messages
    assert "Thủ tục 1.000001" in messages


def test_new_units_are_refused_in_the_old_time_unit_key() -> None:
    with pytest.raises(ValidationErrors) as caught:
        procedure_from_dict({**OLD_ENTRY, "time_unit": "calendar_days"})
    assert "ghi bằng times" in caught.value.errors[0].message


# -- the wording ------------------------------------------------------------------------------------


def test_one_text_per_rule() -> None:
    assert processing_time_text(TimeRule(TimeUnit.SAME_DAY, cutoff=time(15, 0))) == SAME_DAY_TEXT
    assert processing_time_text(TimeRule(TimeUnit.SAME_DAY, cutoff=time(16, 30))) == (
        "Trong ngày (tiếp nhận sau 16 giờ 30: ngày làm việc tiếp theo)"
    )
    assert processing_time_text(TimeRule(TimeUnit.SAME_DAY)) == "Trong ngày"
    assert processing_time_text(TimeRule(TimeUnit.WORKING_DAYS, 5)) == "5 ngày làm việc"
    assert processing_time_text(TimeRule(TimeUnit.WORKING_HOURS, 16)) == "16 giờ làm việc"
    assert processing_time_text(TimeRule(TimeUnit.CALENDAR_DAYS, 30)) == "30 ngày"
    # Old entries: whole days unless the entry said working hours (the old picker and slip disagreed here).
    assert TimeRule.from_hours(16, TimeUnit.WORKING_HOURS) == TimeRule(TimeUnit.WORKING_HOURS, 16)
    assert TimeRule.from_hours(16) == TimeRule(TimeUnit.WORKING_DAYS, 2)
    assert TimeRule.from_hours(12) == TimeRule(TimeUnit.WORKING_HOURS, 12)


def test_channels_are_named_only_where_they_differ(sample) -> None:
    assert procedure_time_text(sample["1.001193"]) == SAME_DAY_TEXT
    assert procedure_time_text(sample["1.013952"]) == "Trực tiếp: 15 ngày; trực tuyến, qua bưu chính: 5 ngày"


def test_every_sample_time_names_its_source_and_hộ_tịch_and_chứng_thực_are_same_day(sample) -> None:
    same_day = {"1.001193", "1.000656", "1.000894", "2.000815", "2.000884", "2.000992", "2.001008"}
    for code, procedure in sample.items():
        assert procedure.time_source, code
        rule = procedure.time_rule(Channel.DIRECT)
        if code in same_day:
            assert rule == TimeRule(TimeUnit.SAME_DAY, cutoff=time(15, 0)), code
        else:
            assert rule.unit is not TimeUnit.SAME_DAY, code

"""Dossier codes: the format of TT 01/2018 Điều 19 and the desk-slot numbering."""

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from counter_app.domain.codes import (
    MAX_PER_DESK_PER_DAY,
    looks_like_dossier_code,
    make_dossier_code,
    office_day,
    parse_dossier_code,
    validate_unit_code,
)
from counter_app.domain.errors import CodeSpaceExhausted, ValidationError

UNIT = "000.31.48.H15"


def test_format_and_round_trip() -> None:
    code = make_dossier_code(UNIT, 3, date(2026, 2, 3), 7)
    assert str(code) == "000.31.48.H15-260203-3007"
    assert parse_dossier_code(str(code)) == code
    assert code.desk_slot == 3


@given(slot=st.integers(0, 9), count=st.integers(1, MAX_PER_DESK_PER_DAY), other=st.integers(0, 9),
       other_count=st.integers(1, MAX_PER_DESK_PER_DAY))
def test_two_desks_never_share_a_number(slot: int, count: int, other: int, other_count: int) -> None:
    day = date(2026, 3, 10)
    a = make_dossier_code(UNIT, slot, day, count)
    b = make_dossier_code(UNIT, other, day, other_count)
    assert (str(a) == str(b)) == (slot == other and count == other_count)


def test_the_day_is_the_office_day_not_utc() -> None:
    late_utc = datetime(2026, 3, 10, 18, 30, tzinfo=UTC)  # 01:30 on 11/3 in Hà Nội time
    assert office_day(late_utc) == date(2026, 3, 11)


def test_limits_are_refused_in_vietnamese() -> None:
    with pytest.raises(CodeSpaceExhausted) as caught:
        make_dossier_code(UNIT, 0, date(2026, 3, 10), MAX_PER_DESK_PER_DAY + 1)
    assert "quầy khác" in caught.value.message
    with pytest.raises(ValidationError) as wrong_desk:
        make_dossier_code(UNIT, 10, date(2026, 3, 10), 1)
    assert wrong_desk.value.field == "desk"


def test_unit_code_and_parse_errors() -> None:
    assert validate_unit_code(" 000.31.48.h15 ") == UNIT
    with pytest.raises(ValidationError) as caught:
        validate_unit_code("H15")
    assert "QCVN 102" in caught.value.message
    assert looks_like_dossier_code("000.31.48.h15-260203-3007")
    assert not looks_like_dossier_code("000.31.48.H15-260203-307")
    with pytest.raises(ValidationError) as bad_day:
        parse_dossier_code("000.31.48.H15-260230-0001")
    assert "không tồn tại" in bad_day.value.message

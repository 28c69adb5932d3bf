"""Field normalisation for intake: phones, e-mail, text, dates, counts, and collecting all errors."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from counter_app.domain.errors import ValidationError, ValidationErrors
from counter_app.domain.validation import (
    ErrorCollector,
    normalize_email,
    normalize_phone,
    parse_birth_date,
    parse_count,
    require_text,
)

TODAY = date(2025, 9, 15)


def _error(func: Callable[..., object], *args: object, **kwargs: object) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        func(*args, **kwargs)
    return info.value


# --- phone --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0912345678", "0912345678"),
        ("0912 345 678", "0912345678"),
        ("0912.345.678", "0912345678"),
        ("091-234-5678", "0912345678"),
        ("+84 912 345 678", "0912345678"),
        ("+84 (0) 912 345 678", "0912345678"),
        ("84912345678", "0912345678"),
        ("0084 35 123 4567", "0351234567"),
        ("070 123 4567", "0701234567"),
        ("0812345678", "0812345678"),
        ("0523456789", "0523456789"),
        ("(0236) 3812 345", "02363812345"),  # Đà Nẵng landline
        ("0235 3812345", "02353812345"),  # former Quảng Nam area code
        ("024 3825 1234", "02438251234"),  # Hà Nội
        ("+84 28 3829 1234", "02838291234"),  # TP Hồ Chí Minh
    ],
)
def test_phone_numbers_are_normalised(raw: str, expected: str) -> None:
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("", "chưa nhập"),
        ("091234567", "số di động phải có 10 chữ số (đang có 9)"),
        ("09123456789", "số di động phải có 10 chữ số (đang có 11)"),
        ("01234567890", "phải bắt đầu bằng 03, 05, 07, 08 hoặc 09"),
        ("0612345678", "phải bắt đầu bằng 03, 05, 07, 08 hoặc 09"),
        ("0236381234", "số cố định phải có 11 chữ số gồm mã vùng 02xx (đang có 10)"),
        ("09123x5678", "chỉ được gồm chữ số"),
        ("912345678", "phải bắt đầu bằng số 0 hoặc +84"),
    ],
)
def test_bad_phone_numbers_are_refused(raw: str, fragment: str) -> None:
    error = _error(normalize_phone, raw)
    assert error.field == "phone"
    assert error.message.startswith("Số điện thoại: ")
    assert fragment in error.message


def test_phone_field_and_label_can_be_overridden_and_empty_allowed() -> None:
    error = _error(normalize_phone, "123", "submitter_phone", "Số điện thoại người nộp")
    assert error.field == "submitter_phone"
    assert error.message.startswith("Số điện thoại người nộp: ")
    assert normalize_phone("  ", required=False) == ""


@given(
    prefix=st.sampled_from(["03", "05", "07", "08", "09"]),
    rest=st.text("0123456789", min_size=8, max_size=8),
    country=st.sampled_from(["", "+84", "84", "0084", "+84 (0)"]),
    sep=st.sampled_from(["", " ", ".", "-"]),
)
def test_any_written_mobile_normalises_to_its_ten_digits(
    prefix: str, rest: str, country: str, sep: str
) -> None:
    number = prefix + rest
    body = number if not country else number[1:]
    written = country + sep.join([body[:-7], body[-7:-4], body[-4:]])
    assert normalize_phone(written) == number


# --- e-mail -------------------------------------------------------------------------------------


def test_email() -> None:
    assert normalize_email("") == ""
    assert normalize_email(None) == ""
    assert normalize_email("  An.Nguyen@Gmail.COM ") == "An.Nguyen@gmail.com"
    assert normalize_email("xa.haichau@danang.gov.vn") == "xa.haichau@danang.gov.vn"


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("an.nguyen", "không đúng dạng địa chỉ thư"),
        ("an nguyen@gmail.com", "không đúng dạng địa chỉ thư"),
        ("an@@gmail.com", "không đúng dạng địa chỉ thư"),
        ("an@gmail", "tên miền «gmail» không hợp lệ"),
        ("an@gmail..com", "tên miền"),
        ("an@-gmail.com", "tên miền"),
        (".an@gmail.com", "dấu chấm"),
        ("an..b@gmail.com", "hai dấu chấm liền nhau"),
    ],
)
def test_bad_email_refused(raw: str, fragment: str) -> None:
    error = _error(normalize_email, raw)
    assert error.field == "email"
    assert error.message.startswith("Email: ")
    assert fragment in error.message


# --- text, dates, counts ------------------------------------------------------------------------


def test_require_text_normalises_and_bounds() -> None:
    nfd = "Nguye\u0302\u0303n  Va\u0306n   \u0110u\u031b\u0301c "
    assert require_text(nfd, "full_name", "Họ và tên") == "Nguyễn Văn Đức"
    empty = _error(require_text, "  ", "full_name", "Họ và tên")
    assert (empty.field, empty.message) == ("full_name", "Họ và tên: chưa nhập.")
    long = _error(require_text, "a" * 11, "summary", "Trích yếu", max_len=10)
    assert long.field == "summary"
    assert "Trích yếu: dài quá 10 ký tự (đang có 11)" in long.message
    control = _error(require_text, "a\x00b", "summary", "Trích yếu")
    assert "ký tự điều khiển" in control.message


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("05/09/1990", date(1990, 9, 5)),
        ("5/9/1990", date(1990, 9, 5)),
        ("05-09-1990", date(1990, 9, 5)),
        ("05.09.1990", date(1990, 9, 5)),
        ("1990-09-05", date(1990, 9, 5)),
        (" 29/02/2000 ", date(2000, 2, 29)),
        (date(1990, 9, 5), date(1990, 9, 5)),
        (datetime(1990, 9, 5, 8, 30), date(1990, 9, 5)),
        ("15/09/2025", TODAY),
        ("01/01/1900", date(1900, 1, 1)),
    ],
)
def test_birth_dates_accepted(raw: str | date, expected: date) -> None:
    assert parse_birth_date(raw, today=TODAY) == expected


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("", "Ngày sinh: chưa nhập"),
        ("1990", "không đúng dạng ngày/tháng/năm"),
        ("05/09/90", "không đúng dạng ngày/tháng/năm"),
        ("09/05/1990 a", "không đúng dạng ngày/tháng/năm"),
        ("31/02/1990", "ngày 31/02/1990 không có thật"),
        ("29/02/1900", "ngày 29/02/1900 không có thật"),
        ("16/09/2025", "16/09/2025 là ngày trong tương lai"),
        ("31/12/1899", "năm sinh phải từ 1900 trở đi"),
        (date(1850, 1, 1), "năm sinh phải từ 1900 trở đi"),
    ],
)
def test_birth_dates_refused(raw: str | date, fragment: str) -> None:
    error = _error(parse_birth_date, raw, today=TODAY)
    assert error.field == "birth_date"
    assert error.message.startswith("Ngày sinh: ")
    assert fragment in error.message


def test_parse_count() -> None:
    assert parse_count("3", "sets_count", "Số bộ hồ sơ") == 3
    assert parse_count(0, "originals", "Bản chính") == 0
    assert parse_count(" 12 ", "copies", "Bản sao", maximum=20) == 12
    for raw, fragment in [
        ("", "Số bộ hồ sơ: chưa nhập"),
        ("ba", "Số bộ hồ sơ: «ba» phải là số nguyên"),
        ("1.5", "phải là số nguyên"),
        (True, "phải là số nguyên"),
        ("0", "Số bộ hồ sơ: phải từ 1 đến 99 (đang là 0)"),
        (100, "phải từ 1 đến 99 (đang là 100)"),
        ("-1", "đang là -1"),
    ]:
        error = _error(parse_count, raw, "sets_count", "Số bộ hồ sơ", minimum=1)
        assert error.field == "sets_count"
        assert fragment in error.message


# --- collecting ---------------------------------------------------------------------------------


def test_collector_reports_every_field_at_once() -> None:
    with pytest.raises(ValidationErrors) as info, ErrorCollector() as check:
        name = check(require_text, "  ", "full_name", "Họ và tên")
        phone = check(normalize_phone, "0912 345 678")
        email = check(normalize_email, "not-an-email")
        born = check(parse_birth_date, "31/02/1990", today=TODAY)
        assert name is None and email is None and born is None
        assert phone == "0912345678"
    fields = info.value.by_field()
    assert list(fields) == ["full_name", "email", "birth_date"]
    assert fields["full_name"] == "Họ và tên: chưa nhập."
    assert fields["birth_date"].startswith("Ngày sinh: ")
    assert "Họ và tên: chưa nhập." in info.value.message


def test_collector_passes_when_all_fields_are_valid() -> None:
    with ErrorCollector() as check:
        phone = check(normalize_phone, "+84 912 345 678")
        count = check(parse_count, "2", "sets_count", "Số bộ hồ sơ")
    assert (phone, count) == ("0912345678", 2)
    assert check.errors == []


def test_collector_add_has_and_escaping_errors_are_merged() -> None:
    collector = ErrorCollector()
    collector.add("id_number", "Số CCCD: không khớp với ngày sinh.", "Số giấy tờ")
    assert collector.has("id_number") and not collector.has("phone")
    with pytest.raises(ValidationErrors) as info, collector:
        raise ValidationError("phone", "Số điện thoại: chưa nhập.", "Số điện thoại")
    assert list(info.value.by_field()) == ["id_number", "phone"]


def test_collector_keeps_nested_validation_errors() -> None:
    def two_errors() -> None:
        raise ValidationErrors([ValidationError("a", "A: sai."), ValidationError("b", "B: sai.")])

    collector = ErrorCollector()
    assert collector(two_errors) is None
    assert [e.field for e in collector.errors] == ["a", "b"]
    with pytest.raises(ValidationErrors):
        collector.raise_if_any()

"""ID numbers and the chip ID card QR code (domain.md §8b)."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from counter_app.domain.dossier import ApplicantType, Gender, IdDocumentType
from counter_app.domain.errors import ValidationError
from counter_app.domain.identity import (
    CCCD_PROVINCE_CODES,
    ChipIdCard,
    looks_like_id_qr,
    parse_chip_id_qr,
    validate_id_number,
)

TODAY = date(2025, 9, 15)
# Born 15/03/1990, female (fourth digit 1 = woman born 1900-1999), birth registered in Quảng Nam (049).
VALID_QR = (
    "049190001234|205123456|Nguyễn Thị Ánh Đào|15031990|Nữ|"
    "Thôn Phú Quý, Xã Tam Thăng, Thành phố Tam Kỳ, Quảng Nam|10052021"
)


def _qr(**fields: str) -> str:
    names = ["cccd", "cmnd", "name", "birth", "gender", "address", "issued"]
    parts = dict(zip(names, VALID_QR.split("|"), strict=True))
    parts.update(fields)
    return "|".join(parts[n] for n in names)


def _qr_error(payload: str) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        parse_chip_id_qr(payload, today=TODAY)
    assert info.value.field == "id_qr"
    assert info.value.label == "Mã QR căn cước"
    assert info.value.message.startswith("Mã QR căn cước: ")
    return info.value


def _id_error(id_type: IdDocumentType, number: str, **kwargs) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        validate_id_number(id_type, number, today=TODAY, **kwargs)
    assert info.value.field == "id_number"
    assert info.value.label == "Số giấy tờ"
    return info.value


# --- QR payload ---------------------------------------------------------------------------------


def test_valid_qr_fills_the_person() -> None:
    card = parse_chip_id_qr(VALID_QR + "\r\n", today=TODAY)
    assert card == ChipIdCard(
        id_number="049190001234",
        old_id_number="205123456",
        full_name="Nguyễn Thị Ánh Đào",
        birth_date=date(1990, 3, 15),
        gender=Gender.FEMALE,
        permanent_address="Thôn Phú Quý, Xã Tam Thăng, Thành phố Tam Kỳ, Quảng Nam",
        issued_on=date(2021, 5, 10),
    )
    person = card.to_person()
    assert person.full_name == "Nguyễn Thị Ánh Đào"
    assert person.id_type is IdDocumentType.CCCD
    assert person.id_number == "049190001234"
    assert person.birth_date == date(1990, 3, 15)
    assert person.gender is Gender.FEMALE
    assert person.address.text == "Thôn Phú Quý, Xã Tam Thăng, Thành phố Tam Kỳ, Quảng Nam"
    assert person.applicant_type is ApplicantType.CITIZEN


def test_empty_old_cmnd_is_allowed_and_gender_case_insensitive() -> None:
    card = parse_chip_id_qr(_qr(cmnd="", gender="NỮ"), today=TODAY)
    assert card.old_id_number == ""
    assert card.gender is Gender.FEMALE
    male = parse_chip_id_qr(_qr(cccd="001090001234", gender="nam"), today=TODAY)
    assert male.gender is Gender.MALE


def test_nfd_payload_is_normalised_to_nfc() -> None:
    nfd = unicodedata.normalize("NFD", VALID_QR)
    assert nfd != VALID_QR
    card = parse_chip_id_qr(nfd, today=TODAY)
    assert card.full_name == "Nguyễn Thị Ánh Đào"
    assert unicodedata.is_normalized("NFC", card.full_name)
    assert unicodedata.is_normalized("NFC", card.permanent_address)
    assert card.gender is Gender.FEMALE  # "Nữ" in NFD is still recognised


@pytest.mark.parametrize(
    ("payload", "found"),
    [
        ("049190001234|205123456|Nguyễn Thị Ánh Đào|15031990|Nữ|Quảng Nam", "6"),
        (VALID_QR + "|extra", "8"),
        ("049190001234", "1"),
    ],
)
def test_wrong_field_count_says_how_many(payload: str, found: str) -> None:
    error = _qr_error(payload)
    assert f"có {found} trường" in error.message
    assert "cần đúng 7" in error.message


@pytest.mark.parametrize(
    ("fields", "fragment"),
    [
        ({"birth": "1503199"}, "ngày sinh «1503199» không đúng dạng"),
        ({"birth": "1990-03-15"}, "không đúng dạng ngày tháng năm ddmmyyyy"),
        ({"birth": "31021990"}, "ngày sinh «31021990» không phải ngày có thật"),
        ({"issued": "00002021"}, "ngày cấp «00002021» không phải ngày có thật"),
        ({"issued": "01011985"}, "ngày cấp 01/01/1985 trước ngày sinh 15/03/1990"),
        ({"issued": "01012030"}, "ngày cấp 01/01/2030 ở tương lai"),
    ],
)
def test_bad_dates_are_refused(fields: dict[str, str], fragment: str) -> None:
    assert fragment in _qr_error(_qr(**fields)).message


def test_birth_in_the_future_is_refused() -> None:
    error = _qr_error(_qr(cccd="049325001234", birth="01012032", issued="01012025"))
    assert "ngày sinh 01/01/2032 ở tương lai" in error.message


def test_century_digit_contradicting_birth_date_is_refused() -> None:
    # Digit 4 = 3: a woman born 2000-2099, but the card says 1990.
    error = _qr_error(_qr(cccd="049390001234"))
    assert "chữ số thứ 4 «3»" in error.message
    assert "2000–2099" in error.message
    assert "15/03/1990" in error.message


def test_cccd_gender_digit_contradicting_gender_field_is_refused() -> None:
    error = _qr_error(_qr(cccd="049090001234"))  # digit 0 = male, card says Nữ
    assert "giới tính Nam" in error.message


@pytest.mark.parametrize(
    ("fields", "fragment"),
    [
        ({"gender": "Khác"}, "giới tính «Khác» phải là «Nam» hoặc «Nữ»"),
        ({"name": "  "}, "thiếu họ và tên"),
        ({"cccd": ""}, "thiếu số CCCD"),
        ({"cccd": "04919000123"}, "phải gồm đúng 12 chữ số (đang có 11)"),
        ({"cmnd": "12345"}, "số CMND cũ «12345» phải gồm 9 chữ số"),
        ({"name": "Nguy?n V?n An"}, "máy quét"),
    ],
)
def test_other_malformed_fields_are_refused(fields: dict[str, str], fragment: str) -> None:
    assert fragment in _qr_error(_qr(**fields)).message


def test_looks_like_id_qr_by_shape() -> None:
    assert looks_like_id_qr(VALID_QR)
    assert looks_like_id_qr(VALID_QR + "\r\n")
    assert looks_like_id_qr("a|b|c|d|e|f|g")
    assert not looks_like_id_qr("000.31.48.H15-250915-0001")
    assert not looks_like_id_qr(VALID_QR + "|x")
    assert not looks_like_id_qr("a|b|c|d|e|f")
    assert not looks_like_id_qr("")


# --- ID numbers ---------------------------------------------------------------------------------


def test_cccd_is_normalised() -> None:
    assert validate_id_number(IdDocumentType.CCCD, " 048 090.001 234 ", today=TODAY) == "048090001234"
    assert validate_id_number(IdDocumentType.CCCD, "０４８０９０００１２３４", today=TODAY) == "048090001234"  # full-width
    assert (
        validate_id_number(IdDocumentType.CCCD, "048090001234", date(1990, 1, 2), Gender.MALE, today=TODAY)
        == "048090001234"
    )


@pytest.mark.parametrize(
    ("number", "fragment"),
    [
        ("", "Số CCCD: chưa nhập"),
        ("04809000123", "Số CCCD: phải gồm đúng 12 chữ số (đang có 11)"),
        ("0480900012345", "Số CCCD: phải gồm đúng 12 chữ số (đang có 13)"),
        ("04809000123A", "Số CCCD: chỉ được gồm chữ số 0–9 (có ký tự «A»)"),
        ("003090001234", "Số CCCD: 3 chữ số đầu «003» không phải mã tỉnh"),
        ("097090001234", "3 chữ số đầu «097»"),
        ("048430001234", "«430» cho năm sinh 2130, là năm trong tương lai"),
    ],
)
def test_cccd_structure_errors(number: str, fragment: str) -> None:
    assert fragment in _id_error(IdDocumentType.CCCD, number).message


def test_cccd_century_and_year_must_match_birth_date() -> None:
    century = _id_error(IdDocumentType.CCCD, "048290001234", birth_date=date(1990, 3, 15))
    assert "chữ số thứ 4 «2» cho biết sinh trong các năm 2000–2099" in century.message
    assert century.message.startswith("Số CCCD: ")
    year = _id_error(IdDocumentType.CCCD, "048091001234", birth_date=date(1990, 3, 15))
    assert "chữ số thứ 5–6 «91» phải là hai số cuối của năm sinh" in year.message
    gender = _id_error(IdDocumentType.CCCD, "048190001234", gender=Gender.MALE)
    assert "giới tính Nữ, không khớp với giới tính đã chọn (Nam)" in gender.message


def test_cccd_1800s_digit() -> None:
    assert validate_id_number(IdDocumentType.CCCD, "001999001234", date(1899, 5, 1), Gender.FEMALE, today=TODAY) == (
        "001999001234"
    )


def test_cmnd_nine_digits_only() -> None:
    assert validate_id_number(IdDocumentType.CMND, "205 123 456", today=TODAY) == "205123456"
    assert "Số CMND: phải gồm đúng 9 chữ số (đang có 8)" in _id_error(IdDocumentType.CMND, "20512345").message
    twelve = _id_error(IdDocumentType.CMND, "048090001234")
    assert "đang có 12" in twelve.message and "chọn loại giấy tờ CCCD" in twelve.message
    assert "Số CMND: chỉ được gồm chữ số" in _id_error(IdDocumentType.CMND, "20512345x").message
    assert "Số CMND: chưa nhập" in _id_error(IdDocumentType.CMND, " ").message


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("C1234567", "C1234567"),
        ("p1234567", "P1234567"),
        ("n 123 4567", "N1234567"),
        ("X12345678", "X12345678"),
        ("533401201", "533401201"),
        ("AB123456", "AB123456"),
    ],
)
def test_passports_accepted(number: str, expected: str) -> None:
    assert validate_id_number(IdDocumentType.PASSPORT, number, today=TODAY) == expected


@pytest.mark.parametrize(
    ("number", "fragment"),
    [
        ("", "Số hộ chiếu: chưa nhập"),
        ("C1234", "phải dài từ 6 đến 9 ký tự (đang có 5)"),
        ("C1234567890", "đang có 11"),
        ("Đ1234567", "chỉ được gồm chữ cái Latinh không dấu"),
        ("C123#567", "chỉ được gồm chữ cái Latinh không dấu"),
        ("ABCDEFGH", "không giống một số hộ chiếu"),
        ("0000000", "không giống một số hộ chiếu"),
    ],
)
def test_passports_refused(number: str, fragment: str) -> None:
    error = _id_error(IdDocumentType.PASSPORT, number)
    assert fragment in error.message
    assert error.message.startswith("Số hộ chiếu: ")


# --- properties ---------------------------------------------------------------------------------

_births = st.dates(min_value=date(1900, 1, 1), max_value=TODAY)


@given(
    prefix=st.sampled_from(sorted(CCCD_PROVINCE_CODES)),
    birth=_births,
    gender=st.sampled_from(list(Gender)),
    tail=st.integers(min_value=0, max_value=999_999),
    issued_after=st.integers(min_value=0, max_value=30_000),
)
def test_any_valid_cccd_round_trips(
    prefix: str, birth: date, gender: Gender, tail: int, issued_after: int
) -> None:
    digit = (birth.year - 1900) // 100 * 2 + (1 if gender is Gender.FEMALE else 0)
    number = f"{prefix}{digit}{birth.year % 100:02d}{tail:06d}"
    assert validate_id_number(IdDocumentType.CCCD, number, birth, gender, today=TODAY) == number
    spaced = " ".join(number[i : i + 3] for i in range(0, 12, 3))
    assert validate_id_number(IdDocumentType.CCCD, spaced, today=TODAY) == number

    issued = min(TODAY, date.fromordinal(birth.toordinal() + issued_after))
    payload = f"{number}||Trần Văn Ơn|{birth:%d%m%Y}|{gender.label}|Huế|{issued:%d%m%Y}\n"
    assert looks_like_id_qr(payload)
    card = parse_chip_id_qr(payload, today=TODAY)
    assert (card.id_number, card.birth_date, card.gender, card.issued_on) == (number, birth, gender, issued)


@given(birth=_births, wrong=st.integers(min_value=0, max_value=9))
def test_any_century_digit_other_than_the_right_pair_is_refused(birth: date, wrong: int) -> None:
    right = {(birth.year - 1900) // 100 * 2, (birth.year - 1900) // 100 * 2 + 1}
    number = f"001{wrong}{birth.year % 100:02d}123456"
    if wrong in right:
        assert validate_id_number(IdDocumentType.CCCD, number, birth, today=TODAY) == number
    else:
        with pytest.raises(ValidationError, match="chữ số thứ 4") as info:
            validate_id_number(IdDocumentType.CCCD, number, birth, today=TODAY)
        assert info.value.field == "id_number"

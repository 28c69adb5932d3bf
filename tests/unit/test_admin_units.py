"""Post-2025 administrative units: counts, lookups, folding search, address checks (domain.md §7)."""

from __future__ import annotations

import unicodedata

import pytest

from counter_app.domain.admin_units import (
    format_address,
    province,
    province_name,
    provinces,
    search_units,
    validate_address,
    ward,
    wards_of,
)
from counter_app.domain.errors import ValidationError
from counter_app.domain.text import fold

DA_NANG = 48
QUANG_NGAI = 51
HAI_CHAU = 20242  # Phường Hải Châu, Thành phố Đà Nẵng
BA_DINH = 4  # Phường Ba Đình, Thành phố Hà Nội


def test_34_provinces_with_the_official_codes() -> None:
    codes = [p.code for p in provinces()]
    assert len(codes) == 34
    assert codes == [
        1, 4, 8, 11, 12, 14, 15, 19, 20, 22, 24, 25, 31, 33, 37, 38, 40,
        42, 44, 46, 48, 51, 52, 56, 66, 68, 75, 79, 80, 82, 86, 91, 92, 96,
    ]  # fmt: skip
    assert all(p.is_province and p.province_code == p.code for p in provinces())


def test_3321_wards_and_94_in_da_nang() -> None:
    all_wards = [w for p in provinces() for w in wards_of(p.code)]
    assert len(all_wards) == 3321
    assert len({w.code for w in all_wards}) == 3321
    assert len(wards_of(DA_NANG)) == 94
    assert {w.division_type for w in all_wards} == {"phường", "xã", "đặc khu"}
    assert not any(w.is_province for w in all_wards)
    assert all(unicodedata.is_normalized("NFC", w.name) for w in all_wards)


def test_lookups() -> None:
    assert province_name(DA_NANG) == "Thành phố Đà Nẵng"
    assert province_name(QUANG_NGAI) == "Tỉnh Quảng Ngãi"
    assert province_name(1) == "Thành phố Hà Nội"
    assert province(DA_NANG).division_type == "thành phố trung ương"
    unit = ward(HAI_CHAU)
    assert (unit.name, unit.code, unit.province_code, unit.division_type) == (
        "Phường Hải Châu",
        HAI_CHAU,
        DA_NANG,
        "phường",
    )
    assert wards_of(49) == []  # Quảng Nam merged into Đà Nẵng
    names = [fold(w.name) for w in wards_of(DA_NANG)]
    assert names == sorted(names)
    with pytest.raises(KeyError):
        ward(99_999_999)
    with pytest.raises(KeyError):
        province(49)


def test_wards_of_returns_a_copy() -> None:
    first = wards_of(DA_NANG)
    first.clear()
    assert len(wards_of(DA_NANG)) == 94


@pytest.mark.parametrize(
    "query", ["hai chau", "Hải Châu", "HAI CHAU", "Hai Châu", "phuong hai chau", "hai ch"]
)
def test_search_folds_diacritics(query: str) -> None:
    found = search_units(query)
    assert HAI_CHAU in [u.code for u in found]


def test_search_ranks_exact_names_first_and_can_use_the_province() -> None:
    assert search_units("hai chau da nang")[0].code == HAI_CHAU
    assert [u.code for u in search_units("hai chau da nang")] == [HAI_CHAU]
    assert search_units("da nang")[0].code == DA_NANG
    assert search_units("ba dinh")[0].code == BA_DINH  # folded "Ba Đình" equals the query
    assert search_units("tinh quang ngai")[0].code == QUANG_NGAI
    assert search_units("dac khu con dao")[0].name == "Đặc khu Côn Đảo"


def test_search_limits_and_empty_queries() -> None:
    assert len(search_units("xa", limit=5)) == 5
    assert search_units("") == []
    assert search_units("  - ") == []
    assert search_units("zzzz khong co") == []


def test_validate_address_accepts_a_ward_of_its_province() -> None:
    validate_address(DA_NANG, HAI_CHAU)


@pytest.mark.parametrize(
    ("province_code", "ward_code", "field", "fragment"),
    [
        (None, HAI_CHAU, "province_code", "Tỉnh/thành phố: chưa chọn"),
        (49, HAI_CHAU, "province_code", "Tỉnh/thành phố: mã 49 không có trong danh mục 34 tỉnh"),
        (DA_NANG, None, "ward_code", "Phường/xã: chưa chọn"),
        (DA_NANG, 123_456, "ward_code", "Phường/xã: mã 123456 không có trong danh mục"),
        (
            QUANG_NGAI,
            HAI_CHAU,
            "ward_code",
            "Phường/xã: Phường Hải Châu thuộc Thành phố Đà Nẵng, không thuộc Tỉnh Quảng Ngãi",
        ),
    ],
)
def test_validate_address_refuses(
    province_code: int | None, ward_code: int | None, field: str, fragment: str
) -> None:
    with pytest.raises(ValidationError) as info:
        validate_address(province_code, ward_code)
    assert info.value.field == field
    assert fragment in info.value.message


def test_format_address() -> None:
    assert (
        format_address(" 12  Lê Lợi ", HAI_CHAU, DA_NANG) == "12 Lê Lợi, Phường Hải Châu, Thành phố Đà Nẵng"
    )
    assert format_address("", HAI_CHAU, DA_NANG) == "Phường Hải Châu, Thành phố Đà Nẵng"
    nfd = unicodedata.normalize("NFD", "Thôn Phú Quý")
    assert format_address(nfd, HAI_CHAU, DA_NANG).startswith("Thôn Phú Quý, ")
    with pytest.raises(ValidationError) as info:
        format_address("12 Lê Lợi", HAI_CHAU, QUANG_NGAI)
    assert info.value.field == "ward_code"


def test_without_unit_kind_is_the_one_way_to_strip_phuong_xa_tinh() -> None:
    from counter_app.domain.admin_units import without_unit_kind

    assert without_unit_kind("Phường Hải Châu") == "Hải Châu"
    assert without_unit_kind("Xã Hòa Vang") == "Hòa Vang"
    assert without_unit_kind("Tỉnh Quảng Ngãi") == "Quảng Ngãi"
    assert without_unit_kind("Thành phố Đà Nẵng") == "Đà Nẵng"
    assert without_unit_kind("Đặc khu Phú Quốc") == "Phú Quốc"
    assert without_unit_kind("phuong hai chau") == "hai chau"  # folded, as the pickers compare
    assert without_unit_kind("Hải Châu") == "Hải Châu"
    assert without_unit_kind("Phường") == "Phường"  # nothing left would be no name at all

"""Post-01/7/2025 administrative units (34 provinces, 3,321 communes) from the `vietnam-provinces` package.

The counter works offline, so the map is read from the JSON bundled inside the installed package, once, on
first use. District level no longer exists: an address is street, commune (phường/xã/đặc khu), province.
Province names get their "Tỉnh" prefix here because the package only writes it for centrally-run cities
("Thành phố Đà Nẵng" but "Quảng Ngãi"), while slips and forms print the full official name.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache

from vietnam_provinces import NESTED_DIVISIONS_JSON_PATH

from counter_app.domain.errors import ValidationError
from counter_app.domain.text import fold, nfc, search_tokens

PROVINCE_FIELD = "province_code"
PROVINCE_LABEL = "Tỉnh/thành phố"
WARD_FIELD = "ward_code"
WARD_LABEL = "Phường/xã"

_PROVINCE_TYPES = frozenset({"tỉnh", "thành phố trung ương"})
_TYPE_PREFIXES = ("thanh pho ", "thi tran ", "tinh ", "phuong ", "xa ", "dac khu ")  # folded kind words


def without_unit_kind(name: str) -> str:
    """The place without its kind word: 'Phường Hải Châu' -> 'Hải Châu', 'Thành phố Đà Nẵng' -> 'Đà Nẵng'.

    The one home of this rule (docs/domain.md section 6): forms write the bare place before the date,
    pickers match and sort on it. Works on typed and folded text alike ('phuong hai chau' -> 'hai chau').
    """
    text = nfc(name)
    folded = fold(text)
    for prefix in _TYPE_PREFIXES:
        if folded.startswith(prefix) and len(folded) == len(text) > len(prefix):
            return text[len(prefix) :]
    return text


@dataclass(frozen=True)
class AdminUnit:
    """A province or a commune-level unit; for a province `province_code == code`."""

    code: int
    name: str  # full official name: "Phường Hải Châu", "Thành phố Đà Nẵng", "Tỉnh Quảng Ngãi"
    division_type: str  # as in the package: "tỉnh", "thành phố trung ương", "phường", "xã", "đặc khu"
    province_code: int

    @property
    def is_province(self) -> bool:
        return self.division_type in _PROVINCE_TYPES


@dataclass(frozen=True)
class _Tables:
    provinces: dict[int, AdminUnit]
    wards: dict[int, AdminUnit]
    wards_by_province: dict[int, list[AdminUnit]]
    # (unit, folded name without its type word, folded tokens of the name, tokens of its province)
    search_index: list[tuple[AdminUnit, str, list[str], list[str]]]


def _official_province_name(raw: dict) -> str:
    name = nfc(raw["name"])
    if raw["division_type"] == "tỉnh" and not fold(name).startswith("tinh "):
        return f"Tỉnh {name}"
    return name


def _bare(folded_name: str) -> str:
    """'phuong hai chau' -> 'hai chau': what a clerk types first."""
    return without_unit_kind(folded_name)


@cache
def _tables() -> _Tables:
    """Built once per process; about 3,300 rows, a few milliseconds."""
    raw = json.loads(NESTED_DIVISIONS_JSON_PATH.read_text(encoding="utf-8"))
    provinces: dict[int, AdminUnit] = {}
    wards: dict[int, AdminUnit] = {}
    by_province: dict[int, list[AdminUnit]] = {}
    index: list[tuple[AdminUnit, str, list[str], list[str]]] = []
    for p in raw:
        province = AdminUnit(
            code=int(p["code"]),
            name=_official_province_name(p),
            division_type=nfc(p["division_type"]),
            province_code=int(p["code"]),
        )
        provinces[province.code] = province
        province_tokens = search_tokens(province.name)
        index.append((province, _bare(" ".join(province_tokens)), province_tokens, []))
        members = by_province.setdefault(province.code, [])
        for w in p["wards"]:
            unit = AdminUnit(
                code=int(w["code"]),
                name=nfc(w["name"]),
                division_type=nfc(w["division_type"]),
                province_code=province.code,
            )
            wards[unit.code] = unit
            members.append(unit)
            tokens = search_tokens(unit.name)
            index.append((unit, _bare(" ".join(tokens)), tokens, province_tokens))
    for members in by_province.values():
        members.sort(key=lambda unit: fold(unit.name))
    return _Tables(provinces, wards, by_province, index)


def provinces() -> list[AdminUnit]:
    """All 34 provincial units, in code order (the order of the official list)."""
    return sorted(_tables().provinces.values(), key=lambda unit: unit.code)


def province(code: int) -> AdminUnit:
    """The provincial unit with this code; KeyError when it does not exist (e.g. a pre-2025 code)."""
    return _tables().provinces[code]


def province_name(code: int) -> str:
    """Full official name, e.g. 48 -> "Thành phố Đà Nẵng", 51 -> "Tỉnh Quảng Ngãi"."""
    return province(code).name


def ward(code: int) -> AdminUnit:
    """The commune-level unit with this code; KeyError when it does not exist."""
    return _tables().wards[code]


def wards_of(province_code: int) -> list[AdminUnit]:
    """Communes of one province sorted by name without diacritics; empty for an unknown code."""
    return list(_tables().wards_by_province.get(province_code, []))


def search_units(query: str, limit: int = 20) -> list[AdminUnit]:
    """Provinces and communes whose names match every word typed, ignoring diacritics and case.

    Each word may be the start of a word of the unit's name or of its province's name, so "hai chau",
    "Hải Châu" and "hai chau da nang" all find Phường Hải Châu. Exact names rank first, then names that
    start with the query, then matches inside the unit's own name, then those that needed the province.
    """
    words = search_tokens(query)
    if not words or limit <= 0:
        return []
    phrase = " ".join(words)
    ranked: list[tuple[tuple[int, int, str], AdminUnit]] = []
    for unit, bare, own, context in _tables().search_index:
        in_own = all(any(token.startswith(word) for token in own) for word in words)
        if not in_own and not all(any(t.startswith(word) for t in (*own, *context)) for word in words):
            continue
        if phrase in (bare, " ".join(own)):
            rank = 0
        elif bare.startswith(phrase):
            rank = 1
        elif in_own:
            rank = 2
        else:
            rank = 3
        ranked.append(((rank, 0 if unit.is_province else 1, bare), unit))
    ranked.sort(key=lambda item: item[0])
    return [unit for _, unit in ranked[:limit]]


def validate_address(province_code: int | None, ward_code: int | None) -> None:
    """Both codes exist in the post-2025 list and the commune belongs to the province."""
    tables = _tables()
    if province_code is None:
        raise ValidationError(PROVINCE_FIELD, f"{PROVINCE_LABEL}: chưa chọn.", PROVINCE_LABEL)
    if province_code not in tables.provinces:
        raise ValidationError(
            PROVINCE_FIELD,
            f"{PROVINCE_LABEL}: mã {province_code} không có trong danh mục 34 tỉnh, thành phố "
            "áp dụng từ ngày 01/7/2025.",
            PROVINCE_LABEL,
        )
    if ward_code is None:
        raise ValidationError(WARD_FIELD, f"{WARD_LABEL}: chưa chọn.", WARD_LABEL)
    unit = tables.wards.get(ward_code)
    if unit is None:
        raise ValidationError(
            WARD_FIELD,
            f"{WARD_LABEL}: mã {ward_code} không có trong danh mục đơn vị hành chính cấp xã "
            "áp dụng từ ngày 01/7/2025.",
            WARD_LABEL,
        )
    if unit.province_code != province_code:
        raise ValidationError(
            WARD_FIELD,
            f"{WARD_LABEL}: {unit.name} thuộc {province_name(unit.province_code)}, "
            f"không thuộc {province_name(province_code)}.",
            WARD_LABEL,
        )


def format_address(street: str | None, ward_code: int, province_code: int) -> str:
    """The address line printed on slips: "12 Lê Lợi, Phường Hải Châu, Thành phố Đà Nẵng"."""
    validate_address(province_code, ward_code)
    parts = (nfc(street), ward(ward_code).name, province_name(province_code))
    return ", ".join(part for part in parts if part)

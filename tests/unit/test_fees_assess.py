"""Fee assessment at intake: tiered per-page arithmetic, caps, exemptions, and amounts the province sets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from num2words import num2words

from counter_app.domain.catalog import FeeExemption, FeeItem, FeeKind, FeeTier, Procedure
from counter_app.domain.catalog_files import parse_catalog_json
from counter_app.domain.fees import FeeInputError, Quantities, assess, per_copy_of_pages
from counter_app.domain.money import format_dong, format_vnd, vnd_in_words

SAMPLE = Path(__file__).parents[2] / "resources" / "catalog" / "sample-catalog.json"
COPY_FEE = FeeItem(
    "Phí chứng thực bản sao", FeeKind.FEE, 2000, unit="trang", tiers=(FeeTier(3, 1000),), cap_vnd=200_000,
    source="Thông tư 226/2016/TT-BTC",
)


def _procedure(*fees: FeeItem) -> Procedure:
    return Procedure("2.000815", "Chứng thực bản sao", "Chứng thực", "xã", 0, fees=fees)


@pytest.fixture(scope="module")
def sample() -> dict[str, Procedure]:
    return {p.code: p for p in parse_catalog_json(SAMPLE.read_text(encoding="utf-8"))}


def test_figures_and_words() -> None:
    assert format_vnd(15_000) == "15.000"
    assert format_vnd(2_021_000_000) == "2.021.000.000"
    assert format_vnd(0) == "0"
    assert format_dong(1_005_000) == "1.005.000 đồng"
    assert vnd_in_words(15_000) == "Mười lăm nghìn đồng"
    assert vnd_in_words(0) == "Không đồng"
    for amount in (0, 1_000, 15_000, 100_000, 1_005_000, 2_021_000_000):
        words = num2words(amount, lang="vi")
        assert vnd_in_words(amount) == words[0].upper() + words[1:] + " đồng"


@given(pages=st.integers(1, 10_000), copies=st.integers(1, 1_000))
def test_per_page_tiers_and_cap(pages: int, copies: int) -> None:
    """2.000 đ for each of pages 1-2, 1.000 đ from page 3, at most 200.000 đ a copy, times the copies."""
    by_page = sum(2000 if page <= 2 else 1000 for page in range(1, pages + 1))
    expected_copy = min(by_page, 200_000)
    assert per_copy_of_pages(COPY_FEE, pages) == expected_copy
    result = assess(_procedure(COPY_FEE), Quantities(pages=pages, copies=copies))
    assert result.fee_vnd == expected_copy * copies and result.charge_vnd == 0
    (line,) = result.lines
    assert line.quantity == copies and line.unit == "bản" and "226/2016" in line.note


@given(pages=st.integers(1, 500))
def test_the_cap_never_exceeded_and_one_more_page_never_cheaper(pages: int) -> None:
    here, next_page = per_copy_of_pages(COPY_FEE, pages), per_copy_of_pages(COPY_FEE, pages + 1)
    assert here <= 200_000 and here <= next_page


def test_cap_reached_exactly_at_198_pages() -> None:
    assert per_copy_of_pages(COPY_FEE, 197) == 199_000
    assert per_copy_of_pages(COPY_FEE, 198) == 200_000
    assert per_copy_of_pages(COPY_FEE, 5_000) == 200_000


def test_sample_catalog_amounts(sample: dict[str, Procedure]) -> None:
    copy = assess(sample["2.000815"], Quantities(pages=5, copies=3))
    assert copy.total_vnd == (2 * 2000 + 3 * 1000) * 3 == 21_000
    signature = assess(sample["2.000884"], Quantities(cases=2))
    assert signature.fee_vnd == 20_000 and signature.lines[0].unit == "trường hợp"
    adoption = assess(sample["2.001263"])
    assert adoption.charge_vnd == 400_000 and adoption.fee_vnd == 0


def test_province_amounts_are_unknown_never_zero(sample: dict[str, Procedure]) -> None:
    death = assess(sample["1.000656"])
    assert death.lines == () and death.unknown == ("Lệ phí đăng ký khai tử",)
    with_extract = assess(sample["1.000656"], Quantities(extracts=2))
    assert len(with_extract.unknown) == 2  # the extract copies' fee is not in the catalog either


def test_exemption_gives_zero_with_its_legal_reason(sample: dict[str, Procedure]) -> None:
    death = assess(sample["1.000656"], exemption="ho-ngheo")
    (line,) = death.lines
    assert line.amount_vnd == 0 and death.unknown == ()
    assert "hộ nghèo" in line.note and "Luật Hộ tịch 2014, Điều 11" in line.note
    mortgage = assess(sample["2.001035"], Quantities(cases=1), exemption="the-chap-nong-nghiep")
    assert mortgage.total_vnd == 0 and "55/2015/NĐ-CP" in mortgage.lines[0].note


def test_reduction_keeps_the_rest() -> None:
    half = FeeExemption("giam-50", "Đối tượng giảm một nửa", "Văn bản thử", 50)
    item = FeeItem("Phí chứng thực chữ ký", FeeKind.FEE, 10_000, unit="trường hợp", exemptions=(half,))
    result = assess(_procedure(item), Quantities(cases=3), exemption="giam-50")
    assert result.total_vnd == 15_000 and "Giảm 50%" in result.lines[0].note


def test_bad_counts_and_unknown_exemption_refused(sample: dict[str, Procedure]) -> None:
    with pytest.raises(FeeInputError, match="Số trang"):
        assess(sample["2.000815"], Quantities(pages=0))
    with pytest.raises(FeeInputError, match="không có trường hợp miễn, giảm nào"):
        assess(sample["2.000815"], exemption="ho-ngheo")


def test_new_fee_keys_round_trip_and_old_entries_stay_readable(sample: dict[str, Procedure]) -> None:
    from counter_app.domain.catalog import procedure_from_dict, procedure_to_dict

    for code in ("2.000815", "1.000656", "2.001263", "1.001193"):
        assert procedure_from_dict(procedure_to_dict(sample[code])) == sample[code]
    old = procedure_to_dict(sample["1.001193"])["fees"][0]
    assert set(old) == {"name", "kind", "amount_vnd", "note"}


def test_fee_checks_name_every_problem() -> None:
    from counter_app.domain.errors import ValidationErrors

    raw = json.loads(SAMPLE.read_text(encoding="utf-8"))["procedures"]
    entry = next(p for p in raw if p["code"] == "2.000815")
    entry["fees"][0]["tiers"] = [{"from": 1, "amount_vnd": 1000}]
    entry["fees"][0]["exemptions"] = [{"key": "Hộ nghèo", "reason": "x", "basis": "y"}]
    with pytest.raises(ValidationErrors) as caught:
        parse_catalog_json(json.dumps({"procedures": [entry]}, ensure_ascii=False))
    messages = " ".join(str(e) for e in caught.value.errors)
    assert "tăng dần" in messages and "mã miễn, giảm" in messages

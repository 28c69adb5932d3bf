"""The procedure catalog: the shipped sample matches the reference, and bad files get Vietnamese errors."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest

from counter_app.domain.catalog import (
    FeeItem,
    FeeKind,
    Procedure,
    RequiredDocument,
    TimeUnit,
    procedure_to_dict,
)
from counter_app.domain.catalog_files import catalog_to_json, parse_catalog_csv, parse_catalog_json
from counter_app.domain.dossier import Channel, ResultDelivery
from counter_app.domain.errors import ValidationErrors

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "resources" / "catalog" / "sample-catalog.json"
FIXTURES = ROOT / "tests" / "fixtures" / "catalog"
REFERENCE = ROOT.parent / "shared" / "data" / "catalog-reference.json"  # CI lays shared/ beside the clone
NATIONAL_CODE = re.compile(r"^\d\.\d{6}$")


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def errors_of(parse, text: str) -> list:
    with pytest.raises(ValidationErrors) as caught:
        parse(text)
    return caught.value.errors


@pytest.fixture(scope="module")
def sample() -> list[Procedure]:
    return parse_catalog_json(SAMPLE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def reference() -> dict[str, dict]:
    if not REFERENCE.exists():
        pytest.skip("catalog-reference.json is not available on this machine")
    return {e["code"]: e for e in json.loads(REFERENCE.read_text(encoding="utf-8"))}


# --- the shipped sample ---------------------------------------------------------------------------


def test_sample_catalog_loads_and_is_marked_sample(sample: list[Procedure]) -> None:
    assert len(sample) >= 25
    assert all(p.is_sample for p in sample)
    assert all(NATIONAL_CODE.match(p.code) for p in sample)
    assert all(p.times and p.time_source for p in sample)  # every sample time says where it comes from
    assert all(p.source for p in sample)
    top = json.loads(SAMPLE.read_text(encoding="utf-8"))
    assert "mẫu" in top["note"].lower() and "Cổng Dịch vụ công quốc gia" in top["note"]


def test_sample_codes_and_names_are_the_references(sample: list[Procedure], reference: dict) -> None:
    for p in sample:
        assert p.code in reference, p.code
        assert p.name == reference[p.code]["name"]
        assert p.sector == reference[p.code]["sector"]
        assert p.source == reference[p.code]["source"]


def test_sample_times_are_the_references_or_say_they_are_unverified(
    sample: list[Procedure], reference: dict
) -> None:
    """Each time names its source in `time_source`; the notes no longer carry a second, older statement."""
    for p in sample:
        ref = reference[p.code]
        direct = p.time_rule(Channel.DIRECT)
        assert p.time_source, p.code
        assert "Thời hạn mẫu" not in p.note and "tạm tính" not in p.note, p.code
        if direct.unit is TimeUnit.SAME_DAY:  # the law's rule, not the reference's figure
            assert "Luật Hộ tịch" in p.time_source or "Nghị định 23/2015" in p.time_source, p.code
        elif ref["processing_hours"] is not None:
            assert direct.nominal_hours == ref["processing_hours"], p.code
            assert ref["processing_time"] in p.time_source, p.code
        else:
            unconfirmed = p.time_source.startswith("Chưa xác minh")
            assert unconfirmed or (ref["processing_time"] or "") in p.time_source, p.code


def test_sample_fees_equal_the_references_where_it_has_amounts(
    sample: list[Procedure], reference: dict
) -> None:
    for p in sample:
        ref_fees = {f["name"]: f for f in reference[p.code]["fees"] or []}
        kept = {f.name for f in p.fees}
        for fee in p.fees:
            if fee.tiers:  # one tiered item stands for the reference's per-page items "<name> (trang …)"
                parts = [f for name, f in ref_fees.items() if name.startswith(f"{fee.name} (")]
                rates = [fee.amount_vnd, *(t.amount_vnd for t in fee.tiers)]
                assert [f["amount_vnd"] for f in parts] == rates, p.code
                assert "226/2016/TT-BTC" in fee.source and fee.cap_vnd == 200_000
                kept |= {f["name"] for f in parts}
                continue
            assert fee.name in ref_fees, (p.code, fee.name)
            assert fee.amount_vnd == ref_fees[fee.name]["amount_vnd"]
            assert fee.kind.value == ref_fees[fee.name]["kind"]
            if fee.amount_vnd is None:
                assert fee.note
        for name in ref_fees:
            # Only the one-province (Quảng Ninh) amounts are left out of the sample, and the note says so.
            if name not in kept:
                assert "Quảng Ninh" in name and name in p.note


def test_sample_documents_map_the_reference_forms(sample: list[Procedure], reference: dict) -> None:
    expected = {"bản chính": (1, 0, 0), "bản sao": (0, 1, 0), None: (1, 0, 0)}
    for p in sample:
        ref_docs = reference[p.code]["documents"] or []
        assert [d.name for d in p.documents] == [d["name"] for d in ref_docs]
        for doc, ref_doc in zip(p.documents, ref_docs, strict=True):
            assert (doc.originals, doc.certified_copies, doc.photocopies) == expected[ref_doc["form"]]


def test_known_sample_entries(sample: list[Procedure]) -> None:
    by_code = {p.code: p for p in sample}
    assert by_code["2.001263"].total_fees_vnd() == 400_000
    assert by_code["2.000884"].total_fees_vnd() == 10_000
    guardianship = by_code["1.004837"]
    assert guardianship.processing_hours == 24  # "3 ngày làm việc"
    assert guardianship.total_fees_vnd() == 0


# --- model ------------------------------------------------------------------------------------------


def test_hours_for_online_uses_the_online_time_when_set() -> None:
    p = Procedure(
        "1.001612", "Đăng ký thành lập hộ kinh doanh", "Hộ kinh doanh", "xã", 24, online_processing_hours=16
    )
    assert p.hours_for(Channel.ONLINE) == 16
    assert p.hours_for(Channel.DIRECT) == 24
    assert p.hours_for(Channel.POSTAL) == 24
    without = Procedure("1.001193", "Thủ tục đăng ký khai sinh", "Hộ tịch", "xã", 8)
    assert without.hours_for(Channel.ONLINE) == 8


def test_total_fees_counts_known_amounts_only() -> None:
    p = Procedure(
        "2.000815",
        "Chứng thực bản sao",
        "Chứng thực",
        "xã",
        8,
        fees=(
            FeeItem("Phí trang 1 và 2", FeeKind.FEE, 2000),
            FeeItem("Lệ phí do tỉnh quy định", FeeKind.CHARGE, None),
            FeeItem("Phí từ trang 3", FeeKind.FEE, 1000),
        ),
    )
    assert p.total_fees_vnd() == 3000
    assert isinstance(p.total_fees_vnd(), int)


# --- round trip and good imports -------------------------------------------------------------------


def test_json_round_trip(sample: list[Procedure]) -> None:
    extra = Procedure(
        "1.001612.000.00.00.H47",
        "Đăng ký thành lập hộ kinh doanh",
        "Hộ kinh doanh",
        "xã",
        24,
        online_processing_hours=16,
        time_unit=TimeUnit.WORKING_HOURS,
        fees=(FeeItem("Lệ phí đăng ký hộ kinh doanh", FeeKind.CHARGE, None, note="Do HĐND tỉnh quy định"),),
        documents=(RequiredDocument("Giấy đề nghị", originals=1, photocopies=2),),
        result_delivery=(ResultDelivery.POSTAL,),
        required_fields=("birth_date", "email"),
        note="Ghi chú",
    )
    procedures = [*sample, extra]
    text = json.dumps({"procedures": [procedure_to_dict(p) for p in procedures]}, ensure_ascii=False)
    assert parse_catalog_json(text) == procedures
    assert parse_catalog_json(catalog_to_json(procedures, note="Xuất thử")) == procedures


def test_csv_import_of_a_good_file() -> None:
    procedures = parse_catalog_csv(fixture("good.csv"))
    assert [p.code for p in procedures] == ["1.001193", "2.000815", "1.001612.000.00.00.H47"]
    birth, copy, household = procedures
    assert birth.processing_hours == 8  # processing_days 1 × 8
    assert birth.fees == (FeeItem("Lệ phí đăng ký khai sinh", FeeKind.CHARGE, 0),)
    assert birth.documents == (
        RequiredDocument("Tờ khai đăng ký khai sinh", originals=1),
        RequiredDocument("Giấy chứng sinh", originals=1),
    )
    assert birth.result_delivery == (ResultDelivery.DESK, ResultDelivery.POSTAL)
    assert birth.required_fields == ("address",)
    assert birth.is_sample is True
    assert birth.note == "Thời hạn mẫu, chưa xác minh"
    assert copy.processing_hours == 4
    assert copy.total_fees_vnd() == 3000
    assert copy.documents == (RequiredDocument("Bản chính giấy tờ", originals=1),)
    assert copy.result_delivery == (ResultDelivery.DESK,)
    assert copy.is_sample is False
    assert household.hours_for(Channel.ONLINE) == 16
    assert household.fees[0].amount_vnd is None
    assert household.documents[1] == RequiredDocument("Bản sao giấy tờ pháp lý", 0, 1, 2)
    assert household.required_fields == ("birth_date", "gender", "address")


def test_csv_with_semicolon_delimiter_from_excel() -> None:
    (p,) = parse_catalog_csv(fixture("good-semicolon.csv"))
    assert p.code == "2.000884" and p.total_fees_vnd() == 10000


def test_reference_format_is_accepted_when_it_has_hours() -> None:
    entries = json.loads(fixture("reference-format.json"))
    (p,) = parse_catalog_json(json.dumps(entries[:1], ensure_ascii=False))
    assert p.processing_hours == 24
    assert p.fees == (FeeItem("Lệ phí đăng ký giám hộ", FeeKind.CHARGE, 0, "Nguồn ghi 0 VNĐ."),)
    assert [(d.originals, d.certified_copies) for d in p.documents] == [(1, 0), (0, 1), (1, 0)]
    assert p.note == "Cổng DVCQG."


def test_reference_entry_without_hours_is_refused_naming_the_source_time() -> None:
    (error,) = errors_of(parse_catalog_json, fixture("reference-format.json"))
    assert error.field == "processing_hours"
    assert error.message.startswith("Mục 2, thủ tục 1.013314: thiếu thời hạn giải quyết")
    assert "“1 Khác”" in error.message


def test_nfd_text_is_normalised_to_nfc() -> None:
    raw = fixture("nfd.json")
    assert unicodedata.normalize("NFC", raw) != raw  # the fixture really is decomposed
    (p,) = parse_catalog_json(raw)
    assert p.name == "Thủ tục đăng ký kết hôn"
    assert unicodedata.is_normalized("NFC", p.name)
    assert p.sector == "Hộ tịch" and p.level == "xã"
    assert p.fees == (FeeItem("Lệ phí đăng ký kết hôn", FeeKind.CHARGE, 0),)


# --- bad input: every message is Vietnamese and names the row/code and the field -------------------


def test_missing_name() -> None:
    (error,) = errors_of(parse_catalog_json, fixture("missing-name.json"))
    assert error.field == "name"
    assert error.label == "tên thủ tục"
    assert error.message == "Mục 2, thủ tục 1.000656: thiếu tên thủ tục (name)."


def test_non_integer_hours_names_line_and_code() -> None:
    (error,) = errors_of(parse_catalog_csv, fixture("bad-hours.csv"))
    assert error.field == "processing_hours"
    assert error.message.startswith(
        "Dòng 3, thủ tục 1.001193: thời hạn giải quyết (processing_hours) phải là số nguyên giờ làm việc lớn hơn 0"
    )
    assert "“4.5”" in error.message


@pytest.mark.parametrize("hours", [0, -8, 1.5, "8", True, None])
def test_bad_hours_in_json(hours: object) -> None:
    entry = {
        "code": "1.001193",
        "name": "Khai sinh",
        "sector": "Hộ tịch",
        "level": "xã",
        "processing_hours": hours,
    }
    if hours == "8":  # a JSON string of digits is tolerated, like a CSV cell
        assert parse_catalog_json(json.dumps({"procedures": [entry]}))[0].processing_hours == 8
        return
    (error,) = errors_of(parse_catalog_json, json.dumps({"procedures": [entry]}))
    assert error.field == "processing_hours"
    assert error.message.startswith("Mục 1, thủ tục 1.001193: ")
    assert "thời hạn giải quyết" in error.message


def test_negative_fee() -> None:
    (error,) = errors_of(parse_catalog_json, fixture("negative-fee.json"))
    assert error.field == "fees"
    assert error.message.startswith("Mục 1, thủ tục 2.000884: khoản phí, lệ phí thứ 1")
    assert "không được âm" in error.message


def test_float_money_in_json_is_refused() -> None:
    (error,) = errors_of(parse_catalog_json, fixture("float-money.json"))
    assert error.field == "fees"
    assert error.message.startswith("Mục 1, thủ tục 2.000884: ")
    assert "số nguyên đồng" in error.message and "10000.5" in error.message


def test_whole_float_money_is_refused_too() -> None:
    entry = {
        "code": "2.000884",
        "name": "Chứng thực chữ ký",
        "sector": "Chứng thực",
        "level": "xã",
        "processing_hours": 8,
        "fees": [{"name": "Phí", "kind": "phí", "amount_vnd": 10000.0}],
    }
    (error,) = errors_of(parse_catalog_json, json.dumps({"procedures": [entry]}))
    assert "số nguyên đồng" in error.message


def test_decimal_money_in_csv_is_refused() -> None:
    (error,) = errors_of(parse_catalog_csv, fixture("bad-money.csv"))
    assert error.field == "fees"
    assert error.message.startswith("Dòng 2, thủ tục 2.000884: ")
    assert "số nguyên đồng" in error.message and "“1.5”" in error.message


def test_unknown_fee_kind() -> None:
    (error,) = errors_of(parse_catalog_csv, fixture("bad-fee-kind.csv"))
    assert error.field == "fees"
    assert error.message.startswith("Dòng 2, thủ tục 2.000884: ")
    assert "loại (kind) phải là “phí” hoặc “lệ phí”" in error.message and "“thuế”" in error.message


def test_duplicate_code_is_refused() -> None:
    (error,) = errors_of(parse_catalog_csv, fixture("duplicate-code.csv"))
    assert error.field == "code"
    assert (
        error.message == "Dòng 4, thủ tục 1.001193: mã thủ tục trùng với dòng 2; mỗi mã chỉ được ghi một lần."
    )


def test_malformed_json_gives_line_number_in_vietnamese() -> None:
    (error,) = errors_of(parse_catalog_json, fixture("malformed.json"))
    assert error.field == "file"
    assert error.message.startswith("Tệp danh mục không phải JSON hợp lệ: lỗi ở dòng 3, cột 3")
    assert "thiếu dấu phẩy" in error.message


def test_wrong_format_marker() -> None:
    (error,) = errors_of(parse_catalog_json, fixture("wrong-format.json"))
    assert error.field == "format"
    assert "counter-app-catalog" in error.message and "“dossier-export”" in error.message


def test_unsupported_version() -> None:
    (error,) = errors_of(parse_catalog_json, json.dumps({"format": "counter-app-catalog", "version": 2}))
    assert error.field == "version"
    assert "chưa được hỗ trợ" in error.message


def test_bad_code_and_several_errors_are_reported_together() -> None:
    entries = [
        {"code": "1001193", "name": "Khai sinh", "sector": "Hộ tịch", "level": "xã", "processing_days": 1},
        {
            "code": "2.000884",
            "name": "Chứng thực chữ ký",
            "sector": "",
            "level": "xã",
            "processing_days": 1,
            "required_fields": ["passport"],
            "documents": [{"name": "Giấy tờ", "originals": 0}],
        },
    ]
    errors = errors_of(parse_catalog_json, json.dumps({"procedures": entries}))
    assert [(e.field, e.message.split(":")[0]) for e in errors] == [
        ("code", "Mục 1, thủ tục 1001193"),
        ("sector", "Mục 2, thủ tục 2.000884"),
        ("documents", "Mục 2, thủ tục 2.000884"),
        ("required_fields", "Mục 2, thủ tục 2.000884"),
    ]
    assert "d.dddddd" in errors[0].message


def test_csv_header_errors_are_named() -> None:
    (error,) = errors_of(parse_catalog_csv, "code,ten,sector,level\n1.001193,x,y,z\n")
    assert error.field == "columns"
    assert "cột không hợp lệ: ten" in error.message
    assert "thiếu cột: name, processing_days hoặc processing_hours" in error.message


def test_empty_catalog_is_refused() -> None:
    (error,) = errors_of(parse_catalog_json, json.dumps({"procedures": []}))
    assert error.message == "Tệp danh mục không có thủ tục nào."


def test_csv_cell_errors_name_the_row_and_code() -> None:
    text = "code,name,sector,level,processing_days,documents\n1.001193,Khai sinh,Hộ tịch,xã,1,Giấy: chứng sinh\n"
    (error,) = errors_of(parse_catalog_csv, text)
    assert error.field == "documents"
    assert error.message.startswith("Dòng 2, thủ tục 1.001193: giấy tờ thứ 1 phải có dạng")

"""Each catalog paper has a kind; catalogs written before kinds still load, a wrong kind is named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from counter_app.domain.catalog import DocumentKind, procedure_from_dict, procedure_to_dict
from counter_app.domain.catalog_files import parse_catalog_csv, parse_catalog_json
from counter_app.domain.errors import ValidationErrors

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "resources" / "catalog" / "sample-catalog.json"


def entry(*documents: dict) -> str:
    return json.dumps({"format": "counter-app-catalog", "version": 1, "procedures": [{
        "code": "2.000815", "name": "Chứng thực bản sao", "sector": "Chứng thực", "level": "xã",
        "processing_hours": 8, "documents": list(documents)}]}, ensure_ascii=False)


def test_a_catalog_written_before_kinds_loads_every_paper_as_required() -> None:
    old = json.loads(SAMPLE.read_text(encoding="utf-8"))
    for procedure in old["procedures"]:
        for document in procedure["documents"]:
            document.pop("kind", None)
            document.pop("group", None)
    loaded = parse_catalog_json(json.dumps(old, ensure_ascii=False))
    assert len(loaded) == len(old["procedures"])
    assert {d.kind for p in loaded for d in p.documents} == {DocumentKind.REQUIRED}


def test_every_sample_paper_is_marked_and_the_kinds_survive_a_round_trip() -> None:
    raw = json.loads(SAMPLE.read_text(encoding="utf-8"))
    assert all("kind" in d for p in raw["procedures"] for d in p["documents"])
    for procedure in parse_catalog_json(SAMPLE.read_text(encoding="utf-8")):
        assert procedure_from_dict(procedure_to_dict(procedure)) == procedure


@pytest.mark.parametrize(("document", "words"), [
    ({"name": "Tờ khai", "originals": 1, "kind": "optional"}, "loại giấy tờ (kind) phải là một trong required"),
    ({"name": "Tờ khai", "originals": 1, "kind": "one_of"}, "phải ghi tên nhóm (group)"),
    ({"name": "Tờ khai", "originals": 1, "kind": "shown", "group": "A"}, "chỉ giấy tờ loại one_of"),
])
def test_a_wrong_kind_is_refused_in_vietnamese(document: dict, words: str) -> None:
    with pytest.raises(ValidationErrors) as error:
        parse_catalog_json(entry(document))
    assert words in error.value.errors[0].message
    assert "Mục 1, thủ tục 2.000815" in error.value.errors[0].message


def test_a_one_of_group_of_a_single_paper_is_refused() -> None:
    with pytest.raises(ValidationErrors) as error:
        parse_catalog_json(entry({"name": "Bản sao", "certified_copies": 1, "kind": "one_of", "group": "Giấy tờ A"},
                                 {"name": "Tờ khai", "originals": 1}))
    assert "nhóm giấy tờ “Giấy tờ A” (one_of) chỉ có một giấy tờ" in error.value.errors[0].message


def test_csv_papers_may_carry_a_kind_and_a_group() -> None:
    csv_text = (
        "code,name,sector,level,processing_days,documents\n"
        '2.000815,Chứng thực bản sao,Chứng thực,xã,1,"Tờ khai: mẫu 01:1:0:0;Bản sao A:0:1:0:one_of:Giấy tờ gốc;'
        'Bản sao B:0:1:0:one_of:Giấy tờ gốc;Căn cước:1:0:0:shown"\n'
    )
    (procedure,) = parse_catalog_csv(csv_text)
    assert [(d.name, d.kind, d.group) for d in procedure.documents] == [
        ("Tờ khai: mẫu 01", DocumentKind.REQUIRED, ""),
        ("Bản sao A", DocumentKind.ONE_OF, "Giấy tờ gốc"),
        ("Bản sao B", DocumentKind.ONE_OF, "Giấy tờ gốc"),
        ("Căn cước", DocumentKind.SHOWN, ""),
    ]


@pytest.mark.parametrize("count", [100, 10**20, -1])
def test_a_paper_count_out_of_the_desks_range_is_refused(count: int) -> None:
    """The checklist and the sync bound counts; a catalog must not start a dossier outside them."""
    with pytest.raises(ValidationErrors) as refused:
        parse_catalog_json(entry({"name": "Bản chính giấy tờ cần chứng thực", "originals": count}))
    assert "số bản (originals) phải là số nguyên từ 0 đến 99" in refused.value.errors[0].message

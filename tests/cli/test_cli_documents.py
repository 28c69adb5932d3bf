"""`counter-app intake --document N=O/C/P` through the real command on a real SQLite file, slip read back."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.conftest import HAI_CHAU_WARD, UNIT_CODE, UNIT_NAME
from tests.sync.harness import counter_cli

APPLICANT = ("--applicant", "Nguyễn Văn Đức", "--id-number", "048090001234", "--phone", "0905123456",
             "--address", "12 Lê Lợi")


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cli-documents") / "counter"
    counter_cli(folder, "setup", "--unit-code", UNIT_CODE, "--unit-name", UNIT_NAME, "--desk", "1",
                "--clerk", "Trần Thị Mai", "--ward-code", str(HAI_CHAU_WARD))
    return folder


def catalog_documents(data_dir: Path, code: str) -> list[dict]:
    listed = json.loads(counter_cli(data_dir, "catalog", code, "--json").stdout)
    return next(p for p in listed if p["code"] == code)["documents"]


def dossier_count(data_dir: Path) -> int:
    return len(json.loads(counter_cli(data_dir, "search", "Nguyễn Văn Đức", "--limit", "100", "--json").stdout))


@pytest.mark.slow
def test_document_lines_print_exactly_as_given(data_dir: Path, tmp_path: Path) -> None:
    documents = catalog_documents(data_dir, "1.001193")
    assert [d["kind"] for d in documents][:3] == ["required", "online_only", "required"]
    made = counter_cli(data_dir, "intake", "--procedure", "1.001193", *APPLICANT, "--document", "3=1/0/0",
                       "--document", "6=0/1/2", "--document", "8=0/0/0", "--json")
    dossier = json.loads(made.stdout)
    expected = [(documents[2]["name"], 1, 0, 0), (documents[5]["name"], 0, 1, 2)]
    assert [(d["name"], d["originals"], d["certified_copies"], d["photocopies"]) for d in dossier["documents"]] == expected
    slip = tmp_path / "slip.pdf"
    counter_cli(data_dir, "print", "slip", dossier["code"], "--out", str(slip))
    reader = PdfReader(io.BytesIO(slip.read_bytes()))
    assert len(reader.pages) == 1
    text = " ".join(reader.pages[0].extract_text().split())
    # Each given paper with its counts in the columns (bản chính, bản sao chứng thực, bản photo): a
    # count of 0 prints as an empty cell, so the row reads "<TT> <name> <counts>".
    assert f"1 {' '.join(documents[2]['name'].split())} 1" in text
    assert f"2 {' '.join(documents[5]['name'].split())} 1 2" in text
    for index, document in enumerate(documents):
        if index not in (2, 5):
            assert " ".join(document["name"].split()) not in text, document["name"]


@pytest.mark.slow
def test_a_bad_document_line_is_refused_with_exit_2_and_nothing_saved(data_dir: Path) -> None:
    before = dossier_count(data_dir)
    for argument, words in [
        ("9=1/0/0", "không có giấy tờ số 9"),
        ("0=1/0/0", "số thứ tự giấy tờ phải từ 1 trở lên"),
        ("1=1/0", "không đúng dạng N=O/C/P"),
        ("một=1/0/0", "không đúng dạng N=O/C/P"),
    ]:
        result = counter_cli(data_dir, "intake", "--procedure", "1.001193", *APPLICANT, "--document", argument,
                             check=False)
        assert result.returncode == 2, (argument, result.stderr)
        assert words in result.stderr and "Traceback" not in result.stderr, (argument, result.stderr)
    twice = counter_cli(data_dir, "intake", "--procedure", "1.004884", *APPLICANT, "--birth-date", "01/02/1990",
                        "--gender", "male", "--document", "1=1/0/0", "--document", "3=0/1/0", "--document", "4=0/1/0",
                        check=False)
    assert twice.returncode == 2 and "chỉ nhận một giấy tờ" in twice.stderr
    assert dossier_count(data_dir) == before

"""`counter-app intake --pages/--copies/--exemption`, `fee assess` and `fee request`, as real processes."""

import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import UNIT_CODE, UNIT_NAME
from tests.support.cli_process import run_counter_app

PERSON = ["--applicant", "Nguyễn Văn Đức", "--id-number", "049090001234", "--phone", "0905123456",
          "--address", "12 Lê Lợi"]


def run(data_dir: Path, *args: str, code: int = 0) -> subprocess.CompletedProcess:
    result = run_counter_app(["--data-dir", str(data_dir), *args])
    assert result.returncode == code, result.stderr
    return result


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    run(tmp_path, "setup", "--unit-code", UNIT_CODE, "--unit-name", UNIT_NAME, "--desk", "4",
        "--clerk", "Trần Thị Mai", "--ward-code", "20242")
    return tmp_path


def test_intake_counts_assess_and_request(data_dir: Path) -> None:
    code = run(data_dir, "intake", "--procedure", "2.000815", *PERSON, "--pages", "5", "--copies", "3").stdout.strip()
    kept = json.loads(run(data_dir, "fee", "assess", code, "--json").stdout)
    assert (kept["fee_vnd"], kept["charge_vnd"], kept["lines"][0]["quantity"]) == (21_000, 0, 3)
    preview = json.loads(run(data_dir, "fee", "assess", code, "--pages", "300", "--json").stdout)
    assert preview["fee_vnd"] == 200_000 and "mức tối đa" in preview["lines"][0]["note"]
    assert "tổng: 21.000 đồng" in run(data_dir, "fee", "assess", code, "--due").stdout  # the preview kept nothing

    run(data_dir, "transition", code, "4", "--agency", "Phòng Tư pháp")
    asked = run(data_dir, "fee", "request", code, "--item", "Phí cấp thêm bản sao=phí:4000", "--reason",
                "Công dân yêu cầu thêm bản sao")
    assert "còn phải nộp 25.000 đồng" in asked.stdout
    assert json.loads(run(data_dir, "show", code, "--json").stdout)["status"] == 6


def test_bad_fee_input_is_refused_in_vietnamese(data_dir: Path) -> None:
    refused = run(data_dir, "intake", "--procedure", "2.000815", *PERSON, "--exemption", "ho-ngheo", code=2)
    assert "không có trường hợp miễn, giảm nào" in refused.stderr
    exempt = run(data_dir, "intake", "--procedure", "1.000656", *PERSON, "--birth-date", "04/05/1990", "--gender",
                 "male", "--exemption", "ho-ngheo").stdout.strip()
    assert "Luật Hộ tịch 2014, Điều 11" in run(data_dir, "fee", "assess", exempt).stdout
    bad_item = run(data_dir, "fee", "request", exempt, "--item", "Phí=tiền:5", "--reason", "x", code=2)
    assert "tên=loại:số tiền" in bad_item.stderr

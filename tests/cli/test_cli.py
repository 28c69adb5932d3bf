"""The `counter-app` command, run as a real process on a real data folder."""

import json
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.conftest import UNIT_CODE, UNIT_NAME
from tests.support.cli_process import run_counter_app

ROOT = Path(__file__).resolve().parents[2]


def run(data_dir: Path, *args: str, ok: bool = True, input: str | None = None) -> subprocess.CompletedProcess:
    result = run_counter_app(["--data-dir", str(data_dir), *args], input=input)
    if ok:
        assert result.returncode == 0, result.stderr
    return result


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    run(tmp_path, "setup", "--unit-code", UNIT_CODE, "--unit-name", UNIT_NAME, "--desk", "4",
        "--clerk", "Trần Thị Mai", "--ward-code", "20242")
    return tmp_path


def intake(data_dir: Path, *extra: str, input: str | None = None) -> subprocess.CompletedProcess:
    return run(data_dir, "intake", "--procedure", "1.001193", "--applicant", "Nguyễn Văn Đức",
               "--id-number", "049090001234", "--phone", "0905123456", "--address", "12 Lê Lợi", *extra, input=input)


def test_intake_prints_the_code_and_show_gives_the_dossier(data_dir: Path) -> None:
    # A time before today's working day is a late entry: a supervisor approves it, with a reason.
    run(data_dir, "user", "add", "giamsat", "--full-name", "Lê Văn Giám", "--role", "supervisor", input="matkhau-gs1\n")
    code = intake(data_dir, "--received-at", "2026-09-01T09:00", "--clerk", "giamsat", "--late-entry-reason",
                  "Nhập lại hồ sơ giấy", input="matkhau-gs1\n").stdout.strip()
    # 1/9 and 2/9/2026 are holidays: the code carries the day received; khai sinh is a same-day procedure,
    # so it is due at the close of the next working day, Thursday 3/9 at 17:00.
    assert code == f"{UNIT_CODE}-260901-4001"
    shown = json.loads(run(data_dir, "show", code, "--json").stdout)
    assert shown["code"] == code
    assert shown["status"] == 2
    assert shown["channel"] == 1
    assert shown["procedure_code"] == "1.001193"
    assert shown["applicant_name"] == "Nguyễn Văn Đức"
    assert shown["id_number"] == "049090001234"
    assert shown["phone"] == "0905123456"
    assert shown["received_at"] == "2026-09-01T09:00:00+07:00"
    assert shown["due_at"] == "2026-09-03T17:00:00+07:00"
    assert shown["processing_hours"] == 0  # same day


def test_intake_json_and_search(data_dir: Path) -> None:
    created = json.loads(intake(data_dir, "--json").stdout)
    found = json.loads(run(data_dir, "search", "nguyen van duc", "--json").stdout)
    assert [d["code"] for d in found] == [created["code"]]
    assert {"code", "status", "channel", "procedure_code", "applicant_name", "id_number", "phone", "received_at",
            "due_at", "processing_hours"} <= set(found[0])
    assert json.loads(run(data_dir, "search", "khong co ai", "--json").stdout) == []


def test_invalid_intake_is_refused_on_stderr_with_each_field(data_dir: Path) -> None:
    result = run(data_dir, "intake", "--procedure", "1.001193", "--applicant", "Nguyễn Văn Đức",
                 "--id-number", "12345", "--phone", "09051", "--received-at", "hôm qua", "--json", ok=False)
    assert result.returncode == 2
    assert result.stdout == ""
    assert "Thời điểm tiếp nhận «hôm qua» không đúng dạng ISO 8601" in result.stderr
    result = run(data_dir, "intake", "--procedure", "1.001193", "--applicant", "Nguyễn Văn Đức",
                 "--id-number", "12345", "--phone", "09051", "--address", "12 Lê Lợi", "--json", ok=False)
    assert result.returncode == 2
    errors = json.loads(result.stderr.strip().splitlines()[-1])["errors"]
    assert {e["field"] for e in errors} == {"id_number", "phone"}
    assert "Lỗi: Số CCCD: phải gồm đúng 12 chữ số" in result.stderr


def test_intake_from_an_id_card_qr(data_dir: Path) -> None:
    payload = "049090001234|201234567|Nguyễn Văn Đức|15031990|Nam|Thôn 2, Xã Tam Thăng|01072021"
    code = run(data_dir, "intake", "--procedure", "1.001193", "--id-qr", payload, "--phone", "0905123456").stdout.strip()
    shown = json.loads(run(data_dir, "show", code, "--json").stdout)
    assert shown["applicant"]["birth_date"] == "1990-03-15"
    assert shown["applicant"]["gender"] == "male"
    bad = run(data_dir, "intake", "--procedure", "1.001193", "--id-qr", "049090001234|Nguyễn Văn Đức|15031990",
              "--phone", "0905123456", ok=False)
    assert bad.returncode == 2
    assert "Mã QR căn cước" in bad.stderr


def test_unknown_dossier_and_bad_status(data_dir: Path) -> None:
    missing = run(data_dir, "show", f"{UNIT_CODE}-260101-0001", ok=False)
    assert missing.returncode == 1
    assert "Không tìm thấy hồ sơ" in missing.stderr
    code = intake(data_dir).stdout.strip()
    assert run(data_dir, "set-status", code, "4").stdout.strip().endswith("Đang xử lý")
    refused = run(data_dir, "set-status", code, "2", ok=False)
    assert refused.returncode == 1
    assert "Không thể chuyển hồ sơ" in refused.stderr


def test_print_slip_writes_a_pdf_with_the_dossier(data_dir: Path, tmp_path: Path) -> None:
    code = intake(data_dir).stdout.strip()
    out = tmp_path / "slips" / "slip.pdf"
    run(data_dir, "print", "slip", code, "--out", str(out))
    text = "".join(page.extract_text() for page in PdfReader(out).pages)
    assert code in text and "Nguyễn Văn Đức" in text


def test_catalog_listing_and_import(data_dir: Path, tmp_path: Path) -> None:
    listed = json.loads(run(data_dir, "catalog", "--json").stdout)
    assert len(listed) >= 25
    assert {"code", "name", "times", "time_source", "fees"} <= set(listed[0])
    good = tmp_path / "catalog.json"
    good.write_text(json.dumps({"format": "counter-app-catalog", "version": 1, "procedures": [
        {"code": "1.999001", "name": "Thủ tục thử nghiệm", "sector": "Thử", "level": "xã", "processing_days": 2,
         "fees": [{"name": "Lệ phí", "kind": "lệ phí", "amount_vnd": 10000}]}]}), encoding="utf-8")
    assert "1 thủ tục mới" in run(data_dir, "import-catalog", str(good)).stdout
    added = [p for p in json.loads(run(data_dir, "catalog", "--json").stdout) if p["code"] == "1.999001"]
    assert added[0]["processing_hours"] == 16
    bad = tmp_path / "bad.json"
    bad.write_text('{"procedures": [{"code": "1.999002", "name": "X", "processing_hours": -3}]}', encoding="utf-8")
    refused = run(data_dir, "import-catalog", str(bad), ok=False)
    assert refused.returncode == 2
    assert "1.999002" in refused.stderr


def test_demo_data_is_searchable(data_dir: Path) -> None:
    assert json.loads(run(data_dir, "demo-data", "--dossiers", "300", "--seed", "7", "--json").stdout) == {"inserted": 300}
    found = json.loads(run(data_dir, "search", "nguyen", "--limit", "5", "--json").stdout)
    assert len(found) == 5
    again = intake(data_dir).stdout.strip()
    assert json.loads(run(data_dir, "show", again, "--json").stdout)["applicant_name"] == "Nguyễn Văn Đức"


def test_setup_errors_in_vietnamese(tmp_path: Path) -> None:
    result = run(tmp_path, "setup", "--unit-code", "H15", "--unit-name", "X", "--desk", "12", ok=False)
    assert result.returncode == 2
    assert "QCVN 102" in result.stderr and "Số quầy" in result.stderr

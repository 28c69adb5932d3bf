"""`counter-app transition|supplement|supplied|apologise|handover`, run as real processes."""

import json
import subprocess
from pathlib import Path

import pytest

from tests.cli.test_cli import run
from tests.conftest import UNIT_CODE, UNIT_NAME

PASSWORD = "matkhau-gs1\n"


@pytest.mark.slow
def test_a_dossier_through_the_lifecycle_commands_with_reasons_times_and_refusals(tmp_path: Path) -> None:
    run(tmp_path, "setup", "--unit-code", UNIT_CODE, "--unit-name", UNIT_NAME, "--desk", "4",
        "--clerk", "Trần Thị Mai", "--ward-code", "20242")
    run(tmp_path, "user", "add", "giamsat", "--full-name", "Lê Văn Giám", "--role", "supervisor", input=PASSWORD)

    def act(*args: str, ok: bool = True) -> subprocess.CompletedProcess:
        return run(tmp_path, *args, "--clerk", "giamsat", ok=ok, input=PASSWORD)

    code = act("intake", "--procedure", "1.002211", "--applicant", "Nguyễn Văn Đức", "--id-number", "049090001234",
               "--phone", "0905123456", "--address", "12 Lê Lợi", "--birth-date", "1990-05-04", "--gender", "male",
               "--received-at", "2026-02-11T09:00", "--late-entry-reason", "Nhập lại hồ sơ giấy").stdout.strip()

    no_reason = act("transition", code, "3", ok=False)
    assert no_reason.returncode == 1
    assert "Hãy ghi lý do khi chuyển hồ sơ sang «Không được tiếp nhận»." in no_reason.stderr
    bare_supplement = act("transition", code, "5", "--reason", "Thiếu giấy tờ", ok=False)  # Mẫu 02 lists papers
    assert bare_supplement.returncode == 2 and "bằng lệnh «supplement" in bare_supplement.stderr
    future = act("transition", code, "4", "--at", "2099-01-01T08:00", ok=False)
    assert future.returncode == 2 and "ở tương lai" in future.stderr
    early = act("handover", code, "--to-agency", "--at", "2026-02-11T08:00", ok=False)
    assert early.returncode == 2 and "trước bước gần nhất của hồ sơ" in early.stderr

    given = act("handover", code, "--to-agency", "--agency", "Phòng Tư pháp", "--at", "2026-02-11T15:00")
    assert given.stdout.startswith("Giao: Bộ phận Một cửa – ") and "→ Phòng Tư pháp" in given.stdout
    act("supplement", code, "--missing", "1=1/0/0", "--reason", "Thiếu bản chính", "--at", "2026-02-12T14:00")
    supplied = json.loads(act("supplied", code, "--at", "2026-02-24T10:00", "--json").stdout)
    # 22 office hours waited across Tết 2026: due Wednesday 25/2 09:00 becomes Friday 27/2 17:00.
    assert (supplied["previous_due_at"], supplied["due_at"]) == ("2026-02-25T09:00:00+07:00", "2026-02-27T17:00:00+07:00")
    assert supplied["status"] == 4

    apology = act("apologise", code, "--reason", "Chờ xác minh", "--new-due", "2026-03-06T16:00",
                  "--at", "2026-02-27T16:00")
    assert "hẹn trả 16:00 06/03/2026 (trước đó 17:00 27/02/2026)" in apology.stdout
    back = act("handover", code, "--from-agency", "--agency", "Phòng Tư pháp", "--at", "2026-03-05T10:00")
    assert back.stdout.startswith("Nhận: Phòng Tư pháp → ") and "trước hạn" in back.stdout
    shown = json.loads(run(tmp_path, "show", code, "--json").stdout)
    assert shown["status"] == 9
    assert [line["to_status"] for line in shown["history"]] == [2, 4, 5, 4, 9]
    assert shown["history"][2]["note"] == "Thiếu bản chính"


@pytest.mark.slow
def test_recode_gives_a_dossier_the_province_refused_a_new_code_once(tmp_path: Path) -> None:
    from counter_app.storage.database import Database
    from tests.support.conflict_notices import decided

    run(tmp_path, "setup", "--unit-code", UNIT_CODE, "--unit-name", UNIT_NAME, "--desk", "4",
        "--clerk", "Trần Thị Mai", "--ward-code", "20242")
    code = run(tmp_path, "intake", "--procedure", "1.001193", "--applicant", "Nguyễn Văn Đức", "--id-number",
               "049090001234", "--phone", "0905123456", "--address", "12 Lê Lợi").stdout.strip()
    standing = run(tmp_path, "recode", code, ok=False)
    assert standing.returncode == 1 and f"Hồ sơ {code} không cần cấp mã mới" in standing.stderr
    db = Database.open(tmp_path)
    try:
        decided(db, code)  # the province kept another citizen's dossier under the code
    finally:
        db.close()

    given = json.loads(run(tmp_path, "recode", code, "--json").stdout)
    assert given["old_code"] == code and given["code"] != code and given["status"] == 2
    shown = json.loads(run(tmp_path, "show", given["code"], "--json").stdout)
    assert shown["applicant_name"] == "Nguyễn Văn Đức"
    again = run(tmp_path, "recode", given["code"], ok=False)
    assert again.returncode == 1 and "không cần cấp mã mới" in again.stderr
    unknown = run(tmp_path, "recode", "000.31.48.H15-260101-4999", ok=False)
    assert unknown.returncode != 0 and "Không tìm thấy hồ sơ" in unknown.stderr

"""`counter-app user …`, `--clerk` on acting commands and `--late-entry-reason`, as real processes."""

import json
from pathlib import Path

import pytest

from tests.cli.test_cli import run
from tests.conftest import UNIT_CODE, UNIT_NAME

SUPERVISOR_PASSWORD = "matkhau-gs1"
CLERK_PASSWORD = "matkhau-mai1"


def intake(data_dir: Path, *extra: str, input: str | None = None):
    """An intake whose outcome the test checks (never asserted to succeed here)."""
    return run(data_dir, "intake", "--procedure", "1.001193", "--applicant", "Nguyễn Văn Đức", "--id-number",
               "049090001234", "--phone", "0905123456", "--address", "12 Lê Lợi", *extra, ok=False, input=input)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    run(tmp_path, "setup", "--unit-code", UNIT_CODE, "--unit-name", UNIT_NAME, "--desk", "4", "--ward-code", "20242",
        "--supervisor", "giamsat", "--supervisor-name", "Lê Văn Giám", input=f"{SUPERVISOR_PASSWORD}\n")
    run(tmp_path, "user", "add", "mai", "--full-name", "Trần Thị Mai", "--clerk", "giamsat",
        input=f"{SUPERVISOR_PASSWORD}\n{CLERK_PASSWORD}\n")
    return tmp_path


def test_user_add_list_passwd_disable(data_dir: Path) -> None:
    listed = json.loads(run(data_dir, "user", "list", "--json").stdout)
    assert [(a["username"], a["role"], a["disabled"]) for a in listed] == [
        ("giamsat", "supervisor", False), ("mai", "clerk", False)]
    refused = run(data_dir, "user", "add", "hoa", "--full-name", "Nguyễn Thị Hoa", "--clerk", "mai",
                  input=f"{CLERK_PASSWORD}\nmatkhau-hoa1\n", ok=False)
    assert refused.returncode == 1 and "Chỉ giám sát viên mới được thêm tài khoản" in refused.stderr
    run(data_dir, "user", "passwd", "mai", "--clerk", "giamsat", input=f"{SUPERVISOR_PASSWORD}\nmatkhau-moi1\n")
    wrong = intake(data_dir, "--clerk", "mai", input=f"{CLERK_PASSWORD}\n")
    assert wrong.returncode == 1 and "Sai tên đăng nhập hoặc mật khẩu" in wrong.stderr
    run(data_dir, "user", "disable", "mai", "--clerk", "giamsat", input=f"{SUPERVISOR_PASSWORD}\n")
    disabled = intake(data_dir, "--clerk", "mai", input="matkhau-moi1\n")
    assert disabled.returncode == 1 and "vô hiệu hóa" in disabled.stderr


def test_the_password_is_never_an_argument_and_a_missing_one_is_said(data_dir: Path) -> None:
    result = run(data_dir, "intake", "--clerk", "mai", ok=False, input="")
    assert result.returncode == 1 and "Thiếu mật khẩu" in result.stderr
    assert "Traceback" not in result.stderr


def test_acting_commands_need_a_signed_in_clerk_who_is_named_in_the_history(data_dir: Path) -> None:
    without = intake(data_dir)
    assert without.returncode == 1 and "--clerk" in without.stderr
    code = intake(data_dir, "--clerk", "mai", input=f"{CLERK_PASSWORD}\n").stdout.strip()
    run(data_dir, "set-status", code, "4", "--note", "Chuyển phòng chuyên môn", "--clerk", "giamsat",
        input=f"{SUPERVISOR_PASSWORD}\n")
    shown = json.loads(run(data_dir, "show", code, "--json").stdout)
    assert shown["received_by"] == "Trần Thị Mai"
    assert [h["actor"] for h in shown["history"]] == ["Trần Thị Mai", "Lê Văn Giám"]
    attach = run(data_dir, "attach", code, str(Path(__file__)), ok=False)
    assert attach.returncode == 1 and "--clerk" in attach.stderr


def test_a_back_dated_intake_needs_a_supervisor_and_a_reason(data_dir: Path) -> None:
    before = run(data_dir, "search", "Nguyễn Văn Đức", "--json").stdout
    by_clerk = intake(data_dir, "--received-at", "2026-09-01T09:00", "--clerk", "mai", "--json",
                      input=f"{CLERK_PASSWORD}\n")
    assert by_clerk.returncode == 2
    errors = json.loads(by_clerk.stderr.strip().splitlines()[-1])["errors"]
    assert errors[0]["field"] == "received_at"
    assert "cần giám sát viên duyệt và ghi lý do" in errors[0]["message"]
    with_reason_by_clerk = intake(data_dir, "--received-at", "2026-09-01T09:00", "--clerk", "mai",
                                  "--late-entry-reason", "Mất điện", input=f"{CLERK_PASSWORD}\n")
    assert with_reason_by_clerk.returncode == 1
    assert "Chỉ giám sát viên mới được duyệt hồ sơ nhập muộn" in with_reason_by_clerk.stderr
    assert run(data_dir, "search", "Nguyễn Văn Đức", "--json").stdout == before  # nothing saved
    code = intake(data_dir, "--received-at", "2026-09-01T09:00", "--clerk", "giamsat", "--late-entry-reason",
                  "Mất điện, nhận giấy tay", input=f"{SUPERVISOR_PASSWORD}\n").stdout.strip()
    note = json.loads(run(data_dir, "show", code, "--json").stdout)["history"][0]["note"]
    assert "nhập muộn" in note and "Mất điện, nhận giấy tay" in note


def test_only_a_supervisor_changes_the_unit_settings(data_dir: Path) -> None:
    args = ("setup", "--unit-code", UNIT_CODE, "--unit-name", "Tên mới của đơn vị", "--desk", "4")
    by_clerk = run(data_dir, *args, "--clerk", "mai", input=f"{CLERK_PASSWORD}\n", ok=False)
    assert by_clerk.returncode == 1 and "Chỉ giám sát viên mới được đổi thiết lập đơn vị" in by_clerk.stderr
    assert run(data_dir, *args, ok=False).returncode == 1  # nobody signed in
    run(data_dir, *args, "--clerk", "giamsat", input=f"{SUPERVISOR_PASSWORD}\n")


def test_only_a_supervisor_sets_the_lookup_address(data_dir: Path) -> None:
    url = "https://tracuu.example.vn/ho-so/{code}"
    without = run(data_dir, "unit", "set", "--lookup-url", url, ok=False)
    assert without.returncode == 1 and "--clerk" in without.stderr
    by_clerk = run(data_dir, "unit", "set", "--lookup-url", url, "--clerk", "mai", input=f"{CLERK_PASSWORD}\n",
                   ok=False)
    assert by_clerk.returncode == 1 and "Chỉ giám sát viên mới được đổi địa chỉ tra cứu" in by_clerk.stderr
    assert json.loads(run(data_dir, "unit", "set", "--json").stdout)["lookup_url"] in ("", None)
    run(data_dir, "unit", "set", "--lookup-url", url, "--clerk", "giamsat", input=f"{SUPERVISOR_PASSWORD}\n")
    assert json.loads(run(data_dir, "unit", "set", "--json").stdout)["lookup_url"] == url

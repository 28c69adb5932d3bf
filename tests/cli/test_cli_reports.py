"""`counter-app report …` as a real process: bad input refused in Vietnamese with exit code 2, nothing written."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from counter_app.exit_codes import EXIT_INVALID
from tests.support.cli_process import run_counter_app

REFUSALS = [
    (["daily", "--date", "2026-02-30"], "Ngày «2026-02-30» không phải một ngày hợp lệ"),
    (["daily", "--date", "hôm qua", "--format", "csv"], "Ngày «hôm qua» không phải một ngày hợp lệ"),
    (["daily", "--date", "2026-03-10", "--from", "2026-03-01"], "không dùng cả hai"),
    (["register", "--from", "10/03/2026", "--to", "2026-03-01"],
     "Ngày kết thúc 01/03/2026 trước ngày bắt đầu 10/03/2026"),
    (["register", "--from", "2025-01-01", "--to", "2026-01-02"], "Kỳ báo cáo dài 367 ngày, quá giới hạn 366 ngày"),
    (["kpi", "--from", "2026-03-01", "--to", "2026-03-31", "--format", "docx"],
     "Định dạng «docx» không được hỗ trợ"),
    (["daily", "--date", "2026-03-10", "--format", "pdf"], "Định dạng pdf cần --out TỆP"),
    (["register", "--from", "2026-03-01", "--to", "2026-03-31", "--out", "{missing}/so.pdf"],
     "Không có thư mục «{missing}»"),
    (["daily", "--date", "2026-03-10", "--out", "{file}/ngay.csv"], "Không có thư mục «{file}»"),
    (["register", "--from", "2026-03-01", "--to", "2026-03-31", "--out", "{folder}"], "là một thư mục"),
]


@pytest.mark.parametrize(("argv", "message"), REFUSALS, ids=[" ".join(a[:3]) for a, _ in REFUSALS])
def test_bad_input_is_refused_in_vietnamese_with_the_usage_code_and_nothing_written(
        tmp_path: Path, argv: list[str], message: str) -> None:
    out = tmp_path / "ra"
    out.mkdir()
    names = {"missing": str(out / "khong-co"), "folder": str(out), "file": str(tmp_path / "tep.txt")}
    (tmp_path / "tep.txt").write_text("một tệp, không phải thư mục", encoding="utf-8")
    argv, message = [a.format(**names) for a in argv], message.format(**names)
    result = run_counter_app(["--data-dir", str(tmp_path / "quay"), "report", *argv], cwd=out)
    assert result.returncode == EXIT_INVALID, (result.stdout, result.stderr)
    assert message in result.stderr and result.stdout == ""
    assert list(out.iterdir()) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only folder")
def test_an_unwritable_out_is_refused_before_the_report_runs(tmp_path: Path) -> None:
    locked = tmp_path / "khoa"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        result = run_counter_app(["--data-dir", str(tmp_path / "quay"), "report", "daily", "--date", "2026-03-10",
                                  "--out", str(locked / "ngay.xlsx")])
    finally:
        locked.chmod(0o700)
    assert result.returncode == EXIT_INVALID
    assert f"Không có quyền ghi «{locked / 'ngay.xlsx'}»" in result.stderr
    assert list(locked.iterdir()) == []

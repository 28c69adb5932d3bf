"""`counter-app report …` as a real process: bad input refused in Vietnamese with exit code 2, nothing written."""

from __future__ import annotations

import csv
import io
import json
import os
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from counter_app.exit_codes import EXIT_INVALID
from counter_app.reports.export_json import report_json
from counter_app.reports.model import Period
from counter_app.services.clock import office_today
from tests.support.cli_process import run_counter_app

REFUSALS = [
    (["daily", "--date", "2026-02-30"], "Ngày «2026-02-30» không phải một ngày hợp lệ"),
    (["daily", "--date", "hôm qua", "--format", "csv"], "Ngày «hôm qua» không phải một ngày hợp lệ"),
    (["daily", "--date", "2026-03-10", "--from", "2026-03-01"], "không dùng cả hai"),
    (["register", "--from", "10/03/2026", "--to", "2026-03-01"],
     "Ngày kết thúc 01/03/2026 trước ngày bắt đầu 10/03/2026"),
    (["register", "--from", "2025-01-01", "--to", "2026-01-02"], "dài 367 ngày; mỗi báo cáo tối đa 366 ngày"),
    (["kpi", "--from", "9999-12-01", "--to", "9999-12-31"], "Từ ngày 01/12/9999 nằm ngoài khoảng báo cáo được"),
    (["daily", "--date", "0001-01-01"], "Từ ngày 01/01/0001 nằm ngoài khoảng báo cáo được"),
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


# -- end to end on the demo unit (the real engine) -------------------------------------------------------

@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory, stopped_clock: datetime) -> Path:
    """The demo unit (300 dossiers over 30 office days, returns and receipts), made once for the module. The
    module's clock is stopped (what is overdue or pending depends on the moment a report is made); each
    command below is given the same moment."""
    from counter_app.services.demo_data import prepare_demo_unit
    from counter_app.storage.database import Database

    folder = tmp_path_factory.mktemp("demo")
    db = Database.open(folder)
    try:
        prepare_demo_unit(db)
    finally:
        db.close()
    return folder


def _expected(demo_dir: Path, build: str, period: Period) -> dict[str, Any]:
    """The report as the service computes it, in the JSON the CLI prints (without the moment it was made)."""
    from counter_app.services import reports
    from counter_app.storage.database import Database

    db = Database.open(demo_dir)
    try:
        expected = report_json(getattr(reports, build)(db, period))
    finally:
        db.close()
    return {k: v for k, v in expected.items() if k != "generated_at"}


def _last_month() -> tuple[str, str, Period]:
    today = office_today()  # the module's stopped clock
    period = Period(today - timedelta(days=30), today)
    return period.start.isoformat(), period.end.isoformat(), period


def test_the_daily_json_printed_is_the_services_report(demo_dir: Path, stopped_clock: datetime) -> None:
    start, end, period = _last_month()
    result = run_counter_app(["--data-dir", str(demo_dir), "report", "daily", "--from", start, "--to", end], at=stopped_clock)
    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout)
    printed.pop("generated_at")
    expected = _expected(demo_dir, "daily_report", period)
    assert printed == expected
    assert expected["total"]["values"]["received_total"] > 0  # the demo unit received dossiers in the month


def test_the_daily_xlsx_and_csv_written_hold_the_services_totals(demo_dir: Path, tmp_path: Path, stopped_clock: datetime) -> None:
    start, end, period = _last_month()
    total = _expected(demo_dir, "daily_report", period)["total"]["values"]
    xlsx, csv_path = tmp_path / "ngay.xlsx", tmp_path / "ngay.csv"
    for out in (xlsx, csv_path):
        result = run_counter_app(["--data-dir", str(demo_dir), "report", "daily", "--from", start, "--to", end,
                                  "--out", str(out)], at=stopped_clock)
        assert result.returncode == 0, result.stderr
        assert f"vào {out}" in result.stdout
    sheet = load_workbook(xlsx)["Tiếp nhận"]
    by_label = {row[0].value: row[-1].value for row in sheet.iter_rows(min_row=2)}
    assert by_label["Tổng số hồ sơ tiếp nhận"] == total["received_total"]
    lines = list(csv.reader(io.StringIO(csv_path.read_text(encoding="utf-8-sig"))))
    printed = {line[5]: int(line[8]) for line in lines[1:] if line[0] == "Tổng cộng"}
    assert printed == total


def test_the_register_pdf_is_mau_06_landscape_with_the_month_s_dossiers(demo_dir: Path, tmp_path: Path, stopped_clock: datetime) -> None:
    start, end, period = _last_month()
    rows = _expected(demo_dir, "register", period)["rows"]
    out = tmp_path / "so-theo-doi.pdf"
    result = run_counter_app(["--data-dir", str(demo_dir), "report", "register", "--from", start, "--to", end,
                              "--out", str(out), "--json"], at=stopped_clock)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"kind": "register", "format": "pdf", "file": str(out)}
    reader = PdfReader(out)
    assert float(reader.pages[0].mediabox.width) > float(reader.pages[0].mediabox.height)  # landscape
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert rows and rows[0]["code"] in text and rows[-1]["code"] in text
    assert f"{len(rows)} hồ sơ" in text


def test_the_kpi_prints_a_readable_table_and_its_json(demo_dir: Path, stopped_clock: datetime) -> None:
    start, end, period = _last_month()
    on_time = _expected(demo_dir, "kpi_report", period)["total"]["indicators"]["on_time_rate"]
    table = run_counter_app(["--data-dir", str(demo_dir), "report", "kpi", "--from", start, "--to", end], at=stopped_clock)
    assert table.returncode == 0, table.stderr
    line = next(x for x in table.stdout.splitlines() if "Tỷ lệ giải quyết trước hạn, đúng hạn" in x)
    assert f"{on_time['numerator']}/{on_time['denominator']}" in line
    assert (on_time["rate"] or "—").replace(".", ",") in line
    printed = run_counter_app(["--data-dir", str(demo_dir), "report", "kpi", "--from", start, "--to", end, "--json"], at=stopped_clock)
    assert json.loads(printed.stdout)["total"]["indicators"]["on_time_rate"] == on_time

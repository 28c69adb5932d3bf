"""`counter-app day summary|close` and `print day-close` as real processes on a real counter database."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader

from counter_app.domain.day_close import DayClose
from counter_app.services.accounts import create_account
from counter_app.services.clock import office_today
from counter_app.services.day_close import day_summary
from counter_app.storage.database import Database
from tests.cli.test_cli import run
from tests.conftest import open_counter
from tests.support.receipts import add_receipt

GS_PASSWORD, CLERK_PASSWORD = "matkhau-gs1", "matkhau123"


@pytest.mark.slow
def test_day_close_from_the_command_line_with_a_difference_signed_off(tmp_path: Path) -> None:
    data = tmp_path / "counter"
    day = office_today() - timedelta(days=1)
    db = open_counter(data)
    try:
        create_account(db, username="giamsat", full_name="Lê Văn Giám", role="supervisor", password=GS_PASSWORD, by=None)
        create_account(db, username="mai", full_name="Trần Thị Mai", role="clerk", password=CLERK_PASSWORD,
                       by="giamsat")
        add_receipt(db, day=day, number=1, fee=10_000, charge=5_000)
        add_receipt(db, day=day, number=2, charge=50_000, method="transfer", bank_reference="FT26069123456")
    finally:
        db.close()
    summary = json.loads(run(data, "day", "summary", "--day", day.isoformat(), "--json").stdout)
    assert (summary["cash_expected"], summary["transfers_total"], summary["closed"]) == (15_000, 50_000, None)
    text = run(data, "day", "summary", "--day", day.isoformat()).stdout
    assert "15.000 đồng  Tiền mặt" in text and "50.000 đồng  Chuyển khoản  FT26069123456" in text

    base = ["day", "close", "--day", day.isoformat(), "--notes", "10000=1,2000=2", "--clerk", "mai"]
    refused = run(data, *base, ok=False, input=f"{CLERK_PASSWORD}\n")
    assert refused.returncode == 2 and "giải trình chênh lệch" in refused.stderr and "thiếu 1.000 đồng" in refused.stderr
    refused = run(data, *base, "--explanation", "Trả nhầm tiền thừa", ok=False, input=f"{CLERK_PASSWORD}\n")
    assert refused.returncode == 2 and "giám sát viên" in refused.stderr
    wrong = run(data, *base, "--explanation", "Trả nhầm tiền thừa", "--supervisor", "giamsat", ok=False,
                input=f"{CLERK_PASSWORD}\nsai-mat-khau\n")
    assert wrong.returncode == 1 and "Lỗi:" in wrong.stderr
    assert day_summary_closed(data, day) is None  # nothing saved by the refusals

    done = json.loads(run(data, *base, "--explanation", "Trả nhầm tiền thừa", "--supervisor", "giamsat", "--json",
                          input=f"{CLERK_PASSWORD}\n{GS_PASSWORD}\n").stdout)
    assert (done["counted_total"], done["difference"], done["supervisor"]) == (14_000, -1_000, "giamsat")
    again = run(data, "day", "close", "--day", day.isoformat(), "--counted-cash", "15000", "--clerk", "mai", ok=False,
                input=f"{CLERK_PASSWORD}\n")
    assert again.returncode == 1 and "đã khóa sổ" in again.stderr

    out = tmp_path / "khoa-so.pdf"
    run(data, "print", "day-close", day.isoformat(), "--out", str(out))
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(out).pages).split())
    assert "BIÊN BẢN KHÓA SỔ CUỐI NGÀY" in text and "Chênh lệch: thiếu 1.000 đồng" in text


def day_summary_closed(data: Path, day: date) -> DayClose | None:
    db = Database.open(data)
    try:
        return day_summary(db, day).close
    finally:
        db.close()

"""`counter-app fee collect`, `receipt cancel|list|issuer` and `print receipt` as real processes, and a
SIGKILL in the middle of collecting fees: whole receipts or none, never a number spent without its receipt."""

from __future__ import annotations

import json
import random
import signal
import time
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from counter_app.services.accounts import create_account
from counter_app.storage.database import Database
from counter_app.storage.models import NumberRange, OutboxOp, ReceiptRow
from tests.cli.test_cli import run
from tests.conftest import open_counter
from tests.support.cli_process import SpawnedProcess
from tests.support.receipts import BOOK, fee_dossier, grant_receipt_range

PASSWORD = "matkhau-gs1\n"


@pytest.mark.slow
def test_collect_list_cancel_and_print_from_the_command_line(tmp_path: Path) -> None:
    data_dir = tmp_path / "counter"
    db = open_counter(data_dir)
    create_account(db, username="giamsat", full_name="Lê Văn Giám", role="supervisor", password="matkhau-gs1", by=None)
    create_account(db, username="mai", full_name="Trần Thị Mai", role="clerk", password="matkhau123", by="giamsat")
    first, second, third = (fee_dossier(db, name, clerk="mai") for name in ("Nguyễn Văn Đức", "Lê Thị Hoa", "Phạm An"))
    db.close()

    refused = run(data_dir, "fee", "collect", first, "--method", "cash", "--clerk", "mai", input="matkhau123\n",
                  ok=False)
    assert refused.returncode == 1 and "hết số biên lai" in refused.stderr
    db = Database.open(data_dir)
    grant_receipt_range(db, 1, 2)
    db.close()

    assert run(data_dir, "receipt", "issuer", "--name", "Bưu điện thành phố Đà Nẵng", "--tax-code", "0106869738-001",
               "--clerk", "giamsat", input=PASSWORD).returncode == 0
    number = run(data_dir, "fee", "collect", first, "--method", "cash", "--clerk", "mai",
                 input="matkhau123\n").stdout.strip()
    assert number == "01BLP3-001/AA-26P/0000001"
    no_reference = run(data_dir, "fee", "collect", second, "--method", "transfer", "--clerk", "mai",
                       input="matkhau123\n", ok=False)
    assert no_reference.returncode == 2 and "mã giao dịch" in no_reference.stderr
    paid = json.loads(run(data_dir, "fee", "collect", second, "--method", "transfer", "--reference", "FT2633512",
                          "--clerk", "mai", "--json", input="matkhau123\n").stdout)
    assert (paid["number"], paid["total_vnd"], paid["bank_reference"], paid["collector"]) == (
        "01BLP3-001/AA-26P/0000002", 10_000, "FT2633512", "Trần Thị Mai")
    empty = run(data_dir, "fee", "collect", third, "--method", "cash", "--clerk", "mai", input="matkhau123\n", ok=False)
    assert "hết số biên lai" in empty.stderr

    wrong = run(data_dir, "receipt", "cancel", number, "--reason", "Ghi sai", "--supervisor", "giamsat",
                input="sai-mat-khau\n", ok=False)
    assert wrong.returncode == 1 and "Sai tên đăng nhập hoặc mật khẩu" in wrong.stderr
    clerk = run(data_dir, "receipt", "cancel", number, "--reason", "Ghi sai", "--supervisor", "mai",
                input="matkhau123\n", ok=False)
    assert "giám sát viên" in clerk.stderr
    out = run(data_dir, "receipt", "cancel", number, "--reason", "Ghi sai tên người nộp", "--supervisor", "giamsat",
              input=PASSWORD).stdout
    assert "Đã hủy biên lai 01BLP3-001/AA-26P/0000001" in out

    listed = json.loads(run(data_dir, "receipt", "list", "--day", paid["day"], "--json").stdout)
    assert [(r["number"], r["status"]) for r in listed["receipts"]] == [
        (number, "cancelled"), (paid["number"], "issued")]
    assert listed["numbers_left"] == 0
    text = run(data_dir, "receipt", "list", "--code", first).stdout
    assert "ĐÃ HỦY: Ghi sai tên người nộp" in text and "Còn 0 số biên lai." in text

    pdf = tmp_path / "bien-lai.pdf"
    run(data_dir, "print", "receipt", paid["number"], "--out", str(pdf), "--paper", "80mm")
    pages = [" ".join(page.extract_text().split()) for page in PdfReader(pdf).pages]
    assert len(pages) == 3 and all("Mười nghìn đồng" in page for page in pages)
    assert "Mã số thuế: 0106869738-001" in pages[0]
    missing = run(data_dir, "print", "receipt", "01BLP3-001/AA-26P/99", "--out", str(pdf), ok=False)
    assert missing.returncode == 1 and "Không có biên lai số" in missing.stderr


def _check_whole(data_dir: Path) -> int:
    """Every number taken from a range has its receipt row, the range's next number is the highest used + 1,
    and every receipt has its one `receipt.issue` operation. Returns the number of receipts."""
    db = Database.open(data_dir)
    try:
        with db.read() as session:
            ranges = session.scalars(select(NumberRange).where(NumberRange.series == BOOK.series)).all()
            numbers = sorted(session.scalars(select(ReceiptRow.number)))
            ids = set(session.scalars(select(ReceiptRow.id)))
            ops = list(session.scalars(select(OutboxOp.entity_id).where(OutboxOp.op_type == "receipt.issue")))
            for span in ranges:
                used = [n for n in numbers if span.first <= n <= span.last]
                assert used == list(range(span.first, span.next_number)), "a number taken without its receipt"
                assert span.next_number == (max(used) + 1 if used else span.first)
            assert sorted(ops) == sorted(ids) and len(ops) == len(ids), "a receipt without its operation"
            assert session.scalar(select(func.count()).select_from(ReceiptRow)) == len(numbers)
        return len(numbers)
    finally:
        db.close()


def _lines(process: SpawnedProcess) -> int:
    with process.stdout as out:
        return sum(1 for line in out if line.startswith(BOOK.form_number))


@pytest.mark.slow
def test_sigkill_while_collecting_leaves_whole_receipts_or_none(tmp_path: Path) -> None:
    data_dir = tmp_path / "counter"
    db = open_counter(data_dir)
    codes = [fee_dossier(db, f"Người Nộp Số {i}") for i in range(120)]
    grant_receipt_range(db, 1, 1000)
    db.close()
    chance = random.Random(20261130)
    done = 0
    for _round in range(5):
        remaining = codes[done:]
        process = SpawnedProcess("counter-app", ["--data-dir", str(data_dir), "fee", "collect", *remaining,
                                                 "--method", "cash"])
        wanted = chance.randint(1, 15)
        while _lines(process) < wanted and process.poll() is None:
            time.sleep(0.005)
        time.sleep(chance.uniform(0, 0.03))  # land somewhere inside the next receipt's transaction, or between
        process.send_signal(signal.SIGKILL)
        assert process.wait(30) in (-signal.SIGKILL, 0, 128 + signal.SIGKILL), "the collecting process did not die"
        count = _check_whole(data_dir)
        assert count >= done + wanted
        done = count
    assert run(data_dir, "fee", "collect", *codes[done:], "--method", "cash").returncode == 0
    assert _check_whole(data_dir) == len(codes)

"""The close sheet: a real A4 PDF from a closed day, read back with pypdf."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

from pypdf import PdfReader
from reportlab.lib.units import mm

from counter_app.domain.day_close import parse_notes
from counter_app.services.accounts import create_account
from counter_app.services.day_close import close_day
from counter_app.services.day_close_sheet import day_close_pdf
from tests.conftest import open_counter
from tests.support.receipts import add_receipt, cancel_receipt_row, office_instant

DAY = date(2026, 3, 10)


def pdf_text(pdf: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())


def test_the_close_sheet_lists_every_receipt_cancellation_transfer_count_and_signature(tmp_path: Path) -> None:
    db = open_counter(tmp_path / "counter")
    try:
        create_account(db, username="giamsat", full_name="Lê Văn Giám", role="supervisor", password="matkhau-gs1",
                       by=None, now=office_instant(date(2026, 2, 1)))
        add_receipt(db, day=DAY, number=1, fee=10_000, charge=5_000, payer="Phạm Thị Hoa")
        add_receipt(db, day=DAY, number=2, charge=50_000, method="transfer", bank_reference="FT26069123456")
        cancelled = add_receipt(db, day=DAY, number=3, fee=20_000)
        cancel_receipt_row(db, cancelled, reason="Thu nhầm hồ sơ", at=office_instant(DAY, 10))
        draft = pdf_text(day_close_pdf(db, DAY))
        assert "BẢN XEM TRƯỚC – NGÀY CHƯA KHÓA SỔ" in draft
        close_day(db, DAY, counted=parse_notes("10000=1,2000=2"), explanation="Thiếu 1.000 đồng do trả nhầm tiền thừa",
                  supervisor="giamsat", by="giamsat", now=office_instant(DAY, 17))
        pdf = day_close_pdf(db, DAY)
    finally:
        db.close()
    box = PdfReader(io.BytesIO(pdf)).pages[0].mediabox
    assert (round(float(box.width) / mm), round(float(box.height) / mm)) == (210, 297)  # A4
    text = pdf_text(pdf)
    assert "BIÊN BẢN KHÓA SỔ CUỐI NGÀY" in text and "BẢN XEM TRƯỚC" not in text
    for expected in ("10/03/2026", "01BLP/AA-26P/0000001", "01BLP/AA-26P/0000002", "01BLP/AA-26P/0000003 (ĐÃ HỦY)",
                     "Phạm Thị Hoa", "Thu nhầm hồ sơ", "FT26069123456", "Chuyển khoản", "Tiền mặt",
                     "Tiền mặt đếm được: 14.000 đồng (Mười bốn nghìn đồng)", "Tiền mặt theo biên lai: 15.000 đồng",
                     "Chênh lệch: thiếu 1.000 đồng", "Thiếu 1.000 đồng do trả nhầm tiền thừa",
                     "NGƯỜI KHÓA SỔ", "GIÁM SÁT VIÊN", "Lê Văn Giám", "Mệnh giá (đồng)", "Tổng cộng"):
        assert expected in text, (expected, text)

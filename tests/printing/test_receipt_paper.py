"""The receipt paper (BIÊN LAI THU PHÍ, LỆ PHÍ): amounts in words as num2words writes them, three copies,
the dossier code as Code128 read back by zxing-cpp at the thermal printer's 203 dpi, the cancelled mark."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from num2words import num2words
from pypdf import PdfReader
from reportlab.lib.units import mm

from counter_app.domain.catalog import FeeKind
from counter_app.domain.fees import FeeLine
from counter_app.domain.money import format_vnd, vnd_in_words
from counter_app.domain.receipts import PaymentMethod, Receipt
from counter_app.printing.receipt_paper import COPIES, render_receipt
from counter_app.services.accounts import create_account
from counter_app.services.receipts import cancel_receipt, collect_fee, receipt_pdf
from tests.conftest import open_counter
from tests.printing.test_return_papers import code128
from tests.support.receipts import fee_dossier, grant_receipt_range

AMOUNTS = (0, 1_000, 15_000, 100_000, 1_005_000, 2_021_000_000)


def _text(pdf: bytes) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages]


def _receipt(amount: int) -> Receipt:
    at = datetime(2026, 3, 9, 2, 30, tzinfo=UTC)
    return Receipt(id="5f0c1a52-7b7e-4a51-9d55-2b7f1c0e9a10", form_number="01BLP3-001", symbol="AA-26P", number=17,
                   dossier_code="000.31.48.H15-260309-1001", payer_name="Nguyễn Thị Ánh Tuyết",
                   payer_address="12 Lê Lợi, Phường Hải Châu, Thành phố Đà Nẵng",
                   items=(FeeLine("Lệ phí cấp giấy phép", FeeKind.CHARGE, amount),), fee_vnd=0, charge_vnd=amount,
                   total_vnd=amount, method=PaymentMethod.TRANSFER, bank_reference="FT26068123456", collected_at=at,
                   day=date(2026, 3, 9), collector="Trần Thị Mai", collector_username="mai",
                   issuer_name="Bưu điện thành phố Đà Nẵng", issuer_tax_code="0106869738-001",
                   procedure_name="Cấp giấy phép xây dựng")


@pytest.mark.parametrize("amount", AMOUNTS)
def test_amount_in_words_is_num2words_and_the_paper_prints_it_on_all_three_copies(amount: int) -> None:
    words = num2words(amount, lang="vi")
    assert vnd_in_words(amount) == f"{words[0].upper()}{words[1:]} đồng"
    pages = _text(render_receipt(_receipt(amount), "Hải Châu"))
    assert len(pages) == 3
    for page, copy_label in zip(pages, COPIES, strict=True):
        assert f"Viết bằng chữ: {vnd_in_words(amount)}" in page
        assert copy_label in page
        assert f"Tổng số tiền: {format_vnd(amount)} đồng" in page
        for words_on_paper in ("BIÊN LAI THU PHÍ, LỆ PHÍ", "Đơn vị thu: Bưu điện thành phố Đà Nẵng",
                               "Mã số thuế: 0106869738-001", "Mẫu số: 01BLP3-001", "Ký hiệu: AA-26P", "Số: 0000017",
                               "Nguyễn Thị Ánh Tuyết", "000.31.48.H15-260309-1001", "Phí: 0 đồng",
                               f"Lệ phí: {format_vnd(amount)} đồng", "Chuyển khoản, mã giao dịch FT26068123456",
                               "Hải Châu, ngày 09 tháng 3 năm 2026", "NGƯỜI THU TIỀN", "Trần Thị Mai"):
            assert words_on_paper in page
    assert "Liên 2: Giao cho người nộp tiền" in pages[1] and "Liên 3: Lưu nội bộ" in pages[2]


def test_words_of_the_six_amounts_read_as_vietnamese() -> None:
    assert [vnd_in_words(a) for a in AMOUNTS] == [
        "Không đồng", "Một nghìn đồng", "Mười lăm nghìn đồng", "Một trăm nghìn đồng", "Một triệu năm nghìn đồng",
        "Hai tỷ hai mươi mốt triệu đồng"]


def test_a_collected_receipt_prints_its_code_as_code128_and_a_cancelled_one_is_marked(tmp_path: Path) -> None:
    db = open_counter(tmp_path / "counter")
    try:
        create_account(db, username="giamsat", full_name="Lê Văn Giám", role="supervisor", password="matkhau-gs1",
                       by=None)
        grant_receipt_range(db, 1, 5)
        code = fee_dossier(db, "Phạm Thị Hoa", clerk="giamsat")
        receipt = collect_fee(db, code, method="cash", by="giamsat")
        pdf = receipt_pdf(db, receipt.number_text)
        assert code128(pdf) == code
        page = _text(pdf)[0]
        assert "Phạm Thị Hoa" in page and "Hình thức thanh toán: Tiền mặt" in page and "Mười nghìn đồng" in page
        assert "ĐÃ HỦY" not in page
        thermal = receipt_pdf(db, receipt.number_text, "80mm")
        reader = PdfReader(io.BytesIO(thermal))
        assert len(reader.pages) == 3 and round(float(reader.pages[0].mediabox.width) / mm) == 80
        assert code128(thermal) == code
        cancel_receipt(db, receipt.number_text, reason="Thu nhầm hồ sơ", supervisor="giamsat")
        for page in _text(receipt_pdf(db, receipt.number_text)):
            assert "ĐÃ HỦY" in page and "Lý do hủy: Thu nhầm hồ sơ" in page
    finally:
        db.close()

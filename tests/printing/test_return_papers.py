"""The hand-over receipt and the postal label: real PDFs from stored returns, read back with pypdf and
scanned with zxing-cpp at the thermal printer's 203 dpi."""

from __future__ import annotations

import io
from pathlib import Path

import pypdfium2 as pdfium
import pytest
import zxingcpp
from pypdf import PdfReader
from reportlab.lib.units import mm

from counter_app.domain.postal_codes import parse_item_code, s10_check_digit
from counter_app.services.return_papers import handover_pdf, label_pdf
from counter_app.services.returns import ReturnRefused, return_at_desk, return_by_post
from tests.conftest import HAI_CHAU_WARD, open_counter
from tests.support.returns import grant_item_range, result_ready_dossier

PRINTER_SCALE = 203 / 72


def pdf_text(pdf: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())


def page_size_mm(pdf: bytes) -> tuple[int, int]:
    box = PdfReader(io.BytesIO(pdf)).pages[0].mediabox
    return round(float(box.width) / mm), round(float(box.height) / mm)


def code128(pdf: bytes) -> str | None:
    document = pdfium.PdfDocument(pdf)
    try:
        image = document[0].render(scale=PRINTER_SCALE).to_pil().convert("L")
    finally:
        document.close()
    found = {r.format: r.text for r in zxingcpp.read_barcodes(image)}
    return found.get(zxingcpp.BarcodeFormat.Code128)


@pytest.fixture(scope="module")
def returned(tmp_path_factory: pytest.TempPathFactory):
    db = open_counter(tmp_path_factory.mktemp("papers") / "counter")
    grant_item_range(db, 47312482, 47312490)
    posted = result_ready_dossier(db, "Trần Thị Bình")
    item = return_by_post(db, posted, recipient="trần thị bình", phone="0905123456", ward_code=HAI_CHAU_WARD,
                          street="12 Lê Lợi", postage="25000", payer="agency").item_code
    at_desk = result_ready_dossier(db, "Phạm Thị Hoa")
    return_at_desk(db, at_desk, receiver_name="Lê Văn Cường", id_number="049090001234")
    yield db, posted, item, at_desk
    db.close()


@pytest.mark.parametrize(("size", "expected_mm"), [("a6", (105, 148)), ("100x150", (100, 150))])
def test_label_barcode_decodes_to_an_item_code_with_the_right_check_digit(returned, size: str,
                                                                          expected_mm: tuple[int, int]) -> None:
    db, posted, item, _ = returned
    pdf = label_pdf(db, posted, size)
    assert page_size_mm(pdf) == expected_mm
    decoded = code128(pdf)
    assert decoded == item == "RR473124829VN"
    parsed = parse_item_code(decoded)
    assert int(decoded[10]) == s10_check_digit(parsed.serial)
    text = pdf_text(pdf)
    for words in ("Trần Thị Bình", "0905123456", "12 Lê Lợi, Phường Hải Châu, Thành phố Đà Nẵng", posted,
                  "25.000 đồng", "Cơ quan trả cước", "Người gửi", "RR 4731 2482 9 VN"):
        assert words in text


def test_handover_receipt_holds_its_fields_and_the_dossier_barcode(returned) -> None:
    db, _, _, at_desk = returned
    pdf = handover_pdf(db, at_desk)
    assert page_size_mm(pdf) == (148, 210)  # A5
    assert code128(pdf) == at_desk
    text = pdf_text(pdf)
    for words in ("PHIẾU GIAO NHẬN KẾT QUẢ", "Lê Văn Cường", "049090001234", "Phạm Thị Hoa", at_desk,
                  "NGƯỜI NHẬN KẾT QUẢ", "Trần Thị Mai"):
        assert words in text


def test_papers_of_a_return_not_made_are_refused(returned, tmp_path: Path) -> None:
    db, posted, _, at_desk = returned
    with pytest.raises(ReturnRefused, match="chưa có lần gửi qua bưu chính"):
        label_pdf(db, at_desk)
    with pytest.raises(ReturnRefused, match="chưa có lần trả tại quầy"):
        handover_pdf(db, posted)

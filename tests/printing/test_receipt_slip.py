"""Mẫu 01 receipt slip: real PDFs, read back with pypdf, rendered with pdfium and scanned with zxing."""

from __future__ import annotations

import dataclasses
import io
import re
import unicodedata
from datetime import datetime

import pypdfium2 as pdfium
import pytest
import zxingcpp
from pypdf import PdfReader
from reportlab.lib.units import inch

from counter_app.domain.dossier import (
    OFFICE_TZ,
    Address,
    Channel,
    DocumentLine,
    Dossier,
    Gender,
    Person,
    ResultDelivery,
)
from counter_app.domain.lifecycle import Status
from counter_app.printing.barcodes import DOT, MODULE_WIDTH, code128_pattern
from counter_app.printing.fonts import register_fonts
from counter_app.printing.receipt_slip import (
    SlipHeader,
    render_receipt_slip,
)

CODE = "000.31.48.H15-260203-0007"
APPLICANT = "Nguyễn Văn Đức"
HEADER = SlipHeader(
    authority="UBND PHƯỜNG HẢI CHÂU",
    office="BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ",
    place_name="Hải Châu",
    tracking_url="https://dichvucong.danang.gov.vn/tra-cuu-ho-so?ma=",
)
PRINTER_SCALE = 203 / 72  # render at the thermal printer's 203 dpi


def make_dossier(**changes: object) -> Dossier:
    """Đăng ký khai sinh at a Đà Nẵng ward, received Tuesday 03/02/2026 08:05.

    Due date by hand: 3 working days (24 h) from Tue 08:05 -> Wed, Thu, Fri -> Fri 06/02/2026 08:05
    (no holiday in between: Tết 2026 starts on 14/02).
    """
    dossier = Dossier(
        id="5f0c7a52-6a5e-4a59-9c1b-0d3f2f9a0007",
        code=CODE,
        unit_code="000.31.48.H15",
        desk_slot=0,
        procedure_code="1.001193",
        procedure_name="Thủ tục đăng ký khai sinh",
        applicant=Person(
            full_name=APPLICANT,
            id_number="048090001234",
            phone="0905123456",
            email="duc.nguyen@example.vn",
            gender=Gender.MALE,
            address=Address(text="12 Trần Phú, phường Hải Châu, thành phố Đà Nẵng"),
        ),
        summary="Đăng ký khai sinh cho con Nguyễn Minh Khôi",
        documents=[
            DocumentLine("Tờ khai đăng ký khai sinh theo mẫu", originals=1),
            DocumentLine("Giấy chứng sinh do cơ sở y tế nơi trẻ em sinh ra cấp", originals=1),
            DocumentLine("Giấy tờ tùy thân của người đi đăng ký khai sinh", photocopies=1),
            DocumentLine("Giấy chứng nhận kết hôn của cha mẹ", certified_copies=1),
        ],
        sets_count=1,
        channel=Channel.DIRECT,
        result_delivery=ResultDelivery.DESK,
        received_at=datetime(2026, 2, 3, 8, 5, tzinfo=OFFICE_TZ),
        due_at=datetime(2026, 2, 6, 8, 5, tzinfo=OFFICE_TZ),
        processing_hours=24,
        status=Status.RECEIVED,
        received_by="mai.tt",
    )
    return dataclasses.replace(dossier, **changes)


def pdf_text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def flat(text: str) -> str:
    """Join the lines a table cell wrapped, so a long name can be searched as one string."""
    return " ".join(text.split())


@pytest.fixture(scope="module")
def slip() -> bytes:
    return render_receipt_slip(make_dossier(), HEADER, clerk_name="Trần Thị Mai")


def test_slip_text_has_vietnamese_fields(slip: bytes) -> None:
    (text,) = pdf_text(slip)
    assert unicodedata.is_normalized("NFC", text)
    for expected in [
        "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "UBND PHƯỜNG HẢI CHÂU",
        "Hải Châu, ngày 03 tháng 02 năm 2026",
        f"Số: {CODE}",
        f"Tiếp nhận hồ sơ của: Ông {APPLICANT}",
        "Địa chỉ: 12 Trần Phú, phường Hải Châu, thành phố Đà Nẵng",
        "Nội dung yêu cầu giải quyết: Đăng ký khai sinh cho con Nguyễn Minh Khôi",
        "Giấy chứng nhận kết hôn của cha mẹ",
        "2. Số lượng hồ sơ: 01 bộ",
        "3. Thời gian giải quyết hồ sơ theo quy định: 3 ngày làm việc",
        "4. Thời gian nhận hồ sơ: 08 giờ 05 phút, ngày 03/02/2026",
        "5. Thời gian trả kết quả giải quyết hồ sơ: 08 giờ 05 phút, ngày 06/02/2026",
        "6. Đăng ký nhận kết quả tại: Bộ phận Một cửa",
        "Vào Sổ theo dõi hồ sơ, Quyển số:",
        "NGƯỜI NỘP HỒ SƠ",
        "NGƯỜI TIẾP NHẬN HỒ SƠ",
        "(Ký và ghi rõ họ tên)",
        "Trần Thị Mai",
    ]:
        assert expected in text, expected
    # The submitter is the applicant, so no separate "Chủ hồ sơ" line.
    assert "Chủ hồ sơ" not in text


def test_slip_is_a5_portrait_with_embedded_fonts(slip: bytes) -> None:
    reader = PdfReader(io.BytesIO(slip))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert float(box.width) == pytest.approx(419.5, abs=0.5)
    assert float(box.height) == pytest.approx(595.3, abs=0.5)
    page = reader.pages[0]
    names = {key: str(font["/BaseFont"]) for key, font in page["/Resources"]["/Font"].items()}
    # No text may fall back to Helvetica (WinAnsi: it cannot show Vietnamese), not even a table cell.
    used = {
        names[key.decode()] for key in re.findall(rb"(/F[\w+]+) [\d.]+ Tf", page.get_contents().get_data())
    }
    assert used == {"/AAAAAA+DejaVuSans", "/AAAAAA+DejaVuSans-Bold", "/AAAAAA+DejaVuSans-Oblique"}
    assert "/Helvetica" not in names.values()
    assert b"/FontFile2" in slip  # embedded TrueType subsets, so Windows needs no DejaVu installed


def test_barcodes_decode_at_printer_resolution(slip: bytes) -> None:
    image = pdfium.PdfDocument(slip)[0].render(scale=PRINTER_SCALE).to_pil().convert("L")
    results = zxingcpp.read_barcodes(image)
    by_format = {r.format: r.text for r in results}
    assert by_format.get(zxingcpp.BarcodeFormat.Code128) == CODE
    qr = by_format.get(zxingcpp.BarcodeFormat.QRCode)
    assert qr == HEADER.tracking_url + CODE


def test_code128_module_is_whole_printer_dots() -> None:
    dots = MODULE_WIDTH * 203 / inch  # module width in 203-dpi printer dots
    assert round(dots, 9) == 2
    assert round(MODULE_WIDTH / DOT, 9) == 2
    assert set(code128_pattern(CODE)) == {"0", "1"}


def test_qr_without_tracking_url_holds_the_code() -> None:
    header = dataclasses.replace(HEADER, tracking_url="")
    pdf = render_receipt_slip(make_dossier(), header)
    image = pdfium.PdfDocument(pdf)[0].render(scale=PRINTER_SCALE).to_pil().convert("L")
    texts = {r.format: r.text for r in zxingcpp.read_barcodes(image)}
    assert texts[zxingcpp.BarcodeFormat.QRCode] == CODE


def long_documents(count: int) -> list[DocumentLine]:
    documents = [
        DocumentLine(
            f"Bản sao giấy chứng nhận quyền sử dụng đất, quyền sở hữu nhà ở và tài sản khác gắn liền "
            f"với đất, thửa đất số {i}",
            originals=1,
            photocopies=i % 3,
        )
        for i in range(1, count)
    ]
    documents.append(DocumentLine(LAST_PAPER, certified_copies=1))
    return documents


LAST_PAPER = "Văn bản ủy quyền có chứng thực của Ủy ban nhân dân xã Hòa Vang (giấy tờ cuối cùng)"


def test_papers_too_many_for_a5_go_on_one_a4_page() -> None:
    pdf = render_receipt_slip(make_dossier(documents=long_documents(14)), HEADER, clerk_name="Trần Thị Mai")
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    assert float(reader.pages[0].mediabox.height) == pytest.approx(841.9, abs=0.5)  # A4
    text = flat(reader.pages[0].extract_text())
    assert LAST_PAPER in text and "NGƯỜI TIẾP NHẬN HỒ SƠ" in text


def test_list_too_long_for_a4_keeps_the_table_end_with_due_date_and_signatures() -> None:
    pdf = render_receipt_slip(make_dossier(documents=long_documents(40)), HEADER, clerk_name="Trần Thị Mai")

    pages = pdf_text(pdf)
    assert len(pages) >= 2
    last = flat(pages[-1])
    assert f"mã hồ sơ {CODE} – trang {len(pages)} (tiếp theo)" in last
    # The due date and the signatures come after the last papers on the same page, under the table's head.
    assert "Tên giấy tờ" in last
    assert last.index("thửa đất số 39") < last.index(LAST_PAPER) < last.index("5. Thời gian trả kết quả")
    assert last.index("5. Thời gian trả kết quả") < last.index("NGƯỜI NỘP HỒ SƠ")
    for page in pages[:-1]:
        assert "NGƯỜI NỘP HỒ SƠ" not in flat(page) and "5. Thời gian trả kết quả" not in flat(page)


def test_nfd_input_prints_as_nfc() -> None:
    nfd_name = unicodedata.normalize("NFD", APPLICANT)
    assert nfd_name != APPLICANT
    dossier = make_dossier(applicant=dataclasses.replace(make_dossier().applicant, full_name=nfd_name))
    (text,) = pdf_text(render_receipt_slip(dossier, HEADER))
    assert APPLICANT in text
    assert nfd_name not in text
    assert unicodedata.is_normalized("NFC", text)


def test_submitter_other_than_applicant_is_printed_with_applicant() -> None:
    submitter = Person(full_name="Lê Thị Hồng Nhung", gender=Gender.FEMALE, phone="0912345678")
    dossier = make_dossier(submitter=submitter, result_delivery=ResultDelivery.POSTAL)
    (text,) = pdf_text(render_receipt_slip(dossier, HEADER))
    text = flat(text)
    assert "Tiếp nhận hồ sơ của: Bà Lê Thị Hồng Nhung" in text
    assert f"Chủ hồ sơ: Ông {APPLICANT}" in text
    assert "Qua dịch vụ bưu chính công ích (địa chỉ nhận: 12 Trần Phú" in text


def test_register_fonts_is_idempotent() -> None:
    register_fonts()
    register_fonts()

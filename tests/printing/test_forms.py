"""Mẫu 02–05: real PDFs read back with pypdf (their fields) and rendered at 203 dpi for zxing (the code)."""

from __future__ import annotations

import io
from datetime import datetime

import pypdfium2 as pdfium
import pytest
import zxingcpp
from pypdf import PdfReader

from counter_app.domain.dossier import OFFICE_TZ, Address, DocumentLine, Gender, Person
from counter_app.printing.forms.form02 import Form02, render_form02
from counter_app.printing.forms.form03 import Form03, render_form03
from counter_app.printing.forms.form04 import Form04, render_form04
from counter_app.printing.forms.form05 import Form05, HandoverLine, render_form05
from counter_app.printing.receipt_slip import SlipHeader

CODE = "000.31.48.H15-260203-0007"
HEADER = SlipHeader(authority="UBND PHƯỜNG HẢI CHÂU", office="BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ",
                    place_name="Hải Châu", receiving_unit="Bộ phận Một cửa phường Hải Châu")
APPLICANT = Person(full_name="Nguyễn Văn Đức", phone="0905123456", email="duc.nguyen@example.vn", gender=Gender.MALE,
                   address=Address(text="12 Trần Phú, phường Hải Châu, thành phố Đà Nẵng"))
SUBMITTER = Person(full_name="Lê Thị Hồng Nhung", phone="0914000111", gender=Gender.FEMALE)
AT = datetime(2026, 2, 3, 8, 5, tzinfo=OFFICE_TZ)
MISSING = [DocumentLine("Giấy chứng sinh do cơ sở y tế nơi trẻ em sinh ra cấp", originals=1),
           DocumentLine("Giấy chứng nhận kết hôn của cha mẹ", certified_copies=1)]
CONTENT = "Đăng ký khai sinh cho con Nguyễn Minh Khôi"


def text_of(pdf: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())


def barcodes(pdf: bytes) -> dict[zxingcpp.BarcodeFormat, str]:
    image = pdfium.PdfDocument(pdf)[0].render(scale=203 / 72).to_pil().convert("L")
    return {result.format: result.text for result in zxingcpp.read_barcodes(image)}


def form02(code: str = CODE) -> bytes:
    return render_form02(Form02(header=HEADER, applicant=APPLICANT, request_content=CONTENT, missing=MISSING,
                                reason="Thiếu giấy chứng sinh bản chính", clerk_name="Trần Thị Mai", issued_at=AT,
                                code=code, contact_phone="0236 3821 111", website="https://dichvucong.gov.vn"))


def form03() -> bytes:
    return render_form03(Form03(header=HEADER, code=CODE, applicant=APPLICANT, request_content=CONTENT,
                                reason="Thủ tục không thuộc thẩm quyền giải quyết của phường", clerk_name="Trần Thị Mai",
                                issued_at=AT))


def form04() -> bytes:
    return render_form04(Form04(header=HEADER, code=CODE, applicant=APPLICANT, request_content=CONTENT, received_at=AT,
                                previous_due_at=datetime(2026, 2, 6, 8, 5, tzinfo=OFFICE_TZ),
                                new_due_at=datetime(2026, 2, 24, 15, 0, tzinfo=OFFICE_TZ),
                                reason="Phải xác minh thông tin với nơi sinh", signer_name="Phạm Quốc Bảo",
                                issued_at=datetime(2026, 2, 6, 7, 30, tzinfo=OFFICE_TZ)))


def form05(rows: int = 2) -> bytes:
    lines = [
        HandoverLine("giao", datetime(2026, 2, 3, 14, 0, tzinfo=OFFICE_TZ), "Bộ phận Một cửa", "Phòng Tư pháp",
                     handed_by="Trần Thị Mai", received_by="Võ Minh Tâm", outcome="Trước hạn"),
        HandoverLine("nhận", datetime(2026, 2, 6, 9, 30, tzinfo=OFFICE_TZ), "Phòng Tư pháp", "Bộ phận Một cửa",
                     handed_by="Võ Minh Tâm", received_by="Trần Thị Mai", outcome="Quá hạn", note="Trễ 1 giờ 25 phút"),
    ]
    lines = (lines * ((rows + 1) // 2))[:rows]
    return render_form05(Form05(header=HEADER, code=CODE, submitter=SUBMITTER, applicant=APPLICANT,
                                request_content=CONTENT, received_at=AT,
                                due_at=datetime(2026, 2, 6, 8, 5, tzinfo=OFFICE_TZ),
                                processing_time="03 ngày làm việc", documents=MISSING, sets_count=1, handovers=lines))


@pytest.mark.parametrize("render", [form02, form03, form04, form05], ids=["02", "03", "04", "05"])
def test_each_form_barcode_decodes_to_the_dossier_code(render) -> None:
    pdf = render()
    assert PdfReader(io.BytesIO(pdf)).pages[0].mediabox.width == pytest.approx(419.5, abs=0.5)  # A5, like Mẫu 01
    assert barcodes(pdf).get(zxingcpp.BarcodeFormat.Code128) == CODE


def test_form02_holds_missing_papers_reason_and_clerk() -> None:
    text = text_of(form02())
    for expected in ("Mẫu số 02", "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ", "Ông Nguyễn Văn Đức", CONTENT,
                     "Giấy chứng sinh do cơ sở y tế nơi trẻ em sinh ra cấp", "Giấy chứng nhận kết hôn của cha mẹ",
                     "Lý do yêu cầu: Thiếu giấy chứng sinh bản chính", "NGƯỜI HƯỚNG DẪN", "Trần Thị Mai",
                     "0236 3821 111", "Hải Châu, ngày 03 tháng 02 năm 2026", "0905123456"):
        assert expected in text, expected


def test_form02_without_a_code_has_no_barcode() -> None:
    pdf = form02(code="")
    assert "Mẫu số 02" in text_of(pdf)
    assert zxingcpp.BarcodeFormat.Code128 not in barcodes(pdf)


def test_form03_holds_the_reason_and_both_signers() -> None:
    text = text_of(form03())
    for expected in ("PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ", "Tiếp nhận hồ sơ của: Ông Nguyễn Văn Đức",
                     "không tiếp nhận, giải quyết hồ sơ này với lý do cụ thể như sau",
                     "Thủ tục không thuộc thẩm quyền giải quyết của phường", "NGƯỜI NỘP HỒ SƠ", "NGƯỜI TỪ CHỐI",
                     f"Số: {CODE}"):
        assert expected in text, expected


def test_form04_holds_reason_and_both_due_dates() -> None:
    text = text_of(form04())
    for expected in ("PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ", "Kính gửi: Ông Nguyễn Văn Đức",
                     "08 giờ 05 phút, ngày 06/02/2026", "15 giờ 00 phút, ngày 24/02/2026",
                     "Phải xác minh thông tin với nơi sinh", "Phạm Quốc Bảo", "ngày 06 tháng 02 năm 2026"):
        assert expected in text, expected


def test_form05_holds_each_handover_row_with_its_result() -> None:
    text = text_of(form05())
    for expected in ("PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ", "Người nộp: Lê Thị Hồng Nhung",
                     "Chủ hồ sơ: Nguyễn Văn Đức", "03 ngày làm việc", "Giao lúc 14 giờ 00 phút, ngày 03/02/2026",
                     "Nhận lúc 09 giờ 30 phút, ngày 06/02/2026", "Trước hạn", "Quá hạn", "Võ Minh Tâm",
                     "Phòng Tư pháp", "Trễ 1 giờ 25 phút", "Số lượng hồ sơ: 01 bộ"):
        assert expected in text, expected


def test_form05_with_many_handovers_flows_onto_pages_marked_with_the_code() -> None:
    pdf = form05(rows=24)
    pages = PdfReader(io.BytesIO(pdf)).pages
    assert len(pages) >= 2
    assert f"Mẫu số 05 – mã hồ sơ {CODE} – trang 2" in pages[1].extract_text()
    assert text_of(pdf).count("Người giao: Võ Minh Tâm") == 12

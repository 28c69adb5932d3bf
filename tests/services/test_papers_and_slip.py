"""Papers as the law lists them and the one-page Mẫu 01: real counter databases, real PDFs read back."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pypdfium2 as pdfium
import pytest
import zxingcpp
from pypdf import PdfReader
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from counter_app.domain.catalog import DocumentKind, Procedure
from counter_app.domain.dossier import OFFICE_TZ, DocumentLine
from counter_app.domain.errors import ValidationError, ValidationErrors
from counter_app.domain.formats import slip_time
from counter_app.domain.papers import default_lines
from counter_app.services.catalog import procedures
from counter_app.services.intake import IntakeRequest, PersonInput, receive_dossier
from counter_app.services.slips import receipt_slip_pdf
from counter_app.services.unit_setup import set_lookup_url
from counter_app.storage.database import Database
from tests.conftest import open_counter

RECEIVED = datetime(2026, 3, 10, 9, 0, tzinfo=OFFICE_TZ)  # a Tuesday
A5_HEIGHT = 595.3


def request(code: str, documents: list[DocumentLine] | None = None, received: datetime = RECEIVED) -> IntakeRequest:
    applicant = PersonInput(full_name="Nguyễn Văn Đức", id_number="048090001234", phone="0905123456",
                            street="12 Lê Lợi", birth_date="01/02/1990", gender="male")
    return IntakeRequest(procedure_code=code, applicant=applicant, documents=documents, received_at=received)


def flat(pdf: bytes) -> tuple[int, float, str]:
    """Pages, height of the first page, and the text with the lines table cells wrapped joined again."""
    reader = PdfReader(io.BytesIO(pdf))
    return len(reader.pages), float(reader.pages[0].mediabox.height), " ".join(
        " ".join(page.extract_text().split()) for page in reader.pages)


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    database = open_counter(tmp_path_factory.mktemp("papers") / "counter")
    yield database
    database.close()


def sample(db: Database) -> list[Procedure]:
    return procedures(db)


def with_one_chosen_per_group(procedure: Procedure) -> list[DocumentLine]:
    """The form as the clerk leaves it: the defaults, plus the first paper of each one-of group typed in."""
    lines, seen = default_lines(procedure), set()
    for index, document in enumerate(procedure.documents):
        if document.kind is DocumentKind.ONE_OF and document.group not in seen:
            seen.add(document.group)
            lines[index] = DocumentLine(document.name, document.originals, document.certified_copies,
                                        document.photocopies)
    return lines


def test_every_sample_procedure_prints_one_a5_page_listing_only_the_papers_handed_in(db: Database) -> None:
    catalog = sample(db)
    assert len(catalog) == 37 and {"2.002621", "2.002622"} <= {p.code for p in catalog}
    assert any(d.kind is not DocumentKind.REQUIRED for p in catalog for d in p.documents)
    for procedure in catalog:
        has_groups = any(d.kind is DocumentKind.ONE_OF for d in procedure.documents)
        lines = with_one_chosen_per_group(procedure) if has_groups else None  # None: the desk's defaults
        dossier = receive_dossier(db, request(procedure.code, lines), now=RECEIVED)
        pages, height, slip = flat(receipt_slip_pdf(db, dossier.code))
        assert (pages, round(height, 1)) == (1, A5_HEIGHT), procedure.code
        assert f"Mã hồ sơ: {dossier.code}" in slip
        assert f"5. Thời gian trả kết quả giải quyết hồ sơ: {slip_time(dossier.due_at)}" in slip
        assert "NGƯỜI NỘP HỒ SƠ" in slip and "NGƯỜI TIẾP NHẬN HỒ SƠ" in slip and "Trần Thị Mai" in slip
        assert f"Quyển số: 01/2026, Số thứ tự: {dossier.register_number}" in slip
        chosen = {line.name for line in dossier.documents}
        groups_seen: set[str] = set()
        for document in procedure.documents:
            first_of_group = document.kind is DocumentKind.ONE_OF and document.group not in groups_seen
            groups_seen.add(document.group)
            handed_in = document.kind is DocumentKind.REQUIRED or first_of_group
            assert (document.name in chosen) == handed_in, (procedure.code, document.name)
            assert (" ".join(document.name.split()) in slip) == handed_in, (procedure.code, document.name)
        if not chosen:
            assert "(Không có giấy tờ kèm theo)" in slip


def test_lines_at_zero_are_neither_kept_nor_printed(db: Database) -> None:
    procedure = next(p for p in sample(db) if p.code == "1.001193")
    lines = default_lines(procedure)
    assert [bool(line.originals) for line in lines] == [d.kind is DocumentKind.REQUIRED for d in procedure.documents]
    lines[5] = DocumentLine(lines[5].name, 0, 1, 2)  # the power of attorney, handed in after all
    dossier = receive_dossier(db, request("1.001193", lines), now=RECEIVED)
    assert [(line.name, line.certified_copies, line.photocopies) for line in dossier.documents][-1] == (
        procedure.documents[5].name, 1, 2)
    assert len(dossier.documents) == 3


def test_a_one_of_group_needs_exactly_one_paper(db: Database) -> None:
    procedure = next(p for p in sample(db) if p.code == "1.004884")
    group = next(d.group for d in procedure.documents if d.kind is DocumentKind.ONE_OF)
    with pytest.raises(ValidationErrors) as none_chosen:
        receive_dossier(db, request("1.004884"), now=RECEIVED)
    assert f"nhóm «{group}» phải có đúng một giấy tờ được nộp; chưa chọn giấy tờ nào" in none_chosen.value.errors[0].message
    both = [DocumentLine(d.name, d.originals, d.certified_copies, d.photocopies) for d in procedure.documents]
    with pytest.raises(ValidationErrors) as two_chosen:
        receive_dossier(db, request("1.004884", both), now=RECEIVED)
    assert [e.field for e in two_chosen.value.errors] == ["documents"]
    assert f"nhóm «{group}» chỉ nhận một giấy tờ" in two_chosen.value.errors[0].message


def test_register_numbers_run_per_desk_and_per_year_and_never_repeat(tmp_path: Path) -> None:
    desk1, desk2 = open_counter(tmp_path / "desk1", desk=1), open_counter(tmp_path / "desk2", desk=2)
    new_year = datetime(2027, 1, 4, 9, 0, tzinfo=OFFICE_TZ)
    got = [receive_dossier(desk1, request("2.000815"), now=RECEIVED) for _ in range(2)]
    got += [receive_dossier(desk1, request("2.000815", received=new_year), now=new_year)]
    got += [receive_dossier(desk2, request("2.000815"), now=RECEIVED)]
    assert [(d.register_book, d.register_number) for d in got] == [
        ("01/2026", 1), ("01/2026", 2), ("01/2027", 1), ("02/2026", 1)]
    # The database itself refuses a number given twice in a book, whatever code writes the row.
    with pytest.raises(IntegrityError), desk1.write() as session:
        session.execute(text("UPDATE dossier SET register_number = 1 WHERE code = :code"), {"code": got[1].code})
    desk1.close()
    desk2.close()


def test_the_qr_opens_the_units_lookup_address(tmp_path: Path) -> None:
    db = open_counter(tmp_path / "counter")
    for bad in ("http://tra-cuu.example.vn/?ma={code}", "https:///{code}", "https://x.vn/{code}/{code}",
                "https://x.vn/tra cuu"):
        with pytest.raises(ValidationError) as error:
            set_lookup_url(db, bad)
        assert "Địa chỉ tra cứu hồ sơ" in error.value.message
    set_lookup_url(db, "https://dichvucong.danang.gov.vn/tra-cuu?ma={code}&nguon=qr")
    code = receive_dossier(db, request("2.000815"), now=RECEIVED).code
    image = pdfium.PdfDocument(receipt_slip_pdf(db, code))[0].render(scale=203 / 72).to_pil().convert("L")
    found = {r.format: r.text for r in zxingcpp.read_barcodes(image)}
    assert found[zxingcpp.BarcodeFormat.QRCode] == f"https://dichvucong.danang.gov.vn/tra-cuu?ma={code}&nguon=qr"
    assert found[zxingcpp.BarcodeFormat.Code128] == code
    db.close()

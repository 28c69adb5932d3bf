"""How an intake ends besides "received": guidance (Mẫu 02, no code spent) or refusal (status 3, Mẫu 03)."""

from __future__ import annotations

import io
import json
from datetime import date, datetime

import pytest
from pypdf import PdfReader

from counter_app.domain.dossier import OFFICE_TZ, DocumentLine
from counter_app.domain.errors import DomainError, ValidationErrors
from counter_app.domain.lifecycle import Status
from counter_app.domain.papers import DocumentChoice
from counter_app.services.dossiers import get_dossier
from counter_app.services.forms import FormNotApplicable, form02_pdf, form03_pdf
from counter_app.services.guidance import GuidanceRequest, get_guidance, guidance_counts, record_guidance
from counter_app.services.intake import IntakeRequest, PersonInput, receive_dossier, refuse_at_intake
from counter_app.services.slips import receipt_slip_pdf
from counter_app.storage.database import Database
from counter_app.storage.models import DeskDayCounter, OutboxOp
from tests.conftest import UNIT_CODE

AT = datetime(2026, 3, 10, 9, 0, tzinfo=OFFICE_TZ)


def applicant(**changes: object) -> PersonInput:
    values = {"full_name": "Nguyễn Văn Đức", "id_number": "049090001234", "phone": "0905123456", "street": "12 Lê Lợi"}
    values.update(changes)
    return PersonInput(**values)  # type: ignore[arg-type]


def text_of(pdf: bytes) -> str:
    return " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())


def outbox(db: Database) -> list[OutboxOp]:
    with db.read() as session:
        return list(session.query(OutboxOp).order_by(OutboxOp.seq))


def test_guidance_spends_no_code_keeps_a_record_and_queues_it(counter_db: Database) -> None:
    guidance = record_guidance(counter_db, GuidanceRequest(
        procedure_code="1.001193", applicant=applicant(id_number=""), reason="Thiếu giấy chứng sinh",
        missing_choices=[DocumentChoice(2, 1, 0, 0)]), now=AT)
    assert guidance.reference == "HD1-260310-001"
    assert guidance.clerk == "Trần Thị Mai" and guidance.applicant.full_name == "Nguyễn Văn Đức"
    assert [line.originals for line in guidance.missing] == [1]
    second = record_guidance(counter_db, GuidanceRequest(procedure_code="1.001193", applicant=applicant(),
                                                         reason="Tờ khai chưa ký", missing=[]), now=AT)
    assert second.reference == "HD1-260310-002"
    with counter_db.read() as session:
        assert session.query(DeskDayCounter).count() == 0  # no dossier code was spent
    ops = outbox(counter_db)
    assert [op.op_type for op in ops] == ["guidance.record", "guidance.record"]
    assert json.loads(ops[0].payload)["reason"] == "Thiếu giấy chứng sinh"
    assert get_guidance(counter_db, "hd1-260310-001") == guidance
    assert guidance_counts(counter_db, date(2026, 3, 10)) == {"1.001193": 2}
    text = text_of(form02_pdf(counter_db, guidance.reference))
    assert "Số: HD1-260310-001" in text and "Thiếu giấy chứng sinh" in text
    assert guidance.missing[0].name in text


def test_guidance_needs_a_reason_and_a_known_procedure_and_saves_nothing_otherwise(counter_db: Database) -> None:
    with pytest.raises(ValidationErrors) as caught:
        record_guidance(counter_db, GuidanceRequest(procedure_code="9.999999", applicant=applicant(), reason=" "),
                        now=AT)
    messages = " ".join(e.message for e in caught.value.errors)
    assert "không có thủ tục mã «9.999999»" in messages and "Lý do yêu cầu bổ sung, hoàn thiện: chưa nhập." in messages
    with pytest.raises(ValidationErrors, match="không có giấy tờ số 42"):
        record_guidance(counter_db, GuidanceRequest(procedure_code="1.001193", applicant=applicant(), reason="Thiếu",
                                                    missing_choices=[DocumentChoice(42, 1, 0, 0)]), now=AT)
    assert outbox(counter_db) == []


def test_refusal_creates_the_dossier_in_status_3_with_its_reason(counter_db: Database) -> None:
    request = IntakeRequest(procedure_code="1.001193", applicant=applicant(), received_at=AT,
                            documents=[DocumentLine("Tờ khai", originals=1)])
    dossier = refuse_at_intake(counter_db, request, "Không thuộc thẩm quyền\ngiải quyết của phường", now=AT)
    assert dossier.code == f"{UNIT_CODE}-260310-1001"
    stored = get_dossier(counter_db, dossier.code)
    assert stored.status is Status.REFUSED
    assert [(c.from_status, c.to_status, c.note) for c in stored.history] == [
        (None, Status.REFUSED, "Không thuộc thẩm quyền giải quyết của phường")]
    assert not stored.is_overdue(datetime(2027, 1, 1, tzinfo=OFFICE_TZ))
    (op,) = outbox(counter_db)
    assert op.op_type == "dossier.create" and json.loads(op.payload)["status"] == 3
    text = text_of(form03_pdf(counter_db, dossier.code))
    assert "Không thuộc thẩm quyền giải quyết của phường" in text and "NGƯỜI TỪ CHỐI" in text
    with pytest.raises(DomainError, match="Mẫu 03"):  # never received: no Mẫu 01 to print
        receipt_slip_pdf(counter_db, dossier.code)


def test_refusal_without_reason_saves_nothing_and_forms_match_the_status(counter_db: Database) -> None:
    request = IntakeRequest(procedure_code="1.001193", applicant=applicant(), received_at=AT)
    with pytest.raises(ValidationErrors, match="Lý do từ chối tiếp nhận: chưa nhập"):
        refuse_at_intake(counter_db, request, "   ", now=AT)
    assert outbox(counter_db) == []
    received = receive_dossier(counter_db, request, now=AT)
    with pytest.raises(FormNotApplicable, match="Mẫu 03"):
        form03_pdf(counter_db, received.code)
    with pytest.raises(FormNotApplicable, match="Mẫu 02"):
        form02_pdf(counter_db, received.code)


def barcode_of(pdf: bytes) -> str | None:
    import pypdfium2 as pdfium
    import zxingcpp

    image = pdfium.PdfDocument(pdf)[0].render(scale=203 / 72).to_pil().convert("L")
    return next((r.text for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.Code128), None)


def test_forms_02_04_05_print_the_lifecycle_records_of_a_dossier(counter_db: Database) -> None:
    """Received Tue 10/03/2026, sent to the agency, papers asked for and brought, an apology, the result back."""
    from counter_app.domain.lifecycle_records import HandoverDirection
    from counter_app.services.forms import form04_pdf, form05_pdf
    from counter_app.services.lifecycle import apologise, hand_over, record_supplied, request_supplement

    def moment(day: int, hour: int, minute: int = 0) -> datetime:
        return datetime(2026, 3, day, hour, minute, tzinfo=OFFICE_TZ)

    request = IntakeRequest(procedure_code="2.000908", applicant=applicant(), received_at=AT)
    code = receive_dossier(counter_db, request, now=AT).code
    for form in (form02_pdf, form04_pdf):
        with pytest.raises(FormNotApplicable):
            form(counter_db, code)
    hand_over(counter_db, code, HandoverDirection.TO_AGENCY, agency="Phòng Tư pháp", now=moment(10, 14))
    request_supplement(counter_db, code, missing=[DocumentLine("Sổ hộ tịch bản gốc", originals=1)],
                       reason="Cần đối chiếu sổ gốc", now=moment(11, 9))
    form02 = form02_pdf(counter_db, code)
    text = text_of(form02)
    assert "Sổ hộ tịch bản gốc" in text and "Lý do yêu cầu: Cần đối chiếu sổ gốc" in text
    assert "Ngày hẹn trả trước khi yêu cầu bổ sung: 09 giờ 00 phút, ngày 11/03/2026" in text
    record_supplied(counter_db, code, now=moment(12, 9))
    assert "Ngày hẹn trả mới sau khi bổ sung" in text_of(form02_pdf(counter_db, code))
    apologise(counter_db, code, reason="Chờ xác minh của nơi đăng ký", new_due_at=moment(16, 15), now=moment(12, 16))
    form04 = form04_pdf(counter_db, code)
    text = text_of(form04)
    assert "Chờ xác minh của nơi đăng ký" in text and "15 giờ 00 phút, ngày 16/03/2026" in text
    hand_over(counter_db, code, HandoverDirection.FROM_AGENCY, agency="Phòng Tư pháp", now=moment(17, 8, 30))
    form05 = form05_pdf(counter_db, code)
    text = text_of(form05)
    assert "Giao lúc 14 giờ 00 phút, ngày 10/03/2026" in text and "Nhận lúc 08 giờ 30 phút, ngày 17/03/2026" in text
    assert "Phòng Tư pháp" in text and "Trước hạn" in text and "Quá hạn" in text
    for pdf in (form02, form04, form05):
        assert barcode_of(pdf) == code

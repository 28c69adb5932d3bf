"""The supplement clock, apologies and hand-overs on a real counter database (issue 9, must-show 1).

Across Tết 2026 (offices closed Saturday 14/2 to Sunday 22/2) a supplement asked on Thursday 12/2 and
answered on Tuesday 24/2 costs the citizen 22 office hours of waiting, and the due date moves by exactly
those 22 office hours, no more: the nine days of Tết cost nothing.
"""

import io
import json
from datetime import datetime, timedelta

import pytest

from counter_app.domain.dossier import OFFICE_TZ, DocumentLine
from counter_app.domain.errors import InvalidTransition, ValidationError
from counter_app.domain.lifecycle import Status
from counter_app.domain.lifecycle_records import HandoverDirection, Timeliness
from counter_app.domain.operations import OpType
from counter_app.services.intake import IntakeRequest, PersonInput, receive_dossier
from counter_app.services.lifecycle import (
    apologise,
    hand_over,
    missing_papers,
    record_supplied,
    records_of,
    request_supplement,
    transition,
)
from counter_app.services.unit_setup import build_calendar
from counter_app.storage.database import Database
from counter_app.storage.outbox import operations_for
from counter_app.storage.profile import get_profile

FIVE_WORKING_DAYS = "1.002211"  # Thủ tục công nhận hòa giải viên (cấp xã)
FIFTEEN_CALENDAR_DAYS = "1.013952"
RECEIVED = datetime(2026, 2, 11, 9, 0, tzinfo=OFFICE_TZ)  # Wednesday before Tết
TRANSFERRED = datetime(2026, 2, 11, 15, 0, tzinfo=OFFICE_TZ)
ASKED = datetime(2026, 2, 12, 14, 0, tzinfo=OFFICE_TZ)  # Thursday
SUPPLIED = datetime(2026, 2, 24, 10, 0, tzinfo=OFFICE_TZ)  # Tuesday after Tết
MISSING = [DocumentLine("Giấy chứng sinh", originals=1), DocumentLine("Sổ hộ khẩu", photocopies=1)]


def receive(db: Database, procedure: str = FIVE_WORKING_DAYS, at: datetime = RECEIVED) -> str:
    applicant = PersonInput(full_name="Nguyễn Văn Đức", id_number="049090001234", phone="0905123456", street="12 Lê Lợi",
                            birth_date="1990-05-04", gender="male")
    return receive_dossier(db, IntakeRequest(procedure, applicant, received_at=at), now=at).code


def calendar(db: Database):
    with db.read() as session:
        return build_calendar(session, get_profile(session).calendar_config or {})


def test_a_supplement_across_tet_2026_moves_the_due_date_by_exactly_the_working_time_waited(counter_db: Database) -> None:
    code = receive(counter_db)
    first_due = datetime(2026, 2, 25, 9, 0, tzinfo=OFFICE_TZ)  # 40 office hours, Tết skipped
    assert records_of(counter_db, code).dossier.due_at == first_due
    transition(counter_db, code, Status.PROCESSING, at=TRANSFERRED, now=TRANSFERRED, agency="Phòng Tư pháp")
    request_supplement(counter_db, code, missing=MISSING, reason="Thiếu giấy chứng sinh bản chính", at=ASKED, now=ASKED)
    asked = records_of(counter_db, code)
    assert asked.dossier.status is Status.SUPPLEMENT_REQUESTED
    assert not asked.dossier.is_overdue(SUPPLIED)  # the clock is stopped while the citizen is away

    dossier = record_supplied(counter_db, code, at=SUPPLIED, now=SUPPLIED)

    waited = calendar(counter_db).working_time_between(ASKED, SUPPLIED)
    assert waited == timedelta(hours=22)  # Thu 3 h + Fri 8 h + Mon 8 h + Tue 3 h; Tết costs nothing
    assert calendar(counter_db).working_time_between(first_due, dossier.due_at) == waited
    assert dossier.due_at == datetime(2026, 2, 27, 17, 0, tzinfo=OFFICE_TZ)
    assert dossier.status is Status.PROCESSING
    # Both dates are kept: on the dossier, in its history and on the request (NgayHenTraTruoc / NgayHenTraMoi).
    assert dossier.previous_due_at == first_due
    last = dossier.history[-1]
    assert (last.from_status, last.to_status) == (Status.SUPPLEMENT_REQUESTED, Status.PROCESSING)
    assert (last.previous_due_at, last.due_at) == (first_due, dossier.due_at)
    request = records_of(counter_db, code).supplements[-1]
    assert request.missing == tuple(MISSING) and request.reason == "Thiếu giấy chứng sinh bản chính"
    assert (request.requested_at, request.supplied_at) == (ASKED, SUPPLIED)
    assert (request.due_at_before, request.due_at_after) == (first_due, dossier.due_at)
    # ... and the province gets both dates with the step.
    with counter_db.read() as session:
        sent = [json.loads(op.payload) for op in operations_for(session, dossier.id) if op.op_type == OpType.DOSSIER_STATUS]
    assert sent[-2]["missing"][0] == {"name": "Giấy chứng sinh", "originals": 1, "certified_copies": 0, "photocopies": 0}
    assert datetime.fromisoformat(sent[-1]["previous_due_at"]) == first_due
    assert datetime.fromisoformat(sent[-1]["due_at"]) == dossier.due_at


def test_a_calendar_day_procedure_moves_by_the_calendar_time_waited_to_a_working_day(counter_db: Database) -> None:
    code = receive(counter_db, FIFTEEN_CALENDAR_DAYS)
    first_due = records_of(counter_db, code).dossier.due_at
    request_supplement(counter_db, code, missing=MISSING[:1], reason="Thiếu giấy tờ", at=ASKED, now=ASKED)
    dossier = record_supplied(counter_db, code, at=SUPPLIED, now=SUPPLIED)
    moved = first_due + (SUPPLIED - ASKED)
    assert dossier.due_at >= moved and dossier.due_at - moved < timedelta(days=4)
    assert calendar(counter_db).is_working_day(dossier.due_at.astimezone(OFFICE_TZ).date())


def test_missing_papers_come_from_the_catalog_list(counter_db: Database) -> None:
    from counter_app.domain.papers import parse_document_arg

    code = receive(counter_db)
    lines = missing_papers(counter_db, code, [parse_document_arg("2=1/0/0"), parse_document_arg("1=0/1/0")])
    assert [(line.originals, line.certified_copies) for line in lines] == [(0, 1), (1, 0)]
    with pytest.raises(ValidationError) as caught:
        missing_papers(counter_db, code, [parse_document_arg("99=1/0/0")])
    assert "không có giấy tờ số 99" in caught.value.message


def test_a_supplement_needs_papers_and_a_reason(counter_db: Database) -> None:
    code = receive(counter_db)
    with pytest.raises(ValidationError) as no_papers:
        request_supplement(counter_db, code, missing=[], reason="Thiếu", now=ASKED)
    assert "ít nhất một giấy tờ" in no_papers.value.message
    with pytest.raises(InvalidTransition) as no_reason:
        request_supplement(counter_db, code, missing=MISSING, reason="  ", now=ASKED)
    assert no_reason.value.message == "Hãy ghi lý do khi chuyển hồ sơ sang «Yêu cầu bổ sung giấy tờ»."


def test_at_is_never_in_the_future_nor_before_the_last_step(counter_db: Database) -> None:
    code = receive(counter_db)
    with pytest.raises(ValidationError) as future:
        transition(counter_db, code, Status.PROCESSING, at=ASKED + timedelta(minutes=1), now=ASKED)
    assert future.value.field == "at" and "ở tương lai" in future.value.message
    with pytest.raises(ValidationError) as early:
        transition(counter_db, code, Status.PROCESSING, at=RECEIVED - timedelta(minutes=1), now=ASKED)
    assert "trước bước gần nhất của hồ sơ (09:00 11/02/2026)" in early.value.message
    assert records_of(counter_db, code).dossier.status is Status.RECEIVED  # nothing was recorded


def test_apology_moves_the_due_date_and_keeps_the_old_one(counter_db: Database) -> None:
    code = receive(counter_db)
    old_due = records_of(counter_db, code).dossier.due_at
    late = old_due + timedelta(hours=1)
    new_due = datetime(2026, 3, 2, 16, 0, tzinfo=OFFICE_TZ)  # a Monday
    apology = apologise(counter_db, code, reason="Chờ xác minh của cơ quan công an", new_due_at=new_due, at=late, now=late)
    assert (apology.previous_due_at, apology.new_due_at, apology.by) == (old_due, new_due, "Trần Thị Mai")
    records = records_of(counter_db, code)
    assert records.apologies == [apology]
    assert (records.dossier.due_at, records.dossier.previous_due_at) == (new_due, old_due)
    with pytest.raises(ValidationError) as weekend:
        apologise(counter_db, code, reason="Lại trễ", new_due_at=datetime(2026, 3, 7, 9, 0, tzinfo=OFFICE_TZ), now=late)
    assert "ngày nghỉ" in weekend.value.message
    with pytest.raises(ValidationError) as earlier:
        apologise(counter_db, code, reason="Lại trễ", new_due_at=old_due, now=late)
    assert "phải sau ngày hẹn hiện tại" in earlier.value.message


def test_hand_overs_make_the_rows_of_the_control_slip(counter_db: Database) -> None:
    code = receive(counter_db)
    due = records_of(counter_db, code).dossier.due_at
    given = hand_over(counter_db, code, HandoverDirection.TO_AGENCY, agency="Phòng Tư pháp", at=TRANSFERRED,
                      now=TRANSFERRED)
    assert (given.direction.label, given.to_party, given.outcome) == ("Giao", "Phòng Tư pháp", Timeliness.EARLY)
    assert given.from_party.startswith("Bộ phận Một cửa")
    late = due + timedelta(days=1)
    back = hand_over(counter_db, code, HandoverDirection.FROM_AGENCY, agency="Phòng Tư pháp", at=late, now=late)
    assert (back.direction.label, back.from_party, back.outcome.label) == ("Nhận", "Phòng Tư pháp", "Quá hạn")
    records = records_of(counter_db, code)
    assert records.dossier.status is Status.RESULT_READY
    assert records.handovers == [given, back]
    # The paper result handed over again (the province had already said 9): a row alone, no status change.
    again = hand_over(counter_db, code, HandoverDirection.FROM_AGENCY, at=late, now=late)
    assert len(records_of(counter_db, code).handovers) == 3 and again.to_party == given.from_party
    with counter_db.read() as session:
        kinds = [op.op_type for op in operations_for(session, records.dossier.id)]
    assert kinds == ["dossier.create", "dossier.status", "dossier.status", "dossier.handover"]


def test_a_reprinted_slip_keeps_both_due_dates_after_a_supplement(counter_db: Database) -> None:
    from pypdf import PdfReader

    from counter_app.services.slips import receipt_slip_pdf

    code = receive(counter_db)
    first = " ".join(PdfReader(io.BytesIO(receipt_slip_pdf(counter_db, code))).pages[0].extract_text().split())
    assert "09 giờ 00 phút, ngày 25/02/2026" in first and "hẹn lại" not in first  # nothing moved yet

    request_supplement(counter_db, code, missing=MISSING, reason="Thiếu giấy chứng sinh bản chính", at=ASKED, now=ASKED)
    record_supplied(counter_db, code, at=SUPPLIED, now=SUPPLIED)
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(
        io.BytesIO(receipt_slip_pdf(counter_db, code))).pages).split())
    assert ("5. Thời gian trả kết quả giải quyết hồ sơ: 17 giờ 00 phút, ngày 27/02/2026 "
            "(hẹn lại; ngày hẹn trước: 09 giờ 00 phút, ngày 25/02/2026)") in text


def test_the_apology_proposes_the_close_of_the_next_working_day(counter_db: Database) -> None:
    from counter_app.services.lifecycle import proposed_new_due

    code = receive(counter_db)  # due Wednesday 25/02/2026 09:00
    assert proposed_new_due(counter_db, code, now=RECEIVED) == datetime(2026, 2, 26, 17, 0, tzinfo=OFFICE_TZ)
    friday = datetime(2026, 2, 27, 10, 0, tzinfo=OFFICE_TZ)  # already late: after today, never a weekend
    assert proposed_new_due(counter_db, code, now=friday) == datetime(2026, 3, 2, 17, 0, tzinfo=OFFICE_TZ)

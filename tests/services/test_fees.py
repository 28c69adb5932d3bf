"""Fees at intake on a real counter database (issue 10, A): the assessment is kept with the dossier in
the same transaction and sent with it; what is due is the assessment minus issued receipts; a fee the
agency sets later moves the dossier 4→6, and paying it moves it back."""

import json
import uuid
from datetime import datetime

import pytest

from counter_app.domain.catalog import FeeKind
from counter_app.domain.dossier import OFFICE_TZ
from counter_app.domain.fees import FeeInputError, FeeLine, line_to_dict
from counter_app.domain.lifecycle import Status
from counter_app.domain.operations import OpType
from counter_app.services.fees import (
    assess_at_intake,
    assess_dossier,
    fee_balance,
    fees_due,
    intake_fees_payload,
    request_fee,
    settle_if_paid,
)
from counter_app.services.intake import IntakeRequest, PersonInput, receive_dossier, refuse_at_intake
from counter_app.services.lifecycle import records_of, transition
from counter_app.storage.conflict_notices import take_decided_intake_fees
from counter_app.storage.database import Database
from counter_app.storage.dossiers import get_row
from counter_app.storage.models import DossierFeeRow, DossierRow, ReceiptRow
from counter_app.storage.outbox import operations_for
from counter_app.storage.procedures import get_procedure

COPY = "2.000815"  # chứng thực bản sao từ bản chính: per page, tiers, cap
DEATH = "1.000656"  # khai tử: lệ phí set by the province, exemptions under Luật Hộ tịch Điều 11
RECEIVED = datetime(2026, 3, 10, 9, 0, tzinfo=OFFICE_TZ)
LATER = datetime(2026, 3, 10, 10, 0, tzinfo=OFFICE_TZ)
PAID = datetime(2026, 3, 10, 11, 0, tzinfo=OFFICE_TZ)


def request(procedure: str, **fees) -> IntakeRequest:
    applicant = PersonInput(full_name="Nguyễn Văn Đức", id_number="049090001234", phone="0905123456",
                            street="12 Lê Lợi", birth_date="1990-05-04", gender="male")
    return IntakeRequest(procedure, applicant, received_at=RECEIVED, **fees)


def sent_create(db: Database, code: str) -> dict:
    with db.read() as session:
        row = session.query(DossierRow).filter_by(code=code).one()
        ops = operations_for(session, row.id)
    return next(json.loads(op.payload) for op in ops if op.op_type == OpType.DOSSIER_CREATE)


def issue_receipt(db: Database, code: str, lines: list[FeeLine], number: int, status: str = "issued") -> None:
    """A receipt row as part B writes it (storage.models.ReceiptRow), the contract fees_due reads."""
    fee = sum(line.amount_vnd for line in lines if line.kind is FeeKind.FEE)
    charge = sum(line.amount_vnd for line in lines if line.kind is FeeKind.CHARGE)
    with db.write() as session:
        session.add(ReceiptRow(
            id=str(uuid.uuid4()), form_number="01BLP0-001", symbol="AB-26P", number=number, dossier_code=code,
            payer_name="Nguyễn Văn Đức", payer_address="", items=[line_to_dict(line) for line in lines],
            fee_vnd=fee, charge_vnd=charge, total_vnd=fee + charge, method="cash", bank_reference="",
            collected_at=PAID, day=PAID.date(), collector="Trần Thị Mai", collector_username="", status=status,
            cancel_reason="", cancelled_by="",
        ))


def test_intake_keeps_and_sends_the_assessment_of_the_counts_entered(counter_db: Database) -> None:
    dossier = receive_dossier(counter_db, request(COPY, fee_quantities={"pages": 5, "copies": 3}), now=RECEIVED)
    with counter_db.read() as session:
        due = fees_due(session, dossier.code)
        (row,) = session.query(DossierFeeRow).filter_by(dossier_code=dossier.code).all()
    assert due.fee_vnd == 21_000 and due.charge_vnd == 0 and due.unknown == ()
    assert row.source == "intake" and row.quantities == {"pages": 5, "copies": 3, "cases": 1, "extracts": 0}
    fees = sent_create(counter_db, dossier.code)["fees"]
    assert fees["fee_vnd"] == 21_000 and fees["lines"][0]["quantity"] == 3
    assert "226/2016/TT-BTC" in fees["lines"][0]["note"]


def test_bad_counts_save_nothing(counter_db: Database) -> None:
    with pytest.raises(FeeInputError, match="Số bản"):
        receive_dossier(counter_db, request(COPY, fee_quantities={"pages": 2, "copies": 0}), now=RECEIVED)
    with counter_db.read() as session:
        assert session.query(DossierRow).count() == 0 and session.query(DossierFeeRow).count() == 0


def test_province_amount_stays_unknown_and_an_exemption_waives_it_with_its_reason(counter_db: Database) -> None:
    unknown = receive_dossier(counter_db, request(DEATH), now=RECEIVED)
    exempt = receive_dossier(counter_db, request(DEATH, fee_exemption="ho-ngheo"), now=RECEIVED)
    with counter_db.read() as session:
        assert fees_due(session, unknown.code).unknown == ("Lệ phí đăng ký khai tử",)
        due = fees_due(session, exempt.code)
    assert due.total_vnd == 0 and due.unknown == () and due.lines == ()
    (line,) = assess_dossier(counter_db, exempt.code).lines
    assert line.amount_vnd == 0 and "Luật Hộ tịch 2014, Điều 11" in line.note


def test_a_refusal_owes_nothing(counter_db: Database) -> None:
    refused = refuse_at_intake(counter_db, request(COPY), "Bản chính bị tẩy xóa", now=RECEIVED)
    with counter_db.read() as session:
        assert fees_due(session, refused.code).lines == ()
    assert "fees" not in sent_create(counter_db, refused.code)


def test_issued_receipts_cover_lines_and_cancelled_ones_do_not(counter_db: Database) -> None:
    dossier = receive_dossier(counter_db, request(COPY, fee_quantities={"pages": 1, "copies": 2}), now=RECEIVED)
    with counter_db.read() as session:
        lines = list(fees_due(session, dossier.code).lines)
    issue_receipt(counter_db, dossier.code, lines, 1, status="cancelled")
    with counter_db.read() as session:
        assert fees_due(session, dossier.code).total_vnd == 4_000
    issue_receipt(counter_db, dossier.code, lines, 2)
    with counter_db.read() as session:
        assert fees_due(session, dossier.code).lines == ()


def test_a_fee_set_later_moves_4_to_6_and_paying_it_moves_back(counter_db: Database) -> None:
    dossier = receive_dossier(counter_db, request(DEATH, fee_exemption="dung-han"), now=RECEIVED)
    transition(counter_db, dossier.code, Status.PROCESSING, at=RECEIVED, now=RECEIVED, agency="Phòng Tư pháp")
    line = FeeLine("Lệ phí đăng ký khai tử", FeeKind.CHARGE, 8_000)
    due = request_fee(counter_db, dossier.code, [line], "Cơ quan giải quyết xác định lệ phí", at=LATER, now=LATER)
    assert due.charge_vnd == 8_000
    records = records_of(counter_db, dossier.code)
    assert records.dossier.status is Status.AWAITING_PAYMENT
    with counter_db.read() as session:
        kinds = [op.op_type for op in operations_for(session, dossier.id)]
        assert not settle_if_paid(session, dossier.code, "", PAID)  # nothing paid yet
    assert kinds[-2:] == [OpType.DOSSIER_STATUS, OpType.FEE_REQUEST]

    issue_receipt(counter_db, dossier.code, [line], 3)
    with counter_db.write() as session:
        assert settle_if_paid(session, dossier.code, "", PAID)
    assert records_of(counter_db, dossier.code).dossier.status is Status.PROCESSING


def test_a_fee_request_needs_lines_and_a_reason(counter_db: Database) -> None:
    dossier = receive_dossier(counter_db, request(COPY), now=RECEIVED)
    with pytest.raises(FeeInputError, match="ít nhất một khoản"):
        request_fee(counter_db, dossier.code, [], "Lý do", now=LATER)
    with pytest.raises(FeeInputError, match="Lý do"):
        request_fee(counter_db, dossier.code, [FeeLine("Phí", FeeKind.FEE, 1000)], "  ", now=LATER)


def slip_text(db: Database, code: str) -> str:
    import io

    from pypdf import PdfReader

    from counter_app.services.slips import receipt_slip_pdf

    pdf = receipt_slip_pdf(db, code)
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())


def test_the_slip_says_what_is_owed_only_when_something_is(counter_db: Database) -> None:
    copy = receive_dossier(counter_db, request(COPY, fee_quantities={"pages": 5, "copies": 3}), now=RECEIVED)
    death = receive_dossier(counter_db, request(DEATH), now=RECEIVED)
    free = receive_dossier(counter_db, request(DEATH, fee_exemption="khuyet-tat"), now=RECEIVED)
    assert "Phí, lệ phí phải nộp (chưa thu): phí 21.000 đồng." in slip_text(counter_db, copy.code)
    assert ("chưa có mức thu, sẽ thông báo sau: Lệ phí đăng ký khai tử" in slip_text(counter_db, death.code))
    assert "Phí, lệ phí" not in slip_text(counter_db, free.code)

    with counter_db.read() as session:
        lines = list(fees_due(session, copy.code).lines)
    issue_receipt(counter_db, copy.code, lines, 7)
    paid_slip = slip_text(counter_db, copy.code)
    assert "Phí, lệ phí" not in paid_slip and "21.000" not in paid_slip  # never a payment on Mẫu 01


def test_receipts_covering_more_than_a_decided_assessment_are_overpaid_by_the_difference(counter_db: Database) -> None:
    """A supervisor's decision on a sync conflict took an assessment of fewer copies after the receipt was
    issued: nothing is due, and the receipts' surplus is named (the fees screen asks to cancel and collect
    again). Until then it is 0."""
    dossier = receive_dossier(counter_db, request(COPY, fee_quantities={"pages": 5, "copies": 3}), now=RECEIVED)
    with counter_db.read() as session:
        due = fees_due(session, dossier.code)
        assert fee_balance(session, dossier.code).overpaid_vnd == 0
    issue_receipt(counter_db, dossier.code, list(due.lines), 1)
    with counter_db.read() as session:
        assert (fees_due(session, dossier.code).total_vnd, fee_balance(session, dossier.code).overpaid_vnd) == (0, 0)

    with counter_db.write() as session:
        procedure = get_procedure(session, COPY)
        row = get_row(session, dossier.code)
        assert procedure is not None and row is not None
        assessment, counts = assess_at_intake(procedure, {"pages": 2, "copies": 1}, "")
        take_decided_intake_fees(session, row, intake_fees_payload(assessment, counts, ""), "Giám sát viên Lê Văn Giám",
                                 "Theo quyết định về xung đột đồng bộ", LATER)

    with counter_db.read() as session:
        assert fees_due(session, dossier.code).total_vnd == 0
        assert fee_balance(session, dossier.code).overpaid_vnd == 21_000 - assessment.fee_vnd > 0

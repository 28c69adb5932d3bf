"""Receipts on a real counter database: numbers from the granted book, refusals before payment, cancel and
reissue with a supervisor, and the number, the receipt and its operation always together."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from counter_app.domain.errors import ValidationError
from counter_app.domain.receipts import (
    BadReceiptNumber,
    PaymentMethod,
    ReceiptStatus,
    book_of_series,
    check_book,
    parse_number_text,
)
from counter_app.services.accounts import NotAllowed, create_account
from counter_app.services.clock import utc_now
from counter_app.services.receipts import (
    ReceiptRefused,
    cancel_receipt,
    collect_fee,
    find_receipt,
    receipt_numbers_left,
    receipts_of,
    receipts_on,
    set_receipt_issuer,
)
from counter_app.storage.models import NumberRange, OutboxOp, ReceiptRow
from tests.conftest import open_counter
from tests.support.receipts import BOOK, FEE_VND, fee_dossier, grant_receipt_range


@pytest.fixture
def desk(tmp_path: Path):
    db = open_counter(tmp_path / "counter")
    create_account(db, username="giamsat", full_name="Lê Văn Giám", role="supervisor", password="matkhau-gs1", by=None)
    create_account(db, username="mai", full_name="Trần Thị Mai", role="clerk", password="matkhau123", by="giamsat")
    yield db
    db.close()


def _ops(db, op_type: str) -> list[dict]:
    with db.read() as session:
        return [json.loads(op.payload) for op in session.scalars(
            select(OutboxOp).where(OutboxOp.op_type == op_type).order_by(OutboxOp.seq))]


def test_book_notation_is_checked() -> None:
    assert check_book("01BLP3-001", "AA-26P").series == "receipt:01BLP3-001/AA-26P"
    assert book_of_series("receipt:01BLP0-001/BI-23E") == check_book("01BLP0-001", "BI-23E")
    assert parse_number_text("01blp3-001/aa-26p/12") == ("01BLP3-001", "AA-26P", 12)
    for form, symbol in (("01BLP3-1", "AA-26P"), ("01GTKT0-001", "AA-26P"), ("01BLP3-001", "AA/26P"),
                         ("01BLP3-001", "aa-26X")):
        with pytest.raises(BadReceiptNumber):
            check_book(form, symbol)
    with pytest.raises(BadReceiptNumber):
        book_of_series("bcci-item")


def test_a_desk_without_numbers_refuses_before_the_citizen_pays(desk) -> None:
    code = fee_dossier(desk, clerk="mai")
    assert receipt_numbers_left(desk) == 0
    with pytest.raises(ReceiptRefused, match="hết số biên lai"):
        collect_fee(desk, code, method="cash", by="mai")
    assert receipts_of(desk, code) == [] and _ops(desk, "receipt.issue") == []
    grant_receipt_range(desk, 41, 42)
    assert receipt_numbers_left(desk) == 2
    first = collect_fee(desk, code, method="cash", by="mai")
    second = collect_fee(desk, fee_dossier(desk, clerk="mai"), method="transfer", bank_reference="FT26335123", by="mai")
    assert (first.number, second.number) == (41, 42)
    assert first.number_text == "01BLP3-001/AA-26P/0000041"
    assert (first.total_vnd, first.fee_vnd, first.charge_vnd) == (FEE_VND, FEE_VND, 0)
    assert (first.collector, first.collector_username, first.method) == ("Trần Thị Mai", "mai", PaymentMethod.CASH)
    assert second.bank_reference == "FT26335123"
    assert receipt_numbers_left(desk) == 0
    with pytest.raises(ReceiptRefused, match="hết số biên lai"):
        collect_fee(desk, fee_dossier(desk, clerk="mai"), method="cash", by="mai")
    assert [op["number"] for op in _ops(desk, "receipt.issue")] == [41, 42]
    assert [r.number for r in receipts_on(desk, first.day)] == [41, 42]


def test_refusals_spend_no_number(desk) -> None:
    grant_receipt_range(desk, 1, 10)
    code = fee_dossier(desk, clerk="mai")
    with pytest.raises(ValidationError, match="mã giao dịch"):
        collect_fee(desk, code, method="transfer", by="mai")
    with pytest.raises(ValidationError, match="tiền mặt"):
        collect_fee(desk, code, method="card", by="mai")
    with pytest.raises(NotAllowed):
        collect_fee(desk, code, method="cash")  # a counter with accounts names its clerk
    with pytest.raises(ValidationError, match="tương lai"):
        collect_fee(desk, code, method="cash", by="mai", at=utc_now() + timedelta(hours=1))
    with pytest.raises(ValidationError, match="trước khi tiếp nhận"):
        collect_fee(desk, code, method="cash", by="mai", at=utc_now() - timedelta(days=3))
    free = fee_dossier(desk, clerk="mai", procedure="1.001193")  # owes 0 đồng (lệ phí khai sinh miễn)
    with pytest.raises(ReceiptRefused, match="không còn khoản"):
        collect_fee(desk, free, method="cash", by="mai")
    unknown = fee_dossier(desk, clerk="mai", procedure="1.000656")  # the province sets the amount
    with pytest.raises(ReceiptRefused, match="Chưa biết số tiền"):
        collect_fee(desk, unknown, method="cash", by="mai")
    with desk.read() as session:
        assert session.scalar(select(NumberRange.next_number)) == 1
    assert _ops(desk, "receipt.issue") == []


def test_cancel_needs_a_supervisor_and_a_reason_then_the_next_receipt_replaces_it(desk) -> None:
    grant_receipt_range(desk, 1, 10)
    code = fee_dossier(desk, clerk="mai")
    issued = collect_fee(desk, code, method="cash", by="mai")
    with pytest.raises(NotAllowed, match="giám sát viên"):
        cancel_receipt(desk, issued.number_text, reason="Ghi sai tên", supervisor="mai")
    with pytest.raises(ValidationError, match="lý do"):
        cancel_receipt(desk, issued.number_text, reason="  ", supervisor="giamsat")
    cancelled = cancel_receipt(desk, issued.number_text, reason="Ghi sai tên người nộp", supervisor="giamsat")
    assert cancelled.status is ReceiptStatus.CANCELLED and cancelled.cancelled_by == "giamsat"
    with pytest.raises(ReceiptRefused, match="đã hủy"):
        cancel_receipt(desk, issued.number_text, reason="Lần nữa", supervisor="giamsat")
    again = collect_fee(desk, code, method="cash", by="mai")
    assert (again.number, again.replaces_id) == (2, issued.id)
    kept = find_receipt(desk, "01BLP3-001/AA-26P/1")
    assert (kept.status, kept.cancel_reason, kept.number) == (ReceiptStatus.CANCELLED, "Ghi sai tên người nộp", 1)
    assert [r.number for r in receipts_of(desk, code)] == [1, 2]
    [cancel_op] = _ops(desk, "receipt.cancel")
    assert (cancel_op["number"], cancel_op["supervisor"], cancel_op["reason"]) == (1, "giamsat", "Ghi sai tên người nộp")
    assert _ops(desk, "receipt.issue")[1]["replaces_id"] == issued.id


def test_the_receipt_keeps_the_issuer_it_printed(desk) -> None:
    grant_receipt_range(desk, 1, 10)
    with pytest.raises(BadReceiptNumber):
        set_receipt_issuer(desk, issuer_name="Bưu điện tỉnh", tax_code="12345", by="giamsat")
    with pytest.raises(NotAllowed):
        set_receipt_issuer(desk, issuer_name="Bưu điện tỉnh", tax_code="0106869738-001", by="mai")
    set_receipt_issuer(desk, issuer_name="Bưu điện thành phố Đà Nẵng", tax_code="0106869738-001", by="giamsat")
    first = collect_fee(desk, fee_dossier(desk, clerk="mai"), method="cash", by="mai")
    set_receipt_issuer(desk, issuer_name="", tax_code="", by="giamsat")
    assert (find_receipt(desk, first.number_text).issuer_name, first.issuer_tax_code) == (
        "Bưu điện thành phố Đà Nẵng", "0106869738-001")


def test_books_are_used_oldest_grant_first(desk) -> None:
    grant_receipt_range(desk, 5, 5)
    other = type(BOOK)("01BLP3-001", "AB-26P")
    grant_receipt_range(desk, 1, 1, other)
    numbers = [collect_fee(desk, fee_dossier(desk, clerk="mai"), method="cash", by="mai").number_text for _ in range(2)]
    assert numbers == ["01BLP3-001/AA-26P/0000005", "01BLP3-001/AB-26P/0000001"]


def test_the_database_refuses_to_delete_or_edit_a_receipt(desk) -> None:
    grant_receipt_range(desk, 1, 10)
    issued = collect_fee(desk, fee_dossier(desk, clerk="mai"), method="cash", by="mai")
    for statement in (delete(ReceiptRow), update(ReceiptRow).values(total_vnd=1),
                      update(ReceiptRow).values(number=9)):
        with pytest.raises((IntegrityError, OperationalError), match="Biên lai không được"), desk.write() as session:
            session.execute(statement)
    cancel_receipt(desk, issued.number_text, reason="Thu nhầm", supervisor="giamsat")
    with pytest.raises((IntegrityError, OperationalError), match="không được sửa"), desk.write() as session:
        session.execute(update(ReceiptRow).values(status="issued"))
    assert find_receipt(desk, issued.number_text).status is ReceiptStatus.CANCELLED


def test_paying_a_fee_the_agency_set_moves_the_dossier_back_to_processing_in_the_same_transaction(desk) -> None:
    from counter_app.domain.catalog import FeeKind
    from counter_app.domain.fees import FeeLine
    from counter_app.domain.lifecycle import Status
    from counter_app.services.dossiers import get_dossier
    from counter_app.services.fees import request_fee
    from counter_app.services.lifecycle import transition

    code = fee_dossier(desk, clerk="mai")
    grant_receipt_range(desk, 1, 10)
    collect_fee(desk, code, method="cash", by="mai")  # the intake's 10.000 đồng
    transition(desk, code, Status.PROCESSING, by="mai", agency="Phòng Tư pháp")
    request_fee(desk, code, [FeeLine("Phí cấp bản sao", FeeKind.FEE, 6_000)], "Cơ quan giải quyết xác định phí",
                by="mai")
    assert get_dossier(desk, code).status is Status.AWAITING_PAYMENT
    second = collect_fee(desk, code, method="transfer", bank_reference="FT26335999", by="mai")
    assert (second.total_vnd, [line.name for line in second.items]) == (6_000, ["Phí cấp bản sao"])
    dossier = get_dossier(desk, code)
    assert dossier.status is Status.PROCESSING
    assert dossier.history[-1].note == "Đã thực hiện nghĩa vụ tài chính" and dossier.history[-1].actor == "Trần Thị Mai"
    with pytest.raises(ReceiptRefused, match="không còn khoản"):
        collect_fee(desk, code, method="cash", by="mai")

"""Helpers for the receipt tests: a dossier that owes a fixed fee, a receipt book granted to the desk."""

from __future__ import annotations

from counter_app.domain.receipts import ReceiptBook
from counter_app.services.clock import utc_now
from counter_app.services.intake import IntakeRequest, PersonInput, receive_dossier
from counter_app.storage.database import Database
from counter_app.storage.models import NumberRange

BOOK = ReceiptBook("01BLP3-001", "AA-26P")
FEE_PROCEDURE = "2.000884"  # chứng thực chữ ký: 10.000 đồng phí (TT 226/2016), fixed in the sample catalog
FEE_VND = 10_000


def fee_dossier(db: Database, name: str = "Nguyễn Văn Đức", *, clerk: str = "", procedure: str = FEE_PROCEDURE) -> str:
    """A dossier received at this counter (by `clerk` on a counter with accounts) that owes the procedure's
    fees; its code."""
    return receive_dossier(db, IntakeRequest(procedure, PersonInput(
        full_name=name, id_number="049090001234", phone="0905123456", street="12 Lê Lợi"), clerk_username=clerk)).code


def grant_receipt_range(db: Database, first: int, last: int, book: ReceiptBook = BOOK) -> None:
    """A receipt range as the counter stores it after pulling the province's grant."""
    with db.write() as session:
        session.add(NumberRange(series=book.series, first=first, last=last, next_number=first, received_at=utc_now()))

"""Helpers for the receipt and day-close tests.

`fee_dossier` + `grant_receipt_range` set a desk up for `services.receipts.collect_fee`. `add_receipt` writes a
receipt row straight into the real `receipt` table (real file, real migrations and triggers) dated in any
day: the day-close tests need receipts on chosen past days, which collect_fee (now, or a time after the
dossier was received) cannot date freely.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time

from sqlalchemy import update

from counter_app.domain.dossier import OFFICE_TZ
from counter_app.domain.receipts import ReceiptBook
from counter_app.services.clock import utc_now
from counter_app.services.intake import IntakeRequest, PersonInput, receive_dossier
from counter_app.storage.database import Database
from counter_app.storage.models import NumberRange, ReceiptRow

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


def office_instant(day: date, hour: int = 9, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=OFFICE_TZ)


def add_receipt(db: Database, *, day: date, number: int, fee: int = 0, charge: int = 0, method: str = "cash",
                bank_reference: str = "", dossier_code: str = "000.31.48.H15-260310-1001",
                payer: str = "Nguyễn Văn Đức", collector: str = "Trần Thị Mai", form_number: str = "01BLP",
                symbol: str = "AA-26P") -> str:
    """One issued receipt dated in `day` (at 09:00 office time plus `number` minutes); its id."""
    receipt_id = str(uuid.uuid4())
    with db.write() as session:
        session.add(ReceiptRow(
            id=receipt_id, form_number=form_number, symbol=symbol, number=number, dossier_code=dossier_code,
            payer_name=payer, payer_address="12 Lê Lợi", items=[], fee_vnd=fee, charge_vnd=charge,
            total_vnd=fee + charge, method=method, bank_reference=bank_reference,
            collected_at=office_instant(day, 9, number % 60), day=day, collector=collector, collector_username="",
            status="issued", cancel_reason="", cancelled_by="", replaces_id=None))
    return receipt_id


def cancel_receipt_row(db: Database, receipt_id: str, *, reason: str = "Ghi sai số tiền", supervisor: str = "giamsat",
                       at: datetime | None = None) -> None:
    """Mark a receipt cancelled the way part B's cancel_receipt does (one UPDATE of its row)."""
    with db.write() as session:
        session.execute(update(ReceiptRow).where(ReceiptRow.id == receipt_id).values(
            status="cancelled", cancel_reason=reason, cancelled_by=supervisor,
            cancelled_at=at or datetime.now(OFFICE_TZ)))

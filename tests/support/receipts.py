"""A receipt row written straight into the `receipt` table, for the tests of closing the day.

Stands in for part B's `services.receipts.collect_fee` / `cancel_receipt` until the branches are merged:
the lead may switch `add_receipt` to collect_fee then. It writes through the real database (real SQLite
file, real migrations), so the closed-day triggers see it like any receipt.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time

from sqlalchemy import update

from counter_app.domain.dossier import OFFICE_TZ
from counter_app.storage.database import Database
from counter_app.storage.models import ReceiptRow


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

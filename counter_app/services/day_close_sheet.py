"""The close sheet of a day (printing/day_close_sheet.py) rendered from what the counter stores."""

from __future__ import annotations

from datetime import date

from counter_app.printing.day_close_sheet import DayCloseSheet, SheetReceipt, render_day_close_sheet
from counter_app.services.day_close import day_summary
from counter_app.services.unit_setup import load_profile
from counter_app.storage.database import Database


def day_close_pdf(db: Database, day: date, clerk: str = "") -> bytes:
    """The sheet of `day`: the close as saved, or a draft (marked so) while the day is open."""
    summary = day_summary(db, day)
    profile = load_profile(db)
    receipts = [SheetReceipt(number=r.number, dossier_code=r.dossier_code, payer=r.payer, fee_vnd=r.fee_vnd,
                             charge_vnd=r.charge_vnd, method=r.method, bank_reference=r.bank_reference,
                             collected_at=r.collected_at, cancelled=r.cancelled, cancel_reason=r.cancel_reason,
                             cancelled_by=r.cancelled_by, cancelled_at=r.cancelled_at) for r in summary.receipts]
    close = summary.close
    return render_day_close_sheet(DayCloseSheet(
        authority=profile.authority_name, unit_name=profile.unit_name, unit_code=profile.unit_code,
        desk_slot=close.desk_slot if close else profile.desk_slot,
        device_id=close.device_id if close else profile.device_id, place_name=profile.place_name, day=day,
        receipts=receipts, close=close, clerk=close.clerk if close else (clerk or profile.clerk_name)))

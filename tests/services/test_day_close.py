"""Closing the day on a real counter database: totals from the receipts, differences signed off, and a
closed day the database itself keeps closed (triggers), whichever way a write tries to get in."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from counter_app.domain.day_close import CLOSED_DAY_MESSAGE, DayClosedError, DayCloseRefused, parse_notes
from counter_app.domain.errors import DomainError, ValidationError
from counter_app.domain.operations import OpType, check_payload
from counter_app.services.accounts import NotAllowed, create_account
from counter_app.services.day_close import close_day, day_summary
from counter_app.storage.database import Database
from counter_app.storage.models import DayCloseRow, OutboxOp, ReceiptRow
from tests.conftest import open_counter
from tests.support.receipts import add_receipt, cancel_receipt_row, office_instant

DAY = date(2026, 3, 10)
NOW = office_instant(DAY, 17, 30)


@pytest.fixture
def db(tmp_path: Path):
    database = open_counter(tmp_path / "counter")
    create_account(database, username="giamsat", full_name="Lê Văn Giám", role="supervisor", password="matkhau-gs1",
                   by=None, now=NOW - timedelta(days=30))
    create_account(database, username="mai", full_name="Trần Thị Mai", role="clerk", password="matkhau123",
                   by="giamsat", now=NOW - timedelta(days=30))
    yield database
    database.close()


def a_day_of_receipts(db: Database) -> list[str]:
    """Four receipts: two in cash, one by transfer, one in cash then cancelled."""
    ids = [add_receipt(db, day=DAY, number=1, fee=10_000, charge=5_000),
           add_receipt(db, day=DAY, number=2, charge=50_000, method="transfer", bank_reference="FT26069123456"),
           add_receipt(db, day=DAY, number=3, fee=30_000, charge=0),
           add_receipt(db, day=DAY, number=4, fee=20_000, charge=8_000)]
    cancel_receipt_row(db, ids[3], at=office_instant(DAY, 11))
    add_receipt(db, day=DAY - timedelta(days=1), number=5, fee=99_000)  # another day: not in the totals
    return ids


def closes_and_ops(db: Database) -> tuple[int, int]:
    with db.read() as session:
        return (session.scalar(select(func.count()).select_from(DayCloseRow)) or 0,
                session.scalar(select(func.count()).select_from(OutboxOp)
                               .where(OutboxOp.op_type == OpType.DAY_CLOSE.value)) or 0)


def test_the_totals_of_a_day_equal_the_sum_of_its_issued_receipts(db: Database) -> None:
    a_day_of_receipts(db)
    summary = day_summary(db, DAY)
    with db.read() as session:
        rows = session.scalars(select(ReceiptRow).where(ReceiptRow.day == DAY, ReceiptRow.status == "issued")).all()
    assert summary.fee_total == sum(r.fee_vnd for r in rows) == 40_000
    assert summary.charge_total == sum(r.charge_vnd for r in rows) == 55_000
    assert summary.cash_expected == sum(r.total_vnd for r in rows if r.method == "cash") == 45_000
    assert summary.transfers_total == 50_000 and [t.bank_reference for t in summary.transfers] == ["FT26069123456"]
    assert [r.number for r in summary.cancellations] == ["01BLP/AA-26P/0000004"]
    assert summary.cancellations[0].cancel_reason == "Ghi sai số tiền"

    close = close_day(db, DAY, counted=parse_notes("20000=2,5000=1"), explanation="", by="mai", now=NOW)
    assert (close.counted_total, close.expected_cash, close.difference) == (45_000, 45_000, 0)
    assert (close.fee_total + close.charge_total, close.transfers_total) == (summary.total, 50_000)
    assert (close.receipts_count, close.cancellations_count, close.supervisor) == (3, 1, "")
    assert close.clerk == "Trần Thị Mai" and close.counted == {20_000: 2, 5_000: 1}
    with db.read() as session:
        op = session.scalar(select(OutboxOp).where(OutboxOp.op_type == OpType.DAY_CLOSE.value))
    assert op is not None and op.entity_id == close.id
    payload = check_payload(OpType.DAY_CLOSE, __import__("json").loads(op.payload))
    assert payload.expected_cash == 45_000 and payload.counted == {"20000": 2, "5000": 1}


def test_a_closed_day_refuses_a_new_receipt_and_a_cancellation_through_the_services(db: Database) -> None:
    ids = a_day_of_receipts(db)
    close_day(db, DAY, counted_total=45_000, by="mai", now=NOW)
    with pytest.raises(DayClosedError) as new:
        add_receipt(db, day=DAY, number=6, fee=10_000)
    with pytest.raises(DayClosedError) as cancel:
        cancel_receipt_row(db, ids[0])
    assert new.value.message == cancel.value.message == CLOSED_DAY_MESSAGE
    assert "đã khóa sổ" in new.value.message
    summary = day_summary(db, DAY)  # nothing changed, nothing lost
    assert len(summary.receipts) == 4 and summary.cash_expected == 45_000 and not summary.receipts[0].cancelled
    add_receipt(db, day=DAY + timedelta(days=1), number=6, fee=10_000)  # the next day is open


def test_a_closed_day_refuses_raw_sql_writes_through_the_database_triggers(db: Database) -> None:
    ids = a_day_of_receipts(db)
    close_day(db, DAY, counted_total=45_000, by="mai", now=NOW)
    raw = sqlite3.connect(db.path)
    try:
        day = DAY.isoformat()
        for statement, params in [
            ("INSERT INTO receipt (id, form_number, symbol, number, dossier_code, payer_name, payer_address, items, "
             "fee_vnd, charge_vnd, total_vnd, method, bank_reference, collected_at, day, collector, "
             "collector_username, status, cancel_reason, cancelled_by) VALUES ('x', '01BLP', 'AA-26P', 99, 'c', 'p', "
             "'', '[]', 1000, 0, 1000, 'cash', '', '2026-03-10 03:00:00', ?, 'c', '', 'issued', '', '')", (day,)),
            ("UPDATE receipt SET status = 'cancelled', cancel_reason = 'x' WHERE id = ?", (ids[0],)),
            ("UPDATE day_close SET counted_total = 0", ()),
            ("DELETE FROM day_close", ()),
        ]:
            with pytest.raises(sqlite3.IntegrityError, match="khóa sổ"):
                raw.execute(statement, params)
            raw.rollback()
        # Moving a receipt out of or into the closed day, or deleting one, is refused too: by the closed day's
        # triggers or by the receipt's own (a receipt's fields never change, it is never deleted).
        for statement, params in [
            ("UPDATE receipt SET day = '2026-03-11' WHERE id = ?", (ids[0],)),
            ("UPDATE receipt SET day = ? WHERE number = 5", (day,)),
            ("DELETE FROM receipt WHERE id = ?", (ids[1],)),
        ]:
            with pytest.raises(sqlite3.IntegrityError, match=r"khóa sổ|không được"):
                raw.execute(statement, params)
            raw.rollback()
        # An open day is not locked: its receipt may still be cancelled.
        raw.execute("UPDATE receipt SET status = 'cancelled', cancel_reason = 'Ghi sai', cancelled_by = 'giamsat' "
                    "WHERE number = 5")
        raw.commit()
    finally:
        raw.close()
    summary = day_summary(db, DAY)
    assert len(summary.receipts) == 4 and summary.close is not None and summary.close.counted_total == 45_000


def test_a_difference_needs_an_explanation_and_a_supervisor_or_nothing_is_saved(db: Database) -> None:
    a_day_of_receipts(db)
    with pytest.raises(ValidationError, match="giải trình") as no_text:
        close_day(db, DAY, counted_total=40_000, supervisor="giamsat", by="mai", now=NOW)
    assert no_text.value.field == "explanation" and "thiếu 5.000 đồng" in no_text.value.message
    with pytest.raises(ValidationError, match="giám sát viên") as no_supervisor:
        close_day(db, DAY, counted_total=46_000, explanation="Khách trả thừa", by="mai", now=NOW)
    assert "thừa 1.000 đồng" in no_supervisor.value.message
    with pytest.raises(NotAllowed, match="Chỉ giám sát viên"):
        close_day(db, DAY, counted_total=40_000, explanation="Trả nhầm tiền thừa", supervisor="mai", by="mai", now=NOW)
    assert closes_and_ops(db) == (0, 0)

    close = close_day(db, DAY, counted_total=40_000, explanation="Trả nhầm tiền thừa cho khách",
                      supervisor="giamsat", by="mai", now=NOW)
    assert (close.difference, close.supervisor, close.supervisor_name) == (-5_000, "giamsat", "Lê Văn Giám")
    assert closes_and_ops(db) == (1, 1)


def test_a_day_is_closed_once_and_never_ahead_of_the_office_date(db: Database) -> None:
    a_day_of_receipts(db)
    with pytest.raises(DayCloseRefused, match="chưa đến"):
        close_day(db, DAY + timedelta(days=1), counted_total=0, by="mai", now=NOW)
    close_day(db, DAY, counted_total=45_000, by="mai", now=NOW)
    with pytest.raises(DayCloseRefused, match="đã khóa sổ lúc"):
        close_day(db, DAY, counted_total=45_000, by="mai", now=NOW)
    with pytest.raises(ValidationError, match="không cả hai"):
        close_day(db, DAY - timedelta(days=1), counted={1000: 1}, counted_total=1000, by="mai", now=NOW)
    assert closes_and_ops(db) == (1, 1)


@pytest.mark.parametrize("notes", ["300000=1", "500000=x", "100000=1,100000=2", "1000"])
def test_a_count_by_denomination_takes_only_vietnamese_money(notes: str) -> None:
    with pytest.raises(DomainError):
        parse_notes(notes)


def test_a_count_by_denomination_reads_dots_and_skips_zero_lines() -> None:
    assert parse_notes("500.000=2, 200=3, 1000=0") == {500_000: 2, 200: 3}

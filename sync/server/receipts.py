"""Applying a device's receipts (`receipt.issue`) and their cancellations (`receipt.cancel`), issue 10 B.

A receipt is trusted only when its shape and sums hold (checked by the shared payload model), its dossier
code is of the device's unit, and its number lies in a range of its book ("receipt:<mẫu số>/<ký hiệu>")
the province granted to that very device: a desk cannot print numbers from another desk's block or
invent its own. The unique (mẫu số, ký hiệu, số) constraint refuses a number twice, also when two server
processes race. A cancellation names a receipt of the same device, a reason and a supervisor of the unit.
Each refusal is the operation's alone (docs/receipts.md).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from counter_app.domain.accounts import Role
from counter_app.domain.codes import parse_dossier_code
from counter_app.domain.errors import DomainError
from counter_app.domain.payloads import Payload
from counter_app.domain.payloads_money import ReceiptCancelPayload, ReceiptIssuePayload
from counter_app.domain.receipts import PaymentMethod, ReceiptBook, ReceiptStatus, book_of_series, number_text
from sync.protocol import OpStatus
from sync.server.day_close import receipt_in_closed_day
from sync.server.models import ClerkAccount, Conflict, Device, NumberRange, Receipt, Unit
from sync.server.op_checks import LedgerKey, Outcome, instant

if TYPE_CHECKING:
    from sync.server.ingest_lookup import DossierLookup


def _refused(code: str, message: str) -> Outcome:
    return Outcome(OpStatus.REJECTED, code, message)


def _in_closed_day(session: Session, device: Device, key: LedgerKey, day: str, dossier_code: str,
                   raw: dict[str, Any], now: datetime) -> Outcome | None:
    """A receipt issued or cancelled in a day its device has closed at the province: the counter's triggers
    refuse that write, so it comes from a tampered or restored counter. Kept for a person (a conflict with
    the operation as sent), never applied: the close the desk signed stays what it was."""
    problem = receipt_in_closed_day(session, device.id, day)
    if not problem:
        return None
    session.add(Conflict(unit_code=device.unit_code, dossier_code=dossier_code, device_id=device.id, op_id=key.op_id,
                         code="receipt_in_closed_day", detail={"day": day, "ours": raw}, created_at=now))
    return Outcome(OpStatus.CONFLICT, "receipt_in_closed_day", problem)


def _of_unit(code: str, unit_code: str) -> bool:
    try:
        return parse_dossier_code(code).unit_code == unit_code
    except DomainError:
        return False


def _granted(session: Session, device: Device, book: ReceiptBook, number: int) -> bool:
    return session.scalar(select(NumberRange.id).where(
        NumberRange.series == book.series, NumberRange.device_id == device.id,
        NumberRange.first <= number, NumberRange.last >= number).limit(1)) is not None


def _replacement_problem(session: Session, device: Device, payload: ReceiptIssuePayload) -> str:
    if payload.replaces_id is None:
        return ""
    old = session.get(Receipt, payload.replaces_id)
    if old is None or old.unit_code != device.unit_code or old.dossier_code != payload.dossier_code:
        return "Biên lai được thay thế không phải biên lai của cùng hồ sơ tại đơn vị này."
    if old.status != ReceiptStatus.CANCELLED.value:
        return f"Biên lai {number_text(old.form_number, old.symbol, old.number)} chưa bị hủy; không lập biên lai thay thế."
    return ""


def record_receipt(session: Session, device: Device, key: LedgerKey, payload: Payload, raw: dict[str, Any],
                   now: datetime, lookup: DossierLookup) -> Outcome:
    assert isinstance(payload, ReceiptIssuePayload)
    book = ReceiptBook(payload.form_number, payload.symbol)
    shown = number_text(book.form_number, book.symbol, payload.number)
    existing = session.get(Receipt, payload.id)
    if existing is not None:
        if existing.device_id == device.id and existing.data == raw:
            return Outcome(OpStatus.ACCEPTED, "already_exists")
        return _refused("duplicate_receipt_id", "Mã định danh của biên lai trùng với một biên lai khác trên máy chủ.")
    if not _of_unit(payload.dossier_code, device.unit_code):
        return _refused("wrong_unit", f"Biên lai {shown} ghi hồ sơ {payload.dossier_code} của đơn vị khác; "
                        "máy chủ không nhận.")
    if not _granted(session, device, book, payload.number):
        return _refused("receipt_not_granted", f"Số biên lai {shown} không nằm trong dải số của quyển "
                        f"«{book.series}» tỉnh đã cấp cho quầy này; máy chủ không nhận.")
    holder = session.scalar(select(Receipt.dossier_code).where(
        Receipt.form_number == book.form_number, Receipt.symbol == book.symbol, Receipt.number == payload.number))
    if holder is not None:
        return _refused("duplicate_receipt_number", f"Số biên lai {shown} đã được dùng (hồ sơ {holder}); "
                        "một số chỉ dùng một lần.")
    problem = _replacement_problem(session, device, payload)
    if problem:
        return _refused("bad_replacement", problem)
    closed = _in_closed_day(session, device, key, payload.day, payload.dossier_code, raw, now)
    if closed is not None:
        return closed
    session.add(Receipt(id=payload.id, unit_code=device.unit_code, device_id=device.id, form_number=book.form_number,
                        symbol=book.symbol, number=payload.number, dossier_code=payload.dossier_code,
                        fee_vnd=payload.fee_vnd, charge_vnd=payload.charge_vnd, total_vnd=payload.total_vnd,
                        method=payload.method.value, collected_at=instant(payload.collected_at), day=payload.day,
                        status=ReceiptStatus.ISSUED.value, cancel_reason="", cancelled_by="",
                        replaces_id=payload.replaces_id, data=raw, received_at=now))
    # Flushed now: a cancellation later in the same batch finds it, and a number racing in from another
    # server process fails here on the unique constraint (the batch is then redone operation by operation).
    session.flush()
    return Outcome(OpStatus.ACCEPTED)


def record_cancellation(session: Session, device: Device, key: LedgerKey, payload: Payload, raw: dict[str, Any],
                        now: datetime, lookup: DossierLookup) -> Outcome:
    assert isinstance(payload, ReceiptCancelPayload)
    shown = number_text(payload.form_number, payload.symbol, payload.number)
    row = session.get(Receipt, payload.id, with_for_update=True)
    if row is None or row.device_id != device.id or (row.form_number, row.symbol, row.number) != (
            payload.form_number, payload.symbol, payload.number):
        return _refused("unknown_receipt", f"Máy chủ không có biên lai {shown} do quầy này lập; không hủy được.")
    if row.status == ReceiptStatus.CANCELLED.value:
        same = (row.cancel_reason, row.cancelled_by) == (payload.reason, payload.supervisor)
        return Outcome(OpStatus.ACCEPTED, "already_exists") if same else _refused(
            "already_cancelled", f"Biên lai {shown} đã bị hủy trước đó.")
    supervisor = session.get(ClerkAccount, (device.unit_code, payload.supervisor))
    if supervisor is None or supervisor.role != Role.SUPERVISOR.value:
        return _refused("not_supervisor", f"«{payload.supervisor}» không phải giám sát viên của đơn vị; "
                        "máy chủ không nhận việc hủy biên lai.")
    at = instant(payload.at)
    if at < row.collected_at:
        return _refused("bad_step", f"Thời điểm hủy biên lai {shown} trước thời điểm thu tiền.")
    closed = _in_closed_day(session, device, key, row.day, row.dossier_code, raw, now)
    if closed is not None:  # a cancellation changes the figures of the receipt's own day
        return closed
    row.status, row.cancelled_at, row.cancel_reason, row.cancelled_by = (
        ReceiptStatus.CANCELLED.value, at, payload.reason, payload.supervisor)
    return Outcome(OpStatus.ACCEPTED)


# -- what the province reads ----------------------------------------------------------------------------


def receipt_totals(session: Session, unit_code: str) -> dict[str, Any]:
    """Receipts of a unit for `provincial-server stats`: issued and cancelled counts, amounts of the valid
    ones by kind (phí, lệ phí) and by payment method."""
    counts = dict(session.execute(select(Receipt.status, func.count()).where(Receipt.unit_code == unit_code)
                                  .group_by(Receipt.status)).all())
    sums = session.execute(select(func.coalesce(func.sum(Receipt.fee_vnd), 0), func.coalesce(func.sum(Receipt.charge_vnd), 0),
                                  func.coalesce(func.sum(Receipt.total_vnd), 0))
                           .where(Receipt.unit_code == unit_code, Receipt.status == ReceiptStatus.ISSUED.value)).one()
    by_method = dict(session.execute(select(Receipt.method, func.sum(Receipt.total_vnd))
                                     .where(Receipt.unit_code == unit_code, Receipt.status == ReceiptStatus.ISSUED.value)
                                     .group_by(Receipt.method)).all())
    return {"issued": int(counts.get(ReceiptStatus.ISSUED.value, 0)),
            "cancelled": int(counts.get(ReceiptStatus.CANCELLED.value, 0)),
            "fee_vnd": int(sums[0]), "charge_vnd": int(sums[1]), "total_vnd": int(sums[2]),
            "by_method": {method.value: int(by_method.get(method.value) or 0) for method in PaymentMethod}}


MAX_LISTED_MISSING = 100


def _missing(used: list[int], ranges: list[tuple[int, int]]) -> list[int]:
    """Numbers of granted ranges, up to the highest used in each, that no receipt holds (the first 100)."""
    missing: list[int] = []
    for first, last in ranges:
        expected = first
        for number in sorted(n for n in set(used) if first <= n <= last):
            missing += range(expected, min(number, expected + MAX_LISTED_MISSING))
            expected = number + 1
    return missing[:MAX_LISTED_MISSING]


def receipt_books(session: Session, unit_code: str | None = None) -> list[dict[str, Any]]:
    """Each receipt book of a unit (or of every unit): its receipts, its cancelled numbers (the marked gaps)
    and any number granted, passed over and never accounted for (`missing`: there should be none)."""
    units = [unit_code] if unit_code else list(session.scalars(select(Unit.code).order_by(Unit.code)))
    books = []
    for unit in units:
        series = session.execute(select(NumberRange.series, NumberRange.first, NumberRange.last)
                                 .where(NumberRange.unit_code == unit, NumberRange.series.like("receipt:%"))
                                 .order_by(NumberRange.series, NumberRange.first)).all()
        ranges: dict[str, list[tuple[int, int]]] = {}
        for name, first, last in series:
            ranges.setdefault(name, []).append((int(first), int(last)))
        for name, spans in ranges.items():
            try:
                book = book_of_series(name)
            except DomainError:
                continue
            rows = session.execute(select(Receipt.number, Receipt.status, Receipt.total_vnd).where(
                Receipt.unit_code == unit, Receipt.form_number == book.form_number, Receipt.symbol == book.symbol)
                .order_by(Receipt.number)).all()
            cancelled = [int(n) for n, status, _ in rows if status == ReceiptStatus.CANCELLED.value]
            books.append({"unit_code": unit, "form_number": book.form_number, "symbol": book.symbol,
                          "ranges": [list(span) for span in spans],
                          "issued": sum(1 for _, status, _ in rows if status == ReceiptStatus.ISSUED.value),
                          "cancelled": cancelled,
                          "total_vnd": sum(int(t) for _, status, t in rows if status == ReceiptStatus.ISSUED.value),
                          "missing": _missing([int(n) for n, _, _ in rows], spans)})
    return books

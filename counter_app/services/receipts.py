"""Collecting fees against a receipt, cancelling a receipt, finding receipts (issue 10, B).

One write transaction holds the whole of a receipt: the next number of a book the province granted this
desk (one UPDATE … RETURNING on `number_range`), the receipt row and its outbox operation
(`receipt.issue`). A crash leaves all three or none: never a number spent without its receipt. A desk
without numbers left says so before the citizen pays (`receipt_numbers_left`; `collect_fee` refuses
before anything else). A receipt is never edited: `cancel_receipt` (a supervisor and a reason) marks it
cancelled in its book, the dossier owes again, and the next `collect_fee` issues the new receipt naming
the one it replaces. docs/receipts.md.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, aliased

from counter_app.domain.catalog import FeeKind
from counter_app.domain.codes import office_day
from counter_app.domain.errors import DomainError, ValidationError
from counter_app.domain.fees import FeeLine
from counter_app.domain.formats import office_datetime
from counter_app.domain.money import format_vnd
from counter_app.domain.operations import OpType
from counter_app.domain.receipts import (
    MAX_BANK_REFERENCE,
    MAX_CANCEL_REASON,
    MAX_RECEIPT_NUMBER,
    RECEIPT_SERIES_PREFIX,
    BadReceiptNumber,
    PaymentMethod,
    Receipt,
    ReceiptStatus,
    book_of_series,
    check_tax_code,
    parse_number_text,
    totals_problem,
)
from counter_app.domain.text import nfc
from counter_app.services.accounts import supervisor_account
from counter_app.services.clerks import actor_of
from counter_app.services.clock import utc_now
from counter_app.services.dossiers import DossierNotFound
from counter_app.services.fees import fees_due, settle_if_paid
from counter_app.storage.accounts import has_accounts
from counter_app.storage.database import Database
from counter_app.storage.dossiers import get_row, person_from_dict
from counter_app.storage.models import DossierRow, NumberRange, ReceiptRow
from counter_app.storage.outbox import append_operation
from counter_app.storage.profile import get_profile

NO_NUMBERS = ("Quầy đã hết số biên lai (hoặc chưa được tỉnh cấp quyển biên lai): chưa thu tiền của người nộp. "
              "Hãy đồng bộ, hoặc đề nghị quản trị máy chủ tỉnh cấp dải số biên lai cho quầy này.")
# Only well-formed books are used: a damaged grant can never block collecting (SQLite GLOB, per character).
_RECEIPT_SERIES = f"{RECEIPT_SERIES_PREFIX}0[12]BLP[0-9]-[0-9][0-9][0-9]/[A-Z][A-Z]-[0-9][0-9][PTE]"


class ReceiptRefused(DomainError):
    """A receipt cannot be issued or cancelled now (nothing due, no numbers left, already cancelled…)."""


class ReceiptNotFound(DomainError):
    def __init__(self, number: str) -> None:
        super().__init__(f"Không có biên lai số «{number[:40]}» tại quầy này.")


def receipt_numbers_left(db: Database) -> int:
    """How many receipt numbers this desk can still issue from the books the province granted it."""
    with db.read() as session:
        return _numbers_left(session)


def _numbers_left(session: Session) -> int:
    total = session.scalar(
        select(func.sum(func.min(NumberRange.last, MAX_RECEIPT_NUMBER) - NumberRange.next_number + 1))
        .where(NumberRange.series.op("GLOB")(_RECEIPT_SERIES), NumberRange.next_number <= NumberRange.last,
               NumberRange.next_number <= MAX_RECEIPT_NUMBER))
    return int(total or 0)


def _take_number(session: Session) -> tuple[str, int]:
    """(series, number): the next number of the oldest granted book with numbers left, taken in one
    statement inside the caller's transaction (rolled back with it)."""
    taken = session.execute(text(
        "UPDATE number_range SET next_number = next_number + 1 "
        "WHERE (series, first) = (SELECT series, first FROM number_range WHERE series GLOB :series "
        "AND next_number <= last AND next_number <= :max ORDER BY received_at, series, first LIMIT 1) "
        "RETURNING series, next_number - 1"), {"series": _RECEIPT_SERIES, "max": MAX_RECEIPT_NUMBER}).first()
    if taken is None:
        raise ReceiptRefused(NO_NUMBERS)
    return str(taken[0]), int(taken[1])


def _line_to_dict(line: FeeLine) -> dict[str, Any]:
    return {"name": line.name, "kind": line.kind.value, "amount_vnd": line.amount_vnd, "quantity": line.quantity,
            "unit": line.unit, "note": line.note}


def _line_of(data: dict[str, Any]) -> FeeLine:
    return FeeLine(data["name"], FeeKind(data["kind"]), int(data["amount_vnd"]), int(data.get("quantity", 1)),
                   data.get("unit", ""), data.get("note", ""))


def to_receipt(row: ReceiptRow, procedure_name: str = "") -> Receipt:
    return Receipt(
        id=row.id, form_number=row.form_number, symbol=row.symbol, number=row.number, dossier_code=row.dossier_code,
        payer_name=row.payer_name, payer_address=row.payer_address, items=tuple(_line_of(i) for i in row.items),
        fee_vnd=row.fee_vnd, charge_vnd=row.charge_vnd, total_vnd=row.total_vnd, method=PaymentMethod(row.method),
        bank_reference=row.bank_reference, collected_at=row.collected_at, day=row.day, collector=row.collector,
        collector_username=row.collector_username, issuer_name=row.issuer_name, issuer_tax_code=row.issuer_tax_code,
        procedure_name=procedure_name, status=ReceiptStatus(row.status), cancelled_at=row.cancelled_at,
        cancel_reason=row.cancel_reason, cancelled_by=row.cancelled_by, replaces_id=row.replaces_id)


def _issue_payload(row: ReceiptRow) -> dict[str, Any]:
    return {"id": row.id, "form_number": row.form_number, "symbol": row.symbol, "number": row.number,
            "dossier_code": row.dossier_code, "payer_name": row.payer_name, "payer_address": row.payer_address,
            "items": row.items, "fee_vnd": row.fee_vnd, "charge_vnd": row.charge_vnd, "total_vnd": row.total_vnd,
            "method": row.method, "bank_reference": row.bank_reference, "collected_at": row.collected_at.isoformat(),
            "day": row.day.isoformat(), "collector": row.collector, "collector_username": row.collector_username,
            "issuer_name": row.issuer_name, "issuer_tax_code": row.issuer_tax_code, "replaces_id": row.replaces_id}


def _method_of(method: str | PaymentMethod, bank_reference: str) -> tuple[PaymentMethod, str]:
    try:
        chosen = PaymentMethod(str(method).strip().lower())
    except ValueError:
        raise ValidationError("method", "Hình thức thanh toán phải là tiền mặt (cash) hoặc chuyển khoản (transfer).",
                              "Hình thức thanh toán") from None
    reference = nfc(bank_reference).strip()
    if chosen is PaymentMethod.TRANSFER and not reference:
        raise ValidationError("bank_reference", "Chuyển khoản: hãy nhập mã giao dịch ngân hàng.", "Mã giao dịch")
    if chosen is PaymentMethod.CASH and reference:
        raise ValidationError("bank_reference", "Thu tiền mặt không có mã giao dịch ngân hàng.", "Mã giao dịch")
    if len(reference) > MAX_BANK_REFERENCE or not reference.isprintable():
        raise ValidationError("bank_reference", f"Mã giao dịch ngân hàng dài quá {MAX_BANK_REFERENCE} ký tự hoặc có "
                              "ký tự không in được.", "Mã giao dịch")
    return chosen, reference


def _moment(at: datetime | None, now: datetime, what: str) -> datetime:
    moment = at or now
    if moment.tzinfo is None:
        raise ValidationError("at", f"Thời điểm {what} phải có múi giờ.", "Thời điểm")
    if moment > now:
        raise ValidationError("at", f"Thời điểm {what} ({office_datetime(moment)}) ở tương lai; bây giờ là "
                              f"{office_datetime(now)}.", "Thời điểm")
    return moment


def _payer(row: DossierRow) -> tuple[str, str]:
    """Who pays: the submitter when someone filed on the applicant's behalf, else the applicant."""
    person = person_from_dict(row.submitter) if row.submitter else person_from_dict(
        {"full_name": row.applicant_name, "address": row.applicant_address})
    return nfc(person.full_name), nfc(person.address.text) or nfc(person.address.street)


_REPLACING = aliased(ReceiptRow)  # built once: an alias per call cost ~1 ms of a 7 ms collect (bench/receipts.py)


def _to_replace(session: Session, code: str) -> str | None:
    """The newest cancelled receipt of the dossier that no receipt replaces yet."""
    return session.scalar(
        select(ReceiptRow.id).where(ReceiptRow.dossier_code == code, ReceiptRow.status == ReceiptStatus.CANCELLED.value,
                                    ~select(_REPLACING.pk).where(_REPLACING.replaces_id == ReceiptRow.id).exists())
        .order_by(ReceiptRow.cancelled_at.desc(), ReceiptRow.pk.desc()).limit(1))


def collect_fee(db: Database, code: str, *, method: str | PaymentMethod, bank_reference: str = "", by: str = "",
                at: datetime | None = None) -> Receipt:
    """Collect what dossier `code` owes (`services.fees.fees_due`) under the next receipt number of this desk.

    Refused before anything is saved when the desk has no numbers left, nothing is due, an amount is not
    known, or a transfer lacks its bank reference. `by` is the clerk's username (actor_of)."""
    chosen, reference = _method_of(method, bank_reference)
    now = utc_now()
    moment = _moment(at, now, "thu tiền")
    with db.write() as session:
        if _numbers_left(session) < 1:
            raise ReceiptRefused(NO_NUMBERS)
        profile = get_profile(session)
        collector, username = actor_of(session, by, profile.clerk_name if profile else "")
        row = get_row(session, code)
        if row is None:
            raise DossierNotFound(nfc(code))
        if moment < row.received_at:
            raise ValidationError("at", f"Thời điểm thu tiền ({office_datetime(moment)}) trước khi tiếp nhận hồ sơ "
                                  f"({office_datetime(row.received_at)}).", "Thời điểm")
        due = fees_due(session, row.code)
        if due.unknown:
            raise ReceiptRefused(f"Chưa biết số tiền của: {'; '.join(due.unknown)}. Chưa thu tiền: hãy chờ cơ quan "
                                 "giải quyết hoặc tỉnh cho biết mức thu.")
        lines = tuple(line for line in due.lines if line.amount_vnd > 0)
        if not lines:
            raise ReceiptRefused(f"Hồ sơ {row.code} không còn khoản phí, lệ phí nào phải nộp.")
        problem = totals_problem(lines, due.fee_vnd, due.charge_vnd, due.total_vnd)
        if problem:
            raise ReceiptRefused(f"Không lập được biên lai: {problem}")
        series, number = _take_number(session)
        book = book_of_series(series)
        payer_name, payer_address = _payer(row)
        receipt = ReceiptRow(
            id=str(uuid.uuid4()), form_number=book.form_number, symbol=book.symbol, number=number,
            dossier_code=row.code, payer_name=payer_name, payer_address=payer_address,
            items=[_line_to_dict(line) for line in lines], fee_vnd=due.fee_vnd, charge_vnd=due.charge_vnd,
            total_vnd=due.total_vnd, method=chosen.value, bank_reference=reference, collected_at=moment,
            day=office_day(moment), collector=collector, collector_username=username,
            issuer_name=(profile.receipt_issuer or profile.unit_name) if profile else "",
            issuer_tax_code=profile.tax_code if profile else "", status=ReceiptStatus.ISSUED.value,
            cancel_reason="", cancelled_by="", replaces_id=_to_replace(session, row.code))
        session.add(receipt)
        session.flush()
        append_operation(session, entity="receipt", entity_id=receipt.id, op_type=OpType.RECEIPT_ISSUE,
                         payload=_issue_payload(receipt), now=now, actor=username)
        settle_if_paid(session, row.code, username, now)  # a dossier waiting for its fee (6) goes back to 4
        return to_receipt(receipt, row.procedure_name)


def _find_row(session: Session, number: str) -> ReceiptRow:
    try:
        form_number, symbol, value = parse_number_text(number)
    except BadReceiptNumber:
        raise ReceiptNotFound(number) from None
    row = session.scalar(select(ReceiptRow).where(ReceiptRow.form_number == form_number, ReceiptRow.symbol == symbol,
                                                  ReceiptRow.number == value))
    if row is None:
        raise ReceiptNotFound(number)
    return row


def cancel_receipt(db: Database, number: str, *, reason: str, supervisor: str, at: datetime | None = None) -> Receipt:
    """Cancel receipt `number` ("01BLP3-001/AA-26P/0000012") as supervisor `supervisor` (signed in by the
    caller), with a reason. The row stays, marked; the dossier owes again."""
    why = " ".join(nfc(reason).split())
    if not why:
        raise ValidationError("reason", "Hủy biên lai: hãy ghi lý do.", "Lý do hủy")
    if len(why) > MAX_CANCEL_REASON:
        raise ValidationError("reason", f"Lý do hủy dài quá {MAX_CANCEL_REASON} ký tự.", "Lý do hủy")
    now = utc_now()
    moment = _moment(at, now, "hủy biên lai")
    with db.write() as session:
        boss = supervisor_account(session, supervisor, "hủy biên lai")
        row = _find_row(session, number)
        if row.status == ReceiptStatus.CANCELLED.value:
            raise ReceiptRefused(f"Biên lai {to_receipt(row).number_text} đã hủy lúc "
                                 f"{office_datetime(row.cancelled_at or now)}; không hủy lại.")
        if moment < row.collected_at:
            raise ValidationError("at", "Thời điểm hủy trước thời điểm thu tiền của biên lai.", "Thời điểm")
        before = {"status": row.status}
        row.status, row.cancelled_at, row.cancel_reason, row.cancelled_by = (
            ReceiptStatus.CANCELLED.value, moment, why, boss.username)
        session.flush()
        append_operation(session, entity="receipt", entity_id=row.id, op_type=OpType.RECEIPT_CANCEL, now=now,
                         actor=boss.username, audit_before=before, payload={
            "id": row.id, "form_number": row.form_number, "symbol": row.symbol, "number": row.number,
            "at": moment.isoformat(), "reason": why, "supervisor": boss.username, "supervisor_name": boss.full_name})
        return to_receipt(row, _procedure_name(session, row.dossier_code))


def _procedure_name(session: Session, code: str) -> str:
    return session.scalar(select(DossierRow.procedure_name).where(DossierRow.code == code)) or ""


def _receipts(session: Session, *where: Any) -> list[Receipt]:
    found = session.execute(select(ReceiptRow, DossierRow.procedure_name)
                            .outerjoin(DossierRow, DossierRow.code == ReceiptRow.dossier_code)
                            .where(*where).order_by(ReceiptRow.collected_at, ReceiptRow.pk)).all()
    return [to_receipt(row, name or "") for row, name in found]


def find_receipt(db: Database, number: str) -> Receipt:
    with db.read() as session:
        row = _find_row(session, number)
        return to_receipt(row, _procedure_name(session, row.dossier_code))


def receipts_of(db: Database, code: str) -> list[Receipt]:
    """Every receipt of dossier `code`, cancelled ones too, oldest first."""
    with db.read() as session:
        return _receipts(session, ReceiptRow.dossier_code == nfc(code).strip().upper())


def receipts_on(db: Database, day: date) -> list[Receipt]:
    """Every receipt dated `day` (office date), cancelled ones too, oldest first."""
    with db.read() as session:
        return _receipts(session, ReceiptRow.day == day)


def set_receipt_issuer(db: Database, *, issuer_name: str, tax_code: str, by: str) -> tuple[str, str]:
    """The collecting unit (đơn vị thu; "" = the unit's name) and its mã số thuế printed on new receipts;
    a supervisor's change. Receipts already issued keep what they printed."""
    name = " ".join(nfc(issuer_name).split())
    code = check_tax_code(tax_code)
    with db.write() as session:
        if has_accounts(session):
            supervisor_account(session, by, "đổi đơn vị thu và mã số thuế trên biên lai")
        profile = get_profile(session)
        if profile is None:
            raise ReceiptRefused("Quầy chưa được thiết lập đơn vị.")
        profile.receipt_issuer, profile.tax_code = name, code
        return name or profile.unit_name, code


def amount_text(receipt: Receipt) -> str:
    """"15.000 đồng (phí 15.000, lệ phí 0)": one line for lists."""
    return (f"{format_vnd(receipt.total_vnd)} đồng (phí {format_vnd(receipt.fee_vnd)}, "
            f"lệ phí {format_vnd(receipt.charge_vnd)})")



def receipt_pdf(db: Database, number: str, paper: str = "a5") -> bytes:
    """The three copies of receipt `number` as a PDF (printing/receipt_paper.py), A5 or 80 mm."""
    from counter_app.printing.receipt_paper import render_receipt

    receipt = find_receipt(db, number)
    with db.read() as session:
        profile = get_profile(session)
        place = (profile.place_name or profile.unit_name) if profile else ""
    return render_receipt(receipt, place, paper)

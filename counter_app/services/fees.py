"""What a dossier owes and what is still to collect (issue 10; docs/fees.md).

`fees_due` is the one question the receipt, the fees screen and the reports ask: the lines assessed on
the dossier (at intake, with the clerk's counts and exemption, and by the agency in status 6) minus the
lines issued receipts already cover. Assessments are rows of `dossier_fee`, never edited; the intake's
rides to the province in the dossier.create operation, an agency's request in its own "fee.request".
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from counter_app.domain.catalog import FeeKind, Procedure
from counter_app.domain.errors import DomainError
from counter_app.domain.fees import (
    FeeAssessment,
    FeeInputError,
    FeeLine,
    Quantities,
    assess,
    line_from_dict,
    line_to_dict,
)
from counter_app.domain.lifecycle import Status
from counter_app.domain.money import format_dong
from counter_app.domain.operations import OpType
from counter_app.domain.serialization import iso_instant
from counter_app.domain.text import nfc
from counter_app.services.clerks import actor_of
from counter_app.services.clock import utc_now
from counter_app.services.dossiers import DossierNotFound
from counter_app.services.lifecycle import transition_in
from counter_app.storage.database import Database
from counter_app.storage.dossiers import get_row
from counter_app.storage.models import DossierFeeRow, ReceiptRow
from counter_app.storage.outbox import append_operation
from counter_app.storage.procedures import get_procedure
from counter_app.storage.profile import get_profile

INTAKE, REQUEST = "intake", "request"
SETTLED_NOTE = "Đã thực hiện nghĩa vụ tài chính"
MAX_REASON_LENGTH = 4000


class FeeAlreadyAssessed(DomainError):
    """The dossier's fees were assessed at intake already; an assessment is never edited."""


def intake_fees_payload(assessment: FeeAssessment, quantities: Quantities, exemption: str) -> dict:
    """The "fees" key of dossier.create (domain.payloads_money.IntakeFeesPayload)."""
    return {
        "lines": [line_to_dict(line) for line in assessment.lines],
        "unknown": list(assessment.unknown),
        "quantities": quantities.to_dict(),
        "exemption": exemption,
        "fee_vnd": assessment.fee_vnd,
        "charge_vnd": assessment.charge_vnd,
    }


def assess_at_intake(
    procedure: Procedure, quantities: dict[str, int] | None, exemption: str
) -> tuple[FeeAssessment, Quantities]:
    """The assessment of a dossier being received; FeeInputError (Vietnamese) for bad counts or exemption."""
    counts = Quantities.from_dict(quantities or {})
    return assess(procedure, counts, nfc(exemption) or None), counts


def save_intake_assessment(
    session: Session, code: str, assessment: FeeAssessment, quantities: Quantities, exemption: str, *,
    by: str, by_username: str, at: datetime,
) -> None:
    """Keep the intake assessment of `code`, inside the caller's transaction (the dossier's own)."""
    row = DossierFeeRow(
        id=str(uuid.uuid4()), dossier_code=code, source=INTAKE,
        lines=[line_to_dict(line) for line in assessment.lines], unknown=list(assessment.unknown),
        quantities=quantities.to_dict(), exemption=exemption, reason="", assessed_at=at,
        assessed_by=by, assessed_by_username=by_username,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        raise FeeAlreadyAssessed(f"Phí, lệ phí của hồ sơ {code} đã được xác định lúc tiếp nhận; không sửa được.") from None


def _rows(session: Session, code: str) -> list[DossierFeeRow]:
    return list(session.scalars(select(DossierFeeRow).where(DossierFeeRow.dossier_code == code)
                                .order_by(DossierFeeRow.pk)))


def assessment_of(session: Session, code: str) -> FeeAssessment:
    """Everything dossier `code` was assessed, exemptions (0 đồng, with their reasons) included.

    A dossier received before fees were assessed has no row: its procedure's catalog items count once,
    as before. An agency's request (status 6) names what is owed, so it settles the intake's unknowns.
    """
    rows = _rows(session, code)
    if not rows:
        row = get_row(session, code)
        if row is None:
            raise DossierNotFound(code)
        procedure = get_procedure(session, row.procedure_code)
        if procedure is None or row.status == int(Status.REFUSED):
            return FeeAssessment()
        return assess(procedure)
    lines = tuple(line_from_dict(line) for row in rows for line in row.lines)
    requested = any(row.source == REQUEST for row in rows)
    unknown = () if requested else tuple(name for row in rows for name in row.unknown)
    return FeeAssessment(lines, unknown)


def _paid(session: Session, code: str) -> dict[tuple[str, str], int]:
    """Amounts issued (not cancelled) receipts of `code` cover, by (item name, kind)."""
    paid: dict[tuple[str, str], int] = defaultdict(int)
    items = session.scalars(select(ReceiptRow.items).where(ReceiptRow.dossier_code == code,
                                                           ReceiptRow.status == "issued"))
    for receipt_items in items:
        for item in receipt_items or ():
            paid[(str(item.get("name", "")), str(item.get("kind", "")))] += int(item.get("amount_vnd") or 0)
    return paid


def fees_due(session: Session, code: str) -> FeeAssessment:
    """The lines dossier `code` still owes, inside the caller's transaction: assessed lines (0-đồng ones
    left out) minus what issued receipts cover, matched by item name and kind; unknowns stay named."""
    return fee_balance(session, code).due


class FeeBalance(NamedTuple):
    """What a dossier still owes, and what its issued receipts cover beyond its assessment: 0 normally (a
    receipt only collects what is due); more only when the assessment changed after a receipt was issued, a
    supervisor's decision on a sync conflict having taken other fees (storage/conflict_notices
    .take_decided_intake_fees). The remedy is the receipts' own: cancel the receipt (a supervisor signs), give
    the money back, collect again."""

    due: FeeAssessment
    overpaid_vnd: int


def fee_balance(session: Session, code: str) -> FeeBalance:
    """(what is still owed, what receipts cover beyond the assessment), matched line by line."""
    assessed = assessment_of(session, code)
    paid = _paid(session, code)
    due: list[FeeLine] = []
    for line in assessed.lines:
        key = (line.name, line.kind.value)
        covered = min(paid.get(key, 0), line.amount_vnd)
        paid[key] = paid.get(key, 0) - covered
        left = line.amount_vnd - covered
        if left > 0:
            note = line.note if covered == 0 else f"{line.note}; đã thu {format_dong(covered)}"
            due.append(FeeLine(line.name, line.kind, left, line.quantity, line.unit, note.lstrip("; ")))
    return FeeBalance(FeeAssessment(tuple(due), assessed.unknown), sum(amount for amount in paid.values() if amount > 0))


def _checked_lines(lines: Sequence[FeeLine]) -> list[FeeLine]:
    from counter_app.domain.payloads_money import MAX_FEE_LINE_VND, MAX_FEE_LINES

    if not lines:
        raise FeeInputError("Yêu cầu nộp phí phải có ít nhất một khoản (tên, loại, số tiền).")
    if len(lines) > MAX_FEE_LINES:
        raise FeeInputError(f"Một yêu cầu nộp phí có tối đa {MAX_FEE_LINES} khoản.")
    checked = []
    for line in lines:
        name = " ".join(nfc(line.name).split())
        if not name or len(name) > 1000:
            raise FeeInputError("Tên khoản phí, lệ phí không được để trống và không quá 1000 ký tự.")
        if not isinstance(line.amount_vnd, int) or not 0 < line.amount_vnd <= MAX_FEE_LINE_VND:
            raise FeeInputError(f"Số tiền của «{name}» phải là số đồng nguyên dương, không quá "
                                f"{format_dong(MAX_FEE_LINE_VND)}.")
        checked.append(FeeLine(name, FeeKind(line.kind), line.amount_vnd, line.quantity, nfc(line.unit),
                               nfc(line.note)))
    return checked


def request_fee(
    db: Database, code: str, lines: Sequence[FeeLine], reason: str, *, by: str = "", actor: str = "",
    at: datetime | None = None, now: datetime | None = None,
) -> FeeAssessment:
    """The agency set a fee later: dossier `code` moves 4→6 ("chờ thực hiện nghĩa vụ tài chính") with
    these lines stored, in one transaction; the status change and the "fee.request" are queued in that
    order. Returns what the dossier now owes. Collecting (services.receipts) moves it back 6→4."""
    now = now or utc_now()
    checked = _checked_lines(lines)
    reason = " ".join(nfc(reason).split())
    if not reason or len(reason) > MAX_REASON_LENGTH:
        raise FeeInputError(f"Lý do yêu cầu nộp phí không được để trống và không quá {MAX_REASON_LENGTH} ký tự.")
    with db.write() as session:
        dossier = transition_in(session, code, Status.AWAITING_PAYMENT, reason=reason, at=at, by=by, actor=actor,
                                now=now)
        moment = dossier.history[-1].at
        profile = get_profile(session)
        name, username = actor_of(session, by, nfc(actor) or (profile.clerk_name if profile else ""))
        owed = fees_due(session, dossier.code)
        row = DossierFeeRow(
            id=str(uuid.uuid4()), dossier_code=dossier.code, source=REQUEST,
            lines=[line_to_dict(line) for line in checked], unknown=[], quantities=None, exemption="",
            reason=reason, assessed_at=moment, assessed_by=name, assessed_by_username=username,
        )
        session.add(row)
        session.flush()
        assessment = FeeAssessment(tuple(checked))
        append_operation(
            session, entity="dossier", entity_id=dossier.id, op_type=OpType.FEE_REQUEST,
            payload={"id": row.id, "code": dossier.code, "at": iso_instant(moment), "actor": name, "reason": reason,
                     "lines": row.lines, "fee_vnd": assessment.fee_vnd, "charge_vnd": assessment.charge_vnd},
            now=now, actor=username,
            audit_before={"fee_vnd": owed.fee_vnd, "charge_vnd": owed.charge_vnd, "unknown": list(owed.unknown)},
        )
        return fees_due(session, dossier.code)


def settle_if_paid(session: Session, code: str, by: str, now: datetime) -> bool:
    """Inside the collecting transaction: a dossier waiting for its fee (6) that owes nothing more goes
    back to processing (4). True when it moved. Unknown amounts keep it waiting."""
    row = get_row(session, code)
    if row is None:
        raise DossierNotFound(code)
    if row.status != int(Status.AWAITING_PAYMENT):
        return False
    due = fees_due(session, code)
    if due.total_vnd > 0 or due.unknown:
        return False
    transition_in(session, code, Status.PROCESSING, reason=SETTLED_NOTE, by=by, now=now)
    return True


def assess_dossier(
    db: Database, code: str, quantities: dict[str, int] | None = None, exemption: str = ""
) -> FeeAssessment:
    """`fee assess`: without counts or exemption, what dossier `code` was assessed; with them, what its
    procedure would come to for those counts (a preview: an assessment kept at intake is never changed)."""
    with db.read() as session:
        row = get_row(session, code)
        if row is None:
            raise DossierNotFound(code)
        if quantities is None and not exemption:
            return assessment_of(session, row.code)
        procedure = get_procedure(session, row.procedure_code)
        if procedure is None:
            raise DomainError(f"Danh mục của quầy không còn thủ tục {row.procedure_code}; không tính được phí.")
        return assess_at_intake(procedure, quantities, exemption)[0]

"""The desk's worklists (F5): what needs doing today, read from statuses and due dates.

Each list is one indexed query (`ix_dossier_status_due_at`), oldest due date first, capped at `limit` rows
with the true total beside it, so a counter with years of dossiers still answers at once. Lists do not
overlap: a dossier due later today is "due today"; once its due time has passed it is "overdue".
Overdue is derived, never stored (domain.md §3.1): the clock runs in the statuses outside
`CLOCK_STOPPED`, the same rule as `Dossier.is_overdue`.

The two shipment lists (not yet delivered; returned to sender) read the newest return of each dossier
with the rule of services/returns (`with_latest_shipment_in`).

"Fees due" (issue 10) is every dossier in status 6 (the agency asks for a financial obligation) plus every
open dossier that still owes something by `services.fees.fees_due`. Asking fees_due of every dossier would
cost two queries each, so SQL first narrows to candidates (`_fee_candidates`): open dossiers with an
assessment that owes something (or, received before assessments were kept, of a procedure with a fee
item) and no issued receipt yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum

from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.orm import Session

from counter_app.domain.codes import office_day
from counter_app.domain.dossier import CLOCK_STOPPED, OFFICE_TZ, Dossier
from counter_app.domain.lifecycle import Status
from counter_app.services.clock import utc_now
from counter_app.services.returns import RETURNED_STATES, UNDELIVERED_STATES, with_latest_shipment_in
from counter_app.storage.database import Database
from counter_app.storage.dossiers import row_to_dossier
from counter_app.storage.models import DossierFeeRow, DossierRow, ProcedureRow, ReceiptRow

DEFAULT_LIMIT = 200
# The statuses in which the processing clock runs, so a dossier can fall due or late.
CLOCK_RUNNING = frozenset(Status) - CLOCK_STOPPED
# Where a fee may still be collected at the desk: received, with the agency, waiting for papers or for
# payment, or with its result ready to hand over (not refused, withdrawn, stopped or already returned).
FEE_OPEN = frozenset({Status.RECEIVED, Status.PROCESSING, Status.SUPPLEMENT_REQUESTED, Status.AWAITING_PAYMENT,
                      Status.RESULT_READY})


class WorklistKind(StrEnum):
    DUE_TODAY = "due_today"
    OVERDUE = "overdue"
    WAITING_FOR_PAPERS = "waiting_for_papers"
    READY_TO_RETURN = "ready_to_return"
    SHIPMENTS_NOT_DELIVERED = "shipments_not_delivered"
    RETURNED_ITEMS = "returned_items"
    FEES_DUE = "fees_due"

    @property
    def label(self) -> str:
        return WORKLIST_LABELS[self]


WORKLIST_LABELS = {
    WorklistKind.DUE_TODAY: "Đến hạn hôm nay",
    WorklistKind.OVERDUE: "Quá hạn",
    WorklistKind.WAITING_FOR_PAPERS: "Chờ bổ sung giấy tờ",
    WorklistKind.READY_TO_RETURN: "Có kết quả, chờ trả",
    WorklistKind.SHIPMENTS_NOT_DELIVERED: "Bưu gửi chưa phát",
    WorklistKind.RETURNED_ITEMS: "Bưu gửi bị hoàn",
    WorklistKind.FEES_DUE: "Chờ nộp phí, lệ phí",
}


@dataclass(frozen=True)
class Worklist:
    kind: WorklistKind
    dossiers: list[Dossier]
    total: int  # may exceed len(dossiers) when the list is capped

    @property
    def capped(self) -> bool:
        return self.total > len(self.dossiers)


def _end_of_office_day(now: datetime) -> datetime:
    day = office_day(now)
    return datetime.combine(day + timedelta(days=1), time(0), OFFICE_TZ)


def _statement(kind: WorklistKind, now: datetime) -> Select:
    """The rows of one list."""
    query = select(DossierRow)
    if kind is WorklistKind.DUE_TODAY:
        return query.where(DossierRow.status.in_(CLOCK_RUNNING), DossierRow.due_at >= now,
                           DossierRow.due_at < _end_of_office_day(now))
    if kind is WorklistKind.OVERDUE:
        return query.where(DossierRow.status.in_(CLOCK_RUNNING), DossierRow.due_at < now)
    if kind is WorklistKind.WAITING_FOR_PAPERS:
        return query.where(DossierRow.status == Status.SUPPLEMENT_REQUESTED)
    if kind is WorklistKind.READY_TO_RETURN:
        return query.where(DossierRow.status == Status.RESULT_READY)
    if kind is WorklistKind.SHIPMENTS_NOT_DELIVERED:
        return with_latest_shipment_in(query, UNDELIVERED_STATES)
    return with_latest_shipment_in(query, RETURNED_STATES)


def _fee_candidates(session: Session) -> Select:
    """Status 6, or an open dossier that owes something and that no issued receipt covers yet.

    "Owes something": an assessment kept at intake with a line (or an unknown amount), or, for a dossier
    received before assessments were kept, a procedure with a fee item (services.fees.fees_due falls back
    to the catalog for those). The procedure table is small: its fee items are read once in Python.
    """
    with_fees = [code for code, fees in session.execute(select(ProcedureRow.code, ProcedureRow.fees)) if fees]
    paid = exists().where(ReceiptRow.dossier_code == DossierRow.code, ReceiptRow.status == "issued")
    assessed = exists().where(DossierFeeRow.dossier_code == DossierRow.code)
    owes = exists().where(DossierFeeRow.dossier_code == DossierRow.code,
                          or_(DossierFeeRow.lines != [], DossierFeeRow.unknown != []))
    return select(DossierRow).where(or_(
        DossierRow.status == Status.AWAITING_PAYMENT,
        DossierRow.status.in_(FEE_OPEN) & ~paid & or_(owes, ~assessed & DossierRow.procedure_code.in_(with_fees)),
    ))


def _load_fees_due(session: Session, limit: int) -> Worklist:
    """Candidates in due-date order, kept when in status 6 or when `fees_due` says they owe something."""
    from counter_app.services.fees import fees_due

    rows = session.scalars(_fee_candidates(session).order_by(DossierRow.due_at, DossierRow.pk)).all()
    owing = [row for row in rows if row.status == Status.AWAITING_PAYMENT or fees_due(session, row.code).total_vnd > 0]
    return Worklist(WorklistKind.FEES_DUE, [row_to_dossier(row) for row in owing[:limit]], len(owing))


def _load(session: Session, kind: WorklistKind, now: datetime, limit: int) -> Worklist:
    if kind is WorklistKind.FEES_DUE:
        return _load_fees_due(session, limit)
    statement = _statement(kind, now)
    rows = session.scalars(statement.order_by(DossierRow.due_at, DossierRow.pk).limit(limit)).all()
    total = len(rows)
    if total == limit:
        total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    return Worklist(kind, [row_to_dossier(row) for row in rows], total)


def worklist(db: Database, kind: WorklistKind, *, now: datetime | None = None, limit: int = DEFAULT_LIMIT) -> Worklist:
    """One list, as of `now`."""
    now = now or utc_now()
    with db.read() as session:
        return _load(session, kind, now, max(1, limit))


def all_worklists(db: Database, *, now: datetime | None = None,
                  limit: int = DEFAULT_LIMIT) -> dict[WorklistKind, Worklist]:
    """Every list as of one `now` (so the lists agree on what "late" means), in one read transaction."""
    now = now or utc_now()
    with db.read() as session:
        return {kind: _load(session, kind, now, max(1, limit)) for kind in WorklistKind}

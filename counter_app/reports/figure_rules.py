"""THE RULES of `reports.figures` as dialect-neutral SQLAlchemy Core over `ReportSources`: `FigureRules`.

Each figure is defined once, by `FigureRules.members(key)`: the SELECT of the rows it counts (code, unit_code,
desk_slot, at, amount, detail). The report sums `amount` of those rows per desk; the drill-down
(`queries.dossiers_behind`) lists the very same rows, so a figure can never disagree with its list. Finished
(early / on time / late) and pending (overdue or not) are families: one SELECT each, read once per report
and told apart by `detail` (FAMILIES).

Periods are filtered on the indexed UTC columns with `Period.instants()`; `office_date` is used only where
two instants are compared by office day (finished vs due) or where rows are grouped per day (the charts).
"Pending at the end" starts from the currently open dossiers plus those closed after the end, so a
recent period never scans the whole history. The reports built from these rows are in `queries` (daily,
KPI, drill-down) and `register` (Mẫu 06).
"""

from __future__ import annotations

from datetime import date, datetime, time
from functools import cached_property
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Connection,
    Select,
    and_,
    case,
    func,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from counter_app.domain.dossier import OFFICE_TZ
from counter_app.domain.lifecycle import Status
from counter_app.reports.model import Period, Scope
from counter_app.reports.office_date import office_date
from counter_app.reports.plan_hints import not_indexed
from counter_app.reports.sources import ReportSources

Conn = Connection | Session

CLOSING = (Status.REFUSED, Status.WITHDRAWN, Status.STOPPED, Status.RESULT_READY, Status.RETURNED)
OPEN = tuple(status for status in Status if status not in CLOSING)
FINISHING = (Status.RESULT_READY, Status.RETURNED)
WAITING_FOR_CITIZEN = (Status.SUPPLEMENT_REQUESTED, Status.AWAITING_PAYMENT)
CHANNELS = {"received_direct": 1, "received_online": 2, "received_postal": 3}
FEE_COLUMNS = {
    "fee_cash": ("fee_vnd", "cash"), "fee_transfer": ("fee_vnd", "transfer"),
    "charge_cash": ("charge_vnd", "cash"), "charge_transfer": ("charge_vnd", "transfer"),
}

OVERDUE = "overdue"
RETURN_DETAIL = {"desk": "Trả tại quầy", "post": "Trả qua bưu chính"}
# Figures that share one SELECT (computed once per report), told apart by its `detail` (None: all rows).
FAMILIES: dict[str, tuple[str, str | None]] = {
    "finished_early": ("finished", "early"), "finished_on_time": ("finished", "on_time"),
    "finished_late": ("finished", "late"), "finished_total": ("finished", None),
    "pending": ("pending", None), "overdue": ("pending", OVERDUE), "pending_overdue": ("pending", OVERDUE),
    "pending_in_time": ("pending", ""),
    "returned_desk": ("returned", RETURN_DETAIL["desk"]), "returned_post": ("returned", RETURN_DETAIL["post"]),
    "returned_total": ("returned", None),
}


class UnknownFigure(ValueError):
    """A key that is no figure, or a figure whose rows are not dossiers (closes, not synced)."""


def _office_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=OFFICE_TZ)


class FigureRules:
    """THE RULES (figures.py) as SELECTs, for one period and scope."""

    def __init__(self, sources: ReportSources, period: Period, scope: Scope, *, hash_joins: bool = False) -> None:
        self.s, self.period, self.scope = sources, period, scope
        self.first, self.after = period.instants()
        self.hash_joins = hash_joins  # see `legal_due`

    @classmethod
    def on(cls, conn: Conn, sources: ReportSources, period: Period, scope: Scope) -> FigureRules:
        """The rules planned for `conn`'s database: hash joins where it plans them (PostgreSQL, see `legal_due`)."""
        bind = conn.get_bind() if isinstance(conn, Session) else conn
        return cls(sources, period, scope, hash_joins=bind.dialect.name != "sqlite")

    # -- helpers --------------------------------------------------------------------------------------
    def _during(self, column: ColumnElement[Any]) -> ColumnElement[bool]:
        return and_(column >= self.first, column < self.after)

    def _in_scope(self, table: Any) -> list[ColumnElement[bool]]:
        conditions = []
        if self.scope.unit_code is not None:
            conditions.append(table.c.unit_code == self.scope.unit_code)
        if self.scope.desk_slot is not None:
            conditions.append(table.c.desk_slot == self.scope.desk_slot)
        return conditions

    def _step_history(self) -> Any:
        """The steps without their desk (the dossier's, read from `dossiers` where needed)."""
        return self.s.step_history if self.s.step_history is not None else self.s.steps

    def _rows(self, table: Any, code: Any, at: Any, amount: Any = None, detail: Any = None) -> Select:
        return select(
            code.label("code"), table.c.unit_code.label("unit_code"), table.c.desk_slot.label("desk_slot"),
            at.label("at"), (literal(1) if amount is None else amount).label("amount"),
            (literal("") if detail is None else detail).label("detail"),
        ).where(*self._in_scope(table))

    @cached_property
    def first_apologies(self) -> Any:
        """(key, previous_due_at) of each dossier's first apology, read in one pass over the apologies (one
        object per report, so the parts of one statement join the same)."""
        a = self.s.apology_history if self.s.apology_history is not None else self.s.apologies
        numbered = select(a.c.key, a.c.previous_due_at,
                          func.row_number().over(partition_by=a.c.key, order_by=a.c.at).label("nth")).subquery()
        return select(numbered.c.key, numbered.c.previous_due_at).where(numbered.c.nth == 1).subquery("first_apology")

    def legal_due(self, joined: Any, dossiers: Any) -> tuple[Any, ColumnElement[Any]]:
        """The due date the law set: before the first apology moved it, else the current one; with `joined`
        (a FROM over `dossiers`) joined to what it reads.

        Two plans of the same rule: on SQLite (a counter's thousands of dossiers a report) a lookup per
        dossier in apology (dossier, at) is cheapest; PostgreSQL (`hash_joins`: a province's month is a
        million finished dossiers) ran that lookup twice per row, so there all apologies are read once and
        hash-joined."""
        if self.hash_joins:
            first = self.first_apologies
            return joined.outerjoin(first, first.c.key == dossiers.c.key), func.coalesce(
                first.c.previous_due_at, dossiers.c.due_at)
        a = self.s.apology_history if self.s.apology_history is not None else self.s.apologies
        first_apology = (select(a.c.previous_due_at).where(a.c.key == dossiers.c.key)
                         .order_by(a.c.at).limit(1).scalar_subquery())
        return joined, func.coalesce(first_apology, dossiers.c.due_at)

    # -- figures --------------------------------------------------------------------------------------
    def received(self, channel: int | None = None, *, back_dated: bool = False) -> Select:
        d = self.s.dossiers
        query = self._rows(d, d.c.code, d.c.received_at).where(self._during(d.c.received_at))
        if channel is not None:
            query = query.where(d.c.channel == channel)
        if back_dated:
            query = query.where(d.c.back_dated.is_(True))
        return query

    def steps_into(self, to_status: Status, from_status: Status | None = None) -> Select:
        st = self.s.steps
        query = self._rows(st, st.c.code, st.c.at).where(st.c.to_status == int(to_status), self._during(st.c.at))
        return query if from_status is None else query.where(st.c.from_status == int(from_status))

    def finished(self) -> Select:
        """First step into 9 (or into 10 when 9 was skipped) in the period, judged by office date in
        `detail`: "early", "on_time" or "late". The first such step is the one that comes from outside 9
        and 10: the lifecycle leads from 9 only to 10 and from 10 nowhere."""
        st, d = self._step_history(), self.s.dossiers
        finishing = [int(s) for s in FINISHING]
        joined, due = self.legal_due(st.join(d, d.c.key == st.c.key), d)
        finished_day, due_day = office_date(st.c.at), office_date(due)
        judged = case((finished_day < due_day, "early"), (finished_day == due_day, "on_time"), else_="late")
        return self._rows(d, d.c.code, st.c.at, detail=judged).select_from(joined).where(
            st.c.to_status.in_(finishing), self._during(st.c.at), func.coalesce(st.c.from_status, 0).not_in(finishing))

    def returned(self) -> Select:
        """Results returned in the period, told apart by `detail` (RETURN_DETAIL: at the desk or by post)."""
        r = self.s.returns
        return self._rows(r, r.c.code, r.c.returned_at, detail=case(
            (r.c.method == "post", RETURN_DETAIL["post"]), else_=RETURN_DETAIL["desk"])).where(
            self._during(r.c.returned_at))

    def pending(self, boundary: datetime, due_before: datetime | None = None) -> CompoundSelect:
        """Received before `boundary` with no closing step before it.

        Two parts that never overlap: the dossiers open now (an open status had no closing step ever:
        3, 7, 8 and 10 are final and 9 leads only to 10), and those whose first closing step (the one from
        an open status) is at or after `boundary` (few for a recent boundary). With `due_before` (an office
        day's start), `detail` says "overdue" for those not waiting for the citizen (their last step, by
        (at, seq), not into 5 or 6) whose legal due date falls before it, else ""."""
        d, st = self.s.dossiers, self._step_history()
        closing = [int(s) for s in CLOSING]
        open_from, closed_from, detail = d, d.join(st, st.c.key == d.c.key), None
        if due_before is not None:
            before = self._step_history().alias("step_before")
            last_step = (select(before.c.to_status).where(before.c.key == d.c.key, before.c.at < boundary)
                         .order_by(before.c.at.desc(), before.c.seq.desc()).limit(1).scalar_subquery())
            waiting = func.coalesce(last_step, 0).in_([int(s) for s in WAITING_FOR_CITIZEN])
            open_from, due = self.legal_due(open_from, d)
            closed_from, due = self.legal_due(closed_from, d)  # the same columns (`first_apologies` is cached)
            detail = case((and_(~waiting, due < due_before), OVERDUE), else_="")
        received_before = not_indexed(d.c.received_at) < boundary  # the whole history: never the plan's driver
        open_now = self._rows(d, d.c.code, d.c.received_at, detail=detail).select_from(open_from).where(
            d.c.status.in_([int(s) for s in OPEN]), received_before)
        closed_after = self._rows(d, d.c.code, d.c.received_at, detail=detail).select_from(closed_from).where(
            st.c.to_status.in_(closing), st.c.at >= boundary, received_before,
            func.coalesce(st.c.from_status, 0).not_in(closing))
        return union_all(open_now, closed_after)

    def pending_at_end(self) -> CompoundSelect:
        return self.pending(self.after, _office_start(self.period.end))

    def family(self, name: str) -> Select | CompoundSelect:
        """The rows several figures share, told apart by `detail` (see FAMILIES)."""
        if name == "returned":
            return self.returned()
        return self.finished() if name == "finished" else self.pending_at_end()

    def receipts(self, amount_column: str | None, *, method: str | None = None) -> Select:
        """Receipts of the period still issued; `amount_column` None counts them instead of adding money."""
        rc = self.s.receipts
        amount = None if amount_column is None else rc.c[amount_column]
        query = self._rows(rc, rc.c.code, null(), amount=amount, detail=literal("Biên lai ") + rc.c.number).where(
            rc.c.day >= self.period.start, rc.c.day <= self.period.end, rc.c.status == "issued")
        if method is not None:
            query = query.where(rc.c.method == method, rc.c[amount_column] > 0)
        return query

    def members(self, key: str) -> Select | CompoundSelect:
        """The rows figure `key` counts (its value is the sum of their `amount`)."""
        s = self.s
        if key in CHANNELS:
            return self.received(CHANNELS[key])
        if key == "received_total":
            return self.received()
        if key == "back_dated":
            return self.received(back_dated=True)
        if key == "guided":
            g = s.guidance
            return self._rows(g, g.c.reference, g.c.at, detail=literal("Hướng dẫn (Mẫu 02)")).where(
                self._during(g.c.at))
        if key == "refused":
            return self.steps_into(Status.REFUSED)
        if key == "assisted":
            a = s.assisted
            return self._rows(a, a.c.id, a.c.at, detail=literal("Hỗ trợ nộp trực tuyến")).where(self._during(a.c.at))
        if key == "supplements_requested":
            return self.steps_into(Status.SUPPLEMENT_REQUESTED)
        if key == "supplements_supplied":
            return self.steps_into(Status.PROCESSING, Status.SUPPLEMENT_REQUESTED)
        if key == "apologies":
            ap = s.apologies
            return self._rows(ap, ap.c.code, ap.c.at, detail=literal("Thư xin lỗi (Mẫu 04)")).where(
                self._during(ap.c.at))
        if key in FAMILIES:
            name, detail = FAMILIES[key]
            rows = self.family(name).subquery()
            return select(rows).where(rows.c.detail == detail) if detail is not None else select(rows)
        if key == "carried_over":
            return self.pending(self.first)
        if key in FEE_COLUMNS:
            column, method = FEE_COLUMNS[key]
            return self.receipts(column, method=method)
        if key == "collected_total":
            return self.receipts("total_vnd")
        if key == "receipts_issued":
            return self.receipts(None)
        if key == "receipts_cancelled":
            rc = s.receipts
            return self._rows(rc, rc.c.code, rc.c.cancelled_at, detail=literal("Biên lai ") + rc.c.number).where(
                rc.c.status == "cancelled", self._during(rc.c.cancelled_at))
        if key in ("closes", "close_difference"):
            cl = s.closes
            amount = cl.c.difference if key == "close_difference" else None
            return self._rows(cl, literal(""), null(), amount=amount).where(
                cl.c.day >= self.period.start, cl.c.day <= self.period.end)
        if key == "digitised":
            d, sc = s.dossiers, (s.scan_history if s.scan_history is not None else s.scans)
            return self.received().where(select(sc.c.code).where(sc.c.code == d.c.code).exists())
        if key == "synced":
            d, ss = s.dossiers, s.sync_state
            return self.received().where(
                select(ss.c.key).where(ss.c.key == d.c.key, ss.c.synced.is_(True)).exists())
        raise UnknownFigure(key)


"""The report queries: THE RULES of `reports.figures` as dialect-neutral SQLAlchemy Core over `ReportSources`.

Each figure is defined once, by `_Rules.members(key)`: the SELECT of the rows it counts (code, unit_code,
desk_slot, at, amount, detail). The report sums `amount` of those rows per desk; the drill-down
(`dossiers_behind`) lists the very same rows, so a figure can never disagree with its list. Finished
(early / on time / late) and pending (overdue or not) are families: one SELECT each, read once per report
and told apart by `detail` (FAMILIES).

Periods are filtered on the indexed UTC columns with `Period.instants()`; `office_date` is used only where
two instants are compared by office day (finished vs due) or where rows are grouped per day (the charts).
"Pending at the end" starts from the currently open dossiers plus those closed after the end, so a
recent period never scans the whole history.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, time
from functools import cached_property
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Connection,
    Select,
    String,
    and_,
    case,
    func,
    literal,
    null,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import Session

from counter_app.domain.dossier import OFFICE_TZ
from counter_app.domain.errors import DomainError
from counter_app.domain.formats import office_date as office_date_text
from counter_app.domain.lifecycle import Status
from counter_app.reports.figures import DAILY_FIGURES, FIGURES_BY_KEY, KPI_COUNTS, KPI_INDICATORS
from counter_app.reports.model import (
    DailyReport,
    DayCloseLine,
    DossierLine,
    Indicator,
    KpiReport,
    KpiRow,
    Period,
    Progress,
    Register,
    RegisterRow,
    ReportRow,
    Scope,
)
from counter_app.reports.office_date import office_date
from counter_app.reports.plan_hints import not_indexed
from counter_app.reports.sources import ReportSources

Conn = Connection | Session
Desk = tuple[str, int]

CLOSING = (Status.REFUSED, Status.WITHDRAWN, Status.STOPPED, Status.RESULT_READY, Status.RETURNED)
OPEN = tuple(status for status in Status if status not in CLOSING)
FINISHING = (Status.RESULT_READY, Status.RETURNED)
WAITING_FOR_CITIZEN = (Status.SUPPLEMENT_REQUESTED, Status.AWAITING_PAYMENT)
CHANNELS = {"received_direct": 1, "received_online": 2, "received_postal": 3}
FEE_COLUMNS = {
    "fee_cash": ("fee_vnd", "cash"), "fee_transfer": ("fee_vnd", "transfer"),
    "charge_cash": ("charge_vnd", "cash"), "charge_transfer": ("charge_vnd", "transfer"),
}
# Figures of the KPI that are not daily figures (the drill-down opens them with the same function).
KPI_ONLY = ("carried_over", "finished_total", "pending_in_time", "pending_overdue", "returned_total", "synced")
RECORD_STATUS = 0  # DossierLine.status of a guidance or assisted-filing record (no dossier)

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
FINISH_DETAIL = {"early": "Trước hạn", "on_time": "Đúng hạn", "late": "Quá hạn", OVERDUE: "Quá hạn"}


MAX_PERIOD_DAYS = 366  # the longest period a report covers (a year, leap day included)


class UnknownFigure(ValueError):
    """A key that is no figure, or a figure whose rows are not dossiers (closes, not synced)."""


class PeriodTooLong(DomainError):
    def __init__(self, period: Period) -> None:
        days = (period.end - period.start).days + 1
        super().__init__(f"Kỳ báo cáo từ {office_date_text(period.start)} đến {office_date_text(period.end)} dài "
                         f"{days} ngày; mỗi báo cáo tối đa {MAX_PERIOD_DAYS} ngày. Hãy chọn kỳ ngắn hơn.")


def check_period(period: Period) -> Period:
    """`period`, or `PeriodTooLong` (the CLI, the screen and the server refuse longer ones the same way)."""
    if (period.end - period.start).days + 1 > MAX_PERIOD_DAYS:
        raise PeriodTooLong(period)
    return period


def _office_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=OFFICE_TZ)


class _Rules:
    """THE RULES (figures.py) as SELECTs, for one period and scope."""

    def __init__(self, sources: ReportSources, period: Period, scope: Scope, *, hash_joins: bool = False) -> None:
        self.s, self.period, self.scope = sources, period, scope
        self.first, self.after = period.instants()
        self.hash_joins = hash_joins  # see `legal_due`

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


def _hash_joins(conn: Conn) -> bool:
    """Whether the database plans hash joins (PostgreSQL), which `_Rules.legal_due` prefers there."""
    bind = conn.get_bind() if isinstance(conn, Session) else conn
    return bind.dialect.name != "sqlite"


# -- totals --------------------------------------------------------------------------------------------

def _sums(conn: Conn, members: Select | CompoundSelect) -> dict[Desk, int]:
    m = members.subquery()
    rows = conn.execute(select(m.c.unit_code, m.c.desk_slot, func.coalesce(func.sum(m.c.amount), 0))
                        .group_by(m.c.unit_code, m.c.desk_slot))
    return {(unit or "", int(desk or 0)): int(total) for unit, desk, total in rows}


def _family_sums(conn: Conn, rows: Select | CompoundSelect) -> dict[tuple[Desk, str], int]:
    m = rows.subquery()
    result = conn.execute(select(m.c.unit_code, m.c.desk_slot, m.c.detail, func.coalesce(func.sum(m.c.amount), 0))
                          .group_by(m.c.unit_code, m.c.desk_slot, m.c.detail))
    return {((unit or "", int(desk or 0)), detail): int(total) for unit, desk, detail, total in result}


def _collect(conn: Conn, rules: _Rules, keys: Iterable[str], progress: Progress, done: int, total: int,
             families: dict[str, dict[tuple[Desk, str], int]] | None = None) -> tuple[dict[Desk, dict[str, int]], int]:
    """Every figure of `keys` per desk: one query per figure, one per family of figures (`families`: those
    the caller has already read)."""
    per_desk: dict[Desk, dict[str, int]] = defaultdict(dict)
    families = dict(families or {})
    for key in keys:
        progress.report(done, total)
        if key in FAMILIES:
            name, detail = FAMILIES[key]
            if name not in families:
                families[name] = _family_sums(conn, rules.family(name))
            for (desk, found), value in families[name].items():
                if detail is None or found == detail:
                    per_desk[desk][key] = per_desk[desk].get(key, 0) + value
        else:
            for desk, value in _sums(conn, rules.members(key)).items():
                per_desk[desk][key] = value
        done += 1
    return per_desk, done


def _add(rows: Iterable[dict[str, int]], keys: Iterable[str]) -> dict[str, int]:
    rows = list(rows)
    return {key: sum(row.get(key, 0) for row in rows) for key in keys}


def _not_synced(conn: Conn, sources: ReportSources, scope: Scope) -> dict[Desk, int]:
    desk = sources.local_desk
    if desk is None:
        return {}
    if (scope.unit_code not in (None, desk[0])) or (scope.desk_slot not in (None, desk[1])):
        return {}
    count = int(conn.execute(select(sources.not_synced)).scalar() or 0)
    return {desk: count} if count else {}


def _title(sources: ReportSources, units: Iterable[str]) -> str:
    return ", ".join(sources.unit_names.get(unit, unit) for unit in units)


def build_daily(conn: Conn, sources: ReportSources, period: Period, scope: Scope, *, now: datetime,
                progress: Progress | None = None) -> DailyReport:
    """The daily report of `period` (one day or a range): every desk with anything, its units and the total."""
    progress = progress or Progress()
    rules = _Rules(sources, period, scope, hash_joins=_hash_joins(conn))
    keys = [f.key for f in DAILY_FIGURES if f.key != "not_synced"]
    total_steps = len(keys) + 3
    per_desk, done = _collect(conn, rules, keys, progress, 0, total_steps)
    for desk, count in _not_synced(conn, sources, scope).items():
        per_desk[desk]["not_synced"] = count
    all_keys = [f.key for f in DAILY_FIGURES]
    desks = [ReportRow(unit, slot, _add([per_desk[(unit, slot)]], all_keys), sources.unit_names.get(unit, ""))
             for unit, slot in sorted(per_desk)]
    unit_codes = sorted({row.unit_code or "" for row in desks})
    units = [ReportRow(unit, None, _add((r.values for r in desks if r.unit_code == unit), all_keys),
                       sources.unit_names.get(unit, "")) for unit in unit_codes]
    total = ReportRow(None, None, _add((r.values for r in units), all_keys))
    progress.report(done, total_steps)
    chart = _received_per_day(conn, rules)
    progress.report(done + 1, total_steps)
    closes = _closes(conn, rules)
    progress.report(total_steps, total_steps)
    return DailyReport(period, scope, now, desks, units, total, chart, closes, _title(sources, unit_codes))


def _received_per_day(conn: Conn, rules: _Rules) -> dict[date, dict[int, int]]:
    m = rules.received().add_columns(rules.s.dossiers.c.channel).subquery()
    day = office_date(m.c.at)
    chart = {day_: {1: 0, 2: 0, 3: 0} for day_ in rules.period.days()}
    for when, channel, count in conn.execute(select(day, m.c.channel, func.count()).group_by(day, m.c.channel)):
        when = when if isinstance(when, date) else date.fromisoformat(str(when))
        chart.setdefault(when, {1: 0, 2: 0, 3: 0})[int(channel)] = int(count)
    return chart


def _closes(conn: Conn, rules: _Rules) -> list[DayCloseLine]:
    cl = rules.s.closes
    rows = conn.execute(select(cl).where(cl.c.day >= rules.period.start, cl.c.day <= rules.period.end,
                                         *rules._in_scope(cl)).order_by(cl.c.day, cl.c.unit_code, cl.c.desk_slot))
    return [DayCloseLine(r.unit_code, r.desk_slot, r.day, r.clerk, r.expected_cash, r.counted_total, r.difference,
                         r.explanation or "") for r in rows]


# -- drill-down ----------------------------------------------------------------------------------------

def dossiers_behind(conn: Conn, sources: ReportSources, key: str, period: Period, scope: Scope) -> list[DossierLine]:
    """Exactly the rows figure `key` counts (a dossier twice if it counts twice), in time order."""
    figure = FIGURES_BY_KEY.get(key)
    if (figure is None and key not in KPI_ONLY) or (figure is not None and not figure.lists_dossiers):
        raise UnknownFigure(key)
    m = _Rules(sources, period, scope, hash_joins=_hash_joins(conn)).members(key).subquery()
    d = sources.dossiers
    query = (select(m.c.code, m.c.at, m.c.detail, d.c.applicant_name, d.c.procedure_name, d.c.received_at,
                    d.c.due_at, d.c.status)
             .select_from(m.outerjoin(d, d.c.code == m.c.code)).order_by(m.c.at, m.c.code))
    lines = []
    for row in conn.execute(query):
        detail = FINISH_DETAIL.get(row.detail, row.detail) or ""
        if row.received_at is None:  # a record without a dossier: guidance, assisted filing
            lines.append(DossierLine(row.code, "", "", row.at, row.at, RECORD_STATUS, detail))
        else:
            lines.append(DossierLine(row.code, row.applicant_name, row.procedure_name, row.received_at, row.due_at,
                                     int(row.status), detail))
    return lines


# -- KPI -----------------------------------------------------------------------------------------------

def _indicators(counts: dict[str, int]) -> dict[str, Indicator]:
    received = counts["received_total"]
    pairs = {
        "on_time_rate": (counts["finished_early"] + counts["finished_on_time"], counts["finished_total"]),
        "online_share": (counts["received_online"], received),
        "postal_share": (counts["received_postal"], received),
        "digitisation_rate": (counts["digitised"], received),
        "postal_return_share": (counts["returned_post"], counts["returned_total"]),
        "synced_rate": (counts["synced"], received),
        "satisfaction": (0, 0),  # no satisfaction survey is recorded at the counter yet: no rate, never 0 %
    }
    return {f.key: Indicator(f.key, *pairs[f.key]) for f in KPI_INDICATORS}


def build_kpi(conn: Conn, sources: ReportSources, period: Period, scope: Scope, *, now: datetime,
              progress: Progress | None = None) -> KpiReport:
    """The QĐ 766 indicators of `period`, per unit and in total, with the on-time rate per day."""
    progress = progress or Progress()
    rules = _Rules(sources, period, scope, hash_joins=_hash_joins(conn))
    keys = [f.key for f in KPI_COUNTS]
    total_steps = len(keys) + 1
    progress.report(0, total_steps)
    finished_per_day = _finished_per_day(conn, rules)  # the finished family and the chart in one read
    finished: dict[tuple[Desk, str], int] = defaultdict(int)
    for (desk, detail, _day), count in finished_per_day.items():
        finished[(desk, detail)] += count
    per_desk, _done = _collect(conn, rules, keys, progress, 1, total_steps, {"finished": finished})
    per_unit: dict[str, list[dict[str, int]]] = defaultdict(list)
    for (unit, _slot), values in per_desk.items():
        per_unit[unit].append(values)
    units = []
    for unit in sorted(per_unit):
        counts = _add(per_unit[unit], keys)
        units.append(KpiRow(unit, None, _indicators(counts), counts, sources.unit_names.get(unit, "")))
    total_counts = _add((row.counts for row in units), keys)
    total = KpiRow(None, None, _indicators(total_counts), total_counts)
    progress.report(total_steps, total_steps)
    return KpiReport(period, scope, now, units, total, _on_time_per_day(finished_per_day, period),
                     _title(sources, sorted(per_unit)))


def _finished_per_day(conn: Conn, rules: _Rules) -> dict[tuple[Desk, str, date], int]:
    """(desk, early | on_time | late, office day) -> dossiers finished."""
    m = rules.finished().subquery()
    day = office_date(m.c.at)
    found = {}
    query = select(m.c.unit_code, m.c.desk_slot, m.c.detail, day, func.count()).group_by(
        m.c.unit_code, m.c.desk_slot, m.c.detail, day)
    for unit, desk, detail, when, count in conn.execute(query):
        when = when if isinstance(when, date) else date.fromisoformat(str(when))
        found[((unit or "", int(desk or 0)), detail, when)] = int(count)
    return found


def _on_time_per_day(finished: dict[tuple[Desk, str, date], int], period: Period) -> dict[date, Indicator]:
    good: dict[date, int] = defaultdict(int)
    done: dict[date, int] = defaultdict(int)
    for (_desk, detail, when), count in finished.items():
        done[when] += count
        if detail in ("early", "on_time"):
            good[when] += count
    return {when: Indicator("on_time_rate", good[when], done[when]) for when in period.days()}


# -- register (Mẫu 06) ---------------------------------------------------------------------------------

def _register_note(status: int, back_dated: bool, return_method: str | None) -> str:
    notes = []
    if status in (Status.REFUSED, Status.WITHDRAWN, Status.STOPPED):
        notes.append(Status(status).label)
    if back_dated:
        notes.append("Nhập muộn (ghi lùi thời điểm)")
    if return_method == "post":
        notes.append(RETURN_DETAIL["post"])
    return "; ".join(notes)


def _raw(column: Any) -> Any:
    """An instant column read as the driver gives it (SQLite: text), converted by `_instant` only where
    kept: the register reads ~5 instants per dossier and SQLAlchemy's per-value conversion dominated it."""
    return type_coerce(column, String()).label(column.key)


def _plain_rows(conn: Conn, query: Any) -> list[tuple[Any, ...]]:
    """The driver's own tuples, without SQLAlchemy's Row objects: for the register's tens of thousands of rows
    whose columns need no conversion (instants are read `_raw`), building Rows cost as much as the query."""
    connection = conn.connection() if isinstance(conn, Session) else conn  # a Session's answer wraps the cursor
    result = connection.execute(query)
    try:
        return result.cursor.fetchall()
    finally:
        result.close()


def _instant(value: Any) -> datetime | None:
    """An aware UTC datetime from what `_raw` read (text stored as naive UTC, or the driver's datetime)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return datetime.fromisoformat(value + "+00:00")  # one C call (`replace` cost as much as the parse)


def _firsts(conn: Conn, rules: _Rules, table: Any, at: Any, keys: tuple[str, ...], values: tuple[str, ...],
            ) -> dict[tuple[Any, ...], Any]:
    """(key or code, *keys) -> (first instant (raw), *values) of the earliest row of `table` among the
    dossiers received in the period: one pass over the period's dossiers instead of a lookup per cell. The
    dossier is named by `key` when `table` has it (a desk-free history: no join back to `dossier`)."""
    d = rules.s.dossiers
    link = "key" if "key" in table.c else "code"
    query = (select(table.c[link], *(table.c[k] for k in keys), _raw(at), *(table.c[v] for v in values))
             .join(d, d.c[link] == table.c[link])
             .where(rules._during(d.c.received_at), *rules._in_scope(d)))
    found: dict[tuple[Any, ...], Any] = {}
    width = 1 + len(keys)
    for row in _plain_rows(conn, query):  # the earliest kept without a sort: raw instants order as instants
        key, kept = tuple(row[:width]), found.get(tuple(row[:width]))
        if kept is None or row[width] < kept[0]:
            found[key] = tuple(row[width:])
    return found


def build_register(conn: Conn, sources: ReportSources, period: Period, scope: Scope, *, now: datetime,
                   progress: Progress | None = None) -> Register:
    """Sổ theo dõi hồ sơ (Mẫu 06): every dossier received in the period, in order of receipt, with its
    first hand-over to the agency (and to whom), the first result back from it and the first return."""
    progress = progress or Progress()
    rules = _Rules(sources, period, scope, hash_joins=_hash_joins(conn))
    d = sources.dossiers
    h = sources.handover_history if sources.handover_history is not None else sources.handovers
    r = sources.return_history if sources.return_history is not None else sources.returns
    progress.report(0, 3)
    handovers = _firsts(conn, rules, h, h.c.at, ("direction",), ("to_party",))
    progress.report(1, 3)
    returns = _firsts(conn, rules, r, r.c.returned_at, (), ("method",))
    progress.report(2, 3)
    h_link, r_link = ("key" if "key" in t.c else "code" for t in (h, r))
    query = select(
        d.c.code, d.c.procedure_name, d.c.sets_count, d.c.applicant_name, d.c.applicant_address,
        d.c.applicant_phone, _raw(d.c.received_at), _raw(d.c.due_at), d.c.register_book, d.c.register_number,
        d.c.status, d.c.back_dated, d.c.unit_code, d.c.desk_slot, d.c[h_link], d.c[r_link],
    ).where(rules._during(d.c.received_at), *rules._in_scope(d)).order_by(d.c.received_at, d.c.code)
    nothing = (None, None)
    rows = []
    instant = _instant  # a local name: five calls per row
    for number, row in enumerate(_plain_rows(conn, query), start=1):
        (code, procedure_name, sets_count, applicant_name, address, phone, received_at, due_at, book, book_number,
         status, back_dated, unit_code, desk_slot, handed, returned) = row
        sent_at, agency = handovers.get((handed, "to_agency"), nothing)
        back_at, _ = handovers.get((handed, "from_agency"), nothing)
        returned_at, method = returns.get((returned,), nothing)
        rows.append(RegisterRow(
            number, code, procedure_name, int(sets_count or 1), applicant_name, address or "", phone or "",
            agency or "", instant(received_at), instant(due_at), sent_at and instant(sent_at),
            back_at and instant(back_at), returned_at and instant(returned_at), book, book_number, _register_note(status, back_dated, method), unit_code,
            int(desk_slot),
        ))
    progress.report(3, 3)
    return Register(period, scope, now, rows, _title(sources, sorted({row.unit_code for row in rows})))

"""The reports over `FigureRules` (figure_rules.py, THE RULES as SELECTs): the daily report, the QĐ 766
indicators (KPI), the drill-down behind a figure, and the longest period a report may cover.

A report sums `amount` of each figure's rows per desk, one query per figure and one per family of figures
(finished, pending, returned: read once, told apart by `detail`); `dossiers_behind` lists the very same
rows, so a figure can never disagree with its list. Sổ theo dõi hồ sơ (Mẫu 06) is in `register`
(`build_register`, importable from here too: the counter's services and the server call all the reports
through this module).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import CompoundSelect, Select, func, select

from counter_app.domain.errors import DomainError
from counter_app.domain.formats import office_date as office_date_text
from counter_app.reports.figure_rules import FAMILIES, OVERDUE, Conn, FigureRules, UnknownFigure
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
    ReportRow,
    Scope,
)
from counter_app.reports.office_date import office_date
from counter_app.reports.register import build_register
from counter_app.reports.sources import ReportSources

__all__ = ["KPI_ONLY", "MAX_PERIOD_DAYS", "PeriodTooLong", "UnknownFigure", "build_daily", "build_kpi",
           "build_register", "check_period", "dossiers_behind"]

Desk = tuple[str, int]

# Figures of the KPI that are not daily figures (the drill-down opens them with the same function).
KPI_ONLY = ("carried_over", "finished_total", "pending_in_time", "pending_overdue", "returned_total", "synced")
RECORD_STATUS = 0  # DossierLine.status of a guidance or assisted-filing record (no dossier)

FINISH_DETAIL = {"early": "Trước hạn", "on_time": "Đúng hạn", "late": "Quá hạn", OVERDUE: "Quá hạn"}

MAX_PERIOD_DAYS = 366  # the longest period a report covers (a year, leap day included)


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


def _collect(conn: Conn, rules: FigureRules, keys: Iterable[str], progress: Progress, done: int, total: int,
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


def build_daily(conn: Conn, sources: ReportSources, period: Period, scope: Scope, *, now: datetime,
                progress: Progress | None = None) -> DailyReport:
    """The daily report of `period` (one day or a range): every desk with anything, its units and the total."""
    progress = progress or Progress()
    rules = FigureRules.on(conn, sources, period, scope)
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
    return DailyReport(period, scope, now, desks, units, total, chart, closes, sources.title_of(unit_codes))


def _received_per_day(conn: Conn, rules: FigureRules) -> dict[date, dict[int, int]]:
    m = rules.received().add_columns(rules.s.dossiers.c.channel).subquery()
    day = office_date(m.c.at)
    chart = {day_: {1: 0, 2: 0, 3: 0} for day_ in rules.period.days()}
    for when, channel, count in conn.execute(select(day, m.c.channel, func.count()).group_by(day, m.c.channel)):
        when = when if isinstance(when, date) else date.fromisoformat(str(when))
        chart.setdefault(when, {1: 0, 2: 0, 3: 0})[int(channel)] = int(count)
    return chart


def _closes(conn: Conn, rules: FigureRules) -> list[DayCloseLine]:
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
    m = FigureRules.on(conn, sources, period, scope).members(key).subquery()
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
    rules = FigureRules.on(conn, sources, period, scope)
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
                     sources.title_of(sorted(per_unit)))


def _finished_per_day(conn: Conn, rules: FigureRules) -> dict[tuple[Desk, str, date], int]:
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

"""Sổ theo dõi hồ sơ (Mẫu 06): `build_register`, every dossier received in a period with its first hand-overs
and its return.

Unlike the daily report and the KPI (`queries`), the register lists tens of thousands of rows rather than
summing them, so it reads each history once for the whole period (`_firsts`) and takes the driver's own
tuples and raw instants: building SQLAlchemy Rows and converting every instant cost as much as the query.
It filters on the same period and scope as `FigureRules`, so it lists the dossiers the reports count.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import String, select, type_coerce
from sqlalchemy.orm import Session

from counter_app.domain.lifecycle import Status
from counter_app.reports.figure_rules import RETURN_DETAIL, Conn, FigureRules
from counter_app.reports.model import Period, Progress, Register, RegisterRow, Scope
from counter_app.reports.sources import ReportSources


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


def _firsts(conn: Conn, rules: FigureRules, table: Any, at: Any, keys: tuple[str, ...], values: tuple[str, ...],
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
    rules = FigureRules.on(conn, sources, period, scope)
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
    return Register(period, scope, now, rows, sources.title_of(sorted({row.unit_code for row in rows})))

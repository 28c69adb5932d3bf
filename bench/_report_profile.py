"""What a report costs statement by statement, and how the database runs each (not a benchmark itself).

The report benchmarks call this around one untimed run of each report: every statement SQLAlchemy sends
is timed on its own (wall time between the driver's execute and the end of fetching is not separated:
the time is from `before_cursor_execute` to `after_cursor_execute`, which for SQLite and psycopg includes
running the query, and the rows are fetched from the cursor's buffer after). The slowest come back with
their plan (SQLite's EXPLAIN QUERY PLAN, PostgreSQL's EXPLAIN), which says which index is used or missing.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, event

SLOWEST = 6  # statements reported with their plan
SQL_CHARS = 1_500  # of each statement's text in the JSON


@dataclass
class Captured:
    statement: str
    parameters: Any
    ms: float = 0.0


@dataclass
class Profile:
    statements: list[Captured] = field(default_factory=list)
    _started: float = 0.0


@contextmanager
def capture(conn: Connection) -> Iterator[Profile]:
    """Time every statement run on `conn` meanwhile (its engine's events, removed on exit)."""
    profile = Profile()
    engine = conn.engine

    def before(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        profile.statements.append(Captured(statement, parameters))
        profile._started = time.perf_counter()

    def after(_conn: Any, _cursor: Any, _statement: str, _parameters: Any, _context: Any, _many: bool) -> None:
        profile.statements[-1].ms = (time.perf_counter() - profile._started) * 1000

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        yield profile
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)


def replay(conn: Connection, profile: Profile) -> None:
    """Time each captured statement again on its own, fetching all its rows."""
    for captured in list(profile.statements):  # a replay inside `capture` must not replay itself
        start = time.perf_counter()
        conn.exec_driver_sql(captured.statement, captured.parameters).fetchall()
        captured.ms = (time.perf_counter() - start) * 1000


def slowest_with_plans(conn: Connection, profile: Profile, how_many: int = SLOWEST) -> list[dict[str, Any]]:
    """The slowest statements of a profile (after `replay`) with the database's plan for each."""
    ranked = sorted(profile.statements, key=lambda c: c.ms, reverse=True)[:how_many]
    return [{"ms": round(c.ms, 2), "sql": one_line(c.statement)[:SQL_CHARS], "plan": plan(conn, c)} for c in ranked]


def plan(conn: Connection, captured: Captured) -> list[str]:
    dialect = conn.dialect.name
    prefix = "EXPLAIN QUERY PLAN " if dialect == "sqlite" else "EXPLAIN "
    try:
        rows = conn.exec_driver_sql(prefix + captured.statement, captured.parameters).fetchall()
    except Exception as error:  # a plan is a diagnosis: its failure must not end the benchmark
        return [f"(no plan: {type(error).__name__}: {str(error)[:200]})"]
    if dialect == "sqlite":
        return [row[3] for row in rows]
    return [row[0] for row in rows]


def summary(profile: Profile) -> dict[str, Any]:
    """How many statements a report sends, and their replayed time together (the rest is Python)."""
    return {"statements": len(profile.statements),
            "replayed_sum_ms": round(sum(c.ms for c in profile.statements), 2)}


def one_line(sql: str) -> str:
    return re.sub(r"\s+", " ", sql).strip()

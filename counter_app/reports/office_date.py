"""`office_date(column)`: the office DATE (Asia/Ho_Chi_Minh) of a UTC instant column, in SQL.

Two report rules compare office dates of two columns (finished vs due, received per day), which a range
from `Period.instants()` cannot express. Vietnam has kept UTC+7 without daylight saving since 1975, so
SQLite adds seven hours to the stored naive UTC text; PostgreSQL converts its timestamptz by zone name.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Date
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class office_date(FunctionElement[Any]):  # reads like the SQL function it renders
    type = Date()
    name = "office_date"
    inherit_cache = True


@compiles(office_date, "sqlite")
def _office_date_sqlite(element: office_date, compiler: Any, **kw: Any) -> str:
    return f"date({compiler.process(element.clauses, **kw)}, '+7 hours')"


@compiles(office_date, "postgresql")
def _office_date_postgresql(element: office_date, compiler: Any, **kw: Any) -> str:
    return f"CAST(timezone('Asia/Ho_Chi_Minh', {compiler.process(element.clauses, **kw)}) AS DATE)"

"""`not_indexed(column)`: the column's value, with its index kept out of SQLite's plan.

SQLite picks an index from averages (`sqlite_stat1`): for "pending" it prefers a range on
`dossier.received_at` (every dossier received before the boundary: the whole history) to the few
open statuses or the steps into a closing status after the boundary. A unary `+` makes the column an
expression no index serves, so the selective condition drives the plan. PostgreSQL plans from real
histograms and gets the plain column.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class not_indexed(FunctionElement[Any]):  # reads like the SQL function it stands for
    name = "not_indexed"
    inherit_cache = True

    @property
    def type(self) -> Any:  # the column's own type, so comparisons bind values the same way
        return next(iter(self.clauses)).type


@compiles(not_indexed)
def _not_indexed_default(element: not_indexed, compiler: Any, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


@compiles(not_indexed, "sqlite")
def _not_indexed_sqlite(element: not_indexed, compiler: Any, **kw: Any) -> str:
    return f"+{compiler.process(element.clauses, **kw)}"

"""Many rows into one table at once, for the set-based ingest path (sync/server/ingest_batch.py, audit.py).

Each value is converted by its column's SQLAlchemy type first, exactly as an INSERT would bind it, then the
rows go straight to the driver: by COPY on PostgreSQL (the fastest way in), by one DB-API executemany
elsewhere (SQLAlchemy's own executemany spends longer building each row's parameters than SQLite takes to
write it). A unique constraint the rows break raises SQLAlchemy's IntegrityError, as an INSERT through the
session would: the callers' savepoints take the batch back and redo it operation by operation.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, Table, insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session


def _converted(connection: Connection, table: Table, columns: list[str],
               rows: list[dict[str, Any]]) -> list[list[Any]]:
    processors: list[Callable[[Any], Any] | None] = [
        table.c[name].type._cached_bind_processor(connection.dialect) for name in columns]
    if not any(processors):
        return [[row[name] for name in columns] for row in rows]
    return [[value if process is None else process(value)
             for value, process in zip((row[name] for name in columns), processors, strict=True)] for row in rows]


def insert_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert `rows` (all with the same keys) into `table` in the open transaction."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    columns = list(rows[0])
    if dialect.name == "postgresql":
        names = ", ".join(dialect.identifier_preparer.quote(name) for name in columns)
        statement = f"COPY {dialect.identifier_preparer.format_table(table)} ({names}) FROM STDIN"
        order = list(range(len(columns)))
    else:
        compiled = insert(table).compile(dialect=dialect, column_keys=columns)
        statement = compiled.string
        if compiled.positiontup is None or sorted(compiled.positiontup) != sorted(columns):
            session.execute(insert(table), rows)  # a named paramstyle, or defaults the rows leave to SQLAlchemy
            return
        order = [columns.index(name) for name in compiled.positiontup]
    values = _converted(connection, table, [columns[i] for i in order], rows)
    cursor = connection.connection.driver_connection.cursor()
    try:
        if dialect.name == "postgresql":
            with cursor.copy(statement) as copy:
                for row in values:
                    copy.write_row(row)
        else:
            cursor.executemany(statement, values)
    except dialect.loaded_dbapi.IntegrityError as error:
        raise IntegrityError(statement, None, error) from error
    finally:
        cursor.close()

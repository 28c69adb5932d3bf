"""Many rows into one table at once, for the set-based ingest path (sync/server/ingest_batch.py, audit.py).

Each value is converted by its column's SQLAlchemy type first, exactly as an INSERT would bind it, then the
rows go straight to the driver: by COPY on PostgreSQL (the fastest way in), by one DB-API executemany
elsewhere (SQLAlchemy's own executemany spends longer building each row's parameters than SQLite takes to
write it). Two conversions are done here rather than by the column's type, for speed with the same stored
value: a payload's canonical JSON already made (`JsonText`) goes to its JSON column as it is, and an aware
datetime goes to SQLite as the text SQLAlchemy's DATETIME writes (in UTC, as `UtcDateTime` makes it).
COPY is binary: PostgreSQL reads integers and instants as they are instead of parsing their text (13 % less of
its CPU for a backlog's rows, bench/README.md, wave 15).
A unique constraint the rows break raises SQLAlchemy's IntegrityError, as an INSERT through the
session would: the callers' savepoints take the batch back and redo it operation by operation.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, Column, Connection, Insert, Table, bindparam, insert
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from sync.server.models import UtcDateTime

Processor = Callable[[Any], Any]


class JsonText(str):
    """A value's JSON text already made (the payload's canonical JSON): written to a JSON column as it is,
    where the column's type would serialise the value a second time."""


def _json_processor(process: Processor, binary_copy: bool) -> Processor:
    if binary_copy:  # COPY's json dumper serialises what it is given: the text made already is handed over as it is
        from psycopg.types.json import Json

        def convert_for_copy(value: Any) -> Any:
            return Json(value, dumps=str) if type(value) is JsonText else process(value)
        return convert_for_copy

    def convert(value: Any) -> Any:
        return value if type(value) is JsonText else process(value)
    return convert


def _sqlite_utc_processor(process: Processor) -> Processor:
    """SQLite's DATETIME text of an aware datetime in UTC: what UtcDateTime and SQLAlchemy's DATETIME make
    together ('YYYY-MM-DD HH:MM:SS.ffffff'), by one C call rather than a dict and a format."""
    last: list[Any] = [None, None]  # the push's own `now` fills several columns of every row: made once

    def convert(value: Any) -> Any:
        if value is last[0]:
            return last[1]
        if type(value) is not datetime or value.tzinfo is None or value.year < 1000:
            return process(value)  # None, a naive datetime (refused there) or a year isoformat writes otherwise
        last[:] = value, value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
        return last[1]
    return convert


def _processor(column: Column[Any], dialect: Dialect) -> Processor | None:
    process = column.type._cached_bind_processor(dialect)
    if process is None:
        return None
    if isinstance(column.type, JSON):
        return _json_processor(process, binary_copy=dialect.name == "postgresql")
    if isinstance(column.type, UtcDateTime) and dialect.name == "sqlite":
        return _sqlite_utc_processor(process)
    return process


def _converted(connection: Connection, table: Table, columns: list[str],
               rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """The rows' values in `columns` order, each column through its processor: column by column, so a column
    needing none (most of them) costs nothing per row but the C calls of itemgetter and zip."""
    getters = [itemgetter(name) for name in columns]
    by_column: list[Any] = [list(map(get, rows)) for get in getters]
    for index, name in enumerate(columns):
        process = _processor(table.c[name], connection.dialect)
        if process is not None:
            by_column[index] = list(map(process, by_column[index]))
    return list(zip(*by_column, strict=True))


def insert_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert `rows` (all with the same keys) into `table` in the open transaction."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    columns = list(rows[0])
    if dialect.name == "postgresql":
        names = ", ".join(dialect.identifier_preparer.quote(name) for name in columns)
        statement = f"COPY {dialect.identifier_preparer.format_table(table)} ({names}) FROM STDIN (FORMAT BINARY)"
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
                copy.set_types(copy_types(table, tuple(columns)))
                for row in values:
                    copy.write_row(row)
        else:
            cursor.executemany(statement, values)
    except dialect.loaded_dbapi.Error as error:
        # As SQLAlchemy says it for its own statements (IntegrityError, DataError, OperationalError …): the callers
        # tell a broken constraint, a value its column cannot hold and a database that is away apart by these.
        raise DBAPIError.instance(statement, None, error, dialect.loaded_dbapi.Error, dialect=dialect) from error
    finally:
        cursor.close()


_COPY_TYPE_NAMES = {"float": "float8"}  # SQLAlchemy's DDL name where psycopg's registry has another


@functools.cache
def copy_types(table: Table, columns: tuple[str, ...]) -> list[int]:
    """The PostgreSQL type oids of `columns` for a binary COPY, which casts nothing: each value is sent as its
    column's very type. A column type psycopg does not know raises KeyError (the ingest tests on PostgreSQL
    write every table written here)."""
    from psycopg import adapters
    from sqlalchemy.dialects import postgresql

    dialect = postgresql.dialect()  # for the type names alone: the same whatever the driver
    names = [table.c[name].type.compile(dialect=dialect).lower().split("(")[0] for name in columns]
    return [adapters.types.get_oid(_COPY_TYPE_NAMES.get(name, name)) for name in names]


def raise_row(session: Session, table: Table, key: dict[str, Any], values: dict[str, Any], rank: str) -> None:
    """Insert the row `key` + `values`, or update the one held under `key` if its `rank` column is lower:
    one INSERT … ON CONFLICT DO UPDATE … WHERE (PostgreSQL and SQLite), so two workers raising the same
    row at once leave the higher (never a read, then a write that the other may have overtaken)."""
    statement = _raise_statement(session.get_bind().dialect.name, table, tuple(key), tuple(values), rank)
    session.execute(statement, {**key, **values})


@functools.cache
def _raise_statement(dialect: str, table: Table, key: tuple[str, ...], values: tuple[str, ...],
                     rank: str) -> Insert:
    """raise_row's statement, built once per shape (building it cost more CPU than running it)."""
    statement = upsert(dialect, table).values({name: bindparam(name) for name in (*key, *values)})
    excluded = statement.excluded
    return statement.on_conflict_do_update(index_elements=list(key), set_={name: excluded[name] for name in values},
                                           where=table.c[rank] < excluded[rank])


def upsert(dialect: str, table: Table) -> Any:
    """An INSERT into `table` that takes `on_conflict_do_update` (PostgreSQL's and SQLite's own insert)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    return dialect_insert(table)

"""The counter's SQLite database: connection settings, transactions, and opening (with migration).

WAL with synchronous=FULL (a printed receipt must survive a power cut at a commune counter), foreign
keys on, and a busy timeout. Writes take the write lock up front (BEGIN IMMEDIATE) so two writers never
deadlock upgrading a read lock; reads use a deferred BEGIN and never block the writer in WAL mode.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from counter_app.domain.errors import DomainError

DB_FILENAME = "counter.sqlite"
# The newest migration. Opening a database already at this revision skips importing Alembic, which
# costs a quarter of a second at every start on a counter PC; a test keeps it equal to Alembic's head.
SCHEMA_HEAD = "0003"
BUSY_TIMEOUT_MS = 10_000


def create_sqlite_engine(path: Path) -> Engine:
    engine = create_engine(
        f"sqlite+pysqlite:///{path}",
        # Vietnamese in JSON columns as UTF-8, not \uXXXX escapes: about a third smaller on disk.
        json_serializer=lambda value: json.dumps(value, ensure_ascii=False),
        # isolation_level=None hands transaction control to SQLAlchemy's BEGIN below.
        connect_args={"isolation_level": None, "check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
    )

    @event.listens_for(engine, "connect")
    def _set_pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        immediate = connection.get_execution_options().get("immediate", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


class NewerDatabaseError(DomainError):
    """The database was written by a newer version of the app; opening it could damage it."""


def _stored_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        exists = connection.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='alembic_version'"
        ).scalar()
        if not exists:
            return None
        return connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()


class Database:
    """One open counter database. Use `write()` for a unit of work, `read()` for queries."""

    def __init__(self, path: Path, engine: Engine) -> None:
        self.path = path
        self.engine = engine
        self._writer = sessionmaker(bind=engine.execution_options(immediate=True), expire_on_commit=False)
        self._reader = sessionmaker(bind=engine, expire_on_commit=False)

    @classmethod
    def open(cls, data_dir: Path, *, migrate: bool = True) -> Database:
        """Open (creating if needed) the database in `data_dir`, migrating it to the current schema.

        Raises `NewerDatabaseError` for a file written by a newer version of the app.
        """
        data_dir.mkdir(parents=True, exist_ok=True)
        path = data_dir / DB_FILENAME
        engine = create_sqlite_engine(path)
        if migrate and _stored_revision(engine) != SCHEMA_HEAD:
            from counter_app.storage.migrate import upgrade_to_head

            upgrade_to_head(engine, path)
        return cls(path, engine)

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A write transaction: committed when the block ends, rolled back on any exception."""
        with self._writer() as session, session.begin():
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._reader() as session, session.begin():
            yield session

    def close(self) -> None:
        self.engine.dispose()

"""The server's database: engine settings, schema migrations at start, and transactions.

SQLite by default (one command, nothing else to install) with WAL and a busy timeout; PostgreSQL for
production, where several server processes share the database. Migrations run under a PostgreSQL
advisory lock so that processes starting together do not race.
"""

from __future__ import annotations

import os
import uuid
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import platformdirs
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from counter_app.domain.errors import DomainError
from sync.server.models import Meta
from sync.server.sqlite_checkpoint import SAFETY_NET_PAGES, WalCheckpointer

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
ENV_DATABASE_URL = "PROVINCIAL_SERVER_DATABASE_URL"
MIGRATION_LOCK_ID = 7_242_025  # any constant shared by all server processes
READ_ONLY = "read_only"  # execution option of ServerDatabase.read's engine
# The database cannot be reached or the connection broke: nothing an operation did, so never refused as one; the
# work is tried again (a push fails and the counter sends it again; a stored batch is left waiting).
DATABASE_AWAY = (OperationalError, InterfaceError)
# PostgreSQL connections a server process keeps: one per request thread (workers.REQUEST_THREADS), so a request
# never waits for a connection; the overflow serves the process's own reads (the dictionary cache, training).
# 4 workers hold at most 4 x 12 = 48 of PostgreSQL's default 100 connections.
POOL_SIZE = 8
POOL_OVERFLOW = 4


class NewerServerDatabase(DomainError):
    pass


def default_database_url() -> str:
    configured = os.environ.get(ENV_DATABASE_URL)
    if configured:
        return configured
    folder = Path(platformdirs.user_data_dir("provincial-server", "VNPost"))
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'provincial-server.sqlite'}"


def make_engine(url: str) -> Engine:
    """`hide_parameters`: a database error's text never quotes the values (a citizen's data) it failed on."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"isolation_level": None, "check_same_thread": False, "timeout": 30},
                               hide_parameters=True)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute(f"PRAGMA wal_autocheckpoint={SAFETY_NET_PAGES}")  # WalCheckpointer does it first
            cursor.execute("PRAGMA foreign_keys=ON")
            # 64 MiB of page cache per connection rather than 2: a push's inserts go into random places of the
            # id and code indexes, and at 10,000 dossiers the 2 MiB default halved their speed (issue 13).
            cursor.execute("PRAGMA cache_size=-65536")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin(connection: Any) -> None:
            # Take the write lock at once: read-then-write transactions never deadlock on upgrade. A read
            # (ServerDatabase.read) begins deferred: under WAL it reads a snapshot and never holds the lock.
            read_only = connection.get_execution_options().get(READ_ONLY, False)
            connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW, hide_parameters=True)


def alembic_config() -> Config:
    # alembic only where the schema is read or moved (not at the top): an applier process never imports it
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def migrate(engine: Engine) -> None:
    from alembic import command
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    config = alembic_config()
    scripts = ScriptDirectory.from_config(config)
    known = {s.revision for s in scripts.walk_revisions()}
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": MIGRATION_LOCK_ID})
        current = MigrationContext.configure(connection).get_current_revision()
        if current is not None and current not in known:
            raise NewerServerDatabase(
                f"Cơ sở dữ liệu máy chủ ở lược đồ {current}, mới hơn phiên bản máy chủ này; hãy cập nhật máy chủ."
            )
        if current != scripts.get_current_head():
            config.attributes["connection"] = connection
            command.upgrade(config, "head")


class ServerDatabase:
    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._sessions = sessionmaker(bind=self.engine, expire_on_commit=False)
        reader = self.engine.execution_options(**{READ_ONLY: True})
        if self.engine.dialect.name == "postgresql":
            reader = reader.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        self._readers = sessionmaker(bind=reader, expire_on_commit=False)
        self._checkpointer: WalCheckpointer | None = None
        database = self.engine.url.database
        if self.engine.dialect.name == "sqlite" and database and database != ":memory:":
            checkpointer = self._checkpointer = WalCheckpointer(Path(database))
            # on check-in: after the transaction ended, so its pages are in the log for the checkpoint to copy
            event.listen(self.engine, "checkin", lambda _connection, _record: checkpointer.poke())
            weakref.finalize(self, checkpointer.stop)

    @classmethod
    def open(cls, url: str | None = None) -> ServerDatabase:
        db = cls(url or default_database_url())
        migrate(db.engine)
        db.ensure_epoch()
        return db

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction: committed at the end of the block, rolled back on error."""
        with self._sessions() as session, session.begin():
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """One read-only transaction over one snapshot, for reports: a province-wide report reads for
        seconds, and the counters' pushes must not wait for it (on SQLite a deferred BEGIN under WAL; on
        PostgreSQL REPEATABLE READ, READ ONLY). Rolled back at the end: it writes nothing."""
        with self._readers() as session:
            try:
                yield session
            finally:
                session.rollback()

    def ensure_epoch(self) -> str:
        with self.session() as session:
            existing = session.get(Meta, "server_epoch")
            if existing:
                return existing.value
        try:
            with self.session() as session:
                session.add(Meta(key="server_epoch", value=str(uuid.uuid4())))
        except IntegrityError:
            pass  # another process created it first
        return self.server_epoch()

    def server_epoch(self) -> str:
        with self.session() as session:
            meta = session.get(Meta, "server_epoch")
            assert meta is not None
            return meta.value

    def dispose(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.stop()
        self.engine.dispose()

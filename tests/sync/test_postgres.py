"""The PostgreSQL fixture gives a real, isolated server the provincial-server tests can rely on."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.sync.postgres import PostgresServer


def _scalar(url: str, sql: str) -> object:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(sql)).scalar_one()
    finally:
        engine.dispose()


def test_real_server_answers_through_sqlalchemy_and_psycopg(postgres_url: str) -> None:
    assert postgres_url.startswith("postgresql+psycopg://postgres@127.0.0.1:")
    version = _scalar(postgres_url, "SELECT version()")
    assert isinstance(version, str) and version.startswith("PostgreSQL ")
    assert _scalar(postgres_url, "SHOW server_encoding") == "UTF8"
    assert _scalar(postgres_url, "SELECT 'Nguyễn Văn Đức'::text") == "Nguyễn Văn Đức"
    # A throw-away server: no fsync, so the suite stays fast.
    assert _scalar(postgres_url, "SHOW fsync") == "off"


def test_each_test_gets_its_own_database(postgres_server: PostgresServer, postgres_url: str) -> None:
    """Databases are isolated: a table made in one is not in the other."""
    other_url = postgres_server.create_database("second_db")
    assert other_url.endswith(f":{postgres_server.port}/second_db")
    engine = sa.create_engine(postgres_url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE ledger (op_id text PRIMARY KEY)"))
        conn.execute(sa.text("INSERT INTO ledger VALUES ('op-1')"))
    engine.dispose()
    assert _scalar(postgres_url, "SELECT count(*) FROM ledger") == 1
    assert _scalar(other_url, "SELECT to_regclass('ledger') IS NULL") is True
    databases = _scalar(postgres_server.url, "SELECT count(*) FROM pg_database WHERE datname IN "
                                            f"('second_db', '{postgres_url.rsplit('/', 1)[1]}')")
    assert databases == 2
    postgres_server.drop_database("second_db")
    with pytest.raises(sa.exc.OperationalError):
        _scalar(other_url, "SELECT 1")


def test_listens_on_loopback_only_with_socket_in_its_own_dir(postgres_server: PostgresServer) -> None:
    assert _scalar(postgres_server.url, "SHOW listen_addresses") == "127.0.0.1"
    socket_dir = Path(str(_scalar(postgres_server.url, "SHOW unix_socket_directories")))
    assert socket_dir == postgres_server.socket_dir
    assert (socket_dir / f".s.PGSQL.{postgres_server.port}").exists()


def test_stop_removes_everything() -> None:
    """A second, private server: stop() shuts it down, frees the port and deletes its directory."""
    server = PostgresServer()
    server.start()
    base, port = server.base_dir, server.port
    assert base is not None and port is not None
    assert _scalar(server.create_database("x"), "SELECT current_database()") == "x"
    if os.geteuid() == 0:  # as root the cluster is owned by the postgres user, not root
        assert (base / "data").stat().st_uid != 0
    server.stop()
    assert not base.exists()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    server.stop()  # idempotent

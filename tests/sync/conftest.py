"""Fixtures for the sync tests: a real PostgreSQL server and the fault-injecting proxy.

PostgreSQL starts once per test session and only if a test asks for it; each test gets its own empty
database. A missing or broken PostgreSQL fails the test loudly instead of skipping it: CI installs the
server through installer/dev-setup.sh, and a skipped PostgreSQL run would hide exactly the bugs that
only show on the production database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.sync.faultproxy import FaultProxy
from tests.sync.postgres import PostgresError, PostgresServer


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One real PostgreSQL for the whole session, stopped and deleted at its end."""
    server = PostgresServer()
    try:
        server.start()
    except PostgresError as exc:
        pytest.fail(f"PostgreSQL could not be started for the sync tests: {exc}", pytrace=False)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> str:
    """SQLAlchemy URL (postgresql+psycopg://...) of a fresh, empty database for this test alone."""
    try:
        return postgres_server.create_database()
    except Exception as exc:
        pytest.fail(f"could not create a PostgreSQL test database: {exc}", pytrace=False)


@pytest.fixture
def fault_proxy() -> Iterator[Callable[..., FaultProxy]]:
    """Factory: fault_proxy(upstream_port, seed=0) -> a started FaultProxy, stopped after the test."""
    proxies: list[FaultProxy] = []

    def make(upstream_port: int, *, seed: int = 0) -> FaultProxy:
        proxy = FaultProxy(upstream_port, seed=seed).start()
        proxies.append(proxy)
        return proxy

    yield make
    for proxy in proxies:
        proxy.stop()

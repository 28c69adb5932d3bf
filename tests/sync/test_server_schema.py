"""The provincial server's migrations make exactly the schema its models describe, on both backends: a model
changed without its migration (or the reverse) shows here, not on a province's server after an upgrade."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from sync.server.db import ServerDatabase
from sync.server.dictionaries import SyncDictionary
from sync.server.models import Base


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_migrations_make_the_models_schema(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    url = (f"sqlite:///{tmp_path / 'server.sqlite'}" if backend == "sqlite"
           else request.getfixturevalue("postgres_server").create_database())
    server = ServerDatabase.open(url)
    try:
        with server.engine.connect() as connection:
            differences: list[Any] = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    finally:
        server.dispose()
    # Known and documented (models.py, Dossier): PostgreSQL alone has the reports' covering index.
    postgres_only = {"ix_dossier_report_cover"} if backend == "postgresql" else set()
    assert [d for d in differences if not (d[0] == "remove_index" and d[1].name in postgres_only)] == []


def test_every_table_is_in_the_metadata_compared() -> None:
    """The push dictionaries' model lives in sync/server/dictionaries.py, outside models.py: imported above,
    so the comparison covers its table too."""
    assert SyncDictionary.__tablename__ in Base.metadata.tables

"""The provincial server's migrations make exactly the schema its models describe, on both backends: a model
changed without its migration (or the reverse) shows here, not on a province's server after an upgrade."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from counter_app.domain.operations import OpType
from sync.protocol import OpStatus, PushBatch
from sync.server.admin import create_unit
from sync.server.auth import enroll, new_enrollment_code
from sync.server.db import ServerDatabase
from sync.server.dictionaries import SyncDictionary
from sync.server.ingest import handle_push
from sync.server.models import Base, Device
from tests.sync.payloads import dossier_payload, wire

UNIT = "000.01.48.H15"


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


def test_postgres_writes_payloads_with_lz4(postgres_server: Any) -> None:
    """Migration 0023: a dossier's payload and its audit row's text are compressed with lz4 on PostgreSQL (pglz
    cost a fifth of a backlog's database time), and a payload so stored reads back as it was sent."""
    server = ServerDatabase.open(postgres_server.create_database())
    try:
        with server.engine.connect() as connection:
            methods = dict(connection.execute(text(
                "SELECT attrelid::regclass::text || '.' || attname, attcompression FROM pg_attribute "
                "WHERE (attrelid = 'dossier'::regclass AND attname = 'data') "
                "OR (attrelid = 'audit_entry'::regclass AND attname IN ('before', 'after'))")).all())
        assert methods == {"dossier.data": "l", "audit_entry.before": "l", "audit_entry.after": "l"}
        now = datetime.now(UTC)
        with server.session() as session:
            create_unit(session, UNIT, "Đơn vị thử", now)
            code, _ = new_enrollment_code(session, UNIT, now)
            device, _token = enroll(session, code, "quầy thử", "test", now, preferred_slot=1)
        payload = dossier_payload(UNIT, 1, 1)
        payload["documents"] = [{"name": f"Bản sao giấy tờ chứng minh nơi cư trú của người yêu cầu, tờ {n}",
                                 "originals": 1, "certified_copies": 0, "photocopies": 0} for n in range(1, 41)]
        with server.session() as session:
            me = session.get(Device, device.id)
            assert me is not None
            batch = PushBatch(batch_id=str(uuid.uuid4()), device_epoch="e1", ops=[wire(1, OpType.DOSSIER_CREATE, payload)])
            assert handle_push(session, me, batch, now).results[0].status is OpStatus.ACCEPTED
        with server.read() as session:
            stored, method = session.execute(text("SELECT data, pg_column_compression(data) FROM dossier")).one()
        assert method == "lz4"
        assert stored["documents"] == payload["documents"]
    finally:
        server.dispose()

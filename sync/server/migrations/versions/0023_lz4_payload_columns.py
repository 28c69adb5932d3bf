"""PostgreSQL compresses the payload columns with lz4, not pglz (issue 13)

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-04

A dossier's `data` and its audit row's `after` hold the same ~2 kB canonical JSON, past the size at which
PostgreSQL compresses a value (TOAST). pglz, the default, spent about a fifth of the database's time writing
a backlog's rows: COPY of the rows of 10,000 dossiers took 0.85-0.94 s with pglz, 0.67-0.72 s with lz4, for
the same size on disk within 1 % (bench/README.md, wave 15). Values already stored keep their compression
(PostgreSQL reads both); new ones are written with lz4. Nothing on SQLite, nor on a PostgreSQL older than
14 or built without lz4: those keep pglz, which the server works with just as well, only slower.
"""

from collections.abc import Sequence

from alembic import op
from sqlalchemy import text

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PAYLOAD_COLUMNS = (("dossier", "data"), ("audit_entry", "after"), ("audit_entry", "before"))


def _lz4_available() -> bool:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return False
    return bool(bind.scalar(text("SELECT 'lz4' = ANY(enumvals) FROM pg_settings "
                                 "WHERE name = 'default_toast_compression'")))


def upgrade() -> None:
    if _lz4_available():
        for table, column in PAYLOAD_COLUMNS:
            op.execute(f'ALTER TABLE {table} ALTER COLUMN "{column}" SET COMPRESSION lz4')


def downgrade() -> None:
    if _lz4_available():
        for table, column in PAYLOAD_COLUMNS:
            op.execute(f'ALTER TABLE {table} ALTER COLUMN "{column}" SET COMPRESSION default')

"""Zstd dictionaries the province trains on its own data and publishes (issue 13, W)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01

`sync_dictionary`: one row per trained dictionary, never deleted (a counter may still compress with an old
one). `content` is the published document (JSON: id, string table, zstd dictionary in base64) that counters
download and check against `sha256` and `size`; `strings` is its string table as JSON text.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sync_dictionary",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("strings", sa.Text(), nullable=False),
        sa.Column("samples", sa.Integer(), nullable=False),
        sa.CheckConstraint("id > 0 AND size > 0", name=op.f("ck_sync_dictionary_id_size_positive")),
        sa.UniqueConstraint("sha256", name=op.f("uq_sync_dictionary_sha256")),
    )


def downgrade() -> None:
    op.drop_table("sync_dictionary")

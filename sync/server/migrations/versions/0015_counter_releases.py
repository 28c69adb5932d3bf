"""Counter releases published by the province (issue 12, E)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01

`counter_release`: the counter versions the province offers (one per version and platform, the file's
SHA-256 unique, withdrawn ones kept for the record); `counter_release_chunk`: the file in fixed-size
chunks, read back by HTTP Range (sync/server/releases.py).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "counter_release",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("file_name", sa.String(length=120), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_by", sa.Text(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("withdrawn", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.CheckConstraint("size > 0", name=op.f("ck_counter_release_size_positive")),
        sa.UniqueConstraint("version", "platform", name=op.f("uq_counter_release_version_platform")),
        sa.UniqueConstraint("sha256", name=op.f("uq_counter_release_sha256")),
    )
    op.create_table(
        "counter_release_chunk",
        sa.Column("release_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  sa.ForeignKey("counter_release.id", ondelete="CASCADE",
                                name=op.f("fk_counter_release_chunk_release_id_counter_release")), primary_key=True),
        sa.Column("offset", sa.BigInteger(), primary_key=True),
        sa.Column("data", sa.LargeBinary(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("counter_release_chunk")
    op.drop_table("counter_release")

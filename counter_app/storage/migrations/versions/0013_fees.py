"""Fees assessed on a dossier: items, counts, exemptions (issue 10, A)

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30

`dossier_fee` keeps what a dossier owes, one row per assessment: at intake (source "intake", with the
counts the clerk entered and the exemption chosen) and each fee the agency sets later in status 6
(source "request", with its reason). Rows are never edited; receipts (0014) cover their lines.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dossier_fee",
        sa.Column("pk", sa.Integer(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("dossier_code", sa.String(length=40), nullable=False),
        sa.Column("source", sa.String(length=12), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("unknown", sa.JSON(), nullable=False),
        sa.Column("quantities", sa.JSON(), nullable=True),
        sa.Column("exemption", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("assessed_at", sa.DateTime(), nullable=False),
        sa.Column("assessed_by", sa.Text(), nullable=False),
        sa.Column("assessed_by_username", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_dossier_fee")),
        sa.UniqueConstraint("id", name=op.f("uq_dossier_fee_id")),
        sa.CheckConstraint("source IN ('intake', 'request')", name=op.f("ck_dossier_fee_source")),
    )
    op.create_index("ix_dossier_fee_dossier_code", "dossier_fee", ["dossier_code"], unique=False)
    # One intake assessment per dossier, decided by the database.
    op.create_index("ux_dossier_fee_intake", "dossier_fee", ["dossier_code"], unique=True,
                    sqlite_where=sa.text("source = 'intake'"))


def downgrade() -> None:
    op.drop_index("ux_dossier_fee_intake", table_name="dossier_fee")
    op.drop_index("ix_dossier_fee_dossier_code", table_name="dossier_fee")
    op.drop_table("dossier_fee")

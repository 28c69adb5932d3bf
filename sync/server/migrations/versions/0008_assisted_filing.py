"""Assisted online filing log (issue 9)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30

One row per citizen a desk helped on the national portal (account created, filed with the portal's code,
or could not file), keyed by the counter's id so a replayed operation never counts twice.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "assisted_filing",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("unit_code", sa.String(length=32), nullable=False),
        sa.Column("desk_slot", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("procedure_code", sa.String(length=40), nullable=False),
        sa.Column("portal_code", sa.String(length=40), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("source_device_id", sa.String(length=36), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["unit_code"], ["unit.code"], name=op.f("fk_assisted_filing_unit_code_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assisted_filing")),
    )
    op.create_index("ix_assisted_filing_unit_at", "assisted_filing", ["unit_code", "at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_assisted_filing_unit_at", table_name="assisted_filing")
    op.drop_table("assisted_filing")

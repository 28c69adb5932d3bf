"""Clerk accounts of each unit (hashes only), synced to every desk of the unit (issue 8)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30

One row per (unit, username): the version of the account that wins (counter_app.domain.accounts.merged),
with its scrypt hash, never a password. Each change is also published in the change feed to the unit.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "clerk_account",
        sa.Column("unit_code", sa.String(length=32), nullable=False),
        sa.Column("username", sa.String(length=32), nullable=False),
        sa.Column("full_name", sa.Text(), nullable=False),
        sa.Column("role", sa.String(length=12), nullable=False),
        sa.Column("password_hash", sa.String(length=100), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source_device_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(["unit_code"], ["unit.code"], name=op.f("fk_clerk_account_unit_code_unit")),
        sa.PrimaryKeyConstraint("unit_code", "username", name=op.f("pk_clerk_account")),
    )


def downgrade() -> None:
    op.drop_table("clerk_account")

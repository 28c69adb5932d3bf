"""Clerk accounts, who did what, late entries (issue 8)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30

`clerk_account` holds the unit's accounts (scrypt hashes only) and this desk's failed sign-ins. Dossiers
and their history keep the username of who acted beside the full name they already had ("" for rows
written before accounts existed), and a late entry (received before the working day began) keeps the
approving supervisor and the reason.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "clerk_account",
        sa.Column("username", sa.String(length=32), nullable=False),
        sa.Column("full_name", sa.Text(), nullable=False),
        sa.Column("role", sa.String(length=12), nullable=False),
        sa.Column("password_hash", sa.String(length=100), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("username", name=op.f("pk_clerk_account")),
    )
    with op.batch_alter_table("dossier", schema=None) as batch_op:
        batch_op.add_column(sa.Column("received_by_username", sa.String(length=32), server_default="", nullable=False))
        batch_op.add_column(sa.Column("late_entry_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("late_entry_by", sa.String(length=32), nullable=True))
    with op.batch_alter_table("dossier_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("actor_username", sa.String(length=32), server_default="", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("dossier_event", schema=None) as batch_op:
        batch_op.drop_column("actor_username")
    with op.batch_alter_table("dossier", schema=None) as batch_op:
        batch_op.drop_column("late_entry_by")
        batch_op.drop_column("late_entry_reason")
        batch_op.drop_column("received_by_username")
    op.drop_table("clerk_account")

"""Assisted online filing log (issue 9)

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30

`assisted_filing` logs each citizen a clerk helped on the national portal (account created, dossier
filed with the portal's code, or could not file and why), for the day's counts in the reports.
`ix_dossier_status_due_at` serves the worklists (F5): dossiers by status, oldest due date first.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "assisted_filing",
        sa.Column("pk", sa.Integer(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("unit_code", sa.String(length=32), nullable=False),
        sa.Column("desk_slot", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("applicant_name", sa.Text(), nullable=False),
        sa.Column("applicant_id_number", sa.String(length=20), nullable=False),
        sa.Column("applicant_phone", sa.String(length=15), nullable=False),
        sa.Column("procedure_code", sa.String(length=40), nullable=False),
        sa.Column("procedure_name", sa.Text(), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("portal_code", sa.String(length=40), nullable=True),
        sa.Column("clerk", sa.Text(), nullable=False),
        sa.Column("clerk_username", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_assisted_filing")),
        sa.UniqueConstraint("id", name=op.f("uq_assisted_filing_id")),
    )
    op.create_index("ix_assisted_filing_at", "assisted_filing", ["at"], unique=False)
    op.create_index("ix_dossier_status_due_at", "dossier", ["status", "due_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_dossier_status_due_at", table_name="dossier")
    op.drop_index("ix_assisted_filing_at", table_name="assisted_filing")
    op.drop_table("assisted_filing")

"""Intake outcomes: guidance and refusal at the desk (issue 9)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30

`guidance_record` keeps each guidance given at the desk instead of a dossier (Mẫu 02 at intake, no code
spent): who, when, procedure, applicant, missing papers, reason; the desk's number of the day is unique.
A refusal at intake needs no table: it is a dossier created in status 3, its reason in the history.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "guidance_record",
        sa.Column("pk", sa.Integer(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("reference", sa.String(length=24), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("unit_code", sa.String(length=32), nullable=False),
        sa.Column("desk_slot", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("clerk", sa.Text(), nullable=False),
        sa.Column("clerk_username", sa.String(length=32), nullable=False),
        sa.Column("procedure_code", sa.String(length=40), nullable=False),
        sa.Column("procedure_name", sa.Text(), nullable=False),
        sa.Column("applicant", sa.JSON(), nullable=False),
        sa.Column("missing", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_guidance_record")),
        sa.UniqueConstraint("id", name=op.f("uq_guidance_record_id")),
        sa.UniqueConstraint("reference", name=op.f("uq_guidance_record_reference")),
    )
    op.create_index("ux_guidance_record_day_number", "guidance_record", ["day", "number"], unique=True)
    op.create_index("ix_guidance_record_at", "guidance_record", ["at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_guidance_record_at", table_name="guidance_record")
    op.drop_index("ux_guidance_record_day_number", table_name="guidance_record")
    op.drop_table("guidance_record")

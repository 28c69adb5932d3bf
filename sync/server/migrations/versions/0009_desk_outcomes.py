"""Intake outcomes: guidance and refusal at the desk (issue 9)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30

`guidance_record` keeps each guidance a desk gave instead of a dossier (op "guidance.record"), for the
province's reports; its reference is unique per unit. A refusal at intake is a dossier created in status 3.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "guidance_record",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("unit_code", sa.String(length=32), nullable=False),
        sa.Column("reference", sa.String(length=24), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("procedure_code", sa.String(length=40), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("source_device_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["unit_code"], ["unit.code"], name=op.f("fk_guidance_record_unit_code_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guidance_record")),
        sa.UniqueConstraint("unit_code", "reference", name="uq_guidance_record_unit_reference"),
    )
    op.create_index("ix_guidance_record_unit_at", "guidance_record", ["unit_code", "at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_guidance_record_unit_at", table_name="guidance_record")
    op.drop_table("guidance_record")

"""Codes given again: a desk's dossier moved off a code the province holds for another (issue 13)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02

A restored desk can give a code to a second dossier; when a supervisor keeps the province's dossier under
that code, the desk's dossier gets a new code (services/recode.py). `dossier_recode` keeps each old code,
the internal id it had, the dossier it now names and who gave the new code, when and why: papers printed
before carry the old code, and a scanned old slip still opens the dossier. docs/sync.md.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dossier_recode",
        sa.Column("old_code", sa.String(length=40), nullable=False),
        sa.Column("old_id", sa.String(length=36), nullable=False),
        sa.Column("dossier_pk", sa.Integer(), nullable=False),
        sa.Column("new_code", sa.String(length=40), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("clerk", sa.Text(), nullable=False),
        sa.Column("clerk_username", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["dossier_pk"], ["dossier.pk"], name=op.f("fk_dossier_recode_dossier_pk_dossier")),
        sa.PrimaryKeyConstraint("old_code", name=op.f("pk_dossier_recode")),
    )
    op.create_index(op.f("ix_dossier_recode_dossier_pk"), "dossier_recode", ["dossier_pk"])


def downgrade() -> None:
    op.drop_index(op.f("ix_dossier_recode_dossier_pk"), table_name="dossier_recode")
    op.drop_table("dossier_recode")

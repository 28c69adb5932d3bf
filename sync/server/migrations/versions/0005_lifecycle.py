"""Lifecycle: reasons, supplement clock, hand-overs (issue 9)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30

Dossiers keep both due dates (NgayHenTra, NgayHenTraTruoc) as columns; each history line may carry the
details of its step (missing papers, the due dates it moved, a hand-over row); `dossier_record` holds the
apologies (Mẫu 04) and hand-overs (Mẫu 05) the counters send.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("dossier", schema=None) as batch_op:
        batch_op.add_column(sa.Column("due_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("previous_due_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("dossier_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("details", sa.JSON(), nullable=True))
    op.create_table(
        "dossier_record",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("dossier_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("op_id", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["dossier_id"], ["dossier.id"], name=op.f("fk_dossier_record_dossier_id_dossier")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dossier_record")),
    )
    op.create_index("ix_dossier_record_dossier_id", "dossier_record", ["dossier_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_dossier_record_dossier_id", table_name="dossier_record")
    op.drop_table("dossier_record")
    with op.batch_alter_table("dossier_event", schema=None) as batch_op:
        batch_op.drop_column("details")
    with op.batch_alter_table("dossier", schema=None) as batch_op:
        batch_op.drop_column("previous_due_at")
        batch_op.drop_column("due_at")

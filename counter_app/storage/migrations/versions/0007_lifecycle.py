"""Lifecycle: reasons, supplement clock, hand-overs (issue 9)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30

The dossier keeps the due date it had before the last move (NgayHenTraTruoc) and each history line the
due dates it moved; three record tables hold what the forms print: supplement requests with the missing
papers (Mẫu 02), apologies with the new due date (Mẫu 04) and hand-overs to and from the agency (Mẫu 05).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _record_table(name: str, *columns: sa.Column) -> None:
    op.create_table(
        name,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dossier_pk", sa.Integer(), nullable=False),
        *columns,
        sa.ForeignKeyConstraint(["dossier_pk"], ["dossier.pk"], name=op.f(f"fk_{name}_dossier_pk_dossier")),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
    )
    op.create_index(f"ix_{name}_dossier_pk", name, ["dossier_pk"], unique=False)


def upgrade() -> None:
    with op.batch_alter_table("dossier", schema=None) as batch_op:
        batch_op.add_column(sa.Column("previous_due_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("dossier_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("previous_due_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("due_at", sa.DateTime(), nullable=True))
    _record_table(
        "supplement_request",
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("requested_by", sa.Text(), nullable=False),
        sa.Column("requested_by_username", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("missing", sa.JSON(), nullable=False),
        sa.Column("due_at_before", sa.DateTime(), nullable=False),
        sa.Column("supplied_at", sa.DateTime(), nullable=True),
        sa.Column("supplied_by", sa.Text(), nullable=False),
        sa.Column("due_at_after", sa.DateTime(), nullable=True),
    )
    _record_table(
        "apology",
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("by", sa.Text(), nullable=False),
        sa.Column("by_username", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("previous_due_at", sa.DateTime(), nullable=False),
        sa.Column("new_due_at", sa.DateTime(), nullable=False),
    )
    _record_table(
        "handover",
        sa.Column("direction", sa.String(length=12), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("from_party", sa.Text(), nullable=False),
        sa.Column("to_party", sa.Text(), nullable=False),
        sa.Column("by", sa.Text(), nullable=False),
        sa.Column("by_username", sa.String(length=32), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=False),
    )


def downgrade() -> None:
    for name in ("handover", "apology", "supplement_request"):
        op.drop_index(f"ix_{name}_dossier_pk", table_name=name)
        op.drop_table(name)
    with op.batch_alter_table("dossier_event", schema=None) as batch_op:
        batch_op.drop_column("due_at")
        batch_op.drop_column("previous_due_at")
    with op.batch_alter_table("dossier", schema=None) as batch_op:
        batch_op.drop_column("previous_due_at")

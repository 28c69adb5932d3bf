"""Digitisation of papers (issue 9)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30

An attachment may be the scan bundle of one paper of its dossier: the paper's line (`document_index`),
its page count, the bundle it replaces (that one gets `replaced_at`) and, for a reused paper, the
dossier it was taken from. NULL for files attached without a paper and for older counters.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("document_index", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("page_count", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("replaced_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("reused_from", sa.String(length=40), nullable=True))
    op.create_index("ix_attachment_paper", "attachment", ["dossier_code", "document_index"])


def downgrade() -> None:
    op.drop_index("ix_attachment_paper", table_name="attachment")
    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.drop_column("reused_from")
        batch_op.drop_column("replaced_at")
        batch_op.drop_column("page_count")
        batch_op.drop_column("document_index")

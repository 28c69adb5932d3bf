"""Digitisation of papers (issue 9)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30

An attachment may be the scan bundle of one paper of its dossier (`document_index`, 1-based line of
the dossier's papers) with its page count; a newer bundle of the same paper replaces it
(`replaced_at`), and a bundle taken from another dossier's paper names it (`reused_from`). A partial
unique index keeps one current bundle per paper, in the database. Attachments written before keep
NULL: "other files" of the dossier.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("document_index", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("page_count", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("replaced_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("reused_from", sa.String(length=40), nullable=True))
    op.create_index("uq_attachment_current_paper", "attachment", ["dossier_pk", "document_index"], unique=True,
                    sqlite_where=sa.text("document_index IS NOT NULL AND replaced_at IS NULL"))


def downgrade() -> None:
    op.drop_index("uq_attachment_current_paper", table_name="attachment")
    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.drop_column("reused_from")
        batch_op.drop_column("replaced_at")
        batch_op.drop_column("page_count")
        batch_op.drop_column("document_index")

"""Register book and number of each dossier; the unit's lookup address (issue 8, papers and slip)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30

Each dossier gets the book and number of the Sổ theo dõi hồ sơ that Mẫu 01 prints (domain.register):
one counter row per book, and a unique index so a number is never given twice in a book of the unit.
Dossiers received before keep no number (their slips were printed with the dotted blanks).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "register_book_counter",
        sa.Column("book", sa.String(length=16), nullable=False),
        sa.Column("issued", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("book", name=op.f("pk_register_book_counter")),
    )
    with op.batch_alter_table("dossier", schema=None) as batch_op:
        batch_op.add_column(sa.Column("register_book", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("register_number", sa.Integer(), nullable=True))
        batch_op.create_index(
            "ux_dossier_register", ["unit_code", "register_book", "register_number"], unique=True
        )
    with op.batch_alter_table("unit_profile", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lookup_url", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("unit_profile", schema=None) as batch_op:
        batch_op.drop_column("lookup_url")
    with op.batch_alter_table("dossier", schema=None) as batch_op:
        batch_op.drop_index("ux_dossier_register")
        batch_op.drop_column("register_number")
        batch_op.drop_column("register_book")
    op.drop_table("register_book_counter")

"""A supervisor's resolution of a sync conflict, recorded (issue 13, R)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01

`conflict_resolution`: at most one per conflict (its primary key IS the conflict's id, so a second
resolution, even from another server process at the same instant, fails in the database), with who
decided (a supervisor account of the unit), when, why (a required note), the fields a merge took and
the effect applied in the same transaction (sync/server/conflicts.py).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "conflict_resolution",
        sa.Column("conflict_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  sa.ForeignKey("conflict.id", name=op.f("fk_conflict_resolution_conflict_id_conflict")),
                  primary_key=True),
        sa.Column("unit_code", sa.String(length=32), nullable=False),
        sa.Column("resolution", sa.String(length=20), nullable=False),
        sa.Column("supervisor_username", sa.String(length=32), nullable=False),
        sa.Column("supervisor_name", sa.Text(), nullable=False),
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("effect", sa.JSON(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("resolution IN ('keep_server', 'keep_counter', 'merge', 'reject')",
                           name=op.f("ck_conflict_resolution_resolution_known")),
        sa.CheckConstraint("length(note) > 0", name=op.f("ck_conflict_resolution_note_given")),
    )
    with op.batch_alter_table("conflict", schema=None) as batch_op:
        batch_op.create_index("ix_conflict_unit_code", ["unit_code", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("conflict", schema=None) as batch_op:
        batch_op.drop_index("ix_conflict_unit_code")
    op.drop_table("conflict_resolution")

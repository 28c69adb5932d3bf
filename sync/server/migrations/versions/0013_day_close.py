"""Day closes of each device (issue 10, D)

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30

`day_close` keeps each device's closed days (op "day.close"): the figures the province reads
(`provincial-server closes`) and the whole payload. One close per device and day (a unique constraint):
a second, different close of that day is answered as a conflict, never stored over the first.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "day_close",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("unit_code", sa.String(length=32), nullable=False),
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("desk_slot", sa.Integer(), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("counted_total", sa.BigInteger(), nullable=False),
        sa.Column("expected_cash", sa.BigInteger(), nullable=False),
        sa.Column("transfers_total", sa.BigInteger(), nullable=False),
        sa.Column("difference", sa.BigInteger(), nullable=False),
        sa.Column("receipts_count", sa.Integer(), nullable=False),
        sa.Column("cancellations_count", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["unit_code"], ["unit.code"], name=op.f("fk_day_close_unit_code_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_day_close")),
        sa.UniqueConstraint("device_id", "day", name="uq_day_close_device_day"),
    )
    op.create_index("ix_day_close_unit_day", "day_close", ["unit_code", "day"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_day_close_unit_day", table_name="day_close")
    op.drop_table("day_close")

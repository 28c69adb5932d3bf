"""Audit trail of each device, verified and kept (issue 10, C)

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30

`audit_entry` keeps every audit row each device sends in its operations' envelopes (sync/server/audit.py),
the rows that break the device's chain included, marked as such: nothing a counter sends is dropped.
`audit_head` keeps each device's highest linked row apart from the rows.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_entry",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("at", sa.String(length=40), nullable=False),
        sa.Column("device", sa.String(length=36), nullable=False),
        sa.Column("clerk_name", sa.Text(), nullable=False),
        sa.Column("clerk_username", sa.String(length=32), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("before", sa.Text(), nullable=True),
        sa.Column("after", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("device_epoch", sa.String(length=36), nullable=False),
        sa.Column("op_id", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("problem", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["device_id"], ["device.id"], name=op.f("fk_audit_entry_device_id_device")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entry")),
        sa.UniqueConstraint("device_id", "seq", "hash", name="uq_audit_entry_device_seq_hash"),
    )
    op.create_index("ix_audit_entry_device_seq", "audit_entry", ["device_id", "seq"], unique=False)
    op.create_table(
        "audit_head",
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["device_id"], ["device.id"], name=op.f("fk_audit_head_device_id_device")),
        sa.PrimaryKeyConstraint("device_id", name=op.f("pk_audit_head")),
    )


def downgrade() -> None:
    op.drop_table("audit_head")
    op.drop_index("ix_audit_entry_device_seq", table_name="audit_entry")
    op.drop_table("audit_entry")

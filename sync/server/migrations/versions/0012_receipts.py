"""Receipts issued and cancelled by the devices (issue 10, B)

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30

`receipt` keeps each receipt a device pushed (operation `receipt.issue`) and its cancellation
(`receipt.cancel`). A number is unique in its book (mẫu số + ký hiệu + số) on PostgreSQL and SQLite alike:
two devices, or two server processes racing, can never both hold one; the amounts must add up.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "receipt",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("unit_code", sa.String(length=32), nullable=False),
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("form_number", sa.String(length=20), nullable=False),
        sa.Column("symbol", sa.String(length=20), nullable=False),
        sa.Column("number", sa.BigInteger(), nullable=False),
        sa.Column("dossier_code", sa.String(length=40), nullable=False),
        sa.Column("fee_vnd", sa.BigInteger(), nullable=False),
        sa.Column("charge_vnd", sa.BigInteger(), nullable=False),
        sa.Column("total_vnd", sa.BigInteger(), nullable=False),
        sa.Column("method", sa.String(length=12), nullable=False),
        sa.Column("collected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancel_reason", sa.Text(), nullable=False),
        sa.Column("cancelled_by", sa.String(length=32), nullable=False),
        sa.Column("replaces_id", sa.String(length=36), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("fee_vnd >= 0 AND charge_vnd >= 0 AND total_vnd = fee_vnd + charge_vnd",
                           name=op.f("ck_receipt_amounts")),
        sa.ForeignKeyConstraint(["unit_code"], ["unit.code"], name=op.f("fk_receipt_unit_code_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_receipt")),
        sa.UniqueConstraint("form_number", "symbol", "number", name="uq_receipt_book_number"),
    )
    op.create_index("ix_receipt_unit_day", "receipt", ["unit_code", "day"])


def downgrade() -> None:
    op.drop_index("ix_receipt_unit_day", table_name="receipt")
    op.drop_table("receipt")

"""Receipts (biên lai thu phí, lệ phí) (issue 10, B)

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30

One row per receipt, never edited once issued but for its cancellation (storage.models.ReceiptRow). The
number is unique in its book (mẫu số + ký hiệu + số); `day` lets a closed day refuse receipts dated in it.
The receipt keeps the collecting unit and its tax code as printed; the unit profile gets both (đơn vị thu,
mã số thuế) for the receipts to come.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# A receipt is a legal record: never deleted, never edited; the one change allowed is its cancellation
# (issued -> cancelled, once). The database refuses anything else, whatever code asks.
_FIXED = ("id", "form_number", "symbol", "number", "dossier_code", "payer_name", "payer_address", "items", "fee_vnd",
          "charge_vnd", "total_vnd", "method", "bank_reference", "collected_at", "day", "collector",
          "collector_username", "replaces_id", "issuer_name", "issuer_tax_code")
IMMUTABLE_TRIGGERS = (
    "CREATE TRIGGER receipt_never_deleted BEFORE DELETE ON receipt "
    "BEGIN SELECT RAISE(ABORT, 'Biên lai không được xóa; chỉ được hủy (giám sát viên, lý do).'); END",
    "CREATE TRIGGER receipt_never_edited BEFORE UPDATE ON receipt WHEN "
    + " OR ".join(f"NEW.{name} IS NOT OLD.{name}" for name in _FIXED)
    + " OR OLD.status = 'cancelled' "
    "BEGIN SELECT RAISE(ABORT, 'Biên lai không được sửa; chỉ được hủy một lần rồi lập biên lai mới.'); END",
)


def upgrade() -> None:
    op.create_table(
        "receipt",
        sa.Column("pk", sa.Integer(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("form_number", sa.String(length=20), nullable=False),
        sa.Column("symbol", sa.String(length=20), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("dossier_code", sa.String(length=40), nullable=False),
        sa.Column("payer_name", sa.Text(), nullable=False),
        sa.Column("payer_address", sa.Text(), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("fee_vnd", sa.Integer(), nullable=False),
        sa.Column("charge_vnd", sa.Integer(), nullable=False),
        sa.Column("total_vnd", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=12), nullable=False),
        sa.Column("bank_reference", sa.String(length=64), nullable=False),
        sa.Column("collected_at", sa.DateTime(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("collector", sa.Text(), nullable=False),
        sa.Column("collector_username", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(), nullable=True),
        sa.Column("cancel_reason", sa.Text(), nullable=False),
        sa.Column("cancelled_by", sa.String(length=32), nullable=False),
        sa.Column("replaces_id", sa.String(length=36), nullable=True),
        sa.Column("issuer_name", sa.Text(), nullable=False),
        sa.Column("issuer_tax_code", sa.String(length=14), nullable=False),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_receipt")),
        sa.UniqueConstraint("id", name=op.f("uq_receipt_id")),
    )
    op.create_index("ux_receipt_number", "receipt", ["form_number", "symbol", "number"], unique=True)
    op.create_index("ix_receipt_day", "receipt", ["day"], unique=False)
    op.create_index("ix_receipt_dossier_code", "receipt", ["dossier_code"], unique=False)
    for trigger in IMMUTABLE_TRIGGERS:
        op.execute(trigger)
    with op.batch_alter_table("unit_profile") as batch:
        batch.add_column(sa.Column("receipt_issuer", sa.Text(), server_default="", nullable=False))
        batch.add_column(sa.Column("tax_code", sa.String(length=14), server_default="", nullable=False))


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS receipt_never_deleted")
    op.execute("DROP TRIGGER IF EXISTS receipt_never_edited")
    with op.batch_alter_table("unit_profile") as batch:
        batch.drop_column("tax_code")
        batch.drop_column("receipt_issuer")
    op.drop_index("ix_receipt_dossier_code", table_name="receipt")
    op.drop_index("ix_receipt_day", table_name="receipt")
    op.drop_index("ux_receipt_number", table_name="receipt")
    op.drop_table("receipt")

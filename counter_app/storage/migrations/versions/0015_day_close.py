"""Closing the day: cash counted, differences, sign-off; closed days immutable (issue 10, D)

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30

`day_close` keeps one close per day of this desk (unique day): the cash counted by denomination, what the
issued receipts of the day make (cash expected, transfers, phí and lệ phí), the difference, its written
explanation and the supervisor who signed it off.

Nothing in a closed day can change afterwards, and the database itself says so (triggers, not Python
checks, so no code path and no hand-made SQL write gets round it): a receipt dated in a closed day cannot
be inserted, updated (cancelled) or deleted, and a close cannot be updated or deleted. The message is
domain.day_close.CLOSED_DAY_MESSAGE; storage.database turns it into a Vietnamese DomainError.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Copied, not imported: a migration is frozen history, the messages it installs must not move with the code.
CLOSED_DAY_MESSAGE = ("Ngày này đã khóa sổ: không lập, hủy hay sửa biên lai ghi ngày đã khóa sổ được. "
                      "Chưa có gì được lưu.")
CLOSE_IMMUTABLE_MESSAGE = "Biên bản khóa sổ ngày đã lập không sửa, không xóa được."
CLOSED = "EXISTS (SELECT 1 FROM day_close WHERE day_close.day = {row}.day)"
TRIGGERS = {
    "receipt_insert_closed_day": f"BEFORE INSERT ON receipt WHEN {CLOSED.format(row='NEW')}",
    "receipt_update_closed_day": f"BEFORE UPDATE ON receipt WHEN {CLOSED.format(row='OLD')} OR {CLOSED.format(row='NEW')}",
    "receipt_delete_closed_day": f"BEFORE DELETE ON receipt WHEN {CLOSED.format(row='OLD')}",
}
CLOSE_TRIGGERS = {
    "day_close_no_update": "BEFORE UPDATE ON day_close",
    "day_close_no_delete": "BEFORE DELETE ON day_close",
}


def upgrade() -> None:
    op.create_table(
        "day_close",
        sa.Column("pk", sa.Integer(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("desk_slot", sa.Integer(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=False),
        sa.Column("clerk", sa.Text(), nullable=False),
        sa.Column("clerk_username", sa.String(length=32), nullable=False),
        sa.Column("counted", sa.JSON(), nullable=False),
        sa.Column("counted_total", sa.Integer(), nullable=False),
        sa.Column("expected_cash", sa.Integer(), nullable=False),
        sa.Column("transfers_total", sa.Integer(), nullable=False),
        sa.Column("fee_total", sa.Integer(), nullable=False),
        sa.Column("charge_total", sa.Integer(), nullable=False),
        sa.Column("receipts_count", sa.Integer(), nullable=False),
        sa.Column("cancellations_count", sa.Integer(), nullable=False),
        sa.Column("difference", sa.Integer(), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("supervisor", sa.String(length=32), nullable=False),
        sa.Column("supervisor_name", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_day_close")),
        sa.UniqueConstraint("id", name=op.f("uq_day_close_id")),
        sa.UniqueConstraint("day", name="uq_day_close_day"),
    )
    for name, when in TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {when} BEGIN SELECT RAISE(ABORT, '{CLOSED_DAY_MESSAGE}'); END")
    for name, when in CLOSE_TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {when} BEGIN SELECT RAISE(ABORT, '{CLOSE_IMMUTABLE_MESSAGE}'); END")


def downgrade() -> None:
    for name in (*TRIGGERS, *CLOSE_TRIGGERS):
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table("day_close")

"""Backups and restores: the pull-back a restored counter owes (issue 12, C)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01

`sync_state.pullback_pending` is set by `counter-app restore` (services/restore.py) and cleared by the
sync once the counter has pulled back its own dossiers from the province (sync/client/pullback.py). While
it is set, the database itself refuses to issue a dossier code (desk_day_counter), a register number
(register_book_counter), a receipt number (number_range.next_number) or a guidance slip's number (its
outbox operation): triggers, not Python checks, so no code path gets round it. The message is domain.restore.PULLBACK_PENDING_MESSAGE; storage.database turns
it into a Vietnamese DomainError.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Copied, not imported: a migration is frozen history.
PULLBACK_PENDING_MESSAGE = (
    "Quầy vừa được khôi phục từ bản sao lưu và chưa lấy lại hồ sơ của mình từ máy chủ tỉnh, nên chưa cấp "
    "được mã hồ sơ, số sổ, số biên lai hay số phiếu hướng dẫn mới (có thể trùng số máy chủ đã có). Hãy đồng "
    "bộ (F9) khi có mạng; chưa có gì được lưu."
)
PENDING = "(SELECT pullback_pending FROM sync_state WHERE id = 1) = 1"
TRIGGERS = {
    "desk_day_counter_insert_pullback": f"BEFORE INSERT ON desk_day_counter WHEN {PENDING}",
    "desk_day_counter_update_pullback": f"BEFORE UPDATE ON desk_day_counter WHEN {PENDING}",
    "register_book_counter_insert_pullback": f"BEFORE INSERT ON register_book_counter WHEN {PENDING}",
    "register_book_counter_update_pullback": f"BEFORE UPDATE ON register_book_counter WHEN {PENDING}",
    "number_range_issue_pullback": f"BEFORE UPDATE OF next_number ON number_range WHEN {PENDING}",
    # A guidance slip's number is the day's highest + 1 (storage/guidance.py): refused with its operation,
    # which only a slip given here writes (the pull-back stores the province's slips without one).
    "outbox_guidance_pullback": f"BEFORE INSERT ON outbox WHEN {PENDING} AND NEW.op_type = 'guidance.record'",
}


def upgrade() -> None:
    with op.batch_alter_table("sync_state") as batch:
        batch.add_column(sa.Column("pullback_pending", sa.Boolean(), nullable=False, server_default=sa.false()))
    for name, when in TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {when} BEGIN SELECT RAISE(ABORT, '{PULLBACK_PENDING_MESSAGE}'); END")


def downgrade() -> None:
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    with op.batch_alter_table("sync_state") as batch:
        batch.drop_column("pullback_pending")

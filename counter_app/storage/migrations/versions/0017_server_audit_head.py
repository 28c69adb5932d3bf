"""The last audit row the provincial server holds for this counter (issue 10, review R)

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30

Two columns on the one sync_state row: the seq and hash of the newest audit row the server has chained
for this device under the current epoch, as the last push answered it. `verify-audit` and the start
check require the local chain to hold that very row: someone who drops the triggers, rewrites the
counter's tail and moves `audit_head` back is then caught on the counter too, not only at the province.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sync_state") as batch:
        batch.add_column(sa.Column("server_audit_seq", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("server_audit_hash", sa.String(length=64), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("sync_state") as batch:
        batch.drop_column("server_audit_hash")
        batch.drop_column("server_audit_seq")

"""Processing-time rules of procedures: unit, cut-off hour, per-channel times (issue 8)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30

Two nullable/defaulted columns on `procedure`: `time_rules` (the catalog's "times" mapping, JSON) and
`time_source`. Existing rows keep NULL rules and so keep their old meaning (working hours), unchanged.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("procedure") as batch:
        batch.add_column(sa.Column("time_rules", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("time_source", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("procedure") as batch:
        batch.drop_column("time_source")
        batch.drop_column("time_rules")

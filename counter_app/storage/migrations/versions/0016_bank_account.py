"""The collecting unit's bank account for fees paid by transfer (VietQR) (issue 10, E)

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30

Three columns on the one unit_profile row: the bank's NAPAS BIN, the account number and the account
holder's name as the bank registers it. Empty strings mean "no account set": the fees screen then
offers cash only and says why.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("unit_profile") as batch:
        batch.add_column(sa.Column("bank_bin", sa.String(length=6), nullable=False, server_default=""))
        batch.add_column(sa.Column("bank_account", sa.String(length=19), nullable=False, server_default=""))
        batch.add_column(sa.Column("bank_account_name", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("unit_profile") as batch:
        batch.drop_column("bank_account_name")
        batch.drop_column("bank_account")
        batch.drop_column("bank_bin")

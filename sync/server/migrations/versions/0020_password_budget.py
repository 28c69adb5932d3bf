"""A supervisor's budget of wrong passwords kept in the database, shared by every worker (issue 13)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02

Before, each server process kept its own budget in memory, so `serve --workers 4` gave a desk guessing a
supervisor's password four budgets. `password_budget` holds one row per supervisor of a unit that has been
given a wrong password (sync/server/password_budget.py); the row is written by one atomic upsert.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "password_budget",
        sa.Column("unit_code", sa.String(length=32), nullable=False),
        sa.Column("username", sa.String(length=32), nullable=False),
        sa.Column("charged_until", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["unit_code", "username"], ["clerk_account.unit_code", "clerk_account.username"],
                                name=op.f("fk_password_budget_unit_code_clerk_account")),
        sa.PrimaryKeyConstraint("unit_code", "username", name=op.f("pk_password_budget")),
    )


def downgrade() -> None:
    op.drop_table("password_budget")

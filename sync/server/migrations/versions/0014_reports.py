"""Province-wide reports (issue 11, C)

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30

Reserved by the lead; part C fills it (report columns and indexes, report tokens).
"""

from collections.abc import Sequence

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

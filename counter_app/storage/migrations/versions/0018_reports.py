"""Indexes for the supervisor's reports (issue 11, A)

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-30

Reserved by the lead; part A fills it with what the report queries need to stay under a second on a
million dossiers.
"""

from collections.abc import Sequence

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

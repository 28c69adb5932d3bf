"""Intake outcomes: guidance and refusal at the desk (issue 9)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30

Placeholder reserved so that parallel work keeps one chain of revisions: filled in by the change that
needs it.
"""

from collections.abc import Sequence

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

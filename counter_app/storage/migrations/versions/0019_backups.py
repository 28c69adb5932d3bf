"""Backups and restores (issue 12, C)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01

Reserved for part C (backups, restore and the pull-back of the counter's own dossiers); no-op until filled.
"""

from collections.abc import Sequence

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

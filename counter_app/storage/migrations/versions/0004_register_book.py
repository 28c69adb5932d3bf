"""Register book and number of each dossier; the unit's lookup address (issue 8, papers and slip)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30

Placeholder reserved so that parallel work keeps one chain of revisions: filled in by the change that
needs it.
"""

from collections.abc import Sequence

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

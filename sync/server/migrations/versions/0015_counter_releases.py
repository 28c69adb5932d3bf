"""Counter releases published by the province (issue 12, E)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01

Reserved for part E (the newest counter version, its hash and file); no-op until filled.
"""

from collections.abc import Sequence

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

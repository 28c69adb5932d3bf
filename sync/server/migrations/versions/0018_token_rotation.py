"""Device tokens rotated on a schedule, the previous one honoured until the new one is used (issue 13, H)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01

RESERVED STUB on main: the part named above fills it in.
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

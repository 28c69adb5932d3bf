"""Drop `ix_dossier_event_dossier_id`: `ix_dossier_event_dossier_id_at` starts with the same column (issue 13)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01

Every lookup by dossier uses the two-column index as well; the one-column copy only cost a write for each
of a dossier's history events (about a tenth of a backlog push's index writes).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_dossier_event_dossier_id", table_name="dossier_event")


def downgrade() -> None:
    op.create_index("ix_dossier_event_dossier_id", "dossier_event", ["dossier_id"])


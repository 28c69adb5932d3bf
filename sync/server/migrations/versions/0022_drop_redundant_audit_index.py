"""Drop `ix_audit_entry_device_seq`: `uq_audit_entry_device_seq_hash` starts with the same columns (issue 13)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-03

The unique constraint's index (device_id, seq, hash) serves every lookup of a device's rows by seq, the
range a push reads around its rows included; the two-column copy only cost a write for each audit row.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_audit_entry_device_seq", table_name="audit_entry")


def downgrade() -> None:
    op.create_index("ix_audit_entry_device_seq", "audit_entry", ["device_id", "seq"])

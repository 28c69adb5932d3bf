"""Indexes for the supervisor's reports (issue 11, A)

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-30

What the report queries (counter_app/reports/queries.py) filter on, so that a day, a month or a
"pending at the end" stays under a second on a million dossiers: status steps by target status and time,
results returned, apologies and receipt cancellations by time, and the outbox by entity (is a dossier's
creation acknowledged?), and a dossier's steps and apologies in time order. docs/reports.md.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


INDEXES = (
    ("ix_dossier_event_to_status_at", "dossier_event", ["to_status", "at"]),
    ("ix_outbox_entity_id", "outbox", ["entity_id"]),
    ("ix_result_return_returned_at", "result_return", ["returned_at"]),
    ("ix_apology_at", "apology", ["at"]),
    ("ix_receipt_cancelled_at", "receipt", ["cancelled_at"]),
    # A dossier's steps and apologies in time order: its last step before an instant and its first apology
    # (the legal due date) without a sort per dossier, for every pending or finished dossier of a report.
    ("ix_dossier_event_dossier_pk_at", "dossier_event", ["dossier_pk", "at"]),
    ("ix_apology_dossier_pk_at", "apology", ["dossier_pk", "at"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)

"""Audit trail: append-only hash-chained log of money and status actions (issue 10, C)

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30

`audit_log` holds one row per operation the counter queues for the province (who, when, what, subject,
before, after), each chained to the one before by SHA-256 (domain/audit.py). Triggers refuse any UPDATE
or DELETE of it: normal code can only append. `audit_head` remembers the last row in a second place and
may only move one row forward, so a chain cut short is seen even if its remaining rows still link.
Operations queued before this migration have no audit row: the chain starts here.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRIGGERS = {
    "audit_log_no_update": "BEFORE UPDATE ON audit_log BEGIN "
                           "SELECT RAISE(ABORT, 'audit_log is append-only: rows cannot be changed'); END",
    "audit_log_no_delete": "BEFORE DELETE ON audit_log BEGIN "
                           "SELECT RAISE(ABORT, 'audit_log is append-only: rows cannot be deleted'); END",
    "audit_head_forward_only": "BEFORE UPDATE ON audit_head WHEN NEW.seq != OLD.seq + 1 BEGIN "
                               "SELECT RAISE(ABORT, 'audit_head moves one row forward at a time'); END",
    "audit_head_no_delete": "BEFORE DELETE ON audit_head BEGIN "
                            "SELECT RAISE(ABORT, 'audit_head cannot be deleted'); END",
}


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", sa.String(length=40), nullable=False),
        sa.Column("device", sa.String(length=36), nullable=False),
        sa.Column("clerk_name", sa.Text(), nullable=False),
        sa.Column("clerk_username", sa.String(length=32), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("before", sa.Text(), nullable=True),
        sa.Column("after", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("op_seq", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_log")),
    )
    op.create_index("ix_audit_log_op_seq", "audit_log", ["op_seq"], unique=False)
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")),
    )
    for name, body in TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {body}")


def downgrade() -> None:
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table("audit_head")
    op.drop_index("ix_audit_log_op_seq", table_name="audit_log")
    op.drop_table("audit_log")

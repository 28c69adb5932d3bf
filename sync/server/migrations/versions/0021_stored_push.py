"""Stored pushes: a batch kept as it came and applied in the background, with its answer (issue 13)

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03

A counter on a good link stores its backlog at the province batch after batch without waiting for each to
be applied; `stored_push` holds each batch's body until it is applied and the answer the counter fetches
(sync/server/inbox.py). The partial index finds each device's oldest waiting batch.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "stored_push",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("batch_id", sa.String(length=64), nullable=False),
        sa.Column("content_encoding", sa.String(length=40), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("stored_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("answer", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(["device_id"], ["device.id"], name=op.f("fk_stored_push_device_id_device")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stored_push")),
        sa.UniqueConstraint("device_id", "batch_id", name="uq_stored_push_device_batch"),
    )
    op.create_index("ix_stored_push_waiting", "stored_push", ["device_id", "id"],
                    sqlite_where=sa.text("answered_at IS NULL"), postgresql_where=sa.text("answered_at IS NULL"))
    op.create_index("ix_stored_push_answered_at", "stored_push", ["answered_at"])


def downgrade() -> None:
    op.drop_index("ix_stored_push_answered_at", table_name="stored_push")
    op.drop_index("ix_stored_push_waiting", table_name="stored_push")
    op.drop_table("stored_push")

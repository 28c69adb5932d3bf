"""Device tokens rotated on a schedule, the previous one honoured until the new one is used (issue 13, H)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01

`device.token_issued_at`: when the device's current token was issued (NULL: at enrolment, before this
migration); `device.next_token_hash`: SHA-256 of the token offered in hello and not used yet (unique, so
no two devices can ever hold the same one). `token_rotation`: one row per offer and per completed
rotation, for the record (never the token nor its hash).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMNs (nullable, no default): no table copy on SQLite, instant on PostgreSQL.
    op.add_column("device", sa.Column("token_issued_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("device", sa.Column("next_token_hash", sa.String(length=64), nullable=True))
    op.create_index(op.f("ix_device_next_token_hash"), "device", ["next_token_hash"], unique=True)
    op.create_table(
        "token_rotation",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
        sa.Column("device_id", sa.String(length=36),
                  sa.ForeignKey("device.id", name=op.f("fk_token_rotation_device_id_device")), nullable=False),
        sa.Column("event", sa.String(length=12), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("event IN ('offered', 'completed')", name=op.f("ck_token_rotation_event_known")),
    )
    op.create_index(op.f("ix_token_rotation_device_id"), "token_rotation", ["device_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_token_rotation_device_id"), table_name="token_rotation")
    op.drop_table("token_rotation")
    op.drop_index(op.f("ix_device_next_token_hash"), table_name="device")
    with op.batch_alter_table("device") as batch:
        batch.drop_column("next_token_hash")
        batch.drop_column("token_issued_at")

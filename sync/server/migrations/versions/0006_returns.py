"""Returning results at the desk and by post (issue 9)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30

`result_return` keeps each return a counter pushed (operation `result.return`) and the latest step of a
posted item (`shipment.state`). The S10 item code is unique: two desks can never both hold one code.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "result_return",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("unit_code", sa.String(length=32), nullable=False),
        sa.Column("dossier_code", sa.String(length=40), nullable=False),
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("method", sa.String(length=8), nullable=False),
        sa.Column("item_code", sa.String(length=13), nullable=True),
        sa.Column("shipment_state", sa.String(length=10), nullable=True),
        sa.Column("returned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["unit_code"], ["unit.code"], name=op.f("fk_result_return_unit_code_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_result_return")),
        sa.UniqueConstraint("item_code", name=op.f("uq_result_return_item_code")),
    )
    op.create_index("ix_result_return_dossier_code", "result_return", ["dossier_code"])


def downgrade() -> None:
    op.drop_index("ix_result_return_dossier_code", table_name="result_return")
    op.drop_table("result_return")

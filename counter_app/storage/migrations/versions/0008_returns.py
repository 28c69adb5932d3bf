"""Returning results at the desk and by post (issue 9)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30

`result_return` holds each result handed back (at the desk: receiver and ID number; by post: recipient,
phone, post-2025 address, postage, payer and the S10 item code, unique) and `shipment_event` each step of
a posted result (handed, delivered, returned to sender). docs/returns-and-post.md.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "result_return",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("dossier_pk", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=8), nullable=False),
        sa.Column("returned_at", sa.DateTime(), nullable=False),
        sa.Column("clerk", sa.Text(), nullable=False),
        sa.Column("clerk_username", sa.String(length=32), nullable=False),
        sa.Column("receiver_name", sa.Text(), nullable=False),
        sa.Column("receiver_id_number", sa.String(length=20), nullable=False),
        sa.Column("phone", sa.String(length=15), nullable=False),
        sa.Column("province_code", sa.Integer(), nullable=True),
        sa.Column("ward_code", sa.Integer(), nullable=True),
        sa.Column("street", sa.Text(), nullable=False),
        sa.Column("address_text", sa.Text(), nullable=False),
        sa.Column("postage", sa.Integer(), nullable=True),
        sa.Column("payer", sa.String(length=8), nullable=True),
        sa.Column("item_code", sa.String(length=13), nullable=True),
        sa.Column("shipment_state", sa.String(length=10), nullable=True),
        sa.Column("state_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["dossier_pk"], ["dossier.pk"], name=op.f("fk_result_return_dossier_pk_dossier")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_result_return")),
        sa.UniqueConstraint("item_code", name=op.f("uq_result_return_item_code")),
    )
    op.create_index("ix_result_return_dossier_pk", "result_return", ["dossier_pk"])
    op.create_index("ix_result_return_shipment_state", "result_return", ["shipment_state"])
    op.create_table(
        "shipment_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("return_id", sa.String(length=36), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("actor_username", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(["return_id"], ["result_return.id"],
                                name=op.f("fk_shipment_event_return_id_result_return")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shipment_event")),
    )
    op.create_index("ix_shipment_event_return_id", "shipment_event", ["return_id"])


def downgrade() -> None:
    op.drop_index("ix_shipment_event_return_id", table_name="shipment_event")
    op.drop_table("shipment_event")
    op.drop_index("ix_result_return_shipment_state", table_name="result_return")
    op.drop_index("ix_result_return_dossier_pk", table_name="result_return")
    op.drop_table("result_return")

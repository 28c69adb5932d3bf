"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-27

The first released schema. tests/fixtures/db/schema_0001.sqlite is a file written at this revision.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "calendar_override",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_calendar_override")),
    )
    op.create_table(
        "desk_day_counter",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("desk_slot", sa.Integer(), nullable=False),
        sa.Column("issued", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "desk_slot", name=op.f("pk_desk_day_counter")),
    )
    op.create_table(
        "dossier",
        sa.Column("pk", sa.Integer(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("unit_code", sa.String(length=32), nullable=False),
        sa.Column("desk_slot", sa.Integer(), nullable=False),
        sa.Column("procedure_code", sa.String(length=40), nullable=False),
        sa.Column("procedure_name", sa.Text(), nullable=False),
        sa.Column("applicant_type", sa.String(length=20), nullable=False),
        sa.Column("applicant_name", sa.Text(), nullable=False),
        sa.Column("applicant_id_type", sa.String(length=10), nullable=False),
        sa.Column("applicant_id_number", sa.String(length=20), nullable=False),
        sa.Column("applicant_phone", sa.String(length=15), nullable=False),
        sa.Column("applicant_email", sa.Text(), nullable=False),
        sa.Column("applicant_birth_date", sa.Date(), nullable=True),
        sa.Column("applicant_gender", sa.String(length=10), nullable=True),
        sa.Column("applicant_address", sa.JSON(), nullable=False),
        sa.Column("submitter", sa.JSON(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("documents", sa.JSON(), nullable=False),
        sa.Column("sets_count", sa.Integer(), nullable=False),
        sa.Column("channel", sa.Integer(), nullable=False),
        sa.Column("result_delivery", sa.String(length=10), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("processing_hours", sa.Integer(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("received_by", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_dossier")),
        sa.UniqueConstraint("code", name=op.f("uq_dossier_code")),
        sa.UniqueConstraint("id", name=op.f("uq_dossier_id")),
    )
    with op.batch_alter_table("dossier", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_dossier_applicant_id_number"), ["applicant_id_number"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_dossier_applicant_phone"), ["applicant_phone"], unique=False)
        batch_op.create_index(batch_op.f("ix_dossier_received_at"), ["received_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_dossier_status"), ["status"], unique=False)

    op.create_table(
        "outbox",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("op_id", sa.String(length=36), nullable=False),
        sa.Column("entity", sa.String(length=30), nullable=False),
        sa.Column("entity_id", sa.String(length=64), nullable=False),
        sa.Column("op_type", sa.String(length=40), nullable=False),
        sa.Column("base_version", sa.Integer(), nullable=True),
        sa.Column("schema_version", sa.Integer(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("payload_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("batch_id", sa.String(length=36), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("result_code", sa.String(length=40), nullable=True),
        sa.Column("result_message", sa.Text(), nullable=True),
        sa.Column("acked_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_outbox")),
        sa.UniqueConstraint("op_id", name=op.f("uq_outbox_op_id")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_state_seq", ["state", "seq"], unique=False)

    op.create_table(
        "procedure",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("name_folded", sa.Text(), nullable=False),
        sa.Column("sector", sa.Text(), nullable=False),
        sa.Column("level", sa.Text(), nullable=False),
        sa.Column("processing_hours", sa.Integer(), nullable=False),
        sa.Column("online_processing_hours", sa.Integer(), nullable=True),
        sa.Column("time_unit", sa.String(length=20), nullable=False),
        sa.Column("fees", sa.JSON(), nullable=False),
        sa.Column("documents", sa.JSON(), nullable=False),
        sa.Column("result_delivery", sa.JSON(), nullable=False),
        sa.Column("required_fields", sa.JSON(), nullable=False),
        sa.Column("is_sample", sa.Boolean(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_procedure")),
    )
    op.create_table(
        "unit_profile",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("db_generation", sa.String(length=36), nullable=False),
        sa.Column("unit_code", sa.String(length=32), nullable=False),
        sa.Column("unit_name", sa.Text(), nullable=False),
        sa.Column("authority_name", sa.Text(), nullable=False),
        sa.Column("place_name", sa.Text(), nullable=False),
        sa.Column("province_code", sa.Integer(), nullable=True),
        sa.Column("ward_code", sa.Integer(), nullable=True),
        sa.Column("desk_slot", sa.Integer(), nullable=False),
        sa.Column("clerk_name", sa.Text(), nullable=False),
        sa.Column("calendar_config", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_profile")),
    )
    op.create_table(
        "dossier_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dossier_pk", sa.Integer(), nullable=False),
        sa.Column("from_status", sa.Integer(), nullable=True),
        sa.Column("to_status", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dossier_pk"], ["dossier.pk"], name=op.f("fk_dossier_event_dossier_pk_dossier")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dossier_event")),
    )
    with op.batch_alter_table("dossier_event", schema=None) as batch_op:
        batch_op.create_index("ix_dossier_event_dossier_pk", ["dossier_pk"], unique=False)

    # Search index: one row per dossier (rowid = dossier.pk) holding text folded in Python (diacritics
    # and đ/Đ removed; see counter_app.domain.text.fold), so the tokenizer only splits and lowercases.
    op.execute(
        "CREATE VIRTUAL TABLE dossier_fts USING fts5(body, tokenize='unicode61 remove_diacritics 2', prefix='2 3')"
    )


def downgrade() -> None:
    op.execute("DROP TABLE dossier_fts")
    with op.batch_alter_table("dossier_event", schema=None) as batch_op:
        batch_op.drop_index("ix_dossier_event_dossier_pk")

    op.drop_table("dossier_event")
    op.drop_table("unit_profile")
    op.drop_table("procedure")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_state_seq")

    op.drop_table("outbox")
    with op.batch_alter_table("dossier", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dossier_status"))
        batch_op.drop_index(batch_op.f("ix_dossier_received_at"))
        batch_op.drop_index(batch_op.f("ix_dossier_applicant_phone"))
        batch_op.drop_index(batch_op.f("ix_dossier_applicant_id_number"))

    op.drop_table("dossier")
    op.drop_table("desk_day_counter")
    op.drop_table("calendar_override")

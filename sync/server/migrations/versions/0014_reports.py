"""Province-wide reports (issue 11, C)

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30

The report queries (counter_app.reports.queries over sync.server.report_sources) read plain columns, never
JSON per row: `dossier` gets the columns of the Mẫu 06 register and of the channel / back-dated figures,
copied from `data` here (in SQL on SQLite and PostgreSQL) and at ingest from then on; an apology keeps the
due date it moved (`dossier_record.previous_due_at`). Indexes let a report at 10 million dossiers read only
its period: instants per unit and province-wide, steps by date and target status, returns, records by kind.
`report_token` holds the supervisors' report-API tokens (SHA-256 only, like device tokens).
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The first step's note of a late entry (counter_app.services.clerks.LateEntry.note begins so).
LATE_ENTRY_NOTE_PREFIX = "Tiếp nhận hồ sơ nhập muộn"


def _dossier_columns() -> tuple[sa.Column, ...]:
    return (
        sa.Column("channel", sa.Integer(), nullable=True),
        sa.Column("procedure_code", sa.String(length=40), nullable=True),
        sa.Column("procedure_name", sa.Text(), nullable=True),
        sa.Column("applicant_name", sa.Text(), nullable=True),
        sa.Column("applicant_address", sa.Text(), nullable=True),
        sa.Column("applicant_phone", sa.String(length=30), nullable=True),
        sa.Column("sets_count", sa.Integer(), nullable=True),
        sa.Column("register_book", sa.String(length=20), nullable=True),
        sa.Column("register_number", sa.Integer(), nullable=True),
        sa.Column("back_dated", sa.Boolean(), server_default=sa.text("false"), nullable=False),
    )


INDEXES = (
    ("ix_dossier_unit_received_at", "dossier", ["unit_code", "received_at"]),
    ("ix_dossier_received_at", "dossier", ["received_at"]),
    ("ix_dossier_status", "dossier", ["status"]),
    ("ix_dossier_event_at", "dossier_event", ["at"]),
    ("ix_dossier_event_to_status_at", "dossier_event", ["to_status", "at"]),
    ("ix_result_return_returned_at", "result_return", ["returned_at"]),
    ("ix_dossier_record_kind_at", "dossier_record", ["kind", "at"]),
    ("ix_guidance_record_at", "guidance_record", ["at"]),
    ("ix_assisted_filing_at", "assisted_filing", ["at"]),
    ("ix_day_close_day", "day_close", ["day"]),
    ("ix_receipt_day", "receipt", ["day"]),
    ("ix_receipt_cancelled_at", "receipt", ["cancelled_at"]),
    # A dossier's steps in time order: its last step before an instant, for each pending dossier.
    ("ix_dossier_event_dossier_id_at", "dossier_event", ["dossier_id", "at"]),
)
COVERING_INDEX = "ix_dossier_report_cover"
COVERED = ("code", "unit_code", "desk_slot", "received_at", "due_at", "status", "channel", "back_dated")
_POSTGRES_BACKFILL = """
UPDATE dossier SET
    channel = (data->>'channel')::integer,
    procedure_code = data->>'procedure_code',
    procedure_name = data->>'procedure_name',
    applicant_name = data->>'applicant_name',
    applicant_address = coalesce(nullif(data#>>'{applicant,address,text}', ''), data#>>'{applicant,address,street}', ''),
    applicant_phone = data->>'phone',
    sets_count = (data->>'sets_count')::integer,
    register_book = data->>'register_book',
    register_number = (data->>'register_number')::integer,
    back_dated = coalesce(data#>>'{history,0,note}' LIKE :late, false)
"""
_SQLITE_BACKFILL = """
UPDATE dossier SET
    channel = json_extract(data, '$.channel'),
    procedure_code = json_extract(data, '$.procedure_code'),
    procedure_name = json_extract(data, '$.procedure_name'),
    applicant_name = json_extract(data, '$.applicant_name'),
    applicant_address = coalesce(nullif(json_extract(data, '$.applicant.address.text'), ''),
                                 json_extract(data, '$.applicant.address.street'), ''),
    applicant_phone = json_extract(data, '$.phone'),
    sets_count = json_extract(data, '$.sets_count'),
    register_book = json_extract(data, '$.register_book'),
    register_number = json_extract(data, '$.register_number'),
    back_dated = coalesce(json_extract(data, '$.history[0].note') LIKE :late, 0)
"""
BATCH = 5_000


def _instant(text: object) -> datetime | None:
    if not isinstance(text, str):
        return None
    value = datetime.fromisoformat(text)
    return value.astimezone(UTC) if value.tzinfo else None


def _backfill_instants(connection: sa.Connection) -> None:
    """Due dates of dossiers created before 0005 and apologies' previous due dates, from their JSON: few
    rows, parsed in Python so the stored format is exactly SQLAlchemy's on both databases."""
    meta = sa.MetaData()
    dossier = sa.Table("dossier", meta, sa.Column("id", sa.String(36)), sa.Column("data", sa.JSON),
                       sa.Column("due_at", sa.DateTime(timezone=True)))
    record = sa.Table("dossier_record", meta, sa.Column("id", sa.Integer), sa.Column("kind", sa.String(12)),
                      sa.Column("data", sa.JSON), sa.Column("previous_due_at", sa.DateTime(timezone=True)))
    for table, key, column, where in (
        (dossier, "due_at", dossier.c.due_at, dossier.c.due_at.is_(None)),
        (record, "previous_due_at", record.c.previous_due_at, sa.and_(record.c.kind == "apology",
                                                                        record.c.previous_due_at.is_(None))),
    ):
        rows = connection.execute(sa.select(table.c.id, table.c.data).where(where)).all()
        for start in range(0, len(rows), BATCH):
            values = [{"row_id": row_id, "value": _instant((data or {}).get(key))}
                      for row_id, data in rows[start:start + BATCH]]
            values = [v for v in values if v["value"] is not None]
            if values:
                connection.execute(sa.update(table).where(table.c.id == sa.bindparam("row_id"))
                                   .values({column.name: sa.bindparam("value")}), values)


def upgrade() -> None:
    # Plain ADD COLUMN (SQLite has it): a batch copy of `dossier` would drop a table others refer to.
    for column in _dossier_columns():
        op.add_column("dossier", column)
    op.add_column("dossier_record", sa.Column("previous_due_at", sa.DateTime(timezone=True), nullable=True))
    connection = op.get_bind()
    backfill = _POSTGRES_BACKFILL if connection.dialect.name == "postgresql" else _SQLITE_BACKFILL
    connection.execute(sa.text(backfill), {"late": LATE_ENTRY_NOTE_PREFIX + "%"})
    _backfill_instants(connection)
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)
    if connection.dialect.name == "postgresql":
        # What the figures read of a dossier, beside its id: a province's month joins a million dossiers,
        # and `dossier` is ~1.7 KB a row (the operation's JSON), so PostgreSQL scanned all of it (17 GB at
        # 10M) to hash-join them; this index is ~1/10 of that and answers index-only. SQLite has no INCLUDE.
        op.create_index(COVERING_INDEX, "dossier", ["id"], postgresql_include=list(COVERED))
    op.create_table(
        "report_token",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("unit_code", sa.String(length=32), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["unit_code"], ["unit.code"], name=op.f("fk_report_token_unit_code_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_report_token_token_hash")),
    )


def downgrade() -> None:
    op.drop_table("report_token")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index(COVERING_INDEX, table_name="dossier")
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
    op.drop_column("dossier_record", "previous_due_at")
    for column in reversed(_dossier_columns()):
        op.drop_column("dossier", column.name)

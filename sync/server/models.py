"""The provincial server's tables (SQLite by default, PostgreSQL in production).

Several stateless server processes may share one PostgreSQL database: everything that must be unique
or ordered is enforced by the database (unique constraints, sequences, row locks), never in memory.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on both SQLite and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Meta(Base):
    """Server-wide facts such as the server epoch."""

    __tablename__ = "meta"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Unit(Base):
    __tablename__ = "unit"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


# One active device per (unit, desk slot): the database refuses a second one, whatever races above it.
ACTIVE_SLOT_INDEX = "uq_device_unit_slot_active"


class Device(Base):
    __tablename__ = "device"
    __table_args__ = (
        Index(ACTIVE_SLOT_INDEX, "unit_code", "desk_slot", unique=True,
              sqlite_where=text("NOT revoked"), postgresql_where=text("NOT revoked")),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    unit_code: Mapped[str] = mapped_column(ForeignKey("unit.code"))
    desk_slot: Mapped[int] = mapped_column(Integer)
    # SHA-256 of the exact token (sync.server.auth.token_digest).
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # True while token_hash is still the schema-0001 hash of the upper-cased token: replaced on first use.
    token_legacy: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    name: Mapped[str] = mapped_column(Text, default="")
    app_version: Mapped[str] = mapped_column(String(40), default="")
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    enrolled_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_seen_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The slot the counter numbered its dossiers with before it enrolled, when the province gave it
    # another: those earlier codes are still its own (sync.server.ingest.check_code_claims).
    offline_slot: Mapped[int | None] = mapped_column(Integer)
    # Token rotation (migration 0018, sync/server/token_rotation.py): when the token was issued (None: at
    # enrolment) and the hash of the one offered in hello, not used yet.
    token_issued_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    next_token_hash: Mapped[str | None] = mapped_column(String(64), index=True, unique=True)


class TokenRotation(Base):
    """A token offered to a device, or its rotation completed (the new one used): the record, no secret."""

    __tablename__ = "token_rotation"
    __table_args__ = (CheckConstraint("event IN ('offered', 'completed')", name="event_known"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    device_id: Mapped[str] = mapped_column(ForeignKey("device.id"), index=True)
    event: Mapped[str] = mapped_column(String(12))
    at: Mapped[datetime] = mapped_column(UtcDateTime)


class DeviceEpoch(Base):
    """How far the server holds a device's operations, per epoch (a restored counter starts a new one)."""

    __tablename__ = "device_epoch"

    device_id: Mapped[str] = mapped_column(ForeignKey("device.id"), primary_key=True)
    epoch: Mapped[str] = mapped_column(String(36), primary_key=True)
    acked_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)


class DeskSlotHistory(Base):
    """Every desk slot a device has held: the dossier codes it issued under an earlier slot stay its own."""

    __tablename__ = "desk_slot_history"

    device_id: Mapped[str] = mapped_column(ForeignKey("device.id"), primary_key=True)
    desk_slot: Mapped[int] = mapped_column(Integer, primary_key=True)
    since: Mapped[datetime] = mapped_column(UtcDateTime)


class EnrollmentCode(Base):
    __tablename__ = "enrollment_code"

    # PBKDF2 of the code with the server's salt (sync.server.auth.enrollment_code_hash).
    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    unit_code: Mapped[str] = mapped_column(ForeignKey("unit.code"))
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    device_id: Mapped[str | None] = mapped_column(String(36))


class OpLedger(Base):
    """Every operation ever received, with the result given: replays get the same answer."""

    __tablename__ = "op_ledger"
    __table_args__ = (
        UniqueConstraint("device_id", "op_id", name="uq_op_ledger_device_op"),
        Index("ix_op_ledger_device_epoch_seq", "device_id", "device_epoch", "seq"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    device_id: Mapped[str] = mapped_column(ForeignKey("device.id"))
    op_id: Mapped[str] = mapped_column(String(64))
    device_epoch: Mapped[str] = mapped_column(String(36))
    seq: Mapped[int] = mapped_column(BigInteger)
    op_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(64))
    payload_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(12))
    code: Mapped[str] = mapped_column(String(40), default="")
    message: Mapped[str] = mapped_column(Text, default="")
    server_version: Mapped[int | None] = mapped_column(Integer)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)


class StoredPush(Base):
    """A push batch stored as it came, to be applied in the background (sync/server/inbox.py), and its answer.

    `body` is the request body as received (compressed, checked against the bounds when stored) until the
    batch is answered, then emptied; `status` and `answer` are what the push endpoint would have answered.
    Each device's batches are applied in `id` order, one at a time.
    """

    __tablename__ = "stored_push"
    __table_args__ = (
        UniqueConstraint("device_id", "batch_id", name="uq_stored_push_device_batch"),
        Index("ix_stored_push_waiting", "device_id", "id",
              sqlite_where=text("answered_at IS NULL"), postgresql_where=text("answered_at IS NULL")),
        Index("ix_stored_push_answered_at", "answered_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    device_id: Mapped[str] = mapped_column(ForeignKey("device.id"))
    batch_id: Mapped[str] = mapped_column(String(64))
    content_encoding: Mapped[str] = mapped_column(String(40), default="")
    body: Mapped[bytes] = mapped_column(LargeBinary)
    stored_at: Mapped[datetime] = mapped_column(UtcDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    status: Mapped[int | None] = mapped_column(Integer)
    answer: Mapped[bytes | None] = mapped_column(LargeBinary)


class Dossier(Base):
    __tablename__ = "dossier"
    __table_args__ = (Index("ix_dossier_unit_status", "unit_code", "status"),
                      # Reports (issue 11, migration 0014): the period's intake, per unit and province-wide.
                      Index("ix_dossier_unit_received_at", "unit_code", "received_at"),
                      Index("ix_dossier_received_at", "received_at"),
                      Index("ix_dossier_status", "status"))
    # On PostgreSQL, migration 0014 also adds ix_dossier_report_cover: (id) INCLUDE the columns the
    # report figures read (SQLite has no INCLUDE; there it would only repeat the primary key).

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    unit_code: Mapped[str] = mapped_column(ForeignKey("unit.code"))
    desk_slot: Mapped[int] = mapped_column(Integer)
    status: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    source_device_id: Mapped[str | None] = mapped_column(String(36))
    # NgayHenTra / NgayHenTraTruoc as the counter last moved them (NULL due_at: created before 0005, see data).
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    previous_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # What the reports read (issue 11), copied from `data` at ingest (sync.server.report_sources.report_columns)
    # and backfilled by migration 0014: plain columns, so a province-wide report never parses JSON per row.
    channel: Mapped[int | None] = mapped_column(Integer)
    procedure_code: Mapped[str | None] = mapped_column(String(40))
    procedure_name: Mapped[str | None] = mapped_column(Text)
    applicant_name: Mapped[str | None] = mapped_column(Text)
    applicant_address: Mapped[str | None] = mapped_column(Text)
    applicant_phone: Mapped[str | None] = mapped_column(String(30))
    sets_count: Mapped[int | None] = mapped_column(Integer)
    register_book: Mapped[str | None] = mapped_column(String(20))
    register_number: Mapped[int | None] = mapped_column(Integer)
    # Entered late (a time received before the working day, approved by a supervisor): its first step's note.
    back_dated: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))


class DossierEvent(Base):
    __tablename__ = "dossier_event"
    __table_args__ = (Index("ix_dossier_event_at", "at"),
                      Index("ix_dossier_event_to_status_at", "to_status", "at"),
                      Index("ix_dossier_event_dossier_id_at", "dossier_id", "at"))

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    dossier_id: Mapped[str] = mapped_column(ForeignKey("dossier.id"))
    from_status: Mapped[int | None] = mapped_column(Integer)
    to_status: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(12))  # "counter" | "province"
    op_id: Mapped[str | None] = mapped_column(String(64))
    # What a lifecycle step carried besides the status: missing papers, both due dates, a hand-over row.
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class Conflict(Base):
    """A change the server could not apply without overwriting another: kept for a person to decide."""

    __tablename__ = "conflict"
    __table_args__ = (Index("ix_conflict_unit_code", "unit_code", "id"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    unit_code: Mapped[str] = mapped_column(String(32))
    dossier_code: Mapped[str] = mapped_column(String(40))
    device_id: Mapped[str] = mapped_column(String(36))
    op_id: Mapped[str] = mapped_column(String(64))
    code: Mapped[str] = mapped_column(String(40))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class ConflictResolution(Base):
    """A supervisor's decision on one conflict (issue 13, R): one per conflict, the primary key makes sure."""

    __tablename__ = "conflict_resolution"
    __table_args__ = (
        CheckConstraint("resolution IN ('keep_server', 'keep_counter', 'merge', 'reject')", name="resolution_known"),
        CheckConstraint("length(note) > 0", name="note_given"),
    )

    conflict_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), ForeignKey("conflict.id"),
                                             primary_key=True)
    unit_code: Mapped[str] = mapped_column(String(32))
    resolution: Mapped[str] = mapped_column(String(20))
    supervisor_username: Mapped[str] = mapped_column(String(32))
    supervisor_name: Mapped[str] = mapped_column(Text)
    device_id: Mapped[str] = mapped_column(String(36))
    note: Mapped[str] = mapped_column(Text)
    fields: Mapped[dict[str, Any]] = mapped_column(JSON)
    effect: Mapped[dict[str, Any]] = mapped_column(JSON)
    resolved_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ProcedureEntry(Base):
    __tablename__ = "procedure"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ChangeFeed(Base):
    """What counters pull, in server order; `unit_code` NULL means every unit."""

    __tablename__ = "change_feed"
    __table_args__ = (Index("ix_change_feed_unit_seq", "unit_code", "seq"),)

    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    unit_code: Mapped[str | None] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(20))
    entity_id: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Blob(Base):
    """A scan or attachment of one unit, content-addressed by SHA-256, uploaded in resumable chunks.

    Keyed by (unit, hash): what a device of another unit declares or uploads under the same hash can
    neither block this unit's upload nor tell anyone that this unit holds the file.
    """

    __tablename__ = "unit_blob"
    __table_args__ = (Index("ix_unit_blob_device_complete", "device_id", "complete"),)

    unit_code: Mapped[str] = mapped_column(ForeignKey("unit.code"), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    content_type: Mapped[str] = mapped_column(String(100), default="application/octet-stream")
    received: Mapped[int] = mapped_column(BigInteger, default=0)
    complete: Mapped[bool] = mapped_column(Boolean, default=False)
    # The device that started the upload (counted against its quota); NULL for blobs of schema 0001
    # whose uploader is unknown.
    device_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class BlobChunk(Base):
    __tablename__ = "unit_blob_chunk"
    __table_args__ = (
        ForeignKeyConstraint(["unit_code", "sha256"], ["unit_blob.unit_code", "unit_blob.sha256"],
                             name="fk_unit_blob_chunk_blob"),
    )

    unit_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    offset: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class NumberRange(Base):
    """A block of numbers of a series granted to one device (a receipt book, postal item codes).

    Two ranges of one series never overlap: on PostgreSQL an exclusion constraint
    (`EXCLUDE USING gist (series WITH =, int8range(first, last, '[]') WITH &&)`), on SQLite a trigger;
    both are created by migration 0002, so concurrent grants cannot both succeed.
    """

    __tablename__ = "number_range"
    __table_args__ = (CheckConstraint("first >= 1 AND first <= last", name="bounds"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    series: Mapped[str] = mapped_column(String(64))
    first: Mapped[int] = mapped_column(BigInteger)
    last: Mapped[int] = mapped_column(BigInteger)
    device_id: Mapped[str] = mapped_column(ForeignKey("device.id"))
    unit_code: Mapped[str] = mapped_column(String(32))
    granted_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Attachment(Base):
    """A blob referenced by a dossier (the same blob may serve many dossiers)."""

    __tablename__ = "attachment"
    __table_args__ = (UniqueConstraint("dossier_code", "sha256", "name", name="uq_attachment_dossier_blob"),
                      Index("ix_attachment_paper", "dossier_code", "document_index"))

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    unit_code: Mapped[str] = mapped_column(String(32))
    dossier_code: Mapped[str] = mapped_column(String(40))
    sha256: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(Text)
    size: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Digitisation (issue 9): the paper line this is the scan bundle of, its pages, when a newer bundle of
    # the paper replaced it, and the dossier whose paper it reuses. NULL for other files.
    document_index: Mapped[int | None] = mapped_column(Integer)
    page_count: Mapped[int | None] = mapped_column(Integer)
    replaced_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reused_from: Mapped[str | None] = mapped_column(String(40))


class ClerkAccount(Base):
    """A clerk account of one unit as the province keeps it: the winning version, hash only
    (counter_app.domain.accounts.merged), published to the unit's desks through the change feed."""

    __tablename__ = "clerk_account"

    unit_code: Mapped[str] = mapped_column(ForeignKey("unit.code"), primary_key=True)
    username: Mapped[str] = mapped_column(String(32), primary_key=True)
    full_name: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(12))
    password_hash: Mapped[str] = mapped_column(String(100))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer)
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    source_device_id: Mapped[str] = mapped_column(String(36))


class PasswordBudget(Base):
    """How far wrong passwords have spent one supervisor's budget (sync/server/password_budget.py): shared by
    every server process, so N workers do not give a guesser N budgets. One row per supervisor of a unit that
    has ever been given a wrong password; `charged_until` is in seconds since the epoch (UTC)."""

    __tablename__ = "password_budget"
    __table_args__ = (ForeignKeyConstraint(["unit_code", "username"],
                                           ["clerk_account.unit_code", "clerk_account.username"]),)

    unit_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    username: Mapped[str] = mapped_column(String(32), primary_key=True)
    charged_until: Mapped[float] = mapped_column(Float)


class ResultReturn(Base):
    """A result handed back at a desk or sent by post (issue 9), as the counter recorded it.

    The item code is unique across the province: the same S10 code twice is refused by the database,
    whatever the handler checked before (sync/server/returns.py also checks it lies in a range granted
    to the sending device).
    """

    __tablename__ = "result_return"
    __table_args__ = (Index("ix_result_return_dossier_code", "dossier_code"),
                      Index("ix_result_return_returned_at", "returned_at"))

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    unit_code: Mapped[str] = mapped_column(ForeignKey("unit.code"))
    dossier_code: Mapped[str] = mapped_column(String(40))
    device_id: Mapped[str] = mapped_column(String(36))
    method: Mapped[str] = mapped_column(String(8))
    item_code: Mapped[str | None] = mapped_column(String(13), unique=True)
    shipment_state: Mapped[str | None] = mapped_column(String(10))
    returned_at: Mapped[datetime] = mapped_column(UtcDateTime)
    state_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AssistedFiling(Base):
    """A citizen a desk helped on the national portal (issue 9): the unit's log line, kept once by its id."""

    __tablename__ = "assisted_filing"
    __table_args__ = (Index("ix_assisted_filing_unit_at", "unit_code", "at"), Index("ix_assisted_filing_at", "at"))

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    unit_code: Mapped[str] = mapped_column(ForeignKey("unit.code"))
    desk_slot: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    outcome: Mapped[str] = mapped_column(String(10))
    procedure_code: Mapped[str] = mapped_column(String(40))
    portal_code: Mapped[str | None] = mapped_column(String(40))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    source_device_id: Mapped[str] = mapped_column(String(36))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)


class DossierRecord(Base):
    """A lifecycle record of a dossier the forms print: an apology (Mẫu 04) or a hand-over row (Mẫu 05).

    `data` is the checked operation's record (domain.payloads ApologyPayload / HandoverPayload)."""

    __tablename__ = "dossier_record"
    __table_args__ = (Index("ix_dossier_record_dossier_id", "dossier_id"),
                      Index("ix_dossier_record_kind_at", "kind", "at"))

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    dossier_id: Mapped[str] = mapped_column(ForeignKey("dossier.id"))
    kind: Mapped[str] = mapped_column(String(12))  # "apology" | "handover" | "fee" (FeeRequestPayload)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    op_id: Mapped[str | None] = mapped_column(String(64))
    # An apology's due date before it moved it (the legal due date the reports judge by; migration 0014).
    previous_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class GuidanceRecord(Base):
    """Guidance given at a desk instead of a dossier (Mẫu 02 at intake, no code spent), for the reports."""

    __tablename__ = "guidance_record"
    __table_args__ = (
        UniqueConstraint("unit_code", "reference", name="uq_guidance_record_unit_reference"),
        Index("ix_guidance_record_unit_at", "unit_code", "at"),
        Index("ix_guidance_record_at", "at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    unit_code: Mapped[str] = mapped_column(ForeignKey("unit.code"))
    reference: Mapped[str] = mapped_column(String(24))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    procedure_code: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    source_device_id: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class DayClose(Base):
    """A desk's closed day (issue 10, D; op "day.close"), as the counter recorded it: one per device and
    day, the database's constraint deciding when two arrive at once (sync/server/day_close.py). A second,
    different close of the same day is answered as a conflict, never stored over the first."""

    __tablename__ = "day_close"
    __table_args__ = (
        UniqueConstraint("device_id", "day", name="uq_day_close_device_day"),
        Index("ix_day_close_unit_day", "unit_code", "day"),
        Index("ix_day_close_day", "day"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    unit_code: Mapped[str] = mapped_column(ForeignKey("unit.code"))
    device_id: Mapped[str] = mapped_column(String(36))
    desk_slot: Mapped[int] = mapped_column(Integer)
    day: Mapped[str] = mapped_column(String(10))  # office date, YYYY-MM-DD
    closed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    counted_total: Mapped[int] = mapped_column(BigInteger)
    expected_cash: Mapped[int] = mapped_column(BigInteger)
    transfers_total: Mapped[int] = mapped_column(BigInteger)
    difference: Mapped[int] = mapped_column(BigInteger)
    receipts_count: Mapped[int] = mapped_column(Integer)
    cancellations_count: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Receipt(Base):
    """A receipt (biên lai thu phí, lệ phí) a device issued, and its cancellation (issue 10, B).

    The number is unique in its book across the province (mẫu số + ký hiệu + số): two devices can never
    both hold it, even when two server processes race. Cancelled receipts stay, marked.
    """

    __tablename__ = "receipt"
    __table_args__ = (
        UniqueConstraint("form_number", "symbol", "number", name="uq_receipt_book_number"),
        CheckConstraint("fee_vnd >= 0 AND charge_vnd >= 0 AND total_vnd = fee_vnd + charge_vnd", name="amounts"),
        Index("ix_receipt_unit_day", "unit_code", "day"),
        Index("ix_receipt_day", "day"),
        Index("ix_receipt_cancelled_at", "cancelled_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    unit_code: Mapped[str] = mapped_column(ForeignKey("unit.code"))
    device_id: Mapped[str] = mapped_column(String(36))
    form_number: Mapped[str] = mapped_column(String(20))
    symbol: Mapped[str] = mapped_column(String(20))
    number: Mapped[int] = mapped_column(BigInteger)
    dossier_code: Mapped[str] = mapped_column(String(40))
    fee_vnd: Mapped[int] = mapped_column(BigInteger)
    charge_vnd: Mapped[int] = mapped_column(BigInteger)
    total_vnd: Mapped[int] = mapped_column(BigInteger)
    method: Mapped[str] = mapped_column(String(12))
    collected_at: Mapped[datetime] = mapped_column(UtcDateTime)
    day: Mapped[str] = mapped_column(String(10))  # office date, YYYY-MM-DD
    status: Mapped[str] = mapped_column(String(12))  # "issued" | "cancelled"
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    cancelled_by: Mapped[str] = mapped_column(String(32), default="")
    replaces_id: Mapped[str | None] = mapped_column(String(36))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)  # the receipt.issue payload as sent
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AuditEntry(Base):
    """One row of a device's audit chain as the counter sent it (counter_app.domain.audit), kept for ever.

    Rows are stored as received, even those that break the chain (`state` "break", `problem` says why)
    or arrive before the row they follow ("waiting"); `provincial-server verify-audit` re-checks every
    stored chain from the rows alone. Unique per (device, seq, hash): a replay is the same row.
    """

    __tablename__ = "audit_entry"
    __table_args__ = (
        UniqueConstraint("device_id", "seq", "hash", name="uq_audit_entry_device_seq_hash"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    device_id: Mapped[str] = mapped_column(ForeignKey("device.id"))
    seq: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[str] = mapped_column(String(40))
    device: Mapped[str] = mapped_column(String(36))
    clerk_name: Mapped[str] = mapped_column(Text)
    clerk_username: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(64))
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    device_epoch: Mapped[str] = mapped_column(String(36))
    op_id: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(12))  # "ok" | "waiting" | "fork" | "break"
    problem: Mapped[str] = mapped_column(Text, default="")
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AuditHead(Base):
    """The highest linked audit row of each device (seq, hash), kept apart from the rows: a chain cut short
    on the server is still seen by `verify-audit`."""

    __tablename__ = "audit_head"

    device_id: Mapped[str] = mapped_column(ForeignKey("device.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))


class ReportToken(Base):
    """A supervisor's token for the report API (issue 11): province-wide (`unit_code` NULL) or one unit's.

    Only the SHA-256 of the token is kept (sync.server.auth.token_digest), like device tokens; a device
    token is never a report token, nor the reverse (sync/server/reports.py)."""

    __tablename__ = "report_token"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    unit_code: Mapped[str | None] = mapped_column(ForeignKey("unit.code"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class CounterRelease(Base):
    """A counter version the province published (issue 12): its file is kept in fixed-size chunks like the
    units' blobs, served to devices with HTTP Range. One release per (version, platform); a hash names one file."""

    __tablename__ = "counter_release"
    __table_args__ = (UniqueConstraint("version", "platform", name="uq_counter_release_version_platform"),
                      CheckConstraint("size > 0", name="size_positive"))

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    version: Mapped[str] = mapped_column(String(40))
    platform: Mapped[str] = mapped_column(String(20))
    file_name: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    published_at: Mapped[datetime] = mapped_column(UtcDateTime)
    published_by: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    withdrawn: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))


class CounterReleaseChunk(Base):
    __tablename__ = "counter_release_chunk"

    release_id: Mapped[int] = mapped_column(ForeignKey("counter_release.id", ondelete="CASCADE"), primary_key=True)
    offset: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)

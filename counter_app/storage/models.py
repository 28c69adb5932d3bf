"""SQLAlchemy models of the counter's local database.

The tables mirror the domain but are not the domain: repositories translate rows to the plain
dataclasses of `counter_app.domain`. Times are stored in UTC. Every change that must reach the
provincial server is also appended to `outbox` in the same transaction (see `storage/outbox.py`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
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
    """Stores aware datetimes as naive UTC and gives them back aware: SQLite has no time zones."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UnitProfile(Base):
    """The one row that says which unit and desk this counter is (set up once, later by enrolment)."""

    __tablename__ = "unit_profile"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    device_id: Mapped[str] = mapped_column(String(36))
    db_generation: Mapped[str] = mapped_column(String(36))
    unit_code: Mapped[str] = mapped_column(String(32))
    unit_name: Mapped[str] = mapped_column(Text)
    authority_name: Mapped[str] = mapped_column(Text, default="")
    place_name: Mapped[str] = mapped_column(Text, default="")
    province_code: Mapped[int | None] = mapped_column(Integer)
    ward_code: Mapped[int | None] = mapped_column(Integer)
    desk_slot: Mapped[int] = mapped_column(Integer)
    clerk_name: Mapped[str] = mapped_column(Text, default="")
    calendar_config: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Where the slip's QR sends the citizen: an https URL with "{code}", or a base the code is appended to.
    lookup_url: Mapped[str] = mapped_column(Text, default="", server_default="")
    # The account fees paid by transfer go to (issue 10, migration 0016); "" = none set, cash only.
    bank_bin: Mapped[str] = mapped_column(String(6), default="", server_default="")  # NAPAS BIN of the bank
    bank_account: Mapped[str] = mapped_column(String(19), default="", server_default="")
    bank_account_name: Mapped[str] = mapped_column(Text, default="", server_default="")
    # Đơn vị thu on receipts ("" = the unit's name) and its mã số thuế (issue 10, B; migration 0014).
    receipt_issuer: Mapped[str] = mapped_column(Text, default="", server_default="")
    tax_code: Mapped[str] = mapped_column(String(14), default="", server_default="")


class ProcedureRow(Base):
    __tablename__ = "procedure"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    name_folded: Mapped[str] = mapped_column(Text)
    sector: Mapped[str] = mapped_column(Text, default="")
    level: Mapped[str] = mapped_column(Text, default="")
    processing_hours: Mapped[int] = mapped_column(Integer)
    online_processing_hours: Mapped[int | None] = mapped_column(Integer)
    time_unit: Mapped[str] = mapped_column(String(20))
    # Per-channel rules in the catalog's "times" shape (docs/processing-times.md); NULL for old entries.
    time_rules: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    time_source: Mapped[str] = mapped_column(Text, default="")
    fees: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    documents: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    result_delivery: Mapped[list[str]] = mapped_column(JSON, default=list)
    required_fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    is_sample: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class DossierRow(Base):
    __tablename__ = "dossier"
    # A register number is given once per book of the unit (domain.register): the database says so.
    __table_args__ = (
        Index("ux_dossier_register", "unit_code", "register_book", "register_number", unique=True),
    )

    # The integer key is also the rowid of the search index: newest dossiers have the largest pk.
    pk: Mapped[int] = mapped_column(Integer, primary_key=True)
    id: Mapped[str] = mapped_column(String(36), unique=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    unit_code: Mapped[str] = mapped_column(String(32))
    desk_slot: Mapped[int] = mapped_column(Integer)
    procedure_code: Mapped[str] = mapped_column(String(40))
    procedure_name: Mapped[str] = mapped_column(Text)
    applicant_type: Mapped[str] = mapped_column(String(20))
    applicant_name: Mapped[str] = mapped_column(Text)
    applicant_id_type: Mapped[str] = mapped_column(String(10))
    applicant_id_number: Mapped[str] = mapped_column(String(20), index=True)
    applicant_phone: Mapped[str] = mapped_column(String(15), index=True)
    applicant_email: Mapped[str] = mapped_column(Text, default="")
    applicant_birth_date: Mapped[date | None] = mapped_column(Date)
    applicant_gender: Mapped[str | None] = mapped_column(String(10))
    applicant_address: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    submitter: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    summary: Mapped[str] = mapped_column(Text, default="")
    documents: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    sets_count: Mapped[int] = mapped_column(Integer, default=1)
    channel: Mapped[int] = mapped_column(Integer)
    result_delivery: Mapped[str] = mapped_column(String(10))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    processing_hours: Mapped[int] = mapped_column(Integer)
    status: Mapped[int] = mapped_column(Integer, index=True)
    received_by: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Sổ theo dõi hồ sơ: book "01/2026" (desk slot, year) and number; None for dossiers received before.
    register_book: Mapped[str | None] = mapped_column(String(16))
    register_number: Mapped[int | None] = mapped_column(Integer)
    # Who received it (the signed-in account; "" before accounts existed) and, for a time received before
    # the working day began, the supervisor who approved it and why (NULL: not a late entry).
    received_by_username: Mapped[str] = mapped_column(String(32), default="", server_default="")
    late_entry_reason: Mapped[str | None] = mapped_column(Text)
    late_entry_by: Mapped[str | None] = mapped_column(String(32))
    # NgayHenTraTruoc: the due date before the last change (supplement answered, apology); NULL if never moved.
    previous_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class DossierRecode(Base):
    """A code this desk gave to a second dossier, and the code that dossier has now (services/recode.py).

    The province kept another citizen's dossier under `old_code` (a duplicate_code conflict decided
    against this desk); the desk's dossier was given `new_code` and a new internal id. Papers printed
    before carry the old code: this row ties them to the dossier, and a scanned old slip still opens it.
    """

    __tablename__ = "dossier_recode"

    old_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    old_id: Mapped[str] = mapped_column(String(36))
    dossier_pk: Mapped[int] = mapped_column(ForeignKey("dossier.pk"), index=True)
    new_code: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    clerk: Mapped[str] = mapped_column(Text)
    clerk_username: Mapped[str] = mapped_column(String(32), default="")
    reason: Mapped[str] = mapped_column(Text)


class RegisterBookCounter(Base):
    """The last number given in each register book of this desk (allocated by one UPSERT … RETURNING)."""

    __tablename__ = "register_book_counter"

    book: Mapped[str] = mapped_column(String(16), primary_key=True)
    issued: Mapped[int] = mapped_column(Integer)


class DossierEvent(Base):
    """One status change, who made it and when: the dossier's history (never edited)."""

    __tablename__ = "dossier_event"
    __table_args__ = (Index("ix_dossier_event_dossier_pk", "dossier_pk"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_pk: Mapped[int] = mapped_column(ForeignKey("dossier.pk"))
    from_status: Mapped[int | None] = mapped_column(Integer)
    to_status: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(Text, default="")
    actor_username: Mapped[str] = mapped_column(String(32), default="", server_default="")
    # The due date this change moved (NgayHenTraTruoc / NgayHenTraMoi); NULL when it left it alone.
    previous_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)



# The reports (issue 11, migration 0018) read the steps into a status in a period.
Index("ix_dossier_event_to_status_at", DossierEvent.to_status, DossierEvent.at)
# ... and a dossier's last step before an instant (the rowid, `id`, orders steps of the same instant).
Index("ix_dossier_event_dossier_pk_at", DossierEvent.dossier_pk, DossierEvent.at)

class DeskDayCounter(Base):
    """How many dossier codes this desk has issued on each office day."""

    __tablename__ = "desk_day_counter"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    desk_slot: Mapped[int] = mapped_column(Integer, primary_key=True)
    issued: Mapped[int] = mapped_column(Integer, default=0)


class CalendarOverride(Base):
    """A unit's extra day off or make-up working day (ngày làm bù), on top of public holidays."""

    __tablename__ = "calendar_override"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # "off" | "work"
    note: Mapped[str] = mapped_column(Text, default="")


class OutboxOp(Base):
    """One operation waiting for (or done with) the provincial server.

    `seq` is the gap-free device sequence number (AUTOINCREMENT never reuses a value, and a rolled
    back transaction rolls back its number too); `op_id` is globally unique and makes retries safe.
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_state_seq", "state", "seq"), {"sqlite_autoincrement": True})

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    op_id: Mapped[str] = mapped_column(String(36), unique=True)
    entity: Mapped[str] = mapped_column(String(30))
    entity_id: Mapped[str] = mapped_column(String(64))
    op_type: Mapped[str] = mapped_column(String(40))
    base_version: Mapped[int | None] = mapped_column(Integer)
    schema_version: Mapped[int] = mapped_column(Integer)
    payload: Mapped[str] = mapped_column(Text)
    payload_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    state: Mapped[str] = mapped_column(String(12), default="pending")
    batch_id: Mapped[str | None] = mapped_column(String(36))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    result_code: Mapped[str | None] = mapped_column(String(40))
    result_message: Mapped[str | None] = mapped_column(Text)
    acked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)



# The reports (issue 11) ask whether a dossier's creation was acknowledged.
Index("ix_outbox_entity_id", OutboxOp.entity_id)

class SyncState(Base):
    """This counter's link to the provincial server (one row, once enrolled).

    `device_epoch` changes when the database is found to be restored from an older backup, so that
    sequence numbers issued after the restore never collide with those the server already holds.
    """

    __tablename__ = "sync_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    server_url: Mapped[str] = mapped_column(Text)
    device_id: Mapped[str] = mapped_column(String(36))
    device_epoch: Mapped[str] = mapped_column(String(36))
    epoch_base_seq: Mapped[int] = mapped_column(Integer, default=0)
    server_epoch: Mapped[str] = mapped_column(String(36), default="")
    pull_cursor: Mapped[int] = mapped_column(Integer, default=0)
    enrolled_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_success_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    clock_skew_seconds: Mapped[float | None] = mapped_column()
    # The newest audit row the server has chained for this device in this epoch (migration 0017).
    server_audit_seq: Mapped[int] = mapped_column(Integer, default=0)
    server_audit_hash: Mapped[str] = mapped_column(String(64), default="")
    # Set by a restore from a backup until the counter has pulled its own dossiers back (migration 0019).
    pullback_pending: Mapped[bool] = mapped_column(Boolean, default=False)


class SyncJournal(Base):
    """One line per sync attempt: what moved, how many bytes, how it ended (never edited)."""

    __tablename__ = "sync_journal"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    outcome: Mapped[str] = mapped_column(String(20))
    pushed: Mapped[int] = mapped_column(Integer, default=0)
    pulled: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    conflicts: Mapped[int] = mapped_column(Integer, default=0)
    blobs_uploaded: Mapped[int] = mapped_column(Integer, default=0)
    bytes_sent: Mapped[int] = mapped_column(Integer, default=0)
    bytes_received: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str] = mapped_column(Text, default="")


class AttachmentRow(Base):
    """A file attached to a dossier, kept by its SHA-256 in the data folder's blob store."""

    __tablename__ = "attachment"
    __table_args__ = (
        Index("ix_attachment_upload_state", "upload_state"),
        # One current scan bundle per paper (migration 0009).
        Index("uq_attachment_current_paper", "dossier_pk", "document_index", unique=True,
              sqlite_where=text("document_index IS NOT NULL AND replaced_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_pk: Mapped[int] = mapped_column(ForeignKey("dossier.pk"))
    sha256: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(Text)
    size: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str] = mapped_column(String(100), default="application/octet-stream")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    upload_state: Mapped[str] = mapped_column(String(12), default="pending")  # pending | complete | failed
    uploaded_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    error: Mapped[str | None] = mapped_column(Text)
    # Digitisation (issue 9, docs/digitisation.md): the paper this file is the scan bundle of (1-based
    # line of the dossier's papers; NULL: another file), its pages, when a newer bundle replaced it, and
    # the dossier whose paper it reuses.
    document_index: Mapped[int | None] = mapped_column(Integer)
    page_count: Mapped[int | None] = mapped_column(Integer)
    replaced_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reused_from: Mapped[str | None] = mapped_column(String(40))


class NumberRange(Base):
    """A block of numbers the province allocated to this desk (receipt books, postal item codes)."""

    __tablename__ = "number_range"

    series: Mapped[str] = mapped_column(String(40), primary_key=True)
    first: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer)
    next_number: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ClerkAccount(Base):
    """Someone who may sign in at this unit's desks (synced from and to every desk of the unit).

    `failed_attempts` and `locked_until` belong to this desk only: a lock survives a restart of the app.
    """

    __tablename__ = "clerk_account"

    username: Mapped[str] = mapped_column(String(32), primary_key=True)
    full_name: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(12))  # "supervisor" | "clerk"
    password_hash: Mapped[str] = mapped_column(String(100))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime)


class ResultReturn(Base):
    """A result handed back (status 10): at the desk to a named person, or sent by post (BCCI) under an
    S10 item code taken from this desk's number range (domain.postal_codes). The unique item code is
    the database's guarantee that one desk never prints the same code twice. docs/returns-and-post.md.
    """

    __tablename__ = "result_return"
    __table_args__ = (Index("ix_result_return_dossier_pk", "dossier_pk"),
                      Index("ix_result_return_shipment_state", "shipment_state"))

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    dossier_pk: Mapped[int] = mapped_column(ForeignKey("dossier.pk"))
    method: Mapped[str] = mapped_column(String(8))  # domain.returns.ReturnMethod
    returned_at: Mapped[datetime] = mapped_column(UtcDateTime)
    clerk: Mapped[str] = mapped_column(Text, default="")
    clerk_username: Mapped[str] = mapped_column(String(32), default="")
    receiver_name: Mapped[str] = mapped_column(Text)  # the person at the desk, or the postal recipient
    receiver_id_number: Mapped[str] = mapped_column(String(20), default="")  # desk only
    phone: Mapped[str] = mapped_column(String(15), default="")
    province_code: Mapped[int | None] = mapped_column(Integer)
    ward_code: Mapped[int | None] = mapped_column(Integer)
    street: Mapped[str] = mapped_column(Text, default="")
    address_text: Mapped[str] = mapped_column(Text, default="")
    postage: Mapped[int | None] = mapped_column(Integer)  # whole đồng
    payer: Mapped[str | None] = mapped_column(String(8))  # domain.returns.Payer
    item_code: Mapped[str | None] = mapped_column(String(13), unique=True)
    shipment_state: Mapped[str | None] = mapped_column(String(10))  # domain.returns.ShipmentState
    state_at: Mapped[datetime | None] = mapped_column(UtcDateTime)



# The reports (issue 11) count results returned in a period.
Index("ix_result_return_returned_at", ResultReturn.returned_at)

class ShipmentEvent(Base):
    """One step of a posted result's way (handed to the postman, delivered, returned): never edited."""

    __tablename__ = "shipment_event"
    __table_args__ = (Index("ix_shipment_event_return_id", "return_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    return_id: Mapped[str] = mapped_column(ForeignKey("result_return.id"))
    state: Mapped[str] = mapped_column(String(10))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(Text, default="")
    actor_username: Mapped[str] = mapped_column(String(32), default="")


class AssistedFilingRow(Base):
    """A citizen helped to use the national portal at this desk (issue 9): a log line, never edited."""

    __tablename__ = "assisted_filing"
    __table_args__ = (Index("ix_assisted_filing_at", "at"),)

    pk: Mapped[int] = mapped_column(Integer, primary_key=True)
    id: Mapped[str] = mapped_column(String(36), unique=True)
    unit_code: Mapped[str] = mapped_column(String(32))
    desk_slot: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    applicant_name: Mapped[str] = mapped_column(Text)
    applicant_id_number: Mapped[str] = mapped_column(String(20), default="")
    applicant_phone: Mapped[str] = mapped_column(String(15), default="")
    procedure_code: Mapped[str] = mapped_column(String(40))
    procedure_name: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str] = mapped_column(String(10))  # domain.assisted_filing.AssistOutcome
    note: Mapped[str] = mapped_column(Text, default="")
    portal_code: Mapped[str | None] = mapped_column(String(40))
    clerk: Mapped[str] = mapped_column(Text, default="")
    clerk_username: Mapped[str] = mapped_column(String(32), default="")


# The worklists (services/worklists.py) read dossiers by status, oldest due date first.
Index("ix_dossier_status_due_at", DossierRow.status, DossierRow.due_at)


class SupplementRequestRow(Base):
    """A supplement request (Mẫu 02 after receipt): missing papers, reason, and when it was answered.

    The clock stops from `requested_at` to `supplied_at`; `due_at_after` is the due date moved by the
    working time waited (domain.time_rules.due_after_supplement). Never edited except to close it.
    """

    __tablename__ = "supplement_request"
    __table_args__ = (Index("ix_supplement_request_dossier_pk", "dossier_pk"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_pk: Mapped[int] = mapped_column(ForeignKey("dossier.pk"))
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime)
    requested_by: Mapped[str] = mapped_column(Text, default="")
    requested_by_username: Mapped[str] = mapped_column(String(32), default="")
    reason: Mapped[str] = mapped_column(Text)
    missing: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # DocumentLine dicts
    due_at_before: Mapped[datetime] = mapped_column(UtcDateTime)
    supplied_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    supplied_by: Mapped[str] = mapped_column(Text, default="")
    due_at_after: Mapped[datetime | None] = mapped_column(UtcDateTime)


class ApologyRow(Base):
    """Mẫu 04: the result will be late; the reason and the new due date (the old one kept)."""

    __tablename__ = "apology"
    __table_args__ = (Index("ix_apology_dossier_pk", "dossier_pk"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_pk: Mapped[int] = mapped_column(ForeignKey("dossier.pk"))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    by: Mapped[str] = mapped_column(Text, default="")
    by_username: Mapped[str] = mapped_column(String(32), default="")
    reason: Mapped[str] = mapped_column(Text)
    previous_due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    new_due_at: Mapped[datetime] = mapped_column(UtcDateTime)



# The reports (issue 11) count apologies written in a period.
Index("ix_apology_at", ApologyRow.at)
# ... and a dossier's first apology (the due date the law set).
Index("ix_apology_dossier_pk_at", ApologyRow.dossier_pk, ApologyRow.at)

class HandoverRow(Base):
    """One row of the control slip Mẫu 05: the paper dossier or result given to or taken from the agency."""

    __tablename__ = "handover"
    __table_args__ = (Index("ix_handover_dossier_pk", "dossier_pk"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_pk: Mapped[int] = mapped_column(ForeignKey("dossier.pk"))
    direction: Mapped[str] = mapped_column(String(12))  # "to_agency" (giao) | "from_agency" (nhận)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    from_party: Mapped[str] = mapped_column(Text)
    to_party: Mapped[str] = mapped_column(Text)
    by: Mapped[str] = mapped_column(Text, default="")
    by_username: Mapped[str] = mapped_column(String(32), default="")
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)  # the due date in force at the hand-over
    outcome: Mapped[str] = mapped_column(String(10))  # "early" | "on_time" | "late" (domain.lifecycle_records)


class GuidanceRecord(Base):
    """Guidance given at the desk instead of a dossier (Mẫu 02 at intake): kept for the reports, never edited.

    `day` + `number` is the desk's own numbering of the day (domain.guidance.guidance_reference), unique here.
    """

    __tablename__ = "guidance_record"
    __table_args__ = (
        Index("ux_guidance_record_day_number", "day", "number", unique=True),
        Index("ix_guidance_record_at", "at"),
    )

    pk: Mapped[int] = mapped_column(Integer, primary_key=True)
    id: Mapped[str] = mapped_column(String(36), unique=True)
    reference: Mapped[str] = mapped_column(String(24), unique=True)
    day: Mapped[date] = mapped_column(Date)
    number: Mapped[int] = mapped_column(Integer)
    unit_code: Mapped[str] = mapped_column(String(32))
    desk_slot: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    clerk: Mapped[str] = mapped_column(Text, default="")
    clerk_username: Mapped[str] = mapped_column(String(32), default="")
    procedure_code: Mapped[str] = mapped_column(String(40))
    procedure_name: Mapped[str] = mapped_column(Text)
    applicant: Mapped[dict[str, Any]] = mapped_column(JSON)
    missing: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    reason: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(Text, default="")


class ReceiptRow(Base):
    """One receipt (biên lai thu phí, lệ phí), never edited once issued: a mistake is a cancellation
    (supervisor + reason) and a new receipt (`replaces_id`). The number comes from a book the province
    granted (`number_range`, series "receipt:<mẫu số>/<ký hiệu>"); a cancelled number stays, marked.

    `day` is the office date of `collected_at`: a closed day (issue 10 D) refuses receipts dated in it.
    `items` are the fee lines paid ({name, kind, amount_vnd, quantity, unit, note}, domain.fees.FeeLine).
    """

    __tablename__ = "receipt"
    __table_args__ = (
        Index("ux_receipt_number", "form_number", "symbol", "number", unique=True),
        Index("ix_receipt_day", "day"),
        Index("ix_receipt_dossier_code", "dossier_code"),
    )

    pk: Mapped[int] = mapped_column(Integer, primary_key=True)
    id: Mapped[str] = mapped_column(String(36), unique=True)
    form_number: Mapped[str] = mapped_column(String(20))  # mẫu số
    symbol: Mapped[str] = mapped_column(String(20))  # ký hiệu
    number: Mapped[int] = mapped_column(Integer)  # số
    dossier_code: Mapped[str] = mapped_column(String(40))
    payer_name: Mapped[str] = mapped_column(Text)
    payer_address: Mapped[str] = mapped_column(Text, default="")
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    fee_vnd: Mapped[int] = mapped_column(Integer)  # phí
    charge_vnd: Mapped[int] = mapped_column(Integer)  # lệ phí
    total_vnd: Mapped[int] = mapped_column(Integer)
    method: Mapped[str] = mapped_column(String(12))  # "cash" | "transfer"
    bank_reference: Mapped[str] = mapped_column(String(64), default="")
    collected_at: Mapped[datetime] = mapped_column(UtcDateTime)
    day: Mapped[date] = mapped_column(Date)
    collector: Mapped[str] = mapped_column(Text)
    collector_username: Mapped[str] = mapped_column(String(32), default="")
    status: Mapped[str] = mapped_column(String(12), default="issued")  # "issued" | "cancelled"
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    cancelled_by: Mapped[str] = mapped_column(String(32), default="")  # the supervisor's username
    replaces_id: Mapped[str | None] = mapped_column(String(36))  # the cancelled receipt this one replaces
    issuer_name: Mapped[str] = mapped_column(Text, default="")  # đơn vị thu, as printed when issued
    issuer_tax_code: Mapped[str] = mapped_column(String(14), default="")  # its mã số thuế



# The reports (issue 11) count receipts cancelled in a period.
Index("ix_receipt_cancelled_at", ReceiptRow.cancelled_at)

class DayCloseRow(Base):
    """One closed day of this desk (issue 10, D; domain.day_close.DayClose): never updated nor deleted,
    and while it exists no receipt dated in its day can be inserted, cancelled or deleted (triggers of
    counter migration 0015). `counted` is {denomination: pieces} with the keys as JSON text."""

    __tablename__ = "day_close"

    pk: Mapped[int] = mapped_column(Integer, primary_key=True)
    id: Mapped[str] = mapped_column(String(36), unique=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    device_id: Mapped[str] = mapped_column(String(36))
    desk_slot: Mapped[int] = mapped_column(Integer)
    closed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    clerk: Mapped[str] = mapped_column(Text)
    clerk_username: Mapped[str] = mapped_column(String(32), default="")
    counted: Mapped[dict[str, int]] = mapped_column(JSON)
    counted_total: Mapped[int] = mapped_column(Integer)
    expected_cash: Mapped[int] = mapped_column(Integer)
    transfers_total: Mapped[int] = mapped_column(Integer)
    fee_total: Mapped[int] = mapped_column(Integer)
    charge_total: Mapped[int] = mapped_column(Integer)
    receipts_count: Mapped[int] = mapped_column(Integer)
    cancellations_count: Mapped[int] = mapped_column(Integer)
    difference: Mapped[int] = mapped_column(Integer)
    explanation: Mapped[str] = mapped_column(Text, default="")
    supervisor: Mapped[str] = mapped_column(String(32), default="")
    supervisor_name: Mapped[str] = mapped_column(Text, default="")


class DossierFeeRow(Base):
    """What a dossier owes, one row per assessment (issue 10, A; docs/fees.md): at intake (`source`
    "intake": the counts entered and the exemption chosen; one per dossier) or a fee the agency set in
    status 6 ("request", with its reason). Never edited at the desk (a supervisor's decision on a sync conflict
    may replace the intake's: storage/conflict_notices.take_decided_intake_fees); issued receipts cover its `lines`.

    `lines` are domain.fees.FeeLine dicts ({name, kind, amount_vnd, quantity, unit, note}); `unknown`
    names items whose amount the province sets and the catalog lacks.
    """

    __tablename__ = "dossier_fee"
    __table_args__ = (
        Index("ix_dossier_fee_dossier_code", "dossier_code"),
        Index("ux_dossier_fee_intake", "dossier_code", unique=True, sqlite_where=text("source = 'intake'")),
        CheckConstraint("source IN ('intake', 'request')", name="source"),
    )

    pk: Mapped[int] = mapped_column(Integer, primary_key=True)
    id: Mapped[str] = mapped_column(String(36), unique=True)
    dossier_code: Mapped[str] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(String(12))  # "intake" | "request"
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    unknown: Mapped[list[str]] = mapped_column(JSON)
    quantities: Mapped[dict[str, int] | None] = mapped_column(JSON)
    exemption: Mapped[str] = mapped_column(String(40), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    assessed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    assessed_by: Mapped[str] = mapped_column(Text)
    assessed_by_username: Mapped[str] = mapped_column(String(32), default="")


class AuditLogRow(Base):
    """One row of the append-only, hash-chained audit trail (domain/audit.py; triggers refuse UPDATE and
    DELETE). `op_seq` names the outbox operation that carries the row to the server (not hashed)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_op_seq", "op_seq"),)

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
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
    op_seq: Mapped[int | None] = mapped_column(Integer)


class AuditHead(Base):
    """The audit chain's last row (seq, hash), kept apart from it: a chain cut short is still seen."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))

"""allocations enforced by the database, blobs per unit, salted enrolment codes, exact tokens

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30

What becomes of a schema-0001 database, and why:

Blobs. A blob was global by SHA-256, so a device of another unit could create the row (with a wrong
size) for the hash of this unit's scan. Blobs and chunks are now keyed by (unit, hash) in `unit_blob`
and `unit_blob_chunk`. Each old blob is given to every unit that has an attachment with its hash:
- a complete blob was checked against its hash, so its bytes are right for anyone: copied, chunks and
  all, to each such unit;
- an incomplete one is copied (with what was received) only to the units whose attachments declare
  the same size; another size was declared by someone else (the squatting this closes), and that
  unit's counter simply starts the upload again (its HEAD now answers 404);
- a blob no attachment refers to has no known owner and is dropped: no dossier refers to it, and a
  counter that still needs it is told 404 and uploads it again.
The uploader of an old blob is unknown; the device that created the dossier of one of its attachments
is recorded (its quota counts it), else NULL. Copying needs the blobs' bytes twice on disk for the
length of the migration.

Desk slots. At most one active (not revoked) device per (unit, slot): a partial unique index.
Duplicates already there (counters that enrolled within milliseconds on PostgreSQL) are resolved the
same way every time: the earliest enrolled keeps the slot (ties by device id), each other moves to the
lowest free slot of its unit and a DESK_SLOT change is published, so its counter numbers new dossiers
with its new slot. If the unit has no free slot (more than 10 active devices) the later device is
revoked and a warning logged: its counter is told on its next sync, and the supervisor re-enrols it
after revoking an old desk.

Offline slot. `device.offline_slot` (new, empty for existing devices) keeps the slot a counter had
numbered its dossiers with before enrolling, when the province gave it another: codes of dossiers
received before enrolment may carry it.

Slot history. `desk_slot_history` holds every slot a device is known to have held: its current slot
(since its enrolment), the slots of the DESK_SLOT changes published to it and the slots in the codes of
the dossiers it sent. A moved device keeps its old slot there, so the codes it issued stay its own.

Number ranges. `number_range` is filled from the NUMBER_RANGE changes already published, in feed
order. A range overlapping one granted before it (the race this closes) keeps only the numbers nobody
held and a warning names both: the counters were already told, so a person must sort out those numbers.
The database then refuses any overlap within a series: on PostgreSQL an exclusion constraint over
int8range, which needs btree_gist for `series WITH =`. btree_gist is a contrib module shipped with
PostgreSQL itself (Debian's postgresql-NN package includes it) and offered by the managed services
(RDS, Cloud SQL, Azure); since PostgreSQL 13 it is a trusted extension, so the database owner may create
it without a superuser. A constraint is the only guarantee that holds for every writer (several server
processes, a DBA's script), which a serialised allocation in our code would not give; if the extension
cannot be created, the migration stops and says what to run. On SQLite, triggers refuse an overlap
(writers are serialised there by BEGIN IMMEDIATE anyway).

Enrolment codes. Now PBKDF2 with a random salt of this server (meta `enrollment_code_salt`), so a copy
of the database cannot be searched for a live code. Unused codes of schema 0001 (unsalted SHA-256)
cannot be matched any more: they are marked expired now (they would have expired within 24 h anyway),
so a counter trying one is told to ask for a new code. Used ones stay as the record of who enrolled.

Tokens. Now matched exactly (no case folding). The stored hashes are of the upper-cased token, so they
are marked `token_legacy`: the first request with such a token replaces its hash with that of the exact
token (sync.server.auth), after which only that exact token is accepted.

There is no downgrade: token hashes upgraded since cannot be turned back; restore the backup taken
before upgrading instead.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

from counter_app.domain.errors import DomainError
from sync.protocol import ChangeKind
from sync.server.feed import append_change
from sync.server.models import UtcDateTime

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("sync.server.migrations")
MAX_DESK_SLOTS = 10  # counter_app.domain.codes.MAX_DESK_SLOTS when this migration was written

# Schema-0001 tables, as this migration reads and writes them.
unit_table = sa.table("unit", sa.column("code", sa.String))
attachment = sa.table("attachment", sa.column("unit_code", sa.String), sa.column("dossier_code", sa.String),
                      sa.column("sha256", sa.String), sa.column("size", sa.BigInteger))
dossier = sa.table("dossier", sa.column("code", sa.String), sa.column("desk_slot", sa.Integer),
                   sa.column("received_at", UtcDateTime), sa.column("source_device_id", sa.String))
old_blob = sa.table("blob", sa.column("sha256", sa.String), sa.column("size", sa.BigInteger),
                    sa.column("content_type", sa.String), sa.column("received", sa.BigInteger),
                    sa.column("complete", sa.Boolean), sa.column("created_at", UtcDateTime),
                    sa.column("completed_at", UtcDateTime))
old_chunk = sa.table("blob_chunk", sa.column("sha256", sa.String), sa.column("offset", sa.BigInteger),
                     sa.column("data", sa.LargeBinary))
device = sa.table("device", sa.column("id", sa.String), sa.column("unit_code", sa.String),
                  sa.column("desk_slot", sa.Integer), sa.column("revoked", sa.Boolean),
                  sa.column("enrolled_at", UtcDateTime), sa.column("token_legacy", sa.Boolean))
enrollment_code = sa.table("enrollment_code", sa.column("used_at", UtcDateTime), sa.column("expires_at", UtcDateTime))
meta = sa.table("meta", sa.column("key", sa.String), sa.column("value", sa.Text))
change_feed = sa.table("change_feed", sa.column("seq", sa.BigInteger), sa.column("unit_code", sa.String),
                       sa.column("kind", sa.String), sa.column("payload", sa.JSON), sa.column("created_at", UtcDateTime))
# Tables of this revision.
unit_blob = sa.table("unit_blob", sa.column("unit_code", sa.String), sa.column("sha256", sa.String),
                     sa.column("size", sa.BigInteger), sa.column("content_type", sa.String),
                     sa.column("received", sa.BigInteger), sa.column("complete", sa.Boolean),
                     sa.column("device_id", sa.String), sa.column("created_at", UtcDateTime),
                     sa.column("completed_at", UtcDateTime))
unit_blob_chunk = sa.table("unit_blob_chunk", sa.column("unit_code", sa.String), sa.column("sha256", sa.String),
                           sa.column("offset", sa.BigInteger), sa.column("data", sa.LargeBinary))
slot_history = sa.table("desk_slot_history", sa.column("device_id", sa.String), sa.column("desk_slot", sa.Integer),
                        sa.column("since", UtcDateTime))
number_range = sa.table("number_range", sa.column("series", sa.String), sa.column("first", sa.BigInteger),
                        sa.column("last", sa.BigInteger), sa.column("device_id", sa.String),
                        sa.column("unit_code", sa.String), sa.column("granted_at", UtcDateTime))


def upgrade() -> None:
    now = datetime.now(UTC)
    _blobs_per_unit()
    _tokens_and_codes(now)
    _desk_slots(now)
    _number_ranges()


def downgrade() -> None:
    raise DomainError("Không hạ được lược đồ máy chủ từ 0002 về 0001; hãy khôi phục bản sao lưu trước khi nâng cấp.")


# -- blobs -------------------------------------------------------------------------------------------


def _blobs_per_unit() -> None:
    op.create_table(
        "unit_blob",
        sa.Column("unit_code", sa.String(length=32), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("received", sa.BigInteger(), nullable=False),
        sa.Column("complete", sa.Boolean(), nullable=False),
        sa.Column("device_id", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["unit_code"], ["unit.code"], name=op.f("fk_unit_blob_unit_code_unit")),
        sa.PrimaryKeyConstraint("unit_code", "sha256", name=op.f("pk_unit_blob")),
    )
    op.create_index("ix_unit_blob_device_complete", "unit_blob", ["device_id", "complete"])
    op.create_table(
        "unit_blob_chunk",
        sa.Column("unit_code", sa.String(length=32), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("offset", sa.BigInteger(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["unit_code", "sha256"], ["unit_blob.unit_code", "unit_blob.sha256"],
                                name="fk_unit_blob_chunk_blob"),
        sa.PrimaryKeyConstraint("unit_code", "sha256", "offset", name=op.f("pk_unit_blob_chunk")),
    )

    owners = sa.select(attachment.c.unit_code, attachment.c.sha256).distinct().subquery("owners")
    declared = attachment.alias("declared")
    same_size = (
        sa.exists()
        .where(declared.c.unit_code == owners.c.unit_code, declared.c.sha256 == old_blob.c.sha256,
               declared.c.size == old_blob.c.size)
    )
    referring = attachment.alias("referring")
    uploader = (
        sa.select(sa.func.min(dossier.c.source_device_id))
        .select_from(referring.join(dossier, dossier.c.code == referring.c.dossier_code))
        .where(referring.c.unit_code == owners.c.unit_code, referring.c.sha256 == old_blob.c.sha256)
        .scalar_subquery()
    )
    kept = (
        sa.select(owners.c.unit_code, old_blob.c.sha256, old_blob.c.size, old_blob.c.content_type,
                  old_blob.c.received, old_blob.c.complete, uploader, old_blob.c.created_at, old_blob.c.completed_at)
        .select_from(old_blob.join(owners, owners.c.sha256 == old_blob.c.sha256))
        .where(sa.or_(old_blob.c.complete, same_size))
    )
    op.execute(unit_blob.insert().from_select(
        ["unit_code", "sha256", "size", "content_type", "received", "complete", "device_id", "created_at",
         "completed_at"], kept))
    chunks = (
        sa.select(unit_blob.c.unit_code, old_chunk.c.sha256, old_chunk.c.offset, old_chunk.c.data)
        .select_from(old_chunk.join(unit_blob, unit_blob.c.sha256 == old_chunk.c.sha256))
    )
    op.execute(unit_blob_chunk.insert().from_select(["unit_code", "sha256", "offset", "data"], chunks))
    op.drop_table("blob_chunk")
    op.drop_table("blob")


# -- tokens and enrolment codes ------------------------------------------------------------------------


def _tokens_and_codes(now: datetime) -> None:
    # A plain ADD COLUMN on both databases (SQLite allows it with a constant default): no table copy.
    op.add_column("device", sa.Column("token_legacy", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("device", sa.Column("offline_slot", sa.Integer(), nullable=True))
    op.execute(device.update().values(token_legacy=True))
    op.execute(enrollment_code.update()
               .where(enrollment_code.c.used_at.is_(None), enrollment_code.c.expires_at > now)
               .values(expires_at=now))
    op.execute(meta.insert().values(key="enrollment_code_salt", value=secrets.token_hex(32)))


# -- desk slots --------------------------------------------------------------------------------------


def _desk_slots(now: datetime) -> None:
    op.create_table(
        "desk_slot_history",
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("desk_slot", sa.Integer(), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["device_id"], ["device.id"], name=op.f("fk_desk_slot_history_device_id_device")),
        sa.PrimaryKeyConstraint("device_id", "desk_slot", name=op.f("pk_desk_slot_history")),
    )
    bind = op.get_bind()
    devices = bind.execute(
        sa.select(device.c.id, device.c.unit_code, device.c.desk_slot, device.c.revoked, device.c.enrolled_at)
        .order_by(device.c.unit_code, device.c.enrolled_at, device.c.id)
    ).all()
    held: dict[tuple[str, int], datetime] = {}

    def hold(device_id: str, slot: int, since: datetime) -> None:
        key = (device_id, int(slot))
        held[key] = min(since, held.get(key, since))

    known = {row.id for row in devices}
    for row in devices:
        hold(row.id, row.desk_slot, row.enrolled_at)
    for payload, created_at in bind.execute(
        sa.select(change_feed.c.payload, change_feed.c.created_at).where(change_feed.c.kind == ChangeKind.DESK_SLOT.value)
    ):
        if payload.get("device_id") in known and isinstance(payload.get("desk_slot"), int):
            hold(payload["device_id"], payload["desk_slot"], created_at)
    for device_id, slot, first_at in bind.execute(
        sa.select(dossier.c.source_device_id, dossier.c.desk_slot, sa.func.min(dossier.c.received_at))
        .where(dossier.c.source_device_id.is_not(None))
        .group_by(dossier.c.source_device_id, dossier.c.desk_slot)
    ):
        if device_id in known:
            hold(device_id, slot, first_at)

    moves = _resolve_duplicate_slots([row for row in devices if not row.revoked])
    session = Session(bind=bind, join_transaction_mode="create_savepoint")
    try:
        for device_id, unit_code, slot in moves:
            if slot is None:
                log.warning("Quầy %s của đơn vị %s trùng số quầy và đơn vị hết số quầy trống: thu hồi", device_id, unit_code)
                session.execute(device.update().where(device.c.id == device_id).values(revoked=True))
                continue
            log.warning("Quầy %s của đơn vị %s trùng số quầy: chuyển sang số quầy %s", device_id, unit_code, slot)
            session.execute(device.update().where(device.c.id == device_id).values(desk_slot=slot))
            hold(device_id, slot, now)
            append_change(session, unit_code=unit_code, kind=ChangeKind.DESK_SLOT, entity_id=device_id,
                          payload={"device_id": device_id, "desk_slot": slot}, now=now)
        session.commit()
    finally:
        session.close()
    if held:
        op.bulk_insert(slot_history, [{"device_id": d, "desk_slot": s, "since": since} for (d, s), since in held.items()])
    op.drop_index("ix_device_unit_slot", table_name="device")
    op.create_index("uq_device_unit_slot_active", "device", ["unit_code", "desk_slot"], unique=True,
                    sqlite_where=sa.text("NOT revoked"), postgresql_where=sa.text("NOT revoked"))


def _resolve_duplicate_slots(active: Sequence[sa.Row]) -> list[tuple[str, str, int | None]]:
    """(device id, unit, new slot or None when the unit is full) for every active device sharing a slot.

    `active` is ordered by unit, enrolment time and id: the first holder of a slot keeps it.
    """
    by_unit: dict[str, list[sa.Row]] = {}
    for row in active:
        by_unit.setdefault(row.unit_code, []).append(row)
    moves: list[tuple[str, str, int | None]] = []
    for unit_code, rows in by_unit.items():
        used = {row.desk_slot for row in rows}
        keepers: set[int] = set()
        for row in rows:
            if row.desk_slot not in keepers:
                keepers.add(row.desk_slot)
                continue
            free = [slot for slot in range(MAX_DESK_SLOTS) if slot not in used]
            new_slot = free[0] if free else None
            if new_slot is not None:
                used.add(new_slot)
                keepers.add(new_slot)
            moves.append((row.id, unit_code, new_slot))
    return moves


# -- number ranges -----------------------------------------------------------------------------------


def _number_ranges() -> None:
    op.create_table(
        "number_range",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("series", sa.String(length=64), nullable=False),
        sa.Column("first", sa.BigInteger(), nullable=False),
        sa.Column("last", sa.BigInteger(), nullable=False),
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("unit_code", sa.String(length=32), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("first >= 1 AND first <= last", name=op.f("ck_number_range_bounds")),
        sa.ForeignKeyConstraint(["device_id"], ["device.id"], name=op.f("fk_number_range_device_id_device")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_number_range")),
    )
    bind = op.get_bind()
    known = set(bind.scalars(sa.select(device.c.id)))
    granted: dict[str, list[tuple[int, int, str]]] = {}
    rows = []
    for seq, unit_code, payload, created_at in bind.execute(
        sa.select(change_feed.c.seq, change_feed.c.unit_code, change_feed.c.payload, change_feed.c.created_at)
        .where(change_feed.c.kind == ChangeKind.NUMBER_RANGE.value).order_by(change_feed.c.seq)
    ):
        series, device_id = payload.get("series"), payload.get("device_id")
        first, last = payload.get("first"), payload.get("last")
        readable = isinstance(series, str) and len(series) <= 64 and isinstance(first, int) and isinstance(last, int)
        if device_id not in known or not readable or not 1 <= first <= last:
            log.warning("Bỏ qua thay đổi dải số #%s không đọc được: %s", seq, payload)
            continue
        before = granted.setdefault(series, [])
        pieces = _uncovered(first, last, [(a, b) for a, b, _ in before])
        if pieces != [(first, last)]:
            overlapped = ", ".join(f"{a}–{b} (quầy {d})" for a, b, d in before if not (last < a or first > b))
            log.warning("Dải %s–%s của sổ «%s» (quầy %s) trùng với dải đã cấp %s: chỉ ghi phần chưa ai giữ %s",
                        first, last, series, device_id, overlapped, pieces)
        for a, b in pieces:
            before.append((a, b, device_id))
            rows.append({"series": series, "first": a, "last": b, "device_id": device_id,
                         "unit_code": unit_code or "", "granted_at": created_at})
    if rows:
        op.bulk_insert(number_range, rows)
    if bind.dialect.name == "postgresql":
        _ensure_btree_gist(bind)
        op.execute(
            "ALTER TABLE number_range ADD CONSTRAINT ex_number_range_no_overlap "
            "EXCLUDE USING gist (series WITH =, int8range(first, last, '[]') WITH &&)"
        )
    else:
        for event in ("INSERT", "UPDATE"):
            op.execute(
                f"CREATE TRIGGER number_range_no_overlap_{event.lower()} BEFORE {event} ON number_range "
                "WHEN EXISTS (SELECT 1 FROM number_range AS granted WHERE granted.series = NEW.series "
                "AND granted.id IS NOT NEW.id AND granted.first <= NEW.last AND NEW.first <= granted.last) "
                "BEGIN SELECT RAISE(ABORT, 'number_range_overlap'); END"
            )


def _uncovered(first: int, last: int, taken: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The parts of first..last that no range in `taken` covers."""
    pieces = [(first, last)]
    for a, b in taken:
        next_pieces = []
        for lo, hi in pieces:
            if b < lo or a > hi:
                next_pieces.append((lo, hi))
                continue
            if lo < a:
                next_pieces.append((lo, a - 1))
            if hi > b:
                next_pieces.append((b + 1, hi))
        pieces = next_pieces
    return pieces


def _ensure_btree_gist(bind: sa.Connection) -> None:
    if bind.scalar(sa.text("SELECT 1 FROM pg_extension WHERE extname = 'btree_gist'")):
        return
    try:
        with bind.begin_nested():
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS btree_gist"))
    except sa.exc.DBAPIError as error:
        raise DomainError(
            "Máy chủ cần phần mở rộng btree_gist của PostgreSQL để cấm cấp trùng dải số, nhưng không tạo được "
            f"({error.orig}). Hãy nhờ quản trị CSDL chạy «CREATE EXTENSION btree_gist;» trong CSDL này "
            "(PostgreSQL 13 trở lên cho phép chủ CSDL tự chạy), rồi khởi động lại máy chủ."
        ) from None

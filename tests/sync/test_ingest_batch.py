"""The set-based ingest path (sync/server/ingest_batch.py) against the general one, on both backends.

A batch of new dossiers is written by COPY (PostgreSQL) or executemany (SQLite); a batch with anything
else takes the general path. Both must store the very same rows and give the very same answers.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from counter_app.domain.operations import OpType
from sync.protocol import OpStatus, PushBatch, PushResponse
from sync.server.admin import create_unit
from sync.server.bulk_insert import copy_types
from sync.server.db import ServerDatabase
from sync.server.ingest import handle_push
from sync.server.models import AuditEntry, Device, Dossier, DossierEvent, OpLedger
from tests.sync.harness import enrolled_device
from tests.sync.payloads import attachment_payload, dossier_payload, wire

UNIT = "000.01.48.H15"


@pytest.fixture(params=["sqlite", "postgresql"])
def url_factory(request: pytest.FixtureRequest, tmp_path: Any) -> Any:
    """Fresh empty server databases of one backend."""
    names = iter(range(10))

    def make() -> str:
        if request.param == "sqlite":
            return f"sqlite:///{tmp_path}/server-{next(names)}.sqlite"
        return request.getfixturevalue("postgres_server").create_database()

    return make


def _server(url: str) -> tuple[ServerDatabase, str]:
    server = ServerDatabase.open(url)
    with server.session() as session:
        create_unit(session, UNIT, "Đơn vị thử", datetime.now(UTC))
    return server, enrolled_device(server, UNIT, 1)


def _push(server: ServerDatabase, device_id: str, epoch: str, ops: list[dict[str, Any]]) -> PushResponse:
    with server.session() as session:
        device = session.get(Device, device_id)
        assert device is not None
        batch = PushBatch(batch_id=str(uuid.uuid4()), device_epoch=epoch, ops=ops)
        return handle_push(session, device, batch, datetime.now(UTC))


def _stored(server: ServerDatabase) -> dict[str, Any]:
    """What the pushes left, without the columns that differ between two servers (ids, times, devices)."""
    with server.read() as session:
        dossiers = [(d.id, d.code, d.status, d.version, d.data, d.received_at, d.due_at, d.previous_due_at,
                     d.channel, d.procedure_code, d.procedure_name, d.applicant_name, d.applicant_phone,
                     d.sets_count, d.register_book, d.register_number, d.back_dated)
                    for d in session.scalars(select(Dossier).order_by(Dossier.code))]
        events = [(e.dossier_id, e.from_status, e.to_status, e.at, e.actor, e.note, e.source, e.op_id, e.details)
                  for e in session.scalars(select(DossierEvent).order_by(DossierEvent.op_id, DossierEvent.at))]
        ledger = [(row.op_id, row.seq, row.op_type, row.entity_id, row.payload_hash, row.status, row.code,
                   row.message, row.server_version)
                  for row in session.scalars(select(OpLedger).order_by(OpLedger.seq))]
        null_details = session.scalar(select(DossierEvent.id).where(DossierEvent.details.is_(None)).limit(1))
    return {"dossiers": dossiers, "events": events, "ledger": ledger, "details_null": null_details is not None}


def _backlog() -> list[dict[str, Any]]:
    """Four new dossiers of desk 1, and one of desk 2 (not the device's: refused, recorded in the ledger)."""
    ops = [wire(seq, OpType.DOSSIER_CREATE, dossier_payload(UNIT, 1, seq, name=f"Lê Thị Hoa {seq}"))
           for seq in range(1, 5)]
    return [*ops, wire(5, OpType.DOSSIER_CREATE, dossier_payload(UNIT, 2, 5))]


@pytest.mark.slow
def test_a_batch_of_new_dossiers_stores_what_the_general_path_stores(url_factory: Any) -> None:
    ops = _backlog()
    unknown = wire(6, OpType.ATTACHMENT_ADD, attachment_payload(f"{UNIT}-250101-1001"))
    epoch = str(uuid.uuid4())
    set_based, set_device = _server(url_factory())
    general, general_device = _server(url_factory())
    # The set-based path takes the new dossiers; an attachment of an unknown dossier sends the other
    # server's batch down the general path (prefetch, ORM rows, one flush).
    first = _push(set_based, set_device, epoch, ops).results + _push(set_based, set_device, epoch, [unknown]).results
    second = _push(general, general_device, epoch, [*ops, unknown]).results
    assert [r.model_dump() for r in first] == [r.model_dump() for r in second]
    assert [r.status for r in first] == [OpStatus.ACCEPTED] * 4 + [OpStatus.REJECTED, OpStatus.CONFLICT]
    assert first[4].code == "foreign_desk_slot"
    kept = _stored(set_based)
    assert kept == _stored(general)
    assert len(kept["dossiers"]) == 4 and len(kept["ledger"]) == 6 and kept["details_null"]
    assert [row[4] for row in kept["dossiers"]] == [op["payload"] for op in ops[:4]]


def test_a_replayed_or_mixed_batch_is_answered_from_what_is_held(url_factory: Any) -> None:
    server, device_id = _server(url_factory())
    epoch = str(uuid.uuid4())
    ops = _backlog()
    _push(server, device_id, epoch, ops[:2])
    # Two held already (a replay: duplicates), two new, and a second op creating a held dossier again under
    # another op_id: the general path answers it, the new ones are still stored.
    again = wire(7, OpType.DOSSIER_CREATE, ops[0]["payload"])
    answer = _push(server, device_id, epoch, [*ops[:4], again])
    assert [r.status for r in answer.results] == [OpStatus.DUPLICATE] * 2 + [OpStatus.ACCEPTED] * 3
    assert answer.results[-1].code == "already_exists"
    assert answer.acked_seq == 4
    assert len(_stored(server)["dossiers"]) == 4


class IngestPaths(logging.Handler):
    """The format strings of sync.server.ingest's lines, read on its own logger (before any other handler, such as
    the app's privacy filter installed by other tests, could rewrite a record)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(str(record.msg))


@contextmanager
def ingest_paths() -> Iterator[IngestPaths]:
    """The lines sync.server.ingest logs while the block runs (one when a batch leaves the set-based path)."""
    ingest_log, paths = logging.getLogger("sync.server.ingest"), IngestPaths()
    ingest_log.addHandler(paths)
    level = ingest_log.level
    ingest_log.setLevel(logging.INFO)
    try:
        yield paths
    finally:
        ingest_log.removeHandler(paths)
        ingest_log.setLevel(level)


def test_a_backlog_naming_a_held_code_under_a_new_id_is_decided_with_the_held_dossier_read_first(
        url_factory: Any) -> None:
    """The set-based path does not look the batch's ids and codes up first: the held code fails its unique
    constraint, the savepoint takes back every row the batch wrote, and the prefetched path (one read of the
    dossiers the batch names, not a savepoint per operation) decides each one."""
    server, device_id = _server(url_factory())
    epoch = str(uuid.uuid4())
    ops = _backlog()
    _push(server, device_id, epoch, ops[:2])
    # The same code as the first held dossier, another id (a counter restored from an old copy, say).
    collision = {**ops[0]["payload"], "id": str(uuid.uuid4()), "applicant": {**ops[0]["payload"]["applicant"],
                                                                            "full_name": "Phạm Văn Tâm"}}
    with ingest_paths() as paths:
        answer = _push(server, device_id, epoch, [ops[2], ops[3], wire(6, OpType.DOSSIER_CREATE, collision)])
    assert [r.status for r in answer.results] == [OpStatus.ACCEPTED, OpStatus.ACCEPTED, OpStatus.CONFLICT]
    assert answer.results[2].code == "duplicate_code"
    assert any("đường chung" in line for line in paths.lines), paths.lines
    assert not any("từng thao tác" in line for line in paths.lines), paths.lines  # not one savepoint per operation
    kept = _stored(server)
    assert [row[0] for row in kept["dossiers"]] == [op["payload"]["id"] for op in ops[:4]]
    assert "Phạm Văn Tâm" not in str(kept["dossiers"])
    # Each accepted dossier's history once: nothing the failed insert wrote is left.
    assert sorted(event[7] for event in kept["events"]) == sorted(op["op_id"] for op in ops[:4])
    assert sorted(row[0] for row in kept["ledger"]) == sorted([*(op["op_id"] for op in ops[:4]), answer.results[2].op_id])


def test_copy_types_are_the_columns_types_in_postgresql(postgres_server: Any) -> None:
    """A binary COPY casts nothing: the oids sent for each table the set-based path writes are the very types
    PostgreSQL has for its columns (a model type mapped to another oid would refuse every backlog)."""
    server = ServerDatabase.open(postgres_server.create_database())
    try:
        with server.read() as session:
            for model in (Dossier, DossierEvent, OpLedger, AuditEntry):
                table = model.__table__
                columns = tuple(column.name for column in table.columns)
                actual = dict(session.execute(text("SELECT attname, atttypid::int FROM pg_attribute "
                                                   "WHERE attrelid = CAST(:table AS regclass) AND attnum > 0 "
                                                   "AND NOT attisdropped"), {"table": table.name}).all())
                assert copy_types(table, columns) == [actual[name] for name in columns], table.name
    finally:
        server.dispose()


def test_postgres_writes_payloads_with_lz4(postgres_server: Any) -> None:
    """Migration 0023: a dossier's payload and its audit row's text are compressed with lz4 on PostgreSQL (pglz
    cost a fifth of a backlog's database time), and a payload so stored reads back as it was sent."""
    server, device_id = _server(postgres_server.create_database())
    try:
        with server.read() as session:
            methods = dict(session.execute(text(
                "SELECT attrelid::regclass::text || '.' || attname, attcompression FROM pg_attribute "
                "WHERE (attrelid = 'dossier'::regclass AND attname = 'data') "
                "OR (attrelid = 'audit_entry'::regclass AND attname IN ('before', 'after'))")).all())
        assert methods == {"dossier.data": "l", "audit_entry.before": "l", "audit_entry.after": "l"}
        payload = dossier_payload(UNIT, 1, 1)
        payload["documents"] = [{"name": f"Bản sao giấy tờ chứng minh nơi cư trú của người yêu cầu, tờ {n}",
                                 "originals": 1, "certified_copies": 0, "photocopies": 0} for n in range(1, 41)]
        answer = _push(server, device_id, "e1", [wire(1, OpType.DOSSIER_CREATE, payload)])
        assert answer.results[0].status is OpStatus.ACCEPTED
        with server.read() as session:
            stored, method = session.execute(text("SELECT data, pg_column_compression(data) FROM dossier")).one()
        assert method == "lz4"
        assert stored["documents"] == payload["documents"]
    finally:
        server.dispose()


def test_values_at_the_columns_bounds_are_stored_as_sent_and_one_past_them_refused_alone(url_factory: Any) -> None:
    """The set-based path writes what validation let through without a cast (binary COPY on PostgreSQL): a value
    exactly at its column's bound is stored as sent, and one past it is refused on its own, with the field named in
    Vietnamese, while the rest of the batch is written."""
    server, device_id = _server(url_factory())
    try:
        name = ("Nguyễn Thị Ngọc Ánh 🌸 Hoà" + "e\u0301" * 300)[:300]  # an emoji, a combining accent, 300 long
        at_bounds = {**dossier_payload(UNIT, 1, 1), "version": 2**31 - 1, "procedure_code": "1." + "0" * 38,
                     "sets_count": 999, "phone": "0" * 30, "applicant_name": name}
        past = [({"procedure_code": "1." + "0" * 39}, "procedure_code"), ({"version": 2**31}, "version"),
                ({"sets_count": 1000}, "sets_count"), ({"phone": "0" * 31}, "phone"),
                ({"applicant_name": "Lê Văn\x00Tám"}, "applicant_name"),
                ({"procedure_name": "Khai sinh \ud800"}, "procedure_name")]
        ops = [wire(1, OpType.DOSSIER_CREATE, at_bounds)]
        for seq, (change, _field) in enumerate(past, start=2):
            ops.append(wire(seq, OpType.DOSSIER_CREATE, {**dossier_payload(UNIT, 1, seq), **change}))
        ordinary = dossier_payload(UNIT, 1, 9)
        ops.append(wire(9, OpType.DOSSIER_CREATE, ordinary))

        with ingest_paths() as paths:
            answer = _push(server, device_id, str(uuid.uuid4()), ops)

        assert paths.lines == []  # written by the set-based path (COPY on PostgreSQL), not redone another way
        statuses = [(r.status, r.code) for r in answer.results]
        assert statuses[0][0] is OpStatus.ACCEPTED and statuses[-1][0] is OpStatus.ACCEPTED, statuses
        for result, (_change, field) in zip(answer.results[1:-1], past, strict=True):
            assert result.status is OpStatus.REJECTED and result.code == "bad_payload", (field, result)
            assert result.message.startswith(f"Dữ liệu thao tác không hợp lệ: trường «{field}»"), result.message
        with server.read() as session:
            stored = {row.id: (row.version, row.procedure_code, row.sets_count, row.applicant_phone,
                               row.applicant_name, row.data) for row in session.scalars(select(Dossier))}
        assert set(stored) == {at_bounds["id"], ordinary["id"]}
        assert stored[at_bounds["id"]] == (2**31 - 1, at_bounds["procedure_code"], 999, "0" * 30, name, at_bounds)
    finally:
        server.dispose()


def test_a_value_the_database_refuses_is_refused_alone_and_the_rest_applied(postgres_server: Any) -> None:
    """Checks and columns can drift apart (a column narrowed by hand, an older schema): PostgreSQL's refusal of
    one value (DataError) refuses that operation alone; the batch is redone one by one, not failed whole, so one
    record cannot wedge a counter's sync."""
    server, device_id = _server(postgres_server.create_database())
    try:
        with server.session() as session:
            session.execute(text("ALTER TABLE dossier ALTER COLUMN applicant_phone TYPE varchar(12)"))
        ops = [wire(seq, OpType.DOSSIER_CREATE, dossier_payload(UNIT, 1, seq)) for seq in (1, 2, 3)]
        ops[1]["payload"]["phone"] = "0905 123 456 789"  # 16 long: the checks allow 30, the column now 12
        ops[1] = wire(2, OpType.DOSSIER_CREATE, ops[1]["payload"], op_id=ops[1]["op_id"])

        with ingest_paths() as paths:
            answer = _push(server, device_id, "e1", ops)

        assert [r.status for r in answer.results] == [OpStatus.ACCEPTED, OpStatus.REJECTED, OpStatus.ACCEPTED]
        assert answer.results[1].code == "bad_payload"
        assert answer.results[1].message == "Máy chủ không áp dụng được dữ liệu của thao tác này."
        assert answer.acked_seq == 3  # the refusal is answered and recorded: the counter moves on
        # Redone one by one, and the one operation refused there (what the server's log says).
        assert paths.lines == ["Gói %s xử lý lại từng thao tác (%s)", "Thao tác %s của thiết bị %s bị từ chối (%s)"]
        with server.read() as session:
            codes = session.scalars(select(Dossier.code).order_by(Dossier.code)).all()
            refused = session.scalar(select(OpLedger.status).where(OpLedger.op_id == ops[1]["op_id"]))
        assert codes == [ops[0]["payload"]["code"], ops[2]["payload"]["code"]]
        assert refused == "rejected"
    finally:
        server.dispose()


def test_a_fault_of_the_server_fails_the_push_and_refuses_nothing(postgres_server: Any) -> None:
    """A database error that is not about one value (here a trigger someone added: PostgreSQL's RAISE EXCEPTION,
    met by COPY and by INSERT alike) fails the push as a whole: no operation is refused for good, nothing is
    written, and the same batch is accepted once the server is mended."""
    server, device_id = _server(postgres_server.create_database())
    try:
        with server.session() as session:
            session.execute(text("""
                CREATE FUNCTION refuse_dossier() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN IF NEW.applicant_name = 'Phá Hoại' THEN RAISE EXCEPTION 'refused by a trigger'; END IF;
                RETURN NEW; END $$;
                CREATE TRIGGER refuse_dossier BEFORE INSERT ON dossier FOR EACH ROW EXECUTE FUNCTION refuse_dossier();
            """))
        creates = [wire(seq, OpType.DOSSIER_CREATE, dossier_payload(UNIT, 1, seq, name=name))
                   for seq, name in enumerate(["Lê Thị Hoa", "Phá Hoại", "Trần Văn Nam"], start=1)]

        with pytest.raises(DBAPIError):
            _push(server, device_id, "e1", creates)
        with server.read() as session:
            assert session.scalar(select(func.count()).select_from(OpLedger)) == 0
            assert session.scalar(select(func.count()).select_from(Dossier)) == 0

        with server.session() as session:
            session.execute(text("DROP TRIGGER refuse_dossier ON dossier"))
        answer = _push(server, device_id, "e1", creates)
        assert [r.status for r in answer.results] == [OpStatus.ACCEPTED] * 3
    finally:
        server.dispose()

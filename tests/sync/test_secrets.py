"""Secrets and the upgrade that brings them (issue 7, items 4, 5 and 7).

- Migration 0002 on a real schema-0001 server database full of what 0001 allowed (global blobs, a
  squatted and an orphan blob, two active devices on one desk slot, overlapping ranges, legacy token
  and code hashes): the data is kept or resolved as its docstring says, and old tokens keep working.
- Tokens match exactly; enrolment codes are stored salted and slow, never as a plain hash.
- `counter-app enroll` refuses plain http:// to another machine unless `--insecure-http`.

SQLite and PostgreSQL, with real `provincial-server` processes.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import ClassVar

import pytest
import requests
import sqlalchemy as sa
from alembic import command
from sqlalchemy import select

from counter_app.storage.database import Database
from counter_app.storage.sync_store import get_state
from sync.server.auth import ENROLLMENT_KDF_ROUNDS, ENROLLMENT_SALT_KEY, slots_held, token_digest
from sync.server.db import ServerDatabase, alembic_config, make_engine
from sync.server.models import Blob, BlobChunk, Device, EnrollmentCode, Meta, NumberRange, UtcDateTime
from tests.conftest import open_counter
from tests.sync.harness import UNIT_A, UNIT_B, ServerProcess, counter_cli, local_network_address
from tests.sync.postgres import PostgresServer

API = "/api/v1"
T0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)


def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgres":
        return request.getfixturevalue("postgres_url")
    return f"sqlite:///{tmp_path / 'server.sqlite'}"


def legacy_hash(secret: str) -> str:
    """How schema 0001 stored tokens and enrolment codes."""
    return hashlib.sha256(secret.strip().upper().encode()).hexdigest()


def hello(base: str, token: str) -> requests.Response:
    body = {"protocol_versions": [1], "schema_versions": [1], "device_epoch": str(uuid.uuid4())}
    return requests.post(f"{base}{API}/sync/hello", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=30)


# -- a schema-0001 database, written as 0001 wrote it ----------------------------------------------------

t = {name: sa.table(name, *(sa.column(c, typ) for c, typ in cols)) for name, cols in {
    "unit": [("code", sa.String), ("name", sa.Text), ("created_at", UtcDateTime)],
    "device": [("id", sa.String), ("unit_code", sa.String), ("desk_slot", sa.Integer), ("token_hash", sa.String),
               ("name", sa.Text), ("app_version", sa.String), ("revoked", sa.Boolean), ("enrolled_at", UtcDateTime)],
    "enrollment_code": [("code_hash", sa.String), ("unit_code", sa.String), ("expires_at", UtcDateTime),
                        ("used_at", UtcDateTime), ("device_id", sa.String)],
    "dossier": [("id", sa.String), ("code", sa.String), ("unit_code", sa.String), ("desk_slot", sa.Integer),
                ("status", sa.Integer), ("version", sa.Integer), ("data", sa.JSON), ("received_at", UtcDateTime),
                ("updated_at", UtcDateTime), ("source_device_id", sa.String)],
    "attachment": [("unit_code", sa.String), ("dossier_code", sa.String), ("sha256", sa.String), ("name", sa.Text),
                   ("size", sa.BigInteger), ("created_at", UtcDateTime)],
    "blob": [("sha256", sa.String), ("size", sa.BigInteger), ("content_type", sa.String), ("received", sa.BigInteger),
             ("complete", sa.Boolean), ("created_at", UtcDateTime), ("completed_at", UtcDateTime)],
    "blob_chunk": [("sha256", sa.String), ("offset", sa.BigInteger), ("data", sa.LargeBinary)],
    "change_feed": [("unit_code", sa.String), ("kind", sa.String), ("entity_id", sa.String), ("payload", sa.JSON),
                    ("created_at", UtcDateTime)],
}.items()}


class Old:
    """What the schema-0001 database holds, to compare after the upgrade."""

    tokens: ClassVar[dict[str, str]] = {n: secrets.token_urlsafe(32) for n in ("a1", "a2", "a3", "a_old", "b1")}
    ids: ClassVar[dict[str, str]] = {name: str(uuid.uuid4()) for name in tokens}
    unused_code = "KMNPQRSTUV"
    shared = b"Ban quet so do dat - dung chung" * 40_000  # complete, attached in units A and B
    partial = b"To khai dang tai len do dang" * 30_000  # incomplete, size as unit A declared
    squatted = b"Ban quet ma don vi khac chiem cho" * 1000  # incomplete, size another unit declared
    orphan = b"Khong ho so nao dung tep nay" * 1000  # complete, no attachment refers to it

    @staticmethod
    def sha(data: bytes) -> str:
        return hashlib.sha256(data).hexdigest()


def write_schema_0001(url: str) -> None:
    engine = make_engine(url)
    config = alembic_config()
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0001")
        with engine.begin() as c:
            _fill(c)
    finally:
        engine.dispose()


def _fill(c: sa.Connection) -> None:
    ids, tokens = Old.ids, Old.tokens
    c.execute(t["unit"].insert(), [{"code": UNIT_A, "name": "UBND phường Hải Châu", "created_at": T0},
                                   {"code": UNIT_B, "name": "UBND phường Thạch Thang", "created_at": T0}])
    devices = [  # a1 and a2 enrolled 3 ms apart on PostgreSQL: both got slot 1
        ("a1", UNIT_A, 1, False, T0 + timedelta(seconds=1)), ("a2", UNIT_A, 1, False, T0 + timedelta(seconds=1.003)),
        ("a3", UNIT_A, 2, False, T0), ("a_old", UNIT_A, 0, True, T0 - timedelta(days=30)),
        ("b1", UNIT_B, 1, False, T0),
    ]
    c.execute(t["device"].insert(), [
        {"id": ids[n], "unit_code": u, "desk_slot": slot, "token_hash": legacy_hash(tokens[n]), "name": n,
         "app_version": "0.9", "revoked": revoked, "enrolled_at": at} for n, u, slot, revoked, at in devices])
    c.execute(t["enrollment_code"].insert(), [
        {"code_hash": legacy_hash("ABCDEFGHJK"), "unit_code": UNIT_A, "expires_at": T0 + timedelta(hours=24),
         "used_at": T0, "device_id": ids["a1"]},
        {"code_hash": legacy_hash(Old.unused_code), "unit_code": UNIT_A,
         "expires_at": datetime.now(UTC) + timedelta(hours=10), "used_at": None, "device_id": None},
    ])
    dossiers = [("a2", f"{UNIT_A}-261102-1001"), ("a1", f"{UNIT_A}-261102-1002"), ("b1", f"{UNIT_B}-261102-1001")]
    c.execute(t["dossier"].insert(), [
        {"id": str(uuid.uuid4()), "code": code, "unit_code": code[:13], "desk_slot": 1, "status": 2, "version": 1,
         "data": {"code": code}, "received_at": T0 + timedelta(hours=1), "updated_at": T0 + timedelta(hours=1),
         "source_device_id": ids[who]} for who, code in dossiers])
    c.execute(t["attachment"].insert(), [
        {"unit_code": UNIT_A, "dossier_code": dossiers[0][1], "sha256": Old.sha(Old.shared), "name": "so-do.pdf",
         "size": len(Old.shared), "created_at": T0},
        {"unit_code": UNIT_B, "dossier_code": dossiers[2][1], "sha256": Old.sha(Old.shared), "name": "so-do.pdf",
         "size": len(Old.shared), "created_at": T0},
        {"unit_code": UNIT_A, "dossier_code": dossiers[1][1], "sha256": Old.sha(Old.partial), "name": "to-khai.pdf",
         "size": len(Old.partial), "created_at": T0},
        {"unit_code": UNIT_A, "dossier_code": dossiers[1][1], "sha256": Old.sha(Old.squatted), "name": "cccd.jpg",
         "size": len(Old.squatted), "created_at": T0},
    ])
    blobs = [(Old.shared, len(Old.shared), True, [Old.shared[:600_000], Old.shared[600_000:]]),
             (Old.partial, len(Old.partial), False, [Old.partial[:500_000]]),
             (Old.squatted, len(Old.squatted) + 99, False, [b"rac" * 100]),
             (Old.orphan, len(Old.orphan), True, [Old.orphan])]
    for content, size, complete, chunks in blobs:
        c.execute(t["blob"].insert().values(sha256=Old.sha(content), size=size, content_type="application/pdf",
                                            received=sum(map(len, chunks)), complete=complete, created_at=T0,
                                            completed_at=T0 if complete else None))
        offset = 0
        for chunk in chunks:
            c.execute(t["blob_chunk"].insert().values(sha256=Old.sha(content), offset=offset, data=chunk))
            offset += len(chunk)
    feed = [
        (UNIT_A, "desk_slot", ids["a3"], {"device_id": ids["a3"], "desk_slot": 5}),
        (UNIT_A, "desk_slot", ids["a3"], {"device_id": ids["a3"], "desk_slot": 2}),
        (UNIT_A, "number_range", "X:1", {"device_id": ids["a1"], "series": "X", "first": 1, "last": 500}),
        (UNIT_A, "number_range", "X:400", {"device_id": ids["a2"], "series": "X", "first": 400, "last": 900}),
        (UNIT_B, "number_range", "Y:1", {"device_id": ids["b1"], "series": "Y", "first": 1, "last": 10}),
    ]
    c.execute(t["change_feed"].insert(), [
        {"unit_code": u, "kind": kind, "entity_id": entity, "payload": payload, "created_at": T0}
        for u, kind, entity, payload in feed])


@pytest.fixture(params=["sqlite", "postgres"])
def upgraded(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ServerProcess]:
    """A schema-0001 database with data, upgraded by starting the server as an operator would."""
    url = database_url(request, tmp_path)
    write_schema_0001(url)
    with ServerProcess(url) as server:
        yield server


def test_migration_0002_keeps_the_data_and_the_old_tokens(upgraded: ServerProcess) -> None:
    server, ids, tokens = upgraded, Old.ids, Old.tokens

    # The old token works (its exact spelling), is upgraded on that first use, and then only it works.
    answer = hello(server.url, tokens["a1"])
    assert answer.status_code == 200, answer.text
    assert answer.json()["desk_slot"] == 1
    assert hello(server.url, tokens["a1"].swapcase()).status_code == 401
    assert hello(server.url, tokens["a1"]).status_code == 200
    # The later of the two desks on slot 1 moved to the lowest free slot (0: the revoked desk's) and is told.
    moved = hello(server.url, tokens["a2"])
    assert moved.status_code == 200 and moved.json()["desk_slot"] == 0
    pulled = requests.get(f"{server.url}{API}/sync/pull", params={"after": 0},
                          headers={"Authorization": f"Bearer {tokens['a2']}"}, timeout=30).json()["changes"]
    assert [c["payload"] for c in pulled if c["kind"] == "desk_slot" and c["entity_id"] == ids["a2"]] == [
        {"device_id": ids["a2"], "desk_slot": 0}]
    assert hello(server.url, tokens["a_old"]).status_code == 403  # still revoked

    # Blobs: each unit's own, per the migration's rules.
    a1 = tokens["a1"]
    heads = {name: requests.head(f"{server.url}{API}/blobs/{Old.sha(data)}", headers={"Authorization": f"Bearer {a1}"},
                                 timeout=30)
             for name, data in (("shared", Old.shared), ("partial", Old.partial), ("squatted", Old.squatted),
                                ("orphan", Old.orphan))}
    assert heads["shared"].headers["X-Blob-Complete"] == "1"
    assert heads["partial"].headers["Upload-Offset"] == "500000"  # progress kept
    assert heads["squatted"].status_code == 404 and heads["orphan"].status_code == 404

    db = ServerDatabase(server.database_url)
    try:
        with db.session() as s:
            for unit in (UNIT_A, UNIT_B):
                blob = s.get(Blob, (unit, Old.sha(Old.shared)))
                assert blob is not None and blob.complete and blob.size == len(Old.shared)
                chunks = s.scalars(select(BlobChunk.data).where(BlobChunk.unit_code == unit,
                                                                BlobChunk.sha256 == Old.sha(Old.shared))
                                   .order_by(BlobChunk.offset))
                assert b"".join(chunks) == Old.shared
            assert s.get(Blob, (UNIT_A, Old.sha(Old.partial))).device_id == ids["a1"]  # type: ignore[union-attr]
            assert s.scalar(select(sa.func.count()).select_from(Blob)) == 3
            assert not set(s.scalars(select(Blob.sha256))) & {Old.sha(Old.squatted), Old.sha(Old.orphan)}

            # Slot history: the codes each device issued stay its own.
            assert slots_held(s, ids["a2"]) == {0, 1}
            assert slots_held(s, ids["a3"]) == {2, 5}
            assert slots_held(s, ids["a1"]) == {1}
            active = s.execute(select(Device.unit_code, Device.desk_slot).where(Device.revoked.is_(False))).all()
            assert len(active) == len(set(active)) == 4

            # Ranges: the overlapping grant keeps only the numbers nobody held.
            ranges = s.execute(select(NumberRange.series, NumberRange.first, NumberRange.last, NumberRange.device_id)
                               .order_by(NumberRange.series, NumberRange.first)).all()
            assert [tuple(r) for r in ranges] == [("X", 1, 500, ids["a1"]), ("X", 501, 900, ids["a2"]),
                                                  ("Y", 1, 10, ids["b1"])]
            # Legacy codes: the used one kept as a record, the unused one expired.
            codes = s.scalars(select(EnrollmentCode)).all()
            assert [c.device_id for c in codes if c.used_at is not None] == [ids["a1"]]
            assert [c.expires_at <= datetime.now(UTC) for c in codes if c.used_at is None] == [True]
            assert s.get(Meta, ENROLLMENT_SALT_KEY) is not None
            stored = s.get(Device, ids["a1"])
            assert stored is not None and stored.token_hash == token_digest(tokens["a1"]) and not stored.token_legacy
    finally:
        db.dispose()

    refused = requests.post(f"{server.url}{API}/enroll", json={"code": Old.unused_code}, timeout=30)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "enrollment_code_expired"
    fresh = requests.post(f"{server.url}{API}/enroll", json={"code": server.enrollment_code(UNIT_A)}, timeout=30)
    assert fresh.status_code == 200 and fresh.json()["desk_slot"] == 3  # 0, 1 and 2 are held
    assert "Đã cấp dải số 901–1000" in server.admin("number-range", ids["a3"], "--series", "X", "--count", "100")


@pytest.fixture(params=["sqlite", "postgres"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ServerProcess]:
    url = database_url(request, tmp_path)
    with ServerProcess(url) as process:
        process.admin("create-unit", "--code", UNIT_A, "--name", "UBND phường Hải Châu")
        yield process


def test_tokens_match_exactly_and_codes_are_stored_salted(server: ServerProcess) -> None:
    code = server.enrollment_code(UNIT_A)
    db = ServerDatabase(server.database_url)
    try:
        with db.session() as s:
            salt = s.get(Meta, ENROLLMENT_SALT_KEY)
            assert salt is not None and len(bytes.fromhex(salt.value)) == 32
            stored = [row.code_hash for row in s.scalars(select(EnrollmentCode))]
    finally:
        db.dispose()
    slow = hashlib.pbkdf2_hmac("sha256", code.encode(), bytes.fromhex(salt.value), ENROLLMENT_KDF_ROUNDS).hex()
    assert stored == [slow]  # neither the code nor a plain hash of it
    assert legacy_hash(code) not in stored and hashlib.sha256(code.encode()).hexdigest() not in stored

    answer = requests.post(f"{server.url}{API}/enroll", json={"code": f" {code.lower()} "}, timeout=30)
    assert answer.status_code == 200, answer.text  # a code is typed by a person: case and spaces forgiven
    token = answer.json()["token"]
    assert hello(server.url, token).status_code == 200
    for variant in (token.swapcase(), token.upper(), token.lower(), token[:-1], token + "A"):
        if variant == token:
            continue
        refused = hello(server.url, variant)
        assert refused.status_code == 401, variant
        assert refused.json()["error"]["code"] == "bad_token"


def test_enroll_over_plain_http_to_another_machine_needs_the_flag(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'server.sqlite'}"
    with ServerProcess(url, host=local_network_address()) as server:
        server.admin("create-unit", "--code", UNIT_A, "--name", "UBND phường Hải Châu")
        code = server.enrollment_code(UNIT_A)
        data_dir = tmp_path / "counter"
        open_counter(data_dir, unit_code=UNIT_A).close()

        refused = counter_cli(data_dir, "enroll", "--server", server.url, "--code", code, "--json", check=False)

        assert refused.returncode == 2
        assert "http:// không mã hoá" in refused.stderr and "bearer token" in refused.stderr
        assert "--insecure-http" in refused.stderr
        assert json.loads(refused.stderr.splitlines()[-1])["errors"][0]["field"] == "server_url"
        db = ServerDatabase(server.database_url)
        try:
            with db.session() as s:
                assert s.scalar(select(sa.func.count()).select_from(Device)) == 0  # nothing was sent
        finally:
            db.dispose()

        allowed = counter_cli(data_dir, "enroll", "--server", server.url, "--code", code, "--insecure-http")

        assert "Đã đăng ký quầy" in allowed.stdout
    counter = Database.open(data_dir)
    try:
        with counter.read() as session:
            state = get_state(session)
            assert state is not None and state.server_url == server.url
    finally:
        counter.close()
    # https:// anywhere, and http:// to this machine itself, need no flag (checked without a network).
    from sync.client.enrollment import check_server_url

    for address in ("https://dongbo.buudien-tinh.vn", "http://127.0.0.1:8740", "http://localhost:8740",
                    "http://[::1]:8740"):
        assert check_server_url(address) == address


def test_postgresql_migration_needs_no_superuser(postgres_server: PostgresServer) -> None:
    """The exclusion constraint's btree_gist is a trusted extension (PostgreSQL 13+): the database's owner,
    as production runs it, creates it during the upgrade without a superuser."""
    name = f"owned_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(postgres_server.url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as c:
            c.execute(sa.text(f"CREATE ROLE {name} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE"))
            c.execute(sa.text(f"CREATE DATABASE {name} OWNER {name}"))
    finally:
        admin.dispose()
    url = postgres_server.url_for(name).replace("//postgres@", f"//{name}@")

    db = ServerDatabase.open(url)
    try:
        with db.session() as s:
            assert s.scalar(sa.text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")) is False
            assert s.scalar(sa.text("SELECT extname FROM pg_extension WHERE extname = 'btree_gist'")) == "btree_gist"
            assert s.scalar(sa.text("SELECT conname FROM pg_constraint WHERE contype = 'x'")) == "ex_number_range_no_overlap"
    finally:
        db.dispose()

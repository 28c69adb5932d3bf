"""The provincial server's OpenAPI schema, fuzzed with schemathesis: no request may make it answer 5xx.

The app under test is the real FastAPI app on a real SQLite file and, separately, on a real PostgreSQL
database (every operation is fuzzed on both), with a unit and a device enrolled
through the API, so authenticated endpoints (hello, push, pull, blobs) are reached with a real token as
well as with whatever Authorization header the generator invents. Valid (positive) and invalid
(negative) requests are generated for every operation of the schema.

(schemathesis' own `@schema.parametrize()` over a fixture-loaded schema does not run under pytest 9,
so each operation is driven here with its Hypothesis strategy.)
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from sync.protocol import API_PREFIX
from sync.server.admin import create_unit
from sync.server.app import create_app
from sync.server.auth import new_enrollment_code
from sync.server.db import ServerDatabase
from tests.conftest import UNIT_CODE
from tests.sync.harness import backend_url
from tests.sync.payloads import attachment_payload, dossier_payload, status_payload, wire

# Every operation the server publishes; the test fails if the schema gains one that is not fuzzed here.
OPERATIONS = [
    "GET /api/v1/health",
    "POST /api/v1/enroll",
    "POST /api/v1/sync/hello",
    "POST /api/v1/sync/push",
    "GET /api/v1/sync/pull",
    "POST /api/v1/sync/inbox",  # stored pushes (issue 13)
    "GET /api/v1/sync/inbox/{batch_id}",
    "GET /api/v1/sync/dictionaries/{dictionary_id}",  # push dictionaries (issue 13)
    "GET /api/v1/sync/pullback",  # a restored counter's own dossiers and records (issue 12)
    "GET /api/v1/sync/pullback/desk",
    "GET /api/v1/sync/conflicts",  # a supervisor decides the unit's conflicts (issue 13)
    "POST /api/v1/sync/conflicts/{conflict_id}/resolution",
    "HEAD /api/v1/blobs/{sha256}",
    "POST /api/v1/blobs/{sha256}",
    "PATCH /api/v1/blobs/{sha256}",
    "GET /api/v1/reports/{kind}",  # report tokens only: a device's token is refused (403)
    "GET /api/v1/releases/{sha256}",  # counter updates (issue 12): Range reads of a published release only
]
# Operations with something to get wrong (health and HEAD take nothing but a free-form path string).
NEGATABLE = [label for label in OPERATIONS if label not in ("GET /api/v1/health", "HEAD /api/v1/blobs/{sha256}")]
POSITIVE_CHECKS = [not_a_server_error, content_type_conformance, response_schema_conformance]
NEGATIVE_CHECKS = [not_a_server_error]
EXAMPLES = 25


class FuzzTarget:
    """The app on a real database (SQLite or PostgreSQL URL), and a real bearer token of a device enrolled
    through the API."""

    def __init__(self, url: str) -> None:
        self.db = ServerDatabase.open(url)
        now = datetime.now(UTC)
        with self.db.session() as s:
            create_unit(s, UNIT_CODE, "UBND phường Hải Châu", now)
            code = new_enrollment_code(s, UNIT_CODE, now)[0]
        self.app = create_app(self.db)
        with TestClient(self.app) as client:
            answer = client.post(f"{API_PREFIX}/enroll", json={"code": code, "device_name": "fuzz"})
            assert answer.status_code == 200, answer.text
            self.token: str = answer.json()["token"]
            hello = client.post(f"{API_PREFIX}/sync/hello", headers=self.auth,
                                json={"protocol_versions": [1], "schema_versions": [1], "device_epoch": "fuzz-epoch"})
            assert hello.status_code == 200, hello.text
        self.schema = schemathesis.openapi.from_asgi(f"{API_PREFIX}/openapi.json", self.app)

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def operation(self, label: str) -> Any:
        operation = self.schema.find_operation_by_label(label)
        assert operation is not None, f"{label} is not in the server's OpenAPI schema"
        return operation


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def target(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzTarget]:
    """One app per backend for the module; PostgreSQL gets a fresh database of its own (as `postgres_url`,
    which is per test and so cannot serve a module-wide app)."""
    url = backend_url(request, tmp_path_factory)
    fuzz = FuzzTarget(url)
    yield fuzz
    fuzz.db.dispose()


def test_every_operation_is_fuzzed(target: FuzzTarget) -> None:
    published = sorted(op.ok().label for op in target.schema.get_all_operations())
    assert published == sorted(OPERATIONS)


def _fuzz(target: FuzzTarget, label: str, mode: GenerationMode, authenticated: bool) -> None:
    checks = POSITIVE_CHECKS if mode is GenerationMode.POSITIVE else NEGATIVE_CHECKS
    headers = target.auth if authenticated else None

    @given(case=target.operation(label).as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def run(case: schemathesis.Case) -> None:
        response = case.call_and_validate(headers=headers, checks=checks)
        assert response.status_code < 500, response.text

    run()


@pytest.mark.parametrize("label", OPERATIONS)
def test_authenticated_requests_never_fail_with_5xx(target: FuzzTarget, label: str) -> None:
    """Valid requests sent with a real device token get a documented, non-5xx JSON answer."""
    _fuzz(target, label, GenerationMode.POSITIVE, authenticated=True)


@pytest.mark.parametrize("label", NEGATABLE)
def test_invalid_requests_never_fail_with_5xx(target: FuzzTarget, label: str) -> None:
    """Requests that break the schema (wrong types, missing fields, bad bodies) get a 4xx, not a 5xx."""
    _fuzz(target, label, GenerationMode.NEGATIVE, authenticated=True)


@pytest.mark.parametrize("label", OPERATIONS)
def test_generated_credentials_never_fail_with_5xx(target: FuzzTarget, label: str) -> None:
    """The same with the generator's own Authorization header (missing, malformed or unknown tokens)."""
    _fuzz(target, label, GenerationMode.POSITIVE, authenticated=False)


# -- operations with a correct payload hash but malformed content ------------------------------------
#
# Random bodies almost never carry a payload hash matching their payload, so the handlers behind
# /sync/push are reached only by operations built here: a valid operation with one or two fields
# replaced by junk (or removed), hashed correctly, pushed in one batch after a valid dossier. The
# server must answer 200 with a result for each: the bad one rejected (or a conflict), the good one
# accepted. A 5xx would fail the whole batch on every retry and block the counter's queue for ever.

DELETE = object()
JUNK = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70), st.text(max_size=50),
    st.text(min_size=65, max_size=120), st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.sampled_from(["2024-01-01T08:00:00", "2024-13-45", "x" * 100, "", "-1", "99"]), st.just(DELETE),
)
TOP_KEYS = {
    "dossier.create": ["id", "code", "unit_code", "status", "version", "desk_slot", "received_at", "history"],
    "dossier.status": ["code", "from", "to", "at", "note", "actor"],
    "attachment.add": ["dossier_code", "sha256", "name", "size", "content_type"],
}
HISTORY_KEYS = ["from_status", "to_status", "at", "actor", "note"]


def _valid_create(n: int) -> dict[str, Any]:
    """The n-th distinct dossier of the fuzzed device (slot 0: enrolled without asking for a slot)."""
    return dossier_payload(UNIT_CODE, 0, n % 900 + 1, received_at=datetime.now(UTC) - timedelta(days=n // 900, minutes=5))


def _valid(op_type: str, parent_code: str) -> dict[str, Any]:
    if op_type == "dossier.status":
        return status_payload(parent_code, 2, 3)
    if op_type == "attachment.add":
        return attachment_payload(parent_code)
    return {}


def _wire(seq: int, op_type: str, payload: dict[str, Any], base_version: int | None = None) -> dict[str, Any]:
    return wire(seq, op_type, payload, base_version=base_version)


class PushTarget:
    """A server app on SQLite or PostgreSQL with one enrolled device, driven in process over ASGI."""

    def __init__(self, url: str) -> None:
        self.db = ServerDatabase.open(url)
        now = datetime.now(UTC)
        with self.db.session() as s:
            create_unit(s, UNIT_CODE, "UBND phường Hải Châu", now)
            code = new_enrollment_code(s, UNIT_CODE, now)[0]
        self.client = TestClient(create_app(self.db), raise_server_exceptions=False)
        self.token = self.client.post(f"{API_PREFIX}/enroll", json={"code": code}).json()["token"]
        self.count = 0

    def push(self, ops: list[dict[str, Any]]) -> Any:
        body = {"batch_id": str(uuid.uuid4()), "device_epoch": str(uuid.uuid4()), "ops": ops}
        return self.client.post(f"{API_PREFIX}/sync/push", json=body, headers={"Authorization": f"Bearer {self.token}"})


@pytest.fixture(params=["sqlite", "postgresql"])
def push_target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[PushTarget]:
    url = f"sqlite:///{tmp_path / 'push.sqlite'}" if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    target = PushTarget(url)
    yield target
    target.client.close()
    target.db.dispose()


def test_malformed_operations_are_rejected_one_by_one(push_target: PushTarget) -> None:
    """One malformed operation gets its own answer; the valid one in the same batch is stored; no 5xx."""

    @given(op_type=st.sampled_from(sorted(TOP_KEYS)), data=st.data())
    @settings(max_examples=150, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def run(op_type: str, data: st.DataObject) -> None:
        push_target.count += 1
        parent = _valid_create(push_target.count)
        bad = _valid(op_type, parent["code"]) if op_type != "dossier.create" else _valid_create(50_000 + push_target.count)
        for key in data.draw(st.lists(st.sampled_from(TOP_KEYS[op_type]), min_size=1, max_size=2), label="keys"):
            junk = data.draw(JUNK, label=key)
            if key == "history" and data.draw(st.booleans(), label="inside history"):
                inner = data.draw(st.sampled_from(HISTORY_KEYS), label="history key")
                if junk is DELETE:
                    bad["history"][0].pop(inner, None)
                else:
                    bad["history"][0][inner] = junk
            elif junk is DELETE:
                bad.pop(key, None)
            else:
                bad[key] = junk
        response = push_target.push([_wire(1, "dossier.create", parent), _wire(2, op_type, bad, base_version=1)])
        assert response.status_code == 200, (bad, response.text)
        good, answer = response.json()["results"]
        assert good["status"] == "accepted", good
        assert answer["status"] in ("accepted", "rejected", "conflict"), answer
        assert answer["code"] != "busy", (bad, answer)  # "busy" is retried for ever
        if answer["status"] != "accepted":
            assert answer["message"], answer

    run()


# -- NUL characters: fine for SQLite, refused by PostgreSQL text columns --------------------------------
#
# Found by the schemathesis fuzz on PostgreSQL: an op_id holding "\x00" made POST /sync/push answer 500
# (psycopg DataError), where SQLite stored it. A 5xx is retried for ever, so it must be a 4xx for a
# malformed envelope and a per-operation rejection for a payload, on both backends.

NUL = "\x00"


def test_nul_in_envelope_strings_is_refused(push_target: PushTarget) -> None:
    """A NUL in an operation's envelope costs that operation a refusal; in a batch's or a request's own
    fields, the request a 4xx; a good operation is still accepted afterwards."""
    client, auth = push_target.client, {"Authorization": f"Bearer {push_target.token}"}
    parent = _valid_create(1)
    for key in ("op_id", "entity", "entity_id", "op_type"):
        op = _wire(1, "dossier.create", parent)
        op[key] = (op[key] or "dossier") + NUL
        response = push_target.push([op])
        assert response.status_code == 200, (key, response.status_code, response.text)
        [answer] = response.json()["results"]
        assert (answer["status"], answer["code"]) == ("rejected", "bad_envelope"), (key, answer)
        assert NUL not in answer["message"]
    body = {"batch_id": "batch" + NUL + "0001", "device_epoch": str(uuid.uuid4()), "ops": []}
    assert client.post(f"{API_PREFIX}/sync/push", json=body, headers=auth).status_code == 422
    body = {"batch_id": str(uuid.uuid4()), "device_epoch": "epoch" + NUL, "ops": []}
    assert client.post(f"{API_PREFIX}/sync/push", json=body, headers=auth).status_code == 422
    hello = {"protocol_versions": [1], "schema_versions": [1], "device_epoch": "e" + NUL, "app_version": "1" + NUL}
    assert client.post(f"{API_PREFIX}/sync/hello", json=hello, headers=auth).status_code == 422
    for field in ("code", "device_name", "app_version", "expected_unit_code"):
        enrol = {"code": "ABCD-1234", field: "x" + NUL}
        answer = client.post(f"{API_PREFIX}/enroll", json=enrol)
        assert 400 <= answer.status_code < 500, (field, answer.text)
    blob = client.post(f"{API_PREFIX}/blobs/{'ab' * 32}", json={"size": 1, "content_type": "text/plain" + NUL},
                       headers=auth)
    assert 400 <= blob.status_code < 500, blob.text
    good = _wire(2, "dossier.create", parent)
    assert push_target.push([good]).json()["results"][0]["status"] == "accepted"


@pytest.mark.parametrize("where", ["status_note", "history_actor", "extra_key", "nested_value"])
def test_nul_in_a_payload_rejects_that_operation_only(push_target: PushTarget, where: str) -> None:
    parent = _valid_create(2)
    if where == "status_note":
        op_type, bad = "dossier.status", {**_valid("dossier.status", parent["code"]), "note": "Chuyển" + NUL}
    else:
        op_type, bad = "dossier.create", _valid_create(3)
        if where == "history_actor":
            bad["history"][0]["actor"] = "Mai" + NUL
        elif where == "extra_key":
            bad["ghi" + NUL + "chú"] = "x"
        else:
            bad["extra"] = {"list": ["ok", "bad" + NUL]}
    response = push_target.push([_wire(1, "dossier.create", parent), _wire(2, op_type, bad, base_version=1)])
    assert response.status_code == 200, response.text
    good, answer = response.json()["results"]
    assert good["status"] == "accepted", good
    assert (answer["status"], answer["code"]) == ("rejected", "bad_payload"), answer
    assert answer["message"] and NUL not in answer["message"]


def test_a_refused_operation_sent_again_is_refused_again_and_repeats_in_a_batch_are_answered_once(
        push_target: PushTarget) -> None:
    """The answer lost on the way back: the re-sent refusal must not come back as a `duplicate` (which the
    counter takes as accepted). And a batch naming one operation a thousand times writes it once."""
    parent = _valid_create(7)
    bad = _wire(2, "dossier.status", {**_valid("dossier.status", parent["code"]), "to": 99})
    first = push_target.push([_wire(1, "dossier.create", parent), bad]).json()["results"]
    assert [(r["status"], r["code"]) for r in first] == [("accepted", ""), ("rejected", "bad_payload")]
    again = push_target.push([bad]).json()["results"]
    assert [(r["status"], r["code"], r["message"]) for r in again] == [
        ("rejected", "bad_payload", first[1]["message"])]

    copies = _wire(3, "dossier.create", _valid_create(8))
    answer = push_target.push([copies] * 1000)
    assert answer.status_code == 200
    statuses = [r["status"] for r in answer.json()["results"]]
    assert statuses.count("accepted") == 1 and statuses.count("duplicate") == 999

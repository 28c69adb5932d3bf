"""Every endpoint against a table of hostile and broken requests (issue 7, must-show 1).

A real `provincial-server` process, on SQLite and on PostgreSQL, with a unit, an enrolled counter and
some stored dossiers, receives well over 120 bad requests: missing and forged tokens, broken JSON and
framing, bombs, values past every bound, malformed operations, blob ids and offsets, pull cursors.
Each must be answered below 500 with the project's error shape in Vietnamese (or, for an operation,
its own refusal inside a 200), the business data stored on the server must be exactly as before, and
the counter's next honest push must still be accepted.
"""

from __future__ import annotations

import gzip
import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import select

from counter_app.domain.operations import OpType
from counter_app.services.credentials import load_token
from counter_app.services.intake import IntakeRequest, PersonInput, receive_dossier
from counter_app.storage.database import Database
from counter_app.storage.profile import get_profile
from sync.client.enrollment import enroll
from sync.client.runner import SyncRunner
from sync.protocol import API_PREFIX
from sync.server.admin import create_unit, import_catalog
from sync.server.auth import new_enrollment_code
from sync.server.models import (
    Attachment,
    Blob,
    ChangeFeed,
    Device,
    Dossier,
    DossierEvent,
    EnrollmentCode,
    Unit,
)
from tests.conftest import UNIT_CODE, open_counter
from tests.sync.harness import ROOT, ServerProcess, backend_url
from tests.sync.invariants import open_server_db
from tests.sync.payloads import attachment_payload, dossier_payload, status_payload, wire

CATALOG = ROOT / "resources" / "catalog" / "sample-catalog.json"
OTHER_UNIT = "000.77.48.H15"
VIETNAMESE = re.compile(r"[ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ]", re.IGNORECASE)
SHA = "ab" * 32


@dataclass
class Case:
    """One bad request; `expect` the status class or exact code it must get (None: any 4xx)."""

    name: str
    method: str
    path: str
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    auth: str = "good"  # good | none | or the literal Authorization header value
    params: dict[str, str] | None = None
    expect: int | None = None
    per_op: bool = False  # a push whose every operation must be refused inside a 200


@dataclass
class Rig:
    server: ServerProcess
    db: Database
    data_dir: Path
    token: str
    slot: int

    def url(self, path: str) -> str:
        return f"{self.server.url}{API_PREFIX}{path}"


def js(value: Any) -> bytes:
    """JSON as a hostile client may write it: lone surrogates go out as \\uXXXX escapes."""
    return json.dumps(value, ensure_ascii=True).encode("ascii")


def batch(*ops: Any) -> bytes:
    return js({"batch_id": str(uuid.uuid4()), "device_epoch": "bad-input-epoch", "ops": list(ops)})


def deep(levels: int) -> bytes:
    return b'{"a":' * levels + b"1" + b"}" * levels


def gzip_bomb(inflated_mb: int) -> bytes:
    """A small gzip body that inflates to `inflated_mb` MB of one JSON string."""
    inner = b'{"protocol_versions":[1],"schema_versions":[1],"device_epoch":"' + b"A" * (inflated_mb * 1024 * 1024) + b'"}'
    return gzip.compress(inner, compresslevel=9)


def cases(slot: int, parent_code: str) -> list[Case]:
    """The table. `parent_code` is a dossier of the rig's own unit that exists on the server."""
    hello = {"protocol_versions": [1], "schema_versions": [1], "device_epoch": "bad-input-epoch"}
    table: list[Case] = []

    # -- tokens: every protected endpoint, every way to get the token wrong ---------------------------
    protected = [("POST", "/sync/hello", js(hello)), ("POST", "/sync/push", batch()), ("GET", "/sync/pull", None),
                 ("HEAD", f"/blobs/{SHA}", None), ("POST", f"/blobs/{SHA}", js({"size": 10})),
                 ("PATCH", f"/blobs/{SHA}", b"0123456789")]
    bad_tokens = {"missing": "none", "empty_bearer": "Bearer ", "basic": "Basic dXNlcjpwYXNz",
                  "unknown": "Bearer " + "A" * 43, "huge": "Bearer " + "A" * 20_000, "lowercase_scheme": "bearer x",
                  "control_chars": "Bearer \x01\x02\x03"}
    for token_name, header in bad_tokens.items():
        for method, path, body in protected:
            headers = {"Upload-Offset": "0"} if method == "PATCH" else {}
            table.append(Case(f"token_{token_name}_{method}_{path.split('/')[-1][:8]}", method, path, body, headers,
                              auth=header, expect=401 if token_name not in ("huge",) else None))

    # -- bodies that must never be parsed as they are ----------------------------------------------------
    bodies = {
        "not_json": b"{broken", "empty": b"", "array": b"[1,2,3]", "string": b'"x"', "null": b"null",
        "deep_400": deep(400), "deep_5000": deep(5000), "lone_surrogate": b'{"device_epoch":"\\ud800"}',
        "invalid_utf8": b'{"device_epoch":"\xff\xfe"}', "nan": b'{"epoch_base_seq":NaN}', "infinity": b'{"x":Infinity}',
        "huge_int": b'{"epoch_base_seq":' + b"9" * 5000 + b"}", "wide_array": b"[" + b"0," * 200_000 + b"0]",
        "many_keys": js({f"k{i}": i for i in range(50_000)}),
    }
    for endpoint, auth in (("/enroll", "none"), ("/sync/hello", "good"), ("/sync/push", "good")):
        for body_name, body in bodies.items():
            table.append(Case(f"body_{body_name}_{endpoint.split('/')[-1]}", "POST", endpoint, body,
                              {"Content-Type": "application/json"}, auth=auth))
    for endpoint in ("/sync/hello", "/sync/push"):
        table += [
            Case(f"gzip_bomb_{endpoint[6:]}", "POST", endpoint, gzip_bomb(200),
                 {"Content-Type": "application/json", "Content-Encoding": "gzip"}),
            Case(f"gzip_broken_{endpoint[6:]}", "POST", endpoint, b"\x1f\x8b\x08\x00garbage",
                 {"Content-Type": "application/json", "Content-Encoding": "gzip"}),
            Case(f"encoding_unknown_{endpoint[6:]}", "POST", endpoint, js(hello),
                 {"Content-Type": "application/json", "Content-Encoding": "br"}),
            Case(f"too_large_{endpoint[6:]}", "POST", endpoint, b'{"x":"' + b"A" * 9_000_000 + b'"}',
                 {"Content-Type": "application/json"}, expect=413),
            Case(f"form_body_{endpoint[6:]}", "POST", endpoint, b"a=1&b=2",
                 {"Content-Type": "application/x-www-form-urlencoded"}),
        ]

    # -- enrolment ---------------------------------------------------------------------------------------
    for name, body in {
        "code_missing": {}, "code_nul": {"code": "ABCDEFGHJK\x00"}, "code_long": {"code": "A" * 5000},
        "code_number": {"code": 1234567890}, "slot_10": {"code": "ABCDEFGHJK", "desk_slot": 10},
        "slot_negative": {"code": "ABCDEFGHJK", "desk_slot": -1}, "slot_huge": {"code": "ABCDEFGHJK", "desk_slot": 2**63},
        "unit_nul": {"code": "ABCDEFGHJK", "expected_unit_code": "000\x00"},
        "version_huge": {"code": "ABCDEFGHJK", "app_version": "9" * 100_000},
        "wrong_code": {"code": "ABCDEFGHJK"},
    }.items():
        table.append(Case(f"enroll_{name}", "POST", "/enroll", js(body), {"Content-Type": "application/json"},
                          auth="none"))

    # -- hello ------------------------------------------------------------------------------------------
    for name, change in {
        "no_common_protocol": {"protocol_versions": [999]}, "no_protocols": {"protocol_versions": []},
        "schema_strings": {"schema_versions": ["1"]}, "base_seq_2_63": {"epoch_base_seq": 2**63},
        "base_seq_negative": {"epoch_base_seq": -1}, "epoch_empty": {"device_epoch": ""},
        "epoch_long": {"device_epoch": "e" * 5000}, "epoch_nul": {"device_epoch": "e\x00"},
        "app_version_long": {"app_version": "1" * 100_000}, "capabilities_huge": {"capabilities": ["x"] * 100_000},
    }.items():
        table.append(Case(f"hello_{name}", "POST", "/sync/hello", js({**hello, **change}),
                          {"Content-Type": "application/json"}))

    # -- push: the batch envelope, and operations each refused alone -----------------------------------
    for name, body in {
        "batch_id_missing": {"device_epoch": "e", "ops": []}, "batch_id_nul": {"batch_id": "b\x00" * 8, "device_epoch": "e", "ops": []},
        "ops_not_list": {"batch_id": str(uuid.uuid4()), "device_epoch": "e", "ops": {"a": 1}},
        "ops_too_many": {"batch_id": str(uuid.uuid4()), "device_epoch": "e", "ops": [{}] * 6000},
        "epoch_control": {"batch_id": str(uuid.uuid4()), "device_epoch": "\x1b[31m", "ops": []},
    }.items():
        table.append(Case(f"push_{name}", "POST", "/sync/push", js(body), {"Content-Type": "application/json"}))
    status = status_payload(parent_code, 2, 4)
    create = dossier_payload(UNIT_CODE, slot, 902)
    bad_ops: dict[str, Any] = {
        "op_not_object": 42, "op_empty": {}, "seq_2_63": {**wire(1, OpType.DOSSIER_STATUS, status), "seq": 2**63},
        "seq_zero": {**wire(1, OpType.DOSSIER_STATUS, status), "seq": 0},
        "op_id_nul": {**wire(1, OpType.DOSSIER_STATUS, status), "op_id": "a\x00" * 10},
        "created_year_1": {**wire(1, OpType.DOSSIER_STATUS, status), "created_at": "0001-01-01T00:00:00+07:00"},
        "created_year_9999": {**wire(1, OpType.DOSSIER_STATUS, status), "created_at": "9999-12-31T23:59:59-12:00"},
        "base_version_2_31": {**wire(1, OpType.DOSSIER_STATUS, status), "base_version": 2**31},
        "schema_2_63": {**wire(1, OpType.DOSSIER_STATUS, status), "schema_version": 2**63},
        "hash_newline": {**wire(1, OpType.DOSSIER_STATUS, status), "payload_hash": SHA + "\n"},
        "hash_mismatch": {**wire(1, OpType.DOSSIER_STATUS, status), "payload_hash": SHA},
        "unknown_type": wire(1, "dossier.delete", {"code": parent_code}),
        "status_99": wire(1, OpType.DOSSIER_STATUS, {**status, "to": 99}),
        "status_at_year_1": wire(1, OpType.DOSSIER_STATUS, {**status, "at": "0001-01-01T03:00:00+07:00"}),
        "note_7mb": wire(1, OpType.DOSSIER_STATUS, {**status, "note": "x" * 7_000_000}),
        "note_control": wire(1, OpType.DOSSIER_STATUS, {**status, "note": "a\x07b"}),
        "note_surrogate": wire(1, OpType.DOSSIER_STATUS, {**status, "note": "\ud800"}),
        "create_version_2_31": wire(1, OpType.DOSSIER_CREATE, {**create, "version": 2**31}),
        "create_version_negative": wire(1, OpType.DOSSIER_CREATE, {**create, "version": -5}),
        "create_extra_field": wire(1, OpType.DOSSIER_CREATE, {**create, "admin": True}),
        "create_history_1000": wire(1, OpType.DOSSIER_CREATE, {**create, "history": create["history"] * 1000}),
        "create_other_unit": wire(1, OpType.DOSSIER_CREATE, dossier_payload(OTHER_UNIT, slot, 903)),
        "create_other_slot": wire(1, OpType.DOSSIER_CREATE, dossier_payload(UNIT_CODE, (slot + 1) % 10, 904)),
        "create_code_other_day": wire(1, OpType.DOSSIER_CREATE, {**create, "code": create["code"].replace(
            create["code"].split("-")[1], "200101")}),
        "create_float_slot": wire(1, OpType.DOSSIER_CREATE, {**create, "desk_slot": float(slot)}),
        "attach_sha_newline": wire(1, OpType.ATTACHMENT_ADD, {**attachment_payload(parent_code), "sha256": SHA + "\n"}),
        "attach_size_2_63": wire(1, OpType.ATTACHMENT_ADD, {**attachment_payload(parent_code), "size": 2**63}),
        "withdrawn_without_reason": wire(1, OpType.WITHDRAWN, {"op_type": "x", "payload_hash": "", "code": "", "reason": ""}),
    }
    for name, op in bad_ops.items():
        table.append(Case(f"op_{name}", "POST", "/sync/push", batch(op), {"Content-Type": "application/json"},
                          per_op=True))

    # -- pull ---------------------------------------------------------------------------------------------
    for name, params in {
        "after_negative": {"after": "-1"}, "after_2_63": {"after": str(2**63)}, "after_2_64": {"after": str(2**64)},
        "after_text": {"after": "abc"}, "after_float": {"after": "1.5"}, "limit_zero": {"limit": "0"},
        "limit_huge": {"limit": str(10**9)}, "after_nul": {"after": "1\x00"},
    }.items():
        table.append(Case(f"pull_{name}", "GET", "/sync/pull", params=params))

    # -- blobs --------------------------------------------------------------------------------------------
    for name, sha in {"upper": SHA.upper(), "newline": SHA + "%0A", "short": SHA[:63], "long": SHA + "a",
                      "dots": "..%2F..%2Fetc%2Fpasswd", "unicode": "đ" * 64}.items():
        table.append(Case(f"blob_head_{name}", "HEAD", f"/blobs/{sha}"))
        table.append(Case(f"blob_post_{name}", "POST", f"/blobs/{sha}", js({"size": 10}), {"Content-Type": "application/json"}))
    for name, body in {"size_negative": {"size": -1}, "size_2_63": {"size": 2**63}, "size_too_big": {"size": 10**12},
                       "type_nul": {"size": 10, "content_type": "a\x00"}, "size_text": {"size": "10"}}.items():
        table.append(Case(f"blob_create_{name}", "POST", f"/blobs/{SHA}", js(body), {"Content-Type": "application/json"}))
    for name, headers in {"no_offset": {}, "offset_negative": {"Upload-Offset": "-1"},
                          "offset_2_63": {"Upload-Offset": str(2**63)}, "offset_text": {"Upload-Offset": "x"},
                          "offset_ahead": {"Upload-Offset": "5"}}.items():
        table.append(Case(f"blob_patch_{name}", "PATCH", f"/blobs/{'cd' * 32}", b"0123456789", headers))

    # -- HTTP itself --------------------------------------------------------------------------------------
    table += [
        Case("unknown_path", "GET", "/khong-co", expect=404), Case("outside_api", "GET", "/../../etc/passwd"),
        Case("wrong_method_push", "GET", "/sync/push", expect=405), Case("wrong_method_enroll", "PUT", "/enroll", b"{}"),
        Case("wrong_method_pull", "DELETE", "/sync/pull", expect=405),
    ]
    return table


def snapshot(url: str) -> dict[str, Any]:
    """The server's business data (not its logs: ledger refusals and last-seen times may change)."""
    db = open_server_db(url)
    try:
        with db.session() as s:
            return {
                "units": sorted((u.code, u.name) for u in s.scalars(select(Unit))),
                "devices": sorted((d.id, d.unit_code, d.desk_slot, d.token_hash, d.revoked) for d in s.scalars(select(Device))),
                "codes": sorted((c.code_hash, c.used_at is not None) for c in s.scalars(select(EnrollmentCode))),
                "dossiers": sorted((d.code, d.status, d.version, json.dumps(d.data, sort_keys=True))
                                   for d in s.scalars(select(Dossier))),
                "events": sorted((e.dossier_id, e.to_status, e.op_id or "") for e in s.scalars(select(DossierEvent))),
                "attachments": sorted((a.dossier_code, a.sha256) for a in s.scalars(select(Attachment))),
                "blobs": sorted((b.sha256, b.size, b.received, b.complete) for b in s.scalars(select(Blob))),
                "feed": sorted((c.seq, c.kind, c.entity_id) for c in s.scalars(select(ChangeFeed))),
            }
    finally:
        db.dispose()


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def rig(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    url = backend_url(request, tmp_path_factory)
    with ServerProcess(url) as server:
        db_server = open_server_db(url)
        with db_server.session() as s:
            create_unit(s, UNIT_CODE, "UBND phường Hải Châu", datetime.now(UTC))
            create_unit(s, OTHER_UNIT, "UBND xã Thử", datetime.now(UTC))
            import_catalog(s, CATALOG, datetime.now(UTC))
            code, _ = new_enrollment_code(s, UNIT_CODE, datetime.now(UTC))
        db_server.dispose()
        data_dir = tmp_path_factory.mktemp("counter")
        db = open_counter(data_dir)
        device_id = enroll(db, server.url, code).device_id
        for i in range(3):
            receive_dossier(db, IntakeRequest("1.001193", PersonInput(full_name=f"Ngô Thị Lan {i}", id_number="049090001234",
                                                                      phone="0905123456", street="5 Hùng Vương")))
        assert SyncRunner(db, data_dir, base_delay=0.01).run_once().ok
        with db.read() as session:
            slot = get_profile(session).desk_slot
        yield Rig(server, db, data_dir, load_token(device_id), slot)
        db.close()


def send(rig: Rig, case: Case) -> requests.Response:
    headers = dict(case.headers)
    if case.auth == "good":
        headers["Authorization"] = f"Bearer {rig.token}"
    elif case.auth != "none":
        headers["Authorization"] = case.auth
    return requests.request(case.method, rig.url(case.path), data=case.body, headers=headers, params=case.params,
                            timeout=60)


def check_answer(case: Case, response: requests.Response) -> None:
    assert response.status_code < 500, (case.name, response.status_code, response.text[:300])
    if case.per_op and response.status_code == 200:
        results = response.json()["results"]
        assert results and all(r["status"] == "rejected" for r in results), (case.name, results)
        for result in results:
            assert VIETNAMESE.search(result["message"]), (case.name, result)
            assert "\x00" not in result["message"] and len(result["message"]) < 2000
        return
    if case.expect is not None:
        assert response.status_code == case.expect, (case.name, response.status_code, response.text[:300])
    else:
        assert 400 <= response.status_code < 500, (case.name, response.status_code, response.text[:300])
    if case.method == "HEAD":
        return
    assert response.headers.get("Content-Type", "").startswith("application/json"), (case.name, response.headers)
    error = response.json()["error"]
    assert error["code"] and VIETNAMESE.search(error["message"]), (case.name, error)
    assert len(response.content) < 10_000, case.name  # never an echo of what was sent


def test_the_table_is_big_enough() -> None:
    table = cases(1, f"{UNIT_CODE}-260101-1001")
    assert len(table) >= 120
    assert len({case.name for case in table}) == len(table)
    assert {(case.method, case.path.strip("/").split("/")[0]) for case in table} >= {
        ("POST", "enroll"), ("POST", "sync"), ("GET", "sync"), ("HEAD", "blobs"), ("POST", "blobs"), ("PATCH", "blobs")}


@pytest.mark.slow
def test_bad_requests_change_nothing_and_never_fail_with_5xx(rig: Rig) -> None:
    db = open_server_db(rig.server.database_url)
    try:
        with db.session() as s:
            parent = s.scalar(select(Dossier.code).where(Dossier.unit_code == UNIT_CODE).order_by(Dossier.code).limit(1))
    finally:
        db.dispose()
    assert parent is not None
    before = snapshot(rig.server.database_url)
    failures = []
    for case in cases(rig.slot, parent):
        try:
            check_answer(case, send(rig, case))
        except AssertionError as error:
            failures.append(str(error)[:400])
    assert not failures, f"{len(failures)} bad answers:\n" + "\n".join(failures)
    assert snapshot(rig.server.database_url) == before
    # The honest counter still gets through.
    receive_dossier(rig.db, IntakeRequest("1.001193", PersonInput(full_name="Trịnh Văn Tốt", id_number="049090001234",
                                                                  phone="0905123456", street="1 Lê Duẩn")))
    report = SyncRunner(rig.db, rig.data_dir, base_delay=0.01).run_once()
    assert report.ok and report.pushed == 1, report

"""Hostile input against the issue 13 wire (review Q), on both backends: dictionary ids that are not ids,
every field of the packed push form poisoned (NUL, numbers past 64 bits, huge floats, lone surrogates),
zstd bodies that are not one honest frame, and a server that refuses the packed or zstd form, whose
counter must send the same operations again as v1 instead of putting them in quarantine.

The attacks travel over real HTTP to a real `provincial-server`; the refusing server is a real one behind
the project's fault proxy. The parsers' own edge cases (without a server) are in tests/sync/test_wire.py.
"""

from __future__ import annotations

import gzip
import itertools
import json
import struct
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
import zstandard

from counter_app.services.demo_data import generate_demo_dossiers
from counter_app.storage.models import OutboxOp
from sync.client.dictionary import codec_for
from sync.client.enrollment import enroll
from sync.client.runner import SyncRunner
from sync.wire import PushCodec, encode_body
from tests.conftest import UNIT_CODE, open_counter
from tests.sync.faultproxy import REFUSE_BODY, FaultProxy
from tests.sync.harness import ServerProcess, backend_url
from tests.sync.payloads import dossier_payload, wire
from tests.sync.test_wire_server import Desk

pytestmark = pytest.mark.slow  # a server per backend, a dictionary trained on each: ~10 s for the module
PUSH = "/api/v1/sync/push"
VIETNAMESE = "ảấệđươộịốờủữạ"
JSON = {"Content-Type": "application/json"}
ZSTD = {**JSON, "Content-Encoding": "zstd"}


@dataclass
class Rig:
    server: ServerProcess
    desk: Desk
    codec: PushCodec
    numbers: Iterator[int]  # the desk's dossier numbers not used yet

    def batch(self, **fields: Any) -> dict[str, Any]:
        return {"protocol_version": 1, "batch_id": str(uuid.uuid4()), "device_epoch": self.desk.epoch, "ops": [],
                **fields}

    def dossier_ops(self, count: int) -> list[dict[str, Any]]:
        return [wire(n, "dossier.create", dossier_payload(UNIT_CODE, self.desk.desk_slot, n))
                for n in itertools.islice(self.numbers, count)]


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def rig(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    """A server holding 100 dossiers (pushed as v1) and the dictionary it trained on them."""
    with ServerProcess(backend_url(request, tmp_path_factory)) as server:
        server.admin("create-unit", "--code", UNIT_CODE, "--name", "UBND phường Hải Châu")
        desk = Desk(server, tmp_path_factory.mktemp("hostile-desk"), 0, seed=5)
        rig = Rig(server, desk, PushCodec(), itertools.count(1))
        seed = desk.post(gzip.compress(json.dumps(rig.batch(ops=rig.dossier_ops(100))).encode()),
                         {**JSON, "Content-Encoding": "gzip"})
        assert seed.status_code == 200 and {r["status"] for r in seed.json()["results"]} == {"accepted"}
        server.admin("dictionary", "train", "--min-dossiers", "100")
        rig.codec = codec_for(desk.hello(), desk.transport, desk.data_dir)
        assert rig.codec.dictionary_id == 1 and rig.codec.strings
        yield rig
        desk.db.close()


def assert_refused(answer: requests.Response, status: int, code: str, what: str) -> None:
    assert answer.status_code == status, (what, answer.status_code, answer.text[:300])
    error = answer.json()["error"]
    assert error["code"] == code, (what, error)
    assert any(c in error["message"] for c in VIETNAMESE), (what, error["message"])


def assert_still_serving(rig: Rig) -> None:
    """An honest packed zstd batch is still taken after the attacks."""
    body = encode_body(rig.batch(packed=rig.codec.pack(rig.dossier_ops(2)), compact_results=True), rig.codec)
    answer = rig.desk.post(body.data, body.headers)
    assert answer.status_code == 200 and answer.json()["results"] == [], answer.text[:300]


@pytest.mark.parametrize("ident", ["0", "-1", str(2**31), str(2**63), "1" + "0" * 40, "abc", "1.5", "1e3", "0x1",
                                   "%00", "%EF%BC%91", "1%00", "%ED%A0%80"])
def test_dictionary_ids_that_are_not_ids_are_refused_in_json(rig: Rig, ident: str) -> None:
    answer = rig.desk.transport.request("GET", f"/sync/dictionaries/{ident}")
    assert answer.status_code in (404, 422), (ident, answer.status_code, answer.text[:300])
    assert_refused(answer, answer.status_code, "invalid_request" if answer.status_code == 422 else "unknown_dictionary",
                   ident)


def test_the_dictionary_is_served_by_its_id_only(rig: Rig) -> None:
    listed = json.loads(rig.server.admin("dictionary", "list", "--json"))
    answer = rig.desk.transport.request("GET", "/sync/dictionaries/1")
    assert answer.status_code == 200 and len(answer.content) == listed[0]["size"]
    assert_refused(rig.desk.transport.request("GET", "/sync/dictionaries/2"), 404, "unknown_dictionary", "2")


POISONS = {"NUL": "Nguyễn\x00Văn", "past 64 bits": 10**30, "below -2**63": -2**63 - 1, "huge float": 1e300,
           "empty object": {}, "empty list": []}


@pytest.mark.parametrize("poison", sorted(POISONS))
def test_every_field_of_the_packed_form_poisoned_is_refused_alone(rig: Rig, poison: str) -> None:
    """One operation per leaf of the packed form, each with that leaf poisoned, and a clean one last, in one
    packed batch: each poisoned operation is refused alone with a Vietnamese reason (never a 500, never stored),
    the clean one is taken."""
    leaves = len(rig.codec.pack(rig.dossier_ops(1))["groups"][0]["paths"])
    ops = rig.dossier_ops(leaves + 1)
    packed = rig.codec.pack(ops)
    [group] = packed["groups"]  # every operation has the same shape
    for column, row in zip(group["cols"], range(leaves), strict=True):
        column[row] = POISONS[poison]
    answer = rig.desk.post(json.dumps(rig.batch(packed=packed), ensure_ascii=False).encode(), JSON)

    assert answer.status_code == 200, answer.text[:300]
    results = answer.json()["results"]  # one per operation, in batch order (a poisoned seq is answered as 0)
    assert len(results) == len(ops)
    for row, path in enumerate(group["paths"]):
        result = results[group["at"][row]]
        assert result["status"] == "rejected", (path, result)
        assert any(c in result["message"] for c in VIETNAMESE), (path, result)
    assert (results[-1]["seq"], results[-1]["status"]) == (ops[-1]["seq"], "accepted")
    assert_still_serving(rig)


def test_a_lone_surrogate_anywhere_in_the_packed_form_refuses_the_body(rig: Rig) -> None:
    packed = rig.codec.pack(rig.dossier_ops(2))
    text = json.dumps(rig.batch(packed=packed), ensure_ascii=False)
    for value in ('"\\ud800"', '"a\\udfffb"'):
        poisoned = text.replace('"Nguyễn Văn Đức"', value, 1)
        assert poisoned != text
        assert_refused(rig.desk.post(poisoned.encode(), JSON), 400, "invalid_json", value)
    assert_still_serving(rig)


def skippable(content: bytes) -> bytes:
    return struct.pack("<II", 0x184D2A50, len(content)) + content


def zstd_bodies(rig: Rig) -> dict[str, tuple[bytes, int, str]]:
    raw = json.dumps(rig.batch(packed=rig.codec.pack(rig.dossier_ops(2)), compact_results=True)).encode()
    plain = zstandard.ZstdCompressor(level=3)
    frame = plain.compress(raw)
    streamed = plain.compressobj()
    no_size = streamed.compress(raw) + streamed.flush()
    empty = plain.compressobj()
    empty_frame = empty.compress(b"") + empty.flush()
    lying = bytearray(plain.compress(raw + b" " * 200_000))  # declares fewer bytes than it holds
    header = zstandard.frame_header_size(bytes(lying))
    lying[header - 4:header] = len(raw).to_bytes(4, "little")
    samples = [json.dumps({"tên": f"Hộ kinh doanh số {i}", "số": list(range(i % 30))}).encode() for i in range(300)]
    foreign_one = zstandard.train_dictionary(4_096, samples, dict_id=1)  # another province's dictionary 1
    missing = zstandard.train_dictionary(4_096, samples, dict_id=2**32 - 1)
    return {
        # each of these was taken as the frame's content before review Q (the output had the declared size)
        "skippable frame before": (skippable(b" " * len(raw)) + frame, 400, "bad_zstd"),
        "skippable frame after": (frame + skippable(b"x" * 10), 400, "bad_zstd"),
        "empty frame after": (frame + empty_frame, 400, "bad_zstd"),
        "two frames": (frame + frame, 400, "bad_zstd"),
        "stray bytes after": (frame + b"\x00" * 3, 400, "bad_zstd"),
        "no declared size": (no_size, 400, "bad_zstd"),
        "declares less than it holds": (bytes(lying), 400, "bad_zstd"),
        "another province's dictionary 1": (zstandard.ZstdCompressor(dict_data=foreign_one).compress(raw), 400,
                                            "bad_zstd"),
        "dictionary id 2**32-1": (zstandard.ZstdCompressor(dict_data=missing).compress(raw), 409,
                                  "unknown_dictionary"),
        "declared 2 GB": (plain.compress(b"[" + b"0," * 100_000 + b"0]")[:6] + b"\xff" * 8, 413, "inflated_too_large"),
        "bomb": (zstandard.ZstdCompressor(level=1).compress(b" " * 60_000_000), 413, "inflated_too_large"),
    }


def test_zstd_bodies_that_are_not_one_honest_frame_are_refused(rig: Rig) -> None:
    for what, (data, status, code) in zstd_bodies(rig).items():
        assert_refused(rig.desk.post(data, ZSTD), status, code, what)
    assert_still_serving(rig)


def test_a_server_refusing_the_packed_or_zstd_form_gets_the_operations_as_v1(tmp_path: Path,
                                                                             fault_proxy: Any) -> None:
    """A server (or a proxy) that cannot read the packed form or the zstd body answers bad_packed / bad_zstd
    to every such batch: the counter sends the same operations again in plain gzip, at once, and nothing is
    put in quarantine (before review Q it split the batches down to single operations and gave up)."""
    with ServerProcess(f"sqlite:///{tmp_path / 'server.sqlite'}") as server:
        server.admin("create-unit", "--code", UNIT_CODE, "--name", "UBND phường Hải Châu")
        proxy: FaultProxy = fault_proxy(server.port)
        db = open_counter(tmp_path / "desk")
        enroll(db, proxy.url, server.enrollment_code(UNIT_CODE))  # the counter talks to the server through the proxy
        for count, code in ((30, "bad_packed"), (12, "bad_zstd")):
            generate_demo_dossiers(db, count, seed=count, queue_for_sync=True)
            rule = proxy.add_fault(REFUSE_BODY, path_prefix=PUSH, body_contains=b'"groups"', status=400,
                                   error_code=code)
            report = SyncRunner(db, tmp_path / "desk", base_delay=0.01, max_delay=0.05).run_once()
            proxy.remove_fault(rule)
            assert report.ok and report.rejected == 0, (code, report.errors)
            assert rule.fired >= 1, code  # the packed form was sent and refused
            with db.read() as session:
                states = [(op.state, op.result_code) for op in session.query(OutboxOp)]
            assert all(state == "acked" for state, _ in states), (code, states)
            assert not any(result == "quarantined" for _, result in states), code
        db.close()


@pytest.mark.parametrize(("method", "path", "body"), [
    ("GET", "/sync/conflicts?state=%00", None),
    ("GET", "/sync/conflicts?state=open%00", None),
    ("GET", f"/sync/conflicts?after={2**63}", None),
    ("GET", "/sync/conflicts?after=-1", None),
    ("GET", "/sync/conflicts?limit=1000000", None),
    ("POST", "/sync/conflicts/1/resolution", {"note": "x" * 1_000_000}),
    ("POST", "/sync/conflicts/1/resolution", {"supervisor_username": "giam\x00sat"}),
    ("POST", "/sync/conflicts/1/resolution", {"supervisor_password": "x" * 1_000_000}),
    ("POST", "/sync/conflicts/1/resolution", {"supervisor_password": {"$ne": ""}}),
    ("POST", "/sync/conflicts/1/resolution", {"supervisor_password": None}),
    ("POST", "/sync/conflicts/1/resolution", {"resolution": "merge", "fields": {"applicant\x00": "counter"}}),
    ("POST", "/sync/conflicts/1/resolution", {"resolution": "merge", "fields": {"applicant": "counter\x00"}}),
    ("POST", "/sync/conflicts/1/resolution", {"resolution": "keep_counter\x00"}),
    ("POST", f"/sync/conflicts/{2**63}/resolution", {}),
    ("POST", "/sync/conflicts/%00/resolution", {}),
])
def test_conflict_routes_refuse_hostile_ids_states_and_notes(rig: Rig, method: str, path: str,
                                                             body: dict[str, Any] | None) -> None:
    """Checked before any conflict is looked up: a JSON 422 in Vietnamese on both backends, never a 500."""
    request = None if body is None else {"resolution": "reject", "supervisor_username": "giamsat",
                                         "supervisor_password": "mat-khau-dai-2026", "note": "Đã kiểm tra", **body}
    data = None if request is None else json.dumps(request).encode()
    answer = rig.desk.transport.request(method, path, data=data, headers=JSON)
    assert_refused(answer, 422, "invalid_request", path)


"""The issue 13 wire format against a real `provincial-server` process (W): packed zstd pushes with the
dictionary the server trained on its own dossiers and published, v1 clients answered as before, and hostile
packed or zstd bodies refused with a Vietnamese JSON error, over real HTTP."""

from __future__ import annotations

import gzip
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import zstandard

from counter_app.services.demo_data import generate_demo_dossiers
from counter_app.storage.sync_store import get_state
from sync.client.dictionary import FOLDER, codec_for
from sync.client.enrollment import enroll
from sync.client.runner import SyncRunner
from sync.client.transport import Transport
from sync.protocol import HelloRequest, HelloResponse, PushResponse
from sync.wire import PushCodec, encode_body, pack_ops, results_of
from tests.conftest import UNIT_CODE, open_counter
from tests.support.cli_process import run_command
from tests.sync.harness import ServerProcess
from tests.sync.payloads import dossier_payload, wire
from tests.sync.test_wire import chained_ops

pytestmark = pytest.mark.slow  # a server process and two counters' syncs: ~15 s for the module


class Desk:
    """An enrolled counter and a transport with its token, for raw requests next to the real runner's."""

    def __init__(self, server: ServerProcess, data_dir: Path, dossiers: int, seed: int) -> None:
        self.data_dir = data_dir
        self.db = open_counter(data_dir)
        generate_demo_dossiers(self.db, dossiers, seed=seed, queue_for_sync=True)
        self.desk_slot = enroll(self.db, server.url, server.enrollment_code(UNIT_CODE)).desk_slot
        from counter_app.services.credentials import load_token

        with self.db.read() as session:
            state = get_state(session)
            assert state is not None
            self.epoch, self.device_id = state.device_epoch, state.device_id
        self.transport = Transport(server.url, load_token(self.device_id))

    def hello(self) -> HelloResponse:
        request = HelloRequest(protocol_versions=[1], schema_versions=[1], device_epoch=self.epoch)
        return self.transport.call("POST", "/sync/hello", HelloResponse, json_body=request.model_dump(mode="json"))

    def post(self, data: bytes, headers: dict[str, str]) -> requests.Response:
        return self.transport.request("POST", "/sync/push", data=data, headers=headers)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    directory = tmp_path_factory.mktemp("wire-server")
    with ServerProcess(f"sqlite:///{directory / 'server.sqlite'}") as process:
        process.admin("create-unit", "--code", UNIT_CODE, "--name", "UBND phường Hải Châu")
        yield process


@pytest.fixture(scope="module")
def trained(server: ServerProcess, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A first counter's backlog pushed (packed, zstd without a dictionary: none exists yet), then the
    province's dictionary trained on what the server holds."""
    desk = Desk(server, tmp_path_factory.mktemp("first"), 120, seed=3)
    assert desk.hello().dictionary is None
    assert codec_for(desk.hello(), desk.transport, desk.data_dir) == PushCodec("zstd", packed=True)
    report = SyncRunner(desk.db, desk.data_dir, base_delay=0.01).run_once()
    assert report.ok and report.pushed == 120 and report.rejected == 0, report.errors
    too_few = run_command("provincial-server", ["--database-url", server.database_url, "dictionary", "train"])
    assert too_few.returncode == 1 and "cần ít nhất 1000 hồ sơ" in too_few.stderr
    assert "Đã học từ điển nén số 1" in server.admin("dictionary", "train", "--min-dossiers", "100")
    listed = json.loads(server.admin("dictionary", "list", "--json"))
    desk.db.close()
    return listed[0]


def test_a_counter_fetches_the_dictionary_once_and_pushes_with_it(server: ServerProcess, trained: dict[str, Any],
                                                                  tmp_path: Path) -> None:
    desk = Desk(server, tmp_path / "second", 80, seed=9)
    offer = desk.hello().dictionary
    assert offer is not None and (offer.id, offer.sha256, offer.size) == (1, trained["sha256"], trained["size"])
    codec = codec_for(desk.hello(), desk.transport, desk.data_dir)
    assert codec.name == "zstd" and codec.dictionary_id == 1 and codec.strings and codec.packed
    cached = list((desk.data_dir / FOLDER).glob("*.json"))
    assert len(cached) == 1 and cached[0].stat().st_size == offer.size
    before = desk.transport.bytes_received
    assert codec_for(desk.hello(), desk.transport, desk.data_dir) == codec  # from the data folder this time
    assert desk.transport.bytes_received - before < 2_000  # two hellos, no second download
    report = SyncRunner(desk.db, desk.data_dir, base_delay=0.01).run_once()
    assert report.ok and report.pushed == 80 and report.rejected == 0, report.errors
    # A cached file damaged on disk is not used: it is fetched again and checked.
    cached[0].write_bytes(b"x" * offer.size)
    assert codec_for(desk.hello(), desk.transport, desk.data_dir) == codec
    desk.db.close()


def test_server_answers_packed_zstd_compactly_and_v1_as_before(server: ServerProcess, trained: dict[str, Any],
                                                              tmp_path: Path) -> None:
    desk = Desk(server, tmp_path / "raw", 0, seed=1)
    codec = codec_for(desk.hello(), desk.transport, desk.data_dir)
    ops = [wire(n, "dossier.create", dossier_payload(UNIT_CODE, desk.desk_slot, n)) for n in range(1, 7)]
    batch = {"protocol_version": 1, "batch_id": str(uuid.uuid4()), "device_epoch": desk.epoch}
    # v1: plain ops, gzip, full results.
    v1 = desk.post(gzip.compress(json.dumps({**batch, "ops": ops[:3]}).encode()),
                   {"Content-Type": "application/json", "Content-Encoding": "gzip"})
    answer = PushResponse.model_validate_json(v1.content)
    assert v1.status_code == 200 and [r.status for r in answer.results] == ["accepted"] * 3 and answer.accepted == []
    # Packed + zstd with the dictionary, compact answer.
    body = encode_body({**batch, "batch_id": str(uuid.uuid4()), "ops": [], "packed": codec.pack(ops[3:]),
                        "compact_results": True}, codec)
    packed = desk.post(body.data, body.headers)
    answer = PushResponse.model_validate_json(packed.content)
    assert packed.status_code == 200 and answer.results == [] and answer.accepted == [(4, 6, 1)]
    expanded = results_of(answer, {op["seq"]: op["op_id"] for op in ops[3:]})
    assert [(r.seq, r.op_id, r.status) for r in expanded] == [(op["seq"], op["op_id"], "accepted") for op in ops[3:]]
    assert answer.acked_seq == 6


def hostile_bodies(codec: PushCodec, epoch: str) -> dict[str, tuple[bytes, dict[str, str], int, str]]:
    batch = {"protocol_version": 1, "batch_id": str(uuid.uuid4()), "device_epoch": epoch, "ops": []}
    good = pack_ops(chained_ops(3), codec.strings, codec.dictionary_id)
    json_headers = {"Content-Type": "application/json"}

    def packed(change: Any) -> bytes:
        value = json.loads(json.dumps(good))
        change(value)
        return json.dumps({**batch, "packed": value}).encode()

    foreign = zstandard.train_dictionary(2_048, [json.dumps(op).encode() for op in chained_ops(40)], dict_id=777)
    bomb = zstandard.ZstdCompressor(level=3).compress(b'{"a":"' + b"0" * 50_000_000 + b'"}')
    return {
        "column of the wrong length": (packed(lambda p: p["groups"][0]["cols"][0].append(1)), json_headers, 400, "bad_packed"),
        "path deeper than the limit": (packed(lambda p: p["groups"][0]["paths"].__setitem__(0, ["a"] * 40)), json_headers,
                                       400, "bad_packed"),
        "reference out of range": (packed(lambda p: p["groups"][0]["cols"][0].__setitem__(0, {"r": 10**6})), json_headers,
                                   400, "bad_packed"),
        "negative index": (packed(lambda p: p["groups"][0]["paths"].__setitem__(0, ["a", -3])), json_headers, 400,
                           "bad_packed"),
        "NUL byte in a key": (packed(lambda p: p["groups"][0]["paths"].__setitem__(0, ["op\x00id"])), json_headers,
                              200, ""),  # unpacked, then the operation is refused alone like any v1 one
        "unknown string table": (packed(lambda p: p.update(strings=99)), json_headers, 409, "unknown_dictionary"),
        "unknown zstd dictionary": (zstandard.ZstdCompressor(dict_data=foreign).compress(json.dumps(batch).encode()),
                                    {**json_headers, "Content-Encoding": "zstd"}, 409, "unknown_dictionary"),
        "zstd bomb": (bomb, {**json_headers, "Content-Encoding": "zstd"}, 413, "inflated_too_large"),
        "zstd cut short": (zstandard.ZstdCompressor().compress(json.dumps(batch).encode())[:-6],
                           {**json_headers, "Content-Encoding": "zstd"}, 400, "bad_zstd"),
    }


def test_hostile_packed_and_zstd_bodies_are_refused_in_vietnamese(server: ServerProcess, trained: dict[str, Any],
                                                                  tmp_path: Path) -> None:
    desk = Desk(server, tmp_path / "hostile", 0, seed=2)
    codec = codec_for(desk.hello(), desk.transport, desk.data_dir)
    for name, (data, headers, status, code) in hostile_bodies(codec, desk.epoch).items():
        answer = desk.post(data, headers)
        assert answer.status_code == status, (name, answer.content[:300])
        if code:
            error = answer.json()["error"]
            assert error["code"] == code, name
            assert any(c in error["message"] for c in "ảấệđươ"), (name, error["message"])  # Vietnamese, with diacritics
    # The dictionary itself: device token only; an unknown id is a JSON 404.
    assert requests.get(f"{server.url}/api/v1/sync/dictionaries/1", timeout=10).status_code == 401
    missing = desk.transport.request("GET", "/sync/dictionaries/42")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "unknown_dictionary"
    assert desk.hello().device_id == desk.device_id  # the server is still serving this desk


def test_a_counter_against_a_server_without_zstd_uses_gzip(tmp_path: Path) -> None:
    hello = HelloResponse.model_validate({
        "protocol_version": 1, "schema_versions": [1], "server_epoch": "e", "server_time": "2026-12-01T00:00:00Z",
        "limits": {}, "capabilities": ["gzip-push", "blobs"], "device_id": "d", "unit_code": UNIT_CODE,
        "desk_slot": 1, "device_epoch": "e", "acked_seq": 0, "last_change_seq": 0})
    assert codec_for(hello, Transport("http://127.0.0.1:9", "t"), tmp_path) == PushCodec()  # no request made

"""Blobs belong to a unit (issue 7, item 4): a device of another unit can neither block nor loop this
unit's upload, nor learn that this unit holds a file; uploads are size- and hash-checked, each device has
a quota, and a server whose offset does not move stops that one file after a few requests.

Real parts: `provincial-server` processes on SQLite and PostgreSQL, the fault proxy in front of the
victim (to count its requests), real counters, raw HTTP for the hostile devices, and for the client's
no-progress rule a real hostile HTTP server in this process.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from counter_app.services.attachments import attach_files
from counter_app.services.intake import IntakeRequest, PersonInput, receive_dossier
from counter_app.services.sync_status import problem_records, sync_status
from counter_app.storage.database import Database
from counter_app.storage.models import AttachmentRow, OutboxOp
from sync.client.blobs import MAX_STALLS, upload_pending_blobs
from sync.client.enrollment import enroll
from sync.client.runner import SyncReport, SyncRunner
from sync.client.transport import Transport
from sync.protocol import Limits
from sync.server.admin import create_unit
from sync.server.auth import new_enrollment_code
from sync.server.db import ServerDatabase
from sync.server.models import Blob, BlobChunk
from tests.conftest import open_counter
from tests.sync.faultproxy import FaultProxy
from tests.sync.harness import UNIT_A, UNIT_B, ServerProcess

UNIT_C = "000.33.48.H15"
API = "/api/v1"
CHUNK = Limits().blob_chunk_bytes


def server_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgres":
        return request.getfixturevalue("postgres_url")
    return f"sqlite:///{tmp_path / 'server.sqlite'}"


def prepare(url: str) -> None:
    db = ServerDatabase.open(url)
    try:
        with db.session() as s:
            for code, name in ((UNIT_A, "UBND phường Hải Châu"), (UNIT_B, "UBND phường Thạch Thang"),
                               (UNIT_C, "UBND phường Thanh Bình")):
                create_unit(s, code, name, datetime.now(UTC))
    finally:
        db.dispose()


def enrolment_code(server: ServerProcess, unit: str) -> str:
    db = ServerDatabase(server.database_url)
    try:
        with db.session() as s:
            return new_enrollment_code(s, unit, datetime.now(UTC))[0]
    finally:
        db.dispose()


@dataclass
class RawDevice:
    """A device that talks HTTP by hand, as a hostile or buggy counter would."""

    base: str
    token: str

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", **(extra or {})}

    def head(self, sha: str) -> requests.Response:
        return requests.head(f"{self.base}{API}/blobs/{sha}", headers=self._headers(), timeout=30)

    def create(self, sha: str, size: int) -> requests.Response:
        return requests.post(f"{self.base}{API}/blobs/{sha}", json={"size": size}, headers=self._headers(), timeout=30)

    def patch(self, sha: str, offset: int, data: bytes) -> requests.Response:
        return requests.patch(f"{self.base}{API}/blobs/{sha}", data=data, timeout=30,
                              headers=self._headers({"Upload-Offset": str(offset),
                                                     "Content-Type": "application/offset+octet-stream"}))

    def upload(self, sha: str, data: bytes) -> requests.Response:
        answer = self.create(sha, len(data))
        assert answer.status_code == 200, answer.text
        offset = 0
        while offset < len(data):
            answer = self.patch(sha, offset, data[offset:offset + CHUNK])
            assert answer.status_code == 200, answer.text
            offset = answer.json()["offset"]
        return answer


def raw_device(server: ServerProcess, unit: str, name: str = "Máy lạ") -> RawDevice:
    answer = requests.post(f"{server.url}{API}/enroll", json={"code": enrolment_code(server, unit), "device_name": name},
                           timeout=30)
    assert answer.status_code == 200, answer.text
    return RawDevice(server.url, answer.json()["token"])


def head_answer(response: requests.Response) -> tuple[int, dict[str, str]]:
    keep = ("Upload-Offset", "Upload-Length", "X-Blob-Complete")
    return response.status_code, {k: response.headers[k] for k in keep if k in response.headers}


def server_blob(url: str, unit: str, sha: str) -> tuple[Blob | None, str]:
    """The unit's blob row and the SHA-256 of its chunks, read back in offset order."""
    db = ServerDatabase(url)
    try:
        with db.session() as s:
            blob = s.get(Blob, (unit, sha))
            digest = hashlib.sha256()
            chunks = select(BlobChunk.data).where(BlobChunk.unit_code == unit, BlobChunk.sha256 == sha)
            for data in s.scalars(chunks.order_by(BlobChunk.offset)):
                digest.update(data)
            return blob, digest.hexdigest()
    finally:
        db.dispose()


def new_dossier(db: Database, name: str = "Nguyễn Văn Đức") -> str:
    return receive_dossier(db, IntakeRequest("1.001193", PersonInput(
        full_name=name, id_number="049090001234", phone="0905123456", street="12 Lê Lợi"))).code


def attach(db: Database, data_dir: Path, tmp_path: Path, name: str, content: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(content)
    return attach_files(db, data_dir, new_dossier(db), [path])[0].sha256


def attachment_rows(db: Database) -> dict[str, tuple[str, str | None]]:
    with db.read() as session:
        return {row.sha256: (row.upload_state, row.error) for row in session.scalars(select(AttachmentRow))}


def runner(db: Database, data_dir: Path) -> SyncRunner:
    return SyncRunner(db, data_dir, base_delay=0.01, max_delay=0.1)


def blob_requests(proxy: FaultProxy, sha: str) -> list[str]:
    return [r.method for r in proxy.stats().requests if r.path.startswith(f"{API}/blobs/{sha}")]


@dataclass
class Province:
    server: ServerProcess
    proxy: FaultProxy


@pytest.fixture(params=["sqlite", "postgres"])
def province(request: pytest.FixtureRequest, tmp_path: Path,
             fault_proxy: Callable[..., FaultProxy]) -> Iterator[Province]:
    """A real server with units A, B and C, and a fault proxy (relaying untouched) to count requests."""
    url = server_url(request, tmp_path)
    prepare(url)
    with ServerProcess(url) as server:
        yield Province(server, fault_proxy(server.port))


def test_blob_squatting_by_another_unit_neither_blocks_nor_loops_the_victim(province: Province, tmp_path: Path) -> None:
    server, proxy = province.server, province.proxy
    victim_dir = tmp_path / "victim"
    victim = open_counter(victim_dir, unit_code=UNIT_A)
    enroll(victim, proxy.url, enrolment_code(server, UNIT_A))
    scan = os.urandom(3 * CHUNK + 1000)
    sha = attach(victim, victim_dir, tmp_path, "so-do.pdf", scan)

    # A device of unit B knows the hash (say, of a form everyone scans) and squats it before the victim.
    squatter = raw_device(server, UNIT_B)
    assert squatter.head(sha).status_code == 404
    wrong_size = len(scan) + 7
    assert squatter.create(sha, wrong_size).status_code == 200
    for offset in range(0, wrong_size, CHUNK):  # garbage under the victim's hash, to the last byte
        garbage = squatter.patch(sha, offset, os.urandom(min(CHUNK, wrong_size - offset)))
    assert garbage.status_code == 422 and garbage.json()["error"]["code"] == "hash_mismatch"
    assert squatter.patch(sha, 0, b"rac" * 1000).status_code == 200  # left half-uploaded, on purpose
    squatter_view = head_answer(squatter.head(sha))
    proxy.reset_stats()

    report = runner(victim, victim_dir).run_once()

    assert report.ok, report.errors
    assert not report.problems
    assert attachment_rows(victim) == {sha: ("complete", None)}
    # One HEAD, one POST, then each chunk once: no retry loop, nothing the squatter did slowed it down.
    assert blob_requests(proxy, sha) == ["HEAD", "POST"] + ["PATCH"] * 4
    blob, digest = server_blob(server.database_url, UNIT_A, sha)
    assert blob is not None and blob.complete and blob.size == len(scan) and digest == sha
    squatted, _ = server_blob(server.database_url, UNIT_B, sha)
    assert squatted is not None and not squatted.complete and squatted.size == wrong_size

    # The squatter learns nothing: the same answer as before the victim's upload, and a device of a third
    # unit is told 404 for a file unit A holds complete; creating it gives it an empty upload of its own.
    assert head_answer(squatter.head(sha)) == squatter_view
    stranger = raw_device(server, UNIT_C)
    assert stranger.head(sha).status_code == 404
    started = stranger.create(sha, len(scan))
    assert started.status_code == 200 and started.json()["offset"] == 0 and not started.json()["complete"]
    assert server_blob(server.database_url, UNIT_A, sha)[0].complete  # type: ignore[union-attr]
    victim.close()


def test_the_same_file_in_two_units_is_uploaded_by_each(province: Province, tmp_path: Path) -> None:
    """No dedupe across units: unit C's attachment waits for unit C's own bytes, never for unit A's."""
    server = province.server
    content = os.urandom(CHUNK + 10)
    counters = {}
    for unit in (UNIT_A, UNIT_C):
        data_dir = tmp_path / unit
        db = open_counter(data_dir, unit_code=unit)
        enroll(db, server.url, enrolment_code(server, unit))
        sha = attach(db, data_dir, tmp_path, f"mau-{unit}.pdf", content)
        counters[unit] = (db, data_dir)
    a_db, a_dir = counters[UNIT_A]
    assert runner(a_db, a_dir).run_once().ok
    c_db, c_dir = counters[UNIT_C]

    report = runner(c_db, c_dir).run_once()

    assert report.ok and report.blobs_uploaded == 1
    with c_db.read() as session:
        attach_op = session.scalar(select(OutboxOp).where(OutboxOp.op_type == "attachment.add"))
        assert attach_op is not None and attach_op.result_code == "pending_blob"  # unit A's copy did not count
    for unit in (UNIT_A, UNIT_C):
        blob, digest = server_blob(server.database_url, unit, sha)
        assert blob is not None and blob.complete and digest == sha
    a_db.close()
    c_db.close()


def test_a_size_the_server_holds_differently_stops_that_file_only(province: Province, tmp_path: Path) -> None:
    """A buggy desk of the same unit declared another size: the victim stops that file with a message,
    the other file goes on, and each sync spends one request on the stopped file."""
    server, proxy = province.server, province.proxy
    data_dir = tmp_path / "desk"
    db = open_counter(data_dir, unit_code=UNIT_A)
    enroll(db, proxy.url, enrolment_code(server, UNIT_A))
    stuck = attach(db, data_dir, tmp_path, "to-khai.pdf", os.urandom(CHUNK // 2))
    fine = attach(db, data_dir, tmp_path, "cccd.jpg", os.urandom(CHUNK // 3))
    buggy = raw_device(server, UNIT_A, "Quầy lỗi")
    assert buggy.create(stuck, CHUNK).status_code == 200
    proxy.reset_stats()

    for _ in range(2):
        report = runner(db, data_dir).run_once()
        assert report.ok, report.errors
        assert [(p["sha256"], p["code"]) for p in report.problems] == [(stuck, "blob_server_disagrees")]

    rows = attachment_rows(db)
    assert rows[fine] == ("complete", None)
    state, message = rows[stuck]
    assert state == "pending" and message is not None
    assert "Máy chủ tỉnh mô tả tệp này khác với tệp trên quầy" in message and f"máy chủ: {CHUNK} byte" in message
    assert blob_requests(proxy, stuck) == ["HEAD", "HEAD"]
    # The sync screen lists the stopped file with its dossier and the reason, and counts it.
    [record] = [r for r in problem_records(db) if r.seq is None]
    assert record.op_type == "Gửi tệp quét «to-khai.pdf»" and record.message == message and record.dossier_code
    assert sync_status(db).problems == 1
    db.close()


def test_a_wrong_hash_resets_the_upload_for_good(province: Province) -> None:
    device = raw_device(province.server, UNIT_A)
    content = os.urandom(CHUNK + 100)
    sha = hashlib.sha256(content).hexdigest()
    assert device.create(sha, len(content)).status_code == 200
    assert device.patch(sha, 0, content[:CHUNK]).json()["offset"] == CHUNK
    wrong = device.patch(sha, CHUNK, b"x" * 100)

    assert wrong.status_code == 422
    assert wrong.json()["error"] == {"code": "hash_mismatch", "message":
                                     "Mã băm SHA-256 của tệp nhận được không khớp; tệp sẽ được tải lại từ đầu."}
    # The reset was committed: the next try starts at 0 (before, the refusal rolled it back and the
    # client was sent back to the last chunk forever).
    assert head_answer(device.head(sha)) == (200, {"Upload-Offset": "0", "Upload-Length": str(len(content)),
                                                   "X-Blob-Complete": "0"})
    assert device.upload(sha, content).json()["complete"] is True
    blob, digest = server_blob(province.server.database_url, UNIT_A, sha)
    assert blob is not None and blob.complete and digest == sha


@pytest.fixture(params=["sqlite", "postgres"])
def small_quota_server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ServerProcess]:
    url = server_url(request, tmp_path)
    prepare(url)
    limits = ["--limit", f"max_device_uploading_bytes={3 * CHUNK}", "--limit", f"max_device_blob_bytes={5 * CHUNK}"]
    with ServerProcess(url, serve_args=limits) as server:
        yield server


def test_quota_refusals_per_device(small_quota_server: ServerProcess, tmp_path: Path) -> None:
    server = small_quota_server
    device = raw_device(server, UNIT_A)
    files = [os.urandom(2 * CHUNK + i) for i in range(3)]
    shas = [hashlib.sha256(f).hexdigest() for f in files]

    assert device.create(shas[0], len(files[0])).status_code == 200
    busy = device.create(shas[1], len(files[1]))  # 2 + 2 chunks unfinished > 3
    assert busy.status_code == 413 and busy.json()["error"]["code"] == "blob_quota_uploading"
    assert "tải lên dở" in busy.json()["error"]["message"]
    assert device.head(shas[1]).status_code == 404  # the refusal left nothing behind
    device.upload(shas[0], files[0])
    assert device.upload(shas[1], files[1]).json()["complete"] is True
    full = device.create(shas[2], len(files[2]))  # 4 + 2 chunks in all > 5
    assert full.status_code == 413 and full.json()["error"]["code"] == "blob_quota_total"
    assert "nâng hạn mức" in full.json()["error"]["message"]
    # The quota is the device's own: another desk of the unit may still upload.
    assert raw_device(server, UNIT_A, "Quầy 2").upload(shas[2], files[2]).json()["complete"] is True

    # A counter over its quota keeps the file, says why, and sends the rest.
    data_dir = tmp_path / "counter"
    db = open_counter(data_dir, unit_code=UNIT_A)
    enroll(db, server.url, enrolment_code(server, UNIT_A))
    sent = [attach(db, data_dir, tmp_path, f"ban-quet-{i}.pdf", os.urandom(2 * CHUNK - i)) for i in range(3)]
    report = runner(db, data_dir).run_once()
    assert report.ok and report.blobs_uploaded == 2
    rows = attachment_rows(db)
    assert sorted(rows[sha][0] for sha in sent) == ["complete", "complete", "pending"]
    waiting = [sha for sha in sent if rows[sha][0] == "pending"]
    assert "hạn mức" in (rows[waiting[0]][1] or "")
    assert [(p["sha256"], p["code"]) for p in report.problems] == [(waiting[0], "blob_quota_total")]
    db.close()


# -- the client's own rule: the server's offset must move -------------------------------------------------


class HostileBlobServer:
    """A real HTTP server that takes uploads honestly, except for one hash where it misbehaves as told.

    `mode`: "same_offset" answers every PATCH 200 without moving the offset; "conflict" answers every
    PATCH 409 and HEAD keeps the old offset; "backwards" accepts a PATCH, then HEAD/PATCH say 0 again.
    """

    def __init__(self, stalled_sha: str, mode: str) -> None:
        self.stalled_sha, self.mode = stalled_sha, mode
        self.uploads: dict[str, tuple[int, bytearray]] = {}
        self.seen: list[tuple[str, str]] = []
        hostile = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _reply(self, status: int, body: dict | None = None, headers: dict[str, str] | None = None) -> None:
                import json

                payload = json.dumps(body).encode() if body is not None else b""
                self.send_response(status)
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                if body is not None:
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)

            def _sha(self) -> str:
                sha = self.path.rsplit("/", 1)[-1]
                hostile.seen.append((self.command, sha))
                return sha

            def _status(self, sha: str) -> dict:
                size, data = hostile.uploads[sha]
                return {"sha256": sha, "size": size, "offset": len(data), "complete": len(data) == size}

            def do_HEAD(self) -> None:
                sha = self._sha()
                if sha not in hostile.uploads:
                    self._reply(404)
                    return
                status = self._status(sha)
                self._reply(200, headers={"Upload-Offset": str(status["offset"]), "Upload-Length": str(status["size"]),
                                          "X-Blob-Complete": "1" if status["complete"] else "0"})

            def do_POST(self) -> None:
                import json

                sha = self._sha()
                size = json.loads(self.rfile.read(int(self.headers["Content-Length"])))["size"]
                hostile.uploads.setdefault(sha, (size, bytearray()))
                self._reply(200, self._status(sha))

            def do_PATCH(self) -> None:
                sha = self._sha()
                data = self.rfile.read(int(self.headers["Content-Length"]))
                received = hostile.uploads[sha][1]
                if sha == hostile.stalled_sha and hostile.mode == "same_offset":
                    self._reply(200, self._status(sha))
                elif sha == hostile.stalled_sha and hostile.mode == "conflict":
                    self._reply(409, {"error": {"code": "offset_mismatch", "message": "Vị trí tải lên sai."}})
                elif sha == hostile.stalled_sha and hostile.mode == "backwards":
                    received.clear()  # "accepted", then forgotten
                    self._reply(200, self._status(sha))
                else:
                    received.extend(data)
                    self._reply(200, self._status(sha))

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.mark.parametrize("mode", ["same_offset", "conflict", "backwards"])
def test_a_server_that_takes_no_more_bytes_stops_that_file_after_a_few_requests(mode: str, tmp_path: Path) -> None:
    data_dir = tmp_path / "counter"
    db = open_counter(data_dir, unit_code=UNIT_A)
    stalled = attach(db, data_dir, tmp_path, "ho-so.pdf", os.urandom(3 * CHUNK))
    other = attach(db, data_dir, tmp_path, "cccd.jpg", os.urandom(CHUNK + 5))
    hostile = HostileBlobServer(stalled, mode)
    transport = Transport(hostile.url, "ma-xac-thuc")
    report = SyncReport()
    try:
        uploaded = upload_pending_blobs(db, data_dir, transport, Limits(), report)
    finally:
        transport.close()
        hostile.stop()

    assert uploaded == 1
    rows = attachment_rows(db)
    assert rows[other] == ("complete", None)
    state, message = rows[stalled]
    assert state == "pending"
    assert message is not None and (
        "không nhận thêm dữ liệu của tệp này" in message or "mô tả tệp này khác với tệp trên quầy" in message)
    assert [p["sha256"] for p in report.problems] == [stalled]
    # A few requests, never a loop: HEAD + POST, then per try a PATCH (and a HEAD after a refusal).
    requests_for_stalled = [method for method, sha in hostile.seen if sha == stalled]
    assert len(requests_for_stalled) <= 2 + 2 * (MAX_STALLS + 1), requests_for_stalled
    db.close()

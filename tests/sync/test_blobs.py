"""Attached scans over a bad link (sync-anchors.md §7 scenarios 26-28): resumable, hash-checked, deduplicated,
never holding the dossiers' data back, and a missing local file never blocking the queue.

Real parts only: a `provincial-server` process on SQLite or PostgreSQL, the fault proxy between it and
the counter, a real counter data folder, and `counter-app attach` as the clerk would run it.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from counter_app.services.attachments import attach_files
from counter_app.services.intake import IntakeRequest, PersonInput, receive_dossier
from counter_app.storage.blobstore import BlobStore
from counter_app.storage.database import Database
from counter_app.storage.models import AttachmentRow, OutboxOp
from sync.client.enrollment import enroll
from sync.client.runner import SyncReport, SyncRunner
from sync.server.admin import create_unit
from sync.server.auth import new_enrollment_code
from sync.server.db import ServerDatabase
from sync.server.models import Attachment, Blob, BlobChunk, Dossier
from tests.conftest import UNIT_CODE, open_counter
from tests.sync.faultproxy import DISCONNECT_AFTER_BYTES, STATUS_502, FaultProxy
from tests.sync.harness import ServerProcess, counter_cli

MB = 1024 * 1024
CHUNK = 512 * 1024  # the server's announced blob_chunk_bytes (sync.protocol.Limits)
BLOBS = "/api/v1/blobs"


@dataclass
class Rig:
    """A server process, the fault proxy in front of it, and one counter enrolled through the proxy."""

    server: ServerProcess
    proxy: FaultProxy
    db: Database
    data_dir: Path

    def runner(self, **kwargs: object) -> SyncRunner:
        return SyncRunner(self.db, self.data_dir, base_delay=0.01, max_delay=0.1, **kwargs)  # type: ignore[arg-type]

    def server_db(self) -> ServerDatabase:
        return ServerDatabase(self.server.database_url)

    def intake(self, name: str = "Nguyễn Văn Đức") -> str:
        return receive_dossier(self.db, IntakeRequest("1.001193", PersonInput(
            full_name=name, id_number="049090001234", phone="0905123456", street="12 Lê Lợi"))).code

    def sync_until_uploaded(self, limit: int = 30) -> list[SyncReport]:
        """Run sync again and again (as the GUI timer would) until the run succeeds and no blob is pending."""
        reports = []
        for _ in range(limit):
            reports.append(self.runner().run_once())
            if reports[-1].ok and not self.attachment_states().get("pending"):
                return reports
        raise AssertionError(f"upload did not finish in {limit} runs: {[r.errors for r in reports][-3:]}")

    def attachment_states(self) -> dict[str, int]:
        with self.db.read() as session:
            rows = session.execute(select(AttachmentRow.upload_state, func.count()).group_by(AttachmentRow.upload_state))
            return {state: n for state, n in rows}

    def open_ops(self) -> int:
        with self.db.read() as session:
            return session.scalar(select(func.count()).select_from(OutboxOp).where(OutboxOp.state != "acked")) or 0


def prepare_server(url: str) -> str:
    """Create the unit in a fresh server database (the server's own code) and return an enrolment code."""
    db = ServerDatabase.open(url)
    try:
        now = datetime.now(UTC)
        with db.session() as s:
            create_unit(s, UNIT_CODE, "UBND phường Hải Châu", now)
            code, _ = new_enrollment_code(s, UNIT_CODE, now)
    finally:
        db.dispose()
    return code


@pytest.fixture(params=["sqlite", "postgresql"])
def rig(request: pytest.FixtureRequest, tmp_path: Path, fault_proxy: Callable[..., FaultProxy]) -> Iterator[Rig]:
    url = (f"sqlite:///{tmp_path / 'server.sqlite'}" if request.param == "sqlite"
           else request.getfixturevalue("postgres_url"))
    code = prepare_server(url)
    with ServerProcess(url) as server:
        proxy = fault_proxy(server.port, seed=7)
        data_dir = tmp_path / "counter"
        db = open_counter(data_dir)
        enroll(db, proxy.url, code)
        try:
            yield Rig(server, proxy, db, data_dir)
        finally:
            db.close()


def random_file(path: Path, size: int) -> Path:
    path.write_bytes(os.urandom(size))
    return path


def server_blob(rig: Rig, sha256: str) -> tuple[Blob | None, str]:
    """The server's blob row and the SHA-256 of its chunks read back in offset order."""
    db = rig.server_db()
    try:
        with db.session() as s:
            blob = s.get(Blob, (UNIT_CODE, sha256))
            digest = hashlib.sha256()
            offset = 0
            for chunk in s.scalars(select(BlobChunk).where(BlobChunk.unit_code == UNIT_CODE, BlobChunk.sha256 == sha256).order_by(BlobChunk.offset)):
                assert chunk.offset == offset, f"chunk at {chunk.offset}, expected {offset}: a gap or an overlap"
                digest.update(chunk.data)
                offset += len(chunk.data)
            return blob, digest.hexdigest()
    finally:
        db.dispose()


def patches(rig: Rig) -> list[tuple[str, ...]]:
    """The faults of every PATCH the proxy saw (an empty tuple: relayed untouched)."""
    return [record.faults for record in rig.proxy.stats().requests if record.method == "PATCH"]


@pytest.mark.slow
def test_20_mb_scan_survives_10_disconnects_and_resumes_from_the_server_offset(rig: Rig, tmp_path: Path) -> None:
    code = rig.intake()
    scan = random_file(tmp_path / "ban-quet-so-do.pdf", 20 * MB)
    expected = hashlib.sha256(scan.read_bytes()).hexdigest()
    attached = counter_cli(rig.data_dir, "attach", code, str(scan))
    assert scan.name in attached.stdout
    # Ten cuts, each after a different number of bytes of a chunk, spread over the upload.
    for n in range(10):
        rig.proxy.add_fault(DISCONNECT_AFTER_BYTES, times=1, path_prefix=BLOBS, method="PATCH",
                            after_bytes=20_000 + n * 45_000, probability=0.4)
    rig.proxy.reset_stats()

    reports = rig.sync_until_uploaded()

    stats = rig.proxy.stats()
    assert stats.faults_fired.get(DISCONNECT_AFTER_BYTES) == 10
    assert any(r.errors for r in reports), "the disconnects were not seen by the client"
    assert rig.attachment_states() == {"complete": 1}
    assert rig.open_ops() == 0
    # Resumed, never restarted: after each cut the client asked the server where it stood (HEAD) and went
    # on from there, so the link carried the file once plus at most the ten cut chunks (and headers).
    heads = [r for r in stats.requests if r.method == "HEAD" and r.path.startswith(BLOBS)]
    assert len(heads) >= 11
    assert 20 * MB <= stats.bytes_to_upstream < 20 * MB + 10 * CHUNK + 256 * 1024
    blob, digest = server_blob(rig, expected)
    assert blob is not None and blob.complete and blob.size == 20 * MB and blob.received == 20 * MB
    assert digest == expected


def test_same_scan_on_two_dossiers_is_uploaded_once(rig: Rig, tmp_path: Path) -> None:
    first, second = rig.intake("Nguyễn Văn Đức"), rig.intake("Lê Thị Hoa")
    scan = random_file(tmp_path / "cccd.jpg", 2 * MB)
    sha = attach_files(rig.db, rig.data_dir, first, [scan])[0].sha256
    assert attach_files(rig.db, rig.data_dir, second, [scan])[0].sha256 == sha
    rig.proxy.reset_stats()

    rig.sync_until_uploaded(limit=3)

    assert rig.attachment_states() == {"complete": 2}
    assert len(patches(rig)) == 2 * MB // CHUNK  # the bytes crossed the link once
    assert rig.proxy.stats().bytes_to_upstream < 2 * MB + 256 * 1024
    db = rig.server_db()
    try:
        with db.session() as s:
            assert s.scalar(select(func.count()).select_from(Blob)) == 1
            rows = s.scalars(select(Attachment).order_by(Attachment.dossier_code)).all()
            assert sorted(r.dossier_code for r in rows) == sorted([first, second])
            assert {r.sha256 for r in rows} == {sha}
    finally:
        db.dispose()
    blob, digest = server_blob(rig, sha)
    assert blob is not None and blob.complete and digest == sha


def test_dossier_data_reaches_the_server_while_its_scan_cannot(rig: Rig, tmp_path: Path) -> None:
    code = rig.intake()
    sha = attach_files(rig.db, rig.data_dir, code, [random_file(tmp_path / "to-khai.pdf", 3 * MB)])[0].sha256
    rig.proxy.add_fault(STATUS_502, path_prefix=BLOBS)  # every blob request fails, for as long as it takes

    report = rig.runner(max_attempts=2).run_once()

    assert not report.ok and report.errors
    assert rig.open_ops() == 0, "the dossier and attachment operations must not wait for the blob"
    assert rig.attachment_states() == {"pending": 1}
    db = rig.server_db()
    try:
        with db.session() as s:
            assert s.scalar(select(Dossier.code).where(Dossier.code == code)) == code
            assert s.scalar(select(Attachment.sha256).where(Attachment.dossier_code == code)) == sha
            assert s.get(Blob, (UNIT_CODE, sha)) is None
    finally:
        db.dispose()

    rig.proxy.clear_faults()
    rig.sync_until_uploaded(limit=3)
    assert rig.attachment_states() == {"complete": 1}
    blob, digest = server_blob(rig, sha)
    assert blob is not None and blob.complete and digest == sha


def test_missing_local_file_fails_that_attachment_only(rig: Rig, tmp_path: Path) -> None:
    lost_code, kept_code = rig.intake("Nguyễn Văn Đức"), rig.intake("Lê Thị Hoa")
    lost = attach_files(rig.db, rig.data_dir, lost_code, [random_file(tmp_path / "mat.pdf", 300_000)])[0].sha256
    kept = attach_files(rig.db, rig.data_dir, kept_code, [random_file(tmp_path / "con.pdf", 300_000)])[0].sha256
    BlobStore(rig.data_dir).path_of(lost).unlink()  # deleted (or eaten by an antivirus) before sync
    later = rig.intake("Phạm Minh Tuấn")  # work queued behind the broken attachment

    report = rig.runner().run_once()

    assert report.ok, report.errors
    assert [p["code"] for p in report.problems if p.get("sha256") == lost] == ["local_file_missing"]
    with rig.db.read() as session:
        rows = {row.sha256: row for row in session.scalars(select(AttachmentRow))}
    assert rows[lost].upload_state == "failed"
    assert rows[lost].error and "Tệp trên máy quầy bị mất" in rows[lost].error
    assert rows[kept].upload_state == "complete"
    assert rig.open_ops() == 0, "the rest of the queue must drain"
    db = rig.server_db()
    try:
        with db.session() as s:
            codes = set(s.scalars(select(Dossier.code)))
            assert {lost_code, kept_code, later} <= codes
            assert s.get(Blob, (UNIT_CODE, lost)) is None
    finally:
        db.dispose()
    blob, digest = server_blob(rig, kept)
    assert blob is not None and blob.complete and digest == kept
    # The next run does not try the missing file again, nor fail because of it.
    again = rig.runner().run_once()
    assert again.ok and again.blobs_uploaded == 0 and not again.problems

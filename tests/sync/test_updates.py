"""Counter updates over the sync channel (issue 12): publish → hello offers → download by Range through a
link that cuts → resumed → verified → staged; withdrawn and foreign files are 404; a tampered file refused.

Real parts: a `provincial-server` process (SQLite), `provincial-server release …` as the province's IT runs
it, the fault proxy between server and counter, a real counter data folder and its SyncRunner.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from counter_app.services.credentials import load_token
from counter_app.storage.database import Database
from counter_app.storage.sync_store import get_state
from counter_app.updates.download import RANGE_BYTES, UpdateRejected, download, sync_step
from counter_app.updates.offer import current_offer, last_error, staged_release, update_status, updates_dir
from counter_app.updates.versions import this_platform
from sync.client.enrollment import enroll
from sync.client.runner import SyncRunner
from sync.client.transport import TransientError, Transport
from sync.protocol import ReleaseOffer
from tests.conftest import open_counter
from tests.support.cli_process import run_command
from tests.support.tmpfs import mounted_tmpfs
from tests.sync.faultproxy import TRUNCATE_RESPONSE, FaultProxy
from tests.sync.harness import ServerProcess, backend_url
from tests.sync.test_blobs import prepare_server
from tests.updates.bundles import make_tarball

LINUX = "linux-x86_64"
RELEASES = "/api/v1/releases"
SIZE_FILLER = 700_000
# The sync run takes the offer for this machine's platform: the runner tests need a linux-x86_64 machine.
on_x86_64_linux = pytest.mark.skipif(this_platform() != LINUX, reason="no release platform for this machine")  # three ranges of 256 kB, two server chunks of 512 kB


@pytest.fixture(scope="module", params=["sqlite", "postgresql"] if os.environ.get("UPDATES_ON_POSTGRES") else ["sqlite"])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerProcess, str]]:
    url = backend_url(request, tmp_path_factory)
    code = prepare_server(url)
    with ServerProcess(url) as process:
        yield process, code


def release(server: ServerProcess, *args: str) -> tuple[int, str, str]:
    result = run_command("provincial-server", ["--database-url", server.database_url, "release", *args])
    return result.returncode, result.stdout, result.stderr


@pytest.fixture(scope="module")
def published(server: tuple[ServerProcess, str], tmp_path_factory: pytest.TempPathFactory) -> ReleaseOffer:
    process, _ = server
    tarball = make_tarball(tmp_path_factory.mktemp("release") / "build.tar.gz", "0.2.0", SIZE_FILLER)
    code, out, err = release(process, "publish", str(tarball), "--version", "0.2.0", "--platform", LINUX,
                             "--notes", "Sửa lỗi in Mẫu 01")
    assert code == 0, err
    sha = hashlib.sha256(tarball.read_bytes()).hexdigest()
    assert sha in out and "Đã phát hành phiên bản 0.2.0" in out
    return ReleaseOffer(version="0.2.0", platform=LINUX, file_name="counter-app-0.2.0-linux-x86_64.tar.gz",
                        size=tarball.stat().st_size, sha256=sha, notes="Sửa lỗi in Mẫu 01")


@pytest.fixture
def counter(server: tuple[ServerProcess, str], tmp_path: Path, fault_proxy) -> Iterator[tuple[Database, Path, FaultProxy]]:
    process, _ = server
    proxy = fault_proxy(process.port, seed=3)
    data_dir = tmp_path / "counter"
    db = open_counter(data_dir)
    enroll(db, proxy.url, process.enrollment_code("000.31.48.H15"))
    try:
        yield db, data_dir, proxy
    finally:
        db.close()


def transport_of(db: Database, url: str) -> Transport:
    with db.read() as session:
        state = get_state(session)
        assert state is not None
        return Transport(url, load_token(state.device_id))


def test_publish_refuses_bad_input_with_vietnamese_messages(server: tuple[ServerProcess, str], tmp_path: Path,
                                                            published: ReleaseOffer) -> None:
    process, _ = server
    tarball = make_tarball(tmp_path / "b.tar.gz", "0.3.0")
    code, _, err = release(process, "publish", str(tarball), "--version", "0.3", "--platform", LINUX)
    assert code == 1 and "Phiên bản «0.3» không hợp lệ" in err
    code, _, err = release(process, "publish", str(tarball), "--version", "0.3.0", "--platform", "windows-x86_64")
    assert code == 1 and "không phải trình cài đặt .exe" in err
    code, _, err = release(process, "publish", str(tarball), "--version", "0.2.0", "--platform", LINUX)
    assert code == 1 and "đã được phát hành" in err
    not_a_tar = tmp_path / "notes.txt.gz"
    not_a_tar.write_bytes(gzip.compress("Ghi chú phát hành\n".encode()))
    code, _, err = release(process, "publish", str(not_a_tar), "--version", "0.3.0", "--platform", LINUX)
    assert code == 1 and "không phải tệp .tar.gz đọc được" in err and "Không có gì được lưu" in err
    other_top = tmp_path / "other.tar.gz"
    with tarfile.open(other_top, "w:gz") as archive:  # a bundle packed from the wrong folder
        archive.add(tarball.parent / "src-0.3.0" / "counter-app", arcname="dist")
    code, _, err = release(process, "publish", str(other_top), "--version", "0.3.0", "--platform", LINUX)
    assert code == 1 and "nằm ngoài thư mục counter-app/" in err
    listed = json.loads(release(process, "list", "--json")[1])
    assert [(r["version"], r["platform"], r["withdrawn"]) for r in listed] == [("0.2.0", LINUX, False)]


@on_x86_64_linux
def test_sync_offers_the_release_and_downloads_it_through_a_cut_link(counter, published: ReleaseOffer) -> None:
    db, data_dir, proxy = counter
    proxy.add_fault(TRUNCATE_RESPONSE, times=1, path_prefix=RELEASES, keep_bytes=100_000)

    report = SyncRunner(db, data_dir, base_delay=0.01, max_delay=0.05).run_once()

    assert report.ok, report.errors
    assert proxy.stats().faults_fired.get(TRUNCATE_RESPONSE) == 1
    assert current_offer(data_dir) == published
    assert staged_release(data_dir) == published
    staged = updates_dir(data_dir) / published.file_name
    assert hashlib.sha256(staged.read_bytes()).hexdigest() == published.sha256
    status = update_status(data_dir)
    assert status.staged and "Có phiên bản mới 0.2.0" in status.text() and "Sẽ cài khi mở lại" in status.text()


def test_a_cut_range_resumes_from_the_last_whole_range(counter, published: ReleaseOffer) -> None:
    db, data_dir, proxy = counter
    transport = transport_of(db, proxy.url)
    part = updates_dir(data_dir) / (published.file_name + ".part")

    assert download(data_dir, transport, published, budget_bytes=RANGE_BYTES) is False
    assert part.stat().st_size == RANGE_BYTES
    proxy.add_fault(TRUNCATE_RESPONSE, times=1, path_prefix=RELEASES, keep_bytes=50_000)
    with pytest.raises(TransientError):
        download(data_dir, transport, published)
    assert part.stat().st_size == RANGE_BYTES  # nothing half-received was kept

    proxy.reset_stats()
    assert download(data_dir, transport, published) is True
    ranges = [r for r in proxy.stats().requests if r.path.startswith(RELEASES)]
    assert len(ranges) == -(-(published.size - RANGE_BYTES) // RANGE_BYTES)  # only what was missing
    assert hashlib.sha256((updates_dir(data_dir) / published.file_name).read_bytes()).hexdigest() == published.sha256


def test_a_tampered_download_is_deleted_and_said_so(counter, published: ReleaseOffer) -> None:
    db, data_dir, proxy = counter
    transport = transport_of(db, proxy.url)
    download(data_dir, transport, published, budget_bytes=RANGE_BYTES)
    part = updates_dir(data_dir) / (published.file_name + ".part")
    with part.open("r+b") as handle:  # a byte changed on the disk between two syncs
        handle.write(b"\x00")
    with pytest.raises(UpdateRejected, match="không khớp mã băm SHA-256"):
        download(data_dir, transport, published)
    assert not part.exists() and not (updates_dir(data_dir) / published.file_name).exists()
    assert staged_release(data_dir) is None


def test_only_published_releases_are_served_to_devices(counter, server, published: ReleaseOffer) -> None:
    db, _, proxy = counter
    transport = transport_of(db, proxy.url)
    url = f"{server[0].url}{RELEASES}"
    token = {"Authorization": f"Bearer {transport.token}"}
    assert requests.get(f"{url}/{published.sha256}", headers={"Range": "bytes=0-9"}, timeout=10).status_code == 401
    other = hashlib.sha256(b"a scan of another unit").hexdigest()
    refused = requests.get(f"{url}/{other}", headers=token, timeout=10)
    assert refused.status_code == 404 and refused.json()["error"]["code"] == "unknown_release"
    assert requests.get(f"{url}/..%2F..%2Fetc", headers=token, timeout=10).status_code in (400, 404)
    bad = requests.get(f"{url}/{published.sha256}", headers={**token, "Range": f"bytes={published.size}-"}, timeout=10)
    assert bad.status_code == 416
    whole = requests.get(f"{url}/{published.sha256}", headers={**token, "Range": "bytes=0-"}, timeout=10)
    assert whole.status_code == 206 and len(whole.content) == min(published.size, 1_048_576)
    assert whole.headers["Content-Range"] == f"bytes 0-{len(whole.content) - 1}/{published.size}"
    for trick in ("bytes=-1", "bytes=0-9,20-29", "bytes=9-0", "items=0-9", "bytes=0x10-"):  # suffix, multiple, …
        tricked = requests.get(f"{url}/{published.sha256}", headers={**token, "Range": trick}, timeout=10)
        assert tricked.status_code == 416 and tricked.json()["error"]["code"] == "bad_range", trick
    huge = requests.get(f"{url}/{published.sha256}", headers={**token, "Range": "bytes=1-999999999999999"}, timeout=10)
    assert huge.status_code == 206 and len(huge.content) == min(published.size - 1, 1_048_576)


@on_x86_64_linux
def test_a_withdrawn_release_is_no_longer_offered_and_its_download_dropped(counter, server, tmp_path: Path) -> None:
    db, data_dir, proxy = counter
    process, _ = server
    tarball = make_tarball(tmp_path / "c.tar.gz", "0.9.0")
    assert release(process, "publish", str(tarball), "--version", "0.9.0", "--platform", LINUX)[0] == 0
    SyncRunner(db, data_dir, base_delay=0.01).run_once()
    offer = current_offer(data_dir)
    assert offer is not None and offer.version == "0.9.0" and staged_release(data_dir) == offer

    code, out, _ = release(process, "withdraw", "0.9.0")
    assert code == 0 and "Đã thu hồi phiên bản 0.9.0" in out
    refused = requests.get(f"{process.url}{RELEASES}/{offer.sha256}",
                           headers={"Authorization": f"Bearer {transport_of(db, proxy.url).token}"}, timeout=10)
    assert refused.status_code == 404
    SyncRunner(db, data_dir, base_delay=0.01).run_once()
    offer = current_offer(data_dir)
    assert offer is not None and offer.version == "0.2.0"  # back to the newest one still offered
    assert not (updates_dir(data_dir) / "counter-app-0.9.0-linux-x86_64.tar.gz").exists()


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 8 MB filesystem (tmpfs), for a download that must wait for room; root only (CI is root)."""
    with mounted_tmpfs(tmp_path / "small-disk", "size=8m") as mount:
        yield mount


def test_no_room_on_the_disk_defers_the_download_and_the_sync_goes_on(counter, published: ReleaseOffer,
                                                                       small_disk: Path) -> None:
    db, _, proxy = counter
    proxy.reset_stats()
    assert sync_step(small_disk, transport_of(db, proxy.url), [published], platform=LINUX) is False
    assert "ổ đĩa còn" in last_error(small_disk) and "giải phóng chỗ trống" in last_error(small_disk)
    assert not [r for r in proxy.stats().requests if r.path.startswith(RELEASES)]  # not a byte asked for
    assert current_offer(small_disk) == published  # offered still: it resumes once there is room

"""Installing a staged release at the next start, on a stand-in installed bundle (issue 12).

The swap is done with real files, the new program really started (it writes a line), a real database
backed up first; hostile tarballs (`..`, absolute paths, links out) and a truncated one leave the installed
bundle untouched and nothing written outside it.
"""

from __future__ import annotations

import hashlib
import subprocess
import tarfile
import time
from pathlib import Path

import pytest

from counter_app.storage.database import Database
from counter_app.updates.install import OLD_PREFIX, install_at_start, install_pending, remove_old_bundles
from counter_app.updates.offer import last_error, mark_staged, record_offers, staged_release, updates_dir
from counter_app.updates.versions import is_newer, parse_version, release_file_name
from sync.protocol import ReleaseOffer
from tests.conftest import open_counter
from tests.support.damaged_db import make_truncated, sha256
from tests.updates.bundles import hostile_tarball, make_bundle_dir, make_tarball

LINUX = "linux-x86_64"


def stage(data_dir: Path, tarball: Path, version: str) -> ReleaseOffer:
    """Put `tarball` where a finished download leaves it (offer.py), as the sync would."""
    name = release_file_name(version, LINUX)
    target = updates_dir(data_dir) / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(tarball.read_bytes())
    offer = ReleaseOffer(version=version, platform=LINUX, file_name=name, size=target.stat().st_size,
                         sha256=hashlib.sha256(target.read_bytes()).hexdigest())
    mark_staged(data_dir, offer)
    return offer


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def installed(tmp_path: Path) -> Path:
    """An installed 0.1.0 bundle in `<tmp>/opt/counter-app`."""
    return make_bundle_dir(tmp_path / "opt", "0.1.0")


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    db: Database = open_counter(folder)
    db.close()
    return folder


def wait_for_line(path: Path, text: str) -> str:
    """The started program writes its line; wait on the file (the process is short-lived), not on a clock."""
    for _ in range(200):
        if path.exists() and text in path.read_text(encoding="utf-8"):
            return path.read_text(encoding="utf-8")
        time.sleep(0.05)
    raise AssertionError(f"{text!r} never appeared in {path}")


def test_versions_compare_as_numbers() -> None:
    assert parse_version("1.10.0") == (1, 10, 0) and parse_version("1.2") is None and parse_version("01.2.3") is None
    assert is_newer("0.10.0", "0.9.9") and not is_newer("0.1.0", "0.1.0") and not is_newer("bad", "0.1.0")


def test_install_backs_up_swaps_the_folders_and_starts_the_new_version(installed: Path, data_dir: Path,
                                                                      tmp_path: Path) -> None:
    offer = stage(data_dir, make_tarball(tmp_path / "r.tar.gz", "0.2.0"), "0.2.0")
    started: list[subprocess.Popen[bytes]] = []

    outcome = install_pending(data_dir, bundle=installed, argv=["--demo"],
                              launch=lambda args: started.append(subprocess.Popen(args)))

    assert outcome is not None and outcome.exit_now and "Đã cài phiên bản 0.2.0" in outcome.message
    assert (installed / "_internal" / "version.txt").read_text() == "0.2.0"
    old = [p for p in installed.parent.iterdir() if p.name.startswith(OLD_PREFIX)]
    assert len(old) == 1 and (old[0] / "_internal" / "version.txt").read_text() == "0.1.0"  # kept until the new one runs
    assert started and started[0].wait(30) == 0
    assert wait_for_line(installed.parent / "started.txt", "started 0.2.0 --demo")
    backups = list((data_dir / "backups").glob("*truoc-cap-nhat-0.2.0*.sqlite"))
    assert len(backups) == 1 and backups[0].stat().st_size > 0
    assert staged_release(data_dir) == offer  # the new version clears it at its first start (it is not newer then)

    assert remove_old_bundles(installed) == 1
    assert not old[0].exists() and (installed / "counter-app").is_file()


@pytest.mark.parametrize("member", ["../evil.txt", "/tmp/evil-absolute.txt", "counter-app/../../evil.txt",
                                    "link-out", "fifo", "hardlink"])
def test_a_hostile_tarball_leaves_the_installed_bundle_untouched(installed: Path, data_dir: Path, tmp_path: Path,
                                                                  member: str) -> None:
    info = tarfile.TarInfo("counter-app/link" if member in ("link-out", "hardlink") else
                           "counter-app/pipe" if member == "fifo" else member)
    if member == "link-out":
        info.type, info.linkname = tarfile.SYMTYPE, "../../outside"
    elif member == "hardlink":  # a hard link to a file outside (the check refuses any hard link)
        info.type, info.linkname = tarfile.LNKTYPE, "/etc/passwd"
    elif member == "fifo":
        info.type = tarfile.FIFOTYPE
    else:
        info.size = 4
    stage(data_dir, hostile_tarball(tmp_path / "h.tar.gz", info, b"evil"), "0.2.0")
    before = tree(installed)
    launched: list[object] = []

    outcome = install_pending(data_dir, bundle=installed, launch=launched.append)

    assert outcome is not None and not outcome.exit_now
    assert "không được cài" in outcome.message and "ứng dụng hiện tại giữ nguyên" in outcome.message
    assert tree(installed) == before and not launched
    assert sorted(p.name for p in installed.parent.iterdir()) == ["counter-app"]  # no staging left, nothing beside
    assert not list(tmp_path.rglob("evil*.txt")) and not Path("/tmp/evil-absolute.txt").exists()
    assert staged_release(data_dir) is None  # refused for good: not tried again at every start


def test_a_truncated_or_tampered_file_is_not_installed(installed: Path, data_dir: Path, tmp_path: Path) -> None:
    tarball = make_tarball(tmp_path / "r.tar.gz", "0.2.0", filler=50_000)
    truncated = tmp_path / "t.tar.gz"
    truncated.write_bytes(tarball.read_bytes()[: tarball.stat().st_size // 2])
    stage(data_dir, truncated, "0.2.0")  # the hash published for a broken build matches it: extraction fails
    before = tree(installed)
    outcome = install_pending(data_dir, bundle=installed, launch=lambda args: None)
    assert outcome is not None and not outcome.exit_now and "Không giải nén được" in outcome.message
    assert tree(installed) == before

    offer = stage(data_dir, tarball, "0.2.0")
    staged_file = updates_dir(data_dir) / offer.file_name
    content = bytearray(staged_file.read_bytes())
    content[len(content) // 2] ^= 0xFF  # same size, one byte changed on the disk
    staged_file.write_bytes(bytes(content))
    outcome = install_pending(data_dir, bundle=installed, launch=lambda args: None)
    assert outcome is not None and "đã bị thay đổi trên máy nên bị xóa" in outcome.message
    assert tree(installed) == before and not staged_file.exists()


def test_running_from_source_says_it_cannot_install_itself(data_dir: Path, tmp_path: Path) -> None:
    offer = stage(data_dir, make_tarball(tmp_path / "r.tar.gz", "0.2.0"), "0.2.0")
    outcome = install_pending(data_dir)  # pytest is not a frozen bundle
    assert outcome is not None and not outcome.exit_now and "chạy từ mã nguồn nên không tự cài được" in outcome.message
    assert staged_release(data_dir) == offer


def test_the_new_version_drops_the_installed_file_at_its_first_start(data_dir: Path, tmp_path: Path) -> None:
    offer = stage(data_dir, make_tarball(tmp_path / "r.tar.gz", "0.1.0"), "0.1.0")  # == the running version
    assert install_pending(data_dir) is None
    assert staged_release(data_dir) is None and not (updates_dir(data_dir) / offer.file_name).exists()


def test_a_release_that_starts_as_the_old_version_is_not_installed_again(installed: Path, data_dir: Path,
                                                                         tmp_path: Path) -> None:
    """Published as 9.0.0, the file holds an older build: after the install the app still starts as the
    running version. Without a guard every start installs it again (and every sync downloads it again)."""
    offer = stage(data_dir, make_tarball(tmp_path / "r.tar.gz", "0.1.0"), "9.0.0")
    launched: list[object] = []
    first = install_pending(data_dir, bundle=installed, launch=launched.append)
    assert first is not None and first.exit_now and len(launched) == 1

    remove_old_bundles(installed)  # the next start opened its database, still as the old version
    again = install_pending(data_dir, bundle=installed, launch=launched.append)

    assert again is not None and not again.exit_now and len(launched) == 1
    assert "đã được cài nhưng ứng dụng mở lên vẫn là phiên bản" in again.message
    assert "không cài và không tải lại tệp này" in last_error(data_dir)
    assert staged_release(data_dir) is None
    assert record_offers(data_dir, [offer], LINUX) is None  # the sync does not fetch it again
    fixed = offer.model_copy(update={"version": "9.0.1", "sha256": "1" * 64,
                                     "file_name": release_file_name("9.0.1", LINUX)})
    assert record_offers(data_dir, [fixed, offer], LINUX) == fixed  # the province's corrected release is taken


def test_a_database_that_cannot_be_backed_up_leaves_the_update_waiting(installed: Path, data_dir: Path,
                                                                      tmp_path: Path) -> None:
    """A truncated database: the install is not done without a backup, and it does not stop the start
    either (the window then explains the damage) — the error used to escape before any window."""
    offer = stage(data_dir, make_tarball(tmp_path / "r.tar.gz", "0.2.0"), "0.2.0")
    database = data_dir / "counter.sqlite"
    make_truncated(database)
    damaged, before = sha256(database), tree(installed)
    launched: list[object] = []

    outcome = install_pending(data_dir, bundle=installed, launch=launched.append)

    assert outcome is not None and not outcome.exit_now and not launched
    assert "Chưa cài bản cập nhật 0.2.0: không sao lưu được cơ sở dữ liệu trước khi cài" in outcome.message
    assert "bản cập nhật chờ lần mở sau" in last_error(data_dir)
    assert tree(installed) == before and sha256(database) == damaged
    assert staged_release(data_dir) == offer


def test_the_start_keeps_the_previous_version_until_the_database_has_opened(installed: Path, data_dir: Path) -> None:
    """The new version's first start: if its upgrade of the database is then refused (no room, a migration
    failing on this file), the previous version must still be there to go back to; ui/app.py removes it
    only once the database opened."""
    previous = make_bundle_dir(installed.parent / f"{OLD_PREFIX}0.0.9-4242", "0.0.9").parent
    assert install_at_start(data_dir, bundle=installed) is None  # nothing staged
    assert previous.is_dir() and (previous / "counter-app" / "counter-app").is_file()


def test_a_tarball_declaring_a_member_bigger_than_any_bundle_is_refused_before_unpacking(tmp_path: Path) -> None:
    """A bomb: one member declared as 4 GB (its bytes never sent). Refused on the header, nothing written."""
    import gzip

    from counter_app.updates.extract import MAX_UNPACKED_BYTES, BadArchive, extract_bundle

    header = tarfile.TarInfo("counter-app/_internal/huge.bin")
    header.size = MAX_UNPACKED_BYTES + 1
    bomb = tmp_path / "bomb.tar.gz"
    bomb.write_bytes(gzip.compress(header.tobuf(format=tarfile.PAX_FORMAT) + b"\0" * 10_240))
    with pytest.raises(BadArchive, match="làm bản cài giải nén quá lớn"):
        extract_bundle(bomb, tmp_path / "staging")
    assert not (tmp_path / "staging").exists()


def test_links_that_escape_only_once_followed_are_stopped_by_the_data_filter(tmp_path: Path) -> None:
    """`d/x -> ..` and `d/y -> x/../..` look inside by their text (normpath), but `d/y` really points above the
    staging folder; a file written through it would land outside. tarfile's `data` filter stops it."""
    import io

    from counter_app.updates.extract import BadArchive, extract_bundle

    source = tmp_path / "src"
    make_bundle_dir(source, "9.9.9")
    chain = tmp_path / "chain.tar.gz"
    with tarfile.open(chain, "w:gz") as archive:
        archive.add(source / "counter-app", arcname="counter-app")
        for name, target in (("counter-app/d/x", ".."), ("counter-app/d/y", "x/../..")):
            link = tarfile.TarInfo(name)
            link.type, link.linkname = tarfile.SYMTYPE, target
            archive.addfile(link)
        payload = tarfile.TarInfo("counter-app/d/y/escaped.txt")
        payload.size = 4
        archive.addfile(payload, io.BytesIO(b"evil"))
    with pytest.raises(BadArchive):
        extract_bundle(chain, tmp_path / "staging" / "new")
    assert not list(tmp_path.rglob("escaped.txt"))


def test_on_windows_the_installer_runs_silently_restarts_the_app_and_this_process_ends(
        installed: Path, data_dir: Path, tmp_path: Path) -> None:
    """The NSIS installer (installer/windows/counter-app.nsi) is started with /S /RESTART /D=<bundle>, /D last;
    the database is backed up first. (The installer itself runs only on Windows: this checks what we ask of it.)"""
    offer = stage(data_dir, make_tarball(tmp_path / "r.tar.gz", "0.2.0"), "0.2.0")
    started: list[list[str]] = []
    outcome = install_pending(data_dir, bundle=installed, platform="windows-x86_64",
                              launch=lambda argv: started.append(list(argv)))
    assert outcome is not None and outcome.exit_now and "tự mở lại khi cài xong" in outcome.message
    assert started == [[str(updates_dir(data_dir) / offer.file_name), "/S", "/RESTART", f"/D={installed}"]]
    assert list((data_dir / "backups").glob("*truoc-cap-nhat-0.2.0*.sqlite"))

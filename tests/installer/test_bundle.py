"""The frozen Linux bundle: built by installer/build-linux.sh, it passes `--self-test` offscreen.

The self-test inside the bundle is what proves the spec: a migration file, a font, the catalog, the
administrative map, a Qt translation or a lazily imported module left out of the bundle fails a check.
"""

from __future__ import annotations

import os
import subprocess
import tarfile
from pathlib import Path

import pytest

from counter_app import __version__
from counter_app.self_test import CHECKS, PASSED, SKIPPED, summary_line
from tests.installer.conftest import DIST

pytestmark = pytest.mark.slow
BUNDLE = DIST / "counter-app"


def bundle_env(data_dir: Path) -> dict[str, str]:
    """The environment of a commune PC: no test keyring (the bundle cannot import tests.*), no screen."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTHON", "COUNTER_"))}
    return {**env, "QT_QPA_PLATFORM": "offscreen", "COUNTER_APP_DATA_DIR": str(data_dir)}


def test_the_bundle_passes_its_self_test_offscreen(linux_bundle: dict, tmp_path: Path) -> None:
    data_dir = tmp_path / "real-data"
    done = subprocess.run([str(BUNDLE / "counter-app"), "--self-test"], env=bundle_env(data_dir),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    statuses = []
    for name, _check in CHECKS:
        line = next((line for line in lines if line.split("] ", 1)[-1].startswith(f"{name}: ")), None)
        assert line is not None, f"no line for {name}:\n{done.stdout}"
        if name == "Kho khóa" and line.startswith(f"[{SKIPPED}]"):  # a headless Linux has no Secret Service
            assert "Secret Service" in line
            statuses.append(SKIPPED)
        else:
            assert line.startswith(f"[{PASSED}] "), line
            statuses.append(PASSED)
    assert lines[-1] == summary_line(statuses)
    assert "không mục nào lỗi" in lines[-1] or "cả 7 mục đều đạt" in lines[-1]
    assert not data_dir.exists()  # the counter's real data folder is never opened


def test_the_bundle_carries_what_the_app_needs_and_not_what_it_does_not(linux_bundle: dict) -> None:
    internal = BUNDLE / "_internal"
    migrations = sorted(p.name for p in (internal / "counter_app/storage/migrations/versions").glob("*.py"))
    source = sorted(p.name for p in (Path(__file__).parents[2] / "counter_app/storage/migrations/versions").glob("*.py"))
    assert migrations == source
    assert (internal / "resources/i18n/qt_vi.qm").is_file()
    assert not list(internal.glob("resources/i18n/*.ts"))
    assert not (internal / "resources/screenshots").exists()
    assert not (internal / "PySide6/Qt/translations").exists()  # Qt has no Vietnamese; ours is qt_vi.qm
    shipped = {p.name for p in internal.rglob("*")}
    for unused in ("libQt6Qml.so.6", "libQt6Quick.so.6", "QtNetwork.abi3.so", "fastapi", "uvicorn", "pytest"):
        assert unused not in shipped


def test_the_update_tarball_holds_the_bundle_under_one_top_folder(linux_bundle: dict) -> None:
    artifact = DIST / f"counter-app-{__version__}-linux-x86_64.tar.gz"
    assert linux_bundle["artifact"] == str(artifact.relative_to(DIST.parent))
    assert linux_bundle["tarball_bytes"] == artifact.stat().st_size
    with tarfile.open(artifact) as archive:
        members = archive.getmembers()
    names = {m.name for m in members}
    assert {name.split("/", 1)[0] for name in names} == {"counter-app"}
    assert "counter-app/counter-app" in names
    assert all(not m.name.startswith("/") and ".." not in m.name.split("/") for m in members)
    files = [m for m in members if m.isfile()]
    assert len(files) == linux_bundle["file_count"]
    assert sum(m.size for m in files) == linux_bundle["bundle_bytes"]

"""The Linux bundle, built once per session by installer/build-linux.sh, and its size in pytest's summary."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "dist"
REPORT = DIST / "bundle-report.json"
_built: list[dict] = []  # the report of the build this session made, for the terminal summary


@pytest.fixture(scope="session")
def linux_bundle() -> Iterator[dict]:
    """Build dist/counter-app/ and the update tarball (PyInstaller's build/ cache makes a rebuild warm)."""
    if not sys.platform.startswith("linux"):
        pytest.skip("bản đóng gói Linux chỉ dựng được trên Linux")
    REPORT.unlink(missing_ok=True)
    env = {**os.environ, "PYTHON": sys.executable}
    done = subprocess.run(["bash", "installer/build-linux.sh"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=1200)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    report = json.loads(REPORT.read_text(encoding="utf-8"))
    _built.append(report)
    yield report


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _built:
        return
    report = _built[-1]
    terminalreporter.section("bản đóng gói Linux")
    terminalreporter.write_line(
        f"{report['bundle']}: {report['bundle_bytes'] / 2**20:.1f} MB trong {report['file_count']} tệp; "
        f"{Path(report['artifact']).name}: {report['tarball_bytes'] / 2**20:.1f} MB; "
        f"dựng trong {report['build_seconds']} s (+ nén {report['tarball_seconds']} s)"
    )

"""The Linux bundle, built once per test run by installer/build-linux.sh (its size: tests/conftest.py's summary).

Under pytest-xdist (tests/run.sh runs two workers) every worker that needs the bundle takes a file lock;
the first builds it and stamps dist/ with the run's id, the others wait and then read what it built, so
two PyInstaller runs never write the same dist/ at once and the 3-minute build happens once.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "dist"
REPORT = DIST / "bundle-report.json"
BUILT_BY_RUN = DIST / "bundle-test-run.txt"  # the id of the test run that built the bundle last
LOCK = ROOT / "build" / "bundle-build.lock"
_RUN_ID = uuid.uuid4().hex  # this process's run, when not under pytest-xdist


@pytest.fixture(scope="session")
def linux_bundle(request: pytest.FixtureRequest) -> Iterator[dict]:
    """Build dist/counter-app/ and the update tarball (PyInstaller's build/ cache makes a rebuild warm)."""
    if not sys.platform.startswith("linux"):
        pytest.skip("bản đóng gói Linux chỉ dựng được trên Linux")
    import fcntl  # POSIX only: after the platform check

    run_id = getattr(request.config, "workerinput", {}).get("testrunuid", _RUN_ID)  # shared by xdist's workers

    LOCK.parent.mkdir(parents=True, exist_ok=True)
    with LOCK.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, even if the build fails
        if not (BUILT_BY_RUN.exists() and BUILT_BY_RUN.read_text(encoding="utf-8") == run_id):
            _build(run_id)
    yield json.loads(REPORT.read_text(encoding="utf-8"))


def _build(run_id: str) -> None:
    REPORT.unlink(missing_ok=True)
    BUILT_BY_RUN.unlink(missing_ok=True)
    env = {**os.environ, "PYTHON": sys.executable}
    done = subprocess.run(["bash", "installer/build-linux.sh"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=1200)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    BUILT_BY_RUN.write_text(run_id, encoding="utf-8")

"""The container image installs only installer/server/server_requirements.py's packages: enough for the server.

Checked here without building the image (no registry in CI): a real `python` process imports the server
and builds its app with every package the image leaves out made unimportable.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "installer" / "server"))
from server_requirements import DESKTOP_ONLY, server_requirements  # noqa: E402

PROBE = """
import importlib.abc, sys
LEFT_OUT = set(sys.argv[1].split(","))

class LeftOut(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in LEFT_OUT:
            raise ImportError(f"{name} is not in the server image")

sys.meta_path.insert(0, LeftOut())
from sync.server.app import create_app
from sync.server.cli import build_parser
from sync.server.db import ServerDatabase
database = ServerDatabase.open(sys.argv[2])
create_app(database)
build_parser().parse_args(["serve"])
print("ok")
"""


@pytest.mark.slow  # ~8 s: a fresh interpreter imports FastAPI and migrates a server database
def test_the_server_runs_without_the_counters_desktop_packages(tmp_path: Path) -> None:
    wanted = server_requirements(ROOT / "pyproject.toml")
    assert not any(name.lower() in " ".join(wanted).lower() for name in ("pyside6", "pikepdf", "reportlab"))
    assert any(req.startswith("uvicorn==") for req in wanted) and any(req.startswith("psycopg[binary]==") for req in wanted)
    done = subprocess.run([sys.executable, "-c", PROBE, ",".join(DESKTOP_ONLY.values()),
                           f"sqlite:///{tmp_path / 'server.sqlite'}"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("ok")

"""A real small file system for one test: a tmpfs mounted on a folder of its own (a full disk, a disk too
small, a read-only drive), unmounted afterwards. Mounting needs root (CI is); elsewhere the test is skipped
with the reason."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


@contextmanager
def mounted_tmpfs(folder: Path, options: str) -> Iterator[Path]:
    """`folder` (created if missing) with a tmpfs mounted on it, e.g. options="size=64k" or "ro,size=64k"."""
    folder.mkdir(parents=True, exist_ok=True)
    mounted = None if os.geteuid() != 0 else subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], capture_output=True, text=True)
    if mounted is None or mounted.returncode != 0:
        why = "not root" if mounted is None else mounted.stderr.strip()
        pytest.skip(f"a small tmpfs cannot be mounted here (needs root): {why}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)

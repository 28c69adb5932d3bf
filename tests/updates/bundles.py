"""Stand-in release artifacts for the update tests: a tiny `counter-app/` bundle packed the way
installer/build-linux.sh packs the real one (part A), with incompressible filler so it spans several ranges."""

from __future__ import annotations

import io
import os
import tarfile
from pathlib import Path

# A stand-in program: it notes which version started, so a test can wait for that line.
LAUNCHER = """#!/bin/sh
echo "started {version} $*" >> "$(dirname "$0")/../started.txt"
"""


def make_bundle_dir(root: Path, version: str, filler: int = 0) -> Path:
    bundle = root / "counter-app"
    (bundle / "_internal").mkdir(parents=True)
    launcher = bundle / "counter-app"
    launcher.write_text(LAUNCHER.format(version=version), encoding="utf-8")
    launcher.chmod(0o755)
    (bundle / "_internal" / "version.txt").write_text(version, encoding="utf-8")
    if filler:
        (bundle / "_internal" / "filler.bin").write_bytes(os.urandom(filler))
    return bundle


def make_tarball(path: Path, version: str, filler: int = 0) -> Path:
    source = path.parent / f"src-{version}"
    make_bundle_dir(source, version, filler)
    with tarfile.open(path, "w:gz") as archive:
        archive.add(source / "counter-app", arcname="counter-app")
    return path


def hostile_tarball(path: Path, member: tarfile.TarInfo, data: bytes = b"") -> Path:
    """A gzip tarball holding a proper bundle plus one hostile member (`..`, absolute, a link out…)."""
    source = path.parent / "src-hostile"
    make_bundle_dir(source, "9.9.9")
    with tarfile.open(path, "w:gz") as archive:
        archive.add(source / "counter-app", arcname="counter-app")
        archive.addfile(member, io.BytesIO(data) if member.isfile() else None)
    return path

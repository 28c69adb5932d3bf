"""Attached files kept by their SHA-256 in the data folder: the same scan is stored (and sent) once.

Files are copied in through a temporary name and renamed into place, so a crash never leaves a file
under a hash it does not have.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

CHUNK = 1024 * 1024


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


class BlobStore:
    def __init__(self, data_dir: Path) -> None:
        self.root = data_dir / "blobs"

    def path_of(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def put(self, source: Path) -> tuple[str, int]:
        """Copy `source` into the store; returns (sha256, size). Storing the same bytes twice is a no-op."""
        self.root.mkdir(parents=True, exist_ok=True)
        temporary = self.root / f".incoming-{os.getpid()}-{source.name}"
        digest = hashlib.sha256()
        size = 0
        with source.open("rb") as reader, temporary.open("wb") as writer:
            while block := reader.read(CHUNK):
                digest.update(block)
                writer.write(block)
                size += len(block)
            writer.flush()
            os.fsync(writer.fileno())
        sha = digest.hexdigest()
        target = self.path_of(sha)
        target.parent.mkdir(exist_ok=True)
        if target.exists():
            temporary.unlink()
        else:
            shutil.move(temporary, target)
        return sha, size

    def verify(self, sha256: str) -> bool:
        path = self.path_of(sha256)
        return path.is_file() and file_sha256(path) == sha256

"""Attached files kept by their SHA-256 in the data folder: the same scan is stored (and sent) once.

Files are copied in through a temporary name and renamed into place, so a crash never leaves a file
under a hash it does not have. Scans show citizens' papers: the folders are 0700 and the files 0600 on
POSIX (storage/private_files.py).
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

from counter_app.storage.private_files import PRIVATE_FILE_MODE, make_private_dir

CHUNK = 1024 * 1024
BLOBS_DIRNAME = "blobs"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


class BlobStore:
    def __init__(self, data_dir: Path) -> None:
        self.root = data_dir / BLOBS_DIRNAME

    def path_of(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def put(self, source: Path) -> tuple[str, int]:
        """Copy `source` into the store; returns (sha256, size). Storing the same bytes twice is a no-op."""
        make_private_dir(self.root)
        temporary = self.root / f".incoming-{os.getpid()}-{source.name}"
        digest = hashlib.sha256()
        size = 0
        descriptor = os.open(temporary, os.O_CREAT | os.O_TRUNC | os.O_WRONLY | getattr(os, "O_BINARY", 0),
                             PRIVATE_FILE_MODE)
        with source.open("rb") as reader, open(descriptor, "wb") as writer:
            while block := reader.read(CHUNK):
                digest.update(block)
                writer.write(block)
                size += len(block)
            writer.flush()
            os.fsync(writer.fileno())
        sha = digest.hexdigest()
        target = self.path_of(sha)
        make_private_dir(target.parent)
        if target.exists():
            temporary.unlink()
        else:
            shutil.move(temporary, target)
        return sha, size

    def put_bytes(self, data: bytes, name: str) -> tuple[str, int]:
        """Store bytes made here (a scan bundle) the same way as a file: through `put`."""
        make_private_dir(self.root)
        made = self.root / f".made-{os.getpid()}-{name}"
        descriptor = os.open(made, os.O_CREAT | os.O_TRUNC | os.O_WRONLY | getattr(os, "O_BINARY", 0), PRIVATE_FILE_MODE)
        with open(descriptor, "wb") as writer:
            writer.write(data)
        try:
            return self.put(made)
        finally:
            made.unlink(missing_ok=True)

    def read(self, sha256: str) -> bytes:
        return self.path_of(sha256).read_bytes()

    def verify(self, sha256: str) -> bool:
        path = self.path_of(sha256)
        return path.is_file() and file_sha256(path) == sha256

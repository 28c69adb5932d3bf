"""Writing a file whole or not at all: a half-written file never replaces a good one.

`write(tmp)` fills a temporary file beside `path`; it is fsynced, then takes `path`'s place by one rename.
On any failure the temporary file is removed and `path` is left as it was. Used by the report exports and
by the update's small state files (a power cut must not leave a truncated `staged.json`).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path


def write_atomically(path: Path, write: Callable[[Path], object]) -> Path:
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        write(tmp)
        with tmp.open("rb+") as handle:
            os.fsync(handle.fileno())
        tmp.replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return path

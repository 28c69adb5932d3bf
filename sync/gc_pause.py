"""No cyclic garbage collection while a batch of operations is made or taken apart (issue 13), on the counter
(sync/client/push.py) and on the server (sync/server/ingest.py, dictionaries.py).

A 1,000-operation batch allocates hundreds of thousands of objects that live until its end; each collection
the allocations set off walks them all again, and a full one walks the whole process. Paused, the batch's
garbage is freed by reference counting when it is dropped, and only what survives is looked at, later.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_pause_lock = threading.Lock()
_pausing = 0
_was_enabled = True


@contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection inside the block (about a third of a server push's time, 10 to 50 µs
    of the counter's CPU per dossier pushed). Blocks on several threads share one pause; the collector is
    back on when the last one ends, and nothing is lost: cycles wait until then."""
    global _pausing, _was_enabled
    with _pause_lock:
        _pausing += 1
        if _pausing == 1:
            _was_enabled = gc.isenabled()
            gc.disable()
    try:
        yield
    finally:
        with _pause_lock:
            _pausing -= 1
            if _pausing == 0 and _was_enabled:
                gc.enable()

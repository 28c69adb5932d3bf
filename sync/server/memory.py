"""Fewer malloc arenas, so the server's memory stays flat under a flood of large bodies; and no garbage
collection while a push is handled (`paused_gc`, issue 13).

glibc gives each thread that allocates its own arena and keeps memory freed there for that arena. The
server answers from a pool of worker threads (the token check, JSON parsing, every endpoint), so after a
burst of large bodies it holds the peak of many arenas at once: under attack, 2.5 times the memory of
the same work with two arenas (bench/server_under_attack.py). Python services commonly set
MALLOC_ARENA_MAX=2 in the environment; this does the same from inside, before the pool's threads start.
"""

from __future__ import annotations

import ctypes
import gc
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

M_ARENA_MAX = -8  # glibc's malloc.h
ARENAS = 2


def limit_malloc_arenas(count: int = ARENAS) -> bool:
    """True if glibc took the limit; False elsewhere (Windows, macOS, musl), where nothing is changed."""
    if not sys.platform.startswith("linux"):
        return False
    mallopt = getattr(ctypes.CDLL(None), "mallopt", None)
    return bool(mallopt and mallopt(M_ARENA_MAX, count))


_pause_lock = threading.Lock()
_pausing = 0
_was_enabled = True


@contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection while a push is handled (issue 13): a 1,000-operation batch allocates
    hundreds of thousands of objects that all live until its end, and each collection the allocations set
    off walks them all again (about a third of the push's time). Pushes on several threads share one
    pause; the collector is back on when the last one ends, and nothing is lost: cycles wait until then.
    """
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

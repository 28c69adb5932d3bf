"""Fewer malloc arenas, so the server's memory stays flat under a flood of large bodies; and no garbage
collection while a push is handled (`paused_gc`, issue 13: sync/gc_pause.py, shared with the counter).

glibc gives each thread that allocates its own arena and keeps memory freed there for that arena. The
server answers from a pool of worker threads (the token check, JSON parsing, every endpoint), so after a
burst of large bodies it holds the peak of many arenas at once: under attack, 2.5 times the memory of
the same work with two arenas (bench/server_under_attack.py). Python services commonly set
MALLOC_ARENA_MAX=2 in the environment; this does the same from inside, before the pool's threads start.
"""

from __future__ import annotations

import ctypes
import sys

from sync.gc_pause import paused_gc as paused_gc  # where the server's modules import it from

M_ARENA_MAX = -8  # glibc's malloc.h
ARENAS = 2


def limit_malloc_arenas(count: int = ARENAS) -> bool:
    """True if glibc took the limit; False elsewhere (Windows, macOS, musl), where nothing is changed."""
    if not sys.platform.startswith("linux"):
        return False
    mallopt = getattr(ctypes.CDLL(None), "mallopt", None)
    return bool(mallopt and mallopt(M_ARENA_MAX, count))

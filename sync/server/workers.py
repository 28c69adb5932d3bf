"""`provincial-server serve --workers N`: several server processes on one database.

The parent process migrates the database and creates the server epoch once (ServerDatabase.open), then
uvicorn's supervisor binds the socket and starts N worker processes (spawned, not forked: each opens its
own connection pool) and starts a new one when a worker dies. Every worker builds the same app from the
environment (`app_from_environment`), so all answer with the same server epoch and the same limits.

What each process keeps in memory, and why that is safe (docs/sync.md, "Several server processes"):
- the token cache (guard_admission.TokenGate): a valid token is remembered for a minute per process from its last check
  (the gate's lookup, or a sync endpoint's own, which also forgets a refused token at once); every endpoint
  authenticates in its own transaction, so a revoked device is refused by the first endpoint it reaches;
- per-device and per-address rate limits and in-flight counts (guard.RequestGuard): they bound what one
  process spends (its memory, its database time), so each worker keeps the configured values. A counter's
  run keeps one connection, so it meets one worker's limits, as before;
- the failure budgets (wrong tokens, wrong enrolment codes) are a guesser's budget, and a guesser opening
  new connections is spread over all workers: each worker gets 1/N of them, so the server as a whole
  allows what one process allowed;
- the server-wide turns (enrolments, reports) get 1/N each, at least one per worker.
Everything else (ledger, feed, allocations, audit chains) lives in the database, where a constraint or an
advisory lock makes it atomic whichever worker answers.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from anyio import to_thread
from fastapi import FastAPI

from sync.protocol import Limits
from sync.server.db import POOL_SIZE, ServerDatabase
from sync.server.guard_admission import GuardSettings

ENV_WORKER_SPEC = "PROVINCIAL_SERVER_WORKER_SPEC"  # JSON: database_url, limits, workers, token_rotation_days, applier_wake_port
APP_FACTORY = "sync.server.workers:app_from_environment"
# The supervisor pings each worker; one silent this long is taken for hung and replaced. uvicorn's 5 s
# is short for a busy machine (a worker answering a big push can be starved of CPU that long).
HEALTHCHECK_SECONDS = 20
# How long an idle keep-alive connection is kept open. uvicorn's 5 s equals httpx's own idle expiry (5 s):
# a client reusing a connection the server is closing at that same moment sees "Server disconnected" or
# a reset (the first 500-counter run had 818 of them). A server that waits longer than its clients never
# closes a connection under a request: the client gives it up first. A counter (requests) keeps its
# connection and reuses it if still open, so a sync every minute costs no new connection either.
KEEP_ALIVE_SECONDS = 75

# Threads a process runs endpoints (and the guard's token checks) in. anyio's default is 40: under a burst (08:00,
# the return after an outage) 40 threads of one process shared the 2 cores and the GIL, so every request in flight
# slowed every other, and more threads than pooled connections waited on the pool. With as many threads as
# connections (db.POOL_SIZE) a request waits its turn in order instead, holding nothing (issue 13: p95 push).
REQUEST_THREADS = POOL_SIZE
DIVIDED_BUDGETS = ("auth_failures_burst", "auth_failures_per_second", "enroll_failures_burst",
                   "enroll_failures_per_second")
DIVIDED_TURNS = ("enrolments_at_once", "reports_at_once")


def uvicorn_options(log_level: str) -> dict[str, Any]:
    """What both `serve` and `serve --workers N` pass to uvicorn.run.

    The event loop: uvloop where installed (the server extra pins it; not on Windows), else asyncio. The HTTP parser
    stays h11 whatever is installed: it refuses a request head past 16 kB, where uvicorn's httptools protocol
    collects headers and URL without a bound.
    """
    return {"log_level": log_level, "access_log": False, "timeout_keep_alive": KEEP_ALIVE_SECONDS, "loop": "auto",
            "http": "h11"}


@asynccontextmanager
async def tuned_for_load(_app: FastAPI) -> AsyncIterator[None]:
    """The app's lifespan: the serving process's thread pool (REQUEST_THREADS)."""
    to_thread.current_default_thread_limiter().total_tokens = REQUEST_THREADS
    yield


def settings_for_workers(settings: GuardSettings, workers: int) -> GuardSettings:
    """One worker's share of the guard's settings (see the module docstring for which are shared)."""
    if workers <= 1:
        return settings
    changes: dict[str, float | int] = {}
    for name in DIVIDED_BUDGETS:
        value = getattr(settings, name)
        changes[name] = max(1, math.ceil(value / workers)) if isinstance(value, int) else value / workers
    for name in DIVIDED_TURNS:
        changes[name] = max(1, getattr(settings, name) // workers)
    return settings.model_copy(update=changes)


def serve_workers(db: ServerDatabase, limits: Limits, *, host: str, port: int, log_level: str, workers: int,
                  token_rotation_days: int, applier_processes: bool = True) -> None:
    """Run `workers` server processes on `db` (already migrated by ServerDatabase.open) until stopped. Stored
    pushes are applied by applier processes this process keeps (one per worker on PostgreSQL, one on SQLite:
    sync/server/applier_process.py), or, without `applier_processes`, by a thread of each worker."""
    import uvicorn

    from sync.server.applier_process import ApplierProcesses

    appliers = None
    if applier_processes:
        appliers = ApplierProcesses(db.url, limits, workers if db.engine.dialect.name == "postgresql" else 1)
        appliers.start()
    db.dispose()  # the parent serves nothing: its pool would only hold connections open
    os.environ[ENV_WORKER_SPEC] = json.dumps({"database_url": db.url, "limits": limits.model_dump(), "workers": workers,
                                              "token_rotation_days": token_rotation_days,
                                              "applier_wake_port": None if appliers is None else appliers.port})
    try:
        uvicorn.run(APP_FACTORY, factory=True, workers=workers, host=host, port=port,
                    timeout_worker_healthcheck=HEALTHCHECK_SECONDS, **uvicorn_options(log_level))
    finally:  # the supervisor returns once its workers have ended (it does not raise the signal again)
        if appliers is not None:
            appliers.stop()


def app_from_environment() -> FastAPI:
    """The app one worker serves, from the parent's spec (uvicorn calls this in each worker process)."""
    from sync.server.app import create_app
    from sync.server.applier_process import WakeAppliers

    spec = json.loads(os.environ[ENV_WORKER_SPEC])
    db = ServerDatabase(spec["database_url"])  # no migration: the parent ran it before any worker started
    settings = settings_for_workers(GuardSettings.from_environment(), int(spec["workers"]))
    port = spec.get("applier_wake_port")
    return create_app(db, Limits(**spec["limits"]), settings, token_rotation_days=int(spec["token_rotation_days"]),
                      applier=None if port is None else WakeAppliers(int(port)))

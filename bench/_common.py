"""Helpers the benchmarks share, so every script reports figures and machine facts the same way.

Not a benchmark itself (the leading underscore keeps it apart). Each `bench/<name>.py` still runs on its
own: Python puts the script's folder first on `sys.path`, which is how `import _common` resolves.
"""

from __future__ import annotations

import json
import math
import os
import platform
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any


def _load_average() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (AttributeError, OSError):  # not on Windows
        return None


# Other work on the machine skews every figure: the load when the benchmark started and ended is reported.
_LOAD_AT_START = _load_average()


def log(message: str) -> None:
    """Progress goes to stderr: stdout carries exactly one JSON object."""
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def emit(result: dict[str, Any]) -> None:
    print(json.dumps(result, ensure_ascii=False, indent=2))


def percentile(sorted_samples: Sequence[float], fraction: float) -> float:
    """Linear interpolation between closest ranks (numpy's default), so small samples are not jumpy."""
    if not sorted_samples:
        return math.nan
    position = (len(sorted_samples) - 1) * fraction
    low = math.floor(position)
    high = min(low + 1, len(sorted_samples) - 1)
    return sorted_samples[low] + (sorted_samples[high] - sorted_samples[low]) * (position - low)


def summarize_ms(samples_ms: Sequence[float]) -> dict[str, float | int]:
    """n, mean, p50/p95/p99 and max, rounded to 0.001 ms: the same keys in every benchmark."""
    ordered = sorted(samples_ms)
    figures: dict[str, float | int] = {"n": len(ordered)}
    if not ordered:
        return figures
    figures["mean_ms"] = sum(ordered) / len(ordered)
    for name, fraction in (("p50_ms", 0.50), ("p95_ms", 0.95), ("p99_ms", 0.99)):
        figures[name] = percentile(ordered, fraction)
    figures["max_ms"] = ordered[-1]
    return {key: (round(value, 3) if isinstance(value, float) else value) for key, value in figures.items()}


def timed_ms(call: Callable[[], Any]) -> tuple[float, Any]:
    """Wall time of one call in milliseconds, with its result."""
    start = time.perf_counter_ns()
    result = call()
    return (time.perf_counter_ns() - start) / 1e6, result


def processes_cpu() -> dict[int, tuple[str, float]]:
    """Every process's CPU seconds so far (user + system, from /proc: Linux only, else empty), with what it is:
    this process (`counter`), a province's web process (named so, or the parent of an applier process) or applier
    process, PostgreSQL, or `other`."""
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    found: dict[int, tuple[str, float]] = {}
    parents: dict[int, int] = {}
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            name, rest = (proc / "stat").read_text().rsplit(")", 1)
            fields = rest.split()
            command = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, ValueError):
            continue  # ended meanwhile
        pid = int(proc.name)
        parents[pid] = int(fields[1])
        if pid == os.getpid():
            role = "counter"
        elif "spawn_main" in command:
            role = "applier process"
        elif "provincial-server" in command or "sync.server" in command:
            role = "server web process"
        elif name.endswith("(postgres"):
            role = "postgresql"
        else:
            role = "other"
        found[pid] = (role, (int(fields[11]) + int(fields[12])) / ticks)
    for pid, (role, _seconds) in list(found.items()):
        serving = parents.get(pid)
        if role == "applier process" and serving in found and found[serving][0] == "other":
            found[serving] = ("server web process", found[serving][1])
    return found


def cpu_by_role(before: dict[int, tuple[str, float]], after: dict[int, tuple[str, float]]) -> dict[str, float]:
    """The CPU seconds each kind of process used between two `processes_cpu` snapshots (a process started in
    between counts from zero), and their total: on a shared machine, the work a run's wall time had to fit."""
    used: dict[str, float] = {}
    for pid, (role, seconds) in after.items():
        used[role] = used.get(role, 0.0) + seconds - before.get(pid, (role, 0.0))[1]
    rounded = {role: round(seconds, 2) for role, seconds in sorted(used.items()) if seconds >= 0.005}
    return {**rounded, "total": round(sum(used.values()), 2)}


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def machine() -> dict[str, Any]:
    """What the figures were measured on: numbers from another machine are not comparable."""
    return {
        "cpu_count": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "sqlalchemy": _version("SQLAlchemy"),
        "reportlab": _version("reportlab"),
        "load_average_1_5_15m_at_start": _LOAD_AT_START,
        "load_average_1_5_15m_at_end": _load_average(),
    }


def _cpu_model() -> str | None:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


@contextmanager
def work_dir(data_dir: str | None, keep: bool, prefix: str) -> Iterator[Path]:
    """`--data-dir` is used as given and never deleted; otherwise a temp dir, removed unless `--keep`."""
    if data_dir:
        path = Path(data_dir).expanduser().resolve()
        path.mkdir(parents=True, exist_ok=True)
        yield path
        return
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield path
    finally:
        if keep:
            log(f"kept the data in {path} (reuse it with --data-dir {path})")
        else:
            shutil.rmtree(path, ignore_errors=True)


def file_sizes(db_path: Path) -> dict[str, int]:
    """Bytes of the database file and of its WAL (0 when checkpointed away)."""
    wal = db_path.with_name(db_path.name + "-wal")
    return {
        "db_file_bytes": db_path.stat().st_size if db_path.exists() else 0,
        "wal_file_bytes": wal.stat().st_size if wal.exists() else 0,
    }


def setup_demo_unit(db: Any) -> None:
    """The demo unit (`demo_data.DEMO_UNIT`, as `counter-app --demo` uses) and the sample catalog, no dossiers.

    Not `demo_data.prepare_demo_unit`: that also adds 300 dossiers, and benchmarks choose their count.
    """
    from counter_app.services.catalog import ensure_sample_catalog
    from counter_app.services.demo_data import DEMO_UNIT
    from counter_app.services.unit_setup import setup_unit

    setup_unit(db, **DEMO_UNIT)
    ensure_sample_catalog(db)


@dataclass
class InsertProgress:
    """Time spent inside `bulk_insert_dossiers` per chunk, to see where generation time goes."""

    chunks: list[tuple[int, float]] = field(default_factory=list)  # (dossiers, seconds) per chunk
    started: float = field(default_factory=time.perf_counter)
    total_expected: int = 0
    log_every: int = 50_000

    @property
    def inserted(self) -> int:
        return sum(n for n, _ in self.chunks)

    @property
    def insert_seconds(self) -> float:
        return sum(s for _, s in self.chunks)

    def chunk_rates(self) -> list[float]:
        return [n / s for n, s in self.chunks if s > 0]


@contextmanager
def watch_bulk_insert(total_expected: int) -> Iterator[InsertProgress]:
    """Wrap the app's `bulk_insert_dossiers` (as seen by demo_data) to time it and log progress.

    The wrapper calls the real function unchanged; it only measures. Restored on exit.
    """
    from counter_app.services import demo_data

    progress = InsertProgress(total_expected=total_expected)
    real = demo_data.bulk_insert_dossiers

    def timed(session: Any, dossiers: Sequence[Any], now: Any) -> None:
        start = time.perf_counter()
        real(session, dossiers, now)
        progress.chunks.append((len(dossiers), time.perf_counter() - start))
        done = progress.inserted
        if done // progress.log_every != (done - len(dossiers)) // progress.log_every or done == total_expected:
            elapsed = time.perf_counter() - progress.started
            log(f"generated {done:,}/{total_expected:,} dossiers in {elapsed:.0f} s ({done / elapsed:,.0f}/s)")

    demo_data.bulk_insert_dossiers = timed  # type: ignore[assignment]
    try:
        yield progress
    finally:
        demo_data.bulk_insert_dossiers = real  # type: ignore[assignment]


FEE_DOSSIERS_PER_DAY = 900  # a desk numbers at most 999 dossiers a day (domain/codes.py)


def receive_fee_dossiers(db: Any, count: int, on_each: Callable[[int, float], None] | None = None) -> list[str]:
    """`count` dossiers received through the app's intake with the sample catalog's fee procedure (chứng thực
    chữ ký, 10.000 đồng, see tests/support/receipts.py), so each owes its fee; their codes.

    A desk numbers at most 999 dossiers a day, so they are received 900 a day on the days before today
    (today stays free for what the benchmark does next). `on_each(i, ms)` gets each intake's time.
    """
    from datetime import timedelta

    from counter_app.services.clock import utc_now
    from counter_app.services.intake import IntakeRequest, PersonInput, receive_dossier
    from tests.support.receipts import FEE_PROCEDURE

    now = utc_now()
    days = (count - 1) // FEE_DOSSIERS_PER_DAY + 1
    codes = []
    for i in range(count):
        moment = now - timedelta(days=days - i // FEE_DOSSIERS_PER_DAY)
        request = IntakeRequest(FEE_PROCEDURE, PersonInput(full_name=f"Nguyễn Văn Đức {i}", id_number="049090001234",
                                                           phone="0905123456", street="12 Lê Lợi"))
        ms, dossier = timed_ms(lambda request=request, moment=moment: receive_dossier(db, request, now=moment))
        codes.append(dossier.code)
        if on_each is not None:
            on_each(i, ms)
    return codes


@contextmanager
def profiled(top: int, order: str = "tottime") -> Iterator[None]:
    """cProfile around the block when `top` > 0, its `top` costliest functions (by `order`) logged to stderr."""
    if top <= 0:
        yield
        return
    import cProfile
    import io
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    try:
        yield
    finally:
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(top)
        log(out.getvalue())

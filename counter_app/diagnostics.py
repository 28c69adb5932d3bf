"""The diagnostics bundle: one zip a clerk sends to the province's IT when something goes wrong.

It holds the log files, the versions (app, Python, Qt/PySide6, SQLite, OS, schema revision), this
machine's settings, the sync state, journal and queue counts, and the database's integrity_check result
and row counts. It holds NO citizen data: no row of any table is copied, only counts; the sync journal's
and state's texts and every log line go through `logs.redact` again on the way in; no password, token
or device secret is read (those live in the keyring, services/credentials.py).

It must work when the app cannot: the database is read without migrating it (a newer, older or damaged
file is described, never changed), and each section that fails records why instead of stopping the
bundle. `counter-app diagnostics --out FILE` and the crash dialog's «Lưu gói chẩn đoán» both call
`build_bundle`.
"""

from __future__ import annotations

import json
import os
import platform
import sqlite3
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from counter_app import __version__
from counter_app.logs import log_files, redact
from counter_app.services.clock import utc_now

REPORT_NAME = "chan-doan.json"
README_NAME = "DOC-TRUOC.txt"
MAX_LOG_BYTES = 12_000_000  # the rotating logs are 6 MB at most; a bigger folder was not written by the app
README = """Gói chẩn đoán của ứng dụng quầy một cửa.

Gói này KHÔNG chứa dữ liệu của công dân: không có họ tên, số giấy tờ, số điện thoại, địa chỉ, giấy tờ
hay bản quét nào, cũng không có mật khẩu hay mã xác thực. Gói gồm:
- chan-doan.json: phiên bản ứng dụng, Python, Qt, SQLite, hệ điều hành; phiên bản lược đồ cơ sở dữ liệu,
  kết quả PRAGMA integrity_check và số dòng của từng bảng; cài đặt của máy; tình trạng, nhật ký và hàng
  đợi đồng bộ (chỉ số lượng);
- logs/: các tệp nhật ký của ứng dụng (số giấy tờ, số điện thoại, thư điện tử đã được che).
Gửi tệp này cho bộ phận công nghệ thông tin của tỉnh.
"""


@dataclass
class BundleReport:
    """What went into a bundle: the file, the log files copied, and the sections that could not be read."""

    path: Path
    log_files: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def default_bundle_name(instant: datetime) -> str:
    """`chan-doan-quay-20261201-090000.zip` (UTC): sorts by time, never collides within a second."""
    return f"chan-doan-quay-{instant.astimezone(UTC):%Y%m%d-%H%M%S}.zip"


def _text(value: Any) -> Any:
    """A JSON value with every string redacted (texts from the network or the log may hold anything)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: _text(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_text(item) for item in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _section(report: dict[str, Any], problems: list[str], name: str, read: Callable[[], Any]) -> None:
    try:
        report[name] = read()
    except Exception as error:  # a section that cannot be read is described, the others still go in
        problems.append(f"{name}: {type(error).__name__}: {getattr(error, 'message', None) or error}"[:500])


def versions() -> dict[str, Any]:
    from PySide6 import QtCore

    return {
        "app": __version__,
        "frozen": bool(getattr(sys, "frozen", False)),
        "python": sys.version.split()[0],
        "qt": QtCore.qVersion(),
        "pyside6": QtCore.__version__ if hasattr(QtCore, "__version__") else "",
        "sqlite": sqlite3.sqlite_version,
        "os": platform.platform(),
        "machine": platform.machine(),
    }


def database_summary(data_dir: Path) -> dict[str, Any]:
    """Schema revision, integrity_check and row counts, read only: the file is never migrated or written."""
    from counter_app.storage.database import DB_FILENAME, SCHEMA_HEAD
    from counter_app.storage.integrity import read_only_connection, run_check

    path = data_dir / DB_FILENAME
    summary: dict[str, Any] = {"file": DB_FILENAME, "exists": path.exists(), "schema_head": SCHEMA_HEAD}
    if not path.exists():
        return summary
    wal = Path(f"{path}-wal")
    summary |= {"bytes": path.stat().st_size, "wal_bytes": wal.stat().st_size if wal.exists() else 0}
    try:
        run_check(path, "integrity_check")
        summary["integrity_check"] = "ok"
    except Exception as error:
        summary["integrity_check"] = getattr(error, "message", None) or f"{type(error).__name__}: {error}"
    connection = read_only_connection(path)
    counts: dict[str, Any] = {}
    try:
        tables = [row[0] for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        if "alembic_version" in tables:
            row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
            summary["schema_revision"] = row[0] if row else None
        for table in tables:
            quoted = table.replace('"', '""')
            try:
                counts[table] = connection.execute(f'SELECT count(*) FROM "{quoted}"').fetchone()[0]
            except sqlite3.DatabaseError as error:  # one damaged table: the others are still counted
                counts[table] = f"không đếm được: {error}"
    except sqlite3.DatabaseError as error:
        summary["unreadable"] = f"SQLite không đọc được danh mục bảng: {error}"
    finally:
        connection.close()
    summary["row_counts"] = counts
    return summary


def sync_summary(data_dir: Path, database: dict[str, Any]) -> dict[str, Any]:
    """The sync state, queue counts and the last journal lines; only from a whole database at this
    version's schema (`database`: what `database_summary` found), so nothing is ever written to another."""
    from counter_app.services.sync_status import journal_lines, sync_status
    from counter_app.storage.database import DB_FILENAME, Database, create_sqlite_engine

    if not database.get("exists"):
        return {"enrolled": False}
    if database.get("integrity_check") != "ok" or database.get("schema_revision") != database.get("schema_head"):
        return {"skipped": "cơ sở dữ liệu hỏng hoặc khác phiên bản lược đồ: không đọc phần đồng bộ"}
    path = data_dir / DB_FILENAME
    engine = create_sqlite_engine(path)
    try:
        db = Database(path, engine)
        status = sync_status(db)
        return {
            "enrolled": status.enrolled,
            "server_url": status.server_url,
            "pending": status.pending,
            "problems": status.problems,
            "oldest_pending_age_seconds": (
                status.oldest_pending_age.total_seconds() if status.oldest_pending_age is not None else None),
            "last_success_at": status.last_success_at,
            "last_attempt_at": status.last_attempt_at,
            "last_error": status.last_error,
            "clock_skew_seconds": status.clock_skew_seconds,
            "journal": [vars(line) for line in journal_lines(db, limit=50)],
        }
    finally:
        engine.dispose()


def settings_summary(data_dir: Path) -> dict[str, Any]:
    """This machine's settings (none of them is a secret)."""
    from counter_app.ui.settings import FILE_NAME, CounterSettings

    settings = CounterSettings.for_data_dir(data_dir)
    unset = Path("(mặc định)")
    return {
        "file_exists": (data_dir / FILE_NAME).exists(),
        "printer_name": settings.printer_name(),
        "receipt_paper": settings.receipt_paper(),
        "last_server_url": settings.last_server_url(),
        "sync_interval_minutes": settings.sync_interval_minutes(),
        "scan_inbox_dir": str(settings.scan_inbox_dir(unset)),
        "backup_dir": str(settings.backup_dir(unset)),
        "backups_to_keep": settings.backups_to_keep(),
    }


def collect_report(data_dir: Path, *, now: datetime | None = None) -> tuple[dict[str, Any], list[str]]:
    """Everything but the log files, as one JSON-ready dict; and the sections that could not be read."""
    problems: list[str] = []
    report: dict[str, Any] = {"created_at": (now or utc_now()).isoformat(), "data_dir": str(data_dir)}
    _section(report, problems, "versions", versions)
    _section(report, problems, "database", lambda: database_summary(data_dir))
    _section(report, problems, "sync", lambda: sync_summary(data_dir, report.get("database", {})))
    _section(report, problems, "settings", lambda: settings_summary(data_dir))
    report["problems"] = problems
    return _text(report), problems


def build_bundle(data_dir: Path, out: Path, *, now: datetime | None = None) -> BundleReport:
    """Write the bundle to `out` (replaced atomically: a half-written zip never sits under that name)."""
    out = Path(out)
    report, problems = collect_report(Path(data_dir), now=now)
    result = BundleReport(path=out, problems=problems)
    out.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    os.close(descriptor)
    try:
        with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
            bundle.writestr(README_NAME, README)
            budget = MAX_LOG_BYTES
            for path in log_files(Path(data_dir)):
                try:
                    with path.open("rb") as handle:
                        raw = handle.read(budget + 1)
                except OSError as error:
                    problems.append(f"logs/{path.name}: {type(error).__name__}")
                    continue
                budget -= len(raw)
                if budget < 0:
                    problems.append(f"logs/{path.name}: vượt {MAX_LOG_BYTES} byte, không đưa vào")
                    break
                bundle.writestr(f"logs/{path.name}", redact(raw.decode("utf-8", errors="replace")))
                result.log_files.append(path.name)
            report["problems"] = [redact(problem) for problem in problems]
            bundle.writestr(REPORT_NAME, json.dumps(report, ensure_ascii=False, indent=2))
        os.replace(temporary, out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return result

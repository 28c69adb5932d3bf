"""Read-only summaries of this counter's sync with the provincial server, for the screens.

Everything here only reads (one short read transaction each) through storage/sync_store.py; the sync
runner is the only writer of the sync state. Each answer is a frozen snapshot taken at `checked_at`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from counter_app.domain.operations import OpType, OutboxState, UploadState
from counter_app.services.clock import utc_now
from counter_app.storage.database import Database
from counter_app.storage.sync_store import (
    QUARANTINED,
    get_state,
    last_journal,
    problem_ops,
    queue_summary,
    upload_problems,
)

QUARANTINE_LABEL = "Tạm giữ, gửi riêng mỗi lần đồng bộ"
OUTCOME_LABELS = {"ok": "Thành công", "failed": "Thất bại"}


@dataclass(frozen=True)
class SyncStatus:
    """What the status bar and the sync screen show; `pending` counts pending and in-flight operations."""

    enrolled: bool
    server_url: str = ""
    pending: int = 0
    oldest_pending_age: timedelta | None = None
    last_success_at: datetime | None = None
    last_attempt_at: datetime | None = None
    last_error: str | None = None
    problems: int = 0
    clock_skew_seconds: float | None = None
    checked_at: datetime | None = None


@dataclass(frozen=True)
class ProblemRecord:
    """One operation the server refused (rejected) or could not apply (conflict), or a file that could not
    be sent (no `seq`), with its reason."""

    seq: int | None
    op_type: str
    dossier_code: str
    state: str
    code: str
    message: str
    at: datetime


@dataclass(frozen=True)
class JournalLine:
    """One sync attempt from the counter's append-only journal."""

    started_at: datetime
    finished_at: datetime | None
    outcome: str
    pushed: int
    pulled: int
    rejected: int
    conflicts: int
    blobs_uploaded: int
    bytes_sent: int
    bytes_received: int
    message: str


def sync_status(db: Database, *, now: datetime | None = None) -> SyncStatus:
    """The sync state and the outbox queue, read together in one snapshot."""
    with db.read() as session:
        now = now or utc_now()
        summary = queue_summary(session)
        state = get_state(session)
        age = now - summary.oldest_pending_at if summary.oldest_pending_at else None
        if age is not None and age < timedelta(0):
            age = timedelta(0)  # the clock went back since the operation was written
        common = {
            "pending": summary.pending + summary.in_flight,
            "oldest_pending_age": age,
            "problems": summary.rejected + summary.conflict + summary.quarantined + summary.file_problems,
            "checked_at": now,
        }
        if state is None:
            return SyncStatus(enrolled=False, **common)
        return SyncStatus(
            enrolled=True,
            server_url=state.server_url,
            last_success_at=state.last_success_at,
            last_attempt_at=state.last_attempt_at,
            last_error=state.last_error or None,
            clock_skew_seconds=state.clock_skew_seconds,
            **common,
        )


def op_type_label(op_type: str) -> str:
    try:
        return OpType(op_type).label
    except ValueError:
        return f"Thao tác khác ({op_type[:40]})"


def state_label(state: str) -> str:
    try:
        return OutboxState(state).label
    except ValueError:
        return state


def _dossier_code(payload: str) -> str:
    try:
        data = json.loads(payload)
    except ValueError:
        return ""
    if not isinstance(data, dict):
        return ""
    return str(data.get("code") or data.get("dossier_code") or "")


def problem_records(db: Database, limit: int = 500) -> list[ProblemRecord]:
    """Operations answered `rejected` or `conflict`, oldest first, with the server's reason; then the
    attached files that could not be sent, with why."""
    with db.read() as session:
        rows = problem_ops(session, limit)
        return [
            ProblemRecord(
                seq=row.seq,
                op_type=op_type_label(row.op_type),
                dossier_code=_dossier_code(row.payload),
                state=QUARANTINE_LABEL if row.result_code == QUARANTINED else state_label(row.state),
                code=row.result_code or "",
                message=row.result_message or "",
                at=row.created_at,
            )
            for row in rows
        ] + [
            ProblemRecord(
                seq=None,
                op_type=f"Gửi tệp quét «{row.name}»",
                dossier_code=code,
                state=UploadState(row.upload_state).label if row.upload_state in set(UploadState) else row.upload_state,
                code="",
                message=row.error or "",
                at=row.created_at,
            )
            for row, code in upload_problems(session, limit)
        ]


def journal_lines(db: Database, limit: int = 20) -> list[JournalLine]:
    """The latest sync attempts, newest first."""
    with db.read() as session:
        return [
            JournalLine(
                started_at=row.started_at,
                finished_at=row.finished_at,
                outcome=OUTCOME_LABELS.get(row.outcome, row.outcome),
                pushed=row.pushed,
                pulled=row.pulled,
                rejected=row.rejected,
                conflicts=row.conflicts,
                blobs_uploaded=row.blobs_uploaded,
                bytes_sent=row.bytes_sent,
                bytes_received=row.bytes_received,
                message=row.message or "",
            )
            for row in last_journal(session, limit)
        ]

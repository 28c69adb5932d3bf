"""Pruning acknowledged outbox rows (storage/outbox_pruning.py, services/outbox_housekeeping.py) on a real
counter database: only old acknowledged rows go, in batches; what restore detection reads stays put."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from counter_app.domain.operations import OutboxState
from counter_app.services.intake import IntakeRequest, PersonInput, receive_dossier
from counter_app.services.outbox_housekeeping import prune_after_sync
from counter_app.storage.audit import records_for_ops
from counter_app.storage.database import Database
from counter_app.storage.models import AuditLogRow, OutboxOp
from counter_app.storage.outbox_pruning import pruned_between
from counter_app.storage.sync_store import (
    answered_through,
    epoch_base,
    mark_in_flight,
    max_seq,
    quarantine,
    record_result,
)
from counter_app.ui.settings import CounterSettings
from tests.conftest import open_counter

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
LONG_AGO = NOW - timedelta(days=45)
RECENTLY = NOW - timedelta(days=3)


def intake(db: Database, name: str) -> str:
    return receive_dossier(db, IntakeRequest("1.001193", PersonInput(
        full_name=name, id_number="049090001234", phone="0905123456", street="12 Lê Lợi"))).code


def seqs(db: Database) -> dict[int, str]:
    with db.read() as session:
        return dict(session.execute(select(OutboxOp.seq, OutboxOp.state).order_by(OutboxOp.seq)).all())


def settle(db: Database, answers: dict[int, tuple[OutboxState, datetime]]) -> None:
    """Answer the operations `answers` names as the server would have, at the given times."""
    with db.write() as session:
        mark_in_flight(session, list(answers), "batch-1")
        for seq, (state, at) in answers.items():
            if state is not OutboxState.IN_FLIGHT:
                record_result(session, seq, state, "", "", at)


def test_only_old_acknowledged_rows_go_and_restore_marks_stay(tmp_path: Path) -> None:
    db = open_counter(tmp_path)
    for number in range(12):
        intake(db, f"Nguyễn Văn Thử {number}")
    assert list(seqs(db)) == list(range(1, 13))
    # 1-4 and 9-10 acknowledged long ago, 5 refused long ago, 6 a conflict, 7 acknowledged recently,
    # 8 quarantined, 11 in flight, 12 still pending (the newest, answered rows go up to 10).
    settle(db, {1: (OutboxState.ACKED, LONG_AGO), 2: (OutboxState.ACKED, LONG_AGO), 3: (OutboxState.ACKED, LONG_AGO),
                4: (OutboxState.ACKED, LONG_AGO), 5: (OutboxState.REJECTED, LONG_AGO),
                6: (OutboxState.CONFLICT, LONG_AGO), 7: (OutboxState.ACKED, RECENTLY),
                9: (OutboxState.ACKED, LONG_AGO), 10: (OutboxState.ACKED, LONG_AGO),
                11: (OutboxState.IN_FLIGHT, LONG_AGO)})
    with db.write() as session:
        quarantine(session, 8, "Máy chủ tỉnh không xử lý được riêng thao tác này.")
    with db.read() as session:
        before = (max_seq(session), epoch_base(session), answered_through(session, 0))
        audit_rows = session.scalar(select(func.count()).select_from(AuditLogRow))
    assert before == (12, 7, 7)

    outcome = prune_after_sync(db, tmp_path, now=NOW, batch=2)  # 2 a batch: the loop runs several times

    assert outcome.ran and outcome.deleted == 6
    assert seqs(db) == {5: "rejected", 6: "conflict", 7: "acked", 8: "pending", 11: "in_flight", 12: "pending"}
    with db.read() as session:
        assert (max_seq(session), epoch_base(session), answered_through(session, 0)) == before
        assert pruned_between(session, 0, 12) == 6
        assert session.scalar(select(func.count()).select_from(AuditLogRow)) == audit_rows  # the trail is whole
        assert sorted(records_for_ops(session, [8, 11, 12])) == [8, 11, 12]  # open ones still carry theirs

    # Now the open ones are acknowledged too, then pruned, the newest row with them: the high-water mark stays.
    settle(db, {seq: (OutboxState.ACKED, LONG_AGO) for seq in (8, 11, 12)})
    CounterSettings.for_data_dir(tmp_path).set_outbox_pruned_at(NOW - timedelta(days=2))
    assert prune_after_sync(db, tmp_path, now=NOW).deleted == 3
    with db.read() as session:
        assert (max_seq(session), epoch_base(session), answered_through(session, 0)) == (12, 12, 12)
    intake(db, "Lê Thị Sau Dọn")  # a new operation never reuses a pruned seq
    assert list(seqs(db)) == [5, 6, 7, 13]


def test_once_a_day_and_the_retention_setting(tmp_path: Path) -> None:
    db = open_counter(tmp_path)
    for number in range(3):
        intake(db, f"Trần Thị Hẹn {number}")
    settle(db, {1: (OutboxState.ACKED, NOW - timedelta(days=20)), 2: (OutboxState.ACKED, NOW - timedelta(days=8)),
                3: (OutboxState.ACKED, NOW - timedelta(days=1))})
    settings = CounterSettings.for_data_dir(tmp_path)
    assert settings.outbox_retention_days() == 30

    assert prune_after_sync(db, tmp_path, now=NOW).deleted == 0  # none older than 30 days
    settings.set_outbox_retention_days(10)
    assert not prune_after_sync(db, tmp_path, now=NOW + timedelta(hours=23)).ran  # pruned less than a day ago
    assert list(seqs(db)) == [1, 2, 3]
    assert prune_after_sync(db, tmp_path, now=NOW + timedelta(days=1)).deleted == 1  # the 20-day-old one
    assert list(seqs(db)) == [2, 3]


def test_a_retention_edited_into_nonsense_reads_as_the_default(tmp_path: Path) -> None:
    (tmp_path / "settings.ini").write_text("[sync]\noutbox_retention_days=2\noutbox_pruned_at=hôm qua\n",
                                           encoding="utf-8")
    settings = CounterSettings.for_data_dir(tmp_path)
    assert settings.outbox_retention_days() == 30  # below the 7-day floor: a typo must not empty the outbox
    assert settings.outbox_pruned_at() is None


def test_a_long_history_is_pruned_over_several_syncs(tmp_path: Path) -> None:
    db = open_counter(tmp_path)
    for number in range(7):
        intake(db, f"Phạm Văn Lịch Sử {number}")
    settle(db, {seq: (OutboxState.ACKED, LONG_AGO) for seq in range(1, 8)})
    ticks = iter(range(1000))  # a clock that moves one second each time it is read

    first = prune_after_sync(db, tmp_path, now=NOW, batch=2, seconds=2.5, clock=lambda: next(ticks))

    assert (first.deleted, first.finished) == (4, False)  # two batches fit in the budget
    assert CounterSettings.for_data_dir(tmp_path).outbox_pruned_at() is None  # not done: the next sync goes on
    second = prune_after_sync(db, tmp_path, now=NOW + timedelta(minutes=3), batch=2, seconds=10,
                              clock=lambda: next(ticks))
    assert (second.deleted, second.finished) == (3, True)
    assert seqs(db) == {}
    assert not prune_after_sync(db, tmp_path, now=NOW + timedelta(hours=2)).ran

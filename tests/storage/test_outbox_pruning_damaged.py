"""Outbox pruning on a damaged counter database (review Q): rows whose acknowledgement time or state was
damaged on disk, and a file whose pages are overwritten. Pruning is housekeeping: it never deletes a row
that is not certainly acknowledged, and a damaged file never makes the sync that ran it fail."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from counter_app.domain.operations import OutboxState
from counter_app.services.outbox_housekeeping import prune_after_sync
from counter_app.storage.database import DB_FILENAME
from counter_app.storage.sync_store import max_seq
from tests.conftest import open_counter
from tests.storage.test_outbox_pruning import LONG_AGO, NOW, intake, seqs, settle

GARBAGE = bytes(range(7, 256, 3)) * 25  # what a failing disk leaves: about 2 kB, the same every run


def test_rows_damaged_on_disk_are_kept_unless_certainly_acknowledged(tmp_path: Path) -> None:
    db = open_counter(tmp_path)
    for i in range(12):
        intake(db, f"Lê Văn Số {i}")
    settle(db, {seq: (OutboxState.ACKED, LONG_AGO) for seq in seqs(db)})
    with db.read() as session:
        highest = max_seq(session)
    damage = {1: ("acked_at", "hôm qua"), 2: ("acked_at", None), 3: ("acked_at", b"\x00\xff"), 4: ("state", "ACKED"),
              5: ("state", "acked\x00"), 6: ("acked_at", "9999-12-31 00:00:00.000000")}
    connection = sqlite3.connect(tmp_path / DB_FILENAME)
    for seq, (column, value) in damage.items():
        connection.execute(f"UPDATE outbox SET {column} = ? WHERE seq = ?", (value, seq))
    connection.commit()
    connection.close()

    outcome = prune_after_sync(db, tmp_path, now=NOW)

    assert outcome.ran and outcome.finished and outcome.deleted == 12 - len(damage)
    assert sorted(seqs(db)) == sorted(damage)  # none of the damaged rows went
    with db.read() as session:
        assert max_seq(session) == highest  # a seq is still never given out twice
    db.close()


def test_a_file_with_overwritten_pages_is_left_alone_and_the_sync_goes_on(tmp_path: Path) -> None:
    db = open_counter(tmp_path)
    for i in range(40):
        intake(db, f"Lê Văn Số {i}")
    settle(db, {seq: (OutboxState.ACKED, LONG_AGO) for seq in seqs(db)})
    db.engine.dispose()
    path = tmp_path / DB_FILENAME
    with path.open("r+b") as damaged:
        for offset in range(8_192, path.stat().st_size, 3 * 4_096):
            damaged.seek(offset + 100)
            damaged.write(GARBAGE)

    outcome = prune_after_sync(db, tmp_path, now=NOW)  # logged, never raised

    assert outcome.ran and not outcome.finished and outcome.deleted == 0
    assert prune_after_sync(db, tmp_path, now=NOW).ran  # not marked as done: tried again at the next sync
    db.close()

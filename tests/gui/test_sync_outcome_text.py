"""The status bar's sentence after a sync: a run that succeeded but found operations the province can never get
back (a server restored from before this counter pruned them) says so, not just "Đã đồng bộ xong"."""

from __future__ import annotations

from counter_app.services.sync_status import SyncStatus
from counter_app.storage.outbox_pruning import pruned_loss
from counter_app.ui.sync_worker import RunOutcome, outcome_text
from sync.client.runner import SyncReport


def test_a_successful_run_with_a_loss_says_what_was_lost(qapp) -> None:
    loss = pruned_loss(2)
    report = SyncReport(ok=True, pushed=3, pulled=1, problems=[{"status": "rejected", "code": "x", "message": "y"}, loss])
    text = outcome_text(RunOutcome(report=report, status=SyncStatus(enrolled=True), read_at=0.0))
    assert text.startswith("Đã đồng bộ xong: gửi 3 thao tác, nhận 1 cập nhật.")
    assert text.endswith(str(loss["message"])) and "thiếu 2 thao tác" in text and " y" not in text


def test_a_plain_successful_run_says_only_that(qapp) -> None:
    report = SyncReport(ok=True, pushed=0, pulled=0)
    text = outcome_text(RunOutcome(report=report, status=SyncStatus(enrolled=True), read_at=0.0))
    assert text == "Đã đồng bộ xong: gửi 0 thao tác, nhận 0 cập nhật."

"""The pull-back brings back a restored counter's receipts and lifecycle records, not only its dossiers (issue 12, C2).

A receipt collected after the backup, another cancelled and collected again, a supplement asked and
answered: after `counter-app restore` and one sync, the dossier is paid again on the counter, its receipts
print, their numbers are never issued again, and the supplement is on record. Real parts: a
`provincial-server` process (SQLite and PostgreSQL), the counter's files, the CLI's restore, the real sync.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from counter_app.cli import main
from counter_app.domain.dossier import DocumentLine
from counter_app.domain.lifecycle import Status
from counter_app.domain.receipts import ReceiptStatus
from counter_app.services.accounts import create_account
from counter_app.services.dossiers import change_status, get_dossier
from counter_app.services.fees import fees_due
from counter_app.services.lifecycle import record_supplied, request_supplement, supplement_requests
from counter_app.services.receipts import cancel_receipt, collect_fee, receipt_pdf, receipts_of
from counter_app.storage.database import Database
from counter_app.storage.models import DossierRow
from counter_app.storage.sync_store import get_state
from sync.server.admin import allocate_next_range
from sync.server.models import Conflict, OpLedger
from tests.support.receipts import BOOK, FEE_VND, fee_dossier
from tests.sync.test_restore import ServerSide, enrolled_counter, server, sync  # noqa: F401 (fixture)

SUPERVISOR = "giamsat"


def _grant(side: ServerSide, db: Database, count: int) -> None:
    with db.read() as session:
        device_id = get_state(session).device_id  # type: ignore[union-attr]
    admin = side.db()
    try:
        with admin.session() as s:
            allocate_next_range(s, device_id, BOOK.series, count, datetime.now(UTC))
    finally:
        admin.dispose()


def _owed(db: Database, code: str) -> int:
    with db.read() as session:
        return fees_due(session, code).total_vnd


@pytest.mark.slow
def test_receipts_and_records_come_back_after_a_restore(server: ServerSide, tmp_path: Path) -> None:  # noqa: F811
    data_dir = tmp_path / "counter"
    db = enrolled_counter(server, data_dir)
    create_account(db, username=SUPERVISOR, full_name="Trần Thị Mai", role="supervisor", password="mat-khau-9x", by=None)
    _grant(server, db, 50)
    sync(db, data_dir)  # the grant reaches the desk
    early = fee_dossier(db, "Nguyễn Văn Đức", clerk=SUPERVISOR)
    first = collect_fee(db, early, method="cash", by=SUPERVISOR)
    sync(db, data_dir)
    db.close()
    backup = tmp_path / "usb" / "quay-1.sqlite"
    backup.parent.mkdir()
    assert main(["--data-dir", str(data_dir), "backup", "--out", str(backup)]) == 0

    db = Database.open(data_dir)  # after the backup: only the province will keep these
    paid = fee_dossier(db, "Lê Thị Hoa", clerk=SUPERVISOR)
    wrong = collect_fee(db, paid, method="cash", by=SUPERVISOR)
    cancel_receipt(db, wrong.number_text, reason="Ghi sai tên người nộp", supervisor=SUPERVISOR)
    right = collect_fee(db, paid, method="transfer", bank_reference="FT26031012345", by=SUPERVISOR)
    change_status(db, paid, Status.PROCESSING, note="Chuyển phòng chuyên môn", clerk_username=SUPERVISOR)
    request_supplement(db, paid, reason="Thiếu bản sao giấy khai sinh", by=SUPERVISOR,
                       missing=[DocumentLine("Bản sao giấy khai sinh", certified_copies=1)])
    record_supplied(db, paid, by=SUPERVISOR)
    sync(db, data_dir)
    db.close()

    assert main(["--data-dir", str(data_dir), "restore", str(backup)]) == 0
    db = Database.open(data_dir)
    assert [r.number for r in receipts_of(db, early)] == [first.number]
    with db.read() as session:
        assert session.scalar(select(DossierRow.pk).where(DossierRow.code == paid)) is None

    sync(db, data_dir)

    back = {r.number: r for r in receipts_of(db, paid)}
    assert sorted(back) == [wrong.number, right.number]
    assert back[wrong.number].status is ReceiptStatus.CANCELLED
    assert back[wrong.number].cancel_reason == "Ghi sai tên người nộp"
    assert back[right.number].status is ReceiptStatus.ISSUED and back[right.number].total_vnd == FEE_VND
    assert back[right.number].replaces_id == back[wrong.number].id and back[right.number].bank_reference == "FT26031012345"
    assert _owed(db, paid) == 0  # paid: nobody collects twice
    assert receipt_pdf(db, right.number_text).startswith(b"%PDF")
    assert get_dossier(db, paid).status is Status.PROCESSING
    supplements = supplement_requests(db, paid)
    assert [(s.reason, [m.name for m in s.missing], s.supplied_at is not None) for s in supplements] == [
        ("Thiếu bản sao giấy khai sinh", ["Bản sao giấy khai sinh"], True)]

    again = sync(db, data_dir)  # a second pull-back would change nothing; none runs
    assert again.pulled_back == 0
    later = fee_dossier(db, "Phạm Minh Tuấn", clerk=SUPERVISOR)
    assert _owed(db, later) == FEE_VND
    fresh = collect_fee(db, later, method="cash", by=SUPERVISOR)
    assert fresh.number == right.number + 1  # never a number the province already holds
    sync(db, data_dir)
    admin = server.db()
    try:
        with admin.session() as s:
            assert s.scalars(select(Conflict)).all() == []
            assert s.scalars(select(OpLedger.op_type).where(OpLedger.status != "accepted")).all() == []
    finally:
        admin.dispose()
    db.close()

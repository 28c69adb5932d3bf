"""Every money and status action names its clerk, with before and after (issue 10, review R).

One dossier walks the whole money path on a real counter database: intake, hand-over to the agency,
a fee the agency sets (4→6), collecting it (6→4 in the same transaction), a supervisor's cancellation,
collecting again, the result back from the agency and handed to the citizen, the day's close. The audit
trail must read as that story, row by row: the action, what it is about, who did it, before and after.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from counter_app.domain.catalog import FeeKind
from counter_app.domain.fees import FeeLine
from counter_app.domain.lifecycle import Status
from counter_app.domain.lifecycle_records import HandoverDirection
from counter_app.services.accounts import change_password, create_account, disable_account
from counter_app.services.audit import verify_audit
from counter_app.services.clock import office_today
from counter_app.services.day_close import close_day, day_summary
from counter_app.services.fees import request_fee
from counter_app.services.lifecycle import hand_over, transition
from counter_app.services.receipts import cancel_receipt, collect_fee
from counter_app.services.returns import return_at_desk
from counter_app.storage.database import Database
from counter_app.storage.models import AuditLogRow
from tests.conftest import open_counter
from tests.support.receipts import FEE_VND, fee_dossier, grant_receipt_range

# Every "today" this module reads (its own and the services') is one day: office midnight may pass while it
# runs (tests/conftest.py, stopped_clock).
pytestmark = pytest.mark.usefixtures("stopped_clock")

AGENCY_FEE_VND = 6_000


@pytest.fixture
def desk(tmp_path: Path):
    db = open_counter(tmp_path / "counter")
    create_account(db, username="giamsat", full_name="Lê Văn Giám", role="supervisor", password="matkhau-gs1", by=None)
    create_account(db, username="mai", full_name="Trần Thị Mai", role="clerk", password="matkhau123", by="giamsat")
    grant_receipt_range(db, 1, 10)
    yield db
    db.close()


def _rows(db: Database) -> list[tuple[str, str, str, str, Any, dict[str, Any]]]:
    """(action, subject, clerk_username, clerk_name, before, after) of every audit row, in order."""
    with db.read() as session:
        return [(row.action, row.subject, row.clerk_username, row.clerk_name,
                 None if row.before is None else json.loads(row.before), json.loads(row.after))
                for row in session.scalars(select(AuditLogRow).order_by(AuditLogRow.seq))]


def test_one_dossier_through_the_money_path_reads_as_its_story_in_the_audit_trail(desk: Database) -> None:
    code = fee_dossier(desk, clerk="mai")
    transition(desk, code, Status.PROCESSING, by="mai", agency="Phòng Tư pháp")
    request_fee(desk, code, [FeeLine("Phí cấp bản sao", FeeKind.FEE, AGENCY_FEE_VND)],
                "Cơ quan giải quyết xác định phí", by="mai")
    first = collect_fee(desk, code, method="cash", by="mai")
    cancel_receipt(desk, first.number_text, reason="Ghi sai tên người nộp", supervisor="giamsat")
    second = collect_fee(desk, code, method="cash", by="mai")
    hand_over(desk, code, HandoverDirection.FROM_AGENCY, by="mai", agency="Phòng Tư pháp")
    return_at_desk(desk, code, receiver_name="Nguyễn Văn Đức", id_number="049090001234", clerk_username="mai")
    day = office_today()
    close_day(desk, day, counted_total=day_summary(desk, day).cash_expected, by="mai")

    rows = _rows(desk)
    assert [(action, subject, username) for action, subject, username, *_ in rows] == [
        ("account.upsert", "giamsat", "giamsat"),
        ("account.upsert", "mai", "giamsat"),
        ("dossier.create", code, "mai"),
        ("dossier.status", code, "mai"),  # 2→4, to the agency
        ("dossier.status", code, "mai"),  # 4→6, the agency set a fee
        ("fee.request", code, "mai"),
        ("receipt.issue", first.number_text, "mai"),
        ("dossier.status", code, "mai"),  # 6→4, paid, in the collecting transaction
        ("receipt.cancel", first.number_text, "giamsat"),
        ("receipt.issue", second.number_text, "mai"),
        ("dossier.status", code, "mai"),  # 4→9, the result back from the agency
        ("result.return", code, "mai"),
        ("dossier.status", code, "mai"),  # 9→10
        ("day.close", day.isoformat(), "mai"),
    ]
    assert all(name for _, _, _, name, _, _ in rows), "every row names its clerk in full"
    befores = [before for *_, before, _ in rows]
    afters = [after for *_, after in rows]
    statuses = [(before["status"], after["status"]) for (action, *_, before, after) in rows
                if action == "dossier.status"]
    assert statuses == [(2, 4), (4, 6), (6, 4), (4, 9), (9, 10)]
    assert rows[7][5]["note"] == "Đã thực hiện nghĩa vụ tài chính"
    # the fee request: what was owed before (the intake's fee), what the agency asks
    assert befores[5] == {"fee_vnd": FEE_VND, "charge_vnd": 0, "unknown": []}
    assert (afters[5]["fee_vnd"], afters[5]["reason"]) == (AGENCY_FEE_VND, "Cơ quan giải quyết xác định phí")
    # receipts: a new receipt has no before; its after is the whole receipt
    assert befores[6] is None and afters[6]["total_vnd"] == FEE_VND + AGENCY_FEE_VND
    assert afters[6]["collector_username"] == "mai"
    # the cancellation: before issued; after the reason and the supervisor
    assert befores[8] == {"status": "issued"}
    assert (afters[8]["reason"], afters[8]["supervisor"]) == ("Ghi sai tên người nộp", "giamsat")
    assert rows[8][3] == "Lê Văn Giám"
    assert afters[9]["replaces_id"] == first.id and afters[9]["total_vnd"] == second.total_vnd
    # the close: the figures the clerk signed
    assert (afters[13]["expected_cash"], afters[13]["receipts_count"], afters[13]["cancellations_count"]) == (
        second.total_vnd, 1, 1)
    assert verify_audit(desk).intact


def test_account_changes_name_who_made_them_and_what_the_account_was(desk: Database) -> None:
    change_password(desk, "mai", "matkhau-moi-1", by="giamsat")
    disable_account(desk, "mai", by="giamsat")
    rows = [row for row in _rows(desk) if row[0] == "account.upsert"]
    assert [(subject, username) for _, subject, username, *_ in rows] == [
        ("giamsat", "giamsat"), ("mai", "giamsat"), ("mai", "giamsat"), ("mai", "giamsat")]
    assert [before for *_, before, _ in rows] == [
        None, None,
        {"full_name": "Trần Thị Mai", "role": "clerk", "disabled": False, "version": 1},
        {"full_name": "Trần Thị Mai", "role": "clerk", "disabled": False, "version": 2}]
    assert rows[-1][5]["disabled"] is True and rows[-1][5]["password_hash"] == "***"

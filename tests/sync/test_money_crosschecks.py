"""The province cross-checks the money parts against each other (issue 10, review R), on a real server
process over SQLite and PostgreSQL.

- A receipt issued or cancelled in a day its desk has already closed at the province is a conflict, kept
  for a person and never applied (the close the desk signed stays whole); a replay of a receipt already
  held is still answered as before.
- A close whose figures the province's receipts do not make is kept as signed, but `provincial-server
  closes` flags the mismatch, naming each figure (text and JSON).
- A desk whose receipt was refused (a number the province never granted it) and whose close counts that
  receipt anyway: the province sees the mismatch and the refused receipt operation beside it.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import select

from counter_app.domain.operations import OpType
from counter_app.services.accounts import create_account
from counter_app.services.clock import office_today
from counter_app.services.credentials import load_token
from counter_app.services.day_close import close_day, day_summary
from counter_app.services.receipts import cancel_receipt, collect_fee
from counter_app.storage.database import Database
from counter_app.storage.models import OutboxOp
from sync.client.enrollment import enroll
from sync.client.runner import SyncRunner
from sync.protocol import API_PREFIX
from sync.server.admin import allocate_next_range
from sync.server.models import Receipt
from tests.conftest import UNIT_CODE, open_counter
from tests.support.receipts import BOOK, FEE_VND, fee_dossier, grant_receipt_range
from tests.sync.harness import ROOT, ServerProcess, backend_url
from tests.sync.invariants import open_server_db
from tests.sync.payloads import wire
from tests.sync.test_issue9_hostile import VIETNAMESE, honest_assist

# Every "today" this module reads (its own and the services') is one day: office midnight may pass while it
# runs (tests/conftest.py, stopped_clock).
pytestmark = pytest.mark.usefixtures("stopped_clock")

SUPERVISOR = "giamsat"
_seqs = iter(range(1, 10_000))


@dataclass
class Desk:
    db: Database
    data_dir: Path
    device_id: str

    def sync(self) -> None:
        report = SyncRunner(self.db, self.data_dir, base_delay=0.01, max_delay=0.1).run_once()
        assert report.ok, report

    def sent(self, op_type: OpType) -> list[dict[str, Any]]:
        with self.db.read() as session:
            return [json.loads(text) for text in session.scalars(
                select(OutboxOp.payload).where(OutboxOp.op_type == op_type.value).order_by(OutboxOp.seq))]


@dataclass
class Rig:
    server: ServerProcess
    root: Path


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.slow)])
def rig(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    with ServerProcess(backend_url(request, tmp_path_factory)) as server:
        server.admin("create-unit", "--code", UNIT_CODE, "--name", "UBND phường Hải Châu")
        server.admin("import-catalog", str(ROOT / "resources" / "catalog" / "sample-catalog.json"))
        yield Rig(server, tmp_path_factory.mktemp("desks"))


def _desk(rig: Rig, name: str, slot: int) -> Desk:
    db = open_counter(rig.root / name, desk=slot)
    device_id = enroll(db, rig.server.url, rig.server.enrollment_code(UNIT_CODE)).device_id
    create_account(db, username=SUPERVISOR, full_name="Lê Văn Giám", role="supervisor", password="matkhau-gs1",
                   by=None)
    return Desk(db, rig.root / name, device_id)


def _grant(rig: Rig, desk: Desk, count: int) -> None:
    db = open_server_db(rig.server.database_url)
    try:
        with db.session() as s:
            allocate_next_range(s, desk.device_id, BOOK.series, count, datetime.now(UTC))
    finally:
        db.dispose()


def _server_receipts(rig: Rig) -> list[tuple[Any, ...]]:
    db = open_server_db(rig.server.database_url)
    try:
        with db.session() as s:
            return sorted((r.id, r.number, r.status, r.day) for r in s.scalars(select(Receipt)))
    finally:
        db.dispose()


def _push_between_honest(rig: Rig, desk: Desk, op_type: OpType, payload: dict[str, Any]) -> dict[str, Any]:
    """`payload` pushed by `desk` between two honest operations, which are accepted; its answer."""
    ops = [wire(next(_seqs), OpType.ASSIST_LOG, honest_assist()), wire(next(_seqs), op_type, payload),
           wire(next(_seqs), OpType.ASSIST_LOG, honest_assist())]
    response = requests.post(f"{rig.server.url}{API_PREFIX}/sync/push", timeout=60,
                             headers={"Authorization": f"Bearer {load_token(desk.device_id)}"},
                             json={"batch_id": str(uuid.uuid4()), "device_epoch": "forged-crosschecks",
                                   "ops": ops})
    assert response.status_code == 200, response.text[:500]
    results = {r["op_id"]: r for r in response.json()["results"]}
    assert [results[op["op_id"]]["status"] for op in (ops[0], ops[2])] == ["accepted", "accepted"]
    return results[ops[1]["op_id"]]


def _closes(rig: Rig, desk: Desk) -> list[dict[str, Any]]:
    rows = json.loads(rig.server.admin("closes", "--unit", UNIT_CODE, "--json"))
    return [row for row in rows if row["device_id"] == desk.device_id]


@pytest.fixture(scope="module")
def closed(rig: Rig) -> Iterator[Desk]:
    """Desk 1 collected two fees today (cash, transfer), cancelled one more, and closed the day: all synced."""
    desk = _desk(rig, "d1", 1)
    _grant(rig, desk, 10)
    desk.sync()
    collect_fee(desk.db, fee_dossier(desk.db, clerk=SUPERVISOR), method="cash", by=SUPERVISOR)
    collect_fee(desk.db, fee_dossier(desk.db, clerk=SUPERVISOR), method="transfer", bank_reference="FT26335001",
                by=SUPERVISOR)
    wrong = collect_fee(desk.db, fee_dossier(desk.db, clerk=SUPERVISOR), method="cash", by=SUPERVISOR)
    cancel_receipt(desk.db, wrong.number_text, reason="Thu nhầm hồ sơ", supervisor=SUPERVISOR)
    today = office_today()
    close_day(desk.db, today, counted_total=day_summary(desk.db, today).cash_expected, by=SUPERVISOR)
    desk.sync()
    yield desk
    desk.db.close()


def test_an_honest_close_matches_the_receipts_the_province_holds(rig: Rig, closed: Desk) -> None:
    [close] = _closes(rig, closed)
    assert (close["expected_cash"], close["transfers_total"], close["receipts_count"],
            close["cancellations_count"]) == (FEE_VND, FEE_VND, 2, 1)
    assert close["mismatch"] == [] and close["refused_receipt_ops"] == []
    assert "KHÔNG KHỚP" not in rig.server.admin("closes", "--unit", UNIT_CODE)


def test_a_receipt_issued_or_cancelled_in_a_closed_day_is_a_conflict_and_changes_nothing(
        rig: Rig, closed: Desk) -> None:
    before = _server_receipts(rig)
    issued = closed.sent(OpType.RECEIPT_ISSUE)
    honest = issued[0]
    free = max(r["number"] for r in issued) + 1  # granted to this desk, never used
    late = {**honest, "id": str(uuid.uuid4()), "number": free}
    answer = _push_between_honest(rig, closed, OpType.RECEIPT_ISSUE, late)
    assert (answer["status"], answer["code"]) == ("conflict", "receipt_in_closed_day"), answer
    assert "đã khóa sổ" in answer["message"] and VIETNAMESE.search(answer["message"])

    cancel = {"id": honest["id"], "form_number": honest["form_number"], "symbol": honest["symbol"],
              "number": honest["number"], "at": datetime.now(UTC).isoformat(), "reason": "Hủy sau khóa sổ",
              "supervisor": SUPERVISOR, "supervisor_name": "Lê Văn Giám"}
    answer = _push_between_honest(rig, closed, OpType.RECEIPT_CANCEL, cancel)
    assert (answer["status"], answer["code"]) == ("conflict", "receipt_in_closed_day"), answer

    # the day of a receipt is the office date it was collected on: moving it to an open day is refused
    yesterday = (office_today() - timedelta(days=1)).isoformat()
    answer = _push_between_honest(rig, closed, OpType.RECEIPT_ISSUE, {**late, "day": yesterday})
    assert (answer["status"], answer["code"]) == ("rejected", "bad_payload"), answer

    # a replay of a receipt the province already holds is answered as before, closed day or not
    replay = _push_between_honest(rig, closed, OpType.RECEIPT_ISSUE, honest)
    assert (replay["status"], replay["code"]) == ("accepted", "already_exists"), replay

    assert _server_receipts(rig) == before
    [close] = _closes(rig, closed)
    assert close["mismatch"] == []  # the close still matches: nothing was applied over it
    assert rig.server.stats()[UNIT_CODE]["open_conflicts"] >= 2


def test_a_close_the_receipts_do_not_make_is_kept_and_flagged_with_its_figures(rig: Rig, closed: Desk) -> None:
    [signed] = closed.sent(OpType.DAY_CLOSE)
    day = (office_today() - timedelta(days=2)).isoformat()  # no receipt of this desk on that day
    cash = signed["counted_total"]
    forged = {**signed, "id": str(uuid.uuid4()), "day": day, "expected_cash": cash, "difference": 0,
              "transfers_total": 0, "fee_total": cash, "charge_total": 0, "receipts_count": 1,
              "cancellations_count": 0}
    answer = _push_between_honest(rig, closed, OpType.DAY_CLOSE, forged)
    assert answer["status"] == "accepted", answer  # what the desk signed is kept
    [close] = [row for row in _closes(rig, closed) if row["day"] == day]
    assert {(m["figure"], m["close"], m["server"]) for m in close["mismatch"]} == {
        ("expected_cash", cash, 0), ("fee_total", cash, 0), ("receipts_count", 1, 0)}
    text = rig.server.admin("closes", "--unit", UNIT_CODE, "--day", day)
    assert "KHÔNG KHỚP" in text
    assert f"tiền mặt theo biên lai biên bản ghi {cash // 1000}.000 đồng, máy chủ có 0 đồng" in text
    assert "số biên lai biên bản ghi 1, máy chủ có 0" in text


def test_a_close_counting_a_receipt_the_province_refused_shows_the_refusal(rig: Rig) -> None:
    desk = _desk(rig, "d2", 2)
    try:
        desk.sync()
        # a tampered counter: numbers of a range the province never granted it
        grant_receipt_range(desk.db, 900_000, 900_009)
        receipt = collect_fee(desk.db, fee_dossier(desk.db, clerk=SUPERVISOR), method="cash", by=SUPERVISOR)
        today = office_today()
        close_day(desk.db, today, counted_total=FEE_VND, by=SUPERVISOR)
        desk.sync()
        [close] = _closes(rig, desk)
    finally:
        desk.db.close()
    assert close["counted_total"] == FEE_VND and close["difference"] == 0  # kept as the desk signed it
    assert {(m["figure"], m["close"], m["server"]) for m in close["mismatch"]} == {
        ("expected_cash", FEE_VND, 0), ("fee_total", FEE_VND, 0), ("receipts_count", 1, 0)}
    [refused] = close["refused_receipt_ops"]
    assert (refused["op_type"], refused["code"], refused["receipt"]) == (
        "receipt.issue", "receipt_not_granted", receipt.number_text)
    text = rig.server.admin("closes", "--unit", UNIT_CODE, "--day", today.isoformat())
    assert "KHÔNG KHỚP" in text and f"thao tác biên lai bị từ chối (seq {refused['seq']}, receipt.issue, " \
        f"{receipt.number_text})" in text

"""Receipts between real counters and a real provincial-server process (issue 10, B).

Two desks of one unit get their receipt ranges from the province, then issue 300 receipts each while the
server is down (a few cancelled and reissued); after sync the server holds all 600, no number twice, and
every gap in the book is a marked cancellation. Then desk A turns hostile: forged receipts and
cancellations pushed over HTTP with its own token are each refused alone, with a Vietnamese reason, and
the honest operations around them are accepted.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import select

from counter_app.domain.operations import OpType
from counter_app.services.accounts import create_account
from counter_app.services.credentials import load_token
from counter_app.services.receipts import ReceiptRefused, cancel_receipt, collect_fee, receipt_numbers_left
from counter_app.storage.database import Database
from counter_app.storage.models import OutboxOp, ReceiptRow
from sync.client.enrollment import enroll
from sync.client.runner import SyncRunner
from sync.protocol import API_PREFIX
from sync.server.admin import allocate_next_range
from sync.server.models import Receipt
from tests.conftest import UNIT_CODE, open_counter
from tests.support.receipts import BOOK, FEE_VND, fee_dossier
from tests.sync.harness import ROOT, ServerProcess, backend_url
from tests.sync.invariants import open_server_db
from tests.sync.payloads import wire
from tests.sync.test_issue9_hostile import OTHER_UNIT, VIETNAMESE, honest_assist

PER_DESK = 300  # the must-show, on SQLite; PostgreSQL runs the same checks on fewer (suite time)
PER_DESK_POSTGRES = 30
CANCELLED_PER_DESK = 3
SUPERVISOR = "giamsat"


@dataclass
class Desk:
    db: Database
    data_dir: Path
    device_id: str
    token: str

    def sync(self) -> bool:
        return SyncRunner(self.db, self.data_dir, base_delay=0.01).run_once().ok


@dataclass
class Rig:
    server: ServerProcess
    a: Desk
    b: Desk
    per_desk: int
    numbers: dict[str, list[int]]  # desk name -> the receipt numbers it issued
    cancelled: list[int]


def _grant(server: ServerProcess, desk: Desk, count: int) -> tuple[int, int]:
    db = open_server_db(server.database_url)
    try:
        with db.session() as s:
            return allocate_next_range(s, desk.device_id, BOOK.series, count, datetime.now(UTC))
    finally:
        db.dispose()


def _issue_offline(desk: Desk, count: int, cancel_every: int) -> tuple[list[int], list[int]]:
    """`count` receipts: one per dossier, and every `cancel_every`-th cancelled and reissued to the same
    dossier (the reissue is one of the `count`). Half by bank transfer."""
    numbers, cancelled = [], []
    while len(numbers) < count:
        code = fee_dossier(desk.db, clerk=SUPERVISOR)
        transfer = len(numbers) % 2 == 1
        receipt = collect_fee(desk.db, code, method="transfer" if transfer else "cash",
                              bank_reference=f"FT{len(numbers):08d}" if transfer else "", by=SUPERVISOR)
        numbers.append(receipt.number)
        if len(numbers) % cancel_every == 0 and len(numbers) < count:
            cancel_receipt(desk.db, receipt.number_text, reason="Ghi sai số tiền", supervisor=SUPERVISOR)
            cancelled.append(receipt.number)
            numbers.append(collect_fee(desk.db, code, method="cash", by=SUPERVISOR).number)
    return numbers, cancelled


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def rig(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    per_desk = PER_DESK if request.param == "sqlite" else PER_DESK_POSTGRES
    with ServerProcess(backend_url(request, tmp_path_factory)) as server:
        server.admin("create-unit", "--code", UNIT_CODE, "--name", "UBND phường Hải Châu")
        server.admin("create-unit", "--code", OTHER_UNIT, "--name", "UBND xã Thử")
        server.admin("import-catalog", str(ROOT / "resources" / "catalog" / "sample-catalog.json"))
        root = tmp_path_factory.mktemp("desks")
        desks = []
        for slot, name in ((1, "a"), (2, "b")):
            db = open_counter(root / name, desk=slot)
            device_id = enroll(db, server.url, server.enrollment_code(UNIT_CODE)).device_id
            desks.append(Desk(db, root / name, device_id, load_token(device_id)))
        a, b = desks
        create_account(a.db, username=SUPERVISOR, full_name="Lê Văn Giám", role="supervisor", password="matkhau-gs1",
                       by=None)
        assert a.sync() and b.sync()  # B receives A's supervisor account
        for desk in desks:
            _grant(server, desk, per_desk)
            assert desk.sync() and receipt_numbers_left(desk.db) == per_desk
        yield Rig(server, a, b, per_desk, {}, [])
        for desk in desks:
            desk.db.close()


@pytest.mark.slow
def test_two_desks_issue_300_receipts_each_offline_and_the_server_holds_all_600(rig: Rig) -> None:
    rig.server.stop()
    try:
        assert not rig.a.sync()  # offline: the server cannot be reached
        for name, desk in (("a", rig.a), ("b", rig.b)):
            rig.numbers[name], cancelled = _issue_offline(desk, rig.per_desk, cancel_every=rig.per_desk // CANCELLED_PER_DESK - 1)
            rig.cancelled += cancelled
            with pytest.raises(ReceiptRefused, match="hết số biên lai"):
                collect_fee(desk.db, fee_dossier(desk.db, clerk=SUPERVISOR), method="cash", by=SUPERVISOR)
    finally:
        rig.server.start()
    every = rig.numbers["a"] + rig.numbers["b"]
    assert len(every) == len(set(every)) == 2 * rig.per_desk  # no number twice
    assert len(rig.cancelled) == 2 * CANCELLED_PER_DESK
    assert rig.a.sync() and rig.b.sync()
    for desk in (rig.a, rig.b):
        with desk.db.read() as session:
            states = set(session.scalars(select(OutboxOp.state).where(OutboxOp.op_type.like("receipt.%"))))
        assert states == {"acked"}

    db = open_server_db(rig.server.database_url)
    try:
        with db.session() as s:
            rows = s.scalars(select(Receipt)).all()
    finally:
        db.dispose()
    assert len(rows) == 2 * rig.per_desk
    assert sorted(r.number for r in rows) == sorted(every)
    assert sorted(r.number for r in rows if r.status == "cancelled") == sorted(rig.cancelled)
    assert all(r.cancel_reason == "Ghi sai số tiền" and r.cancelled_by == SUPERVISOR for r in rows if r.status == "cancelled")
    replaced = {r.replaces_id for r in rows if r.replaces_id}
    assert replaced == {r.id for r in rows if r.status == "cancelled"}

    [book] = json.loads(rig.server.admin("receipts", "--unit", UNIT_CODE, "--json"))
    assert (book["form_number"], book["symbol"]) == (BOOK.form_number, BOOK.symbol)
    assert book["missing"] == []  # every gap in the book is a marked cancellation
    assert sorted(book["cancelled"]) == sorted(rig.cancelled)
    assert book["issued"] == 2 * (rig.per_desk - CANCELLED_PER_DESK)
    totals = rig.server.stats()[UNIT_CODE]["receipts"]
    issued = 2 * (rig.per_desk - CANCELLED_PER_DESK)
    assert (totals["issued"], totals["cancelled"]) == (issued, 2 * CANCELLED_PER_DESK)
    assert (totals["fee_vnd"], totals["charge_vnd"], totals["total_vnd"]) == (issued * FEE_VND, 0, issued * FEE_VND)
    assert totals["by_method"]["cash"] + totals["by_method"]["transfer"] == issued * FEE_VND
    assert totals["by_method"]["transfer"] > 0
    assert "đã hủy" in rig.server.admin("receipts")


# -- a hostile desk ------------------------------------------------------------------------------------

_seqs = iter(range(1, 10_000))


def _sent(desk: Desk, op_type: OpType) -> dict[str, Any]:
    with desk.db.read() as session:
        row = session.scalars(select(OutboxOp).where(OutboxOp.op_type == str(op_type))
                              .order_by(OutboxOp.seq.desc()).limit(1)).one()
        return json.loads(row.payload)


def _server_receipts(url: str) -> list[tuple[Any, ...]]:
    db = open_server_db(url)
    try:
        with db.session() as s:
            return sorted((r.id, r.number, r.status, r.cancel_reason, r.device_id) for r in s.scalars(select(Receipt)))
    finally:
        db.dispose()


def _push_forged(rig: Rig, op_type: OpType, forged: dict[str, Any]) -> dict[str, Any]:
    """`forged` pushed by desk A between two honest operations: those are accepted, the forged one is
    refused with a Vietnamese reason and changes no receipt on the server."""
    before = _server_receipts(rig.server.database_url)
    ops = [wire(next(_seqs), OpType.ASSIST_LOG, honest_assist()), wire(next(_seqs), op_type, forged),
           wire(next(_seqs), OpType.ASSIST_LOG, honest_assist())]
    body = {"batch_id": str(uuid.uuid4()), "device_epoch": "hostile-receipts", "ops": ops}
    response = requests.post(f"{rig.server.url}{API_PREFIX}/sync/push", json=body,
                             headers={"Authorization": f"Bearer {rig.a.token}"}, timeout=60)
    assert response.status_code == 200, response.text[:500]
    results = {r["op_id"]: r for r in response.json()["results"]}
    assert [results[op["op_id"]]["status"] for op in (ops[0], ops[2])] == ["accepted", "accepted"]
    assert _server_receipts(rig.server.database_url) == before
    answer = results[ops[1]["op_id"]]
    assert answer["status"] == "rejected", answer
    assert VIETNAMESE.search(answer["message"]), answer
    return answer


@pytest.fixture(scope="module")
def honest(rig: Rig) -> tuple[dict[str, Any], dict[str, Any]]:
    """One receipt of A still valid, and one of B, both on the server: the forgeries start from them."""
    _grant(rig.server, rig.a, 5)
    _grant(rig.server, rig.b, 5)
    assert rig.a.sync() and rig.b.sync()
    collect_fee(rig.a.db, fee_dossier(rig.a.db, clerk=SUPERVISOR), method="cash", by=SUPERVISOR)
    collect_fee(rig.b.db, fee_dossier(rig.b.db, clerk=SUPERVISOR), method="cash", by=SUPERVISOR)
    assert rig.a.sync() and rig.b.sync()
    return _sent(rig.a, OpType.RECEIPT_ISSUE), _sent(rig.b, OpType.RECEIPT_ISSUE)


def _new_id(payload: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**payload, "id": str(uuid.uuid4()), **changes}


def test_a_number_outside_the_desks_own_ranges_is_refused(rig: Rig, honest) -> None:
    mine, theirs = honest
    assert _push_forged(rig, OpType.RECEIPT_ISSUE, _new_id(mine, number=theirs["number"] + 1))["code"] == \
        "receipt_not_granted"
    other_book = _new_id(mine, symbol="AB-26P")
    assert _push_forged(rig, OpType.RECEIPT_ISSUE, other_book)["code"] == "receipt_not_granted"


def test_a_number_already_used_is_refused(rig: Rig, honest) -> None:
    mine, _ = honest
    assert _push_forged(rig, OpType.RECEIPT_ISSUE, _new_id(mine))["code"] == "duplicate_receipt_number"


def test_totals_that_do_not_add_up_are_refused(rig: Rig, honest) -> None:
    mine, _ = honest
    free_number = mine["number"] + 1  # granted to A, not used yet
    for forged in (_new_id(mine, number=free_number, total_vnd=mine["total_vnd"] + 1),
                   _new_id(mine, number=free_number, fee_vnd=1, total_vnd=1),
                   _new_id(mine, number=free_number, items=[{**mine["items"][0], "amount_vnd": 1.5}]),
                   _new_id(mine, number=free_number, total_vnd=10**13, fee_vnd=10**13),
                   _new_id(mine, number=free_number, method="transfer", bank_reference=""),
                   _new_id(mine, number=free_number, form_number="01GTKT0-001")):
        assert _push_forged(rig, OpType.RECEIPT_ISSUE, forged)["code"] == "bad_payload"


def test_a_receipt_for_another_units_dossier_is_refused(rig: Rig, honest) -> None:
    mine, _ = honest
    code = OTHER_UNIT + mine["dossier_code"][len(UNIT_CODE):]
    assert _push_forged(rig, OpType.RECEIPT_ISSUE, _new_id(mine, number=mine["number"] + 1, dossier_code=code))[
        "code"] == "wrong_unit"


def _cancel_of(receipt: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {"id": receipt["id"], "form_number": receipt["form_number"], "symbol": receipt["symbol"],
            "number": receipt["number"], "at": datetime.now(UTC).isoformat(), "reason": "Hủy giả mạo",
            "supervisor": SUPERVISOR, "supervisor_name": "Lê Văn Giám", **changes}


def test_cancelling_another_desks_receipt_or_without_a_supervisor_is_refused(rig: Rig, honest) -> None:
    mine, theirs = honest
    assert _push_forged(rig, OpType.RECEIPT_CANCEL, _cancel_of(theirs))["code"] == "unknown_receipt"
    assert _push_forged(rig, OpType.RECEIPT_CANCEL, _cancel_of(mine, supervisor="nguoila"))["code"] == "not_supervisor"
    assert _push_forged(rig, OpType.RECEIPT_CANCEL, _cancel_of(mine, reason="  "))["code"] == "bad_payload"
    assert _push_forged(rig, OpType.RECEIPT_CANCEL, _cancel_of(mine, number=mine["number"] + 1))["code"] == \
        "unknown_receipt"


def test_after_the_forgeries_the_desk_still_syncs_its_own_receipts(rig: Rig, honest) -> None:
    receipt = collect_fee(rig.a.db, fee_dossier(rig.a.db, clerk=SUPERVISOR), method="cash", by=SUPERVISOR)
    cancel_receipt(rig.a.db, receipt.number_text, reason="Thu nhầm", supervisor=SUPERVISOR)
    assert rig.a.sync()
    with rig.a.db.read() as session:
        assert set(session.scalars(select(OutboxOp.state).where(OutboxOp.op_type.like("receipt.%")))) == {"acked"}
        assert session.scalar(select(ReceiptRow.status).where(ReceiptRow.id == receipt.id)) == "cancelled"
    assert (receipt.id, receipt.number, "cancelled", "Thu nhầm", rig.a.device_id) in _server_receipts(
        rig.server.database_url)

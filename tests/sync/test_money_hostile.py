"""Hostile input on the money operations and the audit envelope, against a real server process (issue 10,
review R), on SQLite and PostgreSQL.

- Forged fee.request, receipt.issue, receipt.cancel and day.close, and audit envelopes that are huge,
  malformed, lie about their hash or seq, or claim another device, all in one batch between honest
  operations: each is refused or marked alone, the honest ones are accepted, and the real counter's next
  sync goes through with its own chain intact on the server.
- The worst request a device can send with audit envelopes (the whole inflated-body limit filled with
  before/after text the server must decode, check and hash) leaves the server's memory within the bound
  the other hostile tests use.
- Two server processes racing to store one receipt number (a counter and its restored clone, each under
  its own epoch, released together by a barrier): exactly one receipt is kept, the other is refused.
"""

from __future__ import annotations

import gzip
import json
import random
import string
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
from sqlalchemy import select

from counter_app.domain.audit import AuditRecord, sealed
from counter_app.domain.operations import OpType
from counter_app.services.accounts import create_account
from counter_app.services.credentials import load_token
from counter_app.services.receipts import collect_fee
from counter_app.storage.models import AuditLogRow, OutboxOp
from sync.client.enrollment import enroll
from sync.protocol import API_PREFIX, MAX_AUDIT_JSON_CHARS, Limits
from sync.server.admin import allocate_next_range
from sync.server.guard_admission import ENV_GUARD_SETTINGS
from sync.server.models import AuditEntry, Receipt
from tests.conftest import UNIT_CODE, open_counter
from tests.support.receipts import BOOK, fee_dossier
from tests.sync.harness import ROOT, ServerProcess, backend_url
from tests.sync.hostile import memory_kb
from tests.sync.invariants import open_server_db
from tests.sync.payloads import wire
from tests.sync.test_issue9_hostile import VIETNAMESE, honest_assist
from tests.sync.test_money_crosschecks import Desk

SUPERVISOR = "giamsat"
FAR = 10**12  # seqs no honest counter reaches: forged rows there cannot meet the desk's own rows
PUSH = f"{API_PREFIX}/sync/push"


@dataclass
class Rig:
    server: ServerProcess
    desk: Desk
    later_device: str  # another desk of the unit, enrolled after `desk`


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.slow)])
def rig(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    # No per-device byte budget: every large body is read and parsed (the worst case for memory).
    with pytest.MonkeyPatch.context() as env:
        env.setenv(ENV_GUARD_SETTINGS, json.dumps({"device_body_bytes_burst": 10**12}))
        server = ServerProcess(backend_url(request, tmp_path_factory)).start()
    try:
        server.admin("create-unit", "--code", UNIT_CODE, "--name", "UBND phường Hải Châu")
        server.admin("import-catalog", str(ROOT / "resources" / "catalog" / "sample-catalog.json"))
        root = tmp_path_factory.mktemp("desks")
        db = open_counter(root / "d1", desk=1)
        device_id = enroll(db, server.url, server.enrollment_code(UNIT_CODE)).device_id
        create_account(db, username=SUPERVISOR, full_name="Lê Văn Giám", role="supervisor", password="matkhau-gs1",
                       by=None)
        desk = Desk(db, root / "d1", device_id)
        _grant(server, device_id, 200)
        desk.sync()
        collect_fee(db, fee_dossier(db, clerk=SUPERVISOR), method="cash", by=SUPERVISOR)
        desk.sync()
        other = open_counter(root / "d2", desk=2)
        later = enroll(other, server.url, server.enrollment_code(UNIT_CODE)).device_id
        other.close()
        yield Rig(server, desk, later)
        db.close()
    finally:
        server.stop()


def _grant(server: ServerProcess, device_id: str, count: int) -> tuple[int, int]:
    db = open_server_db(server.database_url)
    try:
        with db.session() as s:
            return allocate_next_range(s, device_id, BOOK.series, count, datetime.now(UTC))
    finally:
        db.dispose()


def _audit_rows(rig: Rig) -> list[tuple[int, str, str, int, str]]:
    """(seq, state, problem, length of before, epoch) of the desk's audit rows on the server, by seq."""
    db = open_server_db(rig.server.database_url)
    try:
        with db.session() as s:
            return [(row.seq, row.state, row.problem, len(row.before or ""), row.device_epoch) for row in s.scalars(
                select(AuditEntry).where(AuditEntry.device_id == rig.desk.device_id)
                .order_by(AuditEntry.seq, AuditEntry.id))]
    finally:
        db.dispose()


def _push(rig: Rig, ops: list[dict[str, Any]], epoch: str = "hostile-money") -> list[dict[str, Any]]:
    response = requests.post(f"{rig.server.url}{PUSH}", timeout=120,
                             headers={"Authorization": f"Bearer {load_token(rig.desk.device_id)}"},
                             json={"batch_id": str(uuid.uuid4()), "device_epoch": epoch, "ops": ops})
    assert response.status_code == 200, response.text[:500]
    return response.json()["results"]


_seqs = iter(range(1, 100_000))


def _with_audit(op_type: OpType, payload: dict[str, Any], audit: object) -> dict[str, Any]:
    return {**wire(next(_seqs), op_type, payload), "audit": audit}


def _record(seq: int, device: str, prev_hash: str, **fields: Any) -> AuditRecord:
    return sealed(AuditRecord(**{"seq": seq, "at": datetime.now(UTC).isoformat(), "device": device,
                                 "clerk_name": "Ai Đó", "clerk_username": "aido", "action": "assist.log",
                                 "subject": "x", "before": None, "after": "{}", "prev_hash": prev_hash, **fields}))


def _envelope(record: AuditRecord, **lies: Any) -> dict[str, Any]:
    return {**record.fields(), "hash": record.hash, **lies}


def test_forged_money_operations_and_audit_envelopes_are_refused_or_marked_alone(rig: Rig) -> None:
    receipt = rig.desk.sent(OpType.RECEIPT_ISSUE)[-1]
    device = rig.desk.device_id
    lying_hash = _envelope(_record(FAR, device, "1" * 64), hash="0" * 64)
    impostor = _envelope(_record(FAR + 5, rig.later_device, "2" * 64))
    lying_seq = _envelope(_record(FAR + 10, device, "3" * 64))
    lying_first = _envelope(_record(1, device, "4" * 64))  # row 1 must chain from the genesis of its device
    huge = _envelope(_record(FAR + 20, device, "5" * 64, before="a" * (MAX_AUDIT_JSON_CHARS + 1)))
    forged = [
        wire(next(_seqs), OpType.FEE_REQUEST, {
            "id": str(uuid.uuid4()), "code": receipt["dossier_code"], "at": datetime.now(UTC).isoformat(),
            "actor": "Ai Đó", "reason": "Giả mạo", "lines": [{"name": "Phí", "kind": "phí", "amount_vnd": 5_000,
                                                             "quantity": 1, "unit": "", "note": ""}],
            "fee_vnd": 5_000, "charge_vnd": 0}),  # the dossier is not waiting for a fee (status 2)
        wire(next(_seqs), OpType.RECEIPT_ISSUE, {**receipt, "id": str(uuid.uuid4()), "number": 9_000_000}),
        wire(next(_seqs), OpType.RECEIPT_CANCEL, {
            "id": str(uuid.uuid4()), "form_number": receipt["form_number"], "symbol": receipt["symbol"],
            "number": receipt["number"], "at": datetime.now(UTC).isoformat(), "reason": "Giả mạo",
            "supervisor": SUPERVISOR, "supervisor_name": "Lê Văn Giám"}),
        wire(next(_seqs), OpType.DAY_CLOSE, {
            "id": str(uuid.uuid4()), "unit_code": UNIT_CODE, "desk_slot": 1, "day": receipt["day"],
            "closed_at": datetime.now(UTC).isoformat(), "clerk": "Ai Đó", "clerk_username": "", "counted": {},
            "counted_total": 0, "expected_cash": 10_000, "transfers_total": 0, "fee_total": 10_000,
            "charge_total": 0, "receipts_count": 1, "cancellations_count": 0, "difference": 0,
            "explanation": "", "supervisor": "", "supervisor_name": ""}),  # counted − expected is not 0
        _with_audit(OpType.ASSIST_LOG, honest_assist(), lying_hash),
        _with_audit(OpType.ASSIST_LOG, honest_assist(), impostor),
        _with_audit(OpType.ASSIST_LOG, honest_assist(), lying_seq),
        _with_audit(OpType.ASSIST_LOG, honest_assist(), lying_first),
        _with_audit(OpType.ASSIST_LOG, honest_assist(), huge),
        _with_audit(OpType.ASSIST_LOG, honest_assist(), [1, 2, 3]),
        _with_audit(OpType.ASSIST_LOG, honest_assist(), {**lying_seq, "seq": "12"}),
        _with_audit(OpType.ASSIST_LOG, honest_assist(), {**lying_seq, "device": "x" * 37}),
    ]
    ops = [wire(next(_seqs), OpType.ASSIST_LOG, honest_assist()), *forged,
           wire(next(_seqs), OpType.ASSIST_LOG, honest_assist())]
    results = {r["op_id"]: r for r in _push(rig, ops)}
    answers = [(results[op["op_id"]]["status"], results[op["op_id"]]["code"]) for op in ops]
    assert answers == [
        ("accepted", ""),
        ("rejected", "bad_step"), ("rejected", "receipt_not_granted"), ("rejected", "unknown_receipt"),
        ("rejected", "bad_payload"),
        *[("accepted", "")] * 8,  # a damaged audit row never costs its operation the answer
        ("accepted", ""),
    ], answers
    assert all(VIETNAMESE.search(results[op["op_id"]]["message"]) for op in forged[:4])

    rows = _audit_rows(rig)
    forged_rows = {seq: (state, problem) for seq, state, problem, _, epoch in rows if epoch == "hostile-money"}
    assert forged_rows[FAR][0] == "break" and "mã băm" in forged_rows[FAR][1]
    assert forged_rows[FAR + 5][0] == "break" and rig.later_device in forged_rows[FAR + 5][1]
    assert forged_rows[FAR + 10][0] == "waiting"  # its predecessor never comes: never part of the chain
    assert forged_rows[1][0] == "break"  # row 1 that does not chain from the genesis of its device
    assert sorted(forged_rows) == [1, FAR, FAR + 5, FAR + 10]  # the huge and malformed ones were not kept
    assert max(length for _, _, _, length, _ in rows) <= MAX_AUDIT_JSON_CHARS

    # The real counter goes on: a new receipt syncs, and its chain on the server is whole, row by row.
    collect_fee(rig.desk.db, fee_dossier(rig.desk.db, clerk=SUPERVISOR), method="cash", by=SUPERVISOR)
    rig.desk.sync()
    with rig.desk.db.read() as session:
        assert set(session.scalars(select(OutboxOp.state))) == {"acked"}
        own = list(session.scalars(select(AuditLogRow.seq).order_by(AuditLogRow.seq)))
    kept = [(seq, state) for seq, state, _, _, epoch in _audit_rows(rig) if epoch != "hostile-money"]
    assert kept == [(seq, "ok") for seq in own]


def _worst_audit_body(device: str) -> bytes:
    """A gzip push whose inflated JSON fills the server's limit with audit text: random letters (so the
    inflate ratio holds) with one character outside the BMP in each string, which makes Python keep
    every character of it in 4 bytes."""
    limit = Limits().max_inflated_bytes
    rows = 4
    per_text = min(MAX_AUDIT_JSON_CHARS, (limit - 60_000) // (2 * rows))
    letters = random.Random(7).choices(string.ascii_letters, k=per_text - 1)
    text = "".join(letters) + "😀"
    ops = []
    for n in range(rows):
        record = _record(FAR + 1000 + n, device, "6" * 64, before=text, after=text)
        ops.append(_with_audit(OpType.ASSIST_LOG, honest_assist(), _envelope(record)))
    body = json.dumps({"batch_id": str(uuid.uuid4()), "device_epoch": "hostile-money", "ops": ops},
                      ensure_ascii=False).encode()
    assert limit - 100_000 < len(body) <= limit
    return gzip.compress(body, compresslevel=1)


@pytest.mark.slow
def test_the_worst_gzip_request_of_audit_rows_leaves_the_server_memory_bounded(rig: Rig) -> None:
    body = _worst_audit_body(rig.desk.device_id)
    pid = rig.server.process.pid  # type: ignore[union-attr]
    before = memory_kb(pid)["VmRSS"]
    headers = {"Authorization": f"Bearer {load_token(rig.desk.device_id)}", "Content-Encoding": "gzip",
               "Content-Type": "application/json"}
    answers: list[requests.Response] = []

    def send() -> None:
        for _ in range(2):
            answers.append(requests.post(f"{rig.server.url}{PUSH}", data=body, headers=headers, timeout=300))

    senders = [threading.Thread(target=send) for _ in range(3)]
    for thread in senders:
        thread.start()
    for thread in senders:
        thread.join(timeout=600)
    peak = memory_kb(pid)["VmHWM"]
    assert [a.status_code for a in answers] == [200] * 6, [a.text[:200] for a in answers]
    assert all(r["status"] in ("accepted", "duplicate") for a in answers for r in a.json()["results"])
    rise_mb = (peak - before) / 1024
    print(json.dumps({"wire_bytes": len(body), "server_peak_rise_mb": round(rise_mb, 1)}))
    assert rise_mb < 100, f"the server's peak memory rose by {rise_mb:.0f} MB on audit-heavy pushes"


def test_two_server_processes_racing_for_one_receipt_number_keep_exactly_one(rig: Rig) -> None:
    """A counter and its restored clone issue the same numbers and push at once, each under its own epoch
    (so no device lock orders them), each to its own server process on the same database."""
    first, last = _grant(rig.server, rig.desk.device_id, 12)
    template = rig.desk.sent(OpType.RECEIPT_ISSUE)[-1]
    token = load_token(rig.desk.device_id)
    with ServerProcess(rig.server.database_url) as twin:
        answers: dict[int, list[dict[str, Any]]] = {}
        for number in range(first, last + 1):
            start = threading.Barrier(2)

            def push(url: str, epoch: str, number: int = number, start: threading.Barrier = start) -> None:
                op = wire(number, OpType.RECEIPT_ISSUE, {**template, "id": str(uuid.uuid4()), "number": number})
                body = {"batch_id": str(uuid.uuid4()), "device_epoch": epoch, "ops": [op]}
                start.wait(timeout=60)
                response = requests.post(f"{url}{PUSH}", json=body, timeout=120,
                                         headers={"Authorization": f"Bearer {token}"})
                assert response.status_code == 200, response.text[:300]
                answers.setdefault(number, []).append(response.json()["results"][0])

            threads = [threading.Thread(target=push, args=(rig.server.url, "clone-original")),
                       threading.Thread(target=push, args=(twin.url, "clone-restored"))]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=120)
    for number, pair in answers.items():
        assert sorted((a["status"], a["code"]) for a in pair) == [
            ("accepted", ""), ("rejected", "duplicate_receipt_number")], (number, pair)
    db = open_server_db(rig.server.database_url)
    try:
        with db.session() as s:
            kept = list(s.scalars(select(Receipt.number).where(Receipt.number.between(first, last))))
    finally:
        db.dispose()
    assert sorted(kept) == list(range(first, last + 1))

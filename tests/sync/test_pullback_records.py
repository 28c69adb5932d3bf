"""The pull-back brings back a restored counter's receipts and lifecycle records, not only its dossiers (issue 12, C2).

A receipt collected after the backup, another cancelled and collected again, a supplement asked and
answered: after `counter-app restore` and one sync, the dossier is paid again on the counter, its receipts
print, their numbers are never issued again, and the supplement is on record. Real parts: a
`provincial-server` process (SQLite and PostgreSQL), the counter's files, the CLI's restore, the real sync.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import select

from counter_app.cli import main
from counter_app.domain.calendar import WorkCalendar
from counter_app.domain.dossier import OFFICE_TZ, DocumentLine
from counter_app.domain.errors import DomainError
from counter_app.domain.lifecycle import Status
from counter_app.domain.postal_codes import ITEM_SERIES, parse_item_code
from counter_app.domain.receipts import Receipt, ReceiptStatus
from counter_app.domain.restore import PullBackPendingError
from counter_app.domain.returns import ShipmentState
from counter_app.services.accounts import create_account
from counter_app.services.clock import office_today
from counter_app.services.day_close import close_day, closed_days
from counter_app.services.dossiers import change_status, get_dossier
from counter_app.services.fees import fees_due
from counter_app.services.guidance import GuidanceRequest, guidance_on, record_guidance
from counter_app.services.intake import PersonInput
from counter_app.services.lifecycle import (
    apologies,
    apologise,
    record_supplied,
    request_supplement,
    supplement_requests,
)
from counter_app.services.receipts import cancel_receipt, collect_fee, receipt_pdf, receipts_of
from counter_app.services.returns import return_by_post, returns_of, set_shipment_state
from counter_app.storage.database import Database
from counter_app.storage.models import DossierRow
from counter_app.storage.sync_store import get_state
from sync.client.pullback import BAD_PAGE
from sync.client.runner import SyncRunner
from sync.client.transport import Transport
from sync.protocol import API_PREFIX
from sync.server.admin import allocate_next_range
from sync.server.models import Conflict, OpLedger
from sync.server.models import ResultReturn as ServerReturn
from tests.conftest import HAI_CHAU_WARD
from tests.support.receipts import BOOK, FEE_VND, fee_dossier
from tests.support.returns import result_ready_dossier
from tests.sync.test_hostile_http import vietnamese
from tests.sync.test_restore import ServerSide, enrolled_counter, local_dossiers, server, sync  # noqa: F401 (fixture)

# Every "today" this module reads (its own and the services') is one day: office midnight may pass while it
# runs (tests/conftest.py, stopped_clock).
pytestmark = pytest.mark.usefixtures("stopped_clock")

SUPERVISOR = "giamsat"
POST = {"recipient": "Trần Thị Bình", "phone": "0905123456", "ward_code": HAI_CHAU_WARD, "street": "12 Lê Lợi",
        "postage": 25000, "payer": "agency"}



def working_day_after(due: datetime, *, days: int) -> datetime:
    """At least `days` after `due`, on a working day, at the same office time: a date the apology accepts
    whatever today is (3 days after a Wednesday is a Saturday)."""
    office = due.astimezone(OFFICE_TZ)
    day = WorkCalendar().next_working_day(office.date() + timedelta(days=days - 1))
    return datetime.combine(day, office.timetz())

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


@dataclass
class Restored:
    """A counter restored from a backup taken before `paid` was received, paid (one receipt cancelled and
    collected again) and sent through a supplement; the province holds all of it."""

    db: Database
    data_dir: Path
    early: str
    paid: str
    first: Receipt
    wrong: Receipt
    right: Receipt
    guidance: str  # the reference of a guidance slip given after the backup


def restored_counter(server: ServerSide, tmp_path: Path) -> Restored:  # noqa: F811
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
    apologise(db, paid, reason="Cơ quan chuyên môn cần xác minh thêm", by=SUPERVISOR,
              new_due_at=working_day_after(get_dossier(db, paid).due_at, days=3))
    guidance = record_guidance(db, GuidanceRequest(procedure_code="1.001193", reason="Tờ khai chưa ký", missing=[],
                                                   applicant=PersonInput(full_name="Đặng Thu Thảo", street="3 Hùng Vương", phone="0905111222"),
                                                   clerk_username=SUPERVISOR))
    close_day(db, office_today() - timedelta(days=1), counted_total=0, by=SUPERVISOR)
    sync(db, data_dir)
    db.close()

    assert main(["--data-dir", str(data_dir), "restore", str(backup)]) == 0
    db = Database.open(data_dir)
    assert [r.number for r in receipts_of(db, early)] == [first.number]
    with db.read() as session:
        assert session.scalar(select(DossierRow.pk).where(DossierRow.code == paid)) is None
    return Restored(db, data_dir, early, paid, first, wrong, right, guidance.reference)


@pytest.mark.slow
def test_receipts_and_records_come_back_after_a_restore(server: ServerSide, tmp_path: Path) -> None:  # noqa: F811
    restored = restored_counter(server, tmp_path)
    db, data_dir, paid, wrong, right = restored.db, restored.data_dir, restored.paid, restored.wrong, restored.right
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
    assert [g.reference for g in guidance_on(db, office_today())] == [restored.guidance]
    assert [c.day for c in closed_days(db)] == [office_today() - timedelta(days=1)]
    assert [(a.reason, a.new_due_at) for a in apologies(db, paid)] == [
        ("Cơ quan chuyên môn cần xác minh thêm", get_dossier(db, paid).due_at)]
    supplements = supplement_requests(db, paid)
    assert [(s.reason, [m.name for m in s.missing], s.supplied_at is not None) for s in supplements] == [
        ("Thiếu bản sao giấy khai sinh", ["Bản sao giấy khai sinh"], True)]

    again = sync(db, data_dir)  # a second pull-back would change nothing; none runs
    assert again.pulled_back == 0
    later = fee_dossier(db, "Phạm Minh Tuấn", clerk=SUPERVISOR)
    assert _owed(db, later) == FEE_VND
    fresh = collect_fee(db, later, method="cash", by=SUPERVISOR)
    assert fresh.number == right.number + 1  # never a number the province already holds
    slip = record_guidance(db, GuidanceRequest(procedure_code="1.001193", reason="Thiếu ảnh", missing=[],
                                               applicant=PersonInput(full_name="Bùi Thị Mai", street="5 Lê Duẩn", phone="0905333444"),
                                               clerk_username=SUPERVISOR))
    assert slip.reference == restored.guidance[:-3] + "002"  # the next slip of the day, not the lost one's number
    with pytest.raises(DomainError):
        close_day(db, office_today() - timedelta(days=1), counted_total=0, by=SUPERVISOR)  # closed already
    sync(db, data_dir)
    admin = server.db()
    try:
        with admin.session() as s:
            assert s.scalars(select(Conflict)).all() == []
            assert s.scalars(select(OpLedger.op_type).where(OpLedger.status != "accepted")).all() == []
    finally:
        admin.dispose()
    db.close()


# -- a hostile province: real HTTP in front of the real server, the pull-back pages tampered ------------

PULLBACK_PATH = f"{API_PREFIX}/sync/pullback"
Tamper = Callable[[dict[str, Any]], None]


class TamperingFront:
    """A real HTTP server on 127.0.0.1 relaying every request to the real server, except that the body of
    each pull-back page goes through `tamper` first (a province that lies, or a man in the middle)."""

    def __init__(self, upstream: str) -> None:
        self.tamper: Tamper = lambda page: None
        front = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: object) -> None:
                pass

            def _relay(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() not in ("host", "content-length", "accept-encoding", "connection")}
                answer = requests.request(self.command, upstream + self.path, data=body, headers=headers, timeout=30)
                content = answer.content
                if self.command == "GET" and self.path.startswith(PULLBACK_PATH) and answer.status_code == 200:
                    page = json.loads(content)
                    front.tamper(page)
                    content = json.dumps(page).encode()
                self.send_response(answer.status_code)
                for name, value in answer.headers.items():
                    if name.lower() not in ("content-length", "content-encoding", "transfer-encoding", "connection"):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            do_GET = do_POST = do_PATCH = do_PUT = do_HEAD = _relay

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self) -> TamperingFront:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _records(page: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [r for d in page["dossiers"] for r in d["records"] if r["kind"] == kind]


def _cancelled(page: dict[str, Any]) -> dict[str, Any]:
    return next(r for r in _records(page, "receipt") if r["status"] == "cancelled")


def _uncounted(page: dict[str, Any]) -> None:
    _records(page, "receipt")[0]["data"]["total_vnd"] += 1_000_000  # the lines no longer add up


def _elsewhere(page: dict[str, Any]) -> None:
    receipt = next(r for d in page["dossiers"] if d["records"] for r in d["records"] if r["kind"] == "receipt")
    receipt["data"]["dossier_code"] = receipt["data"]["dossier_code"][:-4] + "9999"  # a record of another dossier


def _unknown_kind(page: dict[str, Any]) -> None:
    page["dossiers"][0]["records"].append({"kind": "ghost", "data": {}})


def _cancel_without_time(page: dict[str, Any]) -> None:
    _cancelled(page)["cancelled_at"] = None


def _other_unit(page: dict[str, Any]) -> None:
    page["dossiers"][-1]["data"]["unit_code"] = "000.00.00.H99"


def _bad_step(page: dict[str, Any]) -> None:
    page["dossiers"][-1]["events"].append({"from_status": 4, "to_status": 42, "at": "hôm qua", "actor": "", "note": ""})


def _day_close_figures(page: dict[str, Any]) -> None:
    if page.get("kind") == "day_close":  # the dossier pages pass untouched
        page["records"][0]["data"]["counted_total"] += 500_000  # the cash no longer matches the difference


def _guidance_elsewhere(page: dict[str, Any]) -> None:
    if page.get("kind") == "guidance":
        page["records"][0]["data"]["unit_code"] = "000.00.00.H99"


DOSSIER_TAMPERS = (_uncounted, _elsewhere, _unknown_kind, _cancel_without_time, _other_unit, _bad_step)
DESK_TAMPERS = (_day_close_figures, _guidance_elsewhere)


@pytest.mark.slow
def test_a_province_sending_bad_pullback_pages_is_refused_and_the_counter_stays_pending(
        server: ServerSide, tmp_path: Path) -> None:  # noqa: F811
    restored = restored_counter(server, tmp_path)
    db = restored.db
    before = local_dossiers(db)
    with TamperingFront(server.process.url) as front:
        for tamper in DOSSIER_TAMPERS + DESK_TAMPERS:  # the desk's pages come after every dossier page
            front.tamper = tamper
            report = SyncRunner(db, restored.data_dir, max_attempts=1,
                                transport_factory=lambda _url, token: Transport(front.url, token)).run_once()
            assert not report.ok, tamper.__name__
            assert report.errors == [BAD_PAGE], tamper.__name__
            assert vietnamese(report.errors[0])
            if tamper in DOSSIER_TAMPERS:
                assert local_dossiers(db) == before, tamper.__name__  # the page was not stored, not even in part
                assert receipts_of(db, restored.paid) == []
            assert guidance_on(db, office_today()) == [], tamper.__name__
            with db.read() as session:
                assert get_state(session).pullback_pending, tamper.__name__  # type: ignore[union-attr]
            with pytest.raises(PullBackPendingError):
                fee_dossier(db, "Hoàng Văn Nam", clerk=SUPERVISOR)
    sync(db, restored.data_dir)  # the honest province: everything comes back (the dossiers came before the desk's pages)
    with db.read() as session:
        assert not get_state(session).pullback_pending  # type: ignore[union-attr]
    assert [g.reference for g in guidance_on(db, office_today())] == [restored.guidance]
    assert sorted(r.number for r in receipts_of(db, restored.paid)) == [restored.wrong.number, restored.right.number]
    db.close()


@pytest.mark.slow
def test_a_posted_result_comes_back_and_its_item_code_is_not_printed_again(
        server: ServerSide, tmp_path: Path) -> None:  # noqa: F811
    data_dir = tmp_path / "counter"
    db = enrolled_counter(server, data_dir)  # a counter without accounts
    with db.read() as session:
        device_id = get_state(session).device_id  # type: ignore[union-attr]
    admin = server.db()
    try:
        with admin.session() as s:
            allocate_next_range(s, device_id, ITEM_SERIES, 20, datetime.now(UTC))
    finally:
        admin.dispose()
    code = result_ready_dossier(db)
    sync(db, data_dir)
    db.close()
    backup = tmp_path / "quay-1.sqlite"
    assert main(["--data-dir", str(data_dir), "backup", "--out", str(backup)]) == 0
    db = Database.open(data_dir)
    sent = return_by_post(db, code, **POST)
    set_shipment_state(db, sent.item_code or "", ShipmentState.HANDED)
    set_shipment_state(db, sent.item_code or "", ShipmentState.DELIVERED)
    sync(db, data_dir)
    db.close()

    assert main(["--data-dir", str(data_dir), "restore", str(backup)]) == 0
    db = Database.open(data_dir)
    assert returns_of(db, code) == []
    sync(db, data_dir)

    [back] = returns_of(db, code)
    assert (back.id, back.item_code, back.receiver_name, back.postage) == (sent.id, sent.item_code, "Trần Thị Bình", 25000)
    assert back.shipment_state is ShipmentState.DELIVERED
    assert get_dossier(db, code).status is Status.RETURNED
    other = result_ready_dossier(db, "Võ Văn Kiệt")
    again = return_by_post(db, other, **POST)
    assert again.item_code != sent.item_code
    assert parse_item_code(again.item_code or "").serial == parse_item_code(sent.item_code or "").serial + 1
    sync(db, data_dir)
    admin = server.db()
    try:
        with admin.session() as s:
            assert s.scalars(select(OpLedger.code).where(OpLedger.status != "accepted")).all() == []
            assert len(s.scalars(select(ServerReturn)).all()) == 2
    finally:
        admin.dispose()
    db.close()

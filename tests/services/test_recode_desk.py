"""Giving a desk's dossier a new code (services/recode.py) on a real counter database, without a server:
the province's decision arrives as the notice the sync stores (storage/conflict_notices.apply_resolution_notice),
on a create the push left in conflict. What is refused changes nothing; what is done follows the dossier
(fees, search, the next code of the day). The end-to-end path with a real server is tests/sync/test_recode.py.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import zxingcpp
from pypdf import PdfReader
from sqlalchemy import select, update

from counter_app.domain.codes import parse_dossier_code
from counter_app.domain.conflicts import RECODE_NEEDED
from counter_app.domain.errors import DomainError
from counter_app.domain.formats import office_date
from counter_app.domain.lifecycle import Status
from counter_app.services.accounts import create_account
from counter_app.services.clock import utc_now
from counter_app.services.dossiers import DossierNotFound, get_dossier, search_dossiers
from counter_app.services.fees import fees_due
from counter_app.services.lifecycle import transition
from counter_app.services.receipts import collect_fee
from counter_app.services.recode import NotRecodable, recode_dossier, view_dossier
from counter_app.services.returns import return_at_desk
from counter_app.services.slips import receipt_slip_pdf
from counter_app.storage.models import (
    DeskDayCounter,
    DossierFeeRow,
    DossierRecode,
    DossierRow,
    OutboxOp,
    SyncState,
)
from tests.conftest import open_counter
from tests.printing.test_forms import barcodes, text_of
from tests.support.conflict_notices import DEVICE, decided, received
from tests.support.receipts import fee_dossier, grant_receipt_range


@pytest.fixture
def desk(tmp_path: Path):
    db = open_counter(tmp_path / "counter")
    create_account(db, username="giamsat", full_name="Lê Văn Giám", role="supervisor", password="matkhau-gs1", by=None)
    yield db
    db.close()



def snapshot(db) -> tuple:
    """Everything a refused re-code must leave as it was."""
    with db.read() as session:
        return (
            [(d.code, d.id, d.status) for d in session.scalars(select(DossierRow))],
            [(op.seq, op.state, op.result_code, op.payload) for op in session.scalars(select(OutboxOp))],
            [(c.day, c.desk_slot, c.issued) for c in session.scalars(select(DeskDayCounter))],
            session.scalars(select(DossierRecode.old_code)).all(),
            [(f.dossier_code, f.source) for f in session.scalars(select(DossierFeeRow))],
        )


def test_only_a_create_refused_on_a_duplicate_code_is_given_a_new_code(desk) -> None:
    fresh, kept_counter, status_conflict, other_device = (received(desk) for _ in range(4))
    decided(desk, kept_counter, "keep_counter")
    decided(desk, status_conflict, conflict="status_conflict")
    decided(desk, other_device, device="99999999-2222-4333-8444-555555555555")
    before = snapshot(desk)
    for code in (fresh, kept_counter, status_conflict, other_device):
        assert view_dossier(desk, code).recode_reason is None
        with pytest.raises(NotRecodable, match="không cần cấp mã mới"):
            recode_dossier(desk, code, by="giamsat")
    with pytest.raises(DossierNotFound):
        recode_dossier(desk, "000.31.48.H15-260101-1999", by="giamsat")
    with pytest.raises(DomainError):  # nobody signed in on a counter with accounts
        recode_dossier(desk, fresh)
    assert snapshot(desk) == before


def test_a_notice_naming_a_huge_code_leaves_a_bounded_message(desk) -> None:
    code = received(desk)
    decided(desk, code, dossier_code="X" * 100_000)
    message = view_dossier(desk, code).recode_reason
    assert message is not None and len(message) < 1_000 and "X" * 41 not in message


def test_papers_that_carry_the_code_for_good_refuse_a_new_code(desk) -> None:
    grant_receipt_range(desk, 1, 10)
    paid = fee_dossier(desk, clerk="giamsat")
    collect_fee(desk, paid, method="cash", by="giamsat")
    returned = received(desk, "Phạm Thị Hoa")
    for target in (Status.PROCESSING, Status.RESULT_READY):
        transition(desk, returned, target, by="giamsat")
    return_at_desk(desk, returned, receiver_name="Phạm Thị Hoa", id_number="049090001234", clerk_username="giamsat")
    for code in (paid, returned):
        decided(desk, code)
    before = snapshot(desk)
    with pytest.raises(NotRecodable, match="biên lai"):
        recode_dossier(desk, paid, by="giamsat")
    with pytest.raises(NotRecodable, match="đã trả kết quả"):
        recode_dossier(desk, returned, by="giamsat")
    assert snapshot(desk) == before


def test_an_operation_on_its_way_or_a_pending_pull_back_refuses_and_changes_nothing(desk) -> None:
    code = received(desk)
    transition(desk, code, Status.PROCESSING, by="giamsat")
    decided(desk, code)
    with desk.write() as session:
        session.execute(update(OutboxOp).where(OutboxOp.op_type == "dossier.status").values(state="in_flight"))
    before = snapshot(desk)
    with pytest.raises(NotRecodable, match="đang gửi"):
        recode_dossier(desk, code, by="giamsat")
    assert snapshot(desk) == before
    with desk.write() as session:
        session.execute(update(OutboxOp).where(OutboxOp.op_type == "dossier.status").values(state="pending"))
        session.add(SyncState(id=1, device_id=DEVICE, device_epoch="e", server_url="http://127.0.0.1:9",
                              enrolled_at=utc_now(), pullback_pending=True))
    before = snapshot(desk)
    with pytest.raises(DomainError, match="chưa lấy lại hồ sơ"):  # the database's own refusal (migration 0019)
        recode_dossier(desk, code, by="giamsat")
    assert snapshot(desk) == before


def test_the_new_code_takes_the_fees_and_the_days_next_number(desk) -> None:
    code = fee_dossier(desk, clerk="giamsat")
    owed = fees_due_of(desk, code)
    decided(desk, code)

    recoded = recode_dossier(desk, code, by="giamsat")

    assert parse_dossier_code(recoded.code).number == parse_dossier_code(code).number + 1
    assert fees_due_of(desk, recoded.code) == owed and owed[0] > 0
    assert view_dossier(desk, code).dossier.code == recoded.code == view_dossier(desk, recoded.code).dossier.code
    with desk.read() as session:
        carried = session.scalar(select(OutboxOp).where(OutboxOp.entity_id == recoded.id))
        assert carried is not None and carried.state == "pending"
        payload = json.loads(carried.payload)
        assert (payload["code"], payload["id"], payload["fees"]) == (recoded.code, recoded.id,
                                                                     json.loads(create_op_payload(desk, code)))
        assert session.scalars(select(OutboxOp.result_code).where(OutboxOp.result_code == RECODE_NEEDED)).all()
    following = received(desk, "Phạm Thị Hoa")  # the next citizen of the day: after the new code, never on it
    assert parse_dossier_code(following).number == parse_dossier_code(recoded.code).number + 1


def fees_due_of(db, code: str) -> tuple[int, int]:
    with db.read() as session:
        due = fees_due(session, code)
        return due.fee_vnd, due.charge_vnd


def create_op_payload(db, old_code: str) -> str:
    with db.read() as session:
        given = session.get(DossierRecode, old_code)
        assert given is not None
        op = session.scalar(select(OutboxOp).where(OutboxOp.entity_id == given.old_id))
        assert op is not None
        return json.dumps(json.loads(op.payload)["fees"])


def issued_today(db, code: str) -> int:
    disputed = parse_dossier_code(code)
    with db.read() as session:
        counter = session.get(DeskDayCounter, (disputed.day, disputed.desk_slot))
        return counter.issued if counter is not None else 0


@pytest.mark.parametrize("held", [None, "1007", 10**30, -5, True, 1007.0, 2007, 1000, [1007], {"n": 1007}])
def test_a_held_number_that_does_not_fit_the_desks_slot_is_ignored(desk, held: object) -> None:
    code = received(desk)  # desk 1: numbers 1001-1999
    decided(desk, code, held_through=held)
    assert view_dossier(desk, code).recode_reason is not None  # the decision itself is taken
    assert issued_today(desk, code) == 1
    assert parse_dossier_code(recode_dossier(desk, code, by="giamsat").code).number == 1002


def test_the_new_code_skips_every_number_the_province_holds_of_the_day(desk) -> None:
    code, low = received(desk), received(desk)
    decided(desk, code, held_through=1007)
    decided(desk, low, held_through=1001)  # below what the desk gave already: the count does not go back
    assert parse_dossier_code(recode_dossier(desk, code, by="giamsat").code).number == 1008
    assert parse_dossier_code(recode_dossier(desk, low, by="giamsat").code).number == 1009


def test_a_day_the_province_holds_full_refuses_a_new_code_and_changes_nothing(desk) -> None:
    code = received(desk)
    decided(desk, code, held_through=1999)
    before = snapshot(desk)
    with pytest.raises(DomainError, match="đã cấp đủ 999 mã hồ sơ"):
        recode_dossier(desk, code, by="giamsat")
    assert snapshot(desk) == before


def test_a_decision_read_while_the_pull_back_waits_is_taken_without_the_count(desk) -> None:
    code = received(desk)
    with desk.write() as session:
        session.add(SyncState(id=1, device_id=DEVICE, device_epoch="e", server_url="http://127.0.0.1:9",
                              enrolled_at=utc_now(), pullback_pending=True))
    decided(desk, code, held_through=1007)  # the 0019 trigger refuses the count: the decision stands alone
    assert view_dossier(desk, code).recode_reason is not None
    assert issued_today(desk, code) == 1


def test_an_old_code_opens_finds_and_prints_the_dossier_under_its_new_code(desk) -> None:
    code = received(desk)
    decided(desk, code)
    recoded = recode_dossier(desk, code, by="giamsat")

    assert get_dossier(desk, code).code == recoded.code  # a scanned old slip
    assert [found.code for found in search_dossiers(desk, code)] == [recoded.code]
    slip = receipt_slip_pdf(desk, code)
    text = text_of(slip)
    # The citizen holds a slip with the old code: the new one says it takes its place, and nowhere else
    # does the old code appear; the barcode and the QR carry the new code only.
    day = office_date(view_dossier(desk, code).old_codes[0].at)
    assert (f"Giấy này thay giấy tiếp nhận mang mã hồ sơ {code} (cấp lại mã ngày {day}), do mã cũ trùng với hồ "
            "sơ khác trên hệ thống của tỉnh.") in text
    assert text.count(code) == 1 and recoded.code in text
    found = barcodes(slip)
    assert found.get(zxingcpp.BarcodeFormat.Code128) == recoded.code
    assert recoded.code in found[zxingcpp.BarcodeFormat.QRCode] and code not in found[zxingcpp.BarcodeFormat.QRCode]
    assert len(PdfReader(io.BytesIO(slip)).pages) == 1  # still one A5 page
    other = received(desk)  # a dossier whose code stands: its slip says nothing of the kind
    assert "thay giấy tiếp nhận" not in text_of(receipt_slip_pdf(desk, other))
    with pytest.raises(DossierNotFound):  # a code never given stays unknown
        get_dossier(desk, code[:-1] + "9")


@pytest.mark.parametrize("code", ["A" * 100_000, "\x00" * 40, "000.31.48.H15-261301-1001", "", "💥" * 1000])
def test_a_code_that_is_no_dossier_of_the_desk_is_not_found_and_changes_nothing(desk, code: str) -> None:
    received(desk)
    before = snapshot(desk)
    with pytest.raises(DossierNotFound):
        recode_dossier(desk, code, by="giamsat")
    with pytest.raises(DossierNotFound):
        view_dossier(desk, code)
    assert snapshot(desk) == before

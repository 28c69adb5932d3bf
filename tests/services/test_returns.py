"""Returning results at the desk and by post: status 10, item codes from the desk's range, shipments."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from counter_app.domain.errors import InvalidTransition, ValidationErrors
from counter_app.domain.lifecycle import Status
from counter_app.domain.operations import OpType
from counter_app.domain.postal_codes import parse_item_code, s10_check_digit
from counter_app.domain.returns import ReturnMethod, ShipmentState
from counter_app.services.clock import utc_now
from counter_app.services.dossiers import get_dossier
from counter_app.services.returns import (
    ReturnRefused,
    items_left,
    return_at_desk,
    return_by_post,
    returned_items,
    returns_of,
    set_shipment_state,
    undelivered_items,
)
from counter_app.storage.database import Database
from counter_app.storage.models import OutboxOp, ResultReturn
from counter_app.storage.outbox import operations_for
from tests.conftest import HAI_CHAU_WARD
from tests.support.returns import grant_item_range, result_ready_dossier

POST = {"recipient": "trần thị bình", "phone": "0905 123 456", "ward_code": HAI_CHAU_WARD, "street": "12 Lê Lợi",
        "postage": "25.000", "payer": "citizen"}


def test_return_at_desk_closes_the_dossier_and_queues_the_record(counter_db: Database) -> None:
    code = result_ready_dossier(counter_db)
    record = return_at_desk(counter_db, code, receiver_name="lê văn cường", id_number="049 090 001 234")
    assert (record.method, record.receiver_name, record.receiver_id_number) == (
        ReturnMethod.DESK, "Lê Văn Cường", "049090001234")
    dossier = get_dossier(counter_db, code)
    assert dossier.status is Status.RETURNED
    assert "Lê Văn Cường" in dossier.history[-1].note
    with counter_db.read() as session:
        kinds = [op.op_type for op in operations_for(session, record.id)]
    assert kinds == [OpType.RESULT_RETURN]


def test_a_result_not_ready_or_already_returned_is_refused(counter_db: Database) -> None:
    code = result_ready_dossier(counter_db)
    return_at_desk(counter_db, code, receiver_name="Lê Văn Cường", id_number="049090001234")
    with pytest.raises(ReturnRefused, match="Đã trả kết quả"):
        return_at_desk(counter_db, code, receiver_name="Lê Văn Cường", id_number="049090001234")


def test_bad_fields_are_all_named_and_nothing_is_saved(counter_db: Database) -> None:
    code = result_ready_dossier(counter_db)
    grant_item_range(counter_db, 1, 10)
    with pytest.raises(ValidationErrors) as caught:
        return_by_post(counter_db, code, recipient="", phone="12", ward_code=999_999, street="",
                       postage="-5", payer="someone")
    assert set(caught.value.by_field()) == {"recipient_name", "phone", "ward_code", "street", "postage", "payer"}
    assert get_dossier(counter_db, code).status is Status.RESULT_READY
    assert items_left(counter_db) == 10


def test_no_item_numbers_is_said_before_anything_is_saved(counter_db: Database) -> None:
    code = result_ready_dossier(counter_db)
    with counter_db.read() as session:
        ops_before = session.scalar(select(func.count()).select_from(OutboxOp))
    with pytest.raises(ReturnRefused, match="hết mã bưu gửi"):
        return_by_post(counter_db, code, **POST)
    assert get_dossier(counter_db, code).status is Status.RESULT_READY
    with counter_db.read() as session:
        assert session.scalar(select(func.count()).select_from(ResultReturn)) == 0
        assert session.scalar(select(func.count()).select_from(OutboxOp)) == ops_before


def test_post_returns_take_serials_in_order_across_ranges_until_none_are_left(counter_db: Database) -> None:
    grant_item_range(counter_db, 500, 501)
    grant_item_range(counter_db, 47312482, 47312482)
    codes = [result_ready_dossier(counter_db) for _ in range(4)]
    assert items_left(counter_db) == 3
    items = [return_by_post(counter_db, code, **POST).item_code for code in codes[:3]]
    serials = [parse_item_code(item).serial for item in items]
    assert serials == [500, 501, 47312482]
    assert items[2] == "RR473124829VN"
    assert all(item[10] == str(s10_check_digit(serial)) for item, serial in zip(items, serials, strict=True))
    with pytest.raises(ReturnRefused, match="hết mã bưu gửi"):
        return_by_post(counter_db, codes[3], **POST)
    record = returns_of(counter_db, codes[0])[0]
    assert (record.address_text, record.postage, record.payer, record.phone) == (
        "12 Lê Lợi, Phường Hải Châu, Thành phố Đà Nẵng", 25000, "citizen", "0905123456")
    with counter_db.read() as session:
        op = session.scalar(select(OutboxOp).where(OutboxOp.entity_id == record.id))
        assert json.loads(op.payload)["item_code"] == items[0]


def test_a_returned_item_comes_back_to_the_worklist_until_given_at_the_desk(counter_db: Database) -> None:
    grant_item_range(counter_db, 1, 10)
    code = result_ready_dossier(counter_db)
    other = result_ready_dossier(counter_db, "Phạm Thị Hoa")
    item = return_by_post(counter_db, code, **POST).item_code
    return_by_post(counter_db, other, **POST)
    assert [r.item_code for r in undelivered_items(counter_db)] == [item, returns_of(counter_db, other)[0].item_code]
    with pytest.raises(InvalidTransition, match="Chờ giao bưu tá"):
        set_shipment_state(counter_db, code, ShipmentState.DELIVERED)
    set_shipment_state(counter_db, item, ShipmentState.HANDED)
    set_shipment_state(counter_db, code, ShipmentState.RETURNED)
    set_shipment_state(counter_db, other, ShipmentState.HANDED)
    set_shipment_state(counter_db, other, ShipmentState.DELIVERED)
    assert [r.dossier_code for r in returned_items(counter_db)] == [code]
    assert undelivered_items(counter_db) == []
    with pytest.raises(ReturnRefused):  # delivered: nothing more to return
        return_at_desk(counter_db, other, receiver_name="Phạm Thị Hoa", id_number="049090001234")

    return_at_desk(counter_db, code, receiver_name="Nguyễn Văn Đức", id_number="049090001234")
    assert returned_items(counter_db) == []
    assert [r.method for r in returns_of(counter_db, code)] == [ReturnMethod.POST, ReturnMethod.DESK]
    assert get_dossier(counter_db, code).status is Status.RETURNED


def test_a_time_ahead_of_the_clock_or_before_the_last_event_is_refused(counter_db: Database) -> None:
    code = result_ready_dossier(counter_db)
    with pytest.raises(ReturnRefused, match="ở tương lai"):
        return_at_desk(counter_db, code, receiver_name="Lê Văn Cường", id_number="049090001234",
                       at=utc_now() + timedelta(hours=1))
    with pytest.raises(ReturnRefused, match="trước lần chuyển trạng thái"):
        return_at_desk(counter_db, code, receiver_name="Lê Văn Cường", id_number="049090001234",
                       at=utc_now() - timedelta(days=2))
    assert get_dossier(counter_db, code).status is Status.RESULT_READY

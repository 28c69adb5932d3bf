"""Returning a result (status 10) at the desk or by post, and following a posted item to its end.

Each return is recorded together with its outbox operation (`result.return`) in one transaction, then
the dossier moves to 10 through `services.dossiers.change_status` (the one gate of the lifecycle). A
return by post takes the next serial of this desk's `bcci-item` number range in the same transaction
as the record (one UPDATE … RETURNING; the unique item code is the database's backstop), so a desk
without numbers says so before anything is saved. docs/returns-and-post.md.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, exists, func, select, text
from sqlalchemy.orm import Session, aliased

from counter_app.domain.codes import office_day
from counter_app.domain.dossier import IdDocumentType
from counter_app.domain.errors import DomainError
from counter_app.domain.formats import office_datetime
from counter_app.domain.lifecycle import Status
from counter_app.domain.operations import OpType
from counter_app.domain.postal_codes import ITEM_SERIES, MAX_SERIAL, BadItemCode, item_code, parse_item_code
from counter_app.domain.return_checks import DeskReturn, PostReturn, check_desk_return, check_post_return
from counter_app.domain.returns import ReturnMethod, ShipmentState, check_shipment_move
from counter_app.domain.text import nfc
from counter_app.services.clerks import actor_of
from counter_app.services.clock import utc_now
from counter_app.services.dossiers import DossierNotFound
from counter_app.services.lifecycle import transition_in
from counter_app.storage.database import Database
from counter_app.storage.dossiers import get_row
from counter_app.storage.models import DossierEvent, DossierRow, NumberRange, ResultReturn, ShipmentEvent
from counter_app.storage.outbox import append_operation


class ReturnRefused(DomainError):
    """The result cannot be returned now (wrong status, no item numbers, a time out of order)."""


class ReturnTimeRefused(ReturnRefused):
    """The time typed for the return is refused (in the future, before the last step): the field `at`."""

    field = "at"


@dataclass(frozen=True)
class ReturnRecord:
    """One return as the screens, the CLI and the printed papers see it."""

    id: str
    dossier_code: str
    method: ReturnMethod
    returned_at: datetime
    clerk: str
    receiver_name: str
    receiver_id_number: str
    phone: str
    province_code: int | None
    ward_code: int | None
    street: str
    address_text: str
    postage: int | None
    payer: str | None
    item_code: str | None
    shipment_state: ShipmentState | None
    state_at: datetime | None


def _record(row: ResultReturn, dossier_code: str) -> ReturnRecord:
    return ReturnRecord(
        id=row.id, dossier_code=dossier_code, method=ReturnMethod(row.method), returned_at=row.returned_at,
        clerk=row.clerk, receiver_name=row.receiver_name, receiver_id_number=row.receiver_id_number,
        phone=row.phone, province_code=row.province_code, ward_code=row.ward_code, street=row.street,
        address_text=row.address_text, postage=row.postage, payer=row.payer, item_code=row.item_code,
        shipment_state=ShipmentState(row.shipment_state) if row.shipment_state else None, state_at=row.state_at)


def items_left(db: Database) -> int:
    """How many postal item codes this desk can still issue from the ranges the province granted."""
    with db.read() as session:
        total = session.scalar(
            select(func.sum(func.min(NumberRange.last, MAX_SERIAL) - NumberRange.next_number + 1))
            .where(NumberRange.series == ITEM_SERIES, NumberRange.next_number <= NumberRange.last,
                   NumberRange.next_number <= MAX_SERIAL))
    return int(total or 0)


def _take_serial(session: Session) -> int:
    """The next unused serial of this desk's item ranges, taken in one statement (lowest range first)."""
    taken = session.execute(text(
        "UPDATE number_range SET next_number = next_number + 1 "
        "WHERE series = :series AND first = (SELECT first FROM number_range WHERE series = :series "
        "AND next_number <= last AND next_number <= :max ORDER BY first LIMIT 1) "
        "RETURNING next_number - 1"), {"series": ITEM_SERIES, "max": MAX_SERIAL}).scalar()
    if taken is None:
        raise ReturnRefused("Quầy đã hết mã bưu gửi (hoặc chưa được tỉnh cấp dải số «bcci-item»): hãy đồng bộ, "
                            "hoặc đề nghị quản trị máy chủ tỉnh cấp thêm dải số cho quầy này. Chưa có gì được lưu.")
    return int(taken)


def _check_at(session: Session, row: DossierRow, at: datetime | None, now: datetime) -> datetime:
    """`at` (default now) may not lie ahead of the clock nor before the dossier's last event."""
    moment = at or now
    if moment.tzinfo is None:
        raise ReturnTimeRefused("Thời điểm trả kết quả phải có múi giờ.")
    if moment > now:
        raise ReturnTimeRefused(f"Thời điểm trả kết quả ({office_datetime(moment)}) ở tương lai; "
                            f"bây giờ là {office_datetime(now)}.")
    last = session.scalar(select(func.max(DossierEvent.at)).where(DossierEvent.dossier_pk == row.pk))
    if last is not None and moment < last:
        raise ReturnTimeRefused(f"Thời điểm trả kết quả ({office_datetime(moment)}) trước lần chuyển trạng thái gần "
                            f"nhất của hồ sơ ({office_datetime(last)}).")
    return moment


def _latest_return(session: Session, row: DossierRow) -> ResultReturn | None:
    return session.scalar(select(ResultReturn).where(ResultReturn.dossier_pk == row.pk)
                          .order_by(ResultReturn.returned_at.desc(), ResultReturn.id).limit(1))


def _check_returnable(session: Session, row: DossierRow) -> bool:
    """True when the dossier still has to move to 10; a result already returned may be given again only
    when its posted item came back to the desk."""
    status = Status(row.status)
    if status is Status.RESULT_READY:
        return True
    latest = _latest_return(session, row)
    if status is Status.RETURNED and latest is not None and latest.shipment_state == ShipmentState.RETURNED:
        return False
    raise ReturnRefused(f"Hồ sơ {row.code} đang «{status.label}»: chỉ trả kết quả khi hồ sơ «{Status.RESULT_READY.label}» "
                        "(hoặc khi bưu gửi kết quả đã chuyển hoàn về quầy).")


def _payload(row: ResultReturn, dossier_code: str) -> dict[str, object]:
    return {"id": row.id, "dossier_code": dossier_code, "method": row.method, "at": row.returned_at.isoformat(),
            "actor": row.clerk, "receiver_name": row.receiver_name, "receiver_id_number": row.receiver_id_number,
            "phone": row.phone, "ward_code": row.ward_code, "province_code": row.province_code,
            "street": row.street, "address_text": row.address_text, "postage": row.postage, "payer": row.payer,
            "item_code": row.item_code}


def _save(db: Database, code: str, method: ReturnMethod, fields: dict[str, object], at: datetime | None,
          clerk_username: str, actor: str, note: Callable[[ResultReturn], str],
          now: datetime | None = None) -> ReturnRecord:
    """The return record, its operation and the move to 10 (with `note(record)` in the history): one
    transaction, so a crash leaves either all of them or none."""
    now = now or utc_now()
    with db.write() as session:
        clerk, username = actor_of(session, clerk_username, actor)
        row = get_row(session, code)
        if row is None:
            raise DossierNotFound(nfc(code))
        moment = _check_at(session, row, at, now)
        to_close = _check_returnable(session, row)
        serial = _take_serial(session) if method is ReturnMethod.POST else None
        record = ResultReturn(id=str(uuid.uuid4()), dossier_pk=row.pk, method=method.value, returned_at=moment,
                              clerk=clerk, clerk_username=username, **fields)
        if serial is not None:
            record.item_code = item_code(serial)
            record.shipment_state, record.state_at = ShipmentState.WAITING.value, moment
        session.add(record)
        session.flush()
        append_operation(session, entity="result_return", entity_id=record.id, op_type=OpType.RESULT_RETURN,
                         payload=_payload(record, row.code), now=now, actor=username)
        if to_close:
            transition_in(session, row.code, Status.RETURNED, reason=note(record), at=moment, by=clerk_username,
                          actor=actor, now=now)
        return _record(record, row.code)


def return_at_desk(db: Database, code: str, *, receiver_name: str, id_number: str,
                   id_type: IdDocumentType = IdDocumentType.CCCD, at: datetime | None = None,
                   clerk_username: str = "", actor: str = "", now: datetime | None = None) -> ReturnRecord:
    """Hand the result to `receiver_name` at the desk (→ 10); their ID number is kept for the receipt."""
    now = now or utc_now()
    checked: DeskReturn = check_desk_return(receiver_name, id_number, id_type, today=office_day(now))
    note = (f"Trả kết quả tại quầy cho {checked.receiver_name} (số giấy tờ {checked.receiver_id_number}).")
    return _save(db, code, ReturnMethod.DESK,
                 {"receiver_name": checked.receiver_name, "receiver_id_number": checked.receiver_id_number},
                 at, clerk_username, actor, lambda _record: note, now)


def return_by_post(db: Database, code: str, *, recipient: str, phone: str, ward_code: int | None, street: str,
                   postage: int | str | None, payer: str | None, at: datetime | None = None,
                   clerk_username: str = "", actor: str = "", now: datetime | None = None) -> ReturnRecord:
    """Send the result by public postal service (→ 10) under the desk's next S10 item code."""
    checked: PostReturn = check_post_return(recipient, phone, ward_code, street, postage, payer)
    fields: dict[str, object] = {
        "receiver_name": checked.recipient_name, "phone": checked.phone, "province_code": checked.province_code,
        "ward_code": checked.ward_code, "street": checked.street, "address_text": checked.address_text,
        "postage": checked.postage, "payer": checked.payer.value}
    return _save(db, code, ReturnMethod.POST, fields, at, clerk_username, actor,
                 lambda record: f"Trả kết quả qua bưu chính công ích, mã bưu gửi {record.item_code}.", now)


def _find_shipment(session: Session, code_or_item: str) -> tuple[ResultReturn, str]:
    """The posted item named by its item code, or the newest posted item of a dossier code."""
    wanted = nfc(code_or_item).strip()
    try:
        item = str(parse_item_code(wanted))
    except BadItemCode:
        item = ""
    query = select(ResultReturn, DossierRow.code).join(DossierRow, DossierRow.pk == ResultReturn.dossier_pk)
    if item:
        found = session.execute(query.where(ResultReturn.item_code == item)).first()
    else:
        found = session.execute(query.where(DossierRow.code == wanted.upper(), ResultReturn.item_code.is_not(None))
                                .order_by(ResultReturn.returned_at.desc()).limit(1)).first()
    if found is None:
        raise ReturnRefused(f"Không có bưu gửi kết quả nào mang mã «{wanted[:60]}» tại quầy này.")
    return found[0], found[1]


def set_shipment_state(db: Database, code_or_item: str, state: ShipmentState, *, at: datetime | None = None,
                       clerk_username: str = "", actor: str = "") -> ReturnRecord:
    """Record the next step of a posted result (handed to the postman, delivered, returned to sender)."""
    now = utc_now()
    with db.write() as session:
        name, username = actor_of(session, clerk_username, actor)
        row, dossier_code = _find_shipment(session, code_or_item)
        check_shipment_move(ShipmentState(row.shipment_state), state)
        moment = at or now
        if moment > now or (row.state_at is not None and moment < row.state_at):
            raise ReturnRefused(f"Thời điểm {office_datetime(moment)} phải sau bước trước của bưu gửi và không ở "
                                "tương lai.")
        before = {"state": row.shipment_state, "at": row.state_at.isoformat() if row.state_at else None}
        row.shipment_state, row.state_at = state.value, moment
        session.add(ShipmentEvent(return_id=row.id, state=state.value, at=moment, actor=name, actor_username=username))
        assert row.item_code is not None
        append_operation(session, entity="result_return", entity_id=row.id, op_type=OpType.SHIPMENT_STATE,
                         payload={"return_id": row.id, "item_code": row.item_code, "state": state.value,
                                  "at": moment.isoformat(), "actor": name}, now=now, actor=username, audit_before=before)
        return _record(row, dossier_code)


def returns_of(db: Database, code: str) -> list[ReturnRecord]:
    """Every return of a dossier, oldest first (a posted item that came back, then the desk return)."""
    with db.read() as session:
        row = get_row(session, code)
        if row is None:
            raise DossierNotFound(nfc(code))
        rows = session.scalars(select(ResultReturn).where(ResultReturn.dossier_pk == row.pk)
                               .order_by(ResultReturn.returned_at, ResultReturn.id)).all()
        return [_record(r, row.code) for r in rows]


RETURNED_STATES = (ShipmentState.RETURNED,)
UNDELIVERED_STATES = (ShipmentState.WAITING, ShipmentState.HANDED)


def with_latest_shipment_in(query: Select, states: tuple[ShipmentState, ...]) -> Select:
    """`query` (over DossierRow) kept to dossiers whose newest return is a shipment in one of `states`:
    the one rule behind the returned-items and not-delivered lists, here and in the worklists. It starts
    from the returns in those states and keeps those with no newer return of the same dossier, so its cost
    follows the list, not every result ever posted (bench/worklists.py)."""
    newer = aliased(ResultReturn)
    return (query.join(ResultReturn, ResultReturn.dossier_pk == DossierRow.pk)
            .where(ResultReturn.shipment_state.in_([s.value for s in states]),
                   ~exists().where(newer.dossier_pk == ResultReturn.dossier_pk,
                                   newer.returned_at > ResultReturn.returned_at)))


def _latest_per_dossier(session: Session, states: tuple[ShipmentState, ...]) -> list[ReturnRecord]:
    query = with_latest_shipment_in(select(ResultReturn, DossierRow.code).select_from(DossierRow), states)
    rows = session.execute(query.order_by(ResultReturn.state_at)).all()
    return [_record(r, code) for r, code in rows]


def returned_items(db: Database) -> list[ReturnRecord]:
    """Posted results that came back to the desk and were not given out since: the desk's worklist."""
    with db.read() as session:
        return _latest_per_dossier(session, RETURNED_STATES)


def undelivered_items(db: Database) -> list[ReturnRecord]:
    """Posted results not yet delivered (waiting for the postman, or on their way), oldest step first."""
    with db.read() as session:
        return _latest_per_dossier(session, UNDELIVERED_STATES)

"""Applying a counter's returns of results (`result.return`) and posted items' steps (`shipment.state`).

An S10 item code is trusted only when it is well formed (check digit), of the series this app issues
("RR…VN") and its serial lies in a `bcci-item` range the province granted to the sending device: a
device cannot print codes from another desk's block or invent its own. The unique item code column
refuses the same code twice, also when two server processes race (docs/returns-and-post.md).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from counter_app.domain.errors import InvalidTransition
from counter_app.domain.lifecycle import Status
from counter_app.domain.payloads import Payload, ResultReturnPayload, ShipmentStatePayload
from counter_app.domain.postal_codes import (
    COUNTRY,
    ITEM_SERIES,
    SERVICE_INDICATOR,
    BadItemCode,
    parse_item_code,
)
from counter_app.domain.returns import ReturnMethod, ShipmentState, check_shipment_move
from sync.protocol import OpStatus
from sync.server.models import Device, Dossier, NumberRange, ResultReturn
from sync.server.op_checks import LedgerKey, Outcome, dated_before_receipt, instant

if TYPE_CHECKING:
    from sync.server.ingest_lookup import DossierLookup


def _refused(code: str, message: str) -> Outcome:
    return Outcome(OpStatus.REJECTED, code, message)


def check_item_claim(session: Session, device: Device, item: str) -> Outcome | None:
    """None when `item` is an S10 code this device may have issued; else the refusal saying why."""
    try:
        parsed = parse_item_code(item)
    except BadItemCode as error:
        return _refused("bad_item_code", error.message)
    if (parsed.service, parsed.country) != (SERVICE_INDICATOR, COUNTRY):
        return _refused("foreign_item_series",
                        f"Mã bưu gửi {item} không thuộc loại {SERVICE_INDICATOR}…{COUNTRY} mà các quầy được cấp.")
    granted = session.scalar(select(NumberRange.id).where(
        NumberRange.series == ITEM_SERIES, NumberRange.device_id == device.id,
        NumberRange.first <= parsed.serial, NumberRange.last >= parsed.serial).limit(1))
    if granted is None:
        return _refused("item_not_granted",
                        f"Mã bưu gửi {item} không nằm trong dải số «{ITEM_SERIES}» tỉnh đã cấp cho quầy này; "
                        "máy chủ không nhận để tránh hai bưu gửi trùng mã.")
    return None


def _shape_problem(payload: ResultReturnPayload) -> str:
    if payload.method is ReturnMethod.DESK:
        if payload.item_code is not None or not payload.receiver_id_number.strip():
            return "Trả kết quả tại quầy phải có số giấy tờ người nhận và không mang mã bưu gửi."
        return ""
    missing = [label for label, value in (("mã bưu gửi", payload.item_code), ("xã/phường", payload.ward_code),
                                          ("cước phí", payload.postage), ("người trả cước", payload.payer))
               if value is None]
    if missing or not payload.phone.strip():
        return f"Trả kết quả qua bưu chính thiếu {', '.join(missing or ['số điện thoại'])}."
    return ""


def _not_returnable(session: Session, dossier: Dossier) -> str:
    """Why the result cannot be returned now ("" if it can): as on the counter (services.returns), only a
    result ready (9), or one returned (10) whose latest posted item came back to the desk.

    The newest return is read as an entity: a `shipment.state` earlier in the same batch changed it in
    the session (not flushed yet), and that change must count."""
    if dossier.status == Status.RESULT_READY:
        return ""
    if dossier.status == Status.RETURNED:
        latest = session.scalars(select(ResultReturn).where(ResultReturn.dossier_code == dossier.code)
                                 .order_by(ResultReturn.returned_at.desc(), ResultReturn.id).limit(1)).first()
        if latest is not None and latest.shipment_state == ShipmentState.RETURNED.value:
            return ""
    return (f"Hồ sơ {dossier.code} đang «{Status(dossier.status).label}»: chỉ trả kết quả khi hồ sơ "
            f"«{Status.RESULT_READY.label}» (hoặc khi bưu gửi kết quả đã chuyển hoàn về quầy).")


def record_return(session: Session, device: Device, key: LedgerKey, payload: Payload, raw: dict[str, Any],
                  now: datetime, lookup: DossierLookup) -> Outcome:
    assert isinstance(payload, ResultReturnPayload)
    dossier = lookup.by_code(payload.dossier_code)
    if dossier is None or dossier.unit_code != device.unit_code:
        return Outcome(OpStatus.CONFLICT, "unknown_dossier",
                       f"Máy chủ chưa có hồ sơ {payload.dossier_code} để ghi việc trả kết quả; thao tác sẽ được xem lại.")
    problem = _shape_problem(payload)
    if problem:
        return _refused("bad_return", problem)
    existing = session.get(ResultReturn, payload.id)
    if existing is not None:
        if existing.device_id == device.id and existing.data == raw:
            return Outcome(OpStatus.ACCEPTED, "already_exists")
        return _refused("duplicate_return_id", "Mã định danh của lần trả kết quả trùng với một lần trả khác.")
    if payload.item_code is not None:
        refused = check_item_claim(session, device, payload.item_code)
        if refused is not None:
            return refused
        holder = session.scalar(select(ResultReturn.dossier_code).where(ResultReturn.item_code == payload.item_code))
        if holder is not None:
            return _refused("duplicate_item_code",
                            f"Mã bưu gửi {payload.item_code} đã được dùng cho hồ sơ {holder}; một mã chỉ dùng một lần.")
    problem = _not_returnable(session, dossier) or dated_before_receipt(dossier, payload.at)
    if problem:
        return _refused("bad_step", problem)
    at = instant(payload.at)
    session.add(ResultReturn(id=payload.id, unit_code=device.unit_code, dossier_code=dossier.code, device_id=device.id,
                             method=payload.method.value, item_code=payload.item_code,
                             shipment_state=ShipmentState.WAITING.value if payload.item_code else None,
                             returned_at=at, state_at=at if payload.item_code else None, data=raw, updated_at=now))
    # Flushed now so that a step of this item later in the same batch finds it; a duplicate code racing
    # in from another process fails here, and the batch is redone operation by operation.
    session.flush()
    return Outcome(OpStatus.ACCEPTED)


def record_shipment_state(session: Session, device: Device, key: LedgerKey, payload: Payload, raw: dict[str, Any],
                          now: datetime, lookup: DossierLookup) -> Outcome:
    assert isinstance(payload, ShipmentStatePayload)
    row = session.get(ResultReturn, payload.return_id, with_for_update=True)
    if row is None or row.unit_code != device.unit_code or row.item_code != payload.item_code:
        return Outcome(OpStatus.CONFLICT, "unknown_shipment",
                       f"Máy chủ chưa có bưu gửi {payload.item_code} của đơn vị; thao tác sẽ được xem lại.")
    if row.device_id != device.id:  # returns are never pulled: no other desk can know this item's id
        return _refused("foreign_shipment", f"Bưu gửi {payload.item_code} do quầy khác gửi; quầy này không ghi "
                        "được bước theo dõi của nó.")
    try:
        check_shipment_move(ShipmentState(row.shipment_state), payload.state)
    except (InvalidTransition, ValueError) as error:
        return _refused("illegal_shipment_move", getattr(error, "message", "Bưu gửi có trạng thái lạ trên máy chủ."))
    if row.state_at is not None and instant(payload.at) < row.state_at:
        return _refused("bad_step", f"Bước «{payload.state.label}» của bưu gửi {payload.item_code} ghi thời điểm "
                        "trước bước trước đó; máy chủ không nhận.")
    row.shipment_state, row.state_at, row.updated_at = payload.state.value, instant(payload.at), now
    return Outcome(OpStatus.ACCEPTED)

"""The records of a pulled-back dossier, stored on the counter (issue 12; sync/server/pullback_records.py).

A restored counter must hold again everything of its own dossiers the province keeps: the fee assessed
at intake, the receipts (with their cancellations: a dossier paid after the backup must show paid, and
its receipt must print), the results returned (and a posted item's latest state), apologies, hand-overs,
fees the agency set, supplement requests (from the history's step details) and the attachments' rows;
and the desk's records that hang on no dossier: its day closes, guidance slips and portal help log.
Every record is untrusted: its `data` is checked with the model of the operation that once carried it
(domain.operations) and must belong to the dossier it came with; a bad one raises (the caller refuses the
whole page). Each record is stored only if the counter lacks it (by its id, or its natural key), so a
page stored twice changes nothing. The scan files themselves are not fetched: the province has no blob
download for counters yet (the rows say the file is on the province, `upload_state` "complete").
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from counter_app.domain.lifecycle import Status
from counter_app.domain.operations import OpType, check_payload
from counter_app.domain.receipts import ReceiptStatus
from counter_app.domain.returns import ShipmentState
from counter_app.storage.models import (
    ApologyRow,
    AssistedFilingRow,
    AttachmentRow,
    DayCloseRow,
    DossierFeeRow,
    DossierRow,
    GuidanceRecord,
    HandoverRow,
    ReceiptRow,
    ResultReturn,
    ShipmentEvent,
    SupplementRequestRow,
)

PDF = "application/pdf"
INTAKE, REQUEST = "intake", "request"  # dossier_fee.source (services/fees.py names them too)


class BadRecord(ValueError):
    """A record the province sent back that does not fit the dossier it came with."""


def _instant(value: Any) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > 40:
        raise BadRecord("instant")
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise BadRecord("instant without a time zone")
    return moment


def _same_dossier(code: str, row: DossierRow) -> None:
    if code != row.code:
        raise BadRecord("a record of another dossier")


def store_intake_fees(session: Session, row: DossierRow, fees: dict[str, Any] | None, by: str) -> None:
    """The assessment of intake (dossier.create's "fees", already checked with it), if the counter lacks it."""
    if not fees or session.scalar(select(DossierFeeRow.pk).where(DossierFeeRow.dossier_code == row.code,
                                                                 DossierFeeRow.source == INTAKE)) is not None:
        return
    session.add(DossierFeeRow(id=f"intake-{row.id}"[:36], dossier_code=row.code, source=INTAKE, lines=fees["lines"],
                              unknown=fees["unknown"], quantities=fees["quantities"], exemption=fees["exemption"],
                              reason="", assessed_at=row.received_at, assessed_by=by, assessed_by_username=""))


def _receipt(session: Session, row: DossierRow, record: dict[str, Any]) -> None:
    data = check_payload(OpType.RECEIPT_ISSUE, record["data"]).model_dump(mode="json")
    _same_dossier(data["dossier_code"], row)
    status = ReceiptStatus(record.get("status", ReceiptStatus.ISSUED.value))
    cancelled_at = _instant(record.get("cancelled_at"))
    if (status is ReceiptStatus.CANCELLED) != (cancelled_at is not None):
        raise BadRecord("a cancellation without its time")
    reason, by = str(record.get("cancel_reason") or "")[:1000], str(record.get("cancelled_by") or "")[:32]
    local = session.scalar(select(ReceiptRow).where(ReceiptRow.id == data["id"]))
    if local is not None:
        if local.status == ReceiptStatus.ISSUED.value and status is ReceiptStatus.CANCELLED:
            local.status, local.cancelled_at, local.cancel_reason, local.cancelled_by = (
                status.value, cancelled_at, reason, by)
        return
    session.add(ReceiptRow(
        id=data["id"], form_number=data["form_number"], symbol=data["symbol"], number=data["number"],
        dossier_code=row.code, payer_name=data["payer_name"], payer_address=data["payer_address"], items=data["items"],
        fee_vnd=data["fee_vnd"], charge_vnd=data["charge_vnd"], total_vnd=data["total_vnd"], method=data["method"],
        bank_reference=data["bank_reference"], collected_at=_instant(data["collected_at"]),
        day=datetime.fromisoformat(data["day"]).date(), collector=data["collector"],
        collector_username=data["collector_username"], issuer_name=data["issuer_name"],
        issuer_tax_code=data["issuer_tax_code"], status=status.value, cancelled_at=cancelled_at,
        cancel_reason=reason, cancelled_by=by, replaces_id=data.get("replaces_id")))
    session.flush()


def _return(session: Session, row: DossierRow, record: dict[str, Any]) -> None:
    data = check_payload(OpType.RESULT_RETURN, record["data"]).model_dump(mode="json")
    _same_dossier(data["dossier_code"], row)
    state = ShipmentState(record["shipment_state"]) if record.get("shipment_state") else None
    state_at = _instant(record.get("state_at"))
    if (state is None) != (data["item_code"] is None) or (state is None) != (state_at is None):
        raise BadRecord("a shipment state that does not fit the return")
    if session.get(ResultReturn, data["id"]) is not None:
        return
    session.add(ResultReturn(
        id=data["id"], dossier_pk=row.pk, method=data["method"], returned_at=_instant(data["at"]), clerk=data["actor"],
        clerk_username="", receiver_name=data["receiver_name"], receiver_id_number=data["receiver_id_number"],
        phone=data["phone"], province_code=data["province_code"], ward_code=data["ward_code"], street=data["street"],
        address_text=data["address_text"], postage=data["postage"], payer=data["payer"], item_code=data["item_code"],
        shipment_state=state.value if state else None, state_at=state_at))
    session.flush()
    if state is not None and state is not ShipmentState.WAITING:
        session.add(ShipmentEvent(return_id=data["id"], state=state.value, at=state_at, actor="", actor_username=""))


def _apology(session: Session, row: DossierRow, record: dict[str, Any]) -> None:
    data = check_payload(OpType.DOSSIER_APOLOGY, record["data"]).model_dump(mode="json")
    _same_dossier(data["code"], row)
    at = _instant(data["at"])
    if session.scalar(select(ApologyRow.id).where(ApologyRow.dossier_pk == row.pk, ApologyRow.at == at)) is None:
        session.add(ApologyRow(dossier_pk=row.pk, at=at, by=data["actor"], by_username="", reason=data["reason"],
                               previous_due_at=_instant(data["previous_due_at"]), new_due_at=_instant(data["new_due_at"])))


def _handover(session: Session, row: DossierRow, record: dict[str, Any]) -> None:
    data = check_payload(OpType.DOSSIER_HANDOVER, {"code": row.code, "handover": record["data"]}).model_dump(mode="json")
    handover = data["handover"]
    at = _instant(handover["at"])
    if session.scalar(select(HandoverRow.id).where(HandoverRow.dossier_pk == row.pk, HandoverRow.at == at,
                                                   HandoverRow.direction == handover["direction"])) is None:
        session.add(HandoverRow(dossier_pk=row.pk, direction=handover["direction"], at=at,
                                from_party=handover["from_party"], to_party=handover["to_party"], by=handover["actor"],
                                by_username="", due_at=_instant(handover["due_at"]), outcome=handover["outcome"]))


def _fee(session: Session, row: DossierRow, record: dict[str, Any]) -> None:
    data = check_payload(OpType.FEE_REQUEST, record["data"]).model_dump(mode="json")
    _same_dossier(data["code"], row)
    if session.scalar(select(DossierFeeRow.pk).where(DossierFeeRow.id == data["id"])) is None:
        session.add(DossierFeeRow(id=data["id"], dossier_code=row.code, source=REQUEST, lines=data["lines"], unknown=[],
                                  quantities=None, exemption="", reason=data["reason"], assessed_at=_instant(data["at"]),
                                  assessed_by=data["actor"], assessed_by_username=""))


def _attachment(session: Session, row: DossierRow, record: dict[str, Any]) -> None:
    fields = dict(record["data"]) if isinstance(record["data"], dict) else {}
    is_bundle = fields.get("document_index") is not None
    fields["content_type"] = PDF if is_bundle else "application/octet-stream"
    data = check_payload(OpType.ATTACHMENT_ADD, fields).model_dump(mode="json")
    _same_dossier(data["dossier_code"], row)
    created_at, replaced_at = _instant(record.get("created_at")), _instant(record.get("replaced_at"))
    if created_at is None:
        raise BadRecord("an attachment without its time")
    if session.scalar(select(AttachmentRow.id).where(AttachmentRow.dossier_pk == row.pk,
                                                     AttachmentRow.sha256 == data["sha256"],
                                                     AttachmentRow.name == data["name"])) is None:
        session.add(AttachmentRow(dossier_pk=row.pk, sha256=data["sha256"], name=data["name"], size=data["size"],
                                  content_type=data["content_type"], created_at=created_at, upload_state="complete",
                                  uploaded_at=created_at, document_index=data["document_index"],
                                  page_count=data["page_count"], replaced_at=replaced_at,
                                  reused_from=data["reused_from"]))
        session.flush()


STORE = {"receipt": _receipt, "return": _return, "apology": _apology, "handover": _handover, "fee": _fee,
         "attachment": _attachment}


def store_records(session: Session, row: DossierRow, records: list[dict[str, Any]]) -> None:
    """Store each record of `row` the counter lacks; BadRecord (or a model's error) for one that does not fit."""
    for record in records:
        if not isinstance(record, dict) or record.get("kind") not in STORE or not isinstance(record.get("data"), dict):
            raise BadRecord("an unknown kind of record")
        STORE[record["kind"]](session, row, record)


def store_supplements(session: Session, row: DossierRow, events: list[dict[str, Any]]) -> None:
    """Supplement requests from the steps into 5 and out of it (their details), if the counter has none."""
    if session.scalar(select(SupplementRequestRow.id).where(SupplementRequestRow.dossier_pk == row.pk)) is not None:
        return
    opened: SupplementRequestRow | None = None
    for event in events:
        details = event.get("details") if isinstance(event.get("details"), dict) else {}
        to_status = int(event["to_status"])
        if to_status == Status.SUPPLEMENT_REQUESTED:
            missing = check_payload(OpType.DOSSIER_STATUS, {
                "code": row.code, "from": 4, "to": 5, "at": event["at"], "actor": "", "note": "",
                "missing": details.get("missing") or []}).model_dump(mode="json")["missing"]
            opened = SupplementRequestRow(dossier_pk=row.pk, requested_at=_instant(event["at"]),
                                          requested_by=str(event.get("actor", ""))[:300], requested_by_username="",
                                          reason=str(event.get("note", ""))[:4000], missing=missing,
                                          due_at_before=row.due_at, supplied_by="")
            session.add(opened)
        elif opened is not None and event.get("from_status") == Status.SUPPLEMENT_REQUESTED:
            opened.supplied_at = _instant(event["at"])
            opened.supplied_by = str(event.get("actor", ""))[:300]
            opened.due_at_before = _instant(details.get("previous_due_at")) or opened.due_at_before
            opened.due_at_after = _instant(details.get("due_at"))
            opened = None


# -- the desk's records that hang on no dossier (sync/server/pullback_records.desk_records) -------------


def _day_close(session: Session, data: dict[str, Any], device_id: str) -> None:
    day = date.fromisoformat(data["day"])
    if session.scalar(select(DayCloseRow.pk).where((DayCloseRow.id == data["id"]) | (DayCloseRow.day == day))):
        return  # the counter's own close of that day stays (the province holds one close per desk and day)
    session.add(DayCloseRow(
        id=data["id"], day=day, device_id=device_id, desk_slot=data["desk_slot"], closed_at=_instant(data["closed_at"]),
        clerk=data["clerk"], clerk_username=data["clerk_username"], counted=data["counted"],
        counted_total=data["counted_total"], expected_cash=data["expected_cash"],
        transfers_total=data["transfers_total"], fee_total=data["fee_total"], charge_total=data["charge_total"],
        receipts_count=data["receipts_count"], cancellations_count=data["cancellations_count"],
        difference=data["difference"], explanation=data["explanation"], supervisor=data["supervisor"],
        supervisor_name=data["supervisor_name"]))


def _guidance(session: Session, data: dict[str, Any], device_id: str) -> None:
    _slot, stamp, number = data["reference"][2:].split("-")
    if session.scalar(select(GuidanceRecord.pk).where((GuidanceRecord.id == data["id"])
                                                      | (GuidanceRecord.reference == data["reference"]))):
        return
    session.add(GuidanceRecord(
        id=data["id"], reference=data["reference"], day=datetime.strptime(stamp, "%y%m%d").date(), number=int(number),
        unit_code=data["unit_code"], desk_slot=data["desk_slot"], at=_instant(data["at"]), clerk=data["clerk"],
        clerk_username=data["clerk_username"], procedure_code=data["procedure_code"],
        procedure_name=data["procedure_name"], applicant=data["applicant"], missing=data["missing"],
        reason=data["reason"], summary=data["summary"]))


def _assist(session: Session, data: dict[str, Any], device_id: str) -> None:
    if session.scalar(select(AssistedFilingRow.pk).where(AssistedFilingRow.id == data["id"])) is None:
        session.add(AssistedFilingRow(**{**data, "at": _instant(data["at"])}))


DESK_STORE = {"day_close": (OpType.DAY_CLOSE, _day_close), "guidance": (OpType.GUIDANCE_RECORD, _guidance),
              "assist": (OpType.ASSIST_LOG, _assist)}


def store_desk_record(session: Session, kind: str, record: dict[str, Any], unit_code: str, device_id: str) -> None:
    """Store one of the desk's own records of `kind` the province sent back, if the counter lacks it."""
    if kind not in DESK_STORE or not isinstance(record, dict) or record.get("kind") != kind \
            or not isinstance(record.get("data"), dict):
        raise BadRecord("an unknown kind of record")
    op_type, store = DESK_STORE[kind]
    data = check_payload(op_type, record["data"]).model_dump(mode="json")
    if data["unit_code"] != unit_code:
        raise BadRecord("another unit's record")
    store(session, data, device_id)
    session.flush()

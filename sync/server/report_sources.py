"""The province's report sources: the server's tables under the names the one report query module reads.

`counter_app.reports.queries` is written once against `ReportSources`; here the server's tables are
shaped into those columns, so the province's report of a unit applies exactly the rules the unit's own
counter applies. Where the server keeps a fact differently:

- the desk of a receipt, a return or a guidance record is the slot of the device that sent it (a counter
  is one desk: its own reports use its unit profile's slot); steps, apologies, hand-overs and scans
  belong to their dossier's desk;
- supplements and apologies come from `dossier_event` / `dossier_record` (kind "apology", with the due date
  it moved, `previous_due_at`), hand-overs from the records of kind "handover" (their JSON's direction);
- every dossier the server holds is synced; operations not yet synced are the counter's to count (0).

The register's and the intake figures' columns of `dossier` are copied from the dossier.create payload at
ingest (`report_columns`) and were backfilled by migration 0014.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import String, and_, literal, select, true, type_coerce
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ColumnElement, FunctionElement
from sqlalchemy.sql.type_api import TypeEngine
from sqlalchemy.types import TypeDecorator

from counter_app.domain.payloads import DossierCreatePayload
from counter_app.domain.receipts import NUMBER_DIGITS
from counter_app.domain.text import nfc
from counter_app.reports.sources import ReportSources
from sync.server.models import (
    AssistedFiling,
    Attachment,
    DayClose,
    Device,
    Dossier,
    DossierEvent,
    DossierRecord,
    GuidanceRecord,
    Receipt,
    ResultReturn,
    Unit,
)

# The first step's note of a late entry (counter_app.services.clerks.LateEntry.note begins so): the payload
# carries no other trace of it. Migration 0014 backfills with the same words.
LATE_ENTRY_NOTE_PREFIX = "Tiếp nhận hồ sơ nhập muộn"


def report_columns(payload: DossierCreatePayload) -> dict[str, Any]:
    """The report columns of a new server dossier, from the counter's dossier.create payload."""
    address = payload.applicant.address
    first_note = payload.history[0].note if payload.history else ""
    return {
        "channel": int(payload.channel), "procedure_code": payload.procedure_code,
        "procedure_name": payload.procedure_name, "applicant_name": payload.applicant_name,
        "applicant_address": nfc(address.text) or nfc(address.street), "applicant_phone": payload.phone,
        "sets_count": payload.sets_count, "register_book": payload.register_book,
        "register_number": payload.register_number,
        "back_dated": first_note.startswith(LATE_ENTRY_NOTE_PREFIX),
    }


class IsoDay(TypeDecorator[date]):
    """An office date kept as 'YYYY-MM-DD' text (receipt.day, day_close.day) read and compared as a DATE:
    the query binds dates as the same text, so the text column's index still serves the comparison."""

    impl = String(10)
    cache_ok = True

    def process_bind_param(self, value: date | str | None, dialect: Any) -> str | None:
        return value.isoformat() if isinstance(value, date) else value

    def process_result_value(self, value: str | None, dialect: Any) -> date | None:
        return date.fromisoformat(value) if value else None

    def coerce_compared_value(self, op: Any, value: Any) -> TypeEngine[Any]:
        return self


class receipt_number_text(FunctionElement[str]):
    """«mẫu số/ký hiệu/số» with the number zero-padded (counter_app.domain.receipts.number_text), in SQL."""

    type = String()
    inherit_cache = True


@compiles(receipt_number_text)
def _number_text_default(element: receipt_number_text, compiler: Any, **kw: Any) -> str:
    form, symbol, number = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"({form} || '/' || {symbol} || '/' || lpad(CAST({number} AS TEXT), {NUMBER_DIGITS}, '0'))"


@compiles(receipt_number_text, "sqlite")
def _number_text_sqlite(element: receipt_number_text, compiler: Any, **kw: Any) -> str:
    form, symbol, number = (compiler.process(arg, **kw) for arg in element.clauses)
    padded = (f"CASE WHEN length({number}) >= {NUMBER_DIGITS} THEN CAST({number} AS TEXT) "
              f"ELSE substr('{'0' * NUMBER_DIGITS}' || {number}, -{NUMBER_DIGITS}) END")
    return f"({form} || '/' || {symbol} || '/' || {padded})"


def _of_unit(column: Any, unit_code: str | None) -> ColumnElement[bool]:
    return column == unit_code if unit_code is not None else true()


def server_sources(session: Session, unit_code: str | None = None) -> ReportSources:
    """The province's sources, of one unit or of all (`unit_code` None); unit names read once here."""
    dossiers = select(
        Dossier.id.label("key"), Dossier.code, Dossier.unit_code, Dossier.desk_slot, Dossier.channel, Dossier.procedure_code,
        Dossier.procedure_name, Dossier.applicant_name, Dossier.received_at, Dossier.due_at, Dossier.status,
        Dossier.back_dated, Dossier.register_book, Dossier.register_number, Dossier.sets_count,
        Dossier.applicant_address, Dossier.applicant_phone,
    ).where(_of_unit(Dossier.unit_code, unit_code)).subquery("dossiers")
    steps = select(
        DossierEvent.dossier_id.label("key"), Dossier.code, Dossier.unit_code, Dossier.desk_slot, DossierEvent.at, DossierEvent.from_status,
        DossierEvent.to_status, DossierEvent.id.label("seq"),
    ).join(Dossier, Dossier.id == DossierEvent.dossier_id).where(_of_unit(Dossier.unit_code, unit_code)).subquery("steps")
    apologies = _records("apology", unit_code, DossierRecord.previous_due_at).subquery("apologies")
    handovers = _records(
        "handover", unit_code, DossierRecord.data["direction"].as_string().label("direction"),
        DossierRecord.data["to_party"].as_string().label("to_party"),
    ).subquery("handovers")
    returns = select(
        ResultReturn.dossier_code.label("code"), ResultReturn.unit_code, Device.desk_slot, ResultReturn.returned_at,
        ResultReturn.method,
    ).join(Device, Device.id == ResultReturn.device_id).where(_of_unit(ResultReturn.unit_code, unit_code)).subquery("returns")
    guidance = select(
        GuidanceRecord.reference, GuidanceRecord.unit_code, Device.desk_slot, GuidanceRecord.at,
    ).join(Device, Device.id == GuidanceRecord.source_device_id).where(
        _of_unit(GuidanceRecord.unit_code, unit_code)).subquery("guidance")
    assisted = select(
        AssistedFiling.id, AssistedFiling.unit_code, AssistedFiling.desk_slot, AssistedFiling.at, AssistedFiling.outcome,
    ).where(_of_unit(AssistedFiling.unit_code, unit_code)).subquery("assisted")
    receipts = select(
        receipt_number_text(Receipt.form_number, Receipt.symbol, Receipt.number).label("number"),
        Receipt.dossier_code.label("code"), Receipt.unit_code, Device.desk_slot,
        type_coerce(Receipt.day, IsoDay()).label("day"), Receipt.method, Receipt.fee_vnd, Receipt.charge_vnd,
        Receipt.total_vnd, Receipt.status, Receipt.cancelled_at,
    ).join(Device, Device.id == Receipt.device_id).where(_of_unit(Receipt.unit_code, unit_code)).subquery("receipts")
    scans = select(
        Attachment.dossier_code.label("code"), Dossier.unit_code, Dossier.desk_slot, Attachment.created_at,
    ).join(Dossier, Dossier.code == Attachment.dossier_code).where(
        Attachment.document_index.is_not(None), Attachment.replaced_at.is_(None),
        _of_unit(Dossier.unit_code, unit_code)).subquery("scans")
    closes = select(
        DayClose.unit_code, DayClose.desk_slot, type_coerce(DayClose.day, IsoDay()).label("day"),
        DayClose.data["clerk"].as_string().label("clerk"), DayClose.expected_cash, DayClose.counted_total,
        DayClose.difference, DayClose.data["explanation"].as_string().label("explanation"),
    ).where(_of_unit(DayClose.unit_code, unit_code)).subquery("closes")
    sync_state = select(
        Dossier.id.label("key"), Dossier.code, Dossier.unit_code, Dossier.desk_slot, literal(True).label("synced"),
    ).where(_of_unit(Dossier.unit_code, unit_code)).subquery("sync_state")
    step_history = select(DossierEvent.dossier_id.label("key"), DossierEvent.at, DossierEvent.id.label("seq"),
                          DossierEvent.from_status, DossierEvent.to_status).subquery("step_history")
    apology_history = select(DossierRecord.dossier_id.label("key"), DossierRecord.at, DossierRecord.previous_due_at
                             ).where(DossierRecord.kind == "apology").subquery("apology_history")
    scan_history = select(Attachment.dossier_code.label("code")).where(
        Attachment.document_index.is_not(None), Attachment.replaced_at.is_(None)).subquery("scan_history")
    handover_history = select(
        DossierRecord.dossier_id.label("key"), DossierRecord.at,
        DossierRecord.data["direction"].as_string().label("direction"),
        DossierRecord.data["to_party"].as_string().label("to_party"),
    ).where(DossierRecord.kind == "handover").subquery("handover_history")
    unit_names = dict(session.execute(select(Unit.code, Unit.name).where(_of_unit(Unit.code, unit_code))).all())
    return ReportSources(
        dossiers=dossiers, steps=steps, apologies=apologies, handovers=handovers, returns=returns,
        guidance=guidance, assisted=assisted, receipts=receipts, scans=scans, closes=closes, sync_state=sync_state,
        not_synced=literal(0), unit_names=unit_names, step_history=step_history, apology_history=apology_history,
        scan_history=scan_history, handover_history=handover_history,
    )


def _records(kind: str, unit_code: str | None, *columns: Any) -> Any:
    """Lifecycle records of one kind (dossier_record), with their dossier's code, unit and desk."""
    return select(DossierRecord.dossier_id.label("key"), Dossier.code, Dossier.unit_code, Dossier.desk_slot,
                  DossierRecord.at, *columns).join(
        Dossier, Dossier.id == DossierRecord.dossier_id).where(
        and_(DossierRecord.kind == kind, _of_unit(Dossier.unit_code, unit_code)))

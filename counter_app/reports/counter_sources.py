"""The report sources over the counter's own tables (SQLite): the named columns `reports.sources` lists.

Tables that do not record their desk (receipts, day closes) take the unit and desk of this counter's
unit profile: every receipt and close in this file was made at this desk. A dossier is synced once its
`dossier.create` operation is acknowledged by the province; `not_synced` counts every operation the
province has not acknowledged (pending, in flight, rejected or in conflict).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, exists, func, literal, select
from sqlalchemy.orm import Session

from counter_app.domain.operations import OpType, OutboxState
from counter_app.domain.receipts import NUMBER_DIGITS
from counter_app.reports.sources import ReportSources
from counter_app.storage.models import (
    ApologyRow,
    AssistedFilingRow,
    AttachmentRow,
    DayCloseRow,
    DossierEvent,
    DossierRow,
    GuidanceRecord,
    HandoverRow,
    OutboxOp,
    ReceiptRow,
    ResultReturn,
    UnitProfile,
)
from counter_app.storage.profile import PROFILE_ID

NOT_ACKNOWLEDGED = [state.value for state in OutboxState if state is not OutboxState.ACKED]


def _this_desk(session_or_conn: Session | Connection) -> tuple[str, str, int]:
    """(unit code, unit name, desk slot) of this counter; blanks before the unit is set up."""
    row = session_or_conn.execute(
        select(UnitProfile.unit_code, UnitProfile.unit_name, UnitProfile.desk_slot).where(UnitProfile.id == PROFILE_ID)
    ).first()
    return (row.unit_code, row.unit_name, row.desk_slot) if row else ("", "", 0)


def _address_text() -> ColumnElement[str]:
    """The one line the slip prints (printing.receipt_slip._address): the address text, else the street."""
    address = DossierRow.applicant_address
    return func.coalesce(func.nullif(address["text"].as_string(), ""), address["street"].as_string(), "")


def _dossier_columns(key: Any = DossierRow.pk) -> tuple[Any, ...]:
    """The dossier's `key` (its integer pk: what the history tables refer to), code, unit and desk."""
    return key.label("key"), DossierRow.code, DossierRow.unit_code, DossierRow.desk_slot


def counter_sources(session_or_conn: Session | Connection) -> ReportSources:
    """Build the sources once per report (reads the unit profile)."""
    unit_code, unit_name, desk_slot = _this_desk(session_or_conn)
    unit, desk = literal(unit_code).label("unit_code"), literal(desk_slot).label("desk_slot")
    dossiers = select(
        *_dossier_columns(), DossierRow.channel, DossierRow.procedure_code, DossierRow.procedure_name,
        DossierRow.applicant_name, DossierRow.received_at, DossierRow.due_at, DossierRow.status,
        DossierRow.late_entry_reason.is_not(None).label("back_dated"), DossierRow.register_book,
        DossierRow.register_number, DossierRow.sets_count, _address_text().label("applicant_address"),
        DossierRow.applicant_phone,
    ).subquery("dossiers")
    steps = select(*_dossier_columns(DossierEvent.dossier_pk), DossierEvent.at, DossierEvent.from_status, DossierEvent.to_status,
                   DossierEvent.id.label("seq")).join(
        DossierRow, DossierEvent.dossier_pk == DossierRow.pk).subquery("steps")
    apologies = select(*_dossier_columns(ApologyRow.dossier_pk), ApologyRow.at, ApologyRow.previous_due_at).join(
        DossierRow, ApologyRow.dossier_pk == DossierRow.pk).subquery("apologies")
    handovers = select(*_dossier_columns(HandoverRow.dossier_pk), HandoverRow.at, HandoverRow.direction, HandoverRow.to_party).join(
        DossierRow, HandoverRow.dossier_pk == DossierRow.pk).subquery("handovers")
    returns = select(*_dossier_columns()[1:], ResultReturn.returned_at, ResultReturn.method).join(
        DossierRow, ResultReturn.dossier_pk == DossierRow.pk).subquery("returns")
    guidance = select(GuidanceRecord.reference, GuidanceRecord.unit_code, GuidanceRecord.desk_slot,
                      GuidanceRecord.at).subquery("guidance")
    assisted = select(AssistedFilingRow.id, AssistedFilingRow.unit_code, AssistedFilingRow.desk_slot,
                      AssistedFilingRow.at, AssistedFilingRow.outcome).subquery("assisted")
    number = func.printf(f"%s/%s/%0{NUMBER_DIGITS}d", ReceiptRow.form_number, ReceiptRow.symbol, ReceiptRow.number)
    receipts = select(
        number.label("number"), ReceiptRow.dossier_code.label("code"), unit, desk, ReceiptRow.day,
        ReceiptRow.method, ReceiptRow.fee_vnd, ReceiptRow.charge_vnd, ReceiptRow.total_vnd, ReceiptRow.status,
        ReceiptRow.cancelled_at,
    ).subquery("receipts")
    scans = select(*_dossier_columns()[1:], AttachmentRow.created_at).join(
        DossierRow, AttachmentRow.dossier_pk == DossierRow.pk).where(
        AttachmentRow.document_index.is_not(None), AttachmentRow.replaced_at.is_(None)).subquery("scans")
    closes = select(
        unit, DayCloseRow.desk_slot, DayCloseRow.day, DayCloseRow.clerk, DayCloseRow.expected_cash,
        DayCloseRow.counted_total, DayCloseRow.difference, DayCloseRow.explanation,
    ).subquery("closes")
    # Synced unless its creation still waits for the server's answer (or was refused): once acknowledged
    # for the retention, its outbox row is pruned (storage/outbox_pruning.py) and it stays synced.
    acknowledged = ~exists().where(and_(
        OutboxOp.entity_id == DossierRow.id, OutboxOp.op_type == OpType.DOSSIER_CREATE.value,
        OutboxOp.state.in_(NOT_ACKNOWLEDGED)))
    sync_state = select(*_dossier_columns(), acknowledged.label("synced")).subquery("sync_state")
    not_synced = select(func.count()).select_from(OutboxOp).where(
        OutboxOp.state.in_(NOT_ACKNOWLEDGED)).scalar_subquery()
    step_history = select(DossierEvent.dossier_pk.label("key"), DossierEvent.at, DossierEvent.id.label("seq"),
                          DossierEvent.from_status, DossierEvent.to_status).subquery("step_history")
    apology_history = select(ApologyRow.dossier_pk.label("key"), ApologyRow.at, ApologyRow.previous_due_at
                             ).subquery("apology_history")
    handover_history = select(HandoverRow.dossier_pk.label("key"), HandoverRow.at, HandoverRow.direction,
                              HandoverRow.to_party).subquery("handover_history")
    return_history = select(ResultReturn.dossier_pk.label("key"), ResultReturn.returned_at, ResultReturn.method
                            ).subquery("return_history")
    return ReportSources(
        dossiers=dossiers, steps=steps, apologies=apologies, handovers=handovers, returns=returns,
        guidance=guidance, assisted=assisted, receipts=receipts, scans=scans, closes=closes,
        sync_state=sync_state, not_synced=not_synced, unit_names={unit_code: unit_name} if unit_code else {},
        local_desk=(unit_code, desk_slot) if unit_code else None, step_history=step_history,
        apology_history=apology_history, handover_history=handover_history, return_history=return_history,
    )

"""Handlers of a desk's own records that are not dossiers: clerk accounts, assisted filings, guidance
records, and a withdrawn operation's refusal."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from counter_app.domain.accounts import merged, version_from_payload, version_payload
from counter_app.domain.payloads import (
    AccountUpsertPayload,
    AssistLogPayload,
    GuidanceRecordPayload,
    Payload,
    WithdrawnPayload,
)
from sync.protocol import ChangeKind, OpStatus
from sync.server.feed import append_change
from sync.server.ingest_lookup import DossierLookup
from sync.server.models import AssistedFiling, ClerkAccount, Device, GuidanceRecord
from sync.server.op_checks import (
    LedgerKey,
    Outcome,
    check_account_claims,
    check_desk_claim,
    check_guidance_claims,
    instant,
    kept_once,
)

log = logging.getLogger(__name__)


def withdrawn(session: Session, device: Device, key: LedgerKey, payload: Payload, raw: dict[str, Any],
               now: datetime, lookup: DossierLookup) -> Outcome:
    assert isinstance(payload, WithdrawnPayload)
    log.warning("Thiết bị %s rút thao tác seq %s (%s)", device.id, key.seq, payload.code)
    return Outcome(OpStatus.REJECTED, "withdrawn", f"Quầy đã rút thao tác này: {payload.reason}")


def upsert_account(session: Session, device: Device, key: LedgerKey, payload: Payload, raw: dict[str, Any],
                    now: datetime, lookup: DossierLookup) -> Outcome:
    """Keep the winning version of a clerk account of the device's unit; publish it to the unit's desks
    when it changed what the province holds."""
    assert isinstance(payload, AccountUpsertPayload)
    refused = check_account_claims(payload)
    if refused is not None:
        return refused
    row = session.get(ClerkAccount, (device.unit_code, payload.username))
    current = None if row is None else version_from_payload(
        {"username": row.username, "full_name": row.full_name, "role": row.role, "password_hash": row.password_hash,
         "disabled": row.disabled, "version": row.version, "changed_at": row.changed_at.isoformat()})
    keep = merged(current, version_from_payload(payload))
    if keep == current:
        return Outcome(OpStatus.ACCEPTED, "superseded" if keep != version_from_payload(payload) else "")
    if row is None:
        row = ClerkAccount(unit_code=device.unit_code, username=keep.username)
        session.add(row)
    row.full_name, row.role, row.password_hash, row.disabled = keep.full_name, keep.role.value, keep.password_hash, keep.disabled
    row.version, row.changed_at, row.updated_at, row.source_device_id = keep.version, keep.changed_at, now, device.id
    append_change(session, unit_code=device.unit_code, kind=ChangeKind.ACCOUNT, entity_id=keep.username,
                  payload=version_payload(keep), now=now)
    return Outcome(OpStatus.ACCEPTED)


def log_assistance(session: Session, device: Device, key: LedgerKey, payload: Payload, raw: dict[str, Any],
                    now: datetime, lookup: DossierLookup) -> Outcome:
    """Keep a desk's assisted-filing log line once (its id is the primary key: a race loses on it)."""
    assert isinstance(payload, AssistLogPayload)
    refusal = check_desk_claim(device, payload.unit_code, payload.desk_slot, payload.at, lookup.slots_held(device),
                               "Dòng nhật ký hỗ trợ")
    if refusal is not None:
        return refusal
    existing = session.get(AssistedFiling, payload.id)
    if existing is not None:
        return kept_once(existing.unit_code == device.unit_code and existing.data == raw, "dòng nhật ký hỗ trợ",
                         "một dòng khác")
    session.add(AssistedFiling(id=payload.id, unit_code=device.unit_code, desk_slot=payload.desk_slot,
                               at=instant(payload.at), outcome=payload.outcome.value,
                               procedure_code=payload.procedure_code, portal_code=payload.portal_code, data=raw,
                               source_device_id=device.id, received_at=now))
    return Outcome(OpStatus.ACCEPTED)


def record_guidance(session: Session, device: Device, key: LedgerKey, payload: Payload, raw: dict[str, Any],
                     now: datetime, lookup: DossierLookup) -> Outcome:
    """Keep a desk's guidance record (issue 9): once per id; its reference is the desk's, unique in the unit."""
    assert isinstance(payload, GuidanceRecordPayload)
    refused = check_guidance_claims(device, payload, lookup.slots_held(device))
    if refused is not None:
        return refused
    existing = session.get(GuidanceRecord, payload.id)
    if existing is not None:
        return kept_once(existing.unit_code == device.unit_code and existing.data == raw, "phiếu hướng dẫn",
                         "một phiếu khác")
    taken = session.scalar(select(GuidanceRecord.id).where(GuidanceRecord.unit_code == device.unit_code,
                                                          GuidanceRecord.reference == payload.reference))
    if taken is not None:
        return Outcome(OpStatus.REJECTED, "duplicate_reference",
                       f"Số phiếu hướng dẫn {payload.reference} đã được dùng cho một phiếu khác của đơn vị.")
    session.add(GuidanceRecord(id=payload.id, unit_code=device.unit_code, reference=payload.reference,
                               at=instant(payload.at), procedure_code=payload.procedure_code, data=raw,
                               source_device_id=device.id, created_at=now))
    return Outcome(OpStatus.ACCEPTED)



"""The papers handed to the citizen, rendered from stored dossiers."""

from __future__ import annotations

from pathlib import Path

from counter_app.domain.errors import DomainError
from counter_app.domain.fees import owed_text
from counter_app.domain.lifecycle import Status
from counter_app.domain.time_rules import processing_time_text
from counter_app.printing.receipt_slip import SlipHeader, render_receipt_slip
from counter_app.services.dossiers import get_dossier
from counter_app.services.fees import fees_due
from counter_app.services.recode import codes_given_before, replacement_note
from counter_app.services.unit_setup import CounterProfile, load_profile
from counter_app.storage.database import Database
from counter_app.storage.dossiers import get_row
from counter_app.storage.procedures import get_procedure


def slip_header(profile: CounterProfile) -> SlipHeader:
    return SlipHeader(
        authority=profile.authority_name.upper(),
        office=profile.unit_name.upper(),
        place_name=profile.place_name,
        receiving_unit=profile.unit_name,
        tracking_url=profile.lookup_url,
    )


def receipt_slip_pdf(db: Database, code: str) -> bytes:
    """Mẫu 01 for the dossier `code` as PDF bytes."""
    profile = load_profile(db)
    dossier = get_dossier(db, code)
    if dossier.history and dossier.history[0].to_status is Status.REFUSED:  # refused at intake: never received
        raise DomainError(f"Hồ sơ {dossier.code} bị từ chối tiếp nhận ngay tại quầy nên không có giấy tiếp nhận "
                          "(Mẫu 01); hãy in phiếu từ chối tiếp nhận (Mẫu 03).")
    with db.read() as session:
        procedure = get_procedure(session, dossier.procedure_code)
        owed = owed_text(fees_due(session, dossier.code))
        row = get_row(session, dossier.code)
        replaces = replacement_note(codes_given_before(session, row.pk)) if row is not None else ""
    # The rule of the dossier's channel, worded as the picker and the CLI word it.
    time_text = processing_time_text(procedure.time_rule(dossier.channel)) if procedure else ""
    number = str(dossier.register_number) if dossier.register_number else ""
    return render_receipt_slip(
        dossier,
        slip_header(profile),
        clerk_name=dossier.received_by or profile.clerk_name,
        processing_time=time_text,
        register_book=dossier.register_book,
        register_number=number,
        fees_owed=owed,
        replaces=replaces,
    )


def save_receipt_slip(db: Database, code: str, out: Path) -> Path:
    """Write the slip atomically: a half-written PDF never replaces a good one."""
    data = receipt_slip_pdf(db, code)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(out)
    return out

"""The hand-over receipt and the postal label of a returned result, rendered from stored records."""

from __future__ import annotations

from pathlib import Path

from counter_app.domain.admin_units import format_address
from counter_app.domain.returns import Payer, ReturnMethod
from counter_app.printing.return_papers import (
    HandoverInfo,
    LabelInfo,
    render_address_label,
    render_handover_receipt,
)
from counter_app.services.dossiers import get_dossier
from counter_app.services.returns import ReturnRecord, ReturnRefused, returns_of
from counter_app.services.unit_setup import load_profile
from counter_app.storage.database import Database


def _latest(db: Database, code: str, method: ReturnMethod) -> ReturnRecord:
    found = [r for r in returns_of(db, code) if r.method is method]
    if not found:
        what = "trả tại quầy" if method is ReturnMethod.DESK else "gửi qua bưu chính"
        raise ReturnRefused(f"Hồ sơ {code} chưa có lần {what} nào để in.")
    return found[-1]


def handover_pdf(db: Database, code: str) -> bytes:
    """The receipt of the dossier's latest return at the desk."""
    record = _latest(db, code, ReturnMethod.DESK)
    dossier = get_dossier(db, code)
    profile = load_profile(db)
    return render_handover_receipt(HandoverInfo(
        authority=profile.authority_name, office=profile.unit_name, place_name=profile.place_name,
        dossier_code=dossier.code, procedure_name=dossier.procedure_name, applicant_name=dossier.applicant.full_name,
        receiver_name=record.receiver_name, receiver_id_number=record.receiver_id_number,
        returned_at=record.returned_at, clerk=record.clerk or profile.clerk_name))


def label_pdf(db: Database, code: str, size: str = "a6") -> bytes:
    """The envelope label of the dossier's latest posted result (`size`: "a6" or "100x150")."""
    record = _latest(db, code, ReturnMethod.POST)
    dossier = get_dossier(db, code)
    profile = load_profile(db)
    sender = (format_address("", profile.ward_code, profile.province_code)
              if profile.ward_code is not None and profile.province_code is not None else profile.place_name)
    assert record.item_code is not None and record.postage is not None and record.payer is not None
    return render_address_label(LabelInfo(
        item_code=record.item_code, dossier_code=dossier.code, sender_name=profile.unit_name, sender_address=sender,
        recipient_name=record.receiver_name, recipient_phone=record.phone, recipient_address=record.address_text,
        postage=record.postage, payer_label=Payer(record.payer).label, procedure_name=dossier.procedure_name), size)


def save_pdf(data: bytes, out: Path) -> Path:
    """Write atomically: a half-written PDF never replaces a good one."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(out)
    return out

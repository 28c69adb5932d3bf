"""Mẫu 02–05 filled from stored records (printing/forms renders them): one function per form, PDF bytes out.

Mẫu 02 has two sources: a guidance record at intake (no dossier code) or a dossier waiting for papers;
Mẫu 03 a refused dossier (its reason is the history note of the change to status 3); Mẫu 04 and 05 the
lifecycle records of the dossier. Writing is atomic: a half-written PDF never replaces a good one.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from counter_app.domain.dossier import Dossier
from counter_app.domain.errors import DomainError
from counter_app.domain.formats import office_datetime, slip_time
from counter_app.domain.guidance import Guidance
from counter_app.domain.lifecycle import Status
from counter_app.domain.lifecycle_records import Handover, HandoverDirection
from counter_app.domain.time_rules import TimeRule, processing_time_text
from counter_app.printing.forms.form02 import Form02, render_form02
from counter_app.printing.forms.form03 import Form03, render_form03
from counter_app.printing.forms.form04 import Form04, render_form04
from counter_app.printing.forms.form05 import Form05, HandoverLine, render_form05
from counter_app.services.dossiers import get_dossier
from counter_app.services.guidance import get_guidance
from counter_app.services.lifecycle import DossierRecords, records_of
from counter_app.services.slips import slip_header
from counter_app.services.unit_setup import CounterProfile, load_profile
from counter_app.storage.database import Database
from counter_app.storage.procedures import get_procedure


class FormNotApplicable(DomainError):
    """The dossier is not in a state that issues this form."""


def _request_content(dossier: Dossier) -> str:
    return dossier.summary or dossier.procedure_name


def guidance_form02(profile: CounterProfile, guidance: Guidance) -> Form02:
    return Form02(
        header=slip_header(profile), applicant=guidance.applicant,
        request_content=guidance.summary or guidance.procedure_name, missing=list(guidance.missing),
        reason=guidance.reason, clerk_name=guidance.clerk, issued_at=guidance.at, number=guidance.reference,
        website=profile.lookup_url,
    )


def refusal_reason(dossier: Dossier) -> str:
    """The note of the change that refused the dossier ("" if it was never refused)."""
    return next((c.note for c in reversed(dossier.history) if c.to_status is Status.REFUSED), "")


def refusal_form03(profile: CounterProfile, dossier: Dossier) -> Form03:
    if dossier.status is not Status.REFUSED:
        raise FormNotApplicable(f"Hồ sơ {dossier.code} đang ở trạng thái «{dossier.status.label}», không phải "
                                "«Không được tiếp nhận»: không in được phiếu từ chối (Mẫu 03).")
    change = next(c for c in reversed(dossier.history) if c.to_status is Status.REFUSED)
    return Form03(header=slip_header(profile), code=dossier.code, applicant=dossier.submitted_by,
                  request_content=_request_content(dossier), reason=change.note,
                  clerk_name=change.actor or dossier.received_by, issued_at=change.at, website=profile.lookup_url)


def form02_pdf(db: Database, key: str) -> bytes:
    """Mẫu 02 of a guidance record (its reference HD…) or of a dossier waiting for papers (its code)."""
    profile = load_profile(db)
    if key.strip().upper().startswith("HD"):
        return render_form02(guidance_form02(profile, get_guidance(db, key)))
    return render_form02(supplement_form02(profile, records_of(db, key)))


def supplement_form02(profile: CounterProfile, records: DossierRecords) -> Form02:
    """Mẫu 02 of a received dossier whose processing needs more papers (its latest supplement request)."""
    dossier = records.dossier
    if not records.supplements:
        raise FormNotApplicable(f"Hồ sơ {dossier.code} chưa có yêu cầu bổ sung giấy tờ nào: không in được phiếu "
                                "yêu cầu bổ sung (Mẫu 02).")
    request = records.supplements[-1]
    extra = [f"Ngày hẹn trả trước khi yêu cầu bổ sung: {slip_time(request.due_at_before)}"]
    if request.due_at_after is not None:
        extra.append(f"Ngày hẹn trả mới sau khi bổ sung: {slip_time(request.due_at_after)}")
    return Form02(header=slip_header(profile), applicant=dossier.submitted_by, request_content=_request_content(dossier),
                  missing=list(request.missing), reason=request.reason, clerk_name=request.requested_by,
                  issued_at=request.requested_at, code=dossier.code, website=profile.lookup_url, extra_lines=extra)


def apology_form04(profile: CounterProfile, records: DossierRecords) -> Form04:
    """Mẫu 04 of the dossier's latest apology (both due dates: NgayHenTraTruoc / NgayHenTraMoi)."""
    dossier = records.dossier
    if not records.apologies:
        raise FormNotApplicable(f"Hồ sơ {dossier.code} chưa có phiếu xin lỗi nào được lập: hãy lập phiếu (lý do và "
                                "ngày hẹn trả mới) trước khi in Mẫu 04.")
    apology = records.apologies[-1]
    return Form04(header=slip_header(profile), code=dossier.code, applicant=dossier.submitted_by,
                  request_content=_request_content(dossier), received_at=dossier.received_at,
                  previous_due_at=apology.previous_due_at, new_due_at=apology.new_due_at, reason=apology.reason,
                  signer_name=apology.by, issued_at=apology.at)


def handover_line(handover: Handover) -> HandoverLine:
    """A hand-over record as a row of Mẫu 05: the desk's clerk signs as giver or receiver, the agency by hand."""
    to_agency = handover.direction is HandoverDirection.TO_AGENCY
    return HandoverLine(direction=handover.direction.label, at=handover.at, from_unit=handover.from_party,
                        to_unit=handover.to_party, handed_by=handover.by if to_agency else "",
                        received_by="" if to_agency else handover.by, outcome=handover.outcome.label,
                        note=f"Hạn giải quyết: {office_datetime(handover.due_at)}")


def control_form05(profile: CounterProfile, records: DossierRecords, processing_time: str) -> Form05:
    dossier = records.dossier
    if dossier.status is Status.REFUSED:
        raise FormNotApplicable(f"Hồ sơ {dossier.code} không được tiếp nhận: không có quá trình giải quyết để "
                                "in phiếu kiểm soát (Mẫu 05).")
    return Form05(header=slip_header(profile), code=dossier.code, submitter=dossier.submitted_by,
                  applicant=dossier.applicant, request_content=_request_content(dossier),
                  received_at=dossier.received_at, due_at=dossier.due_at, processing_time=processing_time,
                  documents=list(dossier.documents), sets_count=dossier.sets_count,
                  handovers=[handover_line(h) for h in records.handovers])


def form03_pdf(db: Database, code: str) -> bytes:
    return render_form03(refusal_form03(load_profile(db), get_dossier(db, code)))


def form04_pdf(db: Database, code: str) -> bytes:
    return render_form04(apology_form04(load_profile(db), records_of(db, code)))


def form05_pdf(db: Database, code: str) -> bytes:
    records = records_of(db, code)
    with db.read() as session:
        procedure = get_procedure(session, records.dossier.procedure_code)
    # The rule of the dossier's channel, in the words of Mẫu 01 (services.slips does the same).
    time_text = (processing_time_text(procedure.time_rule(records.dossier.channel)) if procedure else
                 processing_time_text(TimeRule.from_hours(records.dossier.processing_hours)))
    return render_form05(control_form05(load_profile(db), records, time_text))


FORM_PDFS: dict[str, Callable[[Database, str], bytes]] = {
    "form02": form02_pdf, "form03": form03_pdf, "form04": form04_pdf, "form05": form05_pdf,
}


def save_form(db: Database, form: str, key: str, out: Path) -> Path:
    """Write form `form` ("form02"…"form05") of `key` to `out` atomically."""
    data = FORM_PDFS[form](db, key)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(out)
    return out



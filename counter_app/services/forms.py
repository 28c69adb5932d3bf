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
from counter_app.domain.guidance import Guidance
from counter_app.domain.lifecycle import Status
from counter_app.printing.forms.form02 import Form02, render_form02
from counter_app.printing.forms.form03 import Form03, render_form03
from counter_app.services.dossiers import get_dossier
from counter_app.services.guidance import get_guidance
from counter_app.services.slips import slip_header
from counter_app.services.unit_setup import CounterProfile, load_profile
from counter_app.storage.database import Database


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
    return render_form02(supplement_form02(profile, get_dossier(db, key)))


def supplement_form02(profile: CounterProfile, dossier: Dossier) -> Form02:
    """Mẫu 02 of a received dossier whose processing needs more papers (status 5)."""
    if dossier.status is not Status.SUPPLEMENT_REQUESTED:
        raise FormNotApplicable(f"Hồ sơ {dossier.code} đang ở trạng thái «{dossier.status.label}», chưa có yêu cầu "
                                "bổ sung giấy tờ: không in được phiếu yêu cầu bổ sung (Mẫu 02).")
    change = next(c for c in reversed(dossier.history) if c.to_status is Status.SUPPLEMENT_REQUESTED)
    return Form02(header=slip_header(profile), applicant=dossier.submitted_by,
                  request_content=_request_content(dossier), missing=[], reason=change.note,
                  clerk_name=change.actor, issued_at=change.at, code=dossier.code, website=profile.lookup_url)


def form03_pdf(db: Database, code: str) -> bytes:
    return render_form03(refusal_form03(load_profile(db), get_dossier(db, code)))


FORM_PDFS: dict[str, Callable[[Database, str], bytes]] = {"form02": form02_pdf, "form03": form03_pdf}


def save_form(db: Database, form: str, key: str, out: Path) -> Path:
    """Write form `form` ("form02"…"form05") of `key` to `out` atomically."""
    data = FORM_PDFS[form](db, key)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(out)
    return out



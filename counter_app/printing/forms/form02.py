"""Mẫu 02 "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ": what the citizen must add, once, and why.

Issued at intake as guidance (no dossier code is spent: `code` is "") or for a received dossier whose
processing needs more papers (status 5, with its code and bar code).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer

from counter_app.domain.dossier import DocumentLine, Person
from counter_app.domain.text import nfc
from counter_app.printing.forms.layout import (
    BODY,
    BODY_BOLD,
    FormDocument,
    SlipHeader,
    heading,
    or_blank,
    papers_table,
    paragraphs,
    person_lines,
    signatures,
    title_block,
    x,
)

TITLE = "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ"
FORM_NUMBER = "Mẫu số 02"


@dataclass(frozen=True)
class Form02:
    header: SlipHeader
    applicant: Person
    request_content: str  # Nội dung yêu cầu giải quyết (the procedure's name when nothing else)
    missing: list[DocumentLine]
    reason: str
    clerk_name: str
    issued_at: datetime
    code: str = ""  # "" for guidance at intake: no dossier code spent
    number: str = ""  # "Số:" in the heading (the guidance reference, or the dossier code)
    contact_phone: str = ""
    website: str = ""  # where the procedure is published (the unit's lookup address)
    extra_lines: list[str] = field(default_factory=list)  # e.g. the due date paused by a supplement


def render_form02(form: Form02) -> bytes:
    """Mẫu 02 as PDF bytes (A5)."""
    doc = FormDocument(title=TITLE, form_number=FORM_NUMBER, code=nfc(form.code), author=form.header.authority)
    unit = nfc(form.header.receiving_unit) or nfc(form.header.authority)
    story: list[Flowable] = [*heading(form.header, form.number or form.code, form.issued_at, FORM_NUMBER),
                             *title_block(TITLE, nfc(form.code), form.header)]
    lines = [f"Bộ phận tiếp nhận và trả kết quả: <b>{x(unit)}</b>",
             *person_lines(form.applicant, lead="Tiếp nhận hồ sơ/yêu cầu của"),
             f"Nội dung yêu cầu giải quyết: <b>{x(form.request_content)}</b>",
             *(x(line) for line in form.extra_lines)]
    story += paragraphs(lines)
    story.append(Paragraph("Yêu cầu bổ sung, hoàn thiện hồ sơ gồm những nội dung sau:", BODY_BOLD))
    story += [Spacer(1, 1.5 * mm), papers_table(form.missing, "(Xem lý do yêu cầu bên dưới)"), Spacer(1, 2 * mm)]
    contact = f"{x(form.clerk_name)}" + (f", số điện thoại {x(form.contact_phone)}" if nfc(form.contact_phone) else "")
    tail = [
        Paragraph(f"<b>Lý do yêu cầu:</b> {or_blank(form.reason)}", BODY),
        Paragraph("Trong quá trình hoàn thiện hồ sơ, nếu có vướng mắc, Ông/Bà liên hệ với "
                  f"{contact} để được hướng dẫn.", BODY),
    ]
    if nfc(form.website):
        tail.append(Paragraph(f"Tra cứu thủ tục hành chính và tình trạng hồ sơ tại: {x(form.website)}", BODY))
    tail += [Spacer(1, 4 * mm),
             signatures([("NGƯỜI NỘP HỒ SƠ", form.applicant.full_name), ("NGƯỜI HƯỚNG DẪN", form.clerk_name)])]
    story.append(KeepTogether(tail))
    return doc.build(story)

"""Mẫu 03 "Phiếu từ chối tiếp nhận giải quyết hồ sơ": the dossier is not accepted, and the reason."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer

from counter_app.domain.dossier import Person
from counter_app.domain.text import nfc
from counter_app.printing.forms.layout import (
    BODY,
    FormDocument,
    SlipHeader,
    heading,
    or_blank,
    paragraphs,
    person_lines,
    signatures,
    title_block,
    x,
)

TITLE = "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ"
FORM_NUMBER = "Mẫu số 03"


@dataclass(frozen=True)
class Form03:
    header: SlipHeader
    code: str  # the refused dossier's code (status 3)
    applicant: Person
    request_content: str
    reason: str
    clerk_name: str
    issued_at: datetime
    website: str = ""


def render_form03(form: Form03) -> bytes:
    """Mẫu 03 as PDF bytes (A5)."""
    code = nfc(form.code)
    doc = FormDocument(title=TITLE, form_number=FORM_NUMBER, code=code, author=form.header.authority)
    unit = nfc(form.header.receiving_unit) or nfc(form.header.authority)
    story: list[Flowable] = [*heading(form.header, code, form.issued_at, FORM_NUMBER),
                             *title_block(TITLE, code, form.header)]
    story += paragraphs([
        f"Bộ phận tiếp nhận và trả kết quả: <b>{x(unit)}</b>",
        *person_lines(form.applicant, lead="Tiếp nhận hồ sơ của"),
        f"Nội dung yêu cầu giải quyết: <b>{x(form.request_content)}</b>",
        "Sau khi xem xét, đối chiếu với quy định hiện hành, Bộ phận tiếp nhận và trả kết quả thông báo không "
        "tiếp nhận, giải quyết hồ sơ này với lý do cụ thể như sau:",
        f"<b>{or_blank(form.reason)}</b>",
        "Xin thông báo để Ông/Bà được biết và thực hiện.",
    ])
    tail: list[Flowable] = []
    if nfc(form.website):
        tail.append(Paragraph(f"Tra cứu thủ tục hành chính tại: {x(form.website)}", BODY))
    tail += [Spacer(1, 4 * mm),
             signatures([("NGƯỜI NỘP HỒ SƠ", form.applicant.full_name), ("NGƯỜI TỪ CHỐI", form.clerk_name)])]
    story.append(KeepTogether(tail))
    return doc.build(story)

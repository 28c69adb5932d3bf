"""Mẫu 05 "Phiếu kiểm soát quá trình giải quyết hồ sơ": travels with the paper dossier; one row per hand-over.

Each row says who handed the dossier to whom and when, and whether that step finished early, on time or
late against the due date (the official form's Trước hạn / Đúng hạn / Quá hạn). Empty rows follow the
recorded ones, for the steps still to be written by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer

from counter_app.domain.dossier import DocumentLine, Person
from counter_app.domain.formats import slip_time
from counter_app.domain.text import nfc
from counter_app.printing.forms.layout import (
    BODY_BOLD,
    CELL,
    CELL_CENTER,
    CELL_HEAD,
    CONTENT_WIDTH,
    FormDocument,
    SlipHeader,
    address_of,
    grid,
    heading,
    or_blank,
    papers_table,
    paragraphs,
    title_block,
    x,
)

TITLE = "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ"
FORM_NUMBER = "Mẫu số 05"


@dataclass(frozen=True)
class HandoverLine:
    """One hand-over: `direction` "giao" (to the agency) or "nhận" (the result back at the desk)."""

    direction: str
    at: datetime
    from_unit: str
    to_unit: str
    handed_by: str = ""
    received_by: str = ""
    outcome: str = ""  # "Trước hạn" | "Đúng hạn" | "Quá hạn" | "" (not judged)
    note: str = ""


@dataclass(frozen=True)
class Form05:
    header: SlipHeader
    code: str
    submitter: Person
    applicant: Person  # chủ hồ sơ
    request_content: str
    received_at: datetime
    due_at: datetime
    processing_time: str  # "03 ngày làm việc" in the words of time_rules
    documents: list[DocumentLine]
    sets_count: int
    handovers: list[HandoverLine] = field(default_factory=list)
    issued_at: datetime | None = None  # defaults to received_at
    blank_rows: int = 3


def _row(line: HandoverLine) -> list[object]:
    unit = f"1. Giao: {or_blank(line.from_unit)}<br/>2. Nhận: {or_blank(line.to_unit)}"
    when = (f"<b>{x(line.direction.capitalize())}</b> lúc {slip_time(line.at)}<br/>"
            f"Người giao: {or_blank(line.handed_by)}<br/>Người nhận: {or_blank(line.received_by)}")
    return [Paragraph(unit, CELL), Paragraph(when, CELL), Paragraph(x(line.outcome), CELL_CENTER),
            Paragraph(x(line.note), CELL)]


def render_form05(form: Form05) -> bytes:
    """Mẫu 05 as PDF bytes (A5; the hand-over table flows onto more pages, its head repeated)."""
    code = nfc(form.code)
    doc = FormDocument(title=TITLE, form_number=FORM_NUMBER, code=code, author=form.header.authority)
    submitter = form.submitter
    story: list[Flowable] = [*heading(form.header, code, form.issued_at or form.received_at, FORM_NUMBER),
                             *title_block(TITLE, code, form.header)]
    lines = [  # "Mã hồ sơ" is printed under the bar code
        f"Nội dung hồ sơ: <b>{x(form.request_content)}</b>",
        f"Người nộp: <b>{x(submitter.full_name)}</b>; địa chỉ: {or_blank(address_of(submitter))}",
        f"Số điện thoại: {or_blank(submitter.phone)}&nbsp;&nbsp;&nbsp;Email: {or_blank(submitter.email)}",
        f"Chủ hồ sơ: <b>{x(form.applicant.full_name)}</b>",
        f"Ngày nhận: {slip_time(form.received_at)}",
        f"Thời gian giải quyết theo quy định: {or_blank(form.processing_time)}",
        f"Ngày hẹn trả kết quả: {slip_time(form.due_at)}",
    ]
    story += paragraphs(lines)
    story += [Paragraph("Thành phần hồ sơ:", BODY_BOLD), Spacer(1, 1 * mm), papers_table(form.documents),
              Paragraph(f"Số lượng hồ sơ: {form.sets_count:02d} bộ", BODY_BOLD), Spacer(1, 3 * mm)]
    head = [Paragraph(text, CELL_HEAD) for text in
            ("TÊN CƠ QUAN", "THỜI GIAN GIAO, NHẬN HỒ SƠ", "KẾT QUẢ XỬ LÝ HỒ SƠ (Trước hạn / Đúng hạn / Quá hạn)",
             "GHI CHÚ")]
    rows: list[list[object]] = [head, *(_row(line) for line in form.handovers)]
    blank = [Paragraph("1. Giao: …………<br/>2. Nhận: …………", CELL),
             Paragraph("… giờ … phút, ngày … / … / ……<br/>Người giao: ……<br/>Người nhận: ……", CELL), "", ""]
    rows += [list(blank) for _ in range(max(0, form.blank_rows))]
    widths = [CONTENT_WIDTH * 0.30, CONTENT_WIDTH * 0.34, CONTENT_WIDTH * 0.18, CONTENT_WIDTH * 0.18]
    story.append(grid(rows, widths))
    return doc.build(story)

"""Mẫu 04 "Phiếu xin lỗi và hẹn lại ngày trả kết quả": a late result, the reason, the new due date.

Both dates print (the national portal's NgayHenTraTruoc / NgayHenTraMoi), so the citizen holds the
promise that was broken and the one that replaces it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer

from counter_app.domain.dossier import Person
from counter_app.domain.formats import office_date, slip_time
from counter_app.domain.text import nfc
from counter_app.printing.forms.layout import (
    FormDocument,
    SlipHeader,
    heading,
    honorific,
    or_blank,
    paragraphs,
    signatures,
    title_block,
    x,
)

TITLE = "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ"
FORM_NUMBER = "Mẫu số 04"


@dataclass(frozen=True)
class Form04:
    header: SlipHeader
    code: str
    applicant: Person
    request_content: str
    received_at: datetime
    previous_due_at: datetime  # NgayHenTraTruoc
    new_due_at: datetime  # NgayHenTraMoi
    reason: str
    signer_name: str
    issued_at: datetime


def render_form04(form: Form04) -> bytes:
    """Mẫu 04 as PDF bytes (A5)."""
    code = nfc(form.code)
    doc = FormDocument(title=TITLE, form_number=FORM_NUMBER, code=code, author=form.header.authority)
    unit = x(nfc(form.header.receiving_unit) or nfc(form.header.authority))
    who = honorific(form.applicant).strip() or "Ông/Bà"
    story: list[Flowable] = [*heading(form.header, code, form.issued_at, FORM_NUMBER),
                             *title_block(TITLE, code, form.header)]
    story += paragraphs([
        f"Kính gửi: {who} <b>{x(form.applicant.full_name)}</b>",
        f"Ngày {office_date(form.received_at)}, {unit} tiếp nhận giải quyết hồ sơ của {who}, mã hồ sơ "
        f"<b>{x(code)}</b>; nội dung yêu cầu giải quyết: <b>{x(form.request_content)}</b>.",
        f"Thời gian hẹn trả kết quả giải quyết hồ sơ (ngày hẹn trả trước): <b>{slip_time(form.previous_due_at)}</b>.",
        f"Tuy nhiên, đến nay {unit} chưa trả kết quả giải quyết hồ sơ của {who} đúng hạn ghi trên Giấy tiếp nhận "
        "hồ sơ và hẹn trả kết quả.",
        f"Lý do: <b>{or_blank(form.reason)}</b>",
        f"Sự chậm trễ này đã gây phiền hà, tốn kém chi phí đi lại của {who}. {unit} xin lỗi {who} và sẽ trả "
        f"kết quả giải quyết hồ sơ cho {who} vào (ngày hẹn trả mới): <b>{slip_time(form.new_due_at)}</b>.",
        f"Kính mong {who} thông cảm.",
    ])
    story.append(KeepTogether([Spacer(1, 5 * mm),
                               signatures([("", ""), ("ĐẠI DIỆN CƠ QUAN, ĐƠN VỊ", form.signer_name)])]))
    return doc.build(story)

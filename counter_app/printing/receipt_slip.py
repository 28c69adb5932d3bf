"""Mẫu 01 "Giấy tiếp nhận hồ sơ và hẹn trả kết quả" (TT 01/2018/TT-VPCP annex) as an A5 PDF.

The slip is the citizen's proof that the dossier was received and when the result is due, so it
prints the dossier code three ways: as text, as a Code128 the return desk scans, and as a QR the
citizen scans to track it. The slip is one A5 page: the layout is tried at the usual size, then with
a tighter table and signature space, and only when even that cannot hold the papers on one page on A4
(`FITS`). A list too long even for A4 flows onto more pages, the end of the table kept together with
the due date and the signatures, so neither is ever alone on a page. docs/papers-and-slip.md.

This module holds what the slip says and in which order; the layouts and the flowables it is built from
(code row, papers table, signatures) are in slip_layout.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from xml.sax.saxutils import escape

from reportlab.lib.enums import TA_CENTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from counter_app import __version__
from counter_app.domain import labels
from counter_app.domain.dossier import ApplicantType, Dossier, Gender, Person, ResultDelivery
from counter_app.domain.formats import place_date, slip_time
from counter_app.domain.text import nfc
from counter_app.domain.time_rules import TimeRule, processing_time_text
from counter_app.printing.fonts import FONT_BOLD, FONT_ITALIC, FONT_REGULAR, register_fonts
from counter_app.printing.slip_layout import (
    FITS,
    MARGIN,
    CodeRow,
    Fit,
    Rule,
    document_rows,
    documents_table,
    later_page,
    pdf_text,
    signatures,
    style,
)

TITLE = "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ"
BLANK = "…………"
# Rows of the papers table kept on the page of the due date and signatures when the slip needs pages.
TAIL_ROWS = 2


@dataclass(frozen=True)
class SlipHeader:
    """What the slip says about the issuing office; comes from the unit's settings, not the dossier."""

    authority: str  # e.g. "UBND PHƯỜNG HẢI CHÂU"
    office: str  # e.g. "BỘ PHẬN MỘT CỬA" or "BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ"
    place_name: str  # for "Hải Châu, ngày 03 tháng 02 năm 2026"
    # QR content: the code is appended, or substituted for "{code}" if present; empty = code only.
    tracking_url: str = ""
    # The receiving unit in running text; the authority is used when empty.
    receiving_unit: str = ""

    def qr_payload(self, code: str) -> str:
        url = nfc(self.tracking_url)
        if not url:
            return code
        return url.replace("{code}", code) if "{code}" in url else url + code


_HEAD_BOLD = style("headBold", FONT_BOLD, 8, alignment=TA_CENTER)
_HEAD_NOTE = style("headNote", FONT_REGULAR, 8, alignment=TA_CENTER, spaceBefore=3)
_DATE_LINE = style("dateLine", FONT_ITALIC, 8, alignment=TA_CENTER, spaceBefore=3)
_TITLE = style("title", FONT_BOLD, 11, alignment=TA_CENTER, spaceBefore=8, spaceAfter=2)


def _due_text(dossier: Dossier) -> str:
    """Item 5: the due date in force, and when it was moved (a supplement answered, an apology), the date
    it replaced, as the portal keeps both (NgayHenTraMoi / NgayHenTraTruoc): a reprint never hides a move."""
    due = slip_time(dossier.due_at)
    if dossier.previous_due_at is None or dossier.previous_due_at == dossier.due_at:
        return due
    return f"{due} (hẹn lại; ngày hẹn trước: {slip_time(dossier.previous_due_at)})"


def honorific(person: Person) -> str:
    if person.applicant_type is not ApplicantType.CITIZEN:
        return ""
    if person.gender is Gender.MALE:
        return "Ông "
    if person.gender is Gender.FEMALE:
        return "Bà "
    return "Ông/Bà "


def _address(person: Person) -> str:
    return nfc(person.address.text) or nfc(person.address.street)


def _or_blank(value: str) -> str:
    return escape(value) if value else BLANK


def _same_person(a: Person, b: Person) -> bool:
    if a.id_number and b.id_number:
        return nfc(a.id_number) == nfc(b.id_number)
    return nfc(a.full_name) == nfc(b.full_name)


def _header(dossier: Dossier, header: SlipHeader, code: str, width: float) -> Table:
    motto = "Độc lập - Tự do - Hạnh phúc"
    authority, office = nfc(header.authority).upper(), nfc(header.office).upper()
    left_width = width * 0.46
    # Shrink (down to 6.5 pt) rather than wrap: a two-line office name pushes the whole slip down.
    widest = max(stringWidth(authority, FONT_REGULAR, 8), stringWidth(office, FONT_BOLD, 8), 1)
    size = max(6.5, min(8.0, 8 * (left_width - 2) / widest))
    left = [
        Paragraph(escape(authority), style("authority", FONT_REGULAR, size, alignment=TA_CENTER)),
        Paragraph(escape(office), style("office", FONT_BOLD, size, alignment=TA_CENTER)),
        Rule(22 * mm),
        Paragraph(f"Số: {escape(code)}", _HEAD_NOTE),
    ]
    right = [
        Paragraph("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", _HEAD_BOLD),
        Paragraph(motto, style("motto", FONT_BOLD, 8.5, alignment=TA_CENTER)),
        Rule(stringWidth(motto, FONT_BOLD, 8.5)),
        Paragraph(escape(place_date(nfc(header.place_name), dossier.received_at)), _DATE_LINE),
    ]
    table = Table([[left, right]], colWidths=[left_width, width - left_width])
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), FONT_REGULAR),  # the cell default is Helvetica
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return table


def _story(
    dossier: Dossier, header: SlipHeader, clerk_name: str | None, register: str, time_text: str, fit: Fit, *,
    keep_tail: bool,
    tail_head: bool = False,
    fees_owed: str = "",
    replaces: str = "",
) -> list[Flowable]:
    """The slip's content for one layout; `keep_tail` holds the table's last rows with the signatures
    (`tail_head`: those rows start a page, so they carry the table's head)."""
    code = nfc(dossier.code)
    submitter = dossier.submitted_by
    applicant = dossier.applicant
    story: list[Flowable] = [
        _header(dossier, header, code, fit.content_width),
        Paragraph(TITLE, _TITLE),
        CodeRow(code, header.qr_payload(code)),
    ]
    if replaces:  # not a field of Mẫu 01: the slip with the old code the citizen holds is replaced by this one
        size = fit.body_size - 0.5
        story.append(Paragraph(escape(nfc(replaces)), ParagraphStyle(
            f"replaces{size}", fontName=FONT_ITALIC, fontSize=size, leading=size * 1.15, spaceBefore=1)))
    story.append(Spacer(1, 2 * mm))
    unit = nfc(header.receiving_unit) or nfc(header.authority)
    channel = dossier.channel.label.lower()
    lines = [
        f"Bộ phận tiếp nhận và trả kết quả: <b>{escape(unit)}</b>",
        f"Tiếp nhận hồ sơ của: {honorific(submitter)}<b>{pdf_text(submitter.full_name)}</b> (hình thức nộp: {channel})",
        f"{labels.ADDRESS}: {_or_blank(_address(submitter))}",
        f"{labels.PHONE}: {_or_blank(nfc(submitter.phone))}&nbsp;&nbsp;&nbsp;{labels.EMAIL}: {_or_blank(nfc(submitter.email))}",
        f"Số {escape(submitter.id_type.label)}: {_or_blank(nfc(submitter.id_number))}",
        f"Nội dung yêu cầu giải quyết: <b>{pdf_text(dossier.summary) or pdf_text(dossier.procedure_name)}</b>",
    ]
    if not _same_person(submitter, applicant):
        lines.append(
            f"Chủ hồ sơ: {honorific(applicant)}<b>{pdf_text(applicant.full_name)}</b>; "
            f"địa chỉ: {_or_blank(_address(applicant))}"
        )
    story += [Paragraph(text, fit.body) for text in lines]
    story.append(Paragraph("<b>1. Thành phần hồ sơ:</b>", style(f"section{fit.body_size}", size=fit.body_size,
                                                                  spaceBefore=3, spaceAfter=2)))
    rows = document_rows(dossier, fit)
    tail: list[Flowable] = []
    if keep_tail and len(rows) > TAIL_ROWS:
        story.append(documents_table(rows[:-TAIL_ROWS], fit))
        last_rows = documents_table(rows[-TAIL_ROWS:], fit, with_head=tail_head)
        last_rows.slip_tail = True  # found again by _SlipDoc.afterFlowable
        tail.append(last_rows)
    else:
        story.append(documents_table(rows, fit))
    tail.append(Spacer(1, 1.5 * mm))
    # The label reads "Tại Bộ phận Một cửa"; after "nhận kết quả tại:" the "Tại" would repeat.
    delivery = dossier.result_delivery.label.removeprefix("Tại ")
    if dossier.result_delivery is ResultDelivery.POSTAL and _address(applicant):
        delivery += f" (địa chỉ nhận: {_address(applicant)})"
    items = [
        f"<b>2. Số lượng hồ sơ:</b> {dossier.sets_count:02d} bộ",
        f"<b>3. Thời gian giải quyết hồ sơ theo quy định:</b> {escape(time_text)}",
        f"<b>4. Thời gian nhận hồ sơ:</b> {slip_time(dossier.received_at)}",
        f"<b>5. Thời gian trả kết quả giải quyết hồ sơ:</b> {_due_text(dossier)}",
        f"<b>6. Đăng ký nhận kết quả tại:</b> {escape(nfc(delivery))}",
    ]
    tail += [Paragraph(text, fit.body) for text in items]
    if fees_owed:  # not a field of Mẫu 01: a short note of what is owed (docs/fees.md), never a payment
        size = fit.body_size - 0.5
        fees_style = ParagraphStyle(f"fees{size}", fontName=FONT_ITALIC, fontSize=size, leading=size * 1.15, spaceBefore=1)
        tail.append(Paragraph(escape(nfc(fees_owed)), fees_style))
    # With the fee line, the gaps around the register line give it their room: the slip stays one A5 page.
    tail += [
        Paragraph(register, style(f"register{fit.body_size}", FONT_ITALIC, fit.body_size - 0.5,
                                   spaceBefore=0 if fees_owed else 3)),
        Spacer(1, 0.5 * mm if fees_owed else 2 * mm),
        signatures(submitter, clerk_name, fit),
    ]
    # Kept together: the due date, the register line and the signatures never go to a page alone.
    story.append(KeepTogether(tail))
    return story


class _SlipDoc(SimpleDocTemplate):
    """Notes the page of each flowable drawn, to tell whether the table's last rows begin a page."""

    def afterFlowable(self, flowable: Flowable) -> None:
        if getattr(flowable, "slip_tail", False):
            self.tail_starts_page = self.last_page < self.page
        self.last_page = self.page

    last_page = 0
    tail_starts_page = False


def _build(dossier: Dossier, header: SlipHeader, clerk_name: str | None, register: str, time_text: str,
           fit: Fit, *, keep_tail: bool = False, tail_head: bool = False, fees_owed: str = "",
           replaces: str = "") -> tuple[bytes, _SlipDoc]:
    """The PDF of one layout and the document that made it (its pages, where the table's end went)."""
    code = nfc(dossier.code)
    buffer = io.BytesIO()
    doc = _SlipDoc(
        buffer,
        pagesize=fit.pagesize,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=f"{TITLE.capitalize()} – {code}",
        author=nfc(header.authority),
        subject=f"Mẫu 01 – {code}",
        creator=f"counter-app {__version__}",
        lang="vi",
        # Otherwise every page declares Helvetica, which cannot show Vietnamese, as its initial font.
        initialFontName=FONT_REGULAR,
    )
    doc.slip_code = code
    story = _story(dossier, header, clerk_name, register, time_text, fit, keep_tail=keep_tail, tail_head=tail_head,
                   fees_owed=fees_owed, replaces=replaces)
    doc.build(story, onLaterPages=later_page)
    return buffer.getvalue(), doc


def render_receipt_slip(
    dossier: Dossier,
    header: SlipHeader,
    clerk_name: str | None = None,
    *,
    register_book: str = "",
    register_number: str = "",
    processing_time: str = "",
    fees_owed: str = "",
    replaces: str = "",
) -> bytes:
    """The Mẫu 01 slip for `dossier` as PDF bytes (one A5 page when it fits; DejaVu fonts embedded as subsets).

    All text is NFC-normalised here as well as at input: a name typed in NFD would otherwise print
    with loose, colliding marks. `register_book`/`register_number` fill the "Vào Sổ theo dõi hồ sơ"
    line and are left as dotted blanks for the clerk to write in when empty. `processing_time` is the
    procedure's rule for the dossier's channel in the words of `time_rules.processing_time_text`
    (services.slips passes it); without it the dossier's stored hours are worded the same way.
    `fees_owed` (domain.fees.owed_text) is printed under item 6 when not empty; `replaces`
    (services.recode.replacement_note) under the code, when the dossier was given a new one.
    """
    register_fonts()
    time_text = processing_time or processing_time_text(TimeRule.from_hours(dossier.processing_hours))
    register = (
        f"Vào Sổ theo dõi hồ sơ, Quyển số: {_or_blank(nfc(register_book))}, "
        f"Số thứ tự: {_or_blank(nfc(register_number))}"
    )
    notes = {"fees_owed": fees_owed, "replaces": replaces}
    for fit in FITS:
        pdf, doc = _build(dossier, header, clerk_name, register, time_text, fit, **notes)
        if doc.page == 1:
            return pdf
    pdf, doc = _build(dossier, header, clerk_name, register, time_text, FITS[-1], keep_tail=True, **notes)
    if doc.tail_starts_page:  # the last rows went over with the signatures: give them the table's head
        pdf, doc = _build(dossier, header, clerk_name, register, time_text, FITS[-1], keep_tail=True, tail_head=True,
                          **notes)
    return pdf
    pdf, doc = _build(dossier, header, clerk_name, register, time_text, FITS[-1], keep_tail=True, fees_owed=fees_owed, replaces=replaces)
    if doc.tail_starts_page:  # the last rows went over with the signatures: give them the table's head
        pdf, doc = _build(dossier, header, clerk_name, register, time_text, FITS[-1], keep_tail=True, tail_head=True,
                          fees_owed=fees_owed)
    return pdf

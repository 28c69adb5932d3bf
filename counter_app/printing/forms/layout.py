"""The pieces Mẫu 02–05 share (TT 01/2018/TT-VPCP annex), printed on A5 like Mẫu 01: the annex designs
forms 01–05 "for printing on A5" (only the register, Mẫu 06, is A4; domain.md §1).

Each form is a story of flowables built from these: the two-column heading (issuing office and the
national motto), the title, the dossier code as Code128 (and the tracking QR) when the form has a
code, the citizen's lines, a papers table and the signature block. The bar code is the same symbol as
on Mẫu 01 (`slip_layout.CodeRow`, on the 203-dpi dot grid), so the desk's scanner opens the dossier
from any of the forms. Text is NFC-normalised and XML-escaped here, once.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.pagesizes import A5
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from counter_app import __version__
from counter_app.domain.dossier import DocumentLine, Person
from counter_app.domain.formats import place_date
from counter_app.domain.text import nfc
from counter_app.printing.fonts import FONT_BOLD, FONT_ITALIC, FONT_REGULAR, register_fonts
from counter_app.printing.receipt_slip import SlipHeader, honorific
from counter_app.printing.slip_layout import CodeRow, Rule

PAGE = A5
MARGIN = 11 * mm
CONTENT_WIDTH = PAGE[0] - 2 * MARGIN
BLANK = "…………………"
MOTTO = "Độc lập - Tự do - Hạnh phúc"

__all__ = ["BLANK", "CONTENT_WIDTH", "CodeRow", "FormDocument", "Rule", "SlipHeader"]


def style(name: str, font: str = FONT_REGULAR, size: float = 9, **kw: object) -> ParagraphStyle:
    return ParagraphStyle(name, fontName=font, fontSize=size, leading=size * 1.35, **kw)


BODY = style("formBody", spaceBefore=2)
BODY_BOLD = style("formBodyBold", FONT_BOLD, spaceBefore=4)
TITLE = style("formTitle", FONT_BOLD, 11, alignment=TA_CENTER, spaceBefore=6, spaceAfter=3)
SUBTITLE = style("formSubtitle", FONT_ITALIC, 8.5, alignment=TA_CENTER, spaceAfter=3)
FORM_NUMBER = style("formNumber", FONT_ITALIC, 7.5, alignment=2)  # right-aligned "Mẫu số 02"
HEAD_BOLD = style("formHeadBold", FONT_BOLD, 8, alignment=TA_CENTER)
HEAD_NOTE = style("formHeadNote", FONT_REGULAR, 8, alignment=TA_CENTER, spaceBefore=2)
DATE_LINE = style("formDate", FONT_ITALIC, 8, alignment=TA_CENTER, spaceBefore=2)
CELL = ParagraphStyle("formCell", fontName=FONT_REGULAR, fontSize=8, leading=9.8, alignment=TA_LEFT)
CELL_CENTER = ParagraphStyle("formCellCenter", parent=CELL, alignment=TA_CENTER)
CELL_HEAD = ParagraphStyle("formCellHead", parent=CELL, fontName=FONT_BOLD, alignment=TA_CENTER)
SIGN_TITLE = style("formSignTitle", FONT_BOLD, 8.5, alignment=TA_CENTER)
SIGN_NOTE = style("formSignNote", FONT_ITALIC, 7.5, alignment=TA_CENTER)
SIGN_NAME = style("formSignName", FONT_BOLD, 8.5, alignment=TA_CENTER)

_PLAIN_TABLE = [
    ("FONTNAME", (0, 0), (-1, -1), FONT_REGULAR),  # the cell default is Helvetica, which has no Vietnamese
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("LEFTPADDING", (0, 0), (-1, -1), 0),
    ("RIGHTPADDING", (0, 0), (-1, -1), 0),
    ("TOPPADDING", (0, 0), (-1, -1), 0),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
]


def x(value: str | None) -> str:
    """NFC (reportlab cannot place combining marks) and XML-escaped, for a Paragraph."""
    return escape(nfc(value))


def or_blank(value: str | None) -> str:
    text = nfc(value)
    return escape(text) if text else BLANK


def address_of(person: Person) -> str:
    return nfc(person.address.text) or nfc(person.address.street)


def heading(header: SlipHeader, number: str, issued_at: datetime, form_number: str) -> list[Flowable]:
    """'Mẫu số 0N' and the two-column heading: office and number on the left, motto and date on the right."""
    authority, office = nfc(header.authority).upper(), nfc(header.office).upper()
    left_width = CONTENT_WIDTH * 0.45
    widest = max(stringWidth(authority, FONT_REGULAR, 8), stringWidth(office, FONT_BOLD, 8), 1)
    size = max(6.5, min(8.0, 8 * (left_width - 2) / widest))  # shrink, never wrap, a long office name
    left = [
        Paragraph(escape(authority), style("formAuthority", FONT_REGULAR, size, alignment=TA_CENTER)),
        Paragraph(escape(office), style("formOffice", FONT_BOLD, size, alignment=TA_CENTER)),
        Rule(22 * mm),
        Paragraph(f"Số: {or_blank(number)}", HEAD_NOTE),
    ]
    right = [
        Paragraph("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", HEAD_BOLD),
        Paragraph(MOTTO, style("formMotto", FONT_BOLD, 8.5, alignment=TA_CENTER)),
        Rule(stringWidth(MOTTO, FONT_BOLD, 8.5)),
        Paragraph(escape(place_date(nfc(header.place_name), issued_at)), DATE_LINE),
    ]
    table = Table([[left, right]], colWidths=[left_width, CONTENT_WIDTH - left_width])
    table.setStyle(TableStyle(_PLAIN_TABLE))
    return [Paragraph(escape(form_number), FORM_NUMBER), table]


def title_block(title: str, code: str, header: SlipHeader) -> list[Flowable]:
    """The title, then the code row (Code128 + QR) when the form belongs to a dossier."""
    story: list[Flowable] = [Paragraph(escape(title), TITLE)]
    if code:
        story += [CodeRow(code, header.qr_payload(code)), Spacer(1, 3 * mm)]
    return story


def person_lines(person: Person, *, lead: str) -> list[str]:
    """'<lead>: Ông Nguyễn Văn Đức', then address, phone and email (blanks left to fill in by hand)."""
    return [
        f"{escape(lead)}: {honorific(person)}<b>{x(person.full_name)}</b>",
        f"Địa chỉ: {or_blank(address_of(person))}",
        f"Số điện thoại: {or_blank(person.phone)}&nbsp;&nbsp;&nbsp;Email: {or_blank(person.email)}",
    ]


def paragraphs(lines: Sequence[str], para_style: ParagraphStyle = BODY) -> list[Flowable]:
    return [Paragraph(line, para_style) for line in lines]


def grid(rows: list[list[object]], widths: list[float], *, head_rows: int = 1) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=head_rows, splitByRow=True)
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), FONT_REGULAR),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("VALIGN", (0, 0), (-1, head_rows - 1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]))
    return table


def papers_table(lines: Sequence[DocumentLine], empty_text: str = "(Không có giấy tờ)") -> Table:
    """TT | Tên giấy tờ | Bản chính | Bản sao chứng thực | Bản photo (the papers table of Mẫu 01/02/05)."""

    def count(n: int) -> Paragraph:
        return Paragraph(str(n) if n else "", CELL_CENTER)

    rows: list[list[object]] = [[
        Paragraph("TT", CELL_HEAD), Paragraph("Tên giấy tờ", CELL_HEAD), Paragraph("Bản chính", CELL_HEAD),
        Paragraph("Bản sao chứng thực", CELL_HEAD), Paragraph("Bản photo", CELL_HEAD),
    ]]
    for i, line in enumerate(lines, start=1):
        rows.append([Paragraph(str(i), CELL_CENTER), Paragraph(x(line.name), CELL),
                     count(line.originals), count(line.certified_copies), count(line.photocopies)])
    if not lines:
        rows.append(["", Paragraph(escape(empty_text), CELL), "", "", ""])
    number_col = 15 * mm
    widths = [10 * mm, CONTENT_WIDTH - 10 * mm - 3 * number_col, number_col, number_col, number_col]
    return grid(rows, widths)


def signatures(columns: Sequence[tuple[str, str]], *, space: float = 16 * mm) -> Table:
    """One column per (title, name) signer: title, '(Ký và ghi rõ họ tên)', room to sign, the name."""
    width = CONTENT_WIDTH / len(columns)
    rows = [
        [Paragraph(escape(title), SIGN_TITLE) for title, _ in columns],
        [Paragraph("(Ký và ghi rõ họ tên)", SIGN_NOTE) if title else "" for title, _ in columns],  # "" : room only
        ["" for _ in columns],
        [Paragraph(x(name), SIGN_NAME) for _, name in columns],
    ]
    table = Table(rows, colWidths=[width] * len(columns), rowHeights=[None, None, space, None])
    table.setStyle(TableStyle(_PLAIN_TABLE))
    return table


class FormDocument:
    """Builds one form's PDF: A5, DejaVu embedded, the code and form number on every later page."""

    def __init__(self, *, title: str, form_number: str, code: str, author: str) -> None:
        register_fonts()  # before the story is made: its layout measures text in these fonts
        self.title, self.form_number, self.code, self.author = title, form_number, code, nfc(author)

    def _later_page(self, canvas: Canvas, doc: SimpleDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont(FONT_ITALIC, 7)
        width, height = doc.pagesize
        mark = f" – mã hồ sơ {self.code}" if self.code else ""
        canvas.drawRightString(width - MARGIN, height - MARGIN + 3 * mm,
                               f"{self.form_number}{mark} – trang {doc.page} (tiếp theo)")
        canvas.restoreState()

    def build(self, story: list[Flowable]) -> bytes:
        buffer = io.BytesIO()
        subject = f"{self.form_number} – {self.code}" if self.code else self.form_number
        doc = SimpleDocTemplate(
            buffer, pagesize=PAGE, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN, bottomMargin=MARGIN,
            title=self.title.capitalize(), author=self.author, subject=subject,
            creator=f"counter-app {__version__}", lang="vi", initialFontName=FONT_REGULAR,
        )
        doc.build(story, onLaterPages=self._later_page)
        return buffer.getvalue()

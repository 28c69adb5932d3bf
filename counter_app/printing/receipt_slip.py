"""Mẫu 01 "Giấy tiếp nhận hồ sơ và hẹn trả kết quả" (TT 01/2018/TT-VPCP annex) as an A5 PDF.

The slip is the citizen's proof that the dossier was received and when the result is due, so it
prints the dossier code three ways: as text, as a Code128 the return desk scans, and as a QR the
citizen scans to track it. The slip is one A5 page: the layout is tried at the usual size, then with
a tighter table and signature space, and only when even that cannot hold the papers on one page on A4
(`FITS`). A list too long even for A4 flows onto more pages, the end of the table kept together with
the due date and the signatures, so neither is ever alone on a page. docs/papers-and-slip.md.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.pagesizes import A4, A5
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
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
from counter_app.printing.barcodes import (
    DOT,
    MODULE_WIDTH,
    code128_width,
    draw_code128,
    draw_qr,
    qr_side,
    snap_to_dots,
)
from counter_app.printing.fonts import FONT_BOLD, FONT_ITALIC, FONT_REGULAR, register_fonts

TITLE = "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ"
MARGIN = 10 * mm
PAGE_WIDTH, PAGE_HEIGHT = A5
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN
BLANK = "…………"
CODE_LABEL = "Mã hồ sơ"
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


def _style(name: str, font: str = FONT_REGULAR, size: float = 8.5, **kw: object) -> ParagraphStyle:
    return ParagraphStyle(name, fontName=font, fontSize=size, leading=size * 1.3, **kw)


_BODY = _style("body", spaceBefore=1.5)
_HEAD_BOLD = _style("headBold", FONT_BOLD, 8, alignment=TA_CENTER)
_HEAD_NOTE = _style("headNote", FONT_REGULAR, 8, alignment=TA_CENTER, spaceBefore=3)
_DATE_LINE = _style("dateLine", FONT_ITALIC, 8, alignment=TA_CENTER, spaceBefore=3)
_TITLE = _style("title", FONT_BOLD, 11, alignment=TA_CENTER, spaceBefore=8, spaceAfter=2)
# Table text is tighter than the body: 25 documents with two-line names still fit on two A5 pages.
_CELL = ParagraphStyle("cell", fontName=FONT_REGULAR, fontSize=7.5, leading=9, alignment=TA_LEFT)
_CELL_CENTER = ParagraphStyle("cellCenter", parent=_CELL, alignment=TA_CENTER)
_CELL_HEAD = ParagraphStyle(
    "cellHead", parent=_CELL, fontName=FONT_BOLD, fontSize=7, leading=8.5, alignment=TA_CENTER
)


@dataclass(frozen=True)
class Fit:
    """One way to lay the slip out: page size, the size of the table's and the body's text, room to sign."""

    pagesize: tuple[float, float]
    cell_size: float
    body_size: float
    sign_space: float
    cell: ParagraphStyle = field(init=False, compare=False, repr=False)
    cell_center: ParagraphStyle = field(init=False, compare=False, repr=False)
    cell_head: ParagraphStyle = field(init=False, compare=False, repr=False)
    body: ParagraphStyle = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        cell = ParagraphStyle(
            f"cell{self.cell_size}", fontName=FONT_REGULAR, fontSize=self.cell_size,
            leading=self.cell_size * 1.2, alignment=TA_LEFT,
        )
        head_size = min(7.0, self.cell_size)
        object.__setattr__(self, "cell", cell)
        object.__setattr__(self, "cell_center", ParagraphStyle(f"{cell.name}c", parent=cell, alignment=TA_CENTER))
        object.__setattr__(self, "cell_head", ParagraphStyle(
            f"{cell.name}h", parent=cell, fontName=FONT_BOLD, fontSize=head_size, leading=head_size * 1.2,
            alignment=TA_CENTER,
        ))
        object.__setattr__(self, "body", _style(f"body{self.body_size}", size=self.body_size, spaceBefore=1.5))

    @property
    def content_width(self) -> float:
        return self.pagesize[0] - 2 * MARGIN


# Tried in order until the slip fits one page; A4 only when no A5 layout can hold the papers.
FITS = (
    Fit(A5, cell_size=7.5, body_size=8.5, sign_space=15 * mm),
    Fit(A5, cell_size=6.5, body_size=8, sign_space=12 * mm),
    Fit(A5, cell_size=6, body_size=7.5, sign_space=10 * mm),
    Fit(A4, cell_size=8, body_size=9, sign_space=18 * mm),
)

_SIGN_TITLE = _style("signTitle", FONT_BOLD, 8.5, alignment=TA_CENTER)
_SIGN_NOTE = _style("signNote", FONT_ITALIC, 7.5, alignment=TA_CENTER)
_SIGN_NAME = _style("signName", FONT_BOLD, 8.5, alignment=TA_CENTER)


def _due_text(dossier: Dossier) -> str:
    """Item 5: the due date in force, and when it was moved (a supplement answered, an apology), the date
    it replaced, as the portal keeps both (NgayHenTraMoi / NgayHenTraTruoc): a reprint never hides a move."""
    due = slip_time(dossier.due_at)
    if dossier.previous_due_at is None or dossier.previous_due_at == dossier.due_at:
        return due
    return f"{due} (hẹn lại; ngày hẹn trước: {slip_time(dossier.previous_due_at)})"


def _x(value: str | None) -> str:
    """NFC (input may be NFD from an IME: reportlab cannot place combining marks) and XML-escaped."""
    return escape(nfc(value))


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


class Rule(Flowable):
    """The short centred rule under the header lines (NĐ 30/2020 presentation)."""

    def __init__(self, width: float) -> None:
        super().__init__()
        self.rule_width = width

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self._avail = avail_width
        return avail_width, 2.5

    def draw(self) -> None:
        start = (self._avail - self.rule_width) / 2
        self.canv.setLineWidth(0.6)
        self.canv.line(start, 1.5, start + self.rule_width, 1.5)


class CodeRow(Flowable):
    """Code128 of the dossier code with the code in text under it, and the tracking QR on the right."""

    BAR_HEIGHT = 10 * mm
    QR_SIZE = 22 * mm
    TEXT_SIZE = 8.5

    def __init__(self, code: str, qr_payload: str) -> None:
        super().__init__()
        self.code = code
        self.qr_payload = qr_payload

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.width = avail_width
        # Bars, the code under them and the QR all fit in this height.
        self.height = max(self.QR_SIZE, self.BAR_HEIGHT + self.TEXT_SIZE * 1.6)
        return self.width, self.height

    def drawOn(self, canvas: Canvas, x: float, y: float, _sW: float = 0) -> None:
        # Bar edges on the 203-dpi dot grid: the page origin is where printers start counting dots.
        super().drawOn(canvas, snap_to_dots(x), snap_to_dots(y), _sW)

    def draw(self) -> None:
        canvas = self.canv
        room = self.width - self.QR_SIZE - 4 * mm
        module = MODULE_WIDTH
        while code128_width(self.code, module) > room and module > DOT:
            module -= DOT  # long codes still fit, at 1 dot per module in the worst case
        bars_width = code128_width(self.code, module)
        text_gap = self.TEXT_SIZE * 1.6
        bars_y = snap_to_dots(
            self.height - self.BAR_HEIGHT - max(0, (self.height - self.BAR_HEIGHT - text_gap) / 2)
        )
        left = snap_to_dots((room - bars_width) / 2)
        draw_code128(canvas, self.code, left, bars_y, self.BAR_HEIGHT, module_width=module)
        canvas.setFont(FONT_REGULAR, self.TEXT_SIZE)
        canvas.drawCentredString(left + bars_width / 2, bars_y - self.TEXT_SIZE * 1.2, f"{CODE_LABEL}: {self.code}")
        side = qr_side(self.qr_payload, self.QR_SIZE)
        draw_qr(canvas, self.qr_payload, snap_to_dots(self.width - side), (self.height - side) / 2, side)


def _later_page(canvas: Canvas, doc: SimpleDocTemplate) -> None:
    """Continuation pages carry the dossier code so a loose second sheet can be matched."""
    canvas.saveState()
    canvas.setFont(FONT_ITALIC, 7.5)
    canvas.setFillColor(colors.black)
    width, height = doc.pagesize
    canvas.drawRightString(
        width - MARGIN,
        height - MARGIN + 3 * mm,
        f"Mẫu 01 – mã hồ sơ {doc.slip_code} – trang {doc.page} (tiếp theo)",
    )
    canvas.restoreState()


def _header(dossier: Dossier, header: SlipHeader, code: str, width: float) -> Table:
    motto = "Độc lập - Tự do - Hạnh phúc"
    authority, office = nfc(header.authority).upper(), nfc(header.office).upper()
    left_width = width * 0.46
    # Shrink (down to 6.5 pt) rather than wrap: a two-line office name pushes the whole slip down.
    widest = max(stringWidth(authority, FONT_REGULAR, 8), stringWidth(office, FONT_BOLD, 8), 1)
    size = max(6.5, min(8.0, 8 * (left_width - 2) / widest))
    left = [
        Paragraph(escape(authority), _style("authority", FONT_REGULAR, size, alignment=TA_CENTER)),
        Paragraph(escape(office), _style("office", FONT_BOLD, size, alignment=TA_CENTER)),
        Rule(22 * mm),
        Paragraph(f"Số: {escape(code)}", _HEAD_NOTE),
    ]
    right = [
        Paragraph("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", _HEAD_BOLD),
        Paragraph(motto, _style("motto", FONT_BOLD, 8.5, alignment=TA_CENTER)),
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


def _document_rows(dossier: Dossier, fit: Fit) -> list[list[object]]:
    def count(n: int) -> Paragraph:
        return Paragraph(str(n) if n else "", fit.cell_center)

    rows: list[list[object]] = []
    for i, line in enumerate(dossier.documents, start=1):
        rows.append(
            [
                Paragraph(str(i), fit.cell_center),
                Paragraph(_x(line.name), fit.cell),
                count(line.originals),
                count(line.certified_copies),
                count(line.photocopies),
            ]
        )
    if not dossier.documents:
        rows.append(["", Paragraph("(Không có giấy tờ kèm theo)", fit.cell), "", "", ""])
    return rows


def _documents_table(rows: list[list[object]], fit: Fit, *, with_head: bool = True) -> Table:
    """The papers table; without its head for the last rows kept with the signatures on a later page."""
    head: list[list[object]] = [
        [
            Paragraph("TT", fit.cell_head),
            Paragraph("Tên giấy tờ", fit.cell_head),
            Paragraph("Số lượng", fit.cell_head),
            "",
            "",
        ],
        [
            "",
            "",
            Paragraph("Bản chính", fit.cell_head),
            Paragraph("Bản sao chứng thực", fit.cell_head),
            Paragraph("Bản photo", fit.cell_head),
        ],
    ]
    number_col = 13.5 * mm
    width = fit.content_width
    widths = [7 * mm, width - 7 * mm - 3 * number_col, number_col, number_col, number_col]
    first = 2 if with_head else 0
    table = Table(head + rows if with_head else rows, colWidths=widths, repeatRows=first, splitByRow=True)
    commands: list[tuple[object, ...]] = [
        ("FONTNAME", (0, 0), (-1, -1), FONT_REGULAR),  # the cell default is Helvetica
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("VALIGN", (0, first), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 2),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2),
        ("TOPPADDING", (0, 0), (-1, -1), 1),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
    ]
    if with_head:
        commands += [
            ("SPAN", (0, 0), (0, 1)),
            ("SPAN", (1, 0), (1, 1)),
            ("SPAN", (2, 0), (4, 0)),
            ("VALIGN", (0, 0), (-1, 1), "MIDDLE"),
        ]
    table.setStyle(TableStyle(commands))
    return table


def _signatures(submitter: Person, clerk_name: str | None, fit: Fit) -> Table:
    half = fit.content_width / 2
    table = Table(
        [
            [Paragraph("NGƯỜI NỘP HỒ SƠ", _SIGN_TITLE), Paragraph("NGƯỜI TIẾP NHẬN HỒ SƠ", _SIGN_TITLE)],
            [Paragraph("(Ký và ghi rõ họ tên)", _SIGN_NOTE), Paragraph("(Ký và ghi rõ họ tên)", _SIGN_NOTE)],
            ["", ""],
            [Paragraph(_x(submitter.full_name), _SIGN_NAME), Paragraph(_x(clerk_name), _SIGN_NAME)],
        ],
        colWidths=[half, half],
        rowHeights=[None, None, fit.sign_space, None],
    )
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), FONT_REGULAR),  # the cell default is Helvetica
                ("LEFTPADDING", (0, 0), (-1, -1), 1),
                ("RIGHTPADDING", (0, 0), (-1, -1), 1),
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
        Spacer(1, 2 * mm),
    ]
    unit = nfc(header.receiving_unit) or nfc(header.authority)
    channel = dossier.channel.label.lower()
    lines = [
        f"Bộ phận tiếp nhận và trả kết quả: <b>{escape(unit)}</b>",
        f"Tiếp nhận hồ sơ của: {honorific(submitter)}<b>{_x(submitter.full_name)}</b> (hình thức nộp: {channel})",
        f"{labels.ADDRESS}: {_or_blank(_address(submitter))}",
        f"{labels.PHONE}: {_or_blank(nfc(submitter.phone))}&nbsp;&nbsp;&nbsp;{labels.EMAIL}: {_or_blank(nfc(submitter.email))}",
        f"Số {escape(submitter.id_type.label)}: {_or_blank(nfc(submitter.id_number))}",
        f"Nội dung yêu cầu giải quyết: <b>{_x(dossier.summary) or _x(dossier.procedure_name)}</b>",
    ]
    if not _same_person(submitter, applicant):
        lines.append(
            f"Chủ hồ sơ: {honorific(applicant)}<b>{_x(applicant.full_name)}</b>; "
            f"địa chỉ: {_or_blank(_address(applicant))}"
        )
    story += [Paragraph(text, fit.body) for text in lines]
    story.append(Paragraph("<b>1. Thành phần hồ sơ:</b>", _style(f"section{fit.body_size}", size=fit.body_size,
                                                                  spaceBefore=3, spaceAfter=2)))
    rows = _document_rows(dossier, fit)
    tail: list[Flowable] = []
    if keep_tail and len(rows) > TAIL_ROWS:
        story.append(_documents_table(rows[:-TAIL_ROWS], fit))
        last_rows = _documents_table(rows[-TAIL_ROWS:], fit, with_head=tail_head)
        last_rows.slip_tail = True  # found again by _SlipDoc.afterFlowable
        tail.append(last_rows)
    else:
        story.append(_documents_table(rows, fit))
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
        Paragraph(register, _style(f"register{fit.body_size}", FONT_ITALIC, fit.body_size - 0.5,
                                   spaceBefore=0 if fees_owed else 3)),
        Spacer(1, 0.5 * mm if fees_owed else 2 * mm),
        _signatures(submitter, clerk_name, fit),
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
           fit: Fit, *, keep_tail: bool = False, tail_head: bool = False, fees_owed: str = "") -> tuple[bytes, _SlipDoc]:
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
                   fees_owed=fees_owed)
    doc.build(story, onLaterPages=_later_page)
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
) -> bytes:
    """The Mẫu 01 slip for `dossier` as PDF bytes (one A5 page when it fits; DejaVu fonts embedded as subsets).

    All text is NFC-normalised here as well as at input: a name typed in NFD would otherwise print
    with loose, colliding marks. `register_book`/`register_number` fill the "Vào Sổ theo dõi hồ sơ"
    line and are left as dotted blanks for the clerk to write in when empty. `processing_time` is the
    procedure's rule for the dossier's channel in the words of `time_rules.processing_time_text`
    (services.slips passes it); without it the dossier's stored hours are worded the same way.
    `fees_owed` (domain.fees.owed_text) is printed under item 6 when not empty.
    """
    register_fonts()
    time_text = processing_time or processing_time_text(TimeRule.from_hours(dossier.processing_hours))
    register = (
        f"Vào Sổ theo dõi hồ sơ, Quyển số: {_or_blank(nfc(register_book))}, "
        f"Số thứ tự: {_or_blank(nfc(register_number))}"
    )
    for fit in FITS:
        pdf, doc = _build(dossier, header, clerk_name, register, time_text, fit, fees_owed=fees_owed)
        if doc.page == 1:
            return pdf
    pdf, doc = _build(dossier, header, clerk_name, register, time_text, FITS[-1], keep_tail=True, fees_owed=fees_owed)
    if doc.tail_starts_page:  # the last rows went over with the signatures: give them the table's head
        pdf, doc = _build(dossier, header, clerk_name, register, time_text, FITS[-1], keep_tail=True, tail_head=True,
                          fees_owed=fees_owed)
    return pdf

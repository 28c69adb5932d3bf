"""How Mẫu 01 is laid out: the layouts tried in turn (`FITS`) and the flowables the slip is built from.

A layout (`Fit`) is a page size, the size of the papers table's text and of the body's, and the room to
sign: `receipt_slip.render_receipt_slip` tries them in order until the slip fits one page. The code row
(Code128 on the printer's 203-dpi dot grid, and the tracking QR) and the short rule under the heading are
shared with Mẫu 02–05 (printing/forms/layout.py), so the desk's scanner reads every form alike. What the
slip says, and in which order, is receipt_slip's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.pagesizes import A4, A5
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Table, TableStyle

from counter_app.domain.dossier import Dossier, Person
from counter_app.domain.text import nfc
from counter_app.printing.barcodes import (
    DOT,
    MODULE_WIDTH,
    code128_width,
    draw_code128,
    draw_qr,
    qr_side,
    snap_to_dots,
)
from counter_app.printing.fonts import FONT_BOLD, FONT_ITALIC, FONT_REGULAR

MARGIN = 10 * mm
CODE_LABEL = "Mã hồ sơ"


def style(name: str, font: str = FONT_REGULAR, size: float = 8.5, **kw: object) -> ParagraphStyle:
    return ParagraphStyle(name, fontName=font, fontSize=size, leading=size * 1.3, **kw)


def pdf_text(value: str | None) -> str:
    """NFC (input may be NFD from an IME: reportlab cannot place combining marks) and XML-escaped."""
    return escape(nfc(value))


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
        object.__setattr__(self, "body", style(f"body{self.body_size}", size=self.body_size, spaceBefore=1.5))

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

_SIGN_TITLE = style("signTitle", FONT_BOLD, 8.5, alignment=TA_CENTER)
_SIGN_NOTE = style("signNote", FONT_ITALIC, 7.5, alignment=TA_CENTER)
_SIGN_NAME = style("signName", FONT_BOLD, 8.5, alignment=TA_CENTER)


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


def later_page(canvas: Canvas, doc: SimpleDocTemplate) -> None:
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


def document_rows(dossier: Dossier, fit: Fit) -> list[list[object]]:
    def count(n: int) -> Paragraph:
        return Paragraph(str(n) if n else "", fit.cell_center)

    rows: list[list[object]] = []
    for i, line in enumerate(dossier.documents, start=1):
        rows.append(
            [
                Paragraph(str(i), fit.cell_center),
                Paragraph(pdf_text(line.name), fit.cell),
                count(line.originals),
                count(line.certified_copies),
                count(line.photocopies),
            ]
        )
    if not dossier.documents:
        rows.append(["", Paragraph("(Không có giấy tờ kèm theo)", fit.cell), "", "", ""])
    return rows


def documents_table(rows: list[list[object]], fit: Fit, *, with_head: bool = True) -> Table:
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


def signatures(submitter: Person, clerk_name: str | None, fit: Fit) -> Table:
    half = fit.content_width / 2
    table = Table(
        [
            [Paragraph("NGƯỜI NỘP HỒ SƠ", _SIGN_TITLE), Paragraph("NGƯỜI TIẾP NHẬN HỒ SƠ", _SIGN_TITLE)],
            [Paragraph("(Ký và ghi rõ họ tên)", _SIGN_NOTE), Paragraph("(Ký và ghi rõ họ tên)", _SIGN_NOTE)],
            ["", ""],
            [Paragraph(pdf_text(submitter.full_name), _SIGN_NAME), Paragraph(pdf_text(clerk_name), _SIGN_NAME)],
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

"""Sổ theo dõi hồ sơ (Mẫu 06, TT 01/2018/TT-VPCP), A4 landscape: a line per dossier received in the period.

The official columns (domain.md, Mẫu 06 [M]) with their numbers (1)…(14); under the code, the slip's
«Quyển số…, Số thứ tự…» of the register it was entered in. A step that did not happen prints as an empty cell
(never a guessed date); «Ký nhận» is left for the citizen's signature. The header rows repeat on every
page; every page carries its number. Fonts from printing/fonts.py, cells from printing/forms/layout.py.
"""

from __future__ import annotations

import io
from datetime import datetime

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, TableStyle

from counter_app import __version__
from counter_app.domain.formats import office_date, office_datetime, office_hhmm
from counter_app.printing.fonts import FONT_BOLD, FONT_ITALIC, FONT_REGULAR, register_fonts
from counter_app.printing.forms.layout import BODY, HEAD_BOLD, TITLE, grid, style, x
from counter_app.reports.export_labels import period_text
from counter_app.reports.model import Register, RegisterRow

PAGE = landscape(A4)
MARGIN = 10 * mm
WIDTH = PAGE[0] - 2 * MARGIN
BOOK_TITLE = "SỔ THEO DÕI HỒ SƠ"
FORM_NUMBER = "Mẫu số 06"
EMPTY = "(Không có hồ sơ nào được tiếp nhận trong kỳ)"
SMALL = ParagraphStyle("registerCell", fontName=FONT_REGULAR, fontSize=6.5, leading=7.8)
SMALL_CENTER = ParagraphStyle("registerCellCenter", parent=SMALL, alignment=1)
SMALL_HEAD = ParagraphStyle("registerHead", parent=SMALL, fontName=FONT_BOLD, alignment=1)
NUMBER_ROW = ParagraphStyle("registerNumbers", parent=SMALL_CENTER, fontName=FONT_ITALIC, fontSize=6)
RIGHT_NOTE = style("registerFormNumber", FONT_ITALIC, 7.5, alignment=2)

# (heading, share of the width): the official columns, in their order.
COLUMNS: tuple[tuple[str, float], ...] = (
    ("STT", 0.03), ("Mã hồ sơ", 0.135), ("Tên thủ tục hành chính", 0.115), ("Số lượng hồ sơ (bộ)", 0.04),
    ("Tên cá nhân, tổ chức", 0.09), ("Địa chỉ, số điện thoại", 0.09), ("Cơ quan chủ trì giải quyết", 0.07),
    ("Nhận hồ sơ", 0.062), ("Hẹn trả kết quả", 0.062), ("Chuyển hồ sơ đến cơ quan giải quyết", 0.062),
    ("Nhận kết quả từ cơ quan giải quyết", 0.062), ("Trả kết quả cho cá nhân, tổ chức", 0.062), ("Ký nhận", 0.045),
    ("Ghi chú", 0.075),
)


def _when(instant: datetime | None) -> str:
    """Day over hour ('10/03/2026' / '08:05'); an empty cell when the step did not happen. Plain text, not a
    Paragraph: these cells never wrap, and a register of a busy month has thousands of them."""
    return "" if instant is None else f"{office_date(instant)}\n{office_hhmm(instant)}"


def book_line(row: RegisterRow) -> str:
    """«Quyển số 01/2026, Số thứ tự 12» as the slip prints it; '' when the dossier has no book entry."""
    parts = []
    if row.register_book:
        parts.append(f"Quyển số {row.register_book}")
    if row.register_number is not None:
        parts.append(f"Số thứ tự {row.register_number}")
    return ", ".join(parts)


def _line(row: RegisterRow) -> list[object]:
    book = book_line(row)
    code = x(row.code) + (f"<br/><i>{x(book)}</i>" if book else "")
    contact = "<br/>".join(x(part) for part in (row.applicant_address, row.applicant_phone) if part)
    return [str(row.number), Paragraph(code, SMALL), Paragraph(x(row.procedure_name), SMALL),
            str(row.sets_count), Paragraph(x(row.applicant_name), SMALL),
            Paragraph(contact, SMALL), Paragraph(x(row.agency), SMALL), _when(row.received_at), _when(row.due_at),
            _when(row.sent_to_agency_at), _when(row.result_from_agency_at), _when(row.returned_at), "",
            Paragraph(x(row.note), SMALL)]


def register_table(register: Register) -> Flowable:
    head = [Paragraph(name, SMALL_HEAD) for name, _ in COLUMNS]
    numbers = [Paragraph(f"({n})", NUMBER_ROW) for n in range(1, len(COLUMNS) + 1)]
    rows: list[list[object]] = [head, numbers, *(_line(r) for r in register.rows)]
    if not register.rows:
        rows.append([""] + [Paragraph(EMPTY, SMALL)] + [""] * (len(COLUMNS) - 2))
    table = grid(rows, [WIDTH * share for _, share in COLUMNS], head_rows=2)
    table.setStyle(TableStyle([("FONTSIZE", (0, 2), (-1, -1), SMALL.fontSize),
                               ("LEADING", (0, 2), (-1, -1), SMALL.leading),
                               ("ALIGN", (0, 2), (0, -1), "CENTER"), ("ALIGN", (3, 2), (3, -1), "CENTER"),
                               ("ALIGN", (7, 2), (11, -1), "CENTER")]))
    return table


def render_register_book(register: Register) -> bytes:
    """The register as PDF bytes: A4 landscape, DejaVu embedded, header rows repeated, pages numbered."""
    register_fonts()
    story: list[Flowable] = [
        Paragraph(FORM_NUMBER, RIGHT_NOTE),
        Paragraph(x(register.title).upper(), HEAD_BOLD),
        Paragraph(BOOK_TITLE, TITLE),
        Paragraph(x(period_text(register.period)) + f"; lập lúc {office_datetime(register.generated_at)}; "
                  f"{len(register.rows)} hồ sơ", style("registerPeriod", FONT_ITALIC, 8, alignment=1)),
        Spacer(1, 2 * mm),
        register_table(register),
        Spacer(1, 3 * mm),
        Paragraph("Ô ngày để trống: bước đó chưa diễn ra.", BODY),
    ]

    def mark(canvas: Canvas, doc: SimpleDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont(FONT_ITALIC, 7)
        canvas.drawRightString(PAGE[0] - MARGIN, 6 * mm,
                               f"Sổ theo dõi hồ sơ – {period_text(register.period)} – trang {doc.page}")
        canvas.restoreState()

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=PAGE, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                            bottomMargin=12 * mm, title="Sổ theo dõi hồ sơ", author=register.title,
                            subject=f"{BOOK_TITLE} {period_text(register.period)}",
                            creator=f"counter-app {__version__}", lang="vi", initialFontName=FONT_REGULAR)
    doc.build(story, onFirstPage=mark, onLaterPages=mark)
    return buffer.getvalue()

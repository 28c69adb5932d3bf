"""The receipt for fees and charges (BIÊN LAI THU PHÍ, LỆ PHÍ), in its three copies (issue 10, B).

Content after domain.md §5 and NĐ 123/2020 Điều 32: the collecting unit and its tax code; mẫu số, ký hiệu
and số; the payer; the dossier code (also as Code128, so the desk's scanner opens the dossier); the items
with phí and lệ phí apart; the total in figures and in words (domain.money, num2words lang="vi"); the
payment method (and the bank reference of a transfer); place and date; the collector. Three copies:
"Liên 1: Lưu tại cơ quan thu", "Liên 2: Giao cho người nộp tiền", "Liên 3: Lưu nội bộ", each on its own
A5 page, or each on one long page of 80 mm thermal paper. A cancelled receipt prints marked "ĐÃ HỦY" with
its reason. The renderer takes the plain `domain.receipts.Receipt`; services fill it.
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A5
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, Table, TableStyle

from counter_app import __version__
from counter_app.domain.catalog import FeeKind
from counter_app.domain.formats import office_datetime, place_date
from counter_app.domain.money import format_vnd, vnd_in_words
from counter_app.domain.receipts import NUMBER_DIGITS, PaymentMethod, Receipt
from counter_app.domain.text import nfc
from counter_app.printing.barcodes import MODULE_WIDTH, code128_width, draw_code128, snap_to_dots
from counter_app.printing.fonts import FONT_BOLD, FONT_ITALIC, FONT_REGULAR, register_fonts

TITLE = "BIÊN LAI THU PHÍ, LỆ PHÍ"
COPIES = ("Liên 1: Lưu tại cơ quan thu", "Liên 2: Giao cho người nộp tiền", "Liên 3: Lưu nội bộ")
CANCELLED_MARK = "ĐÃ HỦY"
PAPERS = ("a5", "80mm")
THERMAL_WIDTH = 80 * mm
_TALL = 2000 * mm  # a first, unseen pass measures how long a thermal copy is


def _x(value: str) -> str:
    return escape(nfc(value))


def _style(size: float, font: str = FONT_REGULAR, **kw: object) -> ParagraphStyle:
    return ParagraphStyle(f"bl{size}{font}{sorted(kw.items())}", fontName=font, fontSize=size, leading=size * 1.3,
                          **kw)


class _Pen:
    """Draws one copy top-down within `width`, from `left`; `top` is where the next line starts."""

    def __init__(self, canvas: Canvas, left: float, top: float, width: float, size: float) -> None:
        self.canvas, self.left, self.top, self.width, self.size = canvas, left, top, width, size

    def para(self, html: str, *, font: str = FONT_REGULAR, scale: float = 1.0, align: int = 0, gap: float = 1.2 * mm,
             left: float | None = None, width: float | None = None) -> float:
        """Draw a paragraph `gap` below `top`; it moves `top` below it unless placed beside others (`left`).
        Returns how far down it reaches from the old `top`."""
        paragraph = Paragraph(html, _style(self.size * scale, font, alignment=align))
        _, height = paragraph.wrap(width or self.width, 10_000)
        paragraph.drawOn(self.canvas, self.left if left is None else left, self.top - gap - height)
        if left is None:
            self.top -= gap + height
        return gap + height

    def block(self, flowable: Table, gap: float = 2 * mm) -> None:
        _, height = flowable.wrap(self.width, 10_000)
        self.top -= gap
        flowable.drawOn(self.canvas, self.left, self.top - height)
        self.top -= height

    def barcode(self, value: str, height: float) -> None:
        """Code128 of 2-dot modules (barcodes.py); turned a quarter along the page when the paper is too
        narrow for it (80 mm thermal), rather than shrunk to modules a hand scanner cannot resolve."""
        bars = code128_width(value, MODULE_WIDTH)
        if bars <= self.width:
            self.top -= 2 * mm + height
            draw_code128(self.canvas, value, snap_to_dots(self.left + (self.width - bars) / 2), snap_to_dots(self.top),
                         height, module_width=MODULE_WIDTH)
            return
        self.top -= 2 * mm + bars
        self.canvas.saveState()
        self.canvas.translate(snap_to_dots(self.left + (self.width + height) / 2), snap_to_dots(self.top))
        self.canvas.rotate(90)
        draw_code128(self.canvas, value, 0, 0, height, module_width=MODULE_WIDTH)
        self.canvas.restoreState()


def _items_table(receipt: Receipt, width: float, size: float) -> Table:
    cell = _style(size * 0.9)
    head = _style(size * 0.9, FONT_BOLD, alignment=1)
    right = _style(size * 0.9, alignment=2)
    rows: list[list[object]] = [[Paragraph("TT", head), Paragraph("Nội dung thu", head), Paragraph("Loại", head),
                                 Paragraph("Số tiền (đồng)", head)]]
    for i, line in enumerate(receipt.items, start=1):
        what = _x(line.name) + (f" ({line.quantity} {_x(line.unit)})" if line.unit else "")
        rows.append([Paragraph(str(i), cell), Paragraph(what, cell),
                     Paragraph("Phí" if line.kind is FeeKind.FEE else "Lệ phí", cell),
                     Paragraph(format_vnd(line.amount_vnd), right)])
    number, kind, amount = 0.09 * width, 0.16 * width, 0.25 * width
    table = Table(rows, colWidths=[number, width - number - kind - amount, kind, amount])
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("LEFTPADDING", (0, 0), (-1, -1), 2), ("RIGHTPADDING", (0, 0), (-1, -1), 2)]))
    return table


def _copy(pen: _Pen, receipt: Receipt, copy_label: str, place_name: str, *, narrow: bool) -> None:
    """One copy, top to bottom."""
    issuer = f"Đơn vị thu: <b>{_x(receipt.issuer_name)}</b><br/>Mã số thuế: {_x(receipt.issuer_tax_code) or '…………'}"
    book = (f"Mẫu số: <b>{_x(receipt.form_number)}</b><br/>Ký hiệu: <b>{_x(receipt.symbol)}</b><br/>"
            f"Số: <b>{receipt.number:0{NUMBER_DIGITS}d}</b>")
    if narrow:
        pen.para(issuer, align=1)
        pen.para(book, align=1)
    else:
        reach = max(pen.para(issuer, width=pen.width * 0.6, left=pen.left),
                    pen.para(book, width=pen.width * 0.38, left=pen.left + pen.width * 0.62, align=2))
        pen.top -= reach
    pen.para(_x(TITLE), font=FONT_BOLD, scale=1.35, align=1, gap=4 * mm)
    pen.para(f"<i>{_x(copy_label)}</i>", align=1)
    if receipt.cancelled:
        pen.para(CANCELLED_MARK, font=FONT_BOLD, scale=2.2, align=1, gap=2 * mm)
        when = office_datetime(receipt.cancelled_at) if receipt.cancelled_at else ""
        pen.para(f"Lý do hủy: {_x(receipt.cancel_reason)} (giám sát viên {_x(receipt.cancelled_by)}, {when})", align=1)
    pen.para(f"Tên đơn vị hoặc người nộp tiền: <b>{_x(receipt.payer_name)}</b>", gap=3 * mm)
    pen.para(f"Địa chỉ: {_x(receipt.payer_address) or '…………'}")
    pen.para(f"Mã hồ sơ: <b>{_x(receipt.dossier_code)}</b>")
    pen.barcode(receipt.dossier_code, 9 * mm)
    if receipt.procedure_name:
        pen.para(f"Tên loại phí, lệ phí: {_x(receipt.procedure_name)}", gap=2 * mm)
    pen.block(_items_table(receipt, pen.width, pen.size))
    pen.para(f"Phí: {format_vnd(receipt.fee_vnd)} đồng — Lệ phí: {format_vnd(receipt.charge_vnd)} đồng", gap=2 * mm)
    pen.para(f"Tổng số tiền: <b>{format_vnd(receipt.total_vnd)} đồng</b>")
    pen.para(f"(Viết bằng chữ: <i>{_x(vnd_in_words(receipt.total_vnd))}</i>)")
    method = receipt.method.label
    if receipt.method is PaymentMethod.TRANSFER:
        method += f", mã giao dịch {_x(receipt.bank_reference)}"
    pen.para(f"Hình thức thanh toán: {method}")
    pen.para(f"<i>{_x(place_date(place_name, receipt.collected_at))}</i>", align=1 if narrow else 2, gap=3 * mm)
    if narrow:
        pen.para("NGƯỜI THU TIỀN", font=FONT_BOLD, align=1, gap=2 * mm)
        pen.para("(Ký, ghi rõ họ tên)", font=FONT_ITALIC, scale=0.85, align=1, gap=0)
        pen.para(_x(receipt.collector), font=FONT_BOLD, align=1, gap=14 * mm)
        return
    half = pen.width / 2
    for column, title, name in ((0, "NGƯỜI NỘP TIỀN", receipt.payer_name), (1, "NGƯỜI THU TIỀN", receipt.collector)):
        left = pen.left + column * half
        pen.para(f"<b>{title}</b><br/><font name='{FONT_ITALIC}' size='{pen.size * 0.85}'>(Ký, ghi rõ họ tên)</font>",
                 align=1, left=left, width=half, gap=2 * mm)
        pen.para(f"<b>{_x(name)}</b>", align=1, left=left, width=half, gap=26 * mm)
    pen.top -= 32 * mm


def render_receipt(receipt: Receipt, place_name: str, paper: str = "a5") -> bytes:
    """The three copies of `receipt`: three A5 pages, or three long pages of 80 mm thermal paper."""
    if paper not in PAPERS:
        raise ValueError(f"Khổ giấy biên lai phải là một trong: {', '.join(PAPERS)}.")
    register_fonts()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A5, pageCompression=1)
    canvas.setTitle(f"Biên lai {receipt.number_text}")
    canvas.setCreator(f"counter-app {__version__}")
    for label in COPIES:
        if paper == "a5":
            margin = 10 * mm
            canvas.setPageSize(A5)
            _copy(_Pen(canvas, margin, A5[1] - margin, A5[0] - 2 * margin, 9), receipt, label, place_name, narrow=False)
        else:
            margin = 4 * mm
            scratch = Canvas(io.BytesIO(), pagesize=(THERMAL_WIDTH, _TALL))
            probe = _Pen(scratch, margin, _TALL - margin, THERMAL_WIDTH - 2 * margin, 8)
            _copy(probe, receipt, label, place_name, narrow=True)
            height = _TALL - probe.top + margin
            canvas.setPageSize((THERMAL_WIDTH, height))
            _copy(_Pen(canvas, margin, height - margin, THERMAL_WIDTH - 2 * margin, 8), receipt, label, place_name,
                  narrow=True)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()

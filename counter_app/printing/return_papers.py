"""The papers of a returned result: the hand-over receipt (A5) and the postal address label.

The receipt ("Phiếu giao nhận kết quả giải quyết thủ tục hành chính") is what the receiver signs at the
desk; it carries the dossier code as Code128 like Mẫu 01. The label is stuck on the envelope of a
result sent by public postal service: the S10 item code as a large Code128 (what the postman scans),
sender, recipient, the dossier code and the postage. It comes in A6 (105×148 mm) or 100×150 mm, the
two sizes label printers take. Renderers take plain dataclasses; services/return_papers.py fills them.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A5, A6
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph

from counter_app import __version__
from counter_app.domain.formats import place_date, slip_time
from counter_app.domain.money import format_dong
from counter_app.domain.text import nfc
from counter_app.printing.barcodes import DOT, MODULE_WIDTH, code128_width, draw_code128, snap_to_dots
from counter_app.printing.fonts import FONT_BOLD, FONT_REGULAR, register_fonts

LABEL_SIZES = {"a6": A6, "100x150": (100 * mm, 150 * mm)}
HANDOVER_TITLE = "PHIẾU GIAO NHẬN KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH"


@dataclass(frozen=True)
class HandoverInfo:
    authority: str
    office: str
    place_name: str
    dossier_code: str
    procedure_name: str
    applicant_name: str
    receiver_name: str
    receiver_id_number: str
    returned_at: datetime
    clerk: str


@dataclass(frozen=True)
class LabelInfo:
    item_code: str
    dossier_code: str
    sender_name: str
    sender_address: str
    recipient_name: str
    recipient_phone: str
    recipient_address: str
    postage: int
    payer_label: str
    procedure_name: str


def _style(size: float, font: str = FONT_REGULAR, **kw: object) -> ParagraphStyle:
    return ParagraphStyle(f"r{size}{font}", fontName=font, fontSize=size, leading=size * 1.25, **kw)


def _para(canvas: Canvas, html: str, x: float, top: float, width: float, style: ParagraphStyle) -> float:
    """Draw a paragraph whose top is at `top`; return the y of its bottom."""
    paragraph = Paragraph(html, style)
    _, height = paragraph.wrap(width, 1000)
    paragraph.drawOn(canvas, x, top - height)
    return top - height


def _x(value: str) -> str:
    return escape(nfc(value))


def _barcode(canvas: Canvas, value: str, centre_x: float, y: float, width: float, height: float,
             module: float = MODULE_WIDTH) -> float:
    """A Code128 centred on `centre_x`, modules shrunk a dot at a time until it fits `width`; its width."""
    while code128_width(value, module) > width and module > DOT:
        module -= DOT
    bars = code128_width(value, module)
    draw_code128(canvas, value, snap_to_dots(centre_x - bars / 2), snap_to_dots(y), height, module_width=module)
    return bars


def render_handover_receipt(info: HandoverInfo) -> bytes:
    """The A5 receipt the receiver signs when the result is handed over at the desk."""
    register_fonts()
    buffer = io.BytesIO()
    width, height = A5
    canvas = Canvas(buffer, pagesize=A5, pageCompression=1)
    canvas.setTitle(f"Phiếu giao nhận kết quả {info.dossier_code}")
    canvas.setCreator(f"counter-app {__version__}")
    margin = 12 * mm
    inner = width - 2 * margin
    top = height - margin
    centred = _style(9, FONT_BOLD, alignment=1)
    top = _para(canvas, f"{_x(info.authority.upper())}<br/>{_x(info.office.upper())}", margin, top, inner, centred)
    top = _para(canvas, _x(HANDOVER_TITLE), margin, top - 6 * mm, inner, _style(11, FONT_BOLD, alignment=1))
    bars_y = top - 4 * mm - 10 * mm
    _barcode(canvas, info.dossier_code, width / 2, bars_y, inner, 10 * mm)
    canvas.setFont(FONT_REGULAR, 8.5)
    canvas.drawCentredString(width / 2, bars_y - 4 * mm, f"Mã hồ sơ: {info.dossier_code}")
    top = bars_y - 8 * mm
    body = _style(9.5)
    lines = [
        f"Thủ tục: <b>{_x(info.procedure_name)}</b>",
        f"Người nộp hồ sơ: {_x(info.applicant_name)}",
        f"Người nhận kết quả: <b>{_x(info.receiver_name)}</b>",
        f"Số giấy tờ tùy thân: {_x(info.receiver_id_number)}",
        f"Thời điểm trả kết quả: {_x(slip_time(info.returned_at))}",
        f"Người trả kết quả: {_x(info.clerk)}",
        "Người nhận đã nhận đủ kết quả giải quyết thủ tục hành chính nêu trên.",
    ]
    for line in lines:
        top = _para(canvas, line, margin, top - 2 * mm, inner, body)
    top = _para(canvas, f"<i>{_x(place_date(info.place_name, info.returned_at))}</i>", margin, top - 6 * mm, inner,
                _style(9.5, alignment=2))
    half = inner / 2
    sign = _style(9.5, FONT_BOLD, alignment=1)
    _para(canvas, "NGƯỜI NHẬN KẾT QUẢ<br/><font name='DejaVuSans' size='8'>(Ký, ghi rõ họ tên)</font>",
          margin, top - 3 * mm, half, sign)
    _para(canvas, "NGƯỜI TRẢ KẾT QUẢ<br/><font name='DejaVuSans' size='8'>(Ký, ghi rõ họ tên)</font>",
          margin + half, top - 3 * mm, half, sign)
    _para(canvas, _x(info.receiver_name), margin, top - 30 * mm, half, _style(9.5, alignment=1))
    _para(canvas, _x(info.clerk), margin + half, top - 30 * mm, half, _style(9.5, alignment=1))
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def render_address_label(info: LabelInfo, size: str = "a6") -> bytes:
    """The envelope label of a result sent by post, on A6 or 100×150 mm (`LABEL_SIZES`)."""
    if size not in LABEL_SIZES:
        raise ValueError(f"Khổ nhãn phải là một trong: {', '.join(LABEL_SIZES)}.")
    register_fonts()
    buffer = io.BytesIO()
    width, height = LABEL_SIZES[size]
    canvas = Canvas(buffer, pagesize=(width, height), pageCompression=1)
    canvas.setTitle(f"Nhãn bưu gửi {info.item_code}")
    canvas.setCreator(f"counter-app {__version__}")
    margin = 5 * mm
    inner = width - 2 * margin
    top = height - margin
    top = _para(canvas, "BƯU GỬI HÀNH CHÍNH CÔNG — TRẢ KẾT QUẢ", margin, top, inner, _style(9, FONT_BOLD, alignment=1))
    bars_y = top - 3 * mm - 18 * mm
    _barcode(canvas, info.item_code, width / 2, bars_y, inner, 18 * mm)
    canvas.setFont(FONT_BOLD, 12)
    spaced = f"{info.item_code[:2]} {info.item_code[2:6]} {info.item_code[6:10]} {info.item_code[10]} {info.item_code[11:]}"
    canvas.drawCentredString(width / 2, bars_y - 5 * mm, spaced)
    top = bars_y - 8 * mm
    canvas.setLineWidth(0.6)
    canvas.line(margin, top, width - margin, top)
    small, big = _style(8), _style(10.5, FONT_BOLD)
    top = _para(canvas, "<b>Người gửi:</b> " + _x(info.sender_name), margin, top - 2 * mm, inner, small)
    top = _para(canvas, _x(info.sender_address), margin, top, inner, small)
    canvas.line(margin, top - 2 * mm, width - margin, top - 2 * mm)
    top = _para(canvas, "Người nhận:", margin, top - 4 * mm, inner, small)
    top = _para(canvas, _x(info.recipient_name), margin, top, inner, big)
    top = _para(canvas, f"Điện thoại: <b>{_x(info.recipient_phone)}</b>", margin, top - 1 * mm, inner, _style(9.5))
    top = _para(canvas, _x(info.recipient_address), margin, top - 1 * mm, inner, _style(10))
    canvas.line(margin, top - 2 * mm, width - margin, top - 2 * mm)
    top = _para(canvas, f"Mã hồ sơ: {_x(info.dossier_code)}", margin, top - 4 * mm, inner, small)
    top = _para(canvas, f"Thủ tục: {_x(info.procedure_name)}", margin, top, inner, small)
    _para(canvas, f"Cước phí: {format_dong(info.postage)} — {_x(info.payer_label)}", margin, top, inner, small)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()

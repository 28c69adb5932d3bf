"""The close sheet of a desk's day (BIÊN BẢN KHÓA SỔ CUỐI NGÀY), A4: every figure traceable to its receipt.

It lists every receipt dated in the day (number, dossier code, payer, phí, lệ phí, method, bank reference),
the cancellations with their reason and supervisor, the transfers, the totals by kind and by method, the
cash counted by denomination, the difference with its explanation, and room for the clerk's and the
supervisor's signatures. A day not closed yet prints as a draft, marked so on every page. Styles and
cells are those of the forms (printing/forms/layout.py); amounts through domain.money.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from counter_app import __version__
from counter_app.domain.day_close import DayClose
from counter_app.domain.formats import office_date, office_datetime, office_hhmm
from counter_app.domain.money import format_vnd, vnd_in_words
from counter_app.printing.fonts import FONT_BOLD, FONT_ITALIC, FONT_REGULAR, register_fonts
from counter_app.printing.forms.layout import (
    BODY,
    BODY_BOLD,
    CELL,
    CELL_CENTER,
    CELL_HEAD,
    HEAD_BOLD,
    SIGN_NAME,
    SIGN_NOTE,
    SIGN_TITLE,
    TITLE,
    grid,
    or_blank,
    style,
    x,
)

MARGIN = 14 * mm
WIDTH = A4[0] - 2 * MARGIN
SHEET_TITLE = "BIÊN BẢN KHÓA SỔ CUỐI NGÀY"
DRAFT = "BẢN XEM TRƯỚC – NGÀY CHƯA KHÓA SỔ"
METHODS = {"cash": "Tiền mặt", "transfer": "Chuyển khoản"}
RIGHT = style("dayCloseRight", FONT_REGULAR, 8, alignment=2)
# The receipts table has nine columns: a smaller type keeps a receipt number or a dossier code on one line.
SMALL = style("dayCloseSmall", FONT_REGULAR, 6.5)
SMALL_RIGHT = style("dayCloseSmallRight", FONT_REGULAR, 6.5, alignment=2)
SMALL_HEAD = style("dayCloseSmallHead", FONT_BOLD, 6.5, alignment=1)


@dataclass(frozen=True)
class SheetReceipt:
    number: str
    dossier_code: str
    payer: str
    fee_vnd: int
    charge_vnd: int
    method: str
    bank_reference: str
    collected_at: datetime
    cancelled: bool = False
    cancel_reason: str = ""
    cancelled_by: str = ""
    cancelled_at: datetime | None = None


@dataclass(frozen=True)
class DayCloseSheet:
    authority: str
    unit_name: str
    unit_code: str
    desk_slot: int
    device_id: str
    place_name: str
    day: date
    receipts: list[SheetReceipt]
    close: DayClose | None  # None: a draft of a day still open
    clerk: str  # the clerk of the close, or who prints a draft


def _money(amount: int) -> Paragraph:
    return Paragraph(format_vnd(amount), RIGHT)


def _receipts_table(receipts: list[SheetReceipt]) -> Table:
    head = [Paragraph(t, SMALL_HEAD) for t in ("TT", "Số biên lai", "Mã hồ sơ", "Người nộp", "Phí (đồng)",
                                               "Lệ phí (đồng)", "Hình thức", "Mã giao dịch NH", "Giờ thu")]
    rows: list[list[object]] = [head]
    for i, r in enumerate(receipts, start=1):
        number = x(r.number) + (" <b>(ĐÃ HỦY)</b>" if r.cancelled else "")
        rows.append([Paragraph(str(i), SMALL), Paragraph(number, SMALL), Paragraph(x(r.dossier_code), SMALL),
                     Paragraph(x(r.payer), SMALL), Paragraph(format_vnd(r.fee_vnd), SMALL_RIGHT),
                     Paragraph(format_vnd(r.charge_vnd), SMALL_RIGHT),
                     Paragraph(METHODS.get(r.method, x(r.method)), SMALL), Paragraph(x(r.bank_reference), SMALL),
                     Paragraph(office_hhmm(r.collected_at), SMALL)])
    if not receipts:
        rows.append(["", Paragraph("(Không có biên lai nào trong ngày)", SMALL), "", "", "", "", "", "", ""])
    fractions = (0.04, 0.18, 0.22, 0.14, 0.08, 0.08, 0.08, 0.13, 0.05)
    return grid(rows, [WIDTH * f for f in fractions])


def _cancellations(receipts: list[SheetReceipt]) -> list[Flowable]:
    cancelled = [r for r in receipts if r.cancelled]
    story: list[Flowable] = [Paragraph(f"II. Biên lai đã hủy ({len(cancelled)})", BODY_BOLD)]
    if not cancelled:
        return [*story, Paragraph("Không có biên lai nào bị hủy.", BODY)]
    rows: list[list[object]] = [[Paragraph(t, CELL_HEAD) for t in ("Số biên lai", "Số tiền (đồng)", "Lý do hủy",
                                                                    "Giám sát viên", "Thời điểm hủy")]]
    for r in cancelled:
        rows.append([Paragraph(x(r.number), CELL), _money(r.fee_vnd + r.charge_vnd), Paragraph(x(r.cancel_reason), CELL),
                     Paragraph(x(r.cancelled_by), CELL),
                     Paragraph(office_datetime(r.cancelled_at) if r.cancelled_at else "", CELL)])
    return [*story, grid(rows, [WIDTH * f for f in (0.2, 0.14, 0.36, 0.15, 0.15)])]


def _transfers(receipts: list[SheetReceipt]) -> list[Flowable]:
    transfers = [r for r in receipts if r.method == "transfer" and not r.cancelled]
    story: list[Flowable] = [Paragraph(f"III. Chuyển khoản ({len(transfers)})", BODY_BOLD)]
    if not transfers:
        return [*story, Paragraph("Không có khoản chuyển khoản nào.", BODY)]
    rows: list[list[object]] = [[Paragraph(t, CELL_HEAD) for t in ("Số biên lai", "Mã hồ sơ", "Số tiền (đồng)",
                                                                    "Mã giao dịch ngân hàng")]]
    rows += [[Paragraph(x(r.number), CELL), Paragraph(x(r.dossier_code), CELL), _money(r.fee_vnd + r.charge_vnd),
              Paragraph(or_blank(r.bank_reference), CELL)] for r in transfers]
    return [*story, grid(rows, [WIDTH * f for f in (0.25, 0.25, 0.2, 0.3)])]


def _totals(receipts: list[SheetReceipt]) -> Table:
    issued = [r for r in receipts if not r.cancelled]
    rows: list[list[object]] = [[Paragraph(t, CELL_HEAD) for t in ("Hình thức", "Số biên lai", "Phí (đồng)",
                                                                    "Lệ phí (đồng)", "Cộng (đồng)")]]
    for method, label in METHODS.items():
        mine = [r for r in issued if r.method == method]
        fee, charge = sum(r.fee_vnd for r in mine), sum(r.charge_vnd for r in mine)
        rows.append([Paragraph(label, CELL), Paragraph(str(len(mine)), CELL_CENTER), _money(fee), _money(charge),
                     _money(fee + charge)])
    fee, charge = sum(r.fee_vnd for r in issued), sum(r.charge_vnd for r in issued)
    rows.append([Paragraph("<b>Tổng cộng</b>", CELL), Paragraph(str(len(issued)), CELL_CENTER), _money(fee),
                 _money(charge), _money(fee + charge)])
    return grid(rows, [WIDTH * f for f in (0.28, 0.14, 0.19, 0.19, 0.2)])


def _cash(close: DayClose) -> list[Flowable]:
    story: list[Flowable] = [Paragraph("V. Tiền mặt kiểm đếm", BODY_BOLD)]
    if close.counted:
        rows: list[list[object]] = [[Paragraph(t, CELL_HEAD) for t in ("Mệnh giá (đồng)", "Số tờ/xu", "Thành tiền (đồng)")]]
        rows += [[_money(value), Paragraph(str(pieces), CELL_CENTER), _money(value * pieces)]
                 for value, pieces in close.counted.items()]
        story.append(grid(rows, [WIDTH * 0.3, WIDTH * 0.2, WIDTH * 0.3]))
    else:
        story.append(Paragraph("Đếm theo tổng số (không ghi theo mệnh giá).", BODY))
    over = "thừa" if close.difference > 0 else "thiếu"
    difference = (f"{over} <b>{format_vnd(abs(close.difference))}</b> đồng" if close.difference else "<b>0</b> đồng")
    story += [Paragraph(f"Tiền mặt đếm được: <b>{format_vnd(close.counted_total)}</b> đồng "
                        f"({x(vnd_in_words(close.counted_total))})", BODY),
              Paragraph(f"Tiền mặt theo biên lai: <b>{format_vnd(close.expected_cash)}</b> đồng", BODY),
              Paragraph(f"Chênh lệch: {difference}", BODY),
              Paragraph(f"Giải trình chênh lệch: {or_blank(close.explanation) if close.difference else 'không có'}", BODY)]
    if close.supervisor:
        story.append(Paragraph(f"Giám sát viên ký xác nhận: {x(close.supervisor_name)} ({x(close.supervisor)})", BODY))
    return story


def _signatures(clerk: str, supervisor: str) -> Table:
    columns = (("NGƯỜI KHÓA SỔ", clerk), ("GIÁM SÁT VIÊN", supervisor))
    rows = [[Paragraph(t, SIGN_TITLE) for t, _ in columns], [Paragraph("(Ký và ghi rõ họ tên)", SIGN_NOTE)] * 2,
            ["", ""], [Paragraph(x(n), SIGN_NAME) for _, n in columns]]
    table = Table(rows, colWidths=[WIDTH / 2] * 2, rowHeights=[None, None, 20 * mm, None])
    table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), FONT_REGULAR), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return table


def render_day_close_sheet(sheet: DayCloseSheet) -> bytes:
    """The sheet as PDF bytes (A4, DejaVu embedded; the receipts table flows on, its head repeated)."""
    register_fonts()
    close = sheet.close
    story: list[Flowable] = [
        Paragraph(x(sheet.authority).upper(), HEAD_BOLD), Paragraph(x(sheet.unit_name).upper(), HEAD_BOLD),
        Paragraph(SHEET_TITLE, TITLE),
    ]
    if close is None:
        story.append(Paragraph(DRAFT, TITLE))
    story += [
        Paragraph(f"Đơn vị: <b>{x(sheet.unit_name)}</b> (mã {x(sheet.unit_code)}); quầy số {sheet.desk_slot}; "
                  f"mã thiết bị {or_blank(sheet.device_id)}", BODY),
        Paragraph(f"Ngày: <b>{office_date(sheet.day)}</b>; người khóa sổ: <b>{x(sheet.clerk)}</b>"
                  + (f"; khóa sổ lúc {office_datetime(close.closed_at)}" if close else ""), BODY),
        Paragraph(f"I. Biên lai trong ngày ({len(sheet.receipts)})", BODY_BOLD), Spacer(1, 1 * mm),
        _receipts_table(sheet.receipts), *_cancellations(sheet.receipts), *_transfers(sheet.receipts),
        Paragraph("IV. Tổng hợp (không tính biên lai đã hủy)", BODY_BOLD), _totals(sheet.receipts),
    ]
    if close is not None:
        story += _cash(close)
    story += [Spacer(1, 4 * mm), _signatures(sheet.clerk, close.supervisor_name if close else "")]

    def mark(canvas: Canvas, doc: SimpleDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont(FONT_ITALIC, 7)
        status = "" if close else f" – {DRAFT}"
        canvas.drawRightString(A4[0] - MARGIN, 8 * mm, f"Khóa sổ ngày {office_date(sheet.day)}, quầy "
                               f"{sheet.desk_slot}{status} – trang {doc.page}")
        canvas.restoreState()

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                            bottomMargin=MARGIN, title=SHEET_TITLE.capitalize(), author=sheet.unit_name,
                            subject=f"{SHEET_TITLE} {office_date(sheet.day)}", creator=f"counter-app {__version__}",
                            lang="vi", initialFontName=FONT_REGULAR)
    doc.build(story, onFirstPage=mark, onLaterPages=mark)
    return buffer.getvalue()

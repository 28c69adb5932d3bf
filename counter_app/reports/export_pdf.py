"""A report as a PDF (reportlab): the daily report and the KPI on A4, the register as Mẫu 06 (A4 landscape).

Daily report: a table per section of figures.py (rows = figures; columns = the units and «Tổng cộng» when
the report covers several units, else the desks and «Tổng cộng»; more columns than fit a page are split
into several tables, the label column repeated), the day closes, and a bar chart of the dossiers received
per day stacked by channel. KPI: each indicator with its numerator, denominator and rate for the total, the
rates per unit, the raw counts, and a bar chart of the on-time rate per day (a day with nothing finished has
no bar, never a made-up 0 %). Pages numbered; fonts from printing/fonts.py.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, KeepTogether, Paragraph, SimpleDocTemplate, Spacer

from counter_app import __version__
from counter_app.domain.formats import office_date, office_datetime
from counter_app.domain.money import format_vnd
from counter_app.printing.fonts import FONT_ITALIC, FONT_REGULAR, register_fonts
from counter_app.printing.forms.layout import (
    BODY,
    BODY_BOLD,
    CELL,
    CELL_HEAD,
    HEAD_BOLD,
    TITLE,
    grid,
    style,
    x,
)
from counter_app.reports.export_labels import (
    CHANNELS,
    KIND_NAMES,
    KIND_TITLES,
    NO_DATA,
    TOTAL,
    UNIT_WORDS,
    Report,
    kind_of,
    period_text,
    rate_percent,
    row_label,
)
from counter_app.reports.figures import DAILY_FIGURES, KPI_COUNTS, KPI_INDICATORS, FigureDef
from counter_app.reports.model import DailyReport, KpiReport, KpiRow, Register, ReportRow
from counter_app.storage.atomic_file import write_atomically

MARGIN = 14 * mm
WIDTH = A4[0] - 2 * MARGIN
LABEL_SHARE, UNIT_SHARE = 0.33, 0.09  # the figure's name and unit; the rest is shared by the value columns
MAX_VALUE_COLUMNS = 6  # beyond that a value no longer fits its column: the table is split
RIGHT = style("reportRight", FONT_REGULAR, 8, alignment=2)
SUBTITLE = style("reportSubtitle", FONT_ITALIC, 8.5, alignment=1)
CHANNEL_COLOURS = (colors.HexColor("#2F5D8A"), colors.HexColor("#7FA7CF"), colors.HexColor("#E0A030"))
RATE_COLOUR = colors.HexColor("#3C8D5A")


def write_pdf(report: Report, path: Path) -> Path:
    """Write the report's PDF to `path` (replaced whole or not at all) and answer the path."""
    data = render_pdf(report)
    return write_atomically(path, lambda tmp: tmp.write_bytes(data))


def render_pdf(report: Report) -> bytes:
    if isinstance(report, Register):
        from counter_app.printing.register_book import render_register_book

        return render_register_book(report)
    register_fonts()
    story = _daily(report) if isinstance(report, DailyReport) else _kpi(report)
    return _build(report, story)


def _build(report: DailyReport | KpiReport, body: list[Flowable]) -> bytes:
    title, name = KIND_TITLES[kind_of(report)], KIND_NAMES[kind_of(report)]
    story: list[Flowable] = [
        Paragraph(x(report.title).upper(), HEAD_BOLD), Paragraph(title, TITLE),
        Paragraph(f"{x(period_text(report.period))}; lập lúc {office_datetime(report.generated_at)}", SUBTITLE),
        Spacer(1, 3 * mm), *body,
    ]

    def mark(canvas: Canvas, doc: SimpleDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont(FONT_ITALIC, 7)
        canvas.drawRightString(A4[0] - MARGIN, 8 * mm, f"{name} – {period_text(report.period)} – "
                               f"trang {doc.page}")
        canvas.restoreState()

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                            bottomMargin=MARGIN, title=name, author=report.title,
                            subject=f"{title} {period_text(report.period)}", creator=f"counter-app {__version__}",
                            lang="vi", initialFontName=FONT_REGULAR)
    doc.build(story, onFirstPage=mark, onLaterPages=mark)
    return buffer.getvalue()


def _value(amount: int, unit: str) -> Paragraph:
    return Paragraph(format_vnd(amount) if unit == "vnd" else str(amount), RIGHT)


def _figure_tables(figures: Sequence[FigureDef], columns: Sequence[ReportRow | KpiRow],
                   values: Callable[[ReportRow | KpiRow], dict[str, int]], many_units: bool) -> list[Flowable]:
    """Rows = figures, columns = `columns`, split every MAX_VALUE_COLUMNS with the label column repeated."""
    tables: list[Flowable] = []
    for first in range(0, len(columns), MAX_VALUE_COLUMNS):
        chunk = columns[first:first + MAX_VALUE_COLUMNS]
        head = [Paragraph("Chỉ tiêu", CELL_HEAD), Paragraph("Đơn vị tính", CELL_HEAD), *(Paragraph(x(row_label(r, many_units=many_units)), CELL_HEAD)
                                                   for r in chunk)]
        rows: list[list[object]] = [head]
        for f in figures:
            rows.append([Paragraph(x(f.label), CELL), Paragraph(UNIT_WORDS[f.unit], CELL), *(_value(values(r).get(f.key, 0), f.unit) for r in chunk)])
        share = (1 - LABEL_SHARE - UNIT_SHARE) / max(len(chunk), 3)
        widths = [WIDTH * LABEL_SHARE, WIDTH * UNIT_SHARE, *[WIDTH * share] * len(chunk)]
        tables += [grid(rows, widths), Spacer(1, 2 * mm)]
    return tables


def _columns(units: Sequence[ReportRow | KpiRow], desks: Sequence[ReportRow], total: ReportRow | KpiRow
             ) -> list[ReportRow | KpiRow]:
    """Several units: each unit and the total; one unit: its desks (when more than one) and the total."""
    if len(units) > 1:
        return [*units, total]
    return [*desks, total] if len(desks) > 1 else [total]


# -- daily ---------------------------------------------------------------------------------------------

def _daily(report: DailyReport) -> list[Flowable]:
    columns = _columns(report.units, report.desks, report.total)
    many = len(report.units) > 1
    story: list[Flowable] = []
    sections = dict.fromkeys(f.section for f in DAILY_FIGURES)
    for number, section in enumerate(sections, start=1):
        figures = [f for f in DAILY_FIGURES if f.section == section]
        story += [Paragraph(f"{_roman(number)}. {x(section)}", BODY_BOLD), Spacer(1, 1 * mm),
                  *_figure_tables(figures, columns, lambda r: r.values, many)]  # type: ignore[union-attr]
    story += _closes(report, len(sections) + 1)
    story.append(KeepTogether([Paragraph(f"{_roman(len(sections) + 2)}. Hồ sơ tiếp nhận theo ngày và kênh",
                                         BODY_BOLD), _received_chart(report.received_per_day)]))
    return story


def _closes(report: DailyReport, number: int) -> list[Flowable]:
    story: list[Flowable] = [Paragraph(f"{_roman(number)}. Chốt sổ cuối ngày ({len(report.closes)})", BODY_BOLD)]
    if not report.closes:
        return [*story, Paragraph("Không có ngày nào được chốt sổ trong kỳ.", BODY)]
    head = [Paragraph(t, CELL_HEAD) for t in ("Ngày", "Đơn vị, quầy", "Người khóa sổ", "Theo biên lai (đồng)",
                                              "Đếm được (đồng)", "Chênh lệch (đồng)", "Giải trình")]
    rows: list[list[object]] = [head]
    for c in report.closes:
        rows.append([Paragraph(office_date(c.day), CELL), Paragraph(f"{x(c.unit_code)}, quầy {c.desk_slot}", CELL),
                     Paragraph(x(c.clerk), CELL), _value(c.expected_cash, "vnd"), _value(c.counted_total, "vnd"),
                     _value(c.difference, "vnd"), Paragraph(x(c.explanation), CELL)])
    return [*story, grid(rows, [WIDTH * f for f in (0.11, 0.17, 0.15, 0.13, 0.13, 0.12, 0.19)])]


def _day_labels(days: Sequence[date]) -> list[str]:
    """'dd/mm' under the bars, thinned so that at most ~16 labels share the axis."""
    step = max(1, (len(days) + 15) // 16)
    return [f"{d.day:02d}/{d.month:02d}" if i % step == 0 else "" for i, d in enumerate(days)]


def _chart(days: Sequence[date], data: list[list[float | None]], legend: Sequence[str],
           colours: Sequence[colors.Color], *, stacked: bool, value_max: float | None = None) -> Drawing:
    drawing = Drawing(WIDTH, 62 * mm)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 12 * mm, 8 * mm, WIDTH - 16 * mm, 44 * mm
    chart.data = data if days else [[0.0]]  # reportlab needs a category; an empty period shows an empty axis
    chart.categoryAxis.categoryNames = _day_labels(days) if days else [""]
    if stacked:
        chart.categoryAxis.style = "stacked"
    for axis in (chart.categoryAxis.labels, chart.valueAxis.labels):
        axis.fontName, axis.fontSize = FONT_REGULAR, 6.5
    chart.valueAxis.valueMin = 0
    nothing = not any(value for series in data for value in series)
    if value_max is not None:
        chart.valueAxis.valueMax = value_max
    elif nothing:  # an axis of 0 … 0.01 said there were fractions of a dossier
        chart.valueAxis.valueMax, chart.valueAxis.valueStep = 1, 1
    for index, colour in enumerate(colours):
        chart.bars[index].fillColor = colour
        chart.bars[index].strokeColor = None
    drawing.add(chart)
    key = Legend()
    key.x, key.y, key.alignment = 14 * mm, 61 * mm, "right"  # above the chart, never over a bar
    key.columnMaximum, key.fontName, key.fontSize = 1, FONT_REGULAR, 7
    key.colorNamePairs = list(zip(colours, legend, strict=True))
    drawing.add(key)
    if not days or nothing:
        drawing.add(String(WIDTH / 2, 30 * mm, NO_DATA, fontName=FONT_ITALIC, fontSize=8, textAnchor="middle"))
    return drawing


def _received_chart(per_day: dict[date, dict[int, int]]) -> Drawing:
    days = sorted(per_day)
    data: list[list[float | None]] = [[float(per_day[d].get(channel, 0)) for d in days] for channel in CHANNELS]
    return _chart(days, data, list(CHANNELS.values()), CHANNEL_COLOURS, stacked=True)


# -- KPI -----------------------------------------------------------------------------------------------

def _kpi(report: KpiReport) -> list[Flowable]:
    total = report.total
    head = [Paragraph(t, CELL_HEAD) for t in ("Chỉ số", "Tử số", "Mẫu số", "Tỷ lệ")]
    rows: list[list[object]] = [head]
    for f in KPI_INDICATORS:
        found = total.indicators.get(f.key)
        rows.append([Paragraph(x(f.label), CELL), _value(found.numerator if found else 0, "dossier"),
                     _value(found.denominator if found else 0, "dossier"),
                     Paragraph(rate_percent(found.rate if found else None), RIGHT)])
    many = len(report.units) > 1
    headings = iter(_roman(n) for n in range(1, 5))
    story: list[Flowable] = [Paragraph(f"{next(headings)}. Các chỉ số ({TOTAL.lower()})", BODY_BOLD),
                             Spacer(1, 1 * mm), grid(rows, [WIDTH * f for f in (0.52, 0.16, 0.16, 0.16)]),
                             Spacer(1, 2 * mm)]
    if many:
        story += [Paragraph(f"{next(headings)}. Tỷ lệ theo đơn vị", BODY_BOLD), Spacer(1, 1 * mm),
                  _rates_by_unit(report), Spacer(1, 2 * mm)]
    columns: list[KpiRow] = [*report.units, total] if many else [total]
    story += [Paragraph(f"{next(headings)}. Số liệu", BODY_BOLD), Spacer(1, 1 * mm),
              *_figure_tables(KPI_COUNTS, columns, lambda r: r.counts, many)]  # type: ignore[union-attr]
    story.append(KeepTogether([Paragraph(f"{next(headings)}. Tỷ lệ giải quyết trước hạn, đúng hạn theo ngày (%)",
                                         BODY_BOLD), _on_time_chart(report)]))
    return story


def _rates_by_unit(report: KpiReport) -> Flowable:
    head = [Paragraph("Đơn vị", CELL_HEAD), *(Paragraph(x(f.label), CELL_HEAD) for f in KPI_INDICATORS)]
    rows: list[list[object]] = [head]
    for row in [*report.units, report.total]:
        cells = [Paragraph(rate_percent(i.rate) if (i := row.indicators.get(f.key)) else rate_percent(None), RIGHT)
                 for f in KPI_INDICATORS]
        rows.append([Paragraph(x(row_label(row, many_units=True)), CELL), *cells])
    share = 0.79 / len(KPI_INDICATORS)
    return grid(rows, [WIDTH * 0.21, *[WIDTH * share] * len(KPI_INDICATORS)])


def _on_time_chart(report: KpiReport) -> Drawing:
    days = sorted(report.on_time_per_day)
    rates = [report.on_time_per_day[d].rate for d in days]
    data: list[list[float | None]] = [[None if r is None else float(r) for r in rates]]
    return _chart(days, data, ["Trước hạn và đúng hạn"], (RATE_COLOUR,), stacked=False, value_max=100)


def _roman(number: int) -> str:
    return ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")[number - 1]

"""The reports screen's parts on reports built in the test: the figure lines and their words, the charts'
bars and what they paint, the period steps and the export file names."""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from counter_app.reports.export_labels import rate_percent
from counter_app.reports.figures import DAILY_FIGURES, KPI_COUNTS, KPI_INDICATORS
from counter_app.reports.model import (
    DailyReport,
    Indicator,
    KpiReport,
    KpiRow,
    Period,
    Register,
    RegisterRow,
    ReportRow,
    Scope,
)
from counter_app.ui import palette
from counter_app.ui.report_chart import BarChart, on_time_bars, received_bars, received_chart
from counter_app.ui.report_exports import default_file_name
from counter_app.ui.report_tables import FigureTable, RegisterTable, daily_lines, desk_titles, kpi_lines
from counter_app.ui.reports_screen import month_of

DAY = date(2026, 3, 2)
NOW = datetime(2026, 3, 3, 1, 0, tzinfo=UTC)


def daily(values: dict[str, int], per_day: dict[date, dict[int, int]] | None = None) -> DailyReport:
    row = ReportRow("000.00.00.H00", 1, {f.key: values.get(f.key, 0) for f in DAILY_FIGURES})
    unit = ReportRow("000.00.00.H00", None, row.values)
    total = ReportRow(None, None, row.values)
    period = Period(DAY, date(2026, 3, 4))
    return DailyReport(period, Scope(), NOW, [row], [unit], total, per_day or {})


def test_daily_lines_show_every_figure_with_its_words_and_amounts_in_dong() -> None:
    lines = daily_lines(daily({"received_direct": 12, "fee_cash": 1_250_000, "closes": 2}))
    by_key = {line.key: line for line in lines if line.key}
    assert set(by_key) == {f.key for f in DAILY_FIGURES}
    assert by_key["received_direct"].label == "Tiếp nhận trực tiếp"
    assert by_key["received_direct"].value == "12"
    assert by_key["fee_cash"].value == "1.250.000 đồng"
    assert by_key["received_direct"].opens and not by_key["closes"].opens  # closes list no dossiers
    headings = [line.label for line in lines if line.key is None]
    assert headings == ["Tiếp nhận", "Giải quyết và trả kết quả", "Phí, lệ phí", "Số hóa và đồng bộ"]


def test_kpi_lines_write_rates_with_their_counts_and_never_invent_a_rate() -> None:
    indicators = {f.key: Indicator(f.key, 0, 0) for f in KPI_INDICATORS}
    indicators["on_time_rate"] = Indicator("on_time_rate", 15, 16)
    counts = {f.key: 0 for f in KPI_COUNTS} | {"finished_total": 16, "received_postal": 3}
    total = KpiRow(None, None, indicators, counts)
    report = KpiReport(Period.day(DAY), Scope(), NOW, [total], total, {})
    by_key = {line.key: line for line in kpi_lines(report) if line.key}
    assert by_key["on_time_rate"].value == "93,75 % (15/16)"
    assert by_key["online_share"].value == "— (chưa có số liệu)"
    assert not by_key["on_time_rate"].opens  # a rate is two figures: its counts open their dossiers
    assert by_key["received_postal"].value == "3" and by_key["received_postal"].opens
    assert not by_key["carried_over"].opens  # not a figure of the daily report: no drill-down rule


def test_rate_text_uses_the_decimal_comma() -> None:
    assert rate_percent(Indicator("x", 1, 3).rate) == "33,33 %"  # the screen words a rate as the exports do
    assert rate_percent(Indicator("x", 2, 2).rate) == "100,00 %"
    assert rate_percent(None) == "—"


def test_received_bars_stack_the_channels_and_keep_empty_days() -> None:
    days = Period(DAY, date(2026, 3, 4)).days()
    bars = received_bars({DAY: {1: 4, 3: 1}, date(2026, 3, 4): {2: 2}}, days)
    assert [b.day for b in bars] == days
    assert [b.caption for b in bars] == ["5", "0", "2"]
    assert [v for v, _ in bars[0].segments] == [4.0, 0.0, 1.0]
    rated = on_time_bars({DAY: Indicator("on_time_rate", 3, 4)}, days)
    assert [b.caption for b in rated] == ["75,00 %", "—", "—"]  # worded as the exports word a rate
    assert rated[1].segments == ()


BELOW_LEGEND = 2 * BarChart.TITLE_HEIGHT + 1  # the title's line, then the legend's


def test_the_received_chart_paints_each_channel_in_its_colour(qtbot) -> None:
    chart = received_chart()
    qtbot.addWidget(chart)
    chart.resize(400, 220)
    days = Period(DAY, date(2026, 3, 4)).days()
    chart.set_bars(received_bars({DAY: {1: 4}, date(2026, 3, 3): {2: 4}}, days))
    image = chart.grab().toImage()
    colours = {image.pixelColor(x, y).name() for x in range(0, 400, 2) for y in range(BELOW_LEGEND, 200, 2)}
    assert QColor(palette.CHART_DIRECT).name() in colours
    assert QColor(palette.CHART_ONLINE).name() in colours
    chart.set_bars(received_bars({}, days))
    image = chart.grab().toImage()
    colours = {image.pixelColor(x, y).name() for x in range(0, 400, 2) for y in range(BELOW_LEGEND, 200, 2)}
    assert QColor(palette.CHART_DIRECT).name() not in colours  # only the legend's swatches, above the bars


def test_figure_table_selects_the_first_figure_not_a_heading(qtbot) -> None:
    table = FigureTable()
    qtbot.addWidget(table)
    table.set_lines(daily_lines(daily({"received_direct": 3})))
    assert table.current_key() == "received_direct"
    assert table.value_of("received_direct") == "3"


def test_month_steps_and_file_names() -> None:
    assert month_of(date(2026, 3, 15), -1) == Period(date(2026, 2, 1), date(2026, 2, 28))
    assert month_of(date(2026, 12, 31), 1) == Period(date(2027, 1, 1), date(2027, 1, 31))
    assert month_of(date(2026, 1, 5), -1) == Period(date(2025, 12, 1), date(2025, 12, 31))
    assert default_file_name(daily({}), "pdf") == "bao-cao-ngay-2026-03-02-2026-03-04.pdf"
    register = Register(Period.day(DAY), Scope(), NOW, [])
    assert default_file_name(register, "xlsx") == "so-theo-doi-ho-so-2026-03-02.xlsx"


def register_rows(count: int) -> list[RegisterRow]:
    at = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)
    return [RegisterRow(n, f"000.00.00.H00-260302-{n:04d}", "Đăng ký khai sinh", 1, "Nguyễn Văn An", "12 Lê Lợi",
                        "0905123456", "UBND phường", at, at, None, None, None, "01/2026", n, "")
            for n in range(1, count + 1)]


def test_a_long_register_shows_whole_and_costs_python_nothing(qtbot) -> None:
    """20,000 rows (a big month): drawn row by row when seen, and no reference to None lost on the way
    (PySide6 6.12's QTableWidget.setItem drops one per call: a few thousand crash the app)."""
    table = RegisterTable()
    qtbot.addWidget(table)
    table.resize(1200, 400)
    table.show()
    rows = register_rows(20_000)
    before = sys.getrefcount(None)
    table.set_rows(rows)
    table.scrollToBottom()
    qtbot.wait(10)
    assert sys.getrefcount(None) >= before - 100
    assert table.rowCount() == 20_000 and table.key_at(19_999) == rows[-1].code
    assert table.current_key() == rows[0].code
    assert table.model().index(19_999, 2).data() == "Đăng ký khai sinh"


def test_a_report_of_several_desks_has_the_total_then_a_column_per_desk(qtbot) -> None:
    desks = [ReportRow("000.00.00.H00", slot, {f.key: slot * 10 if f.key == "received_direct" else 0
                                               for f in DAILY_FIGURES}) for slot in (1, 3)]
    total = ReportRow(None, None, {f.key: sum(d.values[f.key] for d in desks) for f in DAILY_FIGURES})
    report = DailyReport(Period.day(DAY), Scope(), NOW, desks, [total], total, {})
    table = FigureTable()
    qtbot.addWidget(table)
    table.set_lines(daily_lines(report), desk_titles(report))
    model = table.model()
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert headers == ["Chỉ tiêu", "Tổng cộng", "Quầy 1", "Quầy 3", ""]
    row = table.keys().index("received_direct")
    assert [model.index(row, c).data() for c in range(4)] == ["Tiếp nhận trực tiếp", "40", "10", "30"]
    table.set_lines(daily_lines(daily({"received_direct": 5})), ())  # one desk: its value only
    assert model.columnCount() == 3 and model.headerData(1, Qt.Orientation.Horizontal) == "Số liệu"

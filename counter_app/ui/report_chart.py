"""The reports screen's two charts, drawn with QPainter: received per day stacked by channel, and the
on-time rate per day.

The data is turned into plain `Bar`s first (`received_bars`, `on_time_bars`: no Qt, easy to check), then
one widget draws any list of bars. A day with nothing to rate has no bar and reads «—», never a made-up
0 % (model.Indicator.rate is None then).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import QCoreApplication, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from counter_app.reports.export_labels import rate_percent
from counter_app.reports.model import Indicator
from counter_app.ui import palette

CHANNELS: tuple[tuple[int, str, str], ...] = (
    (1, "Trực tiếp", palette.CHART_DIRECT),
    (2, "Trực tuyến", palette.CHART_ONLINE),
    (3, "Bưu chính", palette.CHART_POSTAL),
)
ON_TIME_LEGEND = (("Trước hạn và đúng hạn (%)", palette.CHART_ONLINE),)


@dataclass(frozen=True)
class Bar:
    """One day's bar: its stacked segments (value, colour) bottom up, and the text shown over it."""

    day: date
    segments: tuple[tuple[float, str], ...]
    caption: str

    @property
    def height(self) -> float:
        return sum(value for value, _ in self.segments)


def received_bars(received_per_day: dict[date, dict[int, int]], days: list[date]) -> list[Bar]:
    """A bar per day of the period (an empty day too: a gap in the chart is a day with no dossier)."""
    bars = []
    for day in days:
        counts = received_per_day.get(day, {})
        segments = tuple((float(counts.get(channel, 0)), colour) for channel, _, colour in CHANNELS)
        total = sum(counts.get(channel, 0) for channel, _, _ in CHANNELS)
        bars.append(Bar(day, segments, str(total)))
    return bars


def on_time_bars(on_time_per_day: dict[date, Indicator], days: list[date]) -> list[Bar]:
    bars = []
    for day in days:
        indicator = on_time_per_day.get(day)
        rate = indicator.rate if indicator is not None else None
        segments = () if rate is None else ((float(rate), palette.CHART_ONLINE),)
        bars.append(Bar(day, segments, rate_percent(rate)))
    return bars


class BarChart(QWidget):
    """Bars over days with a title, a legend and a caption per bar (when there is room for it)."""

    MARGIN = 8
    AXIS_HEIGHT = 18  # the days under the bars
    TITLE_HEIGHT = 20

    def __init__(self, title: str, legend: tuple[tuple[str, str], ...], *, fixed_max: float | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self.setToolTip(title)  # the whole title, when a narrow chart cuts it
        self.legend = legend
        self.fixed_max = fixed_max  # 100 for a rate; None: the tallest bar
        self.bars: list[Bar] = []
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def sizeHint(self) -> QSize:
        return QSize(420, 200)

    def minimumSizeHint(self) -> QSize:
        return QSize(200, 120)

    def set_bars(self, bars: list[Bar]) -> None:
        self.bars = bars
        self.update()

    def clear(self) -> None:
        self.set_bars([])

    def top_value(self) -> float:
        if self.fixed_max is not None:
            return self.fixed_max
        return max((bar.height for bar in self.bars), default=0.0) or 1.0

    def scale_text(self, top: float) -> str:
        return f"{top:.0f} %" if self.fixed_max is not None else f"{top:.0f}"

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        text_pen = QPen(QColor(palette.CHART_TEXT))
        painter.setPen(text_pen)
        width, height = self.width(), self.height()
        title = painter.fontMetrics().elidedText(self.title, Qt.TextElideMode.ElideRight, width - 2 * self.MARGIN)
        painter.drawText(QRectF(self.MARGIN, 0, width - 2 * self.MARGIN, self.TITLE_HEIGHT),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, title)
        self._draw_legend(painter)
        metrics = painter.fontMetrics()
        top_edge = 2 * self.TITLE_HEIGHT + metrics.height() + 2  # title, legend, then the tallest bar's caption
        top = self.top_value()
        scale = self.scale_text(top)
        left = self.MARGIN + metrics.horizontalAdvance(scale) + 4  # the scale's words left of the bars
        plot = QRectF(left, top_edge, width - left - self.MARGIN, height - top_edge - self.AXIS_HEIGHT - 4)
        painter.setPen(QPen(QColor(palette.CHART_GRID)))
        painter.drawLine(plot.bottomLeft(), plot.bottomRight())
        painter.drawLine(plot.topLeft(), plot.topRight())  # the scale: the top line is worth `top`
        painter.setPen(text_pen)
        painter.drawText(QRectF(self.MARGIN, plot.top() - metrics.height() / 2, left - self.MARGIN - 4,
                                metrics.height()), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, scale)
        painter.drawText(QRectF(self.MARGIN, plot.bottom() - metrics.height() / 2, left - self.MARGIN - 4,
                                metrics.height()), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, "0")
        if not self.bars or plot.height() <= 0:
            painter.end()
            return
        slot = plot.width() / len(self.bars)
        bar_width = max(1.0, slot * 0.7)
        caption_room = metrics.horizontalAdvance(max((b.caption for b in self.bars), key=len)) + 4 <= slot
        label_every = max(1, int(metrics.horizontalAdvance("00/00 ") // slot) + 1)
        for n, bar in enumerate(self.bars):
            x = plot.left() + n * slot + (slot - bar_width) / 2
            bottom = plot.bottom()
            for value, colour in bar.segments:
                if value <= 0:
                    continue
                bar_height = plot.height() * value / top
                painter.fillRect(QRectF(x, bottom - bar_height, bar_width, bar_height), QColor(colour))
                bottom -= bar_height
            painter.setPen(text_pen)
            if caption_room:
                painter.drawText(QRectF(x - slot, bottom - metrics.height(), bar_width + 2 * slot, metrics.height()),
                                 Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom, bar.caption)
            if n % label_every == 0:
                centre, half = x + bar_width / 2, metrics.horizontalAdvance("00/00") / 2 + 2
                painter.drawText(QRectF(centre - half, plot.bottom() + 2, 2 * half, self.AXIS_HEIGHT),
                                 Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
                                 f"{bar.day.day:02d}/{bar.day.month:02d}")
        painter.end()

    def _draw_legend(self, painter: QPainter) -> None:
        """A swatch and its words, left to right, on the line under the title."""
        metrics = painter.fontMetrics()
        x = float(self.MARGIN)
        y = float(self.TITLE_HEIGHT)
        for text, colour in self.legend:
            painter.fillRect(QRectF(x, y + self.TITLE_HEIGHT / 2 - 5, 10, 10), QColor(colour))
            x += 14
            text_width = metrics.horizontalAdvance(text)
            painter.setPen(QPen(QColor(palette.CHART_TEXT)))
            painter.drawText(QRectF(x, y, text_width, self.TITLE_HEIGHT), Qt.AlignmentFlag.AlignVCenter, text)
            x += text_width + 16

def received_chart(parent: QWidget | None = None) -> BarChart:
    legend = tuple((name, colour) for _, name, colour in CHANNELS)
    return BarChart(QCoreApplication.translate("report_chart", "Hồ sơ tiếp nhận theo ngày"), legend, parent=parent)


def on_time_chart(parent: QWidget | None = None) -> BarChart:
    return BarChart(QCoreApplication.translate("report_chart", "Tỷ lệ giải quyết trước hạn, đúng hạn theo ngày"), ON_TIME_LEGEND, fixed_max=100.0, parent=parent)

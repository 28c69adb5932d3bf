"""The desk's few colours, in one place: one red for every error, one amber for warnings.

A colour written twice drifts (there were three reds); screens import these names instead of
writing a hex code. Plain strings, so a style sheet, rich text and `QColor(...)` all take them.
"""

from __future__ import annotations

ERROR = "#b71c1c"  # an error, a refused save, an overdue dossier
WARNING = "#b45309"  # something to look at soon: a clock that drifts, a sync that waits
OK = "#1b5e20"  # done as asked
INFO = "#0b5394"  # a neutral message; also the window icon
HINT = "#555555"  # small print under a field
PAGE_BORDER = "#999999"  # the edge of a previewed page
INVALID_BACKGROUND = "#fff5f5"  # the faint red behind a field that has an error
QR_DARK = "#000000"  # a QR code's modules on screen: full contrast, or phone cameras miss it
QR_LIGHT = "#ffffff"  # its background and quiet zone
# The reports' charts (ui/report_chart.py): one colour per channel, the grid and the bars' text.
CHART_DIRECT = INFO  # 1 trực tiếp
CHART_ONLINE = OK  # 2 trực tuyến
CHART_POSTAL = WARNING  # 3 bưu chính
CHART_GRID = "#cccccc"
CHART_TEXT = "#333333"

ERROR_STYLE = f"color: {ERROR};"
WARNING_STYLE = f"color: {WARNING};"
OK_STYLE = f"color: {OK};"
INFO_STYLE = f"color: {INFO};"
HINT_STYLE = f"color: {HINT};"
INVALID_FIELD_STYLE = f"border: 1px solid {ERROR}; background: {INVALID_BACKGROUND};"


def in_colour(html_text: str, colour: str) -> str:
    """Rich text in one of the colours above (the caller escapes `html_text`)."""
    return f'<span style="color:{colour}">{html_text}</span>'

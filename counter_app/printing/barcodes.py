"""Vector barcodes for slips: Code128 drawn from python-barcode's bar pattern, and QR codes.

Both are drawn as filled rectangles, never as embedded images, so the printer driver rasterises
them at its own resolution. Sizes are chosen as whole numbers of printer dots: the counters print
on 203-dpi thermal printers (8 dots/mm), and a bar that is 2.4 dots wide comes out as 2 or 3 dots
depending on where it falls, which distorts the bar/space ratios a scanner reads. A module of
exactly 2 dots (0.2502 mm) keeps every bar and space an exact multiple and stays within the
0.25 mm minimum most handheld scanners resolve. On a 600-dpi laser the same 0.25 mm is ~6 dots,
where rounding no longer matters. This holds only when printed at 100 % ("actual size").
"""

from __future__ import annotations

from functools import lru_cache
from itertools import groupby

import barcode
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.lib.units import inch
from reportlab.pdfgen.canvas import Canvas

PRINTER_DPI = 203
# One printer dot in PDF points (1 pt = 1/72 inch).
DOT = inch / PRINTER_DPI
# Code128 module (narrowest bar) = 2 printer dots = 0.2502 mm.
MODULE_WIDTH = 2 * DOT
# ISO/IEC 15417 asks for at least 10 modules of blank space on each side.
QUIET_MODULES = 10


@lru_cache(maxsize=256)
def code128_pattern(value: str) -> str:
    """The module string ('1' = bar, '0' = space) python-barcode builds, start/check/stop included.

    python-barcode picks code sets B/C to keep the symbol short (digit pairs go in code C).
    Cached because a slip may be re-rendered (preview, then print) with the same code.
    """
    if not value or not value.isascii():
        raise ValueError(f"Mã vạch Code128 chỉ nhận ký tự ASCII, không nhận «{value}».")
    return barcode.get_barcode_class("code128")(value).build()[0]


def code128_width(
    value: str, module_width: float = MODULE_WIDTH, quiet_modules: int = QUIET_MODULES
) -> float:
    """Total width in points including both quiet zones, so a layout can reserve it beforehand."""
    return (len(code128_pattern(value)) + 2 * quiet_modules) * module_width


def snap_to_dots(value: float) -> float:
    """Round a coordinate to the printer-dot grid so bar edges land on dot boundaries."""
    return round(value / DOT) * DOT


def draw_code128(
    canvas: Canvas,
    value: str,
    x: float,
    y: float,
    height: float,
    module_width: float = MODULE_WIDTH,
    quiet_modules: int = QUIET_MODULES,
) -> float:
    """Draw `value` as Code128 with its lower-left quiet-zone corner at (x, y); return the total width.

    Each run of bars becomes one rectangle, all in a single path: a 25-character code is about 80
    rectangles and one PDF fill, which keeps both the file and the render time small.
    """
    pattern = code128_pattern(value)
    path = canvas.beginPath()
    start = x + quiet_modules * module_width
    run_begin = -1
    for i, module in enumerate(pattern + "0"):
        if module == "1" and run_begin < 0:
            run_begin = i
        elif module == "0" and run_begin >= 0:
            path.rect(start + run_begin * module_width, y, (i - run_begin) * module_width, height)
            run_begin = -1
    canvas.saveState()
    canvas.setFillColorRGB(0, 0, 0)
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.restoreState()
    return (len(pattern) + 2 * quiet_modules) * module_width


@lru_cache(maxsize=256)
def _qr_modules(value: str, bar_level: str) -> int:
    """Modules per side, quiet zone included (the widget's default border of 4 on each side)."""
    widget = QrCodeWidget(value, barLevel=bar_level)
    widget.qr.make()
    return widget.qr.getModuleCount() + 2 * widget.barBorder


def qr_matrix(value: str, bar_level: str = "M") -> tuple[tuple[bool, ...], ...]:
    """The QR modules (True = dark), quiet zone not included: the same encoder as `draw_qr`, for
    drawing the code elsewhere (the screen's QImage in ui/qr_image.py)."""
    widget = QrCodeWidget(value, barLevel=bar_level)
    widget.qr.make()
    return tuple(tuple(bool(module) for module in row) for row in widget.qr.modules)


def qr_side(value: str, size: float, bar_level: str = "M") -> float:
    """The side `draw_qr` will use for at most `size` points: whole printer dots per module."""
    modules = _qr_modules(value, bar_level)
    return max(1, int(size / DOT / modules)) * modules * DOT


def draw_qr(canvas: Canvas, value: str, x: float, y: float, size: float, bar_level: str = "M") -> float:
    """Draw a vector QR code (4-module quiet zone included) in a square of at most `size` points.

    The side is shrunk so each module is a whole number of printer dots (see the module docstring);
    returns the side actually drawn, with its lower-left corner at (x, y). Level M survives a
    smudged or creased slip better than the default L. The modules come from reportlab's
    QrCodeWidget encoder but are drawn as one path straight on the canvas: going through a
    Drawing would also declare Helvetica on the page, a font that cannot show Vietnamese.
    """
    widget = QrCodeWidget(value, barLevel=bar_level)
    widget.qr.make()
    count = widget.qr.getModuleCount()
    border = widget.barBorder
    module = max(1, int(size / DOT / (count + 2 * border))) * DOT
    path = canvas.beginPath()
    for r, row in enumerate(widget.qr.modules):
        top = y + (count + border - r) * module
        c = 0
        for dark, run in groupby(row):
            length = len(list(run))
            if dark:
                path.rect(x + (border + c) * module, top - module, length * module, module)
            c += length
    canvas.saveState()
    canvas.setFillColorRGB(0, 0, 0)
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.restoreState()
    return (count + 2 * border) * module

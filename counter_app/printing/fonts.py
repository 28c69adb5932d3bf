"""The fonts every printed document uses: the DejaVu Sans family shipped in resources/fonts.

The 14 standard PDF fonts are WinAnsi only and cannot print Vietnamese, and Windows counters have
no DejaVu installed, so the TTFs travel with the app (licence in resources/fonts/LICENSE-DejaVu.txt).
reportlab embeds only the subset of glyphs each PDF uses.
"""

from __future__ import annotations

import threading
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from counter_app.resources import resources_dir

FONT_FAMILY = "DejaVuSans"
FONT_REGULAR = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
FONT_ITALIC = "DejaVuSans-Oblique"

_FILES = {
    FONT_REGULAR: "DejaVuSans.ttf",
    FONT_BOLD: "DejaVuSans-Bold.ttf",
    FONT_ITALIC: "DejaVuSans-Oblique.ttf",
}
_lock = threading.Lock()
_registered = False


def fonts_dir() -> Path:
    return resources_dir() / "fonts"


def register_fonts() -> None:
    """Register the family once per process; later calls are free, so every renderer just calls it.

    Parsing a TTF takes tens of milliseconds, which is why this is cached rather than per slip.
    Bold italic maps to bold: we ship no bold-oblique face and `<b><i>` must not raise.
    """
    global _registered
    if _registered:
        return
    with _lock:
        if _registered:
            return
        directory = fonts_dir()
        for name, filename in _FILES.items():
            path = directory / filename
            if not path.is_file():
                raise FileNotFoundError(
                    f"Thiếu phông chữ {filename} trong {directory}; hãy cài lại ứng dụng."
                )
            pdfmetrics.registerFont(TTFont(name, str(path)))
        # The family mapping is what lets Paragraph markup <b>/<i> pick the right face.
        pdfmetrics.registerFontFamily(
            FONT_FAMILY, normal=FONT_REGULAR, bold=FONT_BOLD, italic=FONT_ITALIC, boldItalic=FONT_BOLD
        )
        _registered = True

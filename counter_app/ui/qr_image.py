"""A QR code as a QImage for the screen: the modules of printing.barcodes.qr_matrix (the encoder the
slip already uses), drawn as whole pixels with the 4-module quiet zone scanners need.

A phone's camera reads the code off the counter's monitor, so each module gets an integer number of
pixels (no smoothing): a blurred edge is what makes a screen QR fail to scan.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QPainter

from counter_app.printing.barcodes import qr_matrix
from counter_app.ui.palette import QR_DARK, QR_LIGHT

QUIET_MODULES = 4


def qr_image(value: str, max_side: int, bar_level: str = "M") -> QImage:
    """`value` as a black-on-white QR image of at most `max_side` pixels (at least 1 pixel per module)."""
    matrix = qr_matrix(value, bar_level)
    modules = len(matrix) + 2 * QUIET_MODULES
    scale = max(1, max_side // modules)
    image = QImage(modules * scale, modules * scale, QImage.Format.Format_RGB32)
    image.fill(QColor(QR_LIGHT))
    painter = QPainter(image)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(QR_DARK))
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                painter.drawRect((c + QUIET_MODULES) * scale, (r + QUIET_MODULES) * scale, scale, scale)
    painter.end()
    return image

"""Straightening a scanned page: the small tilt a sheet takes in a feeder or on the glass.

The lines of a printed page make dark horizontal bands. Rotated the right way, the band pattern is
sharpest: the ink per row (the page shrunk to one pixel wide) changes most from row to row. So the page
is tried at a few angles on a small copy (±`MAX_TILT` degrees, coarse steps, then finer around the best)
and turned by the angle where that contrast peaks. A page without lines of text (a photo, an ID card)
shows no clear peak, and a peak less than `MIN_GAIN` above the upright score is not trusted: such a page
is left as it is. Pure Pillow, no numpy: 11 coarse angles a degree apart, then 9 a tenth apart around the
best, about 50 ms a page to measure (bench/scan_bundle.py), plus the turn itself on an askew page.
"""

from __future__ import annotations

from itertools import pairwise

from PIL import Image, ImageOps

MAX_TILT = 5.0  # degrees: a sheet fed askew; more than this is a page put in sideways, for EXIF or the clerk
MIN_TURN = 0.3  # degrees: below this a turn only blurs the page
MIN_GAIN = 1.3  # the best angle must beat upright by 30 % (text tilted 0.5° already gains ~80 %)
PROBE_SIDE = 600  # pixels: the small copy the angles are tried on


def _row_contrast(ink: Image.Image, angle: float) -> float:
    """How sharply the ink changes from row to row with the page turned by `angle` degrees."""
    turned = ink.rotate(angle, resample=Image.Resampling.BILINEAR, fillcolor=0)
    rows = list(turned.resize((1, turned.height), Image.Resampling.BOX).get_flattened_data())
    return float(sum((a - b) ** 2 for a, b in pairwise(rows)))


def tilt_correction(page: Image.Image) -> float:
    """The angle (degrees, counter-clockwise) that straightens `page`; 0.0 when it is straight or has no lines."""
    probe = page.convert("L")
    probe.thumbnail((PROBE_SIDE, PROBE_SIDE), Image.Resampling.BILINEAR)
    ink = ImageOps.invert(probe).point(lambda v: 255 if v > 96 else 0)  # text bright, paper black
    upright = _row_contrast(ink, 0.0)
    if upright == 0.0:
        return 0.0  # a blank page
    coarse = [float(step) for step in range(int(-MAX_TILT), int(MAX_TILT) + 1)]
    best = max(coarse, key=lambda angle: _row_contrast(ink, angle))
    fine = [best + step / 10 for step in range(-6, 7) if abs(best + step / 10) <= MAX_TILT]
    best = round(max(fine, key=lambda angle: _row_contrast(ink, angle)), 1)
    if abs(best) > MAX_TILT - 0.25:  # the end of the range: the slope of a bigger turn, not a peak
        return 0.0
    if abs(best) < MIN_TURN or _row_contrast(ink, best) < upright * MIN_GAIN:
        return 0.0
    return best


def straightened(page: Image.Image) -> Image.Image:
    """`page` turned upright when it is tilted; the corners the turn uncovers are white paper."""
    angle = tilt_correction(page)
    if angle == 0.0:
        return page
    if page.mode == "1":  # bilevel: turn in grey, then back to black and white without dithering
        grey = page.convert("L").rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
        return grey.point(lambda v: 255 if v > 127 else 0).convert("1", dither=Image.Dither.NONE)
    white = 255 if page.mode == "L" else (255, 255, 255)
    return page.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=white)

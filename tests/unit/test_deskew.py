"""A sheet scanned askew comes out straight in its paper's PDF; a straight page, a photo or a blank page
is left as it is. The pages are checked by rendering the PDF back (pypdfium2) and measuring them again."""

from __future__ import annotations

import io
import random
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageDraw

from counter_app.services.deskew import MAX_TILT, tilt_correction
from counter_app.services.scan_bundle import build_bundle


def printed_page(seed: int = 1) -> Image.Image:
    """An A4 page at 150 dpi with 35 lines of "words" (black blocks), as a form or a letter looks."""
    page = Image.new("L", (1240, 1754), 255)
    draw, rng = ImageDraw.Draw(page), random.Random(seed)
    for top in range(150, 1600, 42):
        left = 120
        while left < 1100:
            width = rng.randint(20, 90)
            draw.rectangle([left, top, min(left + width, 1120), top + 16], fill=0)
            left += width + 14
    return page


def tilted(page: Image.Image, degrees: float) -> Image.Image:
    return page.rotate(degrees, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)


def rendered_pages(data: bytes) -> list[Image.Image]:
    document = pdfium.PdfDocument(data)
    try:
        return [document[i].render(scale=100 / 72).to_pil().convert("L") for i in range(len(document))]
    finally:
        document.close()


@pytest.mark.parametrize("degrees", [3.0, -2.5, 1.2, -0.8, 4.5])
def test_the_tilt_of_a_printed_page_is_measured_to_a_tenth_of_a_degree(degrees: float) -> None:
    assert tilt_correction(tilted(printed_page(), degrees)) == pytest.approx(-degrees, abs=0.15)


def test_a_straight_page_a_photo_and_a_blank_page_are_not_turned() -> None:
    assert tilt_correction(printed_page()) == 0.0
    assert tilt_correction(Image.new("L", (800, 1100), 255)) == 0.0
    gradient = Image.linear_gradient("L").resize((800, 600))  # a photo-like page without lines of text
    assert tilt_correction(gradient) == 0.0
    assert tilt_correction(tilted(printed_page(), 30)) == 0.0  # beyond MAX_TILT: put in sideways, not askew
    assert MAX_TILT < 30


def test_askew_scans_come_out_straight_in_the_papers_pdf(tmp_path: Path) -> None:
    files = []
    for n, degrees in enumerate((2.5, -3.0, 0.0), start=1):
        path = tmp_path / f"trang{n}.png"
        tilted(printed_page(seed=n), degrees).save(path)
        files.append(path)
    bilevel = tmp_path / "trang4.tif"
    tilted(printed_page(seed=4), -2.0).convert("1").save(bilevel, compression="group4")
    files.append(bilevel)

    bundle = build_bundle(files)
    assert bundle.pages == 4
    for page in rendered_pages(bundle.data):
        assert abs(tilt_correction(page)) <= 0.3, "a page is still askew in the PDF"


def test_a_straight_jpeg_goes_into_the_pdf_as_the_scanner_wrote_it_and_an_askew_one_is_redrawn(tmp_path: Path) -> None:
    import pikepdf

    straight, askew = tmp_path / "thang.jpg", tmp_path / "nghieng.jpg"
    printed_page().convert("RGB").save(straight, quality=93)
    tilted(printed_page(seed=2), 2.0).convert("RGB").save(askew, quality=93)
    bundle = build_bundle([straight, askew])
    with pikepdf.open(io.BytesIO(bundle.data)) as pdf:
        streams = [image.read_raw_bytes() for page in pdf.pages for image in page.get_images().values()]
    assert streams[0] == straight.read_bytes()  # no second JPEG pass on a page that needed nothing
    assert streams[1] != askew.read_bytes()  # turned upright, so drawn again


def test_a_noisy_grey_scan_is_sent_as_jpeg_and_a_flat_page_stays_lossless(tmp_path: Path) -> None:
    import pikepdf

    flat, noisy = tmp_path / "phang.png", tmp_path / "nhieu.png"
    printed_page().save(flat)  # two colours: a clean digital page
    rng = random.Random(5)
    grain = Image.frombytes("L", (1240, 1754), rng.randbytes(1240 * 1754))
    scanned = Image.blend(printed_page(seed=3), grain, 0.2)  # a grey scan with the sensor's grain
    scanned.save(noisy)
    bundle = build_bundle([flat, noisy])
    with pikepdf.open(io.BytesIO(bundle.data)) as pdf:
        filters = [str(image.get("/Filter")) for page in pdf.pages for image in page.get_images().values()]
    assert filters == ["/FlateDecode", "/DCTDecode"]
    assert len(bundle.data) < noisy.stat().st_size  # the grainy page no longer costs what its PNG did

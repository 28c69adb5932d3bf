"""One PDF per paper: scanned images straightened and capped, PDFs merged, pages in the order given.

Images (JPEG, PNG, TIFF with any number of pages) are turned upright by their EXIF orientation,
straightened when the sheet went in askew (services/deskew.py) and capped at A4 at 300 dpi (2480 × 3508
pixels, landscape pages the other way round); each becomes an A4 page through img2pdf, which embeds JPEG
and CCITT data as they are instead of re-encoding them; a JPEG that needs no turn and no cap goes in
exactly as the scanner wrote it. PDFs given as input are merged page by page with pikepdf. The output is
deterministic (no dates, fixed ids), so the same scans make the same bytes and are stored and sent once.
docs/digitisation.md.

The type of a file is read from its first bytes, never from its name: a scanner folder holds what
the scanner wrote, and a renamed file must not reach a parser that does not expect it.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import img2pdf
import pikepdf
from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

from counter_app.domain.digitisation import MAX_PAGES_PER_PAPER
from counter_app.domain.errors import ValidationError
from counter_app.services.deskew import straightened

A4_LONG_PX = 3508  # 297 mm at 300 dpi
A4_SHORT_PX = 2480  # 210 mm at 300 dpi
# An image with more pixels than this is refused before it is decoded (Pillow's decompression-bomb guard).
MAX_IMAGE_PIXELS = 120_000_000
MAX_INPUT_BYTES = 200 * 1024 * 1024
JPEG_QUALITY = 88
ORIENTATION_TAG = 0x0112  # EXIF Orientation
FLAT_COLOURS = 64  # at most this many distinct colours: a flat page, kept lossless
FIELD, LABEL = "file", "Tệp quét"
_A4_LAYOUT = img2pdf.get_layout_fun(pagesize=(img2pdf.mm_to_pt(210), img2pdf.mm_to_pt(297)),
                                    fit=img2pdf.FitMode.into, auto_orient=True)

Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS


@dataclass(frozen=True)
class Bundle:
    """A paper's PDF: its bytes and its page count."""

    data: bytes
    pages: int


def is_pdf(head: bytes) -> bool:
    return head.startswith(b"%PDF-")


def _refuse(path: Path, why: str) -> ValidationError:
    return ValidationError(FIELD, f"Tệp «{path.name}» {why}", LABEL)


def _read(path: Path) -> bytes:
    if not path.is_file():
        raise _refuse(path, "không tồn tại.")
    if path.stat().st_size > MAX_INPUT_BYTES:
        raise _refuse(path, f"lớn hơn {MAX_INPUT_BYTES // 1_048_576} MB.")
    data = path.read_bytes()
    if not data:
        raise _refuse(path, "rỗng (máy quét chưa ghi xong?).")
    return data


def _capped(page: Image.Image) -> Image.Image:
    """At most A4 at 300 dpi, in the page's own orientation; never enlarged."""
    landscape = page.width > page.height
    limit = (A4_LONG_PX, A4_SHORT_PX) if landscape else (A4_SHORT_PX, A4_LONG_PX)
    if page.width > limit[0] or page.height > limit[1]:
        page = page.copy()
        page.thumbnail(limit, Image.Resampling.LANCZOS)
    return page


def _flattened(page: Image.Image) -> Image.Image:
    """A mode img2pdf embeds as it is: bilevel, grey or RGB (transparency laid on white paper)."""
    if page.mode in ("1", "L", "RGB"):
        return page
    if page.mode in ("RGBA", "LA", "P", "PA") or "transparency" in page.info:
        rgba = page.convert("RGBA")
        paper = Image.new("RGB", rgba.size, "white")
        paper.paste(rgba, mask=rgba.getchannel("A"))
        return paper
    if page.mode.startswith("I;16") or page.mode in ("I", "F"):
        return page.convert("L")
    return page.convert("RGB")


def _encoded(page: Image.Image, photo: bool) -> bytes:
    """Bilevel pages as CCITT G4 (tiny, lossless); a page of a few flat colours (a clean digital page) as
    PNG (lossless, small); every other page, photos and grey or colour scans with the sensor's noise, as
    JPEG: a noisy grey page is ~1.8 MB as PNG, too heavy to send over a commune's 2G link."""
    out = io.BytesIO()
    if page.mode == "1":
        page.save(out, format="TIFF", compression="group4")
    elif photo or page.getcolors(FLAT_COLOURS) is None:
        page.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    else:
        page.save(out, format="PNG", optimize=False)
    return out.getvalue()


def _upright_as_stored(image: Image.Image) -> bool:
    """The file's pixels are the page as it stands: no EXIF turn asked for."""
    return image.getexif().get(ORIENTATION_TAG, 1) == 1


def _image_pages(path: Path, data: bytes) -> Iterator[bytes]:
    """Each frame of an image file, upright, capped and encoded for img2pdf."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in ("JPEG", "PNG", "TIFF"):
                raise _refuse(path, "không phải ảnh JPEG, PNG, TIFF hay tệp PDF.")
            if image.width * image.height > MAX_IMAGE_PIXELS:  # read from the header, before decoding
                raise Image.DecompressionBombError(path.name)
            photo = image.format == "JPEG"
            for frame in ImageSequence.Iterator(image):
                page = ImageOps.exif_transpose(frame.copy())
                ready = _capped(straightened(_flattened(page)))
                if photo and ready is page and page.mode in ("L", "RGB") and _upright_as_stored(image):
                    yield data  # a straight JPEG within the cap: embedded as the scanner wrote it, no loss
                else:
                    yield _encoded(ready, photo)
    except Image.DecompressionBombError:
        raise _refuse(path, f"có quá {MAX_IMAGE_PIXELS // 1_000_000} triệu điểm ảnh.") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise _refuse(path, "không phải ảnh JPEG, PNG, TIFF hay tệp PDF đọc được.") from None


def _open_pdf(path: Path, data: bytes) -> pikepdf.Pdf:
    try:
        return pikepdf.open(io.BytesIO(data))
    except pikepdf.PasswordError:
        raise _refuse(path, "là PDF có mật khẩu; hãy quét lại hoặc gỡ mật khẩu.") from None
    except (pikepdf.PdfError, ValueError, OSError):
        raise _refuse(path, "là PDF hỏng, không đọc được.") from None


def _count(total: int) -> int:
    if total > MAX_PAGES_PER_PAPER:
        raise ValidationError(FIELD, f"Một giấy tờ có tối đa {MAX_PAGES_PER_PAPER} trang bản quét.", LABEL)
    return total


def build_bundle(files: Iterable[Path], previous: bytes | None = None) -> Bundle:
    """The paper's PDF: the pages of `previous` (its current bundle, if any), then those of `files`."""
    output = pikepdf.new()
    sources: list[pikepdf.Pdf] = []  # kept open until saved: pages point into them
    try:
        if previous is not None:
            sources.append(_open_pdf(Path("bản số hóa hiện có.pdf"), previous))
            output.pages.extend(sources[-1].pages)
        for path in files:
            data = _read(path)
            if is_pdf(data[:8]):
                sources.append(_open_pdf(path, data))
            else:
                pages = []
                for page in _image_pages(path, data):
                    pages.append(page)
                    _count(len(output.pages) + len(pages))
                sources.append(pikepdf.open(io.BytesIO(img2pdf.convert(pages, layout_fun=_A4_LAYOUT, nodate=True))))
            _count(len(output.pages) + len(sources[-1].pages))
            output.pages.extend(sources[-1].pages)
        if not output.pages:
            raise ValidationError(FIELD, "Chưa có trang nào để số hóa.", LABEL)
        with output.open_metadata(set_pikepdf_as_editor=False) as meta:
            meta.clear()
        if "/Info" in output.trailer:
            del output.trailer["/Info"]
        out = io.BytesIO()
        output.save(out, deterministic_id=True, compress_streams=True)
        return Bundle(out.getvalue(), len(output.pages))
    finally:
        output.close()
        for source in sources:
            source.close()


def page_count(data: bytes) -> int:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        return len(pdf.pages)

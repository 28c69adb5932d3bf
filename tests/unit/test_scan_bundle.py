"""One PDF per paper from real image and PDF files: pages upright, capped, in order; bad files refused in
Vietnamese before any parser that does not expect them sees them (services/scan_bundle.py)."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pikepdf
import pypdf
import pytest
from PIL import Image

from counter_app.domain.digitisation import MAX_PAGES_PER_PAPER, DigitisationState, paper_state
from counter_app.domain.errors import ValidationError
from counter_app.domain.operations import InvalidOperation, check_payload
from counter_app.services.digitisation import bundle_name
from counter_app.services.scan_bundle import A4_LONG_PX, A4_SHORT_PX, build_bundle, page_count


def pages_and_sizes(data: bytes) -> list[tuple[int, int]]:
    """(width, height) of the image on each page."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        return [next((int(i.Width), int(i.Height)) for i in p.get_images().values()) for p in pdf.pages]


def test_exif_orientation_turns_a_photo_upright_and_a_huge_scan_is_capped_at_a4_300_dpi(tmp_path: Path) -> None:
    lying = Image.new("RGB", (1600, 1200), "white")
    exif = lying.getexif()
    exif[0x0112] = 8  # rotate 90° counter-clockwise to view
    lying.save(tmp_path / "lying.jpg", exif=exif)
    Image.new("L", (3000, 4500), 255).save(tmp_path / "huge.png")

    bundle = build_bundle([tmp_path / "lying.jpg", tmp_path / "huge.png"])

    assert bundle.pages == 2
    (w1, h1), (w2, h2) = pages_and_sizes(bundle.data)
    assert (w1, h1) == (1200, 1600)
    assert w2 <= A4_SHORT_PX and h2 <= A4_LONG_PX and h2 == A4_LONG_PX
    # Every page is A4 (portrait 595 × 842 pt, to the point).
    sizes = {(round(p.mediabox.width), round(p.mediabox.height)) for p in pypdf.PdfReader(io.BytesIO(bundle.data)).pages}
    assert sizes == {(595, 842)}


def test_multi_page_tiff_and_pdf_inputs_keep_their_pages_and_previous_pages_come_first(tmp_path: Path) -> None:
    frames = [Image.new("1", (800 + n, 1100), 1) for n in range(3)]
    frames[0].save(tmp_path / "three.tif", save_all=True, append_images=frames[1:], compression="group4")
    two = [Image.new("RGB", (900 + n, 1100), "white") for n in range(2)]
    two[0].save(tmp_path / "two.pdf", save_all=True, append_images=two[1:])
    first = build_bundle([tmp_path / "three.tif"])

    later = build_bundle([tmp_path / "two.pdf"], previous=first.data)

    assert first.pages == 3 and later.pages == 5 == page_count(later.data)
    assert [w for w, _ in pages_and_sizes(later.data)] == [800, 801, 802, 900, 901]


def test_same_scans_make_the_same_bytes(tmp_path: Path) -> None:
    Image.new("RGB", (500, 700), "white").save(tmp_path / "a.png")
    assert build_bundle([tmp_path / "a.png"]).data == build_bundle([tmp_path / "a.png"]).data


def _png_header_only(width: int, height: int) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00")) + chunk(b"IEND", b""))


@pytest.mark.parametrize(("name", "content", "words"), [
    ("renamed.jpg", b"Day khong phai anh, chi la van ban.", "không phải ảnh"),
    ("bomb.png", _png_header_only(30_000, 30_000), "triệu điểm ảnh"),
    ("broken.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\n%%EOF garbage", "PDF hỏng"),
    ("empty.jpg", b"", "rỗng"),
    ("drawing.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "không phải ảnh"),
])
def test_a_file_that_is_not_a_readable_scan_is_refused_in_vietnamese(tmp_path: Path, name: str, content: bytes,
                                                                      words: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ValidationError) as refused:
        build_bundle([path])
    assert words in refused.value.message and name in refused.value.message


def test_a_password_protected_pdf_is_refused(tmp_path: Path) -> None:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.save(tmp_path / "secret.pdf", encryption=pikepdf.Encryption(owner="o", user="u"))
    with pytest.raises(ValidationError, match="mật khẩu"):
        build_bundle([tmp_path / "secret.pdf"])


def test_a_paper_holds_at_most_the_page_limit(tmp_path: Path) -> None:
    frames = [Image.new("1", (8, 8), 1) for _ in range(MAX_PAGES_PER_PAPER + 1)]
    frames[0].save(tmp_path / "long.tif", save_all=True, append_images=frames[1:])
    with pytest.raises(ValidationError, match=f"tối đa {MAX_PAGES_PER_PAPER} trang"):
        build_bundle([tmp_path / "long.tif"])


def test_digitisation_state_and_bundle_name() -> None:
    assert paper_state(False, None) is DigitisationState.NOT_DIGITISED
    assert paper_state(True, None).label == "Đã số hóa"
    assert paper_state(True, "000.31.48.H15-261128-2001").label == "Tái sử dụng"
    assert bundle_name(2, 'Bản sao "Sổ hộ khẩu" / CCCD.') == "02 Bản sao Sổ hộ khẩu CCCD.pdf"
    assert bundle_name(3, "\x00 / ..") == "03 Giấy tờ.pdf"


BASE = {"dossier_code": "000.31.48.H15-261128-2001", "sha256": "a" * 64, "name": "01 Tờ khai.pdf", "size": 10,
        "content_type": "application/pdf"}


@pytest.mark.parametrize(("extra", "words"), [
    ({"page_count": 3}, "chỉ đi cùng số thứ tự giấy tờ"),
    ({"document_index": 1}, "phải là tệp PDF có số trang"),
    ({"document_index": 1, "page_count": 2, "content_type": "image/jpeg"}, "phải là tệp PDF"),
    ({"document_index": 101, "page_count": 2}, "không quá 100"),
    ({"document_index": 1, "page_count": MAX_PAGES_PER_PAPER + 1}, f"không quá {MAX_PAGES_PER_PAPER}"),
    ({"document_index": 1, "page_count": 2, "replaces": "XYZ"}, "SHA-256"),
])
def test_a_paper_bundle_operation_is_bounded(extra: dict[str, object], words: str) -> None:
    assert check_payload("attachment.add", BASE).document_index is None  # older counters' shape still valid
    assert check_payload("attachment.add", {**BASE, "document_index": 2, "page_count": 7}).page_count == 7
    with pytest.raises(InvalidOperation) as refused:
        check_payload("attachment.add", {**BASE, **extra})
    assert words in str(refused.value)

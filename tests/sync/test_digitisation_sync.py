"""Must-show of issue 9: a 30-page scan set dropped into the scan inbox becomes one PDF per paper with
the right page counts, and after sync the province holds the same files (SHA-256 equal).

Real parts only: a real counter data folder, real image and PDF files in a real inbox folder polled as
the app polls it, and a `provincial-server` process on 127.0.0.1 that the counter syncs with over HTTP.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pikepdf
import pypdf
import pytest
from PIL import Image
from sqlalchemy import select

from counter_app.domain.digitisation import DigitisationState
from counter_app.domain.operations import OpType
from counter_app.services.clock import utc_now
from counter_app.services.digitisation import paper_scans
from counter_app.services.intake import IntakeRequest, PersonInput, receive_dossier
from counter_app.services.scan_inbox import DONE_DIR, ScanInbox
from counter_app.storage.blobstore import BlobStore
from counter_app.storage.database import Database
from counter_app.storage.dossiers import get_row
from counter_app.storage.models import AttachmentRow, OutboxOp
from counter_app.storage.outbox import append_operation
from sync.client.enrollment import enroll
from sync.client.runner import SyncRunner
from sync.server.db import ServerDatabase
from sync.server.models import Attachment, BlobChunk
from tests.conftest import UNIT_CODE, open_counter
from tests.sync.harness import ServerProcess, backend_url
from tests.sync.test_blobs import prepare_server


@dataclass
class Desk:
    server: ServerProcess
    db: Database
    data_dir: Path


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def desk(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    root = tmp_path_factory.mktemp("digitisation")
    url = backend_url(request, tmp_path_factory)
    code = prepare_server(url)
    with ServerProcess(url) as server:
        db = open_counter(root / "counter")
        enroll(db, server.url, code)
        try:
            yield Desk(server, db, root / "counter")
        finally:
            db.close()


def intake(db: Database, name: str) -> str:
    return receive_dossier(db, IntakeRequest("1.001193", PersonInput(
        full_name=name, id_number="049090001234", phone="0905123456", street="12 Lê Lợi"))).code


def page(width: int, height: int, mode: str = "RGB") -> Image.Image:
    """A page whose pixel width tells which page it is once inside the PDF."""
    return Image.new(mode, (width, height), "white" if mode != "1" else 1)


def write_jpeg(path: Path, width: int, height: int, orientation: int | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    image = page(width, height)
    exif = image.getexif()
    if orientation:
        exif[0x0112] = orientation
    image.save(path, format="JPEG", exif=exif)


def image_widths(pdf_bytes: bytes) -> list[int]:
    """The pixel width of the image on each page, in page order."""
    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        widths = []
        for pdf_page in pdf.pages:
            (image,) = pdf_page.get_images().values()
            widths.append(int(image.Width))
        return widths


def server_files(server: ServerProcess, dossier_code: str) -> dict[int, tuple[int, str, str]]:
    """Current bundles on the server: paper -> (page count, declared sha256, sha256 of the stored bytes)."""
    db = ServerDatabase(server.database_url)
    try:
        with db.session() as s:
            found = {}
            for row in s.scalars(select(Attachment).where(Attachment.dossier_code == dossier_code,
                                                         Attachment.replaced_at.is_(None))):
                digest = hashlib.sha256()
                for chunk in s.scalars(select(BlobChunk).where(BlobChunk.unit_code == UNIT_CODE,
                                                               BlobChunk.sha256 == row.sha256).order_by(BlobChunk.offset)):
                    digest.update(chunk.data)
                assert row.document_index is not None and row.page_count is not None
                found[row.document_index] = (row.page_count, row.sha256, digest.hexdigest())
            return found
    finally:
        db.dispose()


@pytest.mark.slow
def test_thirty_page_scan_set_in_the_inbox_becomes_one_pdf_per_paper_and_reaches_the_server(
        desk: Desk, tmp_path: Path) -> None:
    first, second = intake(desk.db, "Nguyễn Văn Đức"), intake(desk.db, "Lê Thị Hoa")
    inbox_dir = tmp_path / "scan-inbox"
    # Paper 1 of the first dossier: 8 photos of a phone, two lying on their side (EXIF orientation 6),
    # one far larger than A4 at 300 dpi. Numbered trang1…trang8, to be taken in natural order.
    for n in range(1, 9):
        width = 4000 + n if n == 3 else 1000 + n
        write_jpeg(inbox_dir / first / "1" / f"trang{n}.jpg", width, 1400 + 10 * n, orientation=6 if n in (2, 5) else None)
    # Paper 2 of the first dossier: one bilevel TIFF of 7 pages, as a document scanner writes it.
    frames = [page(1200 + n, 1700, "1") for n in range(7)]
    (inbox_dir / first / "2").mkdir(parents=True)
    frames[0].save(inbox_dir / first / "2" / "hop-dong.tif", save_all=True, append_images=frames[1:], compression="group4")
    # Paper 1 of the second dossier: 6 PNG pages, then a 4-page PDF (pages 9 and 10 in name order).
    for n in range(1, 7):
        (inbox_dir / second / "1").mkdir(parents=True, exist_ok=True)
        page(1300 + n, 1800).save(inbox_dir / second / "1" / f"p{n}.png")
    pdf_pages = [page(1400 + n, 1800) for n in range(4)]
    pdf_pages[0].save(inbox_dir / second / "1" / "p9-12.pdf", save_all=True, append_images=pdf_pages[1:])
    # Paper 2 of the second dossier: 5 pages, the last one still being written when first seen.
    for n in range(1, 6):
        write_jpeg(inbox_dir / second / "2" / f"scan_{n:02d}.jpg", 1500 + n, 2000)
    # A file at the top waits for the clerk (no dossier named); a half-written one has a temporary name.
    write_jpeg(inbox_dir / "chua-ro.jpg", 900, 1200)
    (inbox_dir / "dang-ghi.jpg.part").write_bytes(b"\xff\xd8")

    inbox = ScanInbox(inbox_dir)
    first_look = inbox.poll(desk.db, desk.data_dir)
    assert first_look.added == [] and first_look.problems == []  # nothing has settled yet
    growing = inbox_dir / second / "2" / "scan_05.jpg"
    growing.write_bytes(growing.read_bytes() + b"\x00" * 10)  # the scanner is still writing page 5
    second_look = inbox.poll(desk.db, desk.data_dir)
    third_look = inbox.poll(desk.db, desk.data_dir)

    assert second_look.problems == [] and third_look.problems == []
    assert sorted((code, a.index, a.pages) for code, a in second_look.added) == sorted(
        [(first, 1, 8), (first, 2, 7), (second, 1, 10), (second, 2, 4)])
    assert [(code, a.index, a.pages) for code, a in third_look.added] == [(second, 2, 5)]
    assert [p.name for p in third_look.waiting] == ["chua-ro.jpg"]
    assert sorted(p.name for p in (inbox_dir / DONE_DIR).rglob("*") if p.is_file()) == sorted(
        [f"trang{n}.jpg" for n in range(1, 9)] + ["hop-dong.tif"] + [f"p{n}.png" for n in range(1, 7)]
        + ["p9-12.pdf"] + [f"scan_{n:02d}.jpg" for n in range(1, 6)])

    store = BlobStore(desk.data_dir)
    expected_pages = {(first, 1): 8, (first, 2): 7, (second, 1): 10, (second, 2): 5}
    total = 0
    for code in (first, second):
        scans = paper_scans(desk.db, code)
        assert [s.state for s in scans] == [DigitisationState.DIGITISED] * 2
        for scan in scans:
            assert scan.sha256 is not None
            data = store.read(scan.sha256)
            assert hashlib.sha256(data).hexdigest() == scan.sha256
            assert len(pypdf.PdfReader(io.BytesIO(data)).pages) == expected_pages[code, scan.index] == scan.pages
            total += scan.pages
    assert total == 30
    # Pages in the order given (natural order: trang2 before trang10), each upright and capped at A4 300 dpi.
    first_paper = store.read(paper_scans(desk.db, first)[0].sha256 or "")
    widths = image_widths(first_paper)
    assert widths == [1001, 1420, 3508, 1004, 1450, 1006, 1007, 1008]  # 2 and 5 turned upright; 3 capped
    assert image_widths(store.read(paper_scans(desk.db, second)[0].sha256 or "")) == [
        1301, 1302, 1303, 1304, 1305, 1306, 1400, 1401, 1402, 1403]

    for _ in range(5):
        report = SyncRunner(desk.db, desk.data_dir, base_delay=0.01, max_delay=0.1).run_once()
        with desk.db.read() as session:
            pending = session.scalars(select(AttachmentRow).where(AttachmentRow.upload_state != "complete")).all()
        if report.ok and not pending:
            break
    assert report.ok and not pending, report.errors

    for code in (first, second):
        on_server = server_files(desk.server, code)
        local = {s.index: (s.pages, s.sha256) for s in paper_scans(desk.db, code)}
        assert {index: (pages, sha) for index, (pages, sha, _) in on_server.items()} == local
        assert all(declared == stored for _, declared, stored in on_server.values())
    # The 4-page bundle that page 5 replaced is kept on the server, marked replaced.
    db = ServerDatabase(desk.server.database_url)
    try:
        with db.session() as s:
            replaced = s.scalars(select(Attachment).where(Attachment.dossier_code == second,
                                                          Attachment.replaced_at.is_not(None))).all()
            assert [(row.document_index, row.page_count) for row in replaced] == [(2, 4)]
    finally:
        db.dispose()


def test_the_server_refuses_a_bundle_for_a_paper_the_dossier_does_not_have(desk: Desk) -> None:
    """A counter (a buggy or hostile one) announcing paper 3 of a two-paper dossier gets a refusal in
    Vietnamese for that operation alone; its dossier still reaches the province."""
    code = intake(desk.db, "Phạm Thị Lan")
    with desk.db.write() as session:
        row = get_row(session, code)
        assert row is not None and len(row.documents) == 2
        append_operation(session, entity="attachment", entity_id=row.id, op_type=OpType.ATTACHMENT_ADD,
                         payload={"dossier_code": code, "sha256": "b" * 64, "name": "03 Giấy tờ.pdf", "size": 10,
                                  "content_type": "application/pdf", "document_index": 3, "page_count": 1},
                         now=utc_now())

    SyncRunner(desk.db, desk.data_dir, base_delay=0.01, max_delay=0.1).run_once()

    with desk.db.read() as session:
        states = {op.op_type: (op.state, op.result_code, op.result_message) for op in session.scalars(
            select(OutboxOp).where(OutboxOp.entity_id == row.id))}
    assert states["dossier.create"][0] == "acked"
    assert states["attachment.add"][:2] == ("rejected", "unknown_paper")
    assert "chỉ có 2 giấy tờ; không có giấy tờ số 3" in (states["attachment.add"][2] or "")

"""`counter-app --self-test`: does this installation work? One Vietnamese line per check, exit 0 if all pass.

Run by the build (tests/installer/test_bundle.py runs it inside the frozen bundle), by the province's IT
after an install, and by anyone on the phone with a commune. Everything happens in a temporary data folder
that is deleted afterwards: the counter's real data is never opened. It needs no screen (Qt runs
offscreen unless told otherwise), so a console, a CI runner or `counter-app-debug.exe` can run it.

Each check exercises what a frozen build most often loses: files PyInstaller must be told about
(migrations, fonts, the catalog, the administrative map, Qt translations) and backends loaded by name
(keyring, the holiday calendar).
"""

from __future__ import annotations

import os
import sys
import tempfile
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from counter_app.exit_codes import EXIT_ERROR, EXIT_OK

if TYPE_CHECKING:
    from counter_app.storage.database import Database

PASSED, SKIPPED, FAILED = "ĐẠT", "BỎ QUA", "LỖI"
KEYRING_SERVICE = "counter-app self-test"  # never the sync token's service (services/credentials.py)
SAMPLE_UNIT_CODE = "000.00.00.H00"
SAMPLE_WARD = 20242  # Phường Hải Châu, Thành phố Đà Nẵng: proves the bundled administrative map loads
SAMPLE_PROCEDURE = "2.000815"


@dataclass(frozen=True)
class CheckResult:
    status: str  # PASSED, SKIPPED (only where the machine, not the build, lacks something) or FAILED
    detail: str


class SkipCheck(Exception):
    """The machine has no such facility (e.g. no keyring service on a headless Linux): said, not failed."""


@dataclass
class _Workspace:
    data_dir: Path
    db: Database | None = None
    slip_pdf: bytes = b""


def check_database(ws: _Workspace) -> str:
    from counter_app.storage.database import Database
    from counter_app.storage.migrate import current_revision, head_revision

    db = Database.open(ws.data_dir)
    ws.db = db
    revision = current_revision(db.engine)
    if revision != head_revision():
        raise RuntimeError(f"lược đồ {revision}, cần {head_revision()}")
    return f"tạo cơ sở dữ liệu tạm và chạy các bước nâng cấp tới lược đồ {revision}"


def check_catalog(ws: _Workspace) -> str:
    from counter_app.domain.admin_units import ward
    from counter_app.domain.calendar import WorkCalendar
    from counter_app.services.catalog import ensure_sample_catalog, procedures
    from counter_app.services.unit_setup import setup_unit

    db = _db(ws)
    setup_unit(db, unit_code=SAMPLE_UNIT_CODE, unit_name="Đơn vị tự kiểm tra", desk=1,
               clerk_name="Người tự kiểm tra", ward_code=SAMPLE_WARD)
    loaded = ensure_sample_catalog(db)
    count = len(procedures(db))
    if not loaded or not count:
        raise RuntimeError("danh mục thủ tục mẫu trống")
    new_year = WorkCalendar().holiday_name(date(2026, 1, 1))  # the holidays library and its Vietnamese names
    if new_year != "Tết Dương lịch":
        raise RuntimeError(f"lịch ngày nghỉ lễ cho 1/1/2026: {new_year!r}, cần «Tết Dương lịch»")
    return (f"danh mục mẫu {count} thủ tục, bản đồ hành chính ({ward(SAMPLE_WARD).name}), "
            f"lịch nghỉ lễ ({new_year})")


def check_slip(ws: _Workspace) -> str:
    import pypdfium2 as pdfium
    import zxingcpp

    from counter_app.services.intake import IntakeRequest, PersonInput, receive_dossier
    from counter_app.services.slips import receipt_slip_pdf

    db = _db(ws)
    applicant = PersonInput(full_name="Nguyễn Văn Kiểm Tra", id_number="048090000000", phone="0905000000",
                            street="1 Lê Lợi")
    dossier = receive_dossier(db, IntakeRequest(procedure_code=SAMPLE_PROCEDURE, applicant=applicant))
    pdf = ws.slip_pdf = receipt_slip_pdf(db, dossier.code)
    page = pdfium.PdfDocument(pdf)[0]
    image = page.render(scale=203 / 72).to_pil().convert("L")  # the thermal printers' 203 dpi
    codes = [r.text for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.Code128]
    if codes != [dossier.code]:
        raise RuntimeError(f"mã vạch đọc được {codes}, mã hồ sơ {dossier.code}")
    return f"giấy tiếp nhận Mẫu 01 ({len(pdf) // 1024} kB), mã vạch đọc lại đúng mã hồ sơ {dossier.code}"


def check_scans(ws: _Workspace) -> str:
    from PIL import Image

    from counter_app.services.scan_bundle import build_bundle

    if not ws.slip_pdf:
        raise RuntimeError("chưa có giấy tiếp nhận để ghép (mục kiểm tra trước đã lỗi)")
    scan, paper = ws.data_dir.parent / "trang-quet.png", ws.data_dir.parent / "giay-tiep-nhan.pdf"
    Image.new("L", (1240, 1754), 255).save(scan)  # an A4 page scanned at 150 dpi
    paper.write_bytes(ws.slip_pdf)
    bundle = build_bundle([scan, paper])  # Pillow, img2pdf and pikepdf (with its lxml metadata)
    if bundle.pages != 2:
        raise RuntimeError(f"bản số hóa có {bundle.pages} trang, cần 2")
    return f"ghép một ảnh quét và một PDF thành bản số hóa {bundle.pages} trang"


def check_fonts(_ws: _Workspace) -> str:
    from PySide6.QtGui import QFontDatabase

    from counter_app.printing.fonts import FONT_FAMILY, register_fonts

    register_fonts()  # reportlab: every printed paper
    from counter_app.ui.app import application

    application()  # Qt: loads the same files for the screens
    if "DejaVu Sans" not in QFontDatabase.families():
        raise RuntimeError("Qt không nạp được phông DejaVu Sans")
    return f"phông {FONT_FAMILY} cho giấy in và cho màn hình"


def check_translation(_ws: _Workspace) -> str:
    from PySide6.QtCore import QCoreApplication

    from counter_app.ui.app import application, install_vietnamese

    if not install_vietnamese(application()):
        raise RuntimeError("không nạp được tệp i18n/qt_vi.qm")
    cancel = QCoreApplication.translate("QPlatformTheme", "Cancel")
    if cancel == "Cancel":
        raise RuntimeError("bản dịch đã nạp nhưng không dịch nút «Cancel»")
    return f"bản dịch tiếng Việt của Qt («Cancel» → «{cancel}»)"


def check_keyring(_ws: _Workspace) -> str:
    import keyring
    from keyring.backends import fail

    from counter_app.services.credentials import backend_name

    if isinstance(keyring.get_keyring(), fail.Keyring):
        if sys.platform == "win32":  # Credential Manager is always there: its absence is a broken build
            raise RuntimeError("không có kho khóa Windows (Credential Manager) trong bản cài")
        raise SkipCheck("máy này không có dịch vụ kho khóa (Secret Service); cần có trước khi đăng ký quầy")
    user, secret = "self-test", os.urandom(8).hex()
    keyring.set_password(KEYRING_SERVICE, user, secret)
    try:
        if keyring.get_password(KEYRING_SERVICE, user) != secret:
            raise RuntimeError("đọc lại khóa không khớp")
    finally:
        keyring.delete_password(KEYRING_SERVICE, user)
    return f"ghi, đọc và xoá một khóa thử trong kho khóa ({backend_name()})"


def _db(ws: _Workspace) -> Database:
    if ws.db is None:
        raise RuntimeError("chưa có cơ sở dữ liệu (mục kiểm tra trước đã lỗi)")
    return ws.db


CHECKS: list[tuple[str, Callable[[_Workspace], str]]] = [
    ("Cơ sở dữ liệu", check_database),
    ("Danh mục và bản đồ hành chính", check_catalog),
    ("Giấy tiếp nhận và mã vạch", check_slip),
    ("Số hóa bản quét", check_scans),
    ("Phông chữ", check_fonts),
    ("Bản dịch", check_translation),
    ("Kho khóa", check_keyring),
]


def run_check(name: str, check: Callable[[_Workspace], str], ws: _Workspace) -> CheckResult:
    try:
        return CheckResult(PASSED, check(ws))
    except SkipCheck as reason:
        return CheckResult(SKIPPED, str(reason))
    except Exception as error:  # every failure is reported as a line; the next checks still run
        detail = getattr(error, "message", None) or str(error) or type(error).__name__
        traceback.print_exc(file=sys.stderr)
        return CheckResult(FAILED, f"{detail} ({type(error).__name__})")


def run_self_test() -> int:
    """Print one line per check and a summary; EXIT_OK only if none failed."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # no window is ever shown
    statuses: list[str] = []
    with tempfile.TemporaryDirectory(prefix="counter-app-self-test-") as folder:
        ws = _Workspace(data_dir=Path(folder) / "data")
        try:
            for name, check in CHECKS:
                result = run_check(name, check, ws)
                statuses.append(result.status)
                print(f"[{result.status}] {name}: {result.detail}", flush=True)
        finally:
            if ws.db is not None:
                ws.db.close()
    print(summary_line(statuses), flush=True)
    return EXIT_ERROR if FAILED in statuses else EXIT_OK


def summary_line(statuses: list[str]) -> str:
    failed, skipped = statuses.count(FAILED), statuses.count(SKIPPED)
    if failed:
        return (f"Tự kiểm tra: {failed}/{len(statuses)} mục LỖI. Hãy cài lại ứng dụng; nếu vẫn lỗi, gửi các dòng "
                "trên cho bộ phận công nghệ thông tin của tỉnh.")
    if skipped:
        return (f"Tự kiểm tra: {len(statuses) - skipped}/{len(statuses)} mục đạt, {skipped} mục bỏ qua vì máy này "
                "thiếu (xem dòng [BỎ QUA]); không mục nào lỗi.")
    return f"Tự kiểm tra: cả {len(statuses)} mục đều đạt; ứng dụng quầy sẵn sàng."

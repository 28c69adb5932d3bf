"""Screenshots of the real screens on a fresh demo database, at the 1366×768 of a commune counter PC.

    QT_QPA_PLATFORM=offscreen .venv/bin/python tests/screenshots.py [OUT_DIR]

Writes intake.png, slip-preview.png, search.png, worklists.png, fees.png and reports.png to
resources/screenshots/ (or OUT_DIR), for the README and the user guide, and so a reviewer can see at a
glance that Vietnamese renders and nothing is cut off. Not a test module (pytest collects test_*.py
only): it fails loudly instead of asserting.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from counter_app.services.demo_data import prepare_demo_unit  # noqa: E402
from counter_app.services.unit_setup import load_profile  # noqa: E402
from counter_app.storage.database import Database  # noqa: E402
from counter_app.ui.app import application, settings_for  # noqa: E402
from counter_app.ui.context import UiContext  # noqa: E402
from counter_app.ui.main_window import MainWindow  # noqa: E402
from counter_app.ui.tasks import TaskRunner  # noqa: E402

SCREEN = (1366, 768)
PROCEDURE = "1.001193"  # đăng ký khai sinh, in the sample catalog


def wait_for(what: str, ready: Callable[[], bool], timeout_s: float = 20.0) -> None:
    """Run the event loop until `ready()`; background tasks deliver their results through it."""
    deadline = time.monotonic() + timeout_s
    while not ready():
        if time.monotonic() > deadline:
            raise SystemExit(f"Hết thời gian chờ: {what}")
        QApplication.processEvents()
        time.sleep(0.02)
    QApplication.processEvents()


def settle(seconds: float = 0.3) -> None:
    """Let layouts, debounce timers and repaints finish before a grab."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        QApplication.processEvents()
        time.sleep(0.02)


def save(widget: QWidget, path: Path) -> None:
    if not widget.grab().save(str(path)):
        raise SystemExit(f"Không lưu được ảnh {path}")
    print(f"{path}  {widget.width()}×{widget.height()}")


def main(out_dir: Path) -> int:
    app = application()
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="counter-screens-") as tmp:
        data_dir = Path(tmp)
        db = Database.open(data_dir)
        prepare_demo_unit(db)
        context = UiContext(db=db, tasks=TaskRunner(app), profile=load_profile(db), settings=settings_for(data_dir))
        window = MainWindow(context)
        window.show()
        window.showNormal()  # the first start is maximised, and the offscreen screen is only 800×800
        window.resize(*SCREEN)
        try:
            shoot(window, out_dir)
        finally:
            context.tasks.wait()
            window.close()
            context.tasks.wait()
            db.close()
    return 0


def shoot(window: MainWindow, out_dir: Path) -> None:
    intake = window.intake
    wait_for("danh mục thủ tục", lambda: intake.picker.is_loaded)
    procedure = intake.picker.find_by_code(PROCEDURE)
    if procedure is None:
        raise SystemExit(f"Thủ tục {PROCEDURE} không có trong danh mục mẫu")
    intake.picker.choose(procedure)
    intake.full_name.setText("Nguyễn Thị Hồng Nhung")
    intake.id_number.setText("048190012345")
    intake.birth_date.setText("12/05/1990")
    intake.gender.setCurrentIndex(intake.gender.findData("female"))
    intake.phone.setText("0905 123 456")
    intake.address.setText("25 Lê Lợi, Phường Hải Châu, Thành phố Đà Nẵng")
    intake.phone.setFocus()
    wait_for("ngày hẹn trả", lambda: "đang tính" not in intake.due_label.text())
    settle()
    save(window, out_dir / "intake.png")

    intake.save()
    wait_for("lưu hồ sơ", lambda: not intake.saving)
    if intake.slip_dialog is None:
        raise SystemExit(f"Không lưu được hồ sơ mẫu: {intake.message.text()}")
    slip = intake.slip_dialog
    wait_for("giấy tiếp nhận", lambda: slip.is_ready)
    settle()
    save(slip, out_dir / "slip-preview.png")
    slip.reject()
    settle(0.1)

    window.show_screen(window.search)
    search = window.search
    search.box.setText("nguyen")
    search.search_now()
    wait_for("kết quả tra cứu", lambda: not search.is_searching)
    settle()
    save(window, out_dir / "search.png")

    window.show_worklists()
    worklists = window.worklists
    wait_for("danh sách việc cần làm", lambda: bool(worklists.worklists) and not worklists.loading)
    worklists.tabs.setCurrentIndex(worklists.tabs.count() - 3)  # results ready to return: T at the desk, B by post
    worklists.current_table.setFocus()
    worklists.current_table.selectRow(0)
    settle()
    save(window, out_dir / "worklists.png")

    from counter_app.services.worklists import WorklistKind, worklist

    owing = worklist(window.context.db, WorklistKind.FEES_DUE).dossiers
    if not owing:
        raise SystemExit("Đơn vị mẫu không có hồ sơ chờ nộp phí")
    window.show_fees(owing[0].code)
    fees = window.fees
    wait_for("phí, lệ phí của hồ sơ", lambda: not fees.loading and fees.desk is not None)
    fees.choose_transfer()
    settle()
    save(window, out_dir / "fees.png")

    reports = window.reports  # F6: the demo unit's last month, its figures and charts
    window.show_screen(reports)
    reports.step_month(-1)
    wait_for("báo cáo", lambda: reports.shown_report is not None)
    settle()
    save(window, out_dir / "reports.png")


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "resources" / "screenshots"
    raise SystemExit(main(target))

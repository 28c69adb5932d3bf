"""The status bar and the sync screen say what the province offers and how far its download is (issue 12)."""

from __future__ import annotations

import pytest

from counter_app.services.sync_status import SyncStatus
from counter_app.ui.context import UiContext
from counter_app.ui.main_window import MainWindow
from counter_app.updates.offer import OFFER_FILE, PART_SUFFIX, mark_staged, updates_dir
from sync.protocol import ReleaseOffer

OFFER = ReleaseOffer(version="0.2.0", platform="linux-x86_64", file_name="counter-app-0.2.0-linux-x86_64.tar.gz",
                     size=1_000, sha256="ab" * 32)


@pytest.fixture
def window(qtbot, ui_context: UiContext) -> MainWindow:
    main = MainWindow(ui_context)
    qtbot.addWidget(main)
    return main


def offer_files(window: MainWindow, downloaded: int, staged: bool) -> None:
    folder = updates_dir(window.sync_worker.data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / OFFER_FILE).write_text(OFFER.model_dump_json(), encoding="utf-8")
    if staged:
        (folder / OFFER.file_name).write_bytes(b"x" * OFFER.size)
        mark_staged(window.sync_worker.data_dir, OFFER)
    else:
        (folder / (OFFER.file_name + PART_SUFFIX)).write_bytes(b"x" * downloaded)


def test_nothing_offered_shows_nothing_in_the_status_bar(window: MainWindow) -> None:
    assert window.update_label.text() == "" and window.update_label.isHidden()
    window.sync_screen._show_status(SyncStatus(enrolled=False))
    assert "tỉnh chưa phát hành phiên bản mới hơn" in window.sync_screen.update_label.text()


def test_download_progress_then_install_on_next_start(window: MainWindow) -> None:
    offer_files(window, downloaded=400, staged=False)
    window.status_bar.show_update()
    window.sync_screen._show_status(SyncStatus(enrolled=False))
    assert window.update_label.text() == "Có phiên bản mới 0.2.0: đang tải 40%."
    assert "đang tải về ở nền (40%)" in window.sync_screen.update_label.text()

    offer_files(window, downloaded=0, staged=True)
    window.status_bar.show_update()
    window.sync_screen._show_status(SyncStatus(enrolled=False))
    assert window.update_label.text() == "Có phiên bản mới 0.2.0: sẽ cài khi mở lại."
    assert "Sẽ cài khi mở lại ứng dụng" in window.sync_screen.update_label.text()


def test_an_update_that_cannot_be_installed_is_said_in_the_status_bar(tmp_path) -> None:
    """A windowed build has no console: why the staged release was not installed is on the screen. A real
    `counter-app --smoke` process (run from source, so it cannot install itself) prints its status bar."""
    from tests.conftest import open_counter
    from tests.support.cli_process import run_counter_app
    from tests.updates.bundles import make_tarball
    from tests.updates.test_install import stage

    data_dir = tmp_path / "data"
    open_counter(data_dir).close()
    stage(data_dir, make_tarball(tmp_path / "r.tar.gz", "0.2.0"), "0.2.0")
    result = run_counter_app(["--data-dir", str(data_dir), "--smoke"], timeout=60)
    assert result.returncode == 0, result.stderr
    (status,) = [line for line in result.stdout.splitlines() if line.startswith("status=")]
    assert "Đã tải phiên bản 0.2.0" in status and "không tự cài được" in status

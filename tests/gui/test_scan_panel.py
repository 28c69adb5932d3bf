"""Scans in the dossier view, keyboard and drag and drop only: files dropped on a paper's row become its
pages, Ctrl+E shows them page by page, Ctrl+I takes the files waiting in the scan inbox."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QLabel

from counter_app.services.intake import IntakeRequest, PersonInput, receive_dossier
from counter_app.services.scan_inbox import DONE_DIR
from counter_app.ui.context import UiContext
from counter_app.ui.dossier_view import DossierDialog
from counter_app.ui.page_viewer import PageViewer
from counter_app.ui.scan_inbox_watcher import ScanInboxWatcher


@pytest.fixture
def code(ui_context: UiContext) -> str:
    return receive_dossier(ui_context.db, IntakeRequest("1.001193", PersonInput(
        full_name="Nguyễn Văn Đức", id_number="049090001234", phone="0905123456", street="12 Lê Lợi"))).code


def scans(folder: Path, count: int, prefix: str = "trang") -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for n in range(1, count + 1):
        paths.append(folder / f"{prefix}{n}.png")
        Image.new("RGB", (600 + n, 850), "white").save(paths[-1])
    return paths


def drop_on_row(table, row: int, files: list[Path]) -> None:
    """What a drag from the file manager delivers: enter, move over the row, drop."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path)) for path in files])
    point = table.visualRect(table.model().index(row, 0)).center()
    action, button, no_key = Qt.DropAction.CopyAction, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    for event in (QDragEnterEvent(point, action, mime, button, no_key), QDragMoveEvent(point, action, mime, button, no_key),
                  QDropEvent(QPointF(point), action, mime, button, no_key)):
        QApplication.sendEvent(table.viewport(), event)
        assert event.isAccepted()


def row_texts(dialog: DossierDialog, row: int) -> list[str]:
    table = dialog.scan_panel.table
    return [table.item(row, column).text() for column in range(table.columnCount())]


def open_dialog(qtbot, ui_context: UiContext, code: str) -> DossierDialog:
    dialog = DossierDialog(ui_context, code)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(lambda: dialog.loaded and dialog.scan_panel.table.rowCount() == 2)
    return dialog


def test_files_dropped_on_a_paper_become_its_pages_and_the_viewer_pages_through_them(
        qtbot, ui_context: UiContext, code: str, tmp_path: Path) -> None:
    dialog = open_dialog(qtbot, ui_context, code)
    assert row_texts(dialog, 1)[1:] == ["Chưa số hóa", "—"]

    drop_on_row(dialog.scan_panel.table, 1, scans(tmp_path / "scans", 3))

    qtbot.waitUntil(lambda: row_texts(dialog, 1)[1:] == ["Đã số hóa", "3"])
    assert row_texts(dialog, 0)[1] == "Chưa số hóa"
    qtbot.waitUntil(lambda: dialog.scan_panel.thumbnails.count() == 3)
    assert dialog.scan_panel.thumbnails.item(2).text() == "Trang 3"

    qtbot.keyClick(dialog, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    viewer = dialog.findChild(PageViewer, "page_viewer")
    assert viewer is not None and viewer.isVisible()
    position = viewer.findChild(QLabel, "page_position")
    image = viewer.findChild(QLabel, "page_image")
    qtbot.waitUntil(lambda: image.pixmap() is not None and not image.pixmap().isNull())
    assert position.text() == "Trang 1/3"
    for key, expected in ((Qt.Key.Key_PageDown, "Trang 2/3"), (Qt.Key.Key_End, "Trang 3/3"),
                          (Qt.Key.Key_PageDown, "Trang 3/3"), (Qt.Key.Key_Home, "Trang 1/3")):
        qtbot.keyClick(viewer, key)
        assert position.text() == expected
    small = image.pixmap().width()
    qtbot.keyClick(viewer, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: image.pixmap().width() > small)
    qtbot.keyClick(viewer, Qt.Key.Key_Escape)
    assert not viewer.isVisible()


def test_ctrl_i_puts_the_files_waiting_in_the_scan_inbox_into_the_selected_paper(
        qtbot, ui_context: UiContext, code: str, tmp_path: Path) -> None:
    inbox = tmp_path / "scan-inbox"
    scans(inbox, 2, prefix="may-quet-")
    watcher = ScanInboxWatcher(ui_context, inbox)
    try:
        for _ in range(2):  # seen once, then settled
            with qtbot.waitSignal(watcher.polled, timeout=10_000):
                watcher.poll()
        assert [p.name for p in watcher.waiting] == ["may-quet-1.png", "may-quet-2.png"]
        dialog = open_dialog(qtbot, ui_context, code)
        table = dialog.scan_panel.table
        table.setFocus()
        qtbot.keyClick(table, Qt.Key.Key_Down)
        qtbot.keyClick(table, Qt.Key.Key_Up)
        assert dialog.scan_panel.selected_index() == 1

        qtbot.keyClick(dialog, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)

        qtbot.waitUntil(lambda: row_texts(dialog, 0)[1:] == ["Đã số hóa", "2"])
        assert sorted(p.name for p in (inbox / DONE_DIR).rglob("*.png")) == ["may-quet-1.png", "may-quet-2.png"]
        assert not list(inbox.glob("*.png"))
        qtbot.keyClick(dialog, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)
        assert dialog.scan_panel.message.text() == "Thư mục quét không có tệp nào đang chờ."
    finally:
        watcher.stop()

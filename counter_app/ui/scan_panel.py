"""The papers of a dossier with their digitisation state, thumbnails of the selected paper, and the ways
scans reach a paper: Ctrl+O (file dialog), drag and drop onto a paper's row, Ctrl+I (the files waiting
in the scan-inbox folder); Ctrl+E opens the page viewer. All work runs in the background (ui/tasks.py).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QSize, Signal
from PySide6.QtGui import (
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QIcon,
    QImage,
    QKeySequence,
    QPixmap,
    QShortcut,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from counter_app.domain.digitisation import DigitisationState
from counter_app.services.digitisation import BundleAdded, PaperScan, add_scans, paper_scans
from counter_app.storage.blobstore import BlobStore
from counter_app.ui.context import UiContext
from counter_app.ui.messages import error_text
from counter_app.ui.palette import ERROR_STYLE
from counter_app.ui.scan_inbox_watcher import active_watcher

COLUMNS = [QT_TRANSLATE_NOOP("scan_panel", "Giấy tờ"), QT_TRANSLATE_NOOP("scan_panel", "Trạng thái số hóa"), QT_TRANSLATE_NOOP("scan_panel", "Số trang")]
THUMBNAIL_DPI = 16  # an A4 page: about 132 × 187 pixels
FILE_FILTER = QT_TRANSLATE_NOOP("scan_panel", "Bản quét (*.jpg *.jpeg *.png *.tif *.tiff *.pdf);;Mọi tệp (*)")


def _local_files(event: QDropEvent | QDragEnterEvent | QDragMoveEvent) -> list[Path]:
    mime = event.mimeData()
    if not mime.hasUrls():
        return []
    return [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]


class PaperTable(QTableWidget):
    """The papers; files dropped on a row become pages of that paper (`files_dropped(row, paths)`)."""

    files_dropped = Signal(int, list)

    def __init__(self) -> None:
        super().__init__(0, len(COLUMNS))
        self.setObjectName("scan_papers")
        self.setHorizontalHeaderLabels([QCoreApplication.translate("scan_panel", text) for text in COLUMNS])
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setTabKeyNavigation(False)
        self.verticalHeader().setVisible(False)
        self.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2):
            self.horizontalHeader().setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.setAcceptDrops(True)
        self.viewport().setAcceptDrops(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DropOnly)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if _local_files(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if _local_files(event) and self.rowAt(int(event.position().y())) >= 0:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        row = self.rowAt(int(event.position().y()))
        files = _local_files(event)
        if row < 0 or not files:
            event.ignore()
            return
        event.acceptProposedAction()
        self.selectRow(row)
        self.files_dropped.emit(row, files)


class ScanPanel(QWidget):
    """Scans of the papers of dossier `code`; `changed` after a paper got new pages."""

    changed = Signal()

    def __init__(self, context: UiContext, code: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context, self.code = context, code
        self.scans: list[PaperScan] = []
        self.table = PaperTable()
        self.table.files_dropped.connect(lambda row, files: self.add_files(row + 1, files))
        self.table.itemSelectionChanged.connect(self._load_thumbnails)
        self.thumbnails = QListWidget()
        self.thumbnails.setObjectName("scan_thumbnails")
        self.thumbnails.setViewMode(QListView.ViewMode.IconMode)
        self.thumbnails.setFlow(QListView.Flow.LeftToRight)
        self.thumbnails.setWrapping(False)
        self.thumbnails.setIconSize(QSize(96, 136))
        self.thumbnails.setFixedHeight(176)
        self.thumbnails.itemActivated.connect(lambda item: self.view_pages(self.thumbnails.row(item)))
        self.message = QLabel(self.tr("Kéo thả tệp quét vào một giấy tờ, hoặc chọn giấy tờ rồi Ctrl+O."))
        self.message.setObjectName("scan_message")
        self.message.setWordWrap(True)

        buttons = QHBoxLayout()
        for text, slot, keys in ((self.tr("Thêm bản quét… (Ctrl+O)"), self.choose_files, "Ctrl+O"),
                                 (self.tr("Lấy từ thư mục quét (Ctrl+I)"), self.take_from_inbox, "Ctrl+I"),
                                 ("Xem trang (Ctrl+E)", self.view_pages, "Ctrl+E")):
            button = QPushButton(text)
            button.setAutoDefault(False)
            button.clicked.connect(lambda _=False, slot=slot: slot())
            buttons.addWidget(button)
            QShortcut(QKeySequence(keys), self).activated.connect(slot)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)
        layout.addWidget(self.thumbnails)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.refresh()

    # -- the papers -------------------------------------------------------------------------------

    def refresh(self) -> None:
        db, code = self.context.db, self.code
        self.context.tasks.run(lambda: paper_scans(db, code), self._show, self._failed, owner=self, request="papers")

    def _show(self, scans: list[PaperScan]) -> None:
        selected = self.selected_index()
        self.scans = scans
        self.table.setRowCount(len(scans))
        for row, scan in enumerate(scans):
            state = scan.state.label + (self.tr(" (từ hồ sơ {reused_from})").format(reused_from=scan.reused_from) if scan.reused_from else "")
            for column, text in enumerate((f"{scan.index}. {scan.name}", state, str(scan.pages) if scan.pages else "—")):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.table.resizeRowsToContents()
        if scans:
            self.table.selectRow(min(max(selected - 1, 0), len(scans) - 1))
        self._load_thumbnails()  # the selection may not have changed, its pages have

    def selected_index(self) -> int:
        """The selected paper's number (1-based), 0 when none."""
        rows = self.table.selectionModel().selectedRows()
        return rows[0].row() + 1 if rows else 0

    def _selected_scan(self) -> PaperScan | None:
        index = self.selected_index()
        return self.scans[index - 1] if 0 < index <= len(self.scans) else None

    def _failed(self, error: Exception) -> None:
        self.message.setText(error_text(error))
        self.message.setStyleSheet(ERROR_STYLE)

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.message.setStyleSheet("")

    # -- adding scans -----------------------------------------------------------------------------

    def add_files(self, index: int, files: list[Path]) -> None:
        """`files` become the next pages of paper `index` (1-based)."""
        if not files or not 0 < index <= len(self.scans):
            return
        db, data_dir, code = self.context.db, self.context.db.path.parent, self.code
        self._say(self.tr("Đang số hóa {len} tệp vào giấy tờ số {index}…").format(len=len(files), index=index))
        self.context.tasks.run(lambda: add_scans(db, data_dir, code, index, files), self._added, self._failed,
                               write=True, owner=self)

    def _added(self, added: BundleAdded) -> None:
        self._say(self.tr("Đã số hóa giấy tờ số {index}: {pages} trang.").format(index=added.index, pages=added.pages))
        self.refresh()
        self.changed.emit()

    def choose_files(self) -> None:
        index = self.selected_index()
        if not index:
            self._say(self.tr("Hãy chọn một giấy tờ trước."))
            return
        names, _ = QFileDialog.getOpenFileNames(self, self.tr("Bản quét cho giấy tờ số {index}").format(index=index), "", QCoreApplication.translate("scan_panel", FILE_FILTER))
        self.add_files(index, [Path(name) for name in names])

    def take_from_inbox(self) -> None:
        watcher, index = active_watcher(), self.selected_index()
        if watcher is None or not watcher.waiting:
            self._say(self.tr("Thư mục quét không có tệp nào đang chờ."))
            return
        if not index:
            self._say(self.tr("Hãy chọn một giấy tờ trước."))
            return
        self._say(self.tr("Đang số hóa {len} tệp từ thư mục quét vào giấy tờ số {index}…").format(len=len(watcher.waiting), index=index))
        watcher.assign(self.code, index, self._added, self._failed)

    # -- looking at pages -------------------------------------------------------------------------

    def _bundle_bytes(self, scan: PaperScan) -> bytes:
        return BlobStore(self.context.db.path.parent).read(scan.sha256 or "")

    def _load_thumbnails(self) -> None:
        self.thumbnails.clear()
        scan = self._selected_scan()
        if scan is None or scan.state is DigitisationState.NOT_DIGITISED:
            return
        from counter_app.ui.slip_preview import render_pdf_pages

        self.context.tasks.run(lambda: render_pdf_pages(self._bundle_bytes(scan), THUMBNAIL_DPI), self._thumbnails,
                               self._failed, owner=self, request="thumbnails")

    def _thumbnails(self, images: list[QImage]) -> None:
        self.thumbnails.clear()
        for number, image in enumerate(images, start=1):
            self.thumbnails.addItem(QListWidgetItem(QIcon(QPixmap.fromImage(image)), f"Trang {number}"))

    def view_pages(self, start: int = 0) -> None:
        scan = self._selected_scan()
        if scan is None or not scan.pages:
            self._say(self.tr("Giấy tờ này chưa được số hóa."))
            return
        from counter_app.ui.page_viewer import PageViewer

        viewer = PageViewer(self.context, self.tr("Giấy tờ số {index}: {name}").format(index=scan.index, name=scan.name), self._bundle_bytes(scan),
                            scan.pages, start, self)
        viewer.setObjectName("page_viewer")
        viewer.open()
        self._viewer = viewer

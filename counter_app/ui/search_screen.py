"""Tra cứu: one box for a code, a name (with or without marks), an ID number or a phone; results as you type.

Each pause in typing (~150 ms) starts one query in the background, so the box never stutters even on a
large database and a slow PC. Queries are numbered: a result that arrives after a newer query started
is stale and dropped, so the table always matches what the box says.
"""

from __future__ import annotations

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QCoreApplication,
    QEvent,
    QModelIndex,
    QObject,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
)

from counter_app.domain.dossier import Dossier
from counter_app.services.clock import office_today, utc_now
from counter_app.services.dossiers import MAX_SEARCH_RESULTS, dossiers_received_on, search_dossiers
from counter_app.ui.context import UiContext
from counter_app.ui.dossier_table import DossierTableModel, setup_dossier_table
from counter_app.ui.messages import error_text
from counter_app.ui.screen import Screen

DEBOUNCE_MS = 150
RESULT_LIMIT = MAX_SEARCH_RESULTS

HINT = QT_TRANSLATE_NOOP("search_screen", "Gõ mã hồ sơ, họ tên (có dấu hoặc không dấu), số giấy tờ hoặc số điện thoại để tìm.")
SEARCHING = QT_TRANSLATE_NOOP("search_screen", "Đang tìm…")
NOTHING_FOUND = QT_TRANSLATE_NOOP("search_screen", "Không tìm thấy hồ sơ nào")

_ENTER_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


def today_text(count: int) -> str:
    if count == 0:
        return QCoreApplication.translate("search_screen", "Hôm nay chưa tiếp nhận hồ sơ nào. {hint}").format(hint=QCoreApplication.translate("search_screen", HINT))
    return QCoreApplication.translate("search_screen", "Hồ sơ tiếp nhận hôm nay: {count}. {hint}").format(count=count, hint=QCoreApplication.translate("search_screen", HINT))


def found_text(count: int) -> str:
    if count == 0:
        return QCoreApplication.translate("search_screen", NOTHING_FOUND)
    if count >= RESULT_LIMIT:
        return QCoreApplication.translate("search_screen", "Tìm thấy {count} hồ sơ (chỉ hiện {result_limit} hồ sơ mới nhất; hãy gõ thêm để thu hẹp)").format(count=count, result_limit=RESULT_LIMIT)
    return QCoreApplication.translate("search_screen", "Tìm thấy {count} hồ sơ").format(count=count)


class SearchScreen(Screen):
    """The search page; `results_changed(count)` fires when the table shows the answer to the current text."""

    title = QT_TRANSLATE_NOOP("Screen", "Tra cứu")  # translated where shown (main window)
    results_changed = Signal(int)

    def __init__(self, context: UiContext) -> None:
        super().__init__(context)
        self._in_flight = False  # the newest query is running
        self._open_single = False  # Enter pressed before the answer came: open it if it is the only one

        self.box = QLineEdit()
        self.box.setObjectName("search_box")
        self.box.setPlaceholderText(self.tr("Mã hồ sơ, họ tên, số giấy tờ hoặc số điện thoại"))
        self.box.setClearButtonEnabled(True)
        self.box.setToolTip(QCoreApplication.translate("search_screen", HINT))
        label = QLabel(self.tr("&Tìm hồ sơ:"))
        label.setBuddy(self.box)

        self.model = DossierTableModel(self)
        self.table = QTableView()
        self.table.setObjectName("search_results")
        self.table.setModel(self.model)
        setup_dossier_table(self.table)

        self.status = QLabel(QCoreApplication.translate("search_screen", HINT))
        self.status.setObjectName("search_status")

        top = QHBoxLayout()
        top.addWidget(label)
        top.addWidget(self.box, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self._start_search)
        self.box.textChanged.connect(self._text_changed)
        self.box.installEventFilter(self)
        self.table.installEventFilter(self)
        self.table.doubleClicked.connect(self._activated)  # Enter is handled in eventFilter

    # -- public -----------------------------------------------------------------------------------

    @property
    def is_searching(self) -> bool:
        """A query for the current text is pending (debounce) or running."""
        return self._debounce.isActive() or self._in_flight

    @property
    def query_in_flight(self) -> bool:
        """A background query for the current text has started and its answer has not come back yet."""
        return self._in_flight

    def on_shown(self) -> None:
        self.box.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.box.selectAll()
        if self.box.text().strip():  # results may be stale after an intake or a status change
            self._start_search()
        else:
            self.show_today()

    def show_today(self) -> None:
        """With nothing typed, the table shows today's dossiers (the ones a citizen most often asks about)."""
        self._in_flight = True
        db, today = self.context.db, office_today()
        self.context.tasks.run(
            lambda: dossiers_received_on(db, today, RESULT_LIMIT),
            self._today_loaded,
            self._search_failed,
            owner=self,
            request="search",
        )

    def _today_loaded(self, dossiers: list[Dossier]) -> None:
        self._in_flight = False
        self.model.set_dossiers(dossiers, utc_now())
        self.status.setText(today_text(len(dossiers)))
        if dossiers:
            self.table.selectRow(0)
        self.results_changed.emit(len(dossiers))

    def shortcut_help(self) -> list[tuple[str, str]]:
        return [
            (self.tr("Gõ vào ô tìm"), self.tr("Kết quả hiện ngay khi gõ (mã, họ tên có dấu hoặc không, số giấy tờ, điện thoại)")),
            ("↓", self.tr("Từ ô tìm xuống danh sách kết quả")),
            (self.tr("↑ ở dòng đầu"), self.tr("Quay lại ô tìm")),
            ("Enter", self.tr("Mở hồ sơ đang chọn; trong ô tìm: mở luôn nếu chỉ có một kết quả")),
            (self.tr("Nhấp đúp"), self.tr("Mở hồ sơ")),
            ("Esc", self.tr("Xóa ô tìm (trong danh sách: quay lại ô tìm)")),
            ("Alt+T", self.tr("Đưa con trỏ về ô tìm")),
        ]

    def search_now(self) -> None:
        """Skip the typing pause (Enter, or a caller that set the text)."""
        self._debounce.stop()
        self._start_search()

    # -- searching --------------------------------------------------------------------------------

    def _text_changed(self, text: str) -> None:
        self.context.tasks.drop(self, "search")  # what the box said before is no longer asked
        self._in_flight = False
        self._open_single = False
        if not text.strip():
            self._debounce.stop()
            self.show_today()
            return
        self.status.setText(QCoreApplication.translate("search_screen", SEARCHING))
        self._debounce.start()

    def _start_search(self) -> None:
        query = self.box.text()
        if not query.strip():
            return
        self._in_flight = True
        self.status.setText(QCoreApplication.translate("search_screen", SEARCHING))
        db = self.context.db
        self.context.tasks.run(
            lambda: search_dossiers(db, query, RESULT_LIMIT),
            self._search_done,
            self._search_failed,
            owner=self,
            request="search",  # an older query's answer, arriving late, would not match the box
        )

    def _search_done(self, dossiers: list[Dossier]) -> None:
        self._in_flight = False
        self.model.set_dossiers(dossiers, utc_now())
        self.status.setText(found_text(len(dossiers)))
        if dossiers:
            self.table.selectRow(0)
        self.results_changed.emit(len(dossiers))
        if self._open_single:
            self._open_single = False
            self._enter_in_box()

    def _search_failed(self, error: Exception) -> None:
        self._in_flight = False
        self._open_single = False
        self.model.clear()
        self.status.setText(self.tr("Không tìm được: {error_text}").format(error_text=error_text(error)))
        self.results_changed.emit(0)

    # -- keyboard ---------------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return False
        key = event.key()
        if event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            return False
        if watched is self.box:
            if key == Qt.Key.Key_Down:
                self._focus_results()
                return True
            if key in _ENTER_KEYS:
                if self.is_searching:
                    self._open_single = True
                    self.search_now()
                else:
                    self._enter_in_box()
                return True
            if key == Qt.Key.Key_Escape and self.box.text():
                self.box.clear()
                return True
        elif watched is self.table:
            if key in _ENTER_KEYS:
                self._open_current()
                return True
            if key == Qt.Key.Key_Escape or (key == Qt.Key.Key_Up and self.table.currentIndex().row() <= 0):
                self.box.setFocus(Qt.FocusReason.ShortcutFocusReason)
                return True
        return False

    def _enter_in_box(self) -> None:
        rows = self.model.rowCount()
        if rows == 1:
            self.open_dossier_requested.emit(self.model.code_at(0))
        elif rows > 1:
            self._focus_results()

    def _focus_results(self) -> None:
        if self.model.rowCount() == 0:
            return
        if not self.table.currentIndex().isValid():
            self.table.selectRow(0)
        self.table.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def _open_current(self) -> None:
        index = self.table.currentIndex()
        if index.isValid():
            self._activated(index)

    def _activated(self, index: QModelIndex) -> None:
        if index.isValid():
            self.open_dossier_requested.emit(self.model.code_at(index.row()))

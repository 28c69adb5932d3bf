"""Đồng bộ: the sync state in detail, the records the province refused and why, the latest attempts.

What the status bar says in one line, said fully: the server, how many operations wait and since when,
the last success and the last attempt, the last error, the clock difference. Refused and conflicting
operations stay listed with the server's own reason until someone deals with them. F9 syncs now; the
counter enrols with the provincial server from here (Alt+K).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
)

from counter_app import __version__
from counter_app.domain.formats import seconds_datetime
from counter_app.services.sync_status import (
    JournalLine,
    ProblemRecord,
    SyncStatus,
    journal_lines,
    problem_records,
)
from counter_app.ui.context import UiContext
from counter_app.ui.enroll_dialog import EnrollDialog
from counter_app.ui.messages import error_text
from counter_app.ui.palette import WARNING_STYLE
from counter_app.ui.screen import Screen
from counter_app.ui.sync_worker import (
    SyncWorker,
    age_text,
    skew_text,
    skew_warning,
    status_text,
)
from counter_app.updates.offer import update_status

PROBLEM_COLUMNS = [QT_TRANSLATE_NOOP("sync_screen", "STT thao tác"), QT_TRANSLATE_NOOP("sync_screen", "Thao tác"), QT_TRANSLATE_NOOP("sync_screen", "Mã hồ sơ"), QT_TRANSLATE_NOOP("sync_screen", "Tình trạng"), QT_TRANSLATE_NOOP("sync_screen", "Mã lỗi"), QT_TRANSLATE_NOOP("sync_screen", "Lý do của máy chủ tỉnh"), QT_TRANSLATE_NOOP("sync_screen", "Thời điểm")]
REASON = 5
JOURNAL_LIMIT = 20
NO_PROBLEMS = QT_TRANSLATE_NOOP("sync_screen", "Không có thao tác nào bị từ chối hoặc xung đột.")


def size_text(count: int) -> str:
    if count < 1024:
        return f"{count} byte"
    if count < 1024 * 1024:
        return f"{count / 1024:.1f} KB".replace(".", ",")
    return f"{count / 1024 / 1024:.1f} MB".replace(".", ",")


def journal_text(line: JournalLine) -> str:
    """One journal line: '10:42:05 05/06/2025 · Thành công · gửi 5, nhận 27 …'."""
    text = (
        QCoreApplication.translate("sync_screen", "{seconds_datetime} · {outcome} · gửi {pushed}, nhận {pulled}, từ chối {rejected}, xung đột {conflicts}, tệp {blobs_uploaded} · đi {size_text}, về {size_text2}").format(seconds_datetime=seconds_datetime(line.started_at), outcome=line.outcome, pushed=line.pushed, pulled=line.pulled, rejected=line.rejected, conflicts=line.conflicts, blobs_uploaded=line.blobs_uploaded, size_text=size_text(line.bytes_sent), size_text2=size_text(line.bytes_received))
    )
    return f"{text} · {line.message}" if line.message else text


class ProblemTableModel(QAbstractTableModel):
    """Refused and conflicting operations, one per row."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[ProblemRecord] = []

    def set_records(self, records: list[ProblemRecord]) -> None:
        self.beginResetModel()
        self._rows = list(records)
        self.endResetModel()

    def record_at(self, row: int) -> ProblemRecord:
        return self._rows[row]

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(PROBLEM_COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return QCoreApplication.translate("sync_screen", PROBLEM_COLUMNS[section])
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        record = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            values = ["—" if record.seq is None else str(record.seq), record.op_type, record.dossier_code or "—", record.state, record.code or "—",
                      record.message or "—", seconds_datetime(record.at)]
            return values[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == REASON:
            return record.message
        return None


class SyncScreen(Screen):
    """The sync page; it shows what `worker` reports and asks it to sync now."""

    title = QT_TRANSLATE_NOOP("Screen", "Đồng bộ")  # translated where shown (main window)

    def __init__(self, context: UiContext, worker: SyncWorker) -> None:
        super().__init__(context)
        self.worker = worker
        self.enroll_dialog: EnrollDialog | None = None

        self.state_label = QLabel(self.tr("Đang đọc tình trạng đồng bộ…"))
        self.state_label.setObjectName("sync_state")
        self.state_label.setWordWrap(True)
        self.server_label = QLabel("—")
        self.pending_label = QLabel("—")
        self.oldest_label = QLabel("—")
        self.success_label = QLabel("—")
        self.attempt_label = QLabel("—")
        self.error_label = QLabel("—")
        self.error_label.setWordWrap(True)
        self.clock_label = QLabel("—")
        self.problem_count_label = QLabel("—")
        self.update_label = QLabel("—")  # issue 12: «Có phiên bản mới …», its download, «Sẽ cài khi mở lại»
        self.update_label.setObjectName("sync_update")
        self.update_label.setWordWrap(True)
        for label in (self.server_label, self.error_label):
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        form = QFormLayout()
        form.addRow(self.tr("Tình trạng:"), self.state_label)
        form.addRow(self.tr("Máy chủ tỉnh:"), self.server_label)
        form.addRow(self.tr("Thao tác chờ gửi:"), self.pending_label)
        form.addRow(self.tr("Chờ lâu nhất:"), self.oldest_label)
        form.addRow(self.tr("Thành công gần nhất:"), self.success_label)
        form.addRow(self.tr("Lần thử gần nhất:"), self.attempt_label)
        form.addRow(self.tr("Lỗi gần nhất:"), self.error_label)
        form.addRow(self.tr("Đồng hồ máy:"), self.clock_label)
        form.addRow(self.tr("Cần xem lại:"), self.problem_count_label)
        form.addRow(self.tr("Cập nhật ứng dụng:"), self.update_label)

        self.sync_button = QPushButton(self.tr("Đồng bộ ngay (F9)"))
        self.sync_button.setObjectName("sync_now")
        self.sync_button.clicked.connect(self.sync_now)
        self.enroll_button = QPushButton(self.tr("Đăng &ký máy chủ…"))
        self.enroll_button.setObjectName("enroll")
        self.enroll_button.clicked.connect(self.open_enroll_dialog)
        buttons = QHBoxLayout()
        buttons.addWidget(self.sync_button)
        buttons.addWidget(self.enroll_button)
        buttons.addStretch(1)

        self.problems = ProblemTableModel(self)
        self.problem_table = QTableView()
        self.problem_table.setObjectName("sync_problems")
        self.problem_table.setModel(self.problems)
        self.problem_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.problem_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.problem_table.setAlternatingRowColors(True)
        self.problem_table.setTabKeyNavigation(False)
        self.problem_table.verticalHeader().setVisible(False)
        header = self.problem_table.horizontalHeader()
        for column in range(len(PROBLEM_COLUMNS)):
            mode = QHeaderView.ResizeMode.Stretch if column == REASON else QHeaderView.ResizeMode.ResizeToContents
            header.setSectionResizeMode(column, mode)
        self.problem_table.activated.connect(self._problem_activated)  # Enter or double click
        self.problem_status = QLabel(QCoreApplication.translate("sync_screen", NO_PROBLEMS))
        problems_box = QGroupBox(self.tr("Thao tác bị từ chối hoặc xung đột"))
        problems_layout = QVBoxLayout(problems_box)
        problems_layout.addWidget(self.problem_table, 1)
        problems_layout.addWidget(self.problem_status)

        self.journal = QPlainTextEdit()
        self.journal.setObjectName("sync_journal")
        self.journal.setReadOnly(True)
        self.journal.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.journal.setMaximumHeight(150)
        journal_box = QGroupBox(self.tr("Nhật ký đồng bộ ({journal_limit} lần gần nhất)").format(journal_limit=JOURNAL_LIMIT))
        journal_layout = QVBoxLayout(journal_box)
        journal_layout.addWidget(self.journal)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(problems_box, 1)
        layout.addWidget(journal_box)

        worker.state_changed.connect(self._show_status)
        worker.running_changed.connect(self._running_changed)
        if worker.status is not None:
            self._show_status(worker.status)

    # -- public -------------------------------------------------------------------------------------

    def on_shown(self) -> None:
        self.sync_button.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.worker.refresh()
        self.load_details()

    def shortcut_help(self) -> list[tuple[str, str]]:
        return [
            ("F7", self.tr("Mở màn hình đồng bộ")),
            ("F9", self.tr("Đồng bộ ngay với máy chủ tỉnh (ở mọi màn hình)")),
            ("Alt+K", self.tr("Đăng ký quầy với máy chủ tỉnh")),
            (self.tr("Enter / nhấp đúp"), self.tr("Trong bảng thao tác lỗi: mở hồ sơ liên quan")),
        ]

    def sync_now(self) -> None:
        self.worker.sync_now()

    def open_enroll_dialog(self) -> EnrollDialog:
        dialog = EnrollDialog(self.context, self)
        dialog.enrolled.connect(self._enrolled)
        self.enroll_dialog = dialog
        dialog.open()
        return dialog

    def load_details(self) -> None:
        """Re-read the problem records and the journal in the background."""
        db = self.context.db
        self.context.tasks.run(
            lambda: (problem_records(db), journal_lines(db, JOURNAL_LIMIT)),
            self._details_loaded,
            self._details_failed,
            owner=self,
            request="details",
        )

    # -- slots --------------------------------------------------------------------------------------

    def _enrolled(self, _enrolment: object) -> None:
        self.worker.refresh()
        self.worker.sync_now()

    def _running_changed(self, running: bool) -> None:
        self.sync_button.setEnabled(not running)
        self.sync_button.setText(self.tr("Đang đồng bộ…") if running else self.tr("Đồng bộ ngay (F9)"))

    def _show_status(self, status: SyncStatus) -> None:
        self.state_label.setText(status_text(status, self.worker.running))
        self.server_label.setText(status.server_url or self.tr("Chưa đăng ký máy chủ tỉnh"))
        if not status.enrolled:
            self.pending_label.setText(self.tr("{pending} (chưa gửi được: quầy chưa đăng ký máy chủ tỉnh)").format(pending=status.pending))
        else:
            self.pending_label.setText(str(status.pending) if status.pending else self.tr("0 (đã gửi hết)"))
        self.oldest_label.setText(age_text(status.oldest_pending_age) if status.oldest_pending_age is not None else "—")
        self.success_label.setText(seconds_datetime(status.last_success_at))
        self.attempt_label.setText(seconds_datetime(status.last_attempt_at))
        self.error_label.setText(status.last_error or self.tr("Không có"))
        self.problem_count_label.setText(str(status.problems))
        self._show_clock(status)
        self.update_label.setText(update_status(self.worker.data_dir).text()
                                  or self.tr("Đang dùng phiên bản {version}; tỉnh chưa phát hành phiên bản mới hơn.").format(version=__version__))
        if self.isVisible():
            self.load_details()

    def _show_clock(self, status: SyncStatus) -> None:
        skew = status.clock_skew_seconds
        if skew is None:
            self.clock_label.setText(self.tr("Chưa so với máy chủ"))
            self.clock_label.setStyleSheet("")
            return
        direction = self.tr("nhanh") if skew > 0 else self.tr("chậm")
        text = self.tr("{direction} {skew_text} so với máy chủ").format(direction=direction, skew_text=skew_text(skew)) if round(skew) else self.tr("khớp với máy chủ")
        if skew_warning(status):
            text += self.tr(" — hãy chỉnh lại giờ máy (thời điểm tiếp nhận in trên phiếu lấy theo giờ máy)")
            self.clock_label.setStyleSheet(WARNING_STYLE)
        else:
            self.clock_label.setStyleSheet("")
        self.clock_label.setText(text[0].upper() + text[1:])

    def _details_loaded(self, result: tuple[list[ProblemRecord], list[JournalLine]]) -> None:
        records, lines = result
        self.problems.set_records(records)
        self.problem_status.setText(
            self.tr("{len} thao tác cần xem lại. Nhấp đúp (hoặc Enter) để mở hồ sơ.").format(len=len(records)) if records else QCoreApplication.translate("sync_screen", NO_PROBLEMS)
        )
        self.journal.setPlainText("\n".join(journal_text(line) for line in lines) or self.tr("Chưa đồng bộ lần nào."))

    def _details_failed(self, error: Exception) -> None:
        self.problem_status.setText(self.tr("Không đọc được danh sách: {error_text}").format(error_text=error_text(error)))

    def _problem_activated(self, index: QModelIndex) -> None:
        if index.isValid():
            code = self.problems.record_at(index.row()).dossier_code
            if code:
                self.open_dossier_requested.emit(code)

"""The crash dialog: an uncaught exception told in Vietnamese, with what was kept and what to do.

`install_crash_dialog` makes it the listener of counter_app/crash.py: a crash on any thread (a slot, a
TaskRunner task nobody handles, a `threading.Thread`) is marshalled to the GUI thread by a queued signal
and shown in ONE non-modal dialog (later crashes are added to its details, never a pile of windows). The
clerk may save the diagnostics bundle (built in the background), copy the details, go on working (the
default: everything saved is committed) or quit.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from PySide6.QtCore import QMessageLogContext, QObject, Qt, QtMsgType, Signal, qInstallMessageHandler
from PySide6.QtGui import QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from counter_app.crash import Crash, install_crash_hooks, log_location, set_crash_listener
from counter_app.domain.errors import os_error_words
from counter_app.domain.formats import office_datetime
from counter_app.exit_codes import EXIT_UNEXPECTED
from counter_app.ui import palette
from counter_app.ui.tasks import TaskRunner

log = logging.getLogger(__name__)

TITLE = "Lỗi không mong muốn"
HEADLINE = "Ứng dụng gặp lỗi không mong muốn."
MAX_SHOWN = 20


def explanation(log_path: str) -> str:
    return (
        "Dữ liệu đã lưu vẫn được giữ nguyên: mỗi hồ sơ, biên lai và thao tác đã lưu đều đã ghi vào cơ sở dữ "
        "liệu. Việc đang làm dở mà chưa lưu có thể chưa được ghi, hãy kiểm tra lại trước khi làm tiếp. "
        f"Chi tiết lỗi đã ghi vào nhật ký «{log_path}».\n\n"
        "Bạn có thể tiếp tục làm việc. Nếu lỗi lặp lại, hãy lưu gói chẩn đoán (không chứa dữ liệu của công "
        "dân) và gửi cho bộ phận công nghệ thông tin của tỉnh."
    )


def crash_text(crash: Crash) -> str:
    return f"[{office_datetime(crash.at)}] {crash.error_type} trong {crash.where}\n{crash.details}"


class CrashDialog(QDialog):
    """One dialog for every crash of this session while it stays open."""

    def __init__(self, crash: Crash, data_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data_dir = Path(data_dir)
        self.crashes: list[Crash] = []  # the first MAX_SHOWN, with their details
        self.total = 0
        self.tasks = TaskRunner(self)
        self.setWindowTitle(TITLE)
        self.setWindowModality(Qt.WindowModality.NonModal)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.resize(640, 460)

        headline = QLabel(HEADLINE)
        headline.setStyleSheet(f"{palette.ERROR_STYLE} font-weight: bold; font-size: 13pt;")
        self.explanation = QLabel(explanation(log_location()))
        self.explanation.setWordWrap(True)
        self.explanation.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.count_label = QLabel()
        self.count_label.setStyleSheet(palette.WARNING_STYLE)
        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.status = QLabel()
        self.status.setWordWrap(True)

        self.save_button = QPushButton("&Lưu gói chẩn đoán… (Ctrl+S)")
        self.copy_button = QPushButton("Sao chép &chi tiết (Ctrl+Shift+C)")
        self.continue_button = QPushButton("&Tiếp tục làm việc (Esc)")
        self.quit_button = QPushButton("Th&oát ứng dụng (Ctrl+Q)")
        self.continue_button.setDefault(True)
        self.save_button.clicked.connect(self.ask_where_to_save)
        self.copy_button.clicked.connect(self.copy_details)
        self.continue_button.clicked.connect(self.accept)
        self.quit_button.clicked.connect(self.quit_app)
        QShortcut(QKeySequence("Ctrl+S"), self).activated.connect(self.ask_where_to_save)
        QShortcut(QKeySequence("Ctrl+Shift+C"), self).activated.connect(self.copy_details)
        QShortcut(QKeySequence("Ctrl+Q"), self).activated.connect(self.quit_app)

        buttons = QHBoxLayout()
        for button in (self.save_button, self.copy_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        for button in (self.continue_button, self.quit_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(headline)
        layout.addWidget(self.explanation)
        layout.addWidget(self.count_label)
        layout.addWidget(QLabel("Chi tiết kỹ thuật (cho bộ phận công nghệ thông tin):"))
        layout.addWidget(self.details, 1)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self.add_crash(crash)
        self.continue_button.setFocus()

    def add_crash(self, crash: Crash) -> None:
        """Count every crash; show the details of the first MAX_SHOWN (a slot failing on every repaint
        would otherwise grow the text without end and bury the event loop; the log has them all)."""
        self.total += 1
        if len(self.crashes) < MAX_SHOWN:
            self.crashes.append(crash)
            self.details.appendPlainText(("\n" if len(self.crashes) > 1 else "") + crash_text(crash))
        self.count_label.setVisible(self.total > 1)
        if self.total > MAX_SHOWN:
            self.count_label.setText(f"Đã gặp {self.total} lỗi kể từ khi hộp thoại này mở; dưới đây là chi tiết của "
                                     f"{MAX_SHOWN} lỗi đầu, nhật ký ghi đủ tất cả.")
        elif self.total > 1:
            self.count_label.setText(f"Đã gặp {self.total} lỗi kể từ khi hộp thoại này mở.")

    def details_text(self) -> str:
        return f"{HEADLINE}\n{self.details.toPlainText()}"

    def copy_details(self) -> None:
        QGuiApplication.clipboard().setText(self.details_text())
        self.show_status("Đã sao chép chi tiết lỗi; hãy dán vào thư hoặc tin nhắn gửi bộ phận công nghệ thông tin.",
                         palette.OK_STYLE)

    def ask_where_to_save(self) -> None:
        from counter_app.diagnostics import default_bundle_name

        default = Path.home() / default_bundle_name(self.crashes[-1].at)
        chosen, _ = QFileDialog.getSaveFileName(self, "Lưu gói chẩn đoán", str(default), "Tệp nén (*.zip)")
        if chosen:
            self.save_bundle_to(Path(chosen))

    def save_bundle_to(self, out: Path) -> None:
        """Build the bundle in the background; the status line says where it went, or why it did not."""
        from counter_app.diagnostics import build_bundle

        self.save_button.setEnabled(False)
        self.show_status(f"Đang tạo gói chẩn đoán «{out.name}»…", palette.HINT_STYLE)
        data_dir = self.data_dir
        self.tasks.run(lambda: build_bundle(data_dir, out), self._saved, self._not_saved, owner=self)

    def _saved(self, report: object) -> None:
        self.save_button.setEnabled(True)
        self.show_status(f"Đã lưu gói chẩn đoán vào «{getattr(report, 'path', '')}». Hãy gửi tệp này cho bộ phận "
                         "công nghệ thông tin của tỉnh.", palette.OK_STYLE)

    def _not_saved(self, error: Exception) -> None:
        self.save_button.setEnabled(True)
        reason = os_error_words(error) if isinstance(error, OSError) else type(error).__name__
        self.show_status(f"Không lưu được gói chẩn đoán ({reason}). Dữ liệu của quầy không bị thay đổi; hãy chọn "
                         "thư mục khác (ví dụ ổ USB) rồi thử lại.", palette.ERROR_STYLE)

    def show_status(self, text: str, style: str) -> None:
        self.status.setText(text)
        self.status.setStyleSheet(style)

    def quit_app(self) -> None:
        """Leave with the crash exit code; the database is closed by the normal exit path (ui/app.py)."""
        self.accept()
        app = QApplication.instance()
        if app is not None:
            app.exit(EXIT_UNEXPECTED)


class CrashReporter(QObject):
    """Lives on the GUI thread; any thread emits `crashed`, the dialog opens here (queued)."""

    crashed = Signal(object)

    def __init__(self, data_dir: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.data_dir = Path(data_dir)
        self.dialog: CrashDialog | None = None
        self.crashed.connect(self._show, Qt.ConnectionType.QueuedConnection)

    def _show(self, crash: Crash) -> None:
        try:
            if self.dialog is not None:
                self.dialog.add_crash(crash)
            else:
                self.dialog = CrashDialog(crash, self.data_dir)
                self.dialog.destroyed.connect(self._forget)
            self.dialog.show()
            self.dialog.raise_()
            self.dialog.activateWindow()
        except Exception:  # never back into the hook: a dialog that cannot open would open forever
            log.exception("Không mở được hộp thoại báo lỗi")

    def _forget(self) -> None:
        self.dialog = None


_reporter: CrashReporter | None = None
_QT_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}
_qt_log = logging.getLogger("qt")
_qt_routed = False


def _qt_message(kind: QtMsgType, _context: QMessageLogContext, message: str) -> None:
    """Qt's own warnings (a printer it cannot open, a layout set twice) into the log file too: a windowed
    build has no console for them. Still on stderr when there is one."""
    level = _QT_LEVELS.get(kind, logging.WARNING)
    _qt_log.log(level, "%s", message)
    if level >= logging.WARNING and sys.stderr is not None:
        print(message, file=sys.stderr)


def install_crash_dialog(app: QApplication, data_dir: Path) -> CrashReporter:
    """From now on an uncaught exception anywhere opens the crash dialog, and Qt's messages are logged
    (called by ui/app.py once the counter is open)."""
    global _reporter, _qt_routed
    install_crash_hooks()
    if _reporter is None or _reporter.data_dir != Path(data_dir):
        _reporter = CrashReporter(data_dir, app)
    set_crash_listener(_reporter.crashed.emit)
    if not _qt_routed:
        qInstallMessageHandler(_qt_message)
        _qt_routed = True
    return _reporter


def uninstall_crash_dialog() -> None:
    """The window is gone (ui/app.py after the event loop): back to one line on stderr (and the log),
    and Qt's messages back to Qt's own handler."""
    global _qt_routed
    set_crash_listener(None)
    if _qt_routed:
        qInstallMessageHandler(None)
        _qt_routed = False

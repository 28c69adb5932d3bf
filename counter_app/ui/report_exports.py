"""The reports screen's exports (Ctrl+Shift+P/E/C): ask where, then write the report shown in the background.

`ReportExporter` opens a save dialog at the folder of the last export (ui/settings.py), writes the file with
reports.export_pdf / export_xlsx / export_csv on the task runner, and says how it went through `said`; the
screen shows that in its status line. A failure names its cause in Vietnamese (a missing folder, no right
to write, a full disk), never the system's English words. Its texts keep the ReportsScreen and
reports_screen contexts of counter_en.ts, where they were marked.
"""

from __future__ import annotations

import errno
from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QObject, Signal
from PySide6.QtWidgets import QFileDialog, QWidget

from counter_app.reports.export_labels import Report, kind_of
from counter_app.reports.model import ReportKind
from counter_app.ui import palette
from counter_app.ui.context import UiContext
from counter_app.ui.messages import error_text

EXPORTS: tuple[tuple[str, str, str], ...] = (
    ("pdf", "Xuất PDF", "Ctrl+Shift+P"),
    ("xlsx", "Xuất Excel (XLSX)", "Ctrl+Shift+E"),
    ("csv", "Xuất CSV", "Ctrl+Shift+C"),
)
FILE_FILTERS = {"pdf": QT_TRANSLATE_NOOP("reports_screen", "Tệp PDF (*.pdf)"), "xlsx": QT_TRANSLATE_NOOP("reports_screen", "Bảng tính Excel (*.xlsx)"), "csv": QT_TRANSLATE_NOOP("reports_screen", "Tệp CSV (*.csv)")}
FILE_STEMS = {ReportKind.DAILY: "bao-cao-ngay", ReportKind.REGISTER: "so-theo-doi-ho-so", ReportKind.KPI: "chi-so-766"}


def default_file_name(report: Report, fmt: str) -> str:
    """«bao-cao-ngay-2026-03-02.pdf», «so-theo-doi-ho-so-2026-03-01-2026-03-31.xlsx»."""
    period = report.period
    days = period.start.isoformat() if period.start == period.end else f"{period.start}-{period.end}"
    return f"{FILE_STEMS[kind_of(report)]}-{days}.{fmt}"


def os_error_words(error: OSError) -> str:
    """Why a file could not be written, in Vietnamese (the system's own words are English)."""
    if isinstance(error, FileNotFoundError | NotADirectoryError):
        return QCoreApplication.translate("reports_screen", "thư mục đã chọn không tồn tại")
    if isinstance(error, PermissionError):
        return QCoreApplication.translate("reports_screen", "không có quyền ghi vào thư mục đã chọn")
    if error.errno == errno.ENOSPC:
        return QCoreApplication.translate("reports_screen", "ổ đĩa đã đầy")
    return QCoreApplication.translate("reports_screen", "lỗi ghi tệp của hệ điều hành (mã {errno})").format(errno=error.errno)


def write_report(report: Report, fmt: str, path: Path) -> Path:
    """The export in `fmt` (reports.export_pdf / export_xlsx / export_csv), on a worker thread."""
    if fmt == "pdf":
        from counter_app.reports.export_pdf import write_pdf as write
    elif fmt == "xlsx":
        from counter_app.reports.export_xlsx import write_xlsx as write
    else:
        from counter_app.reports.export_csv import write_csv as write
    write(report, path)
    return path


class ReportExporter(QObject):
    """Asks where (`ask`) and writes (`write`); `said` carries each message and its colour (None: plain)."""

    said = Signal(str, object)
    exported = Signal(object)  # the Path written
    dialog_closed = Signal()  # the save dialog closed, whatever was chosen: the screen takes the keys back

    def __init__(self, context: UiContext, screen: QWidget) -> None:
        super().__init__(screen)
        self.context = context
        self.screen = screen
        self.dialog: QFileDialog | None = None

    def ask(self, report: Report, fmt: str, title: str) -> None:
        """A save dialog titled `title`, at the last export's folder, proposing `default_file_name`."""
        folder = self.context.settings.last_report_dir(Path.home())
        dialog = QFileDialog(self.screen, title, str(folder))
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog)  # the same dialog on every desk, and in tests
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setNameFilter(QCoreApplication.translate("reports_screen", FILE_FILTERS[fmt]))
        dialog.setDefaultSuffix(fmt)
        dialog.selectFile(str(folder / default_file_name(report, fmt)))
        dialog.fileSelected.connect(lambda name: self.write(report, fmt, Path(name)))
        dialog.finished.connect(lambda _result: self.dialog_closed.emit())
        self.dialog = dialog
        dialog.open()

    def write(self, report: Report, fmt: str, path: Path) -> None:
        self.context.settings.set_last_report_dir(path.parent)
        self.said.emit(QCoreApplication.translate("ReportsScreen", "Đang xuất báo cáo ra tệp {path}…").format(path=path), None)
        self.context.tasks.run(lambda: write_report(report, fmt, path), self._written, self._failed,
                               owner=self, request="export")

    def _written(self, path: Path) -> None:
        self.said.emit(QCoreApplication.translate("ReportsScreen", "Đã xuất báo cáo ra tệp {path}.").format(path=path), palette.OK)
        self.exported.emit(path)

    def _failed(self, error: Exception) -> None:
        if isinstance(error, OSError):
            text = QCoreApplication.translate("ReportsScreen", "Không ghi được tệp: {os_error_words}. Hãy chọn thư mục khác.").format(os_error_words=os_error_words(error))
        elif isinstance(error, ImportError):
            text = QCoreApplication.translate("ReportsScreen", "Phiên bản này chưa có chức năng xuất định dạng đã chọn.")
        else:
            text = QCoreApplication.translate("ReportsScreen", "Không xuất được báo cáo: {error_text}").format(error_text=error_text(error))
        self.said.emit(text, palette.ERROR)

"""The main window's watch over its database: right after the window shows, and then every hour, the task
runner runs the checks too slow for the start (the day's integrity_check, a big file's quick_check); damage
gets the same dialog as at the start and stays written in the status bar.

`database_problem_box` is that dialog, also shown by ui/app.py when the database cannot be opened at all.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication, Qt, QTimer
from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox, QWidget

from counter_app.domain.errors import DomainError
from counter_app.services.clock import utc_now
from counter_app.storage.integrity import Damage, DamagedDatabaseError
from counter_app.ui import palette
from counter_app.ui.palette import in_colour

DATABASE_CHECK_INTERVAL_MS = 60 * 60 * 1000  # the check itself runs only when due (once a day)

log = logging.getLogger(__name__)


def database_problem_box(parent: QWidget | None, error: DomainError) -> QMessageBox:
    """The dialog for a database the counter cannot use; the caller exec()s or open()s it."""
    if not isinstance(error, DamagedDatabaseError):
        title = QCoreApplication.translate("main_window", "Không mở được dữ liệu của quầy")
    elif error.damage is Damage.MISSING:
        title = QCoreApplication.translate("main_window", "Không thấy dữ liệu của quầy")
    else:
        title = QCoreApplication.translate("main_window", "Dữ liệu của quầy bị hỏng")
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Critical)
    box.setWindowTitle(title)
    box.setText(error.message)
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)  # IT can copy the paths
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    return box


class DatabaseWatch:
    """Owns the status bar's damage label (`window.database_label`) and the dialog (`window.database_problem`)."""

    def __init__(self, window: QMainWindow) -> None:
        self.window = window
        self.context = window.context  # type: ignore[attr-defined]
        self.checking = False
        self.label = QLabel()  # shown only when a background check finds damage
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.hide()
        self.timer = QTimer(window)
        self.timer.timeout.connect(self.check)
        QTimer.singleShot(0, self.check)  # once the window has shown
        self.timer.start(DATABASE_CHECK_INTERVAL_MS)

    def check(self) -> None:
        """Run the due background checks of the database on the task runner (never on the GUI thread)."""
        if self.checking:
            return
        self.checking = True
        now = utc_now()
        self.context.tasks.run(lambda: self.context.db.run_background_checks(now), self._checked, self._failed)

    def _checked(self, _which: str | None) -> None:
        self.checking = False

    def _failed(self, error: Exception) -> None:
        self.checking = False
        if not isinstance(error, DamagedDatabaseError):
            log.warning("Chưa kiểm tra được cơ sở dữ liệu, sẽ thử lại sau: %s", error)  # e.g. locked
            return
        self.timer.stop()  # said once; the next start says it again
        self.label.setText(in_colour(
            QCoreApplication.translate("MainWindow", "<b>Cơ sở dữ liệu bị hỏng</b>: hãy gọi bộ phận CNTT của tỉnh"),
            palette.ERROR))
        self.label.setToolTip(error.message)
        self.label.show()
        box = database_problem_box(self.window, error)
        self.window.database_problem = box  # type: ignore[attr-defined]
        box.open()

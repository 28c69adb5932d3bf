"""The main window's backups: the daily one when it closes, and "Sao lưu ngay" (Ctrl+Shift+B, supervisors).

The work is services/backups.py; this module only decides where (CounterSettings.backup_dir, default
`<data dir>/backups/daily`), how many to keep, and tells the clerk. The daily backup runs on the GUI
thread as the window closes (the task runner's threads are going away; a day's file takes well under a
second, bench figures in docs/backups.md). A warning at close (the USB stick unplugged, a full disk) shows
in a box that closes by itself after CLOSE_WARNING_MS, so closing is never held up for long.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QMainWindow, QMessageBox
from sqlalchemy.exc import SQLAlchemyError

from counter_app.domain.errors import DomainError
from counter_app.services.backups import BackupOutcome, back_up_now, back_up_on_close, default_backup_dir

log = logging.getLogger(__name__)
BACKUP_NOW_KEY = "Ctrl+Shift+B"
CLOSE_WARNING_MS = 20_000
STATUS_MS = 30_000


class BackupActions:
    def __init__(self, window: QMainWindow) -> None:
        self.window = window
        self.context = window.context  # type: ignore[attr-defined]
        self.close_warning: QMessageBox | None = None
        shortcut = QShortcut(QKeySequence(BACKUP_NOW_KEY), window)
        shortcut.setContext(Qt.ShortcutContext.ApplicationShortcut)
        shortcut.activated.connect(self.back_up_now)

    def _where(self) -> tuple[Path, Path, int]:
        default = default_backup_dir(self.context.db.path.parent)
        settings = self.context.settings
        return settings.backup_dir(default), default, settings.backups_to_keep()

    def at_close(self) -> BackupOutcome | None:
        """The daily backup if due; a warning box that closes by itself if something went wrong."""
        chosen, default, keep = self._where()
        try:
            outcome = back_up_on_close(self.context.db, chosen, default, keep, now=self.context.clock())
        except DomainError as error:  # a counter not set up yet: nothing to back up
            log.info("Không sao lưu khi đóng: %s", error.message)
            return None
        except (SQLAlchemyError, sqlite3.Error, OSError):  # never stop the window from closing
            log.exception("Sao lưu khi đóng gặp lỗi")
            return None
        if outcome.warning:
            log.warning("Sao lưu khi đóng: %s", outcome.warning)
            box = QMessageBox(QMessageBox.Icon.Warning, QCoreApplication.translate("BackupActions", "Sao lưu hằng ngày"), outcome.warning,
                              QMessageBox.StandardButton.Ok, self.window)
            QTimer.singleShot(CLOSE_WARNING_MS, box.accept)
            self.close_warning = box
            box.exec()
        return outcome

    def back_up_now(self) -> None:
        """Ctrl+Shift+B: a backup at once, in the background, for the signed-in supervisor."""
        clerk = self.context.clerk
        if clerk is None or not clerk.is_supervisor:
            self.window.statusBar().showMessage(QCoreApplication.translate("BackupActions", "Chỉ giám sát viên đã đăng nhập mới sao lưu ngay được."), STATUS_MS)
            return
        chosen, default, keep = self._where()
        self.window.statusBar().showMessage(QCoreApplication.translate("BackupActions", "Đang sao lưu dữ liệu của quầy…"))
        now = self.context.clock()
        self.context.tasks.run(lambda: back_up_now(self.context.db, chosen, default, keep, now=now), self._done, self._failed,
                               write=True, owner=self.window)

    def _done(self, outcome: BackupOutcome) -> None:
        text = QCoreApplication.translate("BackupActions", "Đã sao lưu vào «{path}».").format(path=outcome.path) if outcome.path else QCoreApplication.translate("BackupActions", "Chưa sao lưu được.")
        self.window.statusBar().showMessage(f"{outcome.warning} {text}".strip(), STATUS_MS)

    def _failed(self, error: Exception) -> None:
        message = error.message if isinstance(error, DomainError) else QCoreApplication.translate("BackupActions", "Sao lưu gặp lỗi không mong đợi.")
        self.window.statusBar().showMessage(QCoreApplication.translate("BackupActions", "{message} Dữ liệu của quầy không bị ảnh hưởng.").format(message=message), STATUS_MS)

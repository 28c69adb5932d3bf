"""Watches the scan-inbox folder while the app runs: a poll every few seconds through the task runner.

Polling (not QFileSystemWatcher) because a file must be seen twice with the same size before it is
taken (services/scan_inbox.py), network folders do not always send change events, and a poll is what
the tests can drive without waiting. Polls and assignments run in the writer pool, so they never run
at the same time. One watcher per application: the dossier view's scan panel asks `active_watcher()`
for the files waiting for the clerk. A new folder chosen in the unit settings (F10) takes effect at the
next poll (`set_folder`), without a restart.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal

from counter_app.domain.errors import ValidationError
from counter_app.services.digitisation import BundleAdded
from counter_app.services.scan_inbox import InboxReport, ScanInbox
from counter_app.ui.context import UiContext
from counter_app.ui.settings import CONTROL_CHARACTERS, MAX_TEXT

POLL_MS = 3000
INBOX_DIRNAME = "scan-inbox"
INBOX_FIELD = "scan_inbox"
INBOX_LABEL = "Thư mục nhận bản quét"
_active: ScanInboxWatcher | None = None


def active_watcher() -> ScanInboxWatcher | None:
    return _active


_serials = itertools.count(1)


def _forget_active(serial: int) -> None:
    """A watcher is gone: forget it, but only if it is still the active one (an old window's watcher may be
    destroyed after the next window made its own)."""
    global _active
    if _active is not None and _active.serial == serial:
        _active = None


def default_inbox_dir(context: UiContext) -> Path:
    return context.settings.scan_inbox_dir(context.db.path.parent / INBOX_DIRNAME)


def checked_inbox_dir(text: str) -> Path:
    """The folder typed in the unit settings, created if missing (worker thread: it may be a network
    share); refused at the field when it cannot be the inbox (not a full path, not a folder, read-only:
    the taken files are moved out of it)."""
    typed = text.strip()
    if not typed:
        raise ValidationError(INBOX_FIELD, QCoreApplication.translate("scan_inbox_watcher", "Hãy ghi thư mục máy quét lưu bản quét vào."), INBOX_LABEL)
    if len(typed) > MAX_TEXT:
        raise ValidationError(INBOX_FIELD, QCoreApplication.translate("scan_inbox_watcher", "Đường dẫn thư mục dài quá {max_text} ký tự.").format(max_text=MAX_TEXT), INBOX_LABEL)
    if not typed.isprintable():
        raise ValidationError(INBOX_FIELD, CONTROL_CHARACTERS, INBOX_LABEL)
    folder = Path(typed).expanduser()
    if not folder.is_absolute():
        raise ValidationError(INBOX_FIELD, QCoreApplication.translate("scan_inbox_watcher", "«{value}» chưa phải đường dẫn đầy đủ (ví dụ D:\\BanQuet hoặc /home/quay/ban-quet).").format(value=typed[:80]), INBOX_LABEL)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise ValidationError(INBOX_FIELD, QCoreApplication.translate("scan_inbox_watcher", "«{value}» là một tệp, không phải thư mục.").format(value=typed[:80]), INBOX_LABEL) from None
    except OSError:  # no right to create it, a share that is not there: the OS's words are not Vietnamese
        raise ValidationError(INBOX_FIELD, QCoreApplication.translate("scan_inbox_watcher", "Không tạo được thư mục «{value}» (không có quyền, hoặc ổ đĩa/thư mục mạng không truy cập được).").format(value=typed[:80]), INBOX_LABEL) from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ValidationError(INBOX_FIELD, QCoreApplication.translate("scan_inbox_watcher", "Máy này không ghi được vào thư mục «{value}» (bản quét đã nhận được chuyển sang thư mục con _da_nhan).").format(value=typed[:80]), INBOX_LABEL)
    return folder


class ScanInboxWatcher(QObject):
    """`polled(report)` after each poll; `waiting` holds the settled files no dossier claims yet."""

    polled = Signal(object)

    def __init__(self, context: UiContext, folder: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        global _active
        self.context = context
        self.inbox = ScanInbox(folder)
        self.waiting: list[Path] = []
        self._busy = False
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self.poll)
        self.serial = next(_serials)
        _active = self
        self.destroyed.connect(lambda _gone=None, serial=self.serial: _forget_active(serial))

    @property
    def folder(self) -> Path:
        return self.inbox.folder

    def set_folder(self, folder: Path) -> None:
        """Watch `folder` from now on; what a poll of the old folder still running finds is dropped."""
        if folder == self.inbox.folder:
            return
        folder.mkdir(parents=True, exist_ok=True)
        self.inbox = ScanInbox(folder)
        self.waiting = []

    def start(self) -> None:
        self.inbox.folder.mkdir(parents=True, exist_ok=True)
        self._timer.start()

    def stop(self) -> None:
        global _active
        self._timer.stop()
        if _active is self:
            _active = None

    def poll(self) -> None:
        if self._busy:
            return
        self._busy = True
        db, data_dir, inbox = self.context.db, self.context.db.path.parent, self.inbox
        self.context.tasks.run(lambda: inbox.poll(db, data_dir), lambda report: self._polled(report, inbox),
                               self._failed, write=True, owner=self)

    def _polled(self, report: InboxReport, inbox: ScanInbox) -> None:
        self._busy = False
        if inbox is self.inbox:  # not the folder left behind by `set_folder`
            self.waiting = report.waiting
        self.polled.emit(report)

    def _failed(self, error: Exception) -> None:
        self._busy = False
        self.polled.emit(InboxReport())

    def assign(self, code: str, index: int, on_done: Callable[[BundleAdded], None],
               on_error: Callable[[Exception], None]) -> None:
        """The waiting files become pages of paper `index` of dossier `code` (the clerk's choice)."""
        files, self.waiting = self.waiting, []
        db, data_dir, inbox = self.context.db, self.context.db.path.parent, self.inbox
        self.context.tasks.run(lambda: inbox.assign(db, data_dir, files, code, index), on_done, on_error, write=True)


def report_text(report: InboxReport) -> str:
    """One status-bar line for a poll that did something ("" when it did nothing)."""
    parts = [QCoreApplication.translate("scan_inbox_watcher", "Đã số hóa giấy tờ số {index} của hồ sơ {code} ({pages} trang)").format(index=added.index, code=code, pages=added.pages) for code, added in report.added]
    parts += [QCoreApplication.translate("scan_inbox_watcher", "Không số hóa được {path}: {message}").format(path=problem.path, message=problem.message) for problem in report.problems]
    if report.waiting:
        parts.append(QCoreApplication.translate("scan_inbox_watcher", "{len} tệp trong thư mục quét chờ chọn hồ sơ (mở hồ sơ, chọn giấy tờ, Ctrl+I)").format(len=len(report.waiting)))
    return "; ".join(parts)

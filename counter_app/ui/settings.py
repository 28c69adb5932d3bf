"""This machine's settings, typed, in one place: the only module that touches `QSettings`.

They live in `settings.ini` beside the data folder (so the real and the demo data never share them) and
belong to the machine, not to the unit: the window's place, the printer the slips go to, the last
folder a slip was saved in, the province server typed at enrolment, the sync interval. What the unit
shares (its name, place, desk, lookup address) is in the database (`services.unit_setup`).

Every accessor returns its type whatever the file holds: a value edited by hand into nonsense reads as
the default, never as an exception in a screen.
"""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

from counter_app.storage.outbox_pruning import DEFAULT_RETENTION_DAYS, MAX_RETENTION_DAYS, MIN_RETENTION_DAYS

FILE_NAME = "settings.ini"
DEFAULT_SYNC_INTERVAL_MINUTES = 3.0
MIN_SYNC_INTERVAL_MINUTES, MAX_SYNC_INTERVAL_MINUTES = 1, 120  # what the settings screen lets a supervisor choose
MAX_TEXT = 1000  # a path, a URL or a printer name; anything longer was not written by the app
CONTROL_CHARACTERS = ("Đường dẫn thư mục có ký tự điều khiển không in được (có thể do dán từ nơi khác); hãy gõ "
                      "lại hoặc chọn thư mục bằng nút «Chọn…».")

_GEOMETRY = "main_window/geometry"
_LAST_PDF_DIR = "slip_preview/last_dir"
_LAST_REPORT_DIR = "reports/last_dir"
_PRINTER = "printing/printer_name"
_SERVER_URL = "sync/last_server_url"
_SYNC_INTERVAL = "sync/interval_minutes"
_SCAN_INBOX = "scans/inbox_dir"
_RECEIPT_PAPER = "printing/receipt_paper"
_BACKUP_DIR = "backup/folder"
_BACKUPS_TO_KEEP = "backup/keep"
_LANGUAGE = "ui/language"
_OUTBOX_RETENTION = "sync/outbox_retention_days"
_OUTBOX_PRUNED_AT = "sync/outbox_pruned_at"
LANGUAGES = ("vi", "en")  # the screens' language, read at start (counter_app/i18n.py); Vietnamese by default
DEFAULT_BACKUPS_TO_KEEP = 10
MAX_BACKUPS_TO_KEEP = 365
RECEIPT_PAPERS = ("a5", "80mm")  # printing/receipt_paper.PAPERS: an A5 printer or an 80 mm thermal one


class CounterSettings:
    """Typed accessors over one `settings.ini`; each setter writes through to the file at once."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._store = QSettings(str(self.path), QSettings.Format.IniFormat)

    @classmethod
    def for_data_dir(cls, data_dir: Path) -> CounterSettings:
        return cls(Path(data_dir) / FILE_NAME)

    def _text(self, key: str, default: str = "") -> str:
        value = self._store.value(key)
        return value if isinstance(value, str) and len(value) <= MAX_TEXT else default

    def _set(self, key: str, value: object) -> None:
        self._store.setValue(key, value)
        self._store.sync()  # a crash or a power cut a minute later must not lose it

    # -- the main window -----------------------------------------------------------------------------

    def window_geometry(self) -> QByteArray | None:
        value = self._store.value(_GEOMETRY)
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    def set_window_geometry(self, geometry: QByteArray) -> None:
        self._set(_GEOMETRY, geometry)

    # -- slips ---------------------------------------------------------------------------------------

    def printer_name(self) -> str:
        """The printer slips go to on this machine; "" = the system's default printer."""
        return self._text(_PRINTER).strip()

    def set_printer_name(self, name: str) -> None:
        self._set(_PRINTER, name.strip()[:MAX_TEXT])

    def receipt_paper(self) -> str:
        """The paper receipts print on at this desk: "a5" (default) or "80mm" (a thermal printer)."""
        value = self._text(_RECEIPT_PAPER)
        return value if value in RECEIPT_PAPERS else RECEIPT_PAPERS[0]

    def set_receipt_paper(self, paper: str) -> None:
        if paper not in RECEIPT_PAPERS:
            raise ValueError(f"Khổ giấy biên lai không hợp lệ: {paper!r}")
        self._set(_RECEIPT_PAPER, paper)

    def last_pdf_dir(self, default: Path) -> Path:
        """Where the last slip was saved as PDF (the save dialog opens there)."""
        text = self._text(_LAST_PDF_DIR)
        return Path(text) if text else default

    def set_last_pdf_dir(self, folder: Path) -> None:
        self._set(_LAST_PDF_DIR, str(folder))

    # -- reports -------------------------------------------------------------------------------------

    def last_report_dir(self, default: Path) -> Path:
        """Where the last report was exported (the reports screen's save dialog opens there)."""
        text = self._text(_LAST_REPORT_DIR).strip()
        return Path(text) if text else default

    def set_last_report_dir(self, folder: Path) -> None:
        self._set(_LAST_REPORT_DIR, str(folder)[:MAX_TEXT])

    # -- sync ----------------------------------------------------------------------------------------

    def last_server_url(self) -> str:
        """The province server typed at the last enrolment (the enrolment dialog starts with it)."""
        return self._text(_SERVER_URL)

    def set_last_server_url(self, url: str) -> None:
        self._set(_SERVER_URL, url[:MAX_TEXT])

    def sync_interval_minutes(self) -> float:
        """Minutes between background syncs; only a positive number counts (set by IT in the file)."""
        try:
            minutes = float(self._store.value(_SYNC_INTERVAL))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return DEFAULT_SYNC_INTERVAL_MINUTES
        return minutes if math.isfinite(minutes) and minutes > 0 else DEFAULT_SYNC_INTERVAL_MINUTES

    def set_sync_interval_minutes(self, minutes: int) -> None:
        """Whole minutes, within the bounds the settings screen offers (a running worker reads it at start)."""
        if not MIN_SYNC_INTERVAL_MINUTES <= minutes <= MAX_SYNC_INTERVAL_MINUTES:
            raise ValueError(f"Chu kỳ đồng bộ phải từ {MIN_SYNC_INTERVAL_MINUTES} đến {MAX_SYNC_INTERVAL_MINUTES} "
                             f"phút: {minutes!r}")
        self._set(_SYNC_INTERVAL, int(minutes))

    def outbox_retention_days(self) -> int:
        """Days an acknowledged operation stays in the outbox before it is pruned (storage/outbox_pruning.py)."""
        try:
            days = int(str(self._store.value(_OUTBOX_RETENTION)))
        except (TypeError, ValueError):
            return DEFAULT_RETENTION_DAYS
        return days if MIN_RETENTION_DAYS <= days <= MAX_RETENTION_DAYS else DEFAULT_RETENTION_DAYS

    def set_outbox_retention_days(self, days: int) -> None:
        if not MIN_RETENTION_DAYS <= days <= MAX_RETENTION_DAYS:
            raise ValueError(f"Số ngày giữ thao tác đã đồng bộ phải từ {MIN_RETENTION_DAYS} đến {MAX_RETENTION_DAYS}: "
                             f"{days!r}")
        self._set(_OUTBOX_RETENTION, int(days))

    def outbox_pruned_at(self) -> datetime | None:
        """When the outbox was last pruned on this machine (at most once a day); None: never, or unreadable."""
        try:
            moment = datetime.fromisoformat(self._text(_OUTBOX_PRUNED_AT))
        except ValueError:
            return None
        return moment if moment.utcoffset() is not None else None

    def set_outbox_pruned_at(self, moment: datetime) -> None:
        self._set(_OUTBOX_PRUNED_AT, moment.isoformat())

    # -- scans ---------------------------------------------------------------------------------------

    def scan_inbox_dir(self, default: Path) -> Path:
        """The folder the scanner saves into, watched while the app runs (ui/scan_inbox_watcher.py)."""
        text = self._text(_SCAN_INBOX).strip()
        return Path(text) if text else default

    def set_scan_inbox_dir(self, folder: Path) -> None:
        self._set(_SCAN_INBOX, str(folder)[:MAX_TEXT])

    # -- backups -------------------------------------------------------------------------------------

    def backup_dir(self, default: Path) -> Path:
        """Where the daily backup on close goes (a USB stick, say); `default` when none was chosen."""
        text = self._text(_BACKUP_DIR).strip()
        return Path(text) if text else default

    def set_backup_dir(self, folder: Path | None) -> None:
        """None goes back to the default folder."""
        self._set(_BACKUP_DIR, "" if folder is None else str(folder)[:MAX_TEXT])

    def backups_to_keep(self) -> int:
        """How many daily backups are kept (the oldest beyond it are deleted); 1 to 365."""
        try:
            count = int(str(self._store.value(_BACKUPS_TO_KEEP)))
        except (TypeError, ValueError):
            return DEFAULT_BACKUPS_TO_KEEP
        return count if 1 <= count <= MAX_BACKUPS_TO_KEEP else DEFAULT_BACKUPS_TO_KEEP

    def set_backups_to_keep(self, count: int) -> None:
        if not 1 <= count <= MAX_BACKUPS_TO_KEEP:
            raise ValueError(f"Số bản sao lưu giữ lại phải từ 1 đến {MAX_BACKUPS_TO_KEEP}: {count!r}")
        self._set(_BACKUPS_TO_KEEP, count)

    # -- language ------------------------------------------------------------------------------------

    def language(self) -> str:
        """The screens' language ("vi" or "en"); takes effect at the next start."""
        value = self._text(_LANGUAGE)
        return value if value in LANGUAGES else LANGUAGES[0]

    def set_language(self, language: str) -> None:
        if language not in LANGUAGES:
            raise ValueError(f"Ngôn ngữ không hỗ trợ: {language!r}")
        self._set(_LANGUAGE, language)

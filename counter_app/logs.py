"""The counter's log files: `<data dir>/logs/counter-app.log`, rotated at 1 MB, the last 5 kept, UTF-8.

A windowed build has no console, so without a file every `log.exception` would be lost. Set up once at
start (`counter-app` main, which also starts the GUI); calling it again for another data folder moves
the file there. The folder is 0700 and the files 0600 (storage/private_files.py), like the database.

Logs must not carry citizen data: the code logs codes, counts and error classes, never names, ID
numbers, phones or addresses, and the engine hides SQL parameters (storage/database.py). `CitizenDataFilter`
is the second line of defence: it rewrites every record (message and traceback) so that anything shaped
like an ID number, a phone number, an e-mail address or SQL parameters is replaced before it is written.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import IO, Any

from counter_app.storage.private_files import PRIVATE_FILE_MODE, make_private_dir

LOG_DIRNAME = "logs"
LOG_FILENAME = "counter-app.log"
MAX_BYTES = 1_000_000
BACKUP_COUNT = 5
LOG_FORMAT = "%(asctime)s %(levelname)s [%(process)d %(threadName)s] %(name)s: %(message)s"
QUIET_LIBRARIES = ("httpx", "httpcore", "PIL", "fontTools", "weasyprint")  # chatty at INFO, nothing we need

_REDACTIONS: tuple[tuple[re.Pattern[str], str], ...] = (
    # SQLAlchemy's "[parameters: (...)]" block, in case an engine without hide_parameters ever logs one.
    (re.compile(r"\[parameters: .*?\](?=\s*(?:\n|\(Background|$))", re.DOTALL), "[parameters: <đã ẩn>]"),
    (re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[\w-]+(?:\.[\w-]+)+"), "<thư điện tử>"),  # anchored: linear time
    # Phones: 0xxx xxx xxx, +84 / 84 prefixes, with or without spaces, dots or dashes between digits.
    (re.compile(r"(?<![\w.])(?:\+84|84|0)(?:[ .-]?\d){8,10}(?![\w])"), "<số điện thoại>"),
    # CCCD (12 digits), CMND (9 digits), passports (a letter and 7 digits).
    (re.compile(r"(?<!\d)(?:\d{12}|\d{9})(?!\d)"), "<số giấy tờ>"),
    (re.compile(r"(?<![\w])[A-Z]\d{7}(?![\w])"), "<số giấy tờ>"),
)


def redact(text: str) -> str:
    """`text` with anything shaped like citizen data replaced by a placeholder."""
    for pattern, placeholder in _REDACTIONS:
        text = pattern.sub(placeholder, text)
    return text


class CitizenDataFilter(logging.Filter):
    """Rewrites a record's message and traceback through `redact` (on the handler: every logger's records)."""

    _traceback_formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: keep the template, drop the arguments
            message = str(record.msg)
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._traceback_formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class PrivateRotatingFileHandler(RotatingFileHandler):
    """A rotating file whose every generation is created 0600 whatever the umask."""

    def _open(self) -> IO[Any]:
        descriptor = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, PRIVATE_FILE_MODE)
        return open(descriptor, "a", encoding=self.encoding, errors=self.errors)

    def handleError(self, record: logging.LogRecord) -> None:
        """A full disk or a folder gone (a USB data folder unplugged) loses the line, not the clerk's
        console: the app must keep running without a log."""
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handleError(record)


def log_dir(data_dir: Path) -> Path:
    return Path(data_dir) / LOG_DIRNAME


def log_file(data_dir: Path) -> Path:
    return log_dir(data_dir) / LOG_FILENAME


_handler: PrivateRotatingFileHandler | None = None


def current_log_file() -> Path | None:
    """The file this process logs to, or None before `setup_logging`."""
    return Path(_handler.baseFilename) if _handler is not None else None


def setup_logging(data_dir: Path, level: int = logging.INFO) -> Path:
    """Send this process's log records to the data folder's rotating file; the file's path.

    Idempotent: a second call for the same folder changes nothing, for another folder it moves the file.
    If the folder cannot be written (read-only medium, no permission) logging stays as it was and the
    app still runs: a log file is never a reason to refuse a clerk.
    """
    global _handler
    target = log_file(data_dir).absolute()
    if _handler is not None and Path(_handler.baseFilename) == target:
        return target
    try:
        make_private_dir(target.parent)
        handler = PrivateRotatingFileHandler(target, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT,
                                             encoding="utf-8", delay=True)
    except OSError:
        return target
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    handler.addFilter(CitizenDataFilter())
    root = logging.getLogger()
    if _handler is not None:
        root.removeHandler(_handler)
        _handler.close()
    root.addHandler(handler)
    if root.level > level or root.level == logging.NOTSET:
        root.setLevel(level)
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(logging.WARNING)
    _handler = handler
    return target


def log_files(data_dir: Path) -> list[Path]:
    """The data folder's log files, the current one first, then older generations (.1, .2, …)."""
    folder = log_dir(data_dir)
    if not folder.is_dir():
        return []
    found = [path for path in folder.iterdir() if path.is_file() and path.name.startswith(LOG_FILENAME)]
    return sorted(found, key=lambda path: (path.name != LOG_FILENAME, len(path.name), path.name))

"""What happens to an exception nobody caught: it is logged, and the clerk is told in Vietnamese.

Four paths lead here: `sys.excepthook` (the main thread, and every exception raised in a Qt slot or
callback: PySide calls the hook and the event loop goes on), `threading.excepthook` (a `threading.Thread`),
a TaskRunner task whose error no screen handles (ui/tasks.py calls `report_exception`), and the CLI's
main (cli.py catches what the services did not foresee). Each becomes a `Crash`, logged with its
traceback (through logs.py's filter: no citizen data), then handed to the listener: the GUI's shows the
crash dialog on the GUI thread (ui/crash_dialog.py); without a listener one short Vietnamese line goes
to stderr. The app keeps running: everything saved is already committed, and a crash in one slot or
task leaves the others' work as it was.
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType

from counter_app.logs import current_log_file, redact
from counter_app.services.clock import utc_now

log = logging.getLogger(__name__)

WHERE_MAIN = "luồng chính"
WHERE_TASK = "tác vụ nền"


@dataclass(frozen=True)
class Crash:
    """One uncaught exception, as the dialog and the diagnostics show it (details already redacted)."""

    where: str
    error_type: str
    details: str
    at: datetime


CrashListener = Callable[[Crash], None]
_listener: CrashListener | None = None


def crash_details(error: BaseException) -> str:
    """The traceback as text, with anything shaped like citizen data replaced."""
    return redact("".join(traceback.format_exception(type(error), error, error.__traceback__)))


def log_location() -> str:
    path = current_log_file()
    return str(path) if path is not None else "(chưa có tệp nhật ký)"


def cli_message(error: BaseException) -> str:
    """The one line the CLI prints for a bug (the traceback is in the log, not on the clerk's screen)."""
    return (
        f"Lỗi: ứng dụng gặp lỗi không mong muốn ({type(error).__name__}). Dữ liệu đã lưu không bị ảnh hưởng; "
        f"thao tác vừa rồi có thể chưa xong. Chi tiết đã ghi vào nhật ký «{log_location()}». Hãy thử lại; nếu vẫn "
        "lỗi, hãy tạo gói chẩn đoán (counter-app diagnostics --out TỆP) và gửi bộ phận công nghệ thông tin của tỉnh."
    )


def set_crash_listener(listener: CrashListener | None) -> None:
    """Who is told of a crash (the GUI's crash dialog); None: one line on stderr."""
    global _listener
    _listener = listener


def report_exception(error: BaseException, where: str, *, logged: bool = False) -> Crash:
    """Log `error` (unless the caller already did, with its traceback) and tell the listener."""
    if not logged:
        log.critical("Lỗi không mong muốn (%s)", where, exc_info=(type(error), error, error.__traceback__))
    crash = Crash(where=where, error_type=type(error).__name__, details=crash_details(error), at=utc_now())
    listener = _listener
    try:
        if listener is not None:
            listener(crash)
        else:
            print(cli_message(error), file=sys.stderr, flush=True)
    except Exception:  # the report itself failed: the log has the original; never recurse into the hook
        log.exception("Không báo được lỗi không mong muốn cho người dùng")
    return crash


def _on_uncaught(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, error, tb)
        return
    report_exception(error.with_traceback(tb), WHERE_MAIN)


def _on_thread_exception(args: threading.ExceptHookArgs) -> None:
    if args.exc_type is SystemExit or args.exc_value is None:
        return
    name = args.thread.name if args.thread is not None else "?"
    report_exception(args.exc_value.with_traceback(args.exc_traceback), f"luồng nền «{name}»")


def install_crash_hooks() -> None:
    """Route uncaught exceptions of every thread here (idempotent; again after a test tool swapped them)."""
    sys.excepthook = _on_uncaught
    threading.excepthook = _on_thread_exception

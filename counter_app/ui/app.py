"""Starting the counter screens: splash, migrations, first-run setup, then the main window.

Migrations run on the main thread before the event loop (behind the splash screen), as Alembic wants.
A database that cannot be used (written by a newer version, damaged, locked, unreadable) is refused
with a Vietnamese dialog before any window and a clean exit with the CLI's exit code; the file is left
untouched. Never a dead process without a word.
"""

from __future__ import annotations

import logging
import sqlite3
import sys
import time
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt, QTimer, QTranslator
from PySide6.QtGui import QColor, QFont, QFontDatabase, QGuiApplication, QPixmap
from PySide6.QtWidgets import QApplication, QDialog, QSplashScreen
from sqlalchemy.exc import SQLAlchemyError

from counter_app.domain.errors import DomainError
from counter_app.exit_codes import exit_code_for
from counter_app.logs import setup_logging
from counter_app.paths import APP_AUTHOR, APP_NAME
from counter_app.resources import resources_dir
from counter_app.services.unit_setup import NotSetUp, load_profile
from counter_app.storage.database import Database, database_failure
from counter_app.storage.folder_lock import hold_data_folder
from counter_app.ui import palette
from counter_app.ui.audit_warning import check_audit_trail
from counter_app.ui.context import UiContext
from counter_app.ui.crash_dialog import install_crash_dialog, uninstall_crash_dialog
from counter_app.ui.database_watch import database_problem_box
from counter_app.ui.main_window import MainWindow
from counter_app.ui.scanner import ScannerListener
from counter_app.ui.settings import CounterSettings
from counter_app.ui.setup_dialog import SetupDialog
from counter_app.ui.tasks import TaskRunner
from counter_app.updates.install import install_at_start, remove_old_bundles

log = logging.getLogger(__name__)


def application(language: str = "vi") -> QApplication:
    """The application, its fonts and the screens' language ("vi" or "en": `CounterSettings.language`)."""
    from counter_app.i18n import install_language

    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    app.setOrganizationName(APP_AUTHOR)
    app.setApplicationName(APP_NAME)
    load_fonts(app)
    install_language(app, language)
    app.setApplicationDisplayName(QCoreApplication.translate("App", "Quầy một cửa"))
    return app


UPDATE_MESSAGE_MS = 120_000  # why a downloaded update was not installed, long enough to be read
QT_TRANSLATION = "i18n/qt_vi.qm"  # built from resources/i18n/qt_vi.ts by pyside6-lrelease


def install_vietnamese(app: QApplication) -> bool:
    """Qt's own texts (standard buttons, context menus, file and print dialogs) in Vietnamese, from the
    project's own translation: Qt ships none for Vietnamese. Installed once per application."""
    if app.property("counter_app_translator") is not None:
        return True
    translator = QTranslator(app)
    if not translator.load(str(resources_dir() / QT_TRANSLATION)):
        log.warning("Không nạp được bản dịch tiếng Việt của Qt: %s", resources_dir() / QT_TRANSLATION)
        return False
    app.installTranslator(translator)
    app.setProperty("counter_app_translator", translator)
    return True


def load_fonts(app: QApplication) -> None:
    """Ship-along DejaVu, so Vietnamese renders even where the system has no suitable font."""
    fonts = resources_dir() / "fonts"
    for path in sorted(fonts.glob("DejaVuSans*.ttf")):
        QFontDatabase.addApplicationFont(str(path))
    if sys.platform.startswith("linux"):
        app.setFont(QFont("DejaVu Sans", 10))


def _splash() -> QSplashScreen | None:
    """The splash while the database opens; none on a headless platform, where Qt would wait a whole
    second for an expose event that never comes (and nobody would see it anyway)."""
    if QGuiApplication.platformName() in ("offscreen", "minimal"):
        return None
    pixmap = QPixmap(460, 160)
    pixmap.fill(QColor(palette.INFO))
    splash = QSplashScreen(pixmap)
    splash.showMessage(
        "Quầy một cửa — Bưu điện\nĐang mở cơ sở dữ liệu…",
        Qt.AlignmentFlag.AlignCenter,
        QColor("white"),
    )
    splash.show()
    return splash


def settings_for(data_dir: Path) -> CounterSettings:
    """This machine's settings live beside the data, so two data folders (real and demo) never fight."""
    return CounterSettings.for_data_dir(data_dir)


def open_counter(
    data_dir: Path, demo: bool, app: QApplication, *, interactive: bool = True, splash: QSplashScreen | None = None
) -> UiContext | None:
    """Open (and migrate) the database, run the first-run setup if needed; None when the clerk cancels.

    Every way the database can fail here arrives as a `DomainError` with the clerk's message.
    """
    hold_data_folder(data_dir)  # `counter-app restore` refuses while the window is open
    db = Database.open(data_dir)
    try:
        if demo:
            from counter_app.services.demo_data import prepare_demo_unit

            prepare_demo_unit(db)
        profile = load_profile(db)
    except (SQLAlchemyError, sqlite3.Error) as error:
        db.close()
        raise database_failure(db.path, error) from error
    except NotSetUp:
        if not interactive:
            db.close()
            raise
        if splash is not None:
            splash.hide()  # the splash stays on top and would cover the setup dialog
        dialog = SetupDialog(db)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            db.close()
            return None
        assert dialog.profile is not None
        profile = dialog.profile
    context = UiContext(db=db, tasks=TaskRunner(app), profile=profile, settings=settings_for(data_dir))
    if demo:
        from counter_app.services.accounts import demo_clerk

        context.clerk = demo_clerk(db, profile.clerk_name or "Trần Thị Mai")  # the sample unit opens signed in (its accounts: docs/clerk-accounts.md)
    elif interactive and not sign_in_at_start(context):
        context.tasks.wait()
        db.close()
        return None
    return context


def sign_in_at_start(context: UiContext) -> bool:
    """The clerk signs in before the window opens (a counter without accounts first creates its
    supervisor); False when they leave instead."""
    from counter_app.services.accounts import any_account
    from counter_app.ui.accounts_dialog import FirstSupervisorDialog
    from counter_app.ui.sign_in_dialog import SignInDialog

    if not any_account(context.db) and FirstSupervisorDialog(context.db).exec() != QDialog.DialogCode.Accepted:
        return False
    dialog = SignInDialog(context.db, context.tasks, title=QCoreApplication.translate("App", "Đăng nhập quầy"),
                          clock=context.clock)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return False
    context.clerk = dialog.account
    return True


def _refuse_start(error: DomainError, splash: QSplashScreen | None, dialogs: bool) -> int:
    """Say why the counter cannot start (stderr, and a dialog when someone can close it); the exit code."""
    if splash is not None:
        splash.close()
    print(f"Lỗi: {error.message}", file=sys.stderr)
    if dialogs:
        database_problem_box(None, error).exec()
    return exit_code_for(error)


def run_gui(data_dir: Path, *, demo: bool = False, smoke: bool = False, dialogs: bool | None = None) -> int:
    """Start the counter; the exit code. `dialogs`: show a refusal in a dialog, by default unless this is
    a smoke start (installer check, CI) or a headless platform, where nobody could close it."""
    started = time.perf_counter()
    update = install_at_start(data_dir) if not demo else None  # issue 12: before the database opens
    if update is not None:
        print(update.message, file=sys.stderr)
        if update.exit_now:
            return 0
    app = application(settings_for(data_dir).language())
    setup_logging(data_dir)  # a windowed build has no console: the log file is where tracebacks go
    if dialogs is None:
        dialogs = not smoke and QGuiApplication.platformName() not in ("offscreen", "minimal")
    splash = _splash()
    app.processEvents()
    try:
        context = open_counter(data_dir, demo, app, interactive=not smoke, splash=splash)
    except DomainError as error:
        return _refuse_start(error, splash, dialogs)
    except Exception as error:  # a bug: still a dialog and a clean exit rather than a vanished window
        log.exception("Lỗi không mong đợi khi mở ứng dụng quầy")
        return _refuse_start(
            DomainError(
                f"Đã xảy ra lỗi không mong đợi khi mở ứng dụng quầy ({type(error).__name__}). Dữ liệu đã lưu "
                "không bị ảnh hưởng. Hãy thử mở lại; nếu vẫn lỗi, hãy gọi bộ phận công nghệ thông tin của tỉnh."
            ),
            splash,
            dialogs,
        )
    if context is None:
        if splash is not None:
            splash.close()
        return 0
    remove_old_bundles()  # the database opened (upgraded if needed): the previous version is no longer a way back
    install_crash_dialog(app, data_dir)  # from here on an uncaught exception opens the crash dialog
    scanner = ScannerListener(app)
    scanner.install(app)
    window = MainWindow(context, scanner)
    window.show()
    check_audit_trail(window, context.db, context.tasks)  # a break is shown, never blocks the desk
    if splash is not None:
        splash.finish(window)
    if update is not None:  # an update that could not be installed: a windowed build has no stderr to read
        window.statusBar().showMessage(update.message, UPDATE_MESSAGE_MS)
    if smoke:
        def report() -> None:
            print(f"shown_ms={(time.perf_counter() - started) * 1000:.1f}", flush=True)
            if window.statusBar().currentMessage():  # what the clerk reads first (e.g. an update not installed)
                print(f"status={window.statusBar().currentMessage()}", flush=True)
            window.close()
            app.quit()

        QTimer.singleShot(0, report)
    code = app.exec()
    uninstall_crash_dialog()
    scanner.uninstall(app)
    context.db.stop_background_checks()  # an integrity_check of a big file must not hold up the exit
    context.tasks.wait()
    context.db.close()
    return code

"""Starting the counter screens: splash, migrations, first-run setup, then the main window.

Migrations run on the main thread before the event loop (behind the splash screen), as Alembic wants;
a database from a newer version is refused with a clear message and left untouched.
"""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QColor, QFont, QFontDatabase, QGuiApplication, QPixmap
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QSplashScreen

from counter_app.domain.errors import DomainError
from counter_app.paths import APP_AUTHOR, APP_NAME
from counter_app.resources import resources_dir
from counter_app.services.unit_setup import NotSetUp, load_profile
from counter_app.storage.database import Database, NewerDatabaseError
from counter_app.ui.context import UiContext
from counter_app.ui.main_window import MainWindow
from counter_app.ui.scanner import ScannerListener
from counter_app.ui.setup_dialog import SetupDialog
from counter_app.ui.tasks import TaskRunner

log = logging.getLogger(__name__)
EXIT_NEWER_DB = 3


def application() -> QApplication:
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    app.setOrganizationName(APP_AUTHOR)
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName("Quầy một cửa")
    load_fonts(app)
    return app


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
    pixmap.fill(QColor("#0b5394"))
    splash = QSplashScreen(pixmap)
    splash.showMessage(
        "Quầy một cửa — Bưu điện\nĐang mở cơ sở dữ liệu…",
        Qt.AlignmentFlag.AlignCenter,
        QColor("white"),
    )
    splash.show()
    return splash


def settings_for(data_dir: Path) -> QSettings:
    """Window state lives beside the data, so two data folders (real and demo) never fight."""
    return QSettings(str(data_dir / "settings.ini"), QSettings.Format.IniFormat)


def open_counter(
    data_dir: Path, demo: bool, app: QApplication, *, interactive: bool = True, splash: QSplashScreen | None = None
) -> UiContext | None:
    """Open (and migrate) the database, run the first-run setup if needed; None when the clerk cancels."""
    db = Database.open(data_dir)
    if demo:
        from counter_app.services.demo_data import prepare_demo_unit

        prepare_demo_unit(db)
    try:
        profile = load_profile(db)
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
    return UiContext(db=db, tasks=TaskRunner(app), profile=profile, settings=settings_for(data_dir))


def run_gui(data_dir: Path, *, demo: bool = False, smoke: bool = False) -> int:
    started = time.perf_counter()
    app = application()
    splash = _splash()
    app.processEvents()
    try:
        context = open_counter(data_dir, demo, app, interactive=not smoke, splash=splash)
    except DomainError as error:
        if splash is not None:
            splash.close()
        print(f"Lỗi: {error.message}", file=sys.stderr)
        if not smoke and QGuiApplication.platformName() not in ("offscreen", "minimal"):
            # A smoke start (installer check, CI) or a headless run must never wait on a dialog.
            QMessageBox.critical(None, "Không mở được dữ liệu", error.message)
        return EXIT_NEWER_DB if isinstance(error, NewerDatabaseError) else 1
    if context is None:
        if splash is not None:
            splash.close()
        return 0
    scanner = ScannerListener(app)
    scanner.install(app)
    window = MainWindow(context, scanner)
    window.show()
    if splash is not None:
        splash.finish(window)
    if smoke:
        def report() -> None:
            print(f"shown_ms={(time.perf_counter() - started) * 1000:.1f}", flush=True)
            window.close()
            app.quit()

        QTimer.singleShot(0, report)
    code = app.exec()
    context.tasks.wait()
    context.db.close()
    return code

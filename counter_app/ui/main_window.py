"""The main window: navigation on the left, one screen at a time, the status bar, global shortcuts.

Laid out for 1366×768 (the common commune counter screen) and sharp on high-DPI ones. Every action
has a key: F2 intake, F3 search, F1 help; screens add their own (Ctrl+S, Ctrl+P …).

Right after it shows, and then every hour, the database checks too slow for the start run in the
background (ui/database_watch.py). The status bar and what it says (F9, the scan inbox) are ui/status_bar.py.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QWidget,
)

from counter_app.ui.backup_actions import BackupActions
from counter_app.ui.context import UiContext
from counter_app.ui.dossier_view import SHORTCUTS as DOSSIER_SHORTCUTS
from counter_app.ui.dossier_view import DossierDialog
from counter_app.ui.fees_screen import FeesScreen
from counter_app.ui.help_panel import HelpDialog
from counter_app.ui.intake_screen import IntakeScreen, UnsavedChoice
from counter_app.ui.reports_screen import ReportsScreen
from counter_app.ui.scan_inbox_watcher import ScanInboxWatcher, default_inbox_dir
from counter_app.ui.scanner import ScannerListener
from counter_app.ui.screen import Screen
from counter_app.ui.search_screen import SearchScreen
from counter_app.ui.status_bar import STATUS_MESSAGE_MS, CounterStatusBar
from counter_app.ui.sync_screen import SyncScreen
from counter_app.ui.sync_worker import SyncWorker
from counter_app.ui.worklist_screen import WorklistScreen
from counter_app.ui.worklist_steps import WorklistSteps

GLOBAL_SHORTCUTS = [  # marked for lupdate; translated in show_help
    ("F1", QT_TRANSLATE_NOOP("MainWindow", "Mở bảng phím tắt")),
    ("F2", QT_TRANSLATE_NOOP("MainWindow", "Tiếp nhận hồ sơ mới")),
    ("F3", QT_TRANSLATE_NOOP("MainWindow", "Tra cứu hồ sơ")),
    ("F4", QT_TRANSLATE_NOOP("MainWindow", "Thu phí, lệ phí: mở hồ sơ theo mã, thu tiền mặt hoặc chuyển khoản, lập và in biên lai")),
    ("F5", QT_TRANSLATE_NOOP("MainWindow", "Việc cần làm: đến hạn hôm nay, quá hạn, chờ bổ sung, chờ trả kết quả, bưu gửi")),
    ("F6", QT_TRANSLATE_NOOP("MainWindow", "Báo cáo: báo cáo ngày, sổ theo dõi hồ sơ (Mẫu 06), chỉ số QĐ 766; xuất PDF, Excel, CSV")),
    ("Ctrl+Shift+H", QT_TRANSLATE_NOOP("MainWindow", "Ghi nhật ký hỗ trợ công dân nộp hồ sơ trực tuyến")),
    ("Ctrl+Shift+K", QT_TRANSLATE_NOOP("MainWindow", "Khóa sổ cuối ngày: đếm tiền mặt theo mệnh giá, so với biên lai")),
    ("F7", QT_TRANSLATE_NOOP("MainWindow", "Xem tình trạng đồng bộ với máy chủ tỉnh")),
    ("F9", QT_TRANSLATE_NOOP("MainWindow", "Đồng bộ ngay với máy chủ tỉnh")),
    ("Ctrl+Shift+G", QT_TRANSLATE_NOOP("MainWindow", "Xung đột đồng bộ (giám sát viên): so hai bản, giữ một bản, gộp hoặc từ chối")),
    ("Ctrl+L", QT_TRANSLATE_NOOP("MainWindow", "Khóa màn hình, đổi người tiếp nhận (công việc đang làm được giữ)")),
    ("F8", QT_TRANSLATE_NOOP("MainWindow", "Tài khoản người tiếp nhận (giám sát viên)")),
    ("F10", QT_TRANSLATE_NOOP("MainWindow", "Thiết lập (giám sát viên): đơn vị, số quầy, địa chỉ tra cứu, máy in, thư mục "
                                   "quét; máy này: khổ biên lai, máy chủ tỉnh, chu kỳ đồng bộ, sao lưu, ngôn ngữ")),
    ("Ctrl+Shift+B", QT_TRANSLATE_NOOP("MainWindow", "Sao lưu ngay dữ liệu của quầy (giám sát viên); khi đóng, tự sao lưu mỗi "
                                            "ngày một lần")),
    ("Ctrl+Q", QT_TRANSLATE_NOOP("MainWindow", "Thoát ứng dụng")),
    (QT_TRANSLATE_NOOP("MainWindow", "Quét mã"), QT_TRANSLATE_NOOP("MainWindow", "Quét mã vạch trên giấy tiếp nhận: mở hồ sơ từ bất kỳ màn hình nào")),
    (QT_TRANSLATE_NOOP("MainWindow", "Quét QR"), QT_TRANSLATE_NOOP("MainWindow", "Quét mã QR trên thẻ căn cước: điền thông tin người nộp ở màn hình tiếp nhận")),
]

log = logging.getLogger(__name__)


def screen_title(screen: Screen) -> str:
    """A screen's title in the language of the screens (the titles are marked where they are defined)."""
    return QCoreApplication.translate("Screen", screen.title)


class MainWindow(QMainWindow):
    def __init__(self, context: UiContext, scanner: ScannerListener | None = None) -> None:
        super().__init__()
        self.context = context
        self._show_title()
        self.setMinimumSize(1024, 640)

        self.intake = IntakeScreen(context)
        self.search = SearchScreen(context)
        self.fees = FeesScreen(context)  # F4 (issue 10): ui/fees_screen.py
        self.worklists = WorklistScreen(context)  # F5
        self.reports = ReportsScreen(context)  # F6 (issue 11): ui/reports_screen.py
        # What each worklist step opens (WorklistScreen.NEXT_ACTIONS names, ui/worklist_steps.py); a step
        # without a handler opens the dossier.
        self.worklist_steps = WorklistSteps(context, self, self.worklists)
        self.worklist_handlers: dict[str, Callable[[str], None]] = self.worklist_steps.handlers
        self.worklists.action_requested.connect(self.worklist_action)
        self.sync_worker = SyncWorker(context, self)
        self.sync_screen = SyncScreen(context, self.sync_worker)
        self.screens: list[Screen] = [self.intake, self.search, self.fees, self.worklists, self.reports,
                                      self.sync_screen]  # F2 … F7, in this order

        self.nav = QListWidget()
        self.nav.setObjectName("navigation")
        self.nav.setFixedWidth(190)
        self.stack = QStackedWidget()
        keys = ["F2", "F3", "F4", "F5", "F6", "F7"]
        for screen, key in zip(self.screens, keys, strict=True):
            self.nav.addItem(QListWidgetItem(f"{screen_title(screen)}\t{key}"))
            self.stack.addWidget(screen)
            screen.open_dossier_requested.connect(self.open_dossier)
        self.nav.currentRowChanged.connect(self._show_row)

        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.nav)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        self.status_bar = CounterStatusBar(self, context, self.sync_worker)  # ui/status_bar.py
        self.unit_label, self.clerk_label = self.status_bar.unit_label, self.status_bar.clerk_label
        self.sync_label, self.update_label = self.status_bar.sync_label, self.status_bar.update_label
        self.database_watch, self.database_label = self.status_bar.database_watch, self.status_bar.database_label
        self._bind(QKeySequence(Qt.Key.Key_F1), self.show_help)
        self._bind(QKeySequence(Qt.Key.Key_F2), self._new_dossier)
        self._bind(QKeySequence(Qt.Key.Key_F3), lambda: self.show_screen(self.search))
        self._bind(QKeySequence(Qt.Key.Key_F4), self.show_fees)
        self._bind(QKeySequence(Qt.Key.Key_F5), self.show_worklists)
        self._bind(QKeySequence("Ctrl+Shift+H"), self.show_assist)
        self._bind(QKeySequence("Ctrl+Shift+K"), self.show_day_close)
        self._bind(QKeySequence(Qt.Key.Key_F6), lambda: self.show_screen(self.reports))
        self._bind(QKeySequence(Qt.Key.Key_F7), lambda: self.show_screen(self.sync_screen))
        self._bind(QKeySequence(Qt.Key.Key_F9), self.status_bar.sync_now)
        self._bind(QKeySequence("Ctrl+Shift+G"), self.show_conflicts)
        self._bind(QKeySequence("Ctrl+Q"), self.close)
        self._bind(QKeySequence("Ctrl+L"), self.lock)
        self._bind(QKeySequence(Qt.Key.Key_F8), self.show_accounts)
        self._bind(QKeySequence(Qt.Key.Key_F10), self.show_unit_settings)
        self.backups = BackupActions(self)  # Ctrl+Shift+B, and the daily backup on close (docs/backups.md)
        self.intake.dossier_saved.connect(self.sync_worker.refresh)
        self._close_after_save = False  # "Lưu" chosen on closing: close once the slip has been seen
        self.intake.slip_closed.connect(self._close_if_saved)
        self.fees.collected.connect(self._fees_changed)
        self.fees.day_close_requested.connect(self.show_day_close)
        self.intake.save_failed.connect(self._stay_open)
        self.sync_worker.start()
        # Scan inbox (issue 9, docs/digitisation.md): polled while the window is open.
        self.scan_inbox = ScanInboxWatcher(context, default_inbox_dir(context), self)
        self.scan_inbox.polled.connect(self.status_bar.inbox_polled)
        self.scan_inbox.start()

        if scanner is not None:
            scanner.dossier_code_scanned.connect(self._code_scanned)
            scanner.id_card_scanned.connect(self._id_card_scanned)
        self._restore_geometry()
        self.show_screen(self.intake)

    # -- navigation ------------------------------------------------------------------------------

    def _bind(self, sequence: QKeySequence, slot) -> QShortcut:
        shortcut = QShortcut(sequence, self)
        shortcut.setContext(Qt.ShortcutContext.ApplicationShortcut)
        shortcut.activated.connect(slot)
        return shortcut

    def show_screen(self, screen: Screen) -> None:
        self.nav.setCurrentRow(self.screens.index(screen))

    def _show_row(self, row: int) -> None:
        if row < 0:
            return
        self.stack.setCurrentIndex(row)
        self.screens[row].on_shown()

    def _new_dossier(self) -> None:
        """F2 from anywhere: go to intake; if intake is already showing, start a new dossier there."""
        if self.current_screen() is self.intake:
            self.intake.new_dossier()
        else:
            self.show_screen(self.intake)

    def current_screen(self) -> Screen:
        return self.screens[self.stack.currentIndex()]

    def open_dossier(self, code: str) -> None:
        """Show a dossier (from a scan, a search result or a just-saved intake)."""
        dialog = DossierDialog(self.context, code, self)
        dialog.finished.connect(self._dossier_closed)
        dialog.collect_fee_requested.connect(self.show_fees)
        dialog.open()
        self._last_dossier_dialog = dialog

    def _code_scanned(self, code: str) -> None:
        """A slip's barcode: on the fees screen it is the dossier to collect for; elsewhere it opens."""
        if self.current_screen() is self.fees:
            self.fees.load(code)
        else:
            self.open_dossier(code)

    def show_fees(self, code: str | None = None) -> None:
        """F4: the fees screen (pressed again on it: back to its code field); with `code`, on that dossier
        (from an open dossier's F4 or the worklist's "Thu phí"); from the intake screen with nothing typed,
        on the dossier just received."""
        if code is None and self.current_screen() is self.fees:
            self.fees.focus_code()
            return
        if code is None and self.current_screen() is self.intake and not self.intake.has_typed_data():
            code = self.intake.last_received or None  # fees collected at intake: right after the slip
        self.activateWindow()  # back from the dossier's dialog or the worklist, the keys come here
        self.show_screen(self.fees)
        if code:
            self.fees.load(code)

    def _fees_changed(self, _receipt: object) -> None:
        """A receipt issued or cancelled: the fees-due list and the sync state change with it."""
        self.worklists.refresh()
        self.sync_worker.refresh()

    def _dossier_closed(self, _result: int) -> None:
        if self.current_screen() is self.worklists:
            self.worklists.refresh()  # a step taken in the dossier may move it to another list

    def show_worklists(self) -> None:
        """F5: the worklists; pressed again on them, read them again."""
        if self.current_screen() is self.worklists:
            self.worklists.refresh()
        else:
            self.show_screen(self.worklists)

    def worklist_action(self, action: str, code: str) -> None:
        """A worklist row's next step: its dialog when one is wired, else the dossier itself."""
        handler = self.worklist_handlers.get(action)
        if handler is not None:
            handler(code)
            return
        self.statusBar().showMessage(self.tr("Mở hồ sơ {code} để thực hiện bước tiếp theo.").format(code=code), STATUS_MESSAGE_MS)
        self.open_dossier(code)

    def show_assist(self) -> None:
        """Ctrl+Shift+H: log a citizen helped on the national portal."""
        from counter_app.ui.assist_dialog import AssistDialog

        if not self.centralWidget().isVisible():
            return  # the desk is locked (Ctrl+L): nobody is signed in to log it
        self.assist_dialog = AssistDialog(self.context, self)
        self.assist_dialog.saved.connect(self._assist_saved)
        self.assist_dialog.open()

    def show_day_close(self) -> None:
        """Ctrl+Shift+K: count the cash and close the day (ui/day_close_dialog.py)."""
        from counter_app.ui.day_close_dialog import DayCloseDialog

        if not self.centralWidget().isVisible():
            return  # the desk is locked (Ctrl+L)
        self.day_close_dialog = DayCloseDialog(self.context, self)
        self.day_close_dialog.closed.connect(lambda _close: self.sync_worker.refresh())
        self.day_close_dialog.open()

    def _assist_saved(self, record: object) -> None:
        self.statusBar().showMessage(self.tr("Đã ghi nhật ký hỗ trợ: {applicant_name} — {label}.").format(applicant_name=record.applicant_name, label=record.outcome.label), STATUS_MESSAGE_MS)  # type: ignore[attr-defined]
        self.sync_worker.refresh()

    def _id_card_scanned(self, payload: str) -> None:
        self.show_screen(self.intake)
        self.intake.fill_from_id_card(payload)

    def show_help(self) -> None:
        shortcuts = [(self.tr(key), self.tr(text)) for key, text in GLOBAL_SHORTCUTS]
        sections = [(self.tr("Chung"), shortcuts)]
        sections += [(self.tr("Hồ sơ đang mở"), DOSSIER_SHORTCUTS)]
        sections += [(screen_title(screen), screen.shortcut_help()) for screen in self.screens if screen.shortcut_help()]
        HelpDialog(sections, self).open()

    # -- who is at the desk ------------------------------------------------------------------------

    def lock(self) -> None:
        """Ctrl+L: hide the work (kept as it is) until someone signs in. A half-typed dossier stays on the
        form; when another clerk signs in, they are asked whether to continue it under their own name or
        to clear it (it is never cleared without that answer)."""
        from counter_app.services.accounts import any_account
        from counter_app.ui.sign_in_dialog import SignInDialog

        if self.context.clerk is None and not any_account(self.context.db):
            return  # a counter without accounts has nobody to sign in
        self.centralWidget().hide()
        previous = self.context.clerk
        dialog = SignInDialog(self.context.db, self.context.tasks, self, title=self.tr("Quầy đang khóa — đăng nhập"),
                              intro=self.tr("Màn hình đã khóa; công việc đang làm được giữ nguyên. Đăng nhập để tiếp tục."),
                              can_cancel=False, clock=self.context.clock)
        self.sign_in_dialog = dialog
        dialog.finished.connect(lambda _result: self._unlocked(dialog, previous))
        dialog.open()

    def _unlocked(self, dialog, previous) -> None:
        self.sign_in_dialog = None
        if dialog.account is None:
            return
        self.context.clerk = dialog.account
        self.status_bar.show_clerk()
        self.centralWidget().show()
        changed = previous is not None and previous.username != dialog.account.username
        if changed and self.intake.has_typed_data():
            box = QMessageBox(self)
            box.setIcon(QMessageBox.Icon.Question)
            box.setWindowTitle(self.tr("Hồ sơ đang nhập dở"))
            box.setText(self.tr("Biểu mẫu có hồ sơ {full_name} đang nhập dở. Tiếp tục hồ sơ này (người tiếp nhận sẽ là {full_name2}) hay xóa để nhập hồ sơ mới?").format(full_name=previous.full_name, full_name2=dialog.account.full_name))
            keep = box.addButton(self.tr("Tiếp tục nhập (Esc)"), QMessageBox.ButtonRole.RejectRole)
            clear = box.addButton(self.tr("Xóa, nhập hồ sơ mới"), QMessageBox.ButtonRole.DestructiveRole)
            box.setDefaultButton(keep)
            box.setEscapeButton(keep)
            self.handover_box = box
            box.exec()
            self.handover_box = None
            if box.clickedButton() is clear:
                self.intake.clear_form()
        self.show_screen(self.current_screen())

    def show_accounts(self) -> None:
        """F8: the unit's accounts, for the signed-in supervisor only."""
        from counter_app.ui.accounts_dialog import AccountsDialog

        clerk = self.context.clerk
        if clerk is None or not clerk.is_supervisor:
            QMessageBox.information(self, self.tr("Tài khoản"), self.tr("Chỉ giám sát viên đã đăng nhập mới quản lý được tài khoản."))
            return
        self.accounts_dialog = AccountsDialog(self.context, self)
        self.accounts_dialog.open()

    def show_conflicts(self) -> None:
        """Ctrl+Shift+G: the province's sync conflicts, for the signed-in supervisor only."""
        from counter_app.ui.conflicts_dialog import ConflictsDialog

        clerk = self.context.clerk
        if clerk is None or not clerk.is_supervisor:
            QMessageBox.information(self, self.tr("Xung đột đồng bộ"), self.tr("Chỉ giám sát viên đã đăng nhập mới giải quyết được xung đột đồng bộ."))
            return
        self.conflicts_dialog = ConflictsDialog(self.context, self)
        self.conflicts_dialog.open()

    def show_unit_settings(self) -> None:
        """F10: the unit's settings, for the signed-in supervisor only; anyone else is told why."""
        from counter_app.ui.unit_settings_dialog import UnitSettingsDialog, refusal_text

        refusal = refusal_text(self.context)
        if refusal:
            box = QMessageBox(self)
            box.setIcon(QMessageBox.Icon.Information)
            box.setWindowTitle(self.tr("Thiết lập"))
            box.setText(refusal)
            self.unit_settings_refusal = box
            box.open()
            return
        self.unit_settings_dialog = UnitSettingsDialog(self.context, self)
        self.unit_settings_dialog.saved.connect(self._profile_changed)
        self.unit_settings_dialog.open()

    def _profile_changed(self, _profile: object) -> None:
        self._show_title()
        self.status_bar.show_unit()
        self.sync_worker.interval_ms = int(self.context.settings.sync_interval_minutes() * 60_000)  # F10, next run on

    def _show_title(self) -> None:
        profile = self.context.profile
        self.setWindowTitle(self.tr("Quầy một cửa — {unit} — Quầy {desk}").format(unit=profile.unit_name,
                                                                                 desk=profile.desk_slot))

    # -- closing -----------------------------------------------------------------------------------

    def _may_close(self) -> bool:
        if self.intake.saving:
            self._close_after_save = True  # the save in flight decides: the slip first, then close
            return False
        if not self.intake.has_typed_data():
            return True
        self.show_screen(self.intake)
        choice = self.intake.ask_about_unsaved(self.tr("thoát"))
        if choice is UnsavedChoice.DISCARD:
            return True
        if choice is UnsavedChoice.SAVE:
            self._close_after_save = True
            self.intake.save()
        return False

    def _close_if_saved(self) -> None:
        if self._close_after_save:
            self._close_after_save = False
            self.close()

    def _stay_open(self) -> None:
        self._close_after_save = False  # the save was refused: the clerk fixes the fields first

    # -- geometry --------------------------------------------------------------------------------

    def _restore_geometry(self) -> None:
        """The size the clerk left it at; the first time, the whole screen (1366×768 at most desks)."""
        saved = self.context.settings.window_geometry()
        if saved is not None and self.restoreGeometry(saved):
            return
        self.resize(1366, 768)
        self.setWindowState(self.windowState() | Qt.WindowState.WindowMaximized)

    def closeEvent(self, event: QCloseEvent) -> None:
        """Closing (Ctrl+Q, the window's X) never loses a dossier being typed: it asks first."""
        if not self._may_close():
            event.ignore()
            return
        self.sync_worker.stop()
        self.scan_inbox.stop()
        self.database_watch.timer.stop()
        self.backups.at_close()
        self.context.settings.set_window_geometry(self.saveGeometry())
        super().closeEvent(event)

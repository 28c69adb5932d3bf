"""The main window's status bar: where the desk stands, always in view.

Left to right: the unit and desk, who is signed in, the sync state (sync_worker's text), an update waiting
(issue 12), the database checks (ui/database_watch.py) and, on the right, the clock. Its messages say how a
sync started with F9 ended (never nothing: not enrolled, offline…), what can never be sent again after any
run, and what the scan inbox took in. Its texts keep the MainWindow context of counter_en.ts, where they
were marked.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt, QTimer
from PySide6.QtWidgets import QLabel, QMainWindow, QStatusBar

from counter_app.domain.formats import clock_text
from counter_app.services.clock import utc_now
from counter_app.services.scan_inbox import InboxReport
from counter_app.ui.context import UiContext
from counter_app.ui.database_watch import DatabaseWatch
from counter_app.ui.scan_inbox_watcher import report_text
from counter_app.ui.sync_worker import RunOutcome, SyncWorker, outcome_text
from counter_app.updates.offer import update_status

STATUS_MESSAGE_MS = 30_000  # an F9 answer stays long enough to be read
CLOCK_MS = 15_000


class CounterStatusBar(QStatusBar):
    """The labels of the window's status bar and the messages it shows; set on the window it is built for."""

    def __init__(self, window: QMainWindow, context: UiContext, sync_worker: SyncWorker) -> None:
        super().__init__(window)
        window.setStatusBar(self)
        self.context = context
        self.sync_worker = sync_worker
        self.unit_label = QLabel()
        self.show_unit()
        self.clerk_label = QLabel()
        self.show_clerk()
        self.sync_label = QLabel(QCoreApplication.translate("MainWindow", "Đồng bộ: đang đọc tình trạng…"))
        self.sync_label.setTextFormat(Qt.TextFormat.RichText)
        self.clock_label = QLabel()
        self.database_watch = DatabaseWatch(window)  # hourly background checks (ui/database_watch.py)
        self.database_label = self.database_watch.label
        self.update_label = QLabel()
        self.show_update()
        for label in (self.unit_label, self.clerk_label, self.sync_label, self.update_label, self.database_label):
            self.addWidget(label)
        self.addPermanentWidget(self.clock_label)
        self._tick()
        self._clock = QTimer(self)
        self._clock.timeout.connect(self._tick)
        self._clock.start(CLOCK_MS)
        self._f9_pending = False
        self._inbox_waiting: list = []
        sync_worker.text_changed.connect(self.sync_label.setText)
        sync_worker.run_finished.connect(self._sync_finished)
        sync_worker.run_finished.connect(self.show_update)  # issue 12: «Có phiên bản mới …»

    def show_unit(self) -> None:
        profile = self.context.profile
        self.unit_label.setText(QCoreApplication.translate("MainWindow", "{unit_name} ({unit_code}) · Quầy {desk_slot}").format(unit_name=profile.unit_name, unit_code=profile.unit_code, desk_slot=profile.desk_slot))

    def show_clerk(self) -> None:
        clerk = self.context.clerk
        name = clerk.full_name if clerk is not None else self.context.profile.clerk_name
        self.clerk_label.setText(QCoreApplication.translate("MainWindow", "Người tiếp nhận: {name}").format(name=name or "—"))

    def show_update(self, _outcome: object = None) -> None:
        text = update_status(self.sync_worker.data_dir).short_text()
        self.update_label.setText(text)
        self.update_label.setVisible(bool(text))

    def _tick(self) -> None:
        self.clock_label.setText(clock_text(utc_now()))

    def sync_now(self) -> None:
        """F9: sync now, and say here how it ended (never nothing: not enrolled, offline…)."""
        self._f9_pending = True
        if self.sync_worker.sync_now():
            self.showMessage(QCoreApplication.translate("MainWindow", "Đang đồng bộ với máy chủ tỉnh…"))
        else:
            self.showMessage(QCoreApplication.translate("MainWindow", "Đang đồng bộ với máy chủ tỉnh; kết quả sẽ hiện khi phiên này xong."))

    def _sync_finished(self, outcome: RunOutcome) -> None:
        """After F9, how the run ended; after any run, what can never be sent again (kept in the F7 journal too)."""
        report = outcome.report
        if self._f9_pending or (report is not None and report.losses()):
            self._f9_pending = False
            self.showMessage(outcome_text(outcome), STATUS_MESSAGE_MS)

    def inbox_polled(self, report: InboxReport) -> None:
        """What the scan inbox took in or could not, said once (not again while the same files wait)."""
        text = report_text(report)
        if text and (report.added or report.problems or report.waiting != self._inbox_waiting):
            self.showMessage(text, STATUS_MESSAGE_MS)
        self._inbox_waiting = report.waiting

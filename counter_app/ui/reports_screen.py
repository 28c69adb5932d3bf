"""Báo cáo (F6): the supervisor's reports on screen, each figure open to the dossiers that make it.

Three reports, each on a key: Ctrl+1 the daily report (one day or a range), Ctrl+2 the Sổ theo dõi hồ sơ
(Mẫu 06), Ctrl+3 the QĐ 766 indicators. The period is two dd/MM/yyyy fields; Alt+←/Alt+→ step a day,
Ctrl+PgUp/Ctrl+PgDn a calendar month; Ctrl+R (or Enter in a date) makes the report. It runs in the
background (ui/report_runner.py) with a progress bar; Esc stops it and nothing of it is shown.

Enter on a figure lists its dossiers (services.reports.dossiers_behind, the same rule that counted
them); Enter on a dossier opens it the way every screen does (`open_dossier_requested`); Esc goes back
to the figures. Ctrl+Shift+P/E/C export the report shown to PDF/XLSX/CSV (reports.export_*) in a file
the person picks, starting in the folder of the last export (ui/report_exports.py).
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QDate, QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from counter_app.domain.errors import ValidationError
from counter_app.domain.formats import to_office
from counter_app.reports import export_labels
from counter_app.reports.export_labels import NO_DOSSIERS, Report, kind_of
from counter_app.reports.model import DailyReport, KpiReport, Period, Register, ReportKind, Scope
from counter_app.reports.period_input import report_period
from counter_app.ui import palette
from counter_app.ui.context import UiContext
from counter_app.ui.messages import error_text
from counter_app.ui.report_chart import on_time_bars, on_time_chart, received_bars, received_chart
from counter_app.ui.report_exports import EXPORTS, ReportExporter
from counter_app.ui.report_kinds import KIND_NAMES, KIND_PHRASES, KINDS, build_report
from counter_app.ui.report_runner import ReportRun
from counter_app.ui.report_tables import (
    DossierLineTable,
    FigureTable,
    KeyedTable,
    RegisterTable,
    daily_lines,
    desk_titles,
    kpi_lines,
)
from counter_app.ui.screen import Screen

ALL_DESKS = Scope()
FIRST_DESK_COLUMN = 2  # the figure table: label, total, then a column per desk (report_tables.FigureTable)
RUNNING = QT_TRANSLATE_NOOP("reports_screen", "Đang lập {name}… (Esc để hủy)")
CANCELLED = QT_TRANSLATE_NOOP("reports_screen", "Đã hủy lập báo cáo; không có số liệu nào được hiển thị.")
NOTHING_TO_EXPORT = QT_TRANSLATE_NOOP("reports_screen", "Chưa có báo cáo để xuất: hãy lập báo cáo trước (Ctrl+R).")
_ENTER_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
_PERIOD_KEYS = "Alt+←/→: ngày trước/sau · Ctrl+PgUp/PgDn: tháng trước/sau"
FIGURES_HINT = f"Enter: xem hồ sơ của chỉ tiêu (trên cột một quầy: hồ sơ của quầy đó) · {_PERIOD_KEYS}"
REGISTER_HINT = f"Enter: mở hồ sơ · {_PERIOD_KEYS}"


def period_text(period: Period) -> str:
    """The exports' wording of the period (export_labels), inside a sentence: «từ ngày … đến ngày …»."""
    text = export_labels.period_text(period)
    return text[0].lower() + text[1:]


def month_of(day: date, step: int) -> Period:
    """The calendar month `step` months from the one holding `day`."""
    months = day.year * 12 + day.month - 1 + step
    first = date(months // 12, months % 12 + 1, 1)
    after = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return Period(first, after - timedelta(days=1))


def _date_edit(name: str) -> QDateEdit:
    edit = QDateEdit()
    edit.setObjectName(name)
    edit.setDisplayFormat("dd/MM/yyyy")
    edit.setCalendarPopup(True)
    return edit


class ReportsScreen(Screen):
    """The F6 page. `shown_report` is the report on screen (None while none, or while one runs)."""

    title = QT_TRANSLATE_NOOP("Screen", "Báo cáo")  # translated where shown (main window)
    report_shown = Signal(object)
    dossiers_listed = Signal()
    exported = Signal(object)  # the Path written

    def __init__(self, context: UiContext) -> None:
        super().__init__(context)
        self.kind = ReportKind.DAILY
        self.shown_report: Report | None = None
        self.listed_key: str | None = None
        self.listed_scope = ALL_DESKS  # the desk whose dossiers are listed (Enter on its column), or all
        self.exporter = ReportExporter(context, self)  # Ctrl+Shift+P/E/C: ui/report_exports.py
        self.exporter.said.connect(self._say)
        self.exporter.exported.connect(self.exported)
        self.exporter.dialog_closed.connect(self._focus_report)
        self.runner = ReportRun(context.tasks, self)
        self.runner.progressed.connect(self._progressed)
        self.runner.done.connect(self._show)
        self.runner.cancelled.connect(self._cancelled)
        self.runner.failed.connect(self._failed)

        self.kind_buttons = QButtonGroup(self)
        top = QHBoxLayout()
        for n, (kind, name, keys) in enumerate(KINDS):
            button = QPushButton(f"{name} ({keys})")
            button.setObjectName(f"report_kind_{kind.value}")
            button.setCheckable(True)
            button.setAutoDefault(False)
            button.clicked.connect(lambda _checked=False, k=kind: self.choose(k))
            self.kind_buttons.addButton(button, n)
            top.addWidget(button)
            self._shortcut(keys, lambda k=kind: self.choose(k))
        self.kind_buttons.button(0).setChecked(True)
        top.addStretch(1)
        self.start_edit = _date_edit("report_from")
        self.end_edit = _date_edit("report_to")
        for label, edit in ((self.tr("Từ &ngày"), self.start_edit), (self.tr("Đến n&gày"), self.end_edit)):
            caption = QLabel(label)
            caption.setBuddy(edit)
            top.addWidget(caption)
            top.addWidget(edit)
            edit.installEventFilter(self)
        run_button = QPushButton(self.tr("Lập báo cáo (Ctrl+R)"))
        run_button.setObjectName("report_run")
        run_button.setAutoDefault(False)
        run_button.clicked.connect(self.run)
        top.addWidget(run_button)

        self.progress = QProgressBar()
        self.progress.setObjectName("report_progress")
        self.progress.setTextVisible(True)
        self.progress.hide()
        self.status = QLabel(self.tr("Chọn loại báo cáo và kỳ báo cáo, rồi bấm Ctrl+R."))
        self.status.setObjectName("report_status")
        self.status.setWordWrap(True)

        self.figures = FigureTable()
        self.figures.setObjectName("report_figures")
        self.received = received_chart()
        self.on_time = on_time_chart()
        charts = QSplitter(Qt.Orientation.Vertical)
        charts.addWidget(self.received)
        charts.addWidget(self.on_time)
        self.figures_page = figures_page = QSplitter(Qt.Orientation.Horizontal)
        figures_page.addWidget(self.figures)
        figures_page.addWidget(charts)
        figures_page.setSizes([520, 480])
        self.register_table = RegisterTable()
        self.register_table.setObjectName("report_register")
        self.pages = QStackedWidget()
        self.pages.addWidget(figures_page)
        self.pages.addWidget(self.register_table)

        self.behind_title = QLabel()
        self.behind_title.setObjectName("report_behind_title")
        self.behind = DossierLineTable()
        self.behind.setObjectName("report_behind")
        self.behind_panel = QWidget()
        behind_layout = QVBoxLayout(self.behind_panel)
        behind_layout.setContentsMargins(0, 0, 0, 0)
        behind_layout.addWidget(self.behind_title)
        behind_layout.addWidget(self.behind, 1)
        self.behind_panel.hide()
        body = QSplitter(Qt.Orientation.Vertical)
        body.addWidget(self.pages)
        body.addWidget(self.behind_panel)

        bottom = QHBoxLayout()
        self.hint = hint = QLabel(FIGURES_HINT)
        hint.setObjectName("report_hint")
        hint.setStyleSheet(palette.HINT_STYLE)
        hint.setWordWrap(True)
        bottom.addWidget(hint, 1)
        self.export_buttons: dict[str, QPushButton] = {}
        for fmt, name, keys in EXPORTS:
            button = QPushButton(f"{name} ({keys})")
            button.setObjectName(f"report_export_{fmt}")
            button.setAutoDefault(False)
            button.clicked.connect(lambda _checked=False, f=fmt: self.export(f))
            self.export_buttons[fmt] = button
            bottom.addWidget(button)
            self._shortcut(keys, lambda f=fmt: self.export(f))

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(body, 1)
        layout.addLayout(bottom)
        for table in (self.figures, self.register_table, self.behind):
            table.installEventFilter(self)
            table.doubleClicked.connect(lambda _index, t=table: self._enter(t))
        self._shortcut("Ctrl+R", self.run)
        self._shortcut("Esc", self.escape)
        self._shortcut("Alt+Left", lambda: self.step_day(-1))
        self._shortcut("Alt+Right", lambda: self.step_day(1))
        self._shortcut("Ctrl+PgUp", lambda: self.step_month(-1))
        self._shortcut("Ctrl+PgDown", lambda: self.step_month(1))
        self.set_period(Period.day(self.today()))

    def _shortcut(self, keys: str, slot) -> None:
        shortcut = QShortcut(QKeySequence(keys), self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(slot)

    # -- the period ------------------------------------------------------------------------------

    def today(self) -> date:
        return to_office(self.context.clock()).date()

    def period(self) -> Period | None:
        """The period typed, or None after saying what is wrong with it."""
        start, end = self.start_edit.date().toPython(), self.end_edit.date().toPython()
        try:
            return report_period(start, end)  # in order, at most a year, sane years: as the CLI and the server
        except ValidationError as error:
            self._say(error.message, palette.ERROR)
            return None

    def set_period(self, period: Period) -> None:
        self.start_edit.setDate(QDate(period.start))
        self.end_edit.setDate(QDate(period.end))

    def step_day(self, step: int) -> None:
        """Alt+←/→: the day before/after the period's first day, and make its report."""
        day = self.start_edit.date().toPython() + timedelta(days=step)
        self.set_period(Period.day(day))
        self.run()

    def step_month(self, step: int) -> None:
        self.set_period(month_of(self.start_edit.date().toPython(), step))
        self.run()

    # -- making a report -------------------------------------------------------------------------

    def on_shown(self) -> None:
        self.figures.setFocus(Qt.FocusReason.ShortcutFocusReason)
        if self.shown_report is None and not self.runner.running:
            self.run()

    def choose(self, kind: ReportKind) -> None:
        """Ctrl+1/2/3: another report over the same period."""
        self.kind = kind
        self.kind_buttons.button([k for k, _, _ in KINDS].index(kind)).setChecked(True)
        self.run()

    def run(self) -> None:
        period = self.period()
        self._clear()
        if period is None:
            return
        kind, db = self.kind, self.context.db
        self.progress.setRange(0, 0)  # busy until the engine's first step says how many there are
        self.progress.show()
        self._say(QCoreApplication.translate("reports_screen", RUNNING).format(name=QCoreApplication.translate("reports_screen", KIND_PHRASES[kind])))
        self.runner.start(lambda progress: build_report(db, kind, period, progress))

    def escape(self) -> None:
        """Esc: stop the running report; else from a list of dossiers back to the figures."""
        if self.runner.cancel():
            self._say(self.tr("Đang hủy…"))
            return
        if self.behind.hasFocus():
            self.behind_panel.hide()
            self.figures.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def _clear(self) -> None:
        """Nothing of an older report stays while a new one is made (or after it was cancelled)."""
        self.shown_report = None
        self.figures.set_lines([])
        self.register_table.set_rows([])
        self.received.clear()
        self.on_time.clear()
        self.behind_panel.hide()
        self.behind.set_dossiers([])
        self.listed_key = None

    def _progressed(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(min(done, total))

    def _show(self, report: Report) -> None:
        self.progress.hide()
        self.shown_report = report
        days = report.period.days()
        self.hint.setText(REGISTER_HINT if isinstance(report, Register) else FIGURES_HINT)
        if isinstance(report, Register):
            self.pages.setCurrentWidget(self.register_table)
            self.register_table.set_rows(report.rows)
            self.register_table.setFocus(Qt.FocusReason.OtherFocusReason)
            count = self.tr("{len} hồ sơ").format(len=len(report.rows)) if report.rows else NO_DOSSIERS[0].lower() + NO_DOSSIERS[1:]
            self._say(self.tr("Sổ theo dõi hồ sơ {period_text}: {count}.").format(period_text=period_text(report.period), count=count))
        else:
            self.pages.setCurrentIndex(0)
            kpi = isinstance(report, KpiReport)
            self.received.setVisible(not kpi)  # the daily report has the channels per day; the KPI the rates
            self.on_time.setVisible(kpi)
            if isinstance(report, KpiReport):
                self.figures.set_lines(kpi_lines(report))
                self.on_time.set_bars(on_time_bars(report.on_time_per_day, days))
            else:
                desks = desk_titles(report)
                self.figures.set_lines(daily_lines(report), desks)
                if desks:  # a column per desk: the table takes most of the width, the chart the rest
                    self.figures_page.setSizes([3 * self.width() // 4, self.width() // 4])
                self.received.set_bars(received_bars(report.received_per_day, days))
            self.figures.setFocus(Qt.FocusReason.OtherFocusReason)
            self._say(f"{KIND_NAMES[kind_of(report)]} {period_text(report.period)}.")
        self.report_shown.emit(report)

    def _cancelled(self) -> None:
        self.progress.hide()
        self._clear()
        self._say(QCoreApplication.translate("reports_screen", CANCELLED), palette.WARNING)

    def _failed(self, error: Exception) -> None:
        self.progress.hide()
        self._clear()
        self._say(self.tr("Không lập được báo cáo: {error_text}").format(error_text=error_text(error)), palette.ERROR)

    def _say(self, text: str, colour: str | None = None) -> None:
        self.status.setStyleSheet(f"color: {colour};" if colour else "")
        self.status.setText(text)

    # -- the dossiers behind a figure ------------------------------------------------------------

    def list_dossiers(self, key: str, scope: Scope = ALL_DESKS, where: str = "") -> None:
        """The dossiers the figure `key` counts, over the shown report's period, in the panel below: of every
        desk, or of `scope`'s desk (Enter on that desk's column; `where` names it)."""
        report = self.shown_report
        line = self.figures.line_of(key)
        if report is None or line is None or not line.opens:
            return
        self.listed_key = key
        self.listed_scope = scope
        label = f"{line.label} · {where}" if where else line.label
        self.behind_title.setText(self.tr("Đang tải hồ sơ của «{label}»…").format(label=label))
        self.behind.set_dossiers([])
        self.behind_panel.show()
        db, period = self.context.db, report.period

        def behind() -> Any:
            from counter_app.services import reports

            return reports.dossiers_behind(db, key, period, scope)

        self.context.tasks.run(behind, lambda lines: self._listed(label, lines), self._list_failed,
                               owner=self, request="behind")

    def desk_of_column(self, column: int) -> tuple[Scope, str]:
        """The desk whose column `column` of the figure table is (the total's and the label's: every desk)."""
        report = self.shown_report
        titles = desk_titles(report) if isinstance(report, DailyReport) else ()
        index = column - FIRST_DESK_COLUMN
        if not isinstance(report, DailyReport) or not 0 <= index < len(titles):
            return ALL_DESKS, ""
        desk = report.desks[index]
        return Scope(unit_code=desk.unit_code, desk_slot=desk.desk_slot), titles[index]

    def _listed(self, label: str, lines: list) -> None:
        report = self.shown_report
        when = period_text(report.period) if report is not None else ""
        self.behind_title.setText(self.tr("«{label}» {when}: {len} hồ sơ · Enter: mở hồ sơ · Esc: quay lại").format(label=label, when=when, len=len(lines)))
        self.behind.set_dossiers(lines)
        self.behind.setFocus(Qt.FocusReason.OtherFocusReason)
        self.dossiers_listed.emit()

    def _list_failed(self, error: Exception) -> None:
        self.behind_title.setText(self.tr("Không tải được danh sách hồ sơ: {error_text}").format(error_text=error_text(error)))

    def _enter(self, table: KeyedTable) -> None:
        key = table.current_key()
        if key is None:
            return
        if table is self.figures:
            self.list_dossiers(key, *self.desk_of_column(table.currentIndex().column()))
        else:
            self.open_dossier_requested.emit(key)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return False
        if event.key() not in _ENTER_KEYS or event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            return False
        if watched in (self.start_edit, self.end_edit):
            self.run()
            return True
        if isinstance(watched, KeyedTable):
            self._enter(watched)
            return True
        return False

    # -- exports ---------------------------------------------------------------------------------

    def export(self, fmt: str) -> None:
        """Ctrl+Shift+P/E/C: ask where (a save dialog at the last export's folder), then write."""
        report = self.shown_report
        if report is None:
            self._say(QCoreApplication.translate("reports_screen", NOTHING_TO_EXPORT), palette.WARNING)
            return
        title = self.tr("Lưu {value} ({upper})").format(value=QCoreApplication.translate("reports_screen", KIND_PHRASES[kind_of(report)]), upper=fmt.upper())
        self.exporter.ask(report, fmt, title)

    @property
    def export_dialog(self) -> QFileDialog | None:
        """The save dialog of the last export asked for (the GUI tests answer it)."""
        return self.exporter.dialog

    def _focus_report(self) -> None:
        """Back from a dialog: the keys go to the report's table again."""
        self.activateWindow()
        table = self.register_table if self.pages.currentWidget() is self.register_table else self.figures
        table.setFocus(Qt.FocusReason.OtherFocusReason)

    def export_to(self, report: Report, fmt: str, path: Path) -> None:
        """Write `report` to `path` without asking (what the save dialog does once a file is chosen)."""
        self.exporter.write(report, fmt, path)

    def shortcut_help(self) -> list[tuple[str, str]]:
        keys = [(keys, self.tr("Lập {value}").format(value=QCoreApplication.translate("reports_screen", KIND_PHRASES[kind]))) for kind, _, keys in KINDS]
        keys += [("Ctrl+R", self.tr("Lập lại báo cáo cho kỳ đã chọn")), ("Alt+← / Alt+→", self.tr("Báo cáo ngày trước / ngày sau")),
                 ("Ctrl+PgUp / Ctrl+PgDn", self.tr("Báo cáo tháng trước / tháng sau")),
                 ("Enter", self.tr("Xem hồ sơ của chỉ tiêu; trong danh sách: mở hồ sơ")),
                 ("Esc", self.tr("Hủy báo cáo đang lập; quay lại bảng chỉ tiêu"))]
        keys += [(keys, self.tr("{name} báo cáo đang xem").format(name=name)) for _, name, keys in EXPORTS]
        return keys

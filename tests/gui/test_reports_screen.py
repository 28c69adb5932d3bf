"""The reports screen (F6) on the demo unit, in the real main window, with the keyboard: its figures are
the engine's (services.reports), Enter lists exactly the dossiers behind a figure and opens one, Esc
stops a report being made (nothing of it shown), and an export is written and read back."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import openpyxl
import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from counter_app.reports.figures import DAILY_FIGURES, FIGURES_BY_KEY
from counter_app.reports.model import KpiReport, Period
from counter_app.services import reports
from counter_app.services.demo_data import prepare_demo_unit
from counter_app.storage.database import Database
from counter_app.ui.context import UiContext
from counter_app.ui.dossier_view import DossierDialog
from counter_app.ui.main_window import MainWindow
from counter_app.ui.report_tables import indicator_text, value_text
from counter_app.ui.reports_screen import CANCELLED, ReportsScreen
from tests.gui.conftest import make_context, press

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
ALT = Qt.KeyboardModifier.AltModifier
WAIT = 20_000


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> Iterator[Database]:
    """The demo unit (300 dossiers over the last 30 office days, returns, fees), made once: the screen
    only reads it."""
    db = Database.open(tmp_path_factory.mktemp("demo"))
    prepare_demo_unit(db)
    yield db
    db.close()


@pytest.fixture
def context(qapp, demo_db: Database, tmp_path: Path) -> Iterator[UiContext]:
    context = make_context(demo_db, tmp_path)
    yield context
    context.tasks.wait()


@pytest.fixture
def window(qtbot, context: UiContext) -> Iterator[MainWindow]:
    main = MainWindow(context)
    qtbot.addWidget(main)
    main.show()
    main.resize(1366, 768)
    qtbot.waitExposed(main)
    main.activateWindow()
    yield main


def focused():
    return QApplication.focusWidget()


def last_month(screen: ReportsScreen) -> Period:
    today = screen.today()
    return Period(today - timedelta(days=30), today)


def show_report(qtbot, screen: ReportsScreen, period: Period) -> None:
    """Type nothing: set the two dates, Ctrl+R, and wait for that period's report."""
    screen.set_period(period)
    press(focused() or screen, Qt.Key.Key_R, CTRL)
    qtbot.waitUntil(lambda: screen.shown_report is not None and screen.shown_report.period == period, timeout=WAIT)


def open_f6(qtbot, window: MainWindow) -> ReportsScreen:
    press(focused() or window, Qt.Key.Key_F6)
    screen = window.reports
    qtbot.waitUntil(lambda: window.current_screen() is screen and screen.shown_report is not None, timeout=WAIT)
    return screen


def select_figure(screen: ReportsScreen, key: str) -> None:
    screen.figures.selectRow(screen.figures.keys().index(key))
    screen.figures.setFocus()


def test_f6_shows_the_demo_units_figures_as_the_engine_counts_them(qtbot, window: MainWindow) -> None:
    screen = open_f6(qtbot, window)
    assert screen.shown_report.period == Period.day(screen.today())  # F6 opens on today's report
    period = last_month(screen)
    show_report(qtbot, screen, period)

    report = reports.daily_report(window.context.db, period)
    expected = report.total.values
    assert expected["received_total"] > 0  # the demo unit's month has dossiers: the comparison says something
    for figure in DAILY_FIGURES:
        assert screen.figures.value_of(figure.key) == value_text(figure, expected[figure.key]), figure.key
    assert len(report.desks) > 1  # the demo unit's history holds several desks: the total, then a column each
    model = screen.figures.model()
    assert model.headerData(1, Qt.Orientation.Horizontal) == "Tổng cộng"
    for column, desk in enumerate(report.desks, start=2):
        assert model.headerData(column, Qt.Orientation.Horizontal) == f"Quầy {desk.desk_slot}"
        for row, key in enumerate(screen.figures.keys()):
            if key is not None:
                assert model.index(row, column).data() == value_text(FIGURES_BY_KEY[key], desk.values[key]), key
    assert sum(bar.height for bar in screen.received.bars) == expected["received_total"]


def test_enter_lists_exactly_the_dossiers_behind_a_figure_and_enter_opens_one(qtbot, window: MainWindow) -> None:
    screen = open_f6(qtbot, window)
    period = last_month(screen)
    show_report(qtbot, screen, period)
    db = window.context.db
    counted = reports.daily_report(db, period).total.values["received_total"]

    select_figure(screen, "received_total")
    press(screen.figures, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: screen.listed_key == "received_total" and focused() is screen.behind, timeout=WAIT)
    listed = screen.behind.keys()
    assert listed == [line.code for line in reports.dossiers_behind(db, "received_total", period)]
    assert len(listed) == len(set(listed)) == counted

    screen.behind.selectRow(1)
    press(screen.behind, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: isinstance(getattr(window, "_last_dossier_dialog", None), DossierDialog), timeout=WAIT)
    dialog = window._last_dossier_dialog
    assert dialog.code == listed[1]
    dialog.reject()

    screen.behind.setFocus()
    press(screen.behind, Qt.Key.Key_Escape)  # back to the figures
    assert focused() is screen.figures and not screen.behind_panel.isVisible()


def test_the_register_lists_the_engines_rows_and_opens_a_dossier(qtbot, window: MainWindow) -> None:
    screen = open_f6(qtbot, window)
    period = last_month(screen)
    screen.set_period(period)
    press(focused(), Qt.Key.Key_2, CTRL)
    qtbot.waitUntil(lambda: screen.shown_report is not None and screen.shown_report.period == period, timeout=WAIT)
    rows = reports.register(window.context.db, period).rows
    assert rows and screen.register_table.keys() == [row.code for row in rows]
    assert focused() is screen.register_table
    press(screen.register_table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: isinstance(getattr(window, "_last_dossier_dialog", None), DossierDialog), timeout=WAIT)
    assert window._last_dossier_dialog.code == rows[0].code
    window._last_dossier_dialog.reject()


def test_ctrl_3_shows_the_indicators_as_the_engine_rates_them(qtbot, window: MainWindow) -> None:
    screen = open_f6(qtbot, window)
    period = last_month(screen)
    screen.set_period(period)
    press(focused(), Qt.Key.Key_3, CTRL)
    qtbot.waitUntil(lambda: isinstance(screen.shown_report, KpiReport) and screen.shown_report.period == period,
                    timeout=WAIT)
    expected = reports.kpi_report(window.context.db, period).total
    assert expected.counts["received_total"] > 0
    for key, indicator in expected.indicators.items():
        assert screen.figures.value_of(key) == indicator_text(indicator), key
    assert screen.on_time.isVisible() and not screen.received.isVisible()
    assert len(screen.on_time.bars) == len(period.days())

    select_figure(screen, "received_postal")  # a count the daily report has too: it opens its dossiers
    press(screen.figures, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: screen.listed_key == "received_postal" and focused() is screen.behind, timeout=WAIT)
    assert len(screen.behind.keys()) == expected.counts["received_postal"]


def test_keys_step_a_day_and_a_month_and_a_bad_period_is_refused(qtbot, context: UiContext) -> None:
    screen = ReportsScreen(context)
    qtbot.addWidget(screen)
    screen.show()
    qtbot.waitExposed(screen)
    screen.activateWindow()
    qtbot.waitUntil(screen.isActiveWindow, timeout=WAIT)
    screen.figures.setFocus()
    today = screen.today()
    press(screen.figures, Qt.Key.Key_Left, ALT)
    qtbot.waitUntil(lambda: screen.shown_report is not None, timeout=WAIT)
    assert screen.shown_report.period == Period.day(today - timedelta(days=1))

    press(focused() or screen, Qt.Key.Key_PageUp, CTRL)
    qtbot.waitUntil(lambda: screen.shown_report is not None and screen.shown_report.period.start.day == 1, timeout=WAIT)
    shown = screen.shown_report.period
    assert shown.end.month == shown.start.month and (shown.end + timedelta(days=1)).day == 1
    assert shown.start < today.replace(day=1)

    screen.set_period(Period(today, today))
    screen.start_edit.setDate(screen.start_edit.date().addDays(1))  # from tomorrow to today
    press(screen.figures, Qt.Key.Key_R, CTRL)
    assert "trước «Từ ngày»" in screen.status.text() and screen.shown_report is None
    assert not screen.runner.running
    screen.set_period(Period(today - timedelta(days=400), today))
    press(screen.figures, Qt.Key.Key_R, CTRL)
    assert "tối đa 366 ngày" in screen.status.text() and not screen.runner.running


def test_esc_stops_a_report_being_made_and_shows_nothing_of_it(qtbot, context: UiContext) -> None:
    screen = ReportsScreen(context)
    qtbot.addWidget(screen)
    screen.show()
    qtbot.waitExposed(screen)
    screen.activateWindow()
    qtbot.waitUntil(screen.isActiveWindow, timeout=WAIT)
    screen.figures.setFocus()
    screen.set_period(last_month(screen))

    in_step, go = threading.Event(), threading.Event()
    steps: list[int] = []

    def hold_first_step(done: int, _total: int) -> None:  # on the worker thread, inside the engine's step
        steps.append(done)
        if len(steps) == 1:
            in_step.set()
            go.wait(WAIT / 1000)

    screen.runner.stepped.connect(hold_first_step, Qt.ConnectionType.DirectConnection)
    press(screen.figures, Qt.Key.Key_R, CTRL)
    qtbot.waitUntil(in_step.is_set, timeout=WAIT)
    assert screen.progress.isVisible()
    press(screen.figures, Qt.Key.Key_Escape)
    go.set()
    qtbot.waitUntil(lambda: screen.status.text() == CANCELLED, timeout=WAIT)
    assert len(steps) == 1  # the engine went no step further
    assert screen.shown_report is None and screen.figures.rowCount() == 0 and not screen.received.bars
    assert not screen.progress.isVisible()

    screen.runner.stepped.disconnect(hold_first_step)
    press(screen.figures, Qt.Key.Key_R, CTRL)  # and the next report is made whole
    qtbot.waitUntil(lambda: screen.shown_report is not None, timeout=WAIT)


def export_with_keys(qtbot, screen: ReportsScreen, key: Qt.Key, path: Path) -> None:
    press(focused() or screen, key, CTRL | SHIFT)
    qtbot.waitUntil(lambda: screen.export_dialog is not None and screen.export_dialog.isVisible(), timeout=WAIT)
    dialog = screen.export_dialog
    dialog.selectFile(str(path))
    with qtbot.waitSignal(screen.exported, timeout=WAIT):
        dialog.accept()
    qtbot.waitUntil(lambda: focused() is screen.figures, timeout=WAIT)  # the keys are back on the report


def test_an_export_is_written_where_the_person_picks_and_reads_back(qtbot, window: MainWindow,
                                                                      tmp_path: Path) -> None:
    screen = open_f6(qtbot, window)
    period = last_month(screen)
    show_report(qtbot, screen, period)
    total = reports.daily_report(window.context.db, period).total.values["received_total"]

    xlsx = tmp_path / "ra" / "bao-cao.xlsx"
    xlsx.parent.mkdir()
    export_with_keys(qtbot, screen, Qt.Key.Key_E, xlsx)
    book = openpyxl.load_workbook(xlsx)
    cells = [(cell.value, row) for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    rows = [row for value, row in cells if value == "Tổng số hồ sơ tiếp nhận"]
    assert rows and total in [cell.value for cell in rows[0]]
    assert window.context.settings.last_report_dir(Path("/")) == xlsx.parent  # the next export starts there

    csv = tmp_path / "ra" / "bao-cao.csv"
    export_with_keys(qtbot, screen, Qt.Key.Key_C, csv)
    data = csv.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and "Tiếp nhận trực tiếp" in data.decode("utf-8-sig")

    pdf = tmp_path / "ra" / "bao-cao.pdf"
    export_with_keys(qtbot, screen, Qt.Key.Key_P, pdf)
    text = "\n".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "Tổng số hồ sơ tiếp nhận" in text and str(total) in text


def test_an_export_to_a_folder_that_cannot_be_written_says_so(qtbot, context: UiContext, tmp_path: Path) -> None:
    screen = ReportsScreen(context)
    qtbot.addWidget(screen)
    screen.show()
    qtbot.waitExposed(screen)
    screen.run()
    qtbot.waitUntil(lambda: screen.shown_report is not None, timeout=WAIT)
    not_a_folder = tmp_path / "tep.txt"
    not_a_folder.write_text("một tệp, không phải thư mục", encoding="utf-8")
    screen.export_to(screen.shown_report, "csv", not_a_folder / "bao-cao.csv")
    qtbot.waitUntil(lambda: screen.status.text().startswith("Không ghi được tệp"), timeout=WAIT)
    assert screen.status.text() == "Không ghi được tệp: thư mục đã chọn không tồn tại. Hãy chọn thư mục khác."
    assert not_a_folder.read_text(encoding="utf-8") == "một tệp, không phải thư mục"

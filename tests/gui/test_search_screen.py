"""The search screen: results while typing, keyboard-only use, stale answers dropped, and never a frozen GUI."""

import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication
from sqlalchemy import event

from counter_app.domain.dossier import OFFICE_TZ, Dossier
from counter_app.domain.text import search_tokens
from counter_app.services.clock import utc_now
from counter_app.services.demo_data import generate_demo_dossiers
from counter_app.services.intake import IntakeRequest, PersonInput, receive_dossier
from counter_app.storage.database import Database
from counter_app.ui.context import UiContext
from counter_app.ui.dossier_table import COLUMNS, DUE, OVERDUE_COLOR, STATUS
from counter_app.ui.search_screen import NOTHING_FOUND, RESULT_LIMIT, SearchScreen
from tests.conftest import open_counter
from tests.gui.conftest import make_context, press, type_text
from tests.support.bulk_dossiers import make_many_dossiers

DUC = "Nguyễn Văn Đức"
DUC_ID = "049090001234"
DUC_PHONE = "0905123456"
DEBOUNCE_GRACE_MS = 250  # longer than the typing pause: nothing more may happen after it


def receive_duc(db: Database, days_ago: int = 10) -> Dossier:
    """A known dossier, received `days_ago` days ago and still open, so it is overdue today."""
    received = utc_now() - timedelta(days=days_ago)
    applicant = PersonInput(full_name=DUC, id_number=DUC_ID, phone=DUC_PHONE, street="12 Lê Lợi")
    return receive_dossier(db, IntakeRequest("1.001193", applicant, received_at=received), now=received)


@pytest.fixture
def duc_context(ui_context: UiContext) -> tuple[UiContext, Dossier]:
    generate_demo_dossiers(ui_context.db, 300, seed=3)
    return ui_context, receive_duc(ui_context.db)


@pytest.fixture
def screen(qtbot, duc_context: tuple[UiContext, Dossier]) -> SearchScreen:
    context, _ = duc_context
    widget = SearchScreen(context)
    qtbot.addWidget(widget)
    widget.resize(1280, 640)
    widget.show()
    qtbot.waitExposed(widget)
    widget.activateWindow()
    widget.on_shown()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is widget.box)
    return widget


def settled(screen: SearchScreen) -> bool:
    return not screen.is_searching


def row_text(screen: SearchScreen, row: int) -> str:
    model = screen.model
    return " ".join(model.index(row, column).data() for column in range(len(COLUMNS)))


def matches(screen: SearchScreen, row: int, query: str) -> bool:
    """Each word of the query starts a word of the row's code, name, ID number or phone (marks folded)."""
    dossier = screen.model.dossier_at(row)
    words = search_tokens(" ".join([dossier.code, dossier.applicant.full_name, dossier.applicant.id_number,
                                    dossier.applicant.phone]))
    return all(any(word.startswith(token) for word in words) for token in search_tokens(query))


def test_results_appear_while_typing(qtbot, screen: SearchScreen, duc_context) -> None:
    _, duc = duc_context
    qtbot.keyClicks(screen.box, "ngu")
    qtbot.waitUntil(lambda: screen.model.rowCount() > 0)
    assert screen.box.text() == "ngu"
    first = screen.model.rowCount()
    assert all(matches(screen, row, "ngu") for row in range(first))
    assert screen.status.text() == f"Tìm thấy {first} hồ sơ"

    qtbot.keyClicks(screen.box, "yen van duc")
    qtbot.waitUntil(lambda: settled(screen) and duc.code in screen.model.codes())
    rows = screen.model.rowCount()
    assert 0 < rows < first
    assert all(matches(screen, row, "nguyen van duc") for row in range(rows))
    assert screen.model.dossier_at(screen.model.codes().index(duc.code)).applicant.full_name == DUC


def test_typing_with_vietnamese_marks_finds_the_name(qtbot, screen: SearchScreen, duc_context) -> None:
    _, duc = duc_context
    type_text(screen.box, "Đức")
    assert screen.box.text() == "Đức"
    qtbot.waitUntil(lambda: settled(screen) and screen.model.rowCount() > 0)
    assert duc.code in screen.model.codes()
    assert all("Đức" in screen.model.dossier_at(row).applicant.full_name.split() for row in range(screen.model.rowCount()))


@pytest.mark.parametrize("query", [DUC_ID, DUC_PHONE, "code"])
def test_code_id_number_and_phone_find_exactly_one(qtbot, screen: SearchScreen, duc_context, query: str) -> None:
    _, duc = duc_context
    qtbot.keyClicks(screen.box, duc.code if query == "code" else query)
    qtbot.waitUntil(lambda: settled(screen) and screen.model.rowCount() > 0)
    assert screen.model.codes() == [duc.code]
    assert screen.status.text() == "Tìm thấy 1 hồ sơ"


def test_columns_office_time_and_overdue_in_red(qtbot, screen: SearchScreen, duc_context) -> None:
    _, duc = duc_context
    screen.box.setText(duc.code)
    qtbot.waitUntil(lambda: settled(screen) and screen.model.rowCount() == 1)
    model = screen.model
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in range(len(COLUMNS))] == [
        "Mã hồ sơ", "Chủ hồ sơ", "Số giấy tờ", "Điện thoại", "Thủ tục", "Trạng thái", "Tiếp nhận", "Hẹn trả"]
    values = [model.index(0, c).data() for c in range(len(COLUMNS))]
    assert values[:4] == [duc.code, DUC, DUC_ID, DUC_PHONE]
    assert values[4] == duc.procedure_name
    assert values[5] == "Quá hạn · Được tiếp nhận"  # received 10 days ago, 1 working day to process
    # The list shows the day received; the full time is in the cell's tooltip.
    assert values[6] == f"{duc.received_at.astimezone(OFFICE_TZ):%d/%m/%Y}"
    assert model.index(0, 6).data(Qt.ItemDataRole.ToolTipRole) == f"{duc.received_at.astimezone(OFFICE_TZ):%d/%m/%Y %H:%M}"
    assert values[7] == f"{duc.due_at.astimezone(OFFICE_TZ):%d/%m/%Y %H:%M}"
    for column in (STATUS, DUE):
        assert model.index(0, column).data(Qt.ItemDataRole.ForegroundRole).color() == OVERDUE_COLOR


def test_an_open_dossier_within_its_time_is_not_overdue(qtbot, ui_context: UiContext) -> None:
    fresh = receive_duc(ui_context.db, days_ago=0)
    widget = SearchScreen(ui_context)
    qtbot.addWidget(widget)
    widget.box.setText(fresh.code)
    qtbot.waitUntil(lambda: settled(widget) and widget.model.rowCount() == 1)
    assert widget.model.index(0, STATUS).data() == "Được tiếp nhận"
    assert widget.model.index(0, STATUS).data(Qt.ItemDataRole.ForegroundRole) is None


def test_status_line_says_searching_then_nothing_found(qtbot, screen: SearchScreen) -> None:
    qtbot.keyClicks(screen.box, "zzzqx")
    assert screen.status.text() == "Đang tìm…"
    qtbot.waitUntil(lambda: settled(screen))
    assert screen.status.text() == NOTHING_FOUND == "Không tìm thấy hồ sơ nào"
    assert screen.model.rowCount() == 0


def test_keyboard_down_enter_escape(qtbot, screen: SearchScreen) -> None:
    opened: list[str] = []
    screen.open_dossier_requested.connect(opened.append)
    qtbot.keyClicks(screen.box, "nguyen")
    qtbot.waitUntil(lambda: settled(screen) and screen.model.rowCount() > 1)

    press(screen.box, Qt.Key.Key_Down)
    assert QApplication.focusWidget() is screen.table
    assert screen.table.currentIndex().row() == 0
    press(screen.table, Qt.Key.Key_Down)
    assert screen.table.currentIndex().row() == 1
    press(screen.table, Qt.Key.Key_Return)
    assert opened == [screen.model.code_at(1)]

    press(screen.table, Qt.Key.Key_Escape)  # back to the box, text kept
    assert QApplication.focusWidget() is screen.box
    assert screen.box.text() == "nguyen"
    press(screen.box, Qt.Key.Key_Escape)  # clears: back to today's dossiers (tests/gui/test_desk_1366.py)
    assert screen.box.text() == ""
    qtbot.waitUntil(lambda: "hôm nay" in screen.status.text().lower())
    assert "Gõ mã hồ sơ" in screen.status.text()


def test_double_click_opens_the_row(qtbot, screen: SearchScreen, duc_context) -> None:
    _, duc = duc_context
    screen.box.setText(DUC_PHONE)
    qtbot.waitUntil(lambda: settled(screen) and screen.model.rowCount() == 1)
    opened: list[str] = []
    screen.open_dossier_requested.connect(opened.append)
    rect = screen.table.visualRect(screen.model.index(0, 1))
    qtbot.mouseClick(screen.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())  # a real double
    qtbot.mouseDClick(screen.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())  # click is both
    assert opened == [duc.code]


def test_enter_in_the_box_opens_the_only_result_even_before_the_pause(qtbot, screen: SearchScreen, duc_context) -> None:
    _, duc = duc_context
    opened: list[str] = []
    screen.open_dossier_requested.connect(opened.append)
    qtbot.keyClicks(screen.box, DUC_ID)
    press(screen.box, Qt.Key.Key_Return)  # typed and Enter at once: search now, open when the answer comes
    qtbot.waitUntil(lambda: opened == [duc.code])
    qtbot.wait(DEBOUNCE_GRACE_MS)
    assert opened == [duc.code]


def test_enter_with_several_results_moves_into_the_list(qtbot, screen: SearchScreen) -> None:
    opened: list[str] = []
    screen.open_dossier_requested.connect(opened.append)
    qtbot.keyClicks(screen.box, "nguyen")
    qtbot.waitUntil(lambda: settled(screen) and screen.model.rowCount() > 1)
    press(screen.box, Qt.Key.Key_Return)
    assert opened == []
    assert QApplication.focusWidget() is screen.table


def test_only_the_newest_query_is_shown(qtbot, screen: SearchScreen, duc_context) -> None:
    """Two queries race on two reader threads; whichever lands last, the table answers the box."""
    context, duc = duc_context
    for _ in range(10):
        screen.box.setText("nguyen")
        screen.search_now()
        screen.box.setText(DUC_PHONE)
        screen.search_now()
        qtbot.waitUntil(lambda: not context.tasks.busy)
        QApplication.processEvents()
        assert screen.model.codes() == [duc.code]
        assert screen.status.text() == "Tìm thấy 1 hồ sơ"


def test_shortcut_help_is_vietnamese_and_on_shown_selects_the_box(qtbot, screen: SearchScreen) -> None:
    keys = [key for key, _ in screen.shortcut_help()]
    assert "Enter" in keys and "Esc" in keys and "↓" in keys
    screen.box.setText("nguyen")
    screen.table.setFocus()
    screen.on_shown()
    assert QApplication.focusWidget() is screen.box
    assert screen.box.selectedText() == "nguyen"
    assert screen.title == "Tra cứu"


# -- 100,000 dossiers: the search runs off the GUI thread ----------------------------------------------

BIG = 100_000


@pytest.fixture(scope="module")
def big_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """Made once for the module: real demo dossiers copied set-based up to 100,000 (tests/support/bulk_dossiers.py)."""
    db = open_counter(tmp_path_factory.mktemp("big") / "counter")
    started = time.perf_counter()
    made = make_many_dossiers(db, BIG, seed=11)
    print(f"\n[big_db] {made} dossiers made in {time.perf_counter() - started:.1f} s")
    assert made == BIG
    yield db
    db.close()


@pytest.mark.slow
def test_search_on_100k_dossiers_keeps_the_event_loop_turning(qtbot, qapp, big_db: Database, tmp_path: Path) -> None:
    context = make_context(big_db, tmp_path)
    screen = SearchScreen(context)
    qtbot.addWidget(screen)
    screen.show()

    gui_thread = threading.get_ident()
    sql_threads: set[int] = set()

    def record_thread(*_args: object) -> None:
        sql_threads.add(threading.get_ident())

    event.listen(big_db.engine, "before_cursor_execute", record_thread)
    ticks: list[tuple[float, bool]] = []  # (when, a search was in flight at that tick)
    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append((time.perf_counter(), context.tasks.busy and screen.query_in_flight)))
    timer.start()
    windows: list[tuple[float, float]] = []
    try:
        prefixes = ["n", "t", "h", "nguyen", "tran thi", "l", "p", "v", "d", "b", "m", "ng", "th", "ph", "le"]
        for query in prefixes * 3:
            screen.box.setText(query)
            with qtbot.waitSignal(screen.results_changed, timeout=20_000) as answer:
                started = time.perf_counter()
                screen.search_now()
                assert screen.query_in_flight and context.tasks.busy  # search_now returned before the answer
            windows.append((started, time.perf_counter()))
            assert answer.args == [RESULT_LIMIT]
            assert all(matches(screen, row, query) for row in (0, RESULT_LIMIT - 1))
            in_flight = [t for t, busy in ticks if busy and any(a < t < b for a, b in windows)]
            if len(in_flight) >= 3 and len(windows) >= 5:
                break
    finally:
        timer.stop()
        event.remove(big_db.engine, "before_cursor_execute", record_thread)
        context.tasks.wait()

    in_flight = [t for t, busy in ticks if busy and any(a < t < b for a, b in windows)]
    print(f"[100k] {len(windows)} queries, {len(in_flight)}/{len(ticks)} ticks in flight")
    assert len(in_flight) >= 3, f"{len(ticks)} ticks, none while one of {len(windows)} queries ran"
    assert sql_threads and gui_thread not in sql_threads
    assert screen.status.text().startswith(f"Tìm thấy {RESULT_LIMIT} hồ sơ")

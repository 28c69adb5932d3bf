"""The desk at 1366×768: maximised window, help that scrolls, 8+ suggestions ranked by this desk's use,
the search screen on today's dossiers."""

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt

from counter_app.domain.procedure_search import filter_procedures, search_index
from counter_app.services.intake import IntakeRequest, PersonInput, receive_dossier
from counter_app.ui.context import UiContext
from counter_app.ui.help_panel import HelpDialog
from counter_app.ui.main_window import MainWindow
from counter_app.ui.search_screen import SearchScreen
from tests.gui.conftest import press

WAIT = 10_000
DESK = (1366, 768)
RARE = "1.000656"  # khai tử: sorts after khai sinh by name, first here by use


@pytest.fixture
def window(qtbot, ui_context: UiContext) -> Iterator[MainWindow]:
    main = MainWindow(ui_context)
    qtbot.addWidget(main)
    main.show()
    main.resize(*DESK)  # offscreen has no real screen to maximise into: the desk's size
    qtbot.waitExposed(main)
    main.activateWindow()
    qtbot.waitUntil(lambda: main.intake.picker.is_loaded, timeout=WAIT)
    yield main


def receive(ui_context: UiContext, code: str, name: str = "Lê Thị Hoa") -> str:
    applicant = PersonInput(full_name=name, id_number="049090001234", phone="0905123456", street="Lê Lợi")
    return receive_dossier(ui_context.db, IntakeRequest(code, applicant)).code


def test_the_window_opens_maximised(qtbot, ui_context: UiContext) -> None:
    main = MainWindow(ui_context)
    qtbot.addWidget(main)
    assert main.windowState() & Qt.WindowState.WindowMaximized


def test_help_fits_the_screen_and_scrolls(qtbot, window: MainWindow) -> None:
    window.show_help()
    dialog = window.findChild(HelpDialog)
    qtbot.waitExposed(dialog)
    assert dialog.height() <= DESK[1] - 40
    bar = dialog.scroll.verticalScrollBar()
    hidden = dialog.body.height() - dialog.scroll.viewport().height()
    assert bar.maximum() == max(0, hidden)  # whatever does not fit is reachable by scrolling
    if hidden > 0:
        press(dialog.scroll, Qt.Key.Key_PageDown)
        assert bar.value() > 0
    dialog.reject()


def test_at_least_eight_suggestions_show_whole(qtbot, window: MainWindow) -> None:
    picker = window.intake.picker
    window.intake.focus_picker()
    qtbot.waitUntil(picker.hasFocus, timeout=WAIT)
    press(picker, Qt.Key.Key_Down)
    assert picker.popup_visible
    popup = picker.popup
    viewport = popup.viewport().rect()
    whole = [row for row in range(popup.count()) if viewport.contains(popup.visualItemRect(popup.item(row)))]
    assert len(whole) >= 8, (len(whole), popup.height())
    assert popup.geometry().bottom() <= window.height()


def test_suggestions_rank_this_desks_procedures_first(qtbot, ui_context: UiContext) -> None:
    for _ in range(3):
        receive(ui_context, RARE)
    receive(ui_context, "1.001193")
    from counter_app.domain.text import fold
    from counter_app.services.catalog import procedures_with_use

    items, use = procedures_with_use(ui_context.db)
    assert use == {RARE: 3, "1.001193": 1}
    catalog = search_index(items)
    assert [p.code for p in filter_procedures(catalog, "", use)[:2]] == [RARE, "1.001193"]
    rest = [p.name for p in filter_procedures(catalog, "", use)[2:]]
    assert rest == sorted(rest, key=fold)  # then by name
    assert filter_procedures(catalog, "dang ky khai", use)[0].code == RARE


def test_search_opens_on_todays_dossiers(qtbot, ui_context: UiContext) -> None:
    codes = [receive(ui_context, "1.001193", name) for name in ("Lê Thị Hoa", "Hồ Văn Nam")]
    screen = SearchScreen(ui_context)
    qtbot.addWidget(screen)
    screen.show()
    screen.on_shown()
    qtbot.waitUntil(lambda: screen.model.rowCount() == 2, timeout=WAIT)
    assert {screen.model.code_at(row) for row in range(2)} == set(codes)
    assert "hôm nay: 2" in screen.status.text()

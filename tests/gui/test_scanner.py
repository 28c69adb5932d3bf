"""Keyboard-mode scanners: a fast burst + Enter is taken from the focused field and emitted once; people are not."""

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QLineEdit, QVBoxLayout, QWidget

from counter_app.domain.dossier import Dossier
from counter_app.services.intake import IntakeRequest, PersonInput, receive_dossier
from counter_app.ui.context import UiContext
from counter_app.ui.scanner import MAX_GAP_SECONDS, ScannerListener
from counter_app.ui.search_screen import SearchScreen
from tests.gui.conftest import key_event, pause, press, type_text

HUMAN_GAP_MS = 60  # a fast typist; well above the scanner's gap
ID_QR = "049090001234|201234567|Nguyễn Văn Đức|01021990|Nam|12 Lê Lợi, Hải Châu, Đà Nẵng|15062021"


@pytest.fixture
def scanner(qapp) -> Iterator[tuple[ScannerListener, list[str], list[str]]]:
    listener = ScannerListener()
    listener.install(qapp)
    codes: list[str] = []
    cards: list[str] = []
    listener.dossier_code_scanned.connect(codes.append)
    listener.id_card_scanned.connect(cards.append)
    yield listener, codes, cards
    qapp.removeEventFilter(listener)


@pytest.fixture
def dossier(ui_context: UiContext) -> Dossier:
    applicant = PersonInput(full_name="Nguyễn Văn Đức", id_number="049090001234", phone="0905123456", street="Lê Lợi")
    return receive_dossier(ui_context.db, IntakeRequest("1.001193", applicant))


def focus(qtbot, window: QWidget, field: QLineEdit) -> None:
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    field.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is field)


@pytest.fixture
def search(qtbot, ui_context: UiContext) -> SearchScreen:
    screen = SearchScreen(ui_context)
    qtbot.addWidget(screen)
    focus(qtbot, screen, screen.box)
    return screen


def burst(qtbot, field: QLineEdit, text: str) -> None:
    """What a scanner does: after the hand moved to it, every key within a few milliseconds, then Enter."""
    pause()
    type_text(field, text)
    press(field, Qt.Key.Key_Return)


def test_scanned_code_in_the_search_box_is_emitted_once_and_the_box_restored(
    qtbot, scanner, search: SearchScreen, dossier: Dossier
) -> None:
    _, codes, _ = scanner
    entered: list[bool] = []
    search.box.returnPressed.connect(lambda: entered.append(True))
    opened: list[str] = []
    search.open_dossier_requested.connect(opened.append)
    type_text(search.box, "ngu", gap_ms=HUMAN_GAP_MS)  # the clerk had typed something before picking up the scanner

    burst(qtbot, search.box, dossier.code)

    assert codes == [dossier.code]
    assert search.box.text() == "ngu"
    assert entered == []  # the Enter was consumed
    qtbot.wait(HUMAN_GAP_MS)
    assert opened == []  # and did not reach the search box either


def test_scanned_code_is_taken_from_any_focused_line_edit(qtbot, scanner, dossier: Dossier) -> None:
    _, codes, _ = scanner
    window = QWidget()
    qtbot.addWidget(window)
    layout = QVBoxLayout(window)
    name, other = QLineEdit(), QLineEdit()
    layout.addWidget(name)
    layout.addWidget(other)
    name.setText("Trần Thị")
    entered: list[bool] = []
    name.returnPressed.connect(lambda: entered.append(True))
    focus(qtbot, window, name)
    name.setCursorPosition(len(name.text()))

    burst(qtbot, name, dossier.code.lower())  # scanners in lower-case mode exist; the code is still the code

    assert codes == [dossier.code]
    assert name.text() == "Trần Thị"
    assert entered == []
    assert other.text() == ""


def test_slow_human_typing_of_a_code_is_left_alone(qtbot, scanner, search: SearchScreen, dossier: Dossier) -> None:
    _, codes, _ = scanner
    assert HUMAN_GAP_MS / 1000 > MAX_GAP_SECONDS
    opened: list[str] = []
    search.open_dossier_requested.connect(opened.append)
    type_text(search.box, dossier.code, gap_ms=HUMAN_GAP_MS)
    press(search.box, Qt.Key.Key_Return, gap_ms=HUMAN_GAP_MS)

    assert codes == []
    assert search.box.text() == dossier.code
    # The Enter reached the search box, which opens the only result the normal way.
    qtbot.waitUntil(lambda: opened == [dossier.code])


def test_fast_burst_without_the_shape_of_a_code_is_left_alone(qtbot, scanner, search: SearchScreen) -> None:
    _, codes, cards = scanner
    entered: list[bool] = []
    search.box.returnPressed.connect(lambda: entered.append(True))
    burst(qtbot, search.box, "nguyen van duc")  # pasted-fast text that is just a name
    assert codes == [] and cards == []
    assert search.box.text() == "nguyen van duc"


def test_id_card_qr_burst_emits_id_card_scanned(qtbot, scanner, search: SearchScreen) -> None:
    _, codes, cards = scanner
    search.box.setText("0905")
    search.box.setCursorPosition(4)
    pause()
    type_text(search.box, ID_QR)
    press(search.box, Qt.Key.Key_Return)
    assert cards == [ID_QR]
    assert codes == []
    assert search.box.text() == "0905"


def test_scan_counts_each_key_once_when_no_widget_has_focus(qtbot, scanner, dossier: Dossier) -> None:
    """Through the platform a key goes to the QWindow and then to its widget; without a focus widget both
    used to be counted, so the burst read "000000..3311" and the scan was lost."""
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QLabel

    _, codes, _ = scanner
    window = QLabel("Không có ô nhập nào")
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    assert QApplication.focusWidget() is None
    handle = window.windowHandle()
    pause()
    for key, text in [*((Qt.Key.Key_unknown, char) for char in dossier.code), (Qt.Key.Key_Return, "")]:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):  # to the window, as the platform delivers
            QApplication.sendEvent(handle, key_event(kind, key, Qt.KeyboardModifier.NoModifier, text, 5))
    assert codes == [dossier.code]


def test_scan_in_the_main_window_opens_the_dossier(qtbot, qapp, ui_context: UiContext, dossier: Dossier) -> None:
    """End to end: ScannerListener -> MainWindow.open_dossier -> DossierDialog loaded from the database."""
    from counter_app.ui.dossier_view import DossierDialog
    from counter_app.ui.main_window import MainWindow

    listener = ScannerListener()
    listener.install(qapp)
    try:
        window = MainWindow(ui_context, listener)
        qtbot.addWidget(window)
        window.show_screen(window.search)
        focus(qtbot, window, window.search.box)
        burst(qtbot, window.search.box, dossier.code)
        dialogs = window.findChildren(DossierDialog)
        assert [d.code for d in dialogs] == [dossier.code]
        qtbot.waitUntil(lambda: dialogs[0].loaded)
        assert dialogs[0].dossier.applicant.full_name == "Nguyễn Văn Đức"
        assert window.search.box.text() == ""
        dialogs[0].reject()
    finally:
        qapp.removeEventFilter(listener)


def test_a_burst_delivered_late_by_a_busy_gui_is_still_a_scan(qtbot, scanner, search: SearchScreen,
                                                              dossier: Dossier) -> None:
    """The keys were pressed 5 ms apart but reach the filter 80 ms apart (the GUI thread was busy): their
    own stamps say it was a scanner. Timing by the clock at delivery lost such scans under load."""
    import time

    _, codes, _ = scanner
    pause()
    for char in dossier.code:
        type_text(search.box, char)
        time.sleep(0.08)
    press(search.box, Qt.Key.Key_Return)
    assert codes == [dossier.code]
    assert search.box.text() == ""



class SlowLineEdit(QLineEdit):
    """A field on a slow PC: each key it handles costs 30 ms of real work on the GUI thread."""

    KEY_COST_SECONDS = 0.030

    def __init__(self) -> None:
        super().__init__()
        self.keys_handled = 0

    def keyPressEvent(self, event: QKeyEvent) -> None:
        import time

        deadline = time.perf_counter() + self.KEY_COST_SECONDS
        while time.perf_counter() < deadline:  # busy, as a slow validator or a big redraw would be
            pass
        self.keys_handled += 1
        super().keyPressEvent(event)


def test_a_scan_into_a_field_taking_30_ms_per_key_still_opens_the_dossier(qtbot, qapp, ui_context: UiContext,
                                                                          dossier: Dossier) -> None:
    """The field reacts 6x slower than the scanner types, so the keys reach the filter 30+ ms apart by the
    wall clock; their own stamps (5 ms apart) are what tell the burst, and the dossier opens."""
    from counter_app.ui.dossier_view import DossierDialog
    from counter_app.ui.main_window import MainWindow

    listener = ScannerListener()
    listener.install(qapp)
    try:
        window = MainWindow(ui_context, listener)
        qtbot.addWidget(window)
        slow = SlowLineEdit()
        window.search.layout().addWidget(slow)
        window.show_screen(window.search)
        slow.setText("ghi chú")
        focus(qtbot, window, slow)
        slow.setCursorPosition(len(slow.text()))

        burst(qtbot, slow, dossier.code)

        assert slow.keys_handled == len(dossier.code)  # every key really went through the slow field
        dialogs = window.findChildren(DossierDialog)
        assert [d.code for d in dialogs] == [dossier.code]
        qtbot.waitUntil(lambda: dialogs[0].loaded)
        assert dialogs[0].dossier.applicant.full_name == "Nguyễn Văn Đức"
        assert slow.text() == "ghi chú"  # the burst was taken back out of the field
        dialogs[0].reject()
    finally:
        qapp.removeEventFilter(listener)

"""The papers checklist from the keyboard: digits and +/− set counts, arrows only move (even right after typing)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from counter_app.domain.dossier import DocumentLine
from counter_app.ui.document_checklist import DocumentTable

WAIT = 5_000


def focused():
    return QApplication.focusWidget()


def test_arrows_move_between_papers_and_never_change_a_typed_count(qtbot) -> None:
    table = DocumentTable()
    qtbot.addWidget(table)
    table.set_lines([DocumentLine("Tờ khai", 1), DocumentLine("Văn bản ủy quyền"), DocumentLine("Giấy chứng sinh", 1)],
                    ["", "tùy trường hợp", ""])
    table.show()
    table.setFocus()
    qtbot.waitUntil(table.hasFocus, timeout=WAIT)
    assert table.item(1, 0).text() == "[tùy trường hợp] Văn bản ủy quyền"
    assert table.currentRow() == 0 and table.currentColumn() == 1

    qtbot.keyClick(table, Qt.Key.Key_3)  # opens the editor on the first paper's originals
    qtbot.waitUntil(lambda: focused() is not table, timeout=WAIT)
    qtbot.keyClick(focused(), Qt.Key.Key_Down)  # commits 3 and goes to the next paper
    qtbot.waitUntil(lambda: table.currentRow() == 1, timeout=WAIT)
    assert [line.originals for line in table.lines()] == [3, 0, 1]

    qtbot.keyClick(focused(), Qt.Key.Key_Plus)
    qtbot.keyClick(focused(), Qt.Key.Key_Plus)
    qtbot.keyClick(focused(), Qt.Key.Key_Minus)
    assert [line.originals for line in table.lines()] == [3, 1, 1]

    qtbot.keyClick(focused(), Qt.Key.Key_2)
    qtbot.waitUntil(lambda: focused() is not table, timeout=WAIT)
    qtbot.keyClick(focused(), Qt.Key.Key_Plus)  # in the editor too: 2 → 3
    qtbot.keyClick(focused(), Qt.Key.Key_Up)
    qtbot.waitUntil(lambda: table.currentRow() == 0, timeout=WAIT)
    qtbot.keyClick(focused(), Qt.Key.Key_Down)
    qtbot.keyClick(focused(), Qt.Key.Key_Down)
    assert table.currentRow() == 2
    assert [line.originals for line in table.lines()] == [3, 3, 1]
    assert [line.name for line in table.lines()] == ["Tờ khai", "Văn bản ủy quyền", "Giấy chứng sinh"]
    qtbot.keyClick(focused(), Qt.Key.Key_Minus)
    qtbot.keyClick(focused(), Qt.Key.Key_Minus)  # never below 0
    assert [line.originals for line in table.lines()] == [3, 3, 0]

"""Choosing the procedure by typing: a line edit with a diacritic-insensitive list under it.

The catalog is loaded once in a background task and filtered in memory on every key, so "khai sinh",
"khai sinh" typed without marks, or a code such as "1.001193" all find the procedure at once, even on a
slow PC. The list is a child widget that never takes the focus: the keys stay in the line edit (Up/Down
move in the list, Enter chooses, Esc closes), so a scanner burst is always seen where it lands.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QLineEdit, QListWidget, QListWidgetItem, QWidget

from counter_app.domain.catalog import HOURS_PER_DAY, Procedure, TimeUnit
from counter_app.domain.text import fold
from counter_app.services.catalog import procedures
from counter_app.ui.context import UiContext

MAX_SHOWN = 60
VISIBLE_ROWS = 8


def processing_time_text(procedure: Procedure) -> str:
    """The legal processing time as the citizen reads it on the slip ("5 ngày làm việc")."""
    hours = procedure.processing_hours
    if procedure.time_unit is TimeUnit.WORKING_HOURS or hours % HOURS_PER_DAY:
        return f"{hours} giờ làm việc"
    return f"{hours // HOURS_PER_DAY} ngày làm việc"


def procedure_label(procedure: Procedure) -> str:
    """What the line edit shows once a procedure is chosen."""
    return f"{procedure.code} — {procedure.name}"


def filter_procedures(catalog: list[tuple[str, Procedure]], query: str) -> list[Procedure]:
    """Every folded word of `query` must occur in the folded "code name".

    Order: codes that start with the query, then the earliest match, then the shortest name (so
    "khai sinh" puts "Thủ tục đăng ký khai sinh" before its longer variants), then catalog order.
    """
    words = fold(query).split()
    if not words:
        return [procedure for _, procedure in catalog][:MAX_SHOWN]
    first = words[0]
    hits = [
        (not procedure.code.startswith(first), key.find(first), len(key), index, procedure)
        for index, (key, procedure) in enumerate(catalog)
        if all(word in key for word in words)
    ]
    hits.sort(key=lambda hit: hit[:4])
    return [hit[4] for hit in hits[:MAX_SHOWN]]


class ProcedurePicker(QLineEdit):
    """Type to find, Up/Down to move, Enter to choose. `procedure()` is the chosen one while the text shows it."""

    procedure_chosen = Signal(object)  # Procedure
    catalog_loaded = Signal(int)

    def __init__(self, context: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.setObjectName("procedure_picker")
        self.setPlaceholderText("Gõ tên hoặc mã thủ tục (không cần dấu), ví dụ: khai sinh, 1.001193")
        self.setAccessibleName("Thủ tục hành chính")
        self._catalog: list[tuple[str, Procedure]] = []
        self._loaded = False
        self._chosen: Procedure | None = None
        self.popup = QListWidget()
        self.popup.setObjectName("procedure_popup")
        self.popup.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.popup.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.popup.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.popup.setWordWrap(True)
        self.popup.itemClicked.connect(self._choose_item)
        self.popup.hide()
        self.textEdited.connect(self._on_edited)
        self.load_error = ""

    # -- catalog ---------------------------------------------------------------------------------

    def reload(self) -> None:
        """(Re)load the catalog in the background; call again after a catalog import."""
        db = self.context.db
        self.context.tasks.run(lambda: procedures(db), self._on_loaded, self._on_load_failed)

    def _on_loaded(self, items: list[Procedure]) -> None:
        self._catalog = [(fold(f"{p.code} {p.name}"), p) for p in items]
        self._loaded = True
        self.load_error = ""
        self.catalog_loaded.emit(len(items))
        if self.hasFocus() and self.text() and self._chosen is None:
            self._on_edited(self.text())  # the clerk typed before the catalog arrived

    def _on_load_failed(self, error: Exception) -> None:
        self.load_error = f"Không tải được danh mục thủ tục: {error}"
        self.catalog_loaded.emit(0)

    @property
    def is_loaded(self) -> bool:
        return self._loaded

    def find_by_code(self, code: str) -> Procedure | None:
        wanted = code.strip().upper()
        return next((p for _, p in self._catalog if p.code == wanted), None)

    # -- choice ----------------------------------------------------------------------------------

    def procedure(self) -> Procedure | None:
        """The chosen procedure, or None once the clerk has typed something else over it."""
        if self._chosen is not None and self.text() == procedure_label(self._chosen):
            return self._chosen
        return None

    def choose(self, procedure: Procedure) -> None:
        self._chosen = procedure
        super().setText(procedure_label(procedure))
        self.setCursorPosition(0)
        self.hide_popup()
        self.procedure_chosen.emit(procedure)

    def clear_choice(self) -> None:
        self._chosen = None
        super().setText("")
        self.hide_popup()

    def setText(self, text: str) -> None:
        """A programmatic change (e.g. the scanner restoring the field) closes the list."""
        super().setText(text)
        self.hide_popup()

    # -- list --------------------------------------------------------------------------------------

    def _on_edited(self, text: str) -> None:
        self.show_matches(filter_procedures(self._catalog, text))

    def show_matches(self, matches: list[Procedure]) -> None:
        self.popup.clear()
        if not self._loaded:
            item = QListWidgetItem("Đang tải danh mục thủ tục…")
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.popup.addItem(item)
        elif not matches:
            item = QListWidgetItem("Không có thủ tục nào khớp; hãy gõ ít chữ hơn hoặc gõ mã thủ tục.")
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.popup.addItem(item)
        for procedure in matches:
            item = QListWidgetItem(
                f"{procedure.code}   {procedure.name}   ({processing_time_text(procedure)})"
            )
            item.setData(Qt.ItemDataRole.UserRole, procedure)
            item.setToolTip(procedure.name)
            self.popup.addItem(item)
        if matches:
            self.popup.setCurrentRow(0)
        self._place_popup()

    def _place_popup(self) -> None:
        host = self.window()
        if self.popup.parentWidget() is not host:
            self.popup.setParent(host)
            self.popup.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        origin = self.mapTo(host, QPoint(0, self.height()))
        width = max(self.width(), min(760, host.width() - origin.x() - 8))
        rows = max(1, min(VISIBLE_ROWS, self.popup.count()))
        row_height = max(self.popup.sizeHintForRow(0), self.fontMetrics().height() + 6)
        height = min(rows * row_height + 6, max(80, host.height() - origin.y() - 8))
        self.popup.setGeometry(origin.x(), origin.y(), width, height)
        self.popup.show()
        self.popup.raise_()

    def hide_popup(self) -> None:
        self.popup.hide()

    @property
    def popup_visible(self) -> bool:
        return self.popup.isVisible()

    def _choose_item(self, item: QListWidgetItem | None) -> None:
        procedure = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        if isinstance(procedure, Procedure):
            self.choose(procedure)

    def _move(self, step: int) -> None:
        count = self.popup.count()
        if not count:
            return
        row = min(max(self.popup.currentRow() + step, 0), count - 1)
        self.popup.setCurrentRow(row)
        self.popup.scrollToItem(self.popup.currentItem())

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if self.popup_visible:
            steps = {
                Qt.Key.Key_Down: 1,
                Qt.Key.Key_Up: -1,
                Qt.Key.Key_PageDown: VISIBLE_ROWS,
                Qt.Key.Key_PageUp: -VISIBLE_ROWS,
            }
            if key in steps:
                self._move(steps[key])
                return
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self._choose_item(self.popup.currentItem())
                return
            if key == Qt.Key.Key_Escape:
                self.hide_popup()
                return
        elif key in (Qt.Key.Key_Down, Qt.Key.Key_PageDown) and self._loaded:
            query = "" if self.procedure() is not None else self.text()
            self.show_matches(filter_procedures(self._catalog, query))
            return
        super().keyPressEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        self.hide_popup()
        super().focusOutEvent(event)

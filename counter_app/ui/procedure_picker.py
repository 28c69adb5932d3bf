"""Choosing the procedure by typing: a line edit with a diacritic-insensitive list under it.

The catalog is loaded once in a background task and filtered in memory on every key, so "khai sinh",
"khai sinh" typed without marks, or a code such as "1.001193" all find the procedure at once, even on a
slow PC. The list under the line edit never takes the focus (see `type_ahead.TypeAheadEdit`): Up/Down
move in it, Enter chooses, Esc closes, and a scanner burst is always seen where it lands.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from counter_app.domain.catalog import Procedure
from counter_app.domain.procedure_search import SearchIndex, filter_procedures, search_index
from counter_app.domain.time_rules import procedure_time_text
from counter_app.services.catalog import procedures_with_use
from counter_app.ui.context import UiContext
from counter_app.ui.type_ahead import TypeAheadEdit


def procedure_label(procedure: Procedure) -> str:
    """What the line edit shows once a procedure is chosen."""
    return f"{procedure.code} — {procedure.name}"


class ProcedurePicker(TypeAheadEdit):
    """Type to find, Up/Down to move, Enter to choose. `procedure()` is the chosen one while the text shows it."""

    procedure_chosen = Signal(object)  # Procedure
    catalog_loaded = Signal(int)

    def __init__(self, context: UiContext, parent: QWidget | None = None) -> None:
        super().__init__("procedure_popup", parent)
        self.context = context
        self.setObjectName("procedure_picker")
        self.setPlaceholderText(self.tr("Gõ tên hoặc mã thủ tục (không cần dấu), ví dụ: khai sinh, 1.001193"))
        self.setAccessibleName(self.tr("Thủ tục hành chính"))
        self._catalog: SearchIndex = []
        self._use: dict[str, int] = {}  # dossiers per procedure at this desk: the ranking
        self._loaded = False
        self._chosen: Procedure | None = None
        self.load_error = ""

    # -- catalog ---------------------------------------------------------------------------------

    def reload(self) -> None:
        """(Re)load the catalog in the background; call again after a catalog import."""
        db = self.context.db
        self.context.tasks.run(lambda: procedures_with_use(db), self._on_loaded, self._on_load_failed, owner=self)

    def _on_loaded(self, loaded: tuple[list[Procedure], dict[str, int]]) -> None:
        items, self._use = loaded
        self._catalog = search_index(items)
        self._loaded = True
        self.load_error = ""
        self.catalog_loaded.emit(len(items))
        if self.hasFocus() and self.text() and self._chosen is None:
            self._on_edited(self.text())  # the clerk typed before the catalog arrived

    def _on_load_failed(self, error: Exception) -> None:
        self.load_error = self.tr("Không tải được danh mục thủ tục: {error}").format(error=error)
        self.catalog_loaded.emit(0)

    @property
    def is_loaded(self) -> bool:
        return self._loaded

    def note_use(self, code: str) -> None:
        """A dossier of `code` was just received here: it ranks higher from now on."""
        self._use[code] = self._use.get(code, 0) + 1

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

    # -- list --------------------------------------------------------------------------------------

    def _on_edited(self, text: str) -> None:
        self.show_matches(filter_procedures(self._catalog, text, self._use))

    def show_matches(self, matches: list[Procedure]) -> None:
        note = ""
        if not self._loaded:
            note = self.tr("Đang tải danh mục thủ tục…")
        elif not matches:
            note = self.tr("Không có thủ tục nào khớp; hãy gõ ít chữ hơn hoặc gõ mã thủ tục.")
        rows = (
            (f"{p.code}   {p.name}   ({procedure_time_text(p)})", p, p.name) for p in matches
        )
        self.show_rows(rows, note)

    def _choose_data(self, data: object) -> None:
        if isinstance(data, Procedure):
            self.choose(data)

    def _open_list(self) -> bool:
        if not self._loaded:
            return False
        query = "" if self.procedure() is not None else self.text()
        self.show_matches(filter_procedures(self._catalog, query, self._use))
        return True

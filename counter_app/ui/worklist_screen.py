"""Việc cần làm (F5): the desk's worklists, one tab each, every row's next step on a key.

Keyboard first: Ctrl+1…Ctrl+7 (or Ctrl+Tab) pick a list, ↑/↓ a row, Enter opens the dossier, and a letter
fires the row's next step (`NEXT_ACTIONS`, data: which list, which key, which statuses). The screen does not
do the step itself: it emits `action_requested(action, code)` and the main window opens the dialog that
belongs to it (lifecycle dialogs, returns), then asks for a `refresh()`.

The lists are read in the background (services/worklists.py through the task runner): the screen never
waits on the database, and an answer older than the newest request is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QEvent, QModelIndex, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QLabel,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from counter_app.domain.lifecycle import Status
from counter_app.services.worklists import DEFAULT_LIMIT, Worklist, WorklistKind, all_worklists
from counter_app.ui.context import UiContext
from counter_app.ui.dossier_table import DossierTableModel, setup_dossier_table
from counter_app.ui.messages import error_text
from counter_app.ui.screen import Screen

LOADING = QT_TRANSLATE_NOOP("worklist_screen", "Đang tải danh sách…")
_ENTER_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


@dataclass(frozen=True)
class NextAction:
    """A step the clerk can take from a list: `key` (a letter, no modifier) emits `action` for the row's code.

    `statuses`: the row statuses it applies to (None: every row of the list)."""

    key: Qt.Key
    action: str
    label: str
    statuses: frozenset[Status] | None = None

    @property
    def key_text(self) -> str:
        return QKeySequence(self.key).toString()

    def applies_to(self, status: Status) -> bool:
        return self.statuses is None or status in self.statuses


# The actions the main window wires (names are the contract with the lifecycle and returns dialogs).
APOLOGISE = "apologise"  # Mẫu 04: apology, reason, new due date
HANDOVER_TO_AGENCY = "handover_to_agency"  # Mẫu 05 row "giao": 2 → 4
HANDOVER_FROM_AGENCY = "handover_from_agency"  # Mẫu 05 row "nhận": result back, 4 → 9
SUPPLIED = "supplied"  # the citizen brought the missing papers: 5 → 4, due date moved
RETURN_AT_DESK = "return_at_desk"  # 9 → 10 at the desk, hand-over receipt
RETURN_BY_POST = "return_by_post"  # 9 → 10 by BCCI, label
SHIPMENT_HANDED = "shipment_handed"
SHIPMENT_DELIVERED = "shipment_delivered"
SHIPMENT_RETURNED = "shipment_returned"
# Issue 10: "Thu phí (F4)" from the fees-due list opens the fees screen on the row's dossier
# (ui/worklist_steps.py).
COLLECT_FEE = "collect_fee"
COLLECT_FEE_ACTION = NextAction(Qt.Key.Key_P, COLLECT_FEE, "Thu phí (F4)")

_RECEIVED = frozenset({Status.RECEIVED})
_PROCESSING = frozenset({Status.PROCESSING})
_OPEN = [
    NextAction(Qt.Key.Key_X, APOLOGISE, "Xin lỗi, hẹn lại ngày trả (Mẫu 04)"),
    NextAction(Qt.Key.Key_G, HANDOVER_TO_AGENCY, "Giao hồ sơ cho cơ quan xử lý", _RECEIVED),
    NextAction(Qt.Key.Key_K, HANDOVER_FROM_AGENCY, "Nhận kết quả từ cơ quan xử lý", _PROCESSING),
]
_RETURN = [
    NextAction(Qt.Key.Key_T, RETURN_AT_DESK, "Trả kết quả tại quầy"),
    NextAction(Qt.Key.Key_B, RETURN_BY_POST, "Gửi kết quả qua bưu chính"),
]
NEXT_ACTIONS: dict[WorklistKind, tuple[NextAction, ...]] = {
    WorklistKind.DUE_TODAY: (_OPEN[1], _OPEN[2], _OPEN[0]),
    WorklistKind.OVERDUE: tuple(_OPEN),
    WorklistKind.WAITING_FOR_PAPERS: (NextAction(Qt.Key.Key_S, SUPPLIED, "Công dân đã bổ sung giấy tờ"),),
    WorklistKind.READY_TO_RETURN: tuple(_RETURN),
    WorklistKind.SHIPMENTS_NOT_DELIVERED: (
        NextAction(Qt.Key.Key_G, SHIPMENT_HANDED, "Đã giao cho bưu tá"),
        NextAction(Qt.Key.Key_P, SHIPMENT_DELIVERED, "Đã phát thành công"),
        NextAction(Qt.Key.Key_H, SHIPMENT_RETURNED, "Bị hoàn về"),
    ),
    WorklistKind.RETURNED_ITEMS: tuple(_RETURN),
    WorklistKind.FEES_DUE: (COLLECT_FEE_ACTION,),
}
TAB_ORDER = list(WorklistKind)


def tab_title(kind: WorklistKind, worklist: Worklist | None) -> str:
    return kind.label if worklist is None else f"{kind.label} ({worklist.total})"


LIST_KEYS = f"Ctrl+1…Ctrl+{len(TAB_ORDER)}"


def hint_text(kind: WorklistKind) -> str:
    steps = [f"{a.key_text}: {a.label}" for a in NEXT_ACTIONS[kind]]
    return " · ".join([QCoreApplication.translate("worklist_screen", "Enter: mở hồ sơ"), *steps, QCoreApplication.translate("worklist_screen", "{list_keys}: chọn danh sách").format(list_keys=LIST_KEYS), QCoreApplication.translate("worklist_screen", "Ctrl+R: tải lại")])


def empty_text(kind: WorklistKind) -> str:
    return QCoreApplication.translate("worklist_screen", "Không có hồ sơ nào trong danh sách «{label}».").format(label=kind.label)


class WorklistScreen(Screen):
    """The F5 page. `loaded()` fires when the tables show the newest answer."""

    title = QT_TRANSLATE_NOOP("Screen", "Việc cần làm")  # translated where shown (main window)
    action_requested = Signal(str, str)  # (action name, dossier code)
    loaded = Signal()

    def __init__(self, context: UiContext) -> None:
        super().__init__(context)
        self.loading = False
        self.worklists: dict[WorklistKind, Worklist] = {}
        self.models: dict[WorklistKind, DossierTableModel] = {}
        self.tables: dict[WorklistKind, QTableView] = {}
        self.tabs = QTabWidget()
        self.tabs.setObjectName("worklist_tabs")
        for kind in TAB_ORDER:
            self.tabs.addTab(self._table(kind), tab_title(kind, None))
        self.hint = QLabel()
        self.hint.setObjectName("worklist_hint")
        self.hint.setWordWrap(True)
        self.status = QLabel(QCoreApplication.translate("worklist_screen", LOADING))
        self.status.setObjectName("worklist_status")
        self.status.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.hint)
        layout.addWidget(self.status)
        self.tabs.currentChanged.connect(self._tab_changed)
        for number in range(1, len(TAB_ORDER) + 1):
            self._shortcut(f"Ctrl+{number}", lambda n=number: self.show_list(TAB_ORDER[n - 1]))
        self._shortcut("Ctrl+R", self.refresh)
        self._tab_changed(0)

    def _shortcut(self, keys: str, slot) -> None:
        shortcut = QShortcut(QKeySequence(keys), self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(slot)

    def _table(self, kind: WorklistKind) -> QWidget:
        model = DossierTableModel(self)
        table = QTableView()
        table.setObjectName(f"worklist_{kind.value}")
        table.setModel(model)
        setup_dossier_table(table)
        table.installEventFilter(self)
        table.doubleClicked.connect(self._activated)
        self.models[kind] = model
        self.tables[kind] = table
        return table

    # -- public -----------------------------------------------------------------------------------

    @property
    def current_kind(self) -> WorklistKind:
        return TAB_ORDER[self.tabs.currentIndex()]

    @property
    def current_table(self) -> QTableView:
        return self.tables[self.current_kind]

    def on_shown(self) -> None:
        self.current_table.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.refresh()

    def show_list(self, kind: WorklistKind) -> None:
        self.tabs.setCurrentIndex(TAB_ORDER.index(kind))
        self._focus_table()

    def refresh(self) -> None:
        """Read every list again in the background (after a step was taken, or Ctrl+R)."""
        self.loading = True
        self.status.setText(QCoreApplication.translate("worklist_screen", LOADING))
        db, now = self.context.db, self.context.clock()
        self.context.tasks.run(lambda: all_worklists(db, now=now, limit=DEFAULT_LIMIT), self._loaded, self._failed,
                               owner=self, request="worklists")

    def shortcut_help(self) -> list[tuple[str, str]]:
        keys = [(LIST_KEYS, self.tr("Chọn danh sách: ") + ", ".join(k.label.lower() for k in TAB_ORDER)),
                ("Enter", self.tr("Mở hồ sơ đang chọn")), ("Ctrl+R", self.tr("Tải lại các danh sách"))]
        seen: set[tuple[str, str]] = set()
        for kind in TAB_ORDER:
            for action in NEXT_ACTIONS[kind]:
                item = (action.key_text, action.label)
                if item not in seen:
                    seen.add(item)
                    keys.append((self.tr("{key_text} (danh sách «{label}»)").format(key_text=action.key_text, label=kind.label), action.label))
        return keys

    # -- loading ----------------------------------------------------------------------------------

    def _loaded(self, worklists: dict[WorklistKind, Worklist]) -> None:
        self.loading = False
        now = self.context.clock()
        for kind, worklist in worklists.items():
            table, model = self.tables[kind], self.models[kind]
            previous = table.currentIndex()
            previous_code = model.code_at(previous.row()) if previous.isValid() else None
            model.set_dossiers(worklist.dossiers, now)
            codes = model.codes()
            if codes:
                table.selectRow(codes.index(previous_code) if previous_code in codes else 0)
            self.tabs.setTabText(TAB_ORDER.index(kind), tab_title(kind, worklist))
        self.worklists = worklists
        self._show_status()
        self.loaded.emit()

    def _failed(self, error: Exception) -> None:
        self.loading = False
        self.status.setText(self.tr("Không tải được danh sách: {error_text}").format(error_text=error_text(error)))

    def _show_status(self) -> None:
        kind = self.current_kind
        worklist = self.worklists.get(kind)
        if worklist is None:
            return
        if not worklist.dossiers:
            self.status.setText(empty_text(kind))
        elif worklist.capped:
            self.status.setText(self.tr("{label}: {total} hồ sơ (hiện {len} hồ sơ hạn sớm nhất).").format(label=kind.label, total=worklist.total, len=len(worklist.dossiers)))
        else:
            self.status.setText(self.tr("{label}: {total} hồ sơ.").format(label=kind.label, total=worklist.total))

    def _tab_changed(self, _index: int) -> None:
        self.hint.setText(hint_text(self.current_kind))
        self._show_status()

    def _focus_table(self) -> None:
        table = self.current_table
        if not table.currentIndex().isValid() and table.model().rowCount():
            table.selectRow(0)
        table.setFocus(Qt.FocusReason.ShortcutFocusReason)

    # -- keyboard ---------------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return False
        if watched is not self.current_table or event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            return False
        key = event.key()
        if key in _ENTER_KEYS:
            self._activated(self.current_table.currentIndex())
            return True
        for action in NEXT_ACTIONS[self.current_kind]:
            if key == action.key:
                self.request(action)
                return True
        return False

    def request(self, action: NextAction) -> None:
        """Fire `action` for the selected row, or say why not (no row, or not for this row's status)."""
        index = self.current_table.currentIndex()
        if not index.isValid():
            self.status.setText(self.tr("Chưa chọn hồ sơ nào trong danh sách."))
            return
        dossier = self.models[self.current_kind].dossier_at(index.row())
        if not action.applies_to(dossier.status):
            self.status.setText(self.tr("«{label}» không áp dụng cho hồ sơ {code} đang ở trạng thái «{label2}».").format(label=action.label, code=dossier.code, label2=dossier.status.label))
            return
        self.action_requested.emit(action.action, dossier.code)

    def _activated(self, index: QModelIndex) -> None:
        if index.isValid():
            self.open_dossier_requested.emit(self.models[self.current_kind].code_at(index.row()))

"""Xung đột đồng bộ (Ctrl+Shift+G, supervisors only): decide the conflicts the province kept for a person.

The unit's open conflicts on the left; the chosen one's two versions side by side (the province's and the
counter's); a required note and the supervisor's password typed again (the province checks it); four
decisions, each with its key: Ctrl+1 keep the province's version, Ctrl+2 keep the counter's, Ctrl+3 merge (the
ticked fields come from the counter), Ctrl+4 reject the counter's. Ctrl+R reloads. Everything that talks to
the province runs in the background (sync/client/conflicts.py on the task runner's network pool); offline, the
dialog says so and nothing is decided. A decision is also written to the counter's audit trail (as a
`conflict.resolution` operation).
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from counter_app.domain.accounts import MAX_PASSWORD_LENGTH
from counter_app.domain.conflicts import RECODE_KEY, STATUS_FIELDS, field_label
from counter_app.domain.formats import seconds_datetime
from counter_app.domain.lifecycle import Status
from counter_app.ui.context import UiContext
from counter_app.ui.messages import error_text
from counter_app.ui.palette import ERROR_STYLE, INFO_STYLE, OK_STYLE
from sync.client.conflicts import Decision, decide, list_conflicts
from sync.protocol_conflicts import ConflictView, Resolution

DECISION_KEYS = {Resolution.KEEP_SERVER: "Ctrl+1", Resolution.KEEP_COUNTER: "Ctrl+2", Resolution.MERGE: "Ctrl+3",
                 Resolution.REJECT: "Ctrl+4"}
MAX_SHOWN_CHARS = 20_000  # a version shown is capped: the province's data is as untrusted as any


def version_text(version: dict[str, Any] | None) -> str:
    """One field a line under its Vietnamese name, nested values as compact JSON: readable, and the same
    for both sides (in the fields' order, so the two versions line up)."""
    if not version:
        return "—"
    lines = [f"{field_label(key)}: {_value_text(key, value)}" for key, value in sorted(version.items())]
    return "\n".join(lines)[:MAX_SHOWN_CHARS]


def _value_text(key: str, value: Any) -> str:
    if key in STATUS_FIELDS and type(value) is int and value in Status._value2member_map_:
        return f"{value} — {Status(value).label}"
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


class ConflictsDialog(QDialog):
    def __init__(self, context: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.conflicts: list[ConflictView] = []
        self.busy = False
        self.setWindowTitle(self.tr("Xung đột đồng bộ"))
        self.resize(1100, 640)
        intro = QLabel(self.tr("Những thay đổi máy chủ tỉnh không áp dụng được vì đè lên một thay đổi khác. Chọn một xung "
                               "đột, so hai bản, ghi lý do rồi quyết định. Quyết định được ghi ở máy chủ tỉnh và trong "
                               "nhật ký thao tác của quầy."))
        intro.setWordWrap(True)
        self.table = QTableWidget(0, 4)
        self.table.setObjectName("conflicts")
        self.table.setHorizontalHeaderLabels([self.tr("Số"), self.tr("Loại xung đột"), self.tr("Mã hồ sơ"),
                                              self.tr("Thời điểm")])
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.itemSelectionChanged.connect(self._show_selected)
        self.server_text = QPlainTextEdit(objectName="server_version", readOnly=True)
        self.counter_text = QPlainTextEdit(objectName="counter_version", readOnly=True)
        self.fields = QListWidget(objectName="merge_fields")
        self.fields.setMaximumHeight(110)
        self.note = QLineEdit(objectName="note")
        self.note.setMaxLength(500)
        self.note.setPlaceholderText(self.tr("Lý do của quyết định (bắt buộc)"))
        self.password = QLineEdit(objectName="password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setMaxLength(MAX_PASSWORD_LENGTH)
        self.password.setPlaceholderText(self.tr("Máy chủ tỉnh kiểm tra mật khẩu trước khi ghi quyết định"))
        self.hint = QLabel(objectName="hint")  # what each decision on the selected kind of conflict leads to
        self.hint.setWordWrap(True)
        self.status = QLabel(objectName="status")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.buttons: dict[Resolution, QPushButton] = {}
        labels = {Resolution.KEEP_SERVER: self.tr("Giữ bản của máy chủ tỉnh (Ctrl+1)"),
                  Resolution.KEEP_COUNTER: self.tr("Giữ bản của quầy (Ctrl+2)"),
                  Resolution.MERGE: self.tr("Gộp: lấy các trường đã đánh dấu từ bản của quầy (Ctrl+3)"),
                  Resolution.REJECT: self.tr("Từ chối bản của quầy (Ctrl+4)")}
        actions = QHBoxLayout()
        for resolution, key in DECISION_KEYS.items():
            button = QPushButton(labels[resolution], objectName=resolution.value)
            button.clicked.connect(lambda _=False, r=resolution: self.resolve(r))
            QShortcut(QKeySequence(key), self).activated.connect(lambda r=resolution: self.resolve(r))
            actions.addWidget(button)
            self.buttons[resolution] = button
        reload_button = QPushButton(self.tr("Tải lại (Ctrl+R)"))
        reload_button.clicked.connect(self.reload)
        QShortcut(QKeySequence("Ctrl+R"), self).activated.connect(self.reload)
        close_button = QPushButton(self.tr("Đóng (Esc)"))
        close_button.clicked.connect(self.reject)
        actions.addWidget(reload_button)
        actions.addWidget(close_button)

        sides = QGridLayout()
        sides.addWidget(QLabel(self.tr("Bản của máy chủ tỉnh:")), 0, 0)
        sides.addWidget(QLabel(self.tr("Bản của quầy:")), 0, 1)
        sides.addWidget(self.server_text, 1, 0)
        sides.addWidget(self.counter_text, 1, 1)
        note_label = QLabel(self.tr("&Lý do (bắt buộc):"))
        note_label.setBuddy(self.note)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addLayout(sides, 2)
        layout.addWidget(self.hint)
        layout.addWidget(QLabel(self.tr("Trường lấy từ bản của quầy khi gộp (đánh dấu bằng phím cách):")))
        layout.addWidget(self.fields)
        layout.addWidget(note_label)
        layout.addWidget(self.note)
        password_label = QLabel(self.tr("&Mật khẩu của giám sát viên (nhập lại để xác nhận):"))
        password_label.setBuddy(self.password)
        layout.addWidget(password_label)
        layout.addWidget(self.password)
        layout.addWidget(self.status)
        layout.addLayout(actions)
        self._enable(None)
        self.reload()

    # -- loading -------------------------------------------------------------------------------------

    def reload(self) -> None:
        """Ctrl+R: the unit's open conflicts, fetched in the background."""
        self._say(self.tr("Đang tải danh sách xung đột từ máy chủ tỉnh…"), INFO_STYLE)
        db = self.context.db
        self.context.tasks.run(lambda: list_conflicts(db), self._loaded, self._failed, network=True, owner=self,
                               request="load")

    def _loaded(self, conflicts: list[ConflictView]) -> None:
        self.conflicts = conflicts
        self.table.setRowCount(len(conflicts))
        for row, conflict in enumerate(conflicts):
            cells = [str(conflict.id), conflict.title, conflict.dossier_code or "—", self._when(conflict.created_at)]
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(text))
        if conflicts:
            self.table.selectRow(0)
            self._say(self.tr("Có {count} xung đột chờ quyết định.").format(count=len(conflicts)), INFO_STYLE)
        else:
            self._show_selected()
            self._say(self.tr("Không còn xung đột nào chờ quyết định."), OK_STYLE)

    def _failed(self, error: Exception) -> None:
        self.busy = False
        self.password.clear()  # a password is typed for one decision: never left in the dialog
        self._enable(self.selected())
        self._say(error_text(error), ERROR_STYLE)

    @staticmethod
    def _when(instant: str) -> str:
        from datetime import datetime

        try:
            return seconds_datetime(datetime.fromisoformat(instant))
        except ValueError:
            return instant[:40]

    # -- one conflict --------------------------------------------------------------------------------

    def selected(self) -> ConflictView | None:
        rows = self.table.selectionModel().selectedRows()
        return self.conflicts[rows[0].row()] if rows and rows[0].row() < len(self.conflicts) else None

    def _show_selected(self) -> None:
        conflict = self.selected()
        self.server_text.setPlainText(version_text(conflict.server) if conflict else "")
        self.counter_text.setPlainText(version_text(conflict.counter) if conflict else "")
        self.fields.clear()
        for name in conflict.mergeable if conflict else []:
            item = QListWidgetItem(field_label(name))
            item.setData(Qt.ItemDataRole.UserRole, name)  # the key the server merges by
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.fields.addItem(item)
        self.hint.setText(self._hint(conflict))
        self._enable(conflict)

    def _hint(self, conflict: ConflictView | None) -> str:
        """What follows each decision on a duplicate code, for the desk whose dossier it was."""
        if conflict is None or conflict.code != "duplicate_code":
            return ""
        return self.tr("Hai công dân khác nhau: giữ bản của máy chủ tỉnh (Ctrl+1); quầy đã cấp trùng mã sẽ cấp mã mới "
                       "cho hồ sơ của mình ({keys} trong hồ sơ) và in giấy tiếp nhận mới. Cùng một hồ sơ: giữ bản của "
                       "quầy (Ctrl+2) hoặc gộp (Ctrl+3); hồ sơ của quầy nhận mã định danh của máy chủ tỉnh và các bước "
                       "bị từ chối trong lúc chờ được gửi lại.").format(keys=RECODE_KEY)

    def _enable(self, conflict: ConflictView | None) -> None:
        for resolution, button in self.buttons.items():
            button.setEnabled(not self.busy and conflict is not None and resolution in conflict.choices)

    def chosen_fields(self) -> dict[str, str]:
        items = (self.fields.item(i) for i in range(self.fields.count()))
        return {item.data(Qt.ItemDataRole.UserRole): "counter" for item in items
                if item.checkState() == Qt.CheckState.Checked}

    # -- deciding ------------------------------------------------------------------------------------

    def resolve(self, resolution: Resolution) -> None:
        """Ctrl+1..4: send the decision on the selected conflict (the note is required)."""
        conflict = self.selected()
        if self.busy or conflict is None:
            return
        if resolution not in conflict.choices:
            self._say(self.tr("Xung đột loại này không giải quyết được bằng cách «{label}».").format(
                label=resolution.label), ERROR_STYLE)
            return
        note = self.note.text().strip()
        if not note:
            self._say(self.tr("Hãy ghi lý do của quyết định (bắt buộc) rồi chọn lại."), ERROR_STYLE)
            self.note.setFocus()
            return
        if not self.password.text():
            self._say(self.tr("Hãy nhập lại mật khẩu của giám sát viên để xác nhận quyết định rồi chọn lại."), ERROR_STYLE)
            self.password.setFocus()
            return
        fields = self.chosen_fields() if resolution is Resolution.MERGE else {}
        if resolution is Resolution.MERGE and not fields:
            self._say(self.tr("Hãy đánh dấu ít nhất một trường lấy từ bản của quầy để gộp."), ERROR_STYLE)
            self.fields.setFocus()
            return
        decision = Decision(conflict, resolution, note, fields, password=self.password.text())
        db, clerk = self.context.db, self.context.clerk
        self.busy = True
        self._enable(conflict)
        self._say(self.tr("Đang gửi quyết định về xung đột số {number} lên máy chủ tỉnh…").format(number=conflict.id),
                  INFO_STYLE)
        self.context.tasks.run(lambda: decide(db, clerk, decision), self._decided, self._failed, network=True,
                               owner=self)

    def _decided(self, view: ConflictView) -> None:
        self.busy = False
        self.note.clear()
        self.password.clear()
        self.conflicts = [c for c in self.conflicts if c.id != view.id]
        self._loaded(self.conflicts)
        label = view.resolution.resolution.label if view.resolution else ""
        self._say(self.tr("Đã ghi quyết định «{label}» cho xung đột số {number} ở máy chủ tỉnh và trong nhật ký của "
                          "quầy.").format(label=label, number=view.id), OK_STYLE)

    def _say(self, text: str, style: str) -> None:
        self.status.setText(text)
        self.status.setStyleSheet(style)

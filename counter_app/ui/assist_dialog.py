"""Hỗ trợ nộp hồ sơ trực tuyến (Ctrl+Shift+H): log one citizen helped on the national portal.

Keyboard only: the fields in order, Ctrl+S (or Enter in the last field) saves, Esc closes. The save runs on
the task runner's writer lane; a refused save keeps every field and shows each message under its field.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
)

from counter_app.domain import labels
from counter_app.domain.assisted_filing import PORTAL_CODE_LABEL, AssistedFiling, AssistOutcome
from counter_app.domain.errors import ValidationErrors
from counter_app.services.assisted_filing import NOTE_LABEL, OUTCOME_LABEL, AssistRequest, log_assistance
from counter_app.ui.context import UiContext
from counter_app.ui.form_fields import FieldErrors, combo, merge_by_field
from counter_app.ui.messages import error_text
from counter_app.ui.palette import ERROR_STYLE
from counter_app.ui.procedure_picker import ProcedurePicker

_ENTER_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


class AssistDialog(QDialog):
    """`saved(record)` fires once the log line is stored (and queued for the province)."""

    saved = Signal(object)

    def __init__(self, context: UiContext, parent=None) -> None:
        super().__init__(parent)
        self.context = context
        self.saving = False
        self.record: AssistedFiling | None = None
        self.setWindowTitle(self.tr("Hỗ trợ nộp hồ sơ trực tuyến"))
        self.errors = FieldErrors()
        self.name = QLineEdit()
        self.name.setObjectName("assist_name")
        self.id_number = QLineEdit()
        self.id_number.setObjectName("assist_id_number")
        self.phone = QLineEdit()
        self.phone.setObjectName("assist_phone")
        self.procedure = ProcedurePicker(context, self)
        self.outcome = combo([(o.label, o.value) for o in AssistOutcome])
        self.outcome.setObjectName("assist_outcome")
        self.portal_code = QLineEdit()
        self.portal_code.setObjectName("assist_portal_code")
        self.portal_code.setPlaceholderText(self.tr("Ví dụ 000.31.48.H15-261130-0042"))
        self.note = QLineEdit()
        self.note.setObjectName("assist_note")
        self.note.setPlaceholderText(self.tr("Bắt buộc khi không nộp được: ghi lý do"))

        form = QFormLayout()
        e = self.errors
        form.addRow(f"&{labels.FULL_NAME}:", e.wrap(self.name, "applicant_name"))
        form.addRow(self.tr("Số &CCCD (không bắt buộc):"), e.wrap(self.id_number, "id_number"))
        form.addRow(self.tr("Số đ&iện thoại (không bắt buộc):"), e.wrap(self.phone, "phone"))
        form.addRow(self.tr("&Thủ tục hành chính:"), e.wrap(self.procedure, "procedure_code"))
        form.addRow(f"&{OUTCOME_LABEL}:", e.wrap(self.outcome, "outcome"))
        form.addRow(f"&{PORTAL_CODE_LABEL}:", e.wrap(self.portal_code, "portal_code"))
        form.addRow(f"&{NOTE_LABEL}:", e.wrap(self.note, "note"))
        self.message = QLabel("")
        self.message.setObjectName("assist_message")
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Save).setText(self.tr("Lưu (Ctrl+S)"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Đóng (Esc)"))
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        save = QShortcut(QKeySequence("Ctrl+S"), self)
        save.activated.connect(self.save)
        self.note.installEventFilter(self)
        for widget in (self.name, self.id_number, self.phone, self.portal_code, self.note):
            widget.textEdited.connect(lambda _text, w=widget: self.errors.clear_widget(w))
        self.procedure.reload()
        self.name.setFocus()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.note and isinstance(event, QKeyEvent) and event.type() == QEvent.Type.KeyPress \
                and event.key() in _ENTER_KEYS:
            self.save()
            return True
        return False

    def request(self) -> AssistRequest:
        chosen = self.procedure.procedure()
        return AssistRequest(
            applicant_name=self.name.text(), procedure_code=chosen.code if chosen else self.procedure.text().strip(),
            outcome=str(self.outcome.currentData()), note=self.note.text(), portal_code=self.portal_code.text(),
            applicant_id_number=self.id_number.text(), applicant_phone=self.phone.text(),
            clerk_username=self.context.clerk_username,
        )

    def save(self) -> None:
        if self.saving:
            return
        self.saving = True
        self.errors.clear_all()
        self.message.clear()
        db, request, now = self.context.db, self.request(), self.context.clock()
        self.context.tasks.run(lambda: log_assistance(db, request, now=now), self._saved, self._refused,
                               write=True, owner=self)

    def _saved(self, record: AssistedFiling) -> None:
        self.saving = False
        self.record = record
        self.saved.emit(record)
        self.accept()

    def _refused(self, error: Exception) -> None:
        self.saving = False
        if isinstance(error, ValidationErrors):
            first, unplaced = self.errors.show(merge_by_field(error.errors))
            self.message.setText("\n".join(unplaced))
            if first is not None:
                first.setFocus()
            return
        self.message.setText(error_text(error))

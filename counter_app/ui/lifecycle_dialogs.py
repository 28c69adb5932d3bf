"""The dialogs that move a dossier after intake, opened from the dossier view by a key (docs/lifecycle.md).

- `StepDialog`: a status change (Ctrl+T), the papers supplied (Ctrl+D) or a hand-over with the agency
  (Ctrl+G): the next status, the reason where the law wants one, the agency for a hand-over;
- `SupplementDialog` (Ctrl+B): the papers still missing, typed as counts in the catalog's list, and why;
- `ApologyDialog` (Ctrl+H): Mẫu 04, the reason for the delay and the new due date.

Each one saves in the background (the writer lane of `ui/tasks.py`), keeps what was typed when the
service refuses, shows the Vietnamese reason under the fields, and closes itself on success after
calling `on_saved` with the result. Ctrl+Enter saves from any field; Esc cancels.

Each has a «Thời điểm» field (ui/moment_field.py, last in the form): now unless the clerk types when the
step really happened; the service's refusal of that time (in the future, before the last step) is shown
under it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QDateTime
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from counter_app.domain.dossier import OFFICE_TZ, Dossier
from counter_app.domain.errors import ValidationError
from counter_app.domain.formats import QT_OFFICE_DATETIME, column_datetime
from counter_app.domain.lifecycle import ALLOWED_TRANSITIONS, REASON_REQUIRED, Status
from counter_app.domain.lifecycle_records import APOLOGY_STATUSES, DEFAULT_AGENCY, HandoverDirection
from counter_app.ui.context import UiContext
from counter_app.ui.document_checklist import DocumentTable
from counter_app.ui.messages import error_text
from counter_app.ui.moment_field import MomentField
from counter_app.ui.palette import ERROR_STYLE, HINT_STYLE

# The steps that hand the paper to or take it from the agency: they ask for its name (Mẫu 05).
HANDOVER_STEPS = {(Status.RECEIVED, Status.PROCESSING): HandoverDirection.TO_AGENCY,
                  (Status.PROCESSING, Status.RESULT_READY): HandoverDirection.FROM_AGENCY}
SAVE_KEYS = ("Ctrl+Return", "Ctrl+Enter")


class _LifecycleDialog(QDialog):
    """What the three dialogs share: a form, an error line, Lưu/Hủy, background saving."""

    def __init__(self, context: UiContext, dossier: Dossier, title: str, on_saved: Callable[[Any], None],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.dossier = dossier
        self.on_saved = on_saved
        self.saving = False
        self.setWindowTitle(f"{title} — {dossier.code}")
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.when = MomentField(context.clock)
        self.when.edit.setObjectName("lifecycle_at")
        when_form = QFormLayout()
        when_form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        when_form.addRow(self.tr("Thời điểm:"), self.when)
        self.error = QLabel()
        self.error.setObjectName("lifecycle_error")
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        self.save_button = QPushButton(self.tr("Lưu (Ctrl+Enter)"))
        self.save_button.setObjectName("lifecycle_save")
        self.save_button.clicked.connect(self.save)
        cancel = QPushButton(self.tr("Hủy (Esc)"))
        cancel.clicked.connect(self.reject)
        for button in (self.save_button, cancel):
            button.setAutoDefault(False)  # Enter in a field never saves half a form
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(cancel)
        layout = QVBoxLayout(self)
        heading = QLabel(self.tr("Trạng thái hiện tại: {label}; hẹn trả {column_datetime}").format(label=dossier.status.label, column_datetime=column_datetime(dossier.due_at)))
        heading.setStyleSheet(HINT_STYLE)
        layout.addWidget(heading)
        layout.addLayout(self.form)
        layout.addLayout(when_form)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        for keys in SAVE_KEYS:
            QShortcut(QKeySequence(keys), self).activated.connect(self.save)

    def work(self) -> Callable[[], Any]:
        """The service call to run on the writer lane (raises a Vietnamese DomainError when refused)."""
        raise NotImplementedError

    def showEvent(self, event: QShowEvent) -> None:
        """Tab reaches «Thời điểm» after the dialog's own fields (it is built first, in this base)."""
        fields = [self.form.itemAt(row, QFormLayout.ItemRole.FieldRole) for row in range(self.form.rowCount())]
        widgets = [item.widget() for item in fields if item is not None and item.widget() is not None]
        if widgets:
            QWidget.setTabOrder(widgets[-1], self.when.edit)
        super().showEvent(event)

    def moment(self) -> dict[str, datetime | None]:
        """The step's time for the service: `at` (None: now) and `now` from the context's clock."""
        return {"at": self.when.moment(), "now": self.context.clock()}

    def save(self) -> None:
        if self.saving:
            return
        self.when.clear_error()
        try:
            job = self.work()
        except (ValueError, ValidationError) as problem:  # a field the dialog itself can judge
            self._failed(problem)
            return
        self.saving = True
        self.save_button.setEnabled(False)
        self.error.setText(self.tr("Đang lưu…"))
        self.context.tasks.run(job, self._saved, self._failed, write=True, owner=self)

    def _saved(self, result: Any) -> None:
        self.saving = False
        self.on_saved(result)
        self.accept()

    def _failed(self, error: Exception) -> None:
        self.saving = False
        self.save_button.setEnabled(True)
        if isinstance(error, ValidationError) and error.field == "at":
            self.error.setText("")
            self.when.show_error(error.message)
            return
        self.error.setText(str(error) if isinstance(error, ValueError) else error_text(error))


class StepDialog(_LifecycleDialog):
    """Move the dossier to one of the statuses its lifecycle allows (or to `only`, fixed)."""

    def __init__(self, context: UiContext, dossier: Dossier, on_saved: Callable[[Any], None], *,
                 only: Status | None = None, parent: QWidget | None = None) -> None:
        title = self.tr("Chuyển trạng thái") if only is None else self.tr("Chuyển sang «{label}»").format(label=only.label)
        super().__init__(context, dossier, title, on_saved, parent)
        self.target = QComboBox()
        self.target.setObjectName("lifecycle_target")
        targets = [only] if only is not None else sorted(ALLOWED_TRANSITIONS[dossier.status])
        for status in targets:
            self.target.addItem(f"{int(status)} — {status.label}", int(status))
        self.reason = QLineEdit()
        self.reason.setObjectName("lifecycle_reason")
        self.agency = QLineEdit()
        self.agency.setObjectName("lifecycle_agency")
        self.agency.setPlaceholderText(DEFAULT_AGENCY)
        self.form.addRow(self.tr("Chuyển sang:"), self.target)
        self.form.addRow(self.tr("Lý do:"), self.reason)
        self.form.addRow(self.tr("Cơ quan giải quyết:"), self.agency)
        self.target.currentIndexChanged.connect(self._fit_fields)
        self._fit_fields()
        (self.target if only is None else self.reason).setFocus()

    def chosen(self) -> Status:
        return Status(self.target.currentData())

    def _fit_fields(self) -> None:
        target = self.chosen() if self.target.count() else None
        needs_reason = target in REASON_REQUIRED
        self.form.setRowVisible(self.reason, target is not None and target is not Status.SUPPLEMENT_REQUESTED)
        self.form.labelForField(self.reason).setText(self.tr("Lý do (bắt buộc):") if needs_reason else self.tr("Ghi chú:"))
        self.form.setRowVisible(self.agency, (self.dossier.status, target) in HANDOVER_STEPS)

    def work(self) -> Callable[[], Any]:
        from counter_app.services.lifecycle import transition

        if not self.target.count():
            raise ValueError(self.tr("Hồ sơ đang ở trạng thái cuối «{label}»: không chuyển tiếp được.").format(label=self.dossier.status.label))
        target = self.chosen()
        if target is Status.SUPPLEMENT_REQUESTED:
            raise ValueError(self.tr("Yêu cầu bổ sung giấy tờ bằng phím Ctrl+B (ghi các giấy tờ còn thiếu)."))
        db, code, username = self.context.db, self.dossier.code, self.context.clerk_username
        reason, agency, when = self.reason.text(), self.agency.text(), self.moment()
        return lambda: transition(db, code, target, reason=reason, agency=agency, by=username,
                                  actor=self.context.profile.clerk_name, **when)


class HandoverDialog(_LifecycleDialog):
    """A row of Mẫu 05: the paper dossier to the agency, or the result back from it."""

    def __init__(self, context: UiContext, dossier: Dossier, on_saved: Callable[[Any], None],
                 parent: QWidget | None = None) -> None:
        super().__init__(context, dossier, self.tr("Giao nhận với cơ quan giải quyết"), on_saved, parent)
        self.direction = QComboBox()
        self.direction.setObjectName("lifecycle_direction")
        if dossier.status in (Status.RECEIVED, Status.PROCESSING):
            self.direction.addItem(self.tr("Giao hồ sơ cho cơ quan giải quyết"), HandoverDirection.TO_AGENCY.value)
        if dossier.status in (Status.PROCESSING, Status.RESULT_READY):
            self.direction.addItem(self.tr("Nhận kết quả từ cơ quan giải quyết"), HandoverDirection.FROM_AGENCY.value)
        self.agency = QLineEdit()
        self.agency.setObjectName("lifecycle_agency")
        self.agency.setPlaceholderText(DEFAULT_AGENCY)
        self.form.addRow(self.tr("Giao hay nhận:"), self.direction)
        self.form.addRow(self.tr("Cơ quan giải quyết:"), self.agency)
        self.direction.setFocus()

    def work(self) -> Callable[[], Any]:
        from counter_app.services.lifecycle import hand_over

        if not self.direction.count():
            raise ValueError(self.tr("Hồ sơ đang ở trạng thái «{label}»: không có việc giao nhận với cơ quan giải quyết.").format(label=self.dossier.status.label))
        direction = HandoverDirection(self.direction.currentData())
        db, code, username, agency = self.context.db, self.dossier.code, self.context.clerk_username, self.agency.text()
        when = self.moment()
        return lambda: hand_over(db, code, direction, agency=agency, by=username, actor=self.context.profile.clerk_name,
                                 **when)


class SupplementDialog(_LifecycleDialog):
    """Mẫu 02 after receipt: the counts of each missing paper (0 = not asked) and the reason."""

    def __init__(self, context: UiContext, dossier: Dossier, on_saved: Callable[[Any], None],
                 parent: QWidget | None = None) -> None:
        super().__init__(context, dossier, self.tr("Yêu cầu bổ sung giấy tờ"), on_saved, parent)
        self.papers = DocumentTable()
        self.papers.setObjectName("lifecycle_papers")
        self.reason = QLineEdit()
        self.reason.setObjectName("lifecycle_reason")
        hint = QLabel(self.tr("Gõ số bản còn thiếu của từng giấy tờ (mũi tên để di chuyển, Tab để sang ô lý do)."))
        hint.setStyleSheet(HINT_STYLE)
        hint.setWordWrap(True)
        self.form.addRow(hint)
        self.form.addRow(self.tr("Giấy tờ cần bổ sung:"), self.papers)
        self.form.addRow(self.tr("Lý do (bắt buộc):"), self.reason)
        self.resize(760, 480)
        self.loaded = False
        db, code = context.db, dossier.code
        from counter_app.services.lifecycle import papers_to_ask

        context.tasks.run(lambda: papers_to_ask(db, code), self._papers_loaded, self._failed, owner=self)

    def _papers_loaded(self, lines: list) -> None:
        self.papers.set_lines(lines)
        self.papers.setFocus()
        self.loaded = True

    def work(self) -> Callable[[], Any]:
        from counter_app.services.lifecycle import request_supplement

        missing = [line for line in self.papers.lines()
                   if line.originals or line.certified_copies or line.photocopies]
        if not missing:
            raise ValueError(self.tr("Hãy ghi số bản của ít nhất một giấy tờ cần bổ sung."))
        db, code, username, reason = self.context.db, self.dossier.code, self.context.clerk_username, self.reason.text()
        when = self.moment()
        return lambda: request_supplement(db, code, missing=missing, reason=reason, by=username,
                                          actor=self.context.profile.clerk_name, **when)


class ApologyDialog(_LifecycleDialog):
    """Mẫu 04: why the result is late and the new due date (proposed: the close of the next working day,
    read in the background; until it arrives, one day after the current due date)."""

    def __init__(self, context: UiContext, dossier: Dossier, on_saved: Callable[[Any], None],
                 parent: QWidget | None = None) -> None:
        super().__init__(context, dossier, self.tr("Xin lỗi và hẹn lại ngày trả kết quả"), on_saved, parent)
        self.reason = QLineEdit()
        self.reason.setObjectName("lifecycle_reason")
        self.new_due = QDateTimeEdit()
        self.new_due.setObjectName("lifecycle_new_due")
        self.new_due.setDisplayFormat(QT_OFFICE_DATETIME)
        proposed = dossier.due_at.astimezone(OFFICE_TZ) + timedelta(days=1)
        self.new_due.setDateTime(QDateTime(proposed.date(), proposed.time().replace(tzinfo=None)))
        self.form.addRow(self.tr("Lý do trả chậm (bắt buộc):"), self.reason)
        self.form.addRow(self.tr("Hẹn trả mới:"), self.new_due)
        self.reason.setFocus()
        self._proposed_shown = self.new_due.dateTime()
        from counter_app.services.lifecycle import proposed_new_due

        db, code = context.db, dossier.code
        context.tasks.run(lambda: proposed_new_due(db, code, now=context.clock()), self._propose, lambda _error: None,
                          owner=self)

    def _propose(self, proposed: datetime) -> None:
        """The working-day proposal, unless the clerk has already changed the date."""
        if self.new_due.dateTime() != self._proposed_shown:
            return
        local = proposed.astimezone(OFFICE_TZ)
        self.new_due.setDateTime(QDateTime(local.date(), local.time().replace(tzinfo=None)))

    def new_due_at(self) -> datetime:
        value = self.new_due.dateTime()
        day, clock = value.date().toPython(), value.time().toPython()
        return datetime.combine(day, clock.replace(second=0, microsecond=0), OFFICE_TZ)

    def work(self) -> Callable[[], Any]:
        from counter_app.services.lifecycle import apologise

        db, code, username = self.context.db, self.dossier.code, self.context.clerk_username
        reason, new_due, when = self.reason.text(), self.new_due_at(), self.moment()
        return lambda: apologise(db, code, reason=reason, new_due_at=new_due, by=username,
                                 actor=self.context.profile.clerk_name, **when)


# The dossier view's keys: (key, button text, which dialog, when the button is enabled).
def _open_step(context: UiContext, dossier: Dossier, on_saved: Callable[[Any], None], parent: QWidget) -> QDialog:
    return StepDialog(context, dossier, on_saved, parent=parent)


def _open_supplied(context: UiContext, dossier: Dossier, on_saved: Callable[[Any], None], parent: QWidget) -> QDialog:
    return StepDialog(context, dossier, on_saved, only=Status.PROCESSING, parent=parent)


ACTIONS: list[tuple[str, str, Callable[..., QDialog], Callable[[Status], bool]]] = [
    ("Ctrl+T", "Chuyển trạng thái", _open_step, lambda s: bool(ALLOWED_TRANSITIONS[s])),
    ("Ctrl+B", "Yêu cầu bổ sung", SupplementDialog, lambda s: Status.SUPPLEMENT_REQUESTED in ALLOWED_TRANSITIONS[s]),
    ("Ctrl+D", "Đã bổ sung đủ", _open_supplied, lambda s: s is Status.SUPPLEMENT_REQUESTED),
    ("Ctrl+H", "Xin lỗi, hẹn lại", ApologyDialog, lambda s: s in APOLOGY_STATUSES),
    ("Ctrl+G", "Giao nhận với cơ quan", HandoverDialog,
     lambda s: s in (Status.RECEIVED, Status.PROCESSING, Status.RESULT_READY)),
]
# Where each action sits in ACTIONS, for screens that open one for a dossier (the worklist's next action):
# `DossierDialog.open_lifecycle(ACTION_INDEX["apology"])`.
ACTION_INDEX = {"transition": 0, "supplement": 1, "supplied": 2, "apology": 3, "handover": 4}
# What F1 lists for these keys.
SHORTCUT_HELP = [
    ("Ctrl+T", QT_TRANSLATE_NOOP("Shortcuts", "Hồ sơ đang mở: chuyển trạng thái (từ chối, rút, dừng… kèm lý do)")),
    ("Ctrl+B", QT_TRANSLATE_NOOP("Shortcuts", "Hồ sơ đang mở: yêu cầu bổ sung giấy tờ (Mẫu 02), tạm dừng thời hạn")),
    ("Ctrl+D", QT_TRANSLATE_NOOP("Shortcuts", "Hồ sơ đang mở: công dân đã bổ sung đủ, tính lại ngày hẹn trả")),
    ("Ctrl+H", QT_TRANSLATE_NOOP("Shortcuts", "Hồ sơ đang mở: xin lỗi và hẹn lại ngày trả kết quả (Mẫu 04)")),
    ("Ctrl+G", QT_TRANSLATE_NOOP("Shortcuts", "Hồ sơ đang mở: giao hồ sơ cho / nhận kết quả từ cơ quan giải quyết (Mẫu 05)")),
]

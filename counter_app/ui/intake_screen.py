"""Tiếp nhận hồ sơ: the screen a clerk fills while the citizen waits, keyboard first.

Procedure → applicant → papers → save (Ctrl+S, or Enter in the last field). The service does every
business check; its messages come back per field and are shown under that field, so the clerk fixes
them in one pass and nothing typed is lost. An ID-card QR scanned from anywhere fills the applicant.
All database and PDF work runs in background tasks; Save is disabled while a save is in flight.

«Thời điểm tiếp nhận» (Alt+T) is now unless the clerk types when a paper dossier was really received;
a time before the working day in progress is a late entry: it asks for the reason and the signed-in
clerk must be a supervisor (services/clerks.late_entry, docs/step-time.md).

This screen coordinates: layout, procedure, due date, keys, a new dossier. Saving (receive and the slip,
guidance, refusal) is in intake_saving and the questions it asks in intake_questions; the people are in
person_form, the papers and filing details in dossier_form (checklist table: document_checklist), and
the per-field messages in form_fields.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from itertools import pairwise

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QEvent, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from counter_app.domain import labels
from counter_app.domain.catalog import Procedure
from counter_app.domain.dossier import Channel
from counter_app.domain.errors import ValidationError
from counter_app.domain.formats import to_office
from counter_app.domain.identity import parse_chip_id_qr
from counter_app.domain.time_rules import procedure_time_text
from counter_app.services.clock import office_today
from counter_app.services.intake import preview_due_at
from counter_app.ui.context import UiContext
from counter_app.ui.dossier_form import DossierForm
from counter_app.ui.fee_panel import FEE_SHORTCUTS, FeePanel
from counter_app.ui.form_fields import FieldErrors
from counter_app.ui.intake_questions import UnsavedChoice, discard_question, unsaved_choice, unsaved_question
from counter_app.ui.intake_saving import IntakeSaving, due_text
from counter_app.ui.messages import error_text
from counter_app.ui.moment_field import MomentEdit
from counter_app.ui.outcome_dialogs import OutcomeDialog
from counter_app.ui.palette import ERROR_STYLE, INFO_STYLE
from counter_app.ui.person_form import PersonForm
from counter_app.ui.procedure_picker import ProcedurePicker
from counter_app.ui.screen import Screen
from counter_app.ui.slip_preview import SlipPreviewDialog

DUE_NONE = QT_TRANSLATE_NOOP("intake_screen", "Hẹn trả: chọn thủ tục để tính ngày hẹn trả")

SHORTCUTS = [
    ("Ctrl+T", QT_TRANSLATE_NOOP("Shortcuts", "Về ô chọn thủ tục (Ctrl+L: khóa màn hình)")),
    ("↑ / ↓, Enter", QT_TRANSLATE_NOOP("Shortcuts", "Chọn thủ tục trong danh sách gợi ý")),
    ("Enter", QT_TRANSLATE_NOOP("Shortcuts", "Sang ô tiếp theo; ở ô cuối (nội dung yêu cầu): lưu")),
    ("Alt+K", QT_TRANSLATE_NOOP("Shortcuts", "Bật/tắt «Người nộp khác chủ hồ sơ»")),
    ("Alt+T", QT_TRANSLATE_NOOP("Shortcuts", "Thời điểm tiếp nhận (mặc định bây giờ; hồ sơ giấy nhập sau: gõ giờ:phút ngày/tháng/năm; trước ngày làm việc hiện tại cần lý do và giám sát viên đăng nhập)")),
    ("Ctrl+S", QT_TRANSLATE_NOOP("Shortcuts", "Lưu hồ sơ và xem giấy tiếp nhận")),
    ("Ctrl+N / F2", QT_TRANSLATE_NOOP("Shortcuts", "Hồ sơ mới (xóa biểu mẫu; hỏi lại nếu đang nhập dở)")),
    (QT_TRANSLATE_NOOP("Shortcuts", "Số (0–9)"), QT_TRANSLATE_NOOP("Shortcuts", "Trong bảng thành phần hồ sơ: gõ số bản (0: không nộp, không in lên giấy tiếp nhận)")),
    ("+ / −", QT_TRANSLATE_NOOP("Shortcuts", "Trong bảng thành phần hồ sơ: tăng / giảm số bản của ô đang chọn")),
    ("↑ / ↓ ← →", QT_TRANSLATE_NOOP("Shortcuts", "Trong bảng thành phần hồ sơ: sang giấy tờ / cột khác (kể cả ngay sau khi gõ số)")),
    ("↑ / ↓, Enter", QT_TRANSLATE_NOOP("Shortcuts", "Chọn xã/phường trong danh sách gợi ý (mặc định: xã/phường của quầy)")),
    (QT_TRANSLATE_NOOP("Shortcuts", "Quét QR căn cước"), QT_TRANSLATE_NOOP("Shortcuts", "Điền họ tên, số CCCD, ngày sinh, giới tính, địa chỉ")),
    ("Ctrl+G", QT_TRANSLATE_NOOP("Shortcuts", "Không tiếp nhận mà hướng dẫn bổ sung, hoàn thiện hồ sơ (Mẫu 02, không cấp mã hồ sơ)")),
    ("Ctrl+R", QT_TRANSLATE_NOOP("Shortcuts", "Từ chối tiếp nhận hồ sơ, ghi lý do (Mẫu 03)")),
    *FEE_SHORTCUTS,
]


class IntakeScreen(IntakeSaving, Screen):
    """The intake form. `save()` receives the dossier; `fill_from_id_card()` takes a scanned QR line."""

    title = QT_TRANSLATE_NOOP("Screen", "Tiếp nhận")  # translated where shown (main window)
    dossier_saved = Signal(str)  # the new dossier's code
    outcome_saved = Signal(str)  # guidance (its reference HD…) or a refusal (the refused dossier's code)
    save_failed = Signal()  # the save was refused or failed; the form is kept
    slip_closed = Signal()  # the slip preview after a save was closed

    def __init__(self, context: UiContext) -> None:
        super().__init__(context)
        self.setObjectName("intake_screen")
        self.saving = False
        self.last_code = ""
        self.last_received = ""  # the dossier received last, until the next is typed: F4 collects its fees
        self.slip_dialog: SlipPreviewDialog | None = None
        self.outcome_dialog: OutcomeDialog | None = None
        self.confirm_box: QMessageBox | None = None
        self._due_request = 0
        self._plain_names_ok: set[str] = set()  # names the clerk confirmed are written without marks
        # field name from ValidationError.field -> (widget to mark and focus, label under it)
        self._field_errors = FieldErrors()
        self._build()
        self._bind("Ctrl+S", self.save)
        self._bind("Ctrl+N", self.new_dossier)
        self._bind("Ctrl+T", self.focus_picker)
        self._bind("Ctrl+G", self.give_guidance)
        self._bind("Ctrl+R", self.refuse)
        self.picker.reload()

    # -- layout ----------------------------------------------------------------------------------

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(8, 6, 8, 6)
        outer.setSpacing(4)

        self.message = QLabel("")
        self.message.setObjectName("intake_message")
        self.message.setWordWrap(True)
        self.message.hide()
        outer.addWidget(self.message)

        top = QFormLayout()
        top.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.picker = ProcedurePicker(self.context)
        self.picker.procedure_chosen.connect(self._on_procedure_chosen)
        self.picker.catalog_loaded.connect(self._on_catalog_loaded)
        procedure_box = self._field_errors.wrap(self.picker, "procedure_code")
        title = QLabel(labels.caption(labels.PROCEDURE))
        title.setBuddy(self.picker)
        top.addRow(title, procedure_box)
        self.due_label = QLabel(QCoreApplication.translate("intake_screen", DUE_NONE))
        self.due_label.setObjectName("due_label")
        self.due_label.setStyleSheet("font-weight: bold;")
        self.time_label = QLabel("")
        due_row = QHBoxLayout()
        due_row.addWidget(self.due_label)
        due_row.addSpacing(16)
        due_row.addWidget(self.time_label)
        due_row.addStretch(1)
        top.addRow("", due_row)
        top.addRow(*self._build_moment())
        outer.addLayout(top)

        columns = QHBoxLayout()
        self.person = PersonForm(self.context, self._field_errors)
        self.dossier = DossierForm(self._field_errors)
        self._expose_fields()
        columns.addWidget(self.person, 5)
        columns.addWidget(self.dossier, 6)
        body = QWidget()
        body_layout = QVBoxLayout(body)
        body_layout.addLayout(columns)
        self.fees = FeePanel()  # phí, lệ phí of the chosen procedure (ui/fee_panel.py)
        body_layout.addWidget(self.fees)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        outer.addWidget(scroll, 1)

        buttons = QHBoxLayout()
        self.new_button = QPushButton(self.tr("Hồ sơ mới (Ctrl+N)"))
        self.guidance_button = QPushButton(self.tr("Hướng dẫn bổ sung, Mẫu 02 (Ctrl+G)"))
        self.refuse_button = QPushButton(self.tr("Từ chối tiếp nhận, Mẫu 03 (Ctrl+R)"))
        self.save_button = QPushButton(self.tr("Lưu và in giấy tiếp nhận (Ctrl+S)"))
        self.save_button.setObjectName("save_button")
        self.save_button.setStyleSheet("font-weight: bold;")
        for button in (self.new_button, self.guidance_button, self.refuse_button, self.save_button):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # reached by their keys; Tab stays in the form
        self.new_button.clicked.connect(self.new_dossier)
        self.guidance_button.clicked.connect(self.give_guidance)
        self.refuse_button.clicked.connect(self.refuse)
        self.save_button.clicked.connect(self.save)
        buttons.addStretch(1)
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.guidance_button)
        buttons.addWidget(self.refuse_button)
        buttons.addWidget(self.save_button)
        outer.addLayout(buttons)

        for first, second in pairwise(self._tab_chain()):
            QWidget.setTabOrder(first, second)
        self.last_field = self.summary
        self.channel.currentIndexChanged.connect(self._update_due)

    def _build_moment(self) -> tuple[QLabel, QWidget]:
        """«Thời điểm tiếp nhận» and, for a day before today, the late entry's reason beside it."""
        self.received_at = MomentEdit(self.context.clock, field="received_at", label=labels.RECEIVED_AT)
        self.late_reason = QLineEdit()
        self.late_reason.setObjectName("late_entry_reason")
        self.late_reason.setPlaceholderText(self.tr("vì sao nhập sau (giám sát viên duyệt)"))
        self.late_caption = QLabel(self.tr("Lý do nhập muộn:"))
        self.late_caption.setBuddy(self.late_reason)
        row = QWidget()
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._field_errors.wrap(self.received_at, "received_at"), 2)
        layout.addWidget(self.late_caption)
        layout.addWidget(self._field_errors.wrap(self.late_reason, "late_entry_reason"), 3)
        self.received_at.textChanged.connect(self._moment_changed)
        self.late_reason.textEdited.connect(lambda _text: self._field_errors.clear_widget(self.late_reason))
        self._moment_changed()
        title = QLabel(f"&{labels.RECEIVED_AT}:")  # Alt+T
        title.setBuddy(self.received_at)
        return title, row

    def _moment_changed(self) -> None:
        """A day before today may be a late entry: its reason field shows; the due date follows the time."""
        self._field_errors.clear_widget(self.received_at)
        day = self.received_at.typed_day()
        late = day is not None and day < to_office(self.context.clock()).date()
        self.late_caption.setVisible(late)
        self.late_reason.parentWidget().setVisible(late)
        if hasattr(self, "channel"):
            self._update_due()

    def received_moment(self) -> datetime | None:
        """The time received typed (None: now, or unreadable: the save then reports it at the field)."""
        try:
            return self.received_at.moment()
        except ValidationError:
            return None

    def _expose_fields(self) -> None:
        """The form's fields stay attributes of the screen: the GUI tests and tests/screenshots.py drive them."""
        p, d = self.person, self.dossier
        self.full_name, self.id_type, self.id_number = p.full_name, p.id_type, p.id_number
        self.birth_date, self.gender, self.phone, self.email = p.birth_date, p.gender, p.phone, p.email
        self.address, self.commune = p.address, p.commune
        self.other_submitter, self.submitter_group = p.other_submitter, p.submitter_group
        self.submitter_name, self.submitter_id_type = p.submitter_name, p.submitter_id_type
        self.submitter_id_number, self.submitter_phone = p.submitter_id_number, p.submitter_phone
        self.documents, self.sets_count, self.summary = d.documents, d.sets_count, d.summary
        self.channel, self.delivery = d.channel, d.delivery

    def _bind(self, keys: str, slot: Callable[[], object]) -> None:
        shortcut = QShortcut(QKeySequence(keys), self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(slot)

    def _tab_chain(self) -> list[QWidget]:
        return [self.picker, *self.person.tab_chain(), *self.dossier.tab_chain(), *self.fees.tab_chain(),
                self.received_at, self.late_reason]

    # -- Screen API ------------------------------------------------------------------------------

    def on_shown(self) -> None:
        if self.received_at.is_now():
            self.received_at.set_now()  # the time shown follows the clock while it means "now"
        if self.picker.procedure() is None:
            self.focus_picker()
            return
        first_empty = self.person.first_empty_field()
        (first_empty or self.summary).setFocus(Qt.FocusReason.OtherFocusReason)

    def shortcut_help(self) -> list[tuple[str, str]]:
        return list(SHORTCUTS)

    def focus_picker(self) -> None:
        self.picker.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.picker.selectAll()

    # -- keys ------------------------------------------------------------------------------------

    def event(self, event: QEvent) -> bool:
        # F2 is also the main window's "go to intake"; while the focus is here it means "new dossier".
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_F2
            and event.modifiers() == Qt.KeyboardModifier.NoModifier
        ):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Keys the focused field did not use arrive here: Enter moves on (or saves), F2 starts anew."""
        key = event.key()
        if key == Qt.Key.Key_F2 and event.modifiers() == Qt.KeyboardModifier.NoModifier:
            self.new_dossier()
            return
        plain = event.modifiers() in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier)
        if key == Qt.Key.Key_Escape and plain:
            self.abandon_dossier()
            return
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and plain:
            focus = self.focusWidget()
            if focus is not None and focus is not self.documents and self.documents.isAncestorOf(focus):
                return  # Enter commits a count being edited; the clerk stays in the table
            if focus is self.last_field:
                self.save()
            else:
                self.focusNextChild()
            return
        super().keyPressEvent(event)

    # -- procedure, due date ---------------------------------------------------------------------

    def _on_catalog_loaded(self, count: int) -> None:
        if self.picker.load_error:
            self.show_message(self.picker.load_error, error=True)
        elif count == 0:
            self.show_message(
                self.tr("Danh mục thủ tục của quầy đang trống: hãy nhập danh mục (menu Thiết lập) trước khi tiếp nhận."),
                error=True,
            )

    def _on_procedure_chosen(self, procedure: Procedure) -> None:
        self.dossier.show_procedure(procedure)
        self.fees.show_procedure(procedure)
        self.time_label.setText(self.tr("Thời hạn giải quyết: {procedure_time_text}").format(procedure_time_text=procedure_time_text(procedure)))
        self._field_errors.clear_field("procedure_code")
        self._field_errors.clear_field("documents")
        self._update_due()

    def _update_due(self) -> None:
        """Ask the calendar (in the background) when a dossier received now would be due."""
        procedure = self.picker.procedure()
        self._due_request += 1
        request = self._due_request
        if procedure is None:
            self.due_label.setText(QCoreApplication.translate("intake_screen", DUE_NONE))
            return
        channel = Channel(self.channel.currentData())
        db, code = self.context.db, procedure.code
        received_at = self.received_moment() or self.context.clock()
        self.due_label.setText(self.tr("Hẹn trả: đang tính…"))

        def done(due: datetime | None) -> None:
            if request != self._due_request:
                return  # a newer choice is already being computed
            self.due_label.setText(due_text(due) if due else self.tr("Hẹn trả: chưa tính được (thủ tục không có trong danh mục)"))

        def failed(error: Exception) -> None:
            if request == self._due_request:
                self.due_label.setText(self.tr("Hẹn trả: chưa tính được ({error_text})").format(error_text=error_text(error)))

        self.context.tasks.run(lambda: preview_due_at(db, code, channel, received_at=received_at), done, failed)

    # -- ID card ---------------------------------------------------------------------------------

    def fill_from_id_card(self, payload: str) -> None:
        """Fill the applicant (or the submitter, when the focus is in that group) from a chip-ID QR line."""
        self.picker.hide_popup()
        self.person.commune.hide_popup()
        try:
            card = parse_chip_id_qr(payload, today=office_today(self.context.clock()))
        except ValidationError as error:
            self.show_message(self.tr("{message} Thông tin đã nhập được giữ nguyên.").format(message=error.message), error=True)
            return
        who, next_field = self.person.fill_from_card(card, self.focusWidget())
        self.show_message(
            self.tr("Đã điền thông tin {who} từ thẻ căn cước: {full_name}, số {id_number}. Hãy kiểm tra lại (cả xã/phường) và nhập số điện thoại.").format(who=who, full_name=card.full_name, id_number=card.id_number)
        )
        if not next_field.text().strip():
            next_field.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- new dossier -----------------------------------------------------------------------------

    def has_typed_data(self) -> bool:
        """Anything the clerk typed that a new dossier would wipe: a back-dated time and its reason count."""
        picker_typed = bool(self.picker.text().strip())
        moment_typed = not self.received_at.is_now() or bool(self.late_reason.text().strip())
        return picker_typed or moment_typed or self.person.has_typed_data() or self.dossier.has_typed_data()

    def new_dossier(self) -> bool:
        """Ctrl+N / F2: clear for the next citizen; asks first when something typed would be lost."""
        if self.saving:
            return False
        if self.has_typed_data():
            box, discard = discard_question(self)
            self._ask(box)
            if box.clickedButton() is not discard:
                return False
        self.clear_form()
        self.message.hide()
        self.focus_picker()
        return True

    def ask_about_unsaved(self, action: str) -> UnsavedChoice:
        """Save / discard / keep editing, asked before `action` ("thoát", "bỏ hồ sơ này") would lose work.

        Esc and closing the question keep editing: the safe answer is the one that loses nothing.
        """
        return unsaved_choice(self._ask(unsaved_question(self, action)))

    def _ask(self, box: QMessageBox) -> int:
        """Open a question and wait for its answer; `confirm_box` holds it while it is up."""
        self.confirm_box = box
        try:
            return box.exec()
        finally:
            self.confirm_box = None

    def abandon_dossier(self) -> None:
        """Esc: leave this dossier (the form is emptied); asks first when something typed would be lost."""
        if self.saving or not self.has_typed_data():
            return
        choice = self.ask_about_unsaved(self.tr("bỏ hồ sơ này"))
        if choice is UnsavedChoice.SAVE:
            self.save()
        elif choice is UnsavedChoice.DISCARD:
            self.clear_form()
            self.message.hide()
            self.focus_picker()

    def clear_form(self) -> None:
        self.picker.clear_choice()
        self.person.clear()
        self.dossier.clear()
        self.fees.clear()
        self.late_reason.clear()
        self.received_at.set_now()
        self.time_label.setText("")
        self._due_request += 1
        self.due_label.setText(QCoreApplication.translate("intake_screen", DUE_NONE))
        self.clear_errors()

    # -- messages --------------------------------------------------------------------------------

    def show_message(self, text: str, *, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(ERROR_STYLE + "font-weight: bold;" if error else INFO_STYLE)
        self.message.show()

    def field_error(self, name: str) -> str:
        """The message shown under the field `name` ("" when none)."""
        return self._field_errors.text(name)

    def _show_field_errors(self, errors: dict[str, str], *, focus: bool = True) -> None:
        first, unplaced = self._field_errors.show(errors)
        if unplaced:
            self.show_message("\n".join(unplaced), error=True)
        order = [w for w in self._tab_chain() if w.isVisible()]
        marked = [w for w in order if w.property("error_text")]
        target = marked[0] if marked else first
        if focus and target is not None:
            target.setFocus(Qt.FocusReason.OtherFocusReason)

    def clear_errors(self) -> None:
        self._field_errors.clear_all()

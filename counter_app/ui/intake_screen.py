"""Tiếp nhận hồ sơ: the screen a clerk fills while the citizen waits, keyboard first.

Procedure → applicant → papers → save (Ctrl+S, or Enter in the last field). The service does every
business check; its messages come back per field and are shown under that field, so the clerk fixes
them in one pass and nothing typed is lost. An ID-card QR scanned from anywhere fills the applicant.
All database and PDF work runs in background tasks; Save is disabled while a save is in flight.

«Thời điểm tiếp nhận» (Alt+T) is now unless the clerk types when a paper dossier was really received;
a time before the working day in progress is a late entry: it asks for the reason and the signed-in
clerk must be a supervisor (services/clerks.late_entry, docs/step-time.md).

This screen coordinates: procedure, due date, save, slip preview, keys. The people are in
person_form, the papers and filing details in dossier_form (checklist table: document_checklist),
and the per-field messages in form_fields.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from enum import Enum
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
from counter_app.domain.dossier import Channel, Dossier
from counter_app.domain.errors import ValidationError, ValidationErrors
from counter_app.domain.formats import due_wording, to_office
from counter_app.domain.guidance import Guidance
from counter_app.domain.identity import parse_chip_id_qr
from counter_app.domain.text import has_vietnamese_marks, nfc, person_name
from counter_app.domain.time_rules import procedure_time_text
from counter_app.services.guidance import GuidanceRequest, missing_paper_choices, record_guidance
from counter_app.services.intake import (
    IntakeRequest,
    check_intake,
    preview_due_at,
    receive_dossier,
    refuse_at_intake,
)
from counter_app.storage.database import Database
from counter_app.ui.context import UiContext
from counter_app.ui.dossier_form import DossierForm
from counter_app.ui.fee_panel import FEE_SHORTCUTS, FeePanel
from counter_app.ui.form_fields import FieldErrors, merge_by_field
from counter_app.ui.form_preview import form_preview
from counter_app.ui.messages import error_text
from counter_app.ui.moment_field import MomentEdit
from counter_app.ui.outcome_dialogs import OutcomeDialog, guidance_dialog, refusal_dialog
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


def due_text(due: datetime) -> str:
    """'Hẹn trả: 15:00 thứ Ba, 24/02/2026' in office time."""
    return QCoreApplication.translate("intake_screen", "Hẹn trả: {due_wording}").format(due_wording=due_wording(due))


def _receive(db: Database, request: IntakeRequest, commune_error: ValidationError | None, now: datetime) -> Dossier:
    """Save; a commune typed but not chosen is reported with every other fault and nothing is saved."""
    if commune_error is None:
        return receive_dossier(db, request, now=now)
    errors = [commune_error]
    try:
        check_intake(db, request, now=now)
    except ValidationErrors as error:
        errors += error.errors
    raise ValidationErrors(errors)


class UnsavedChoice(Enum):
    """The clerk's answer when work typed but not saved would be lost."""

    SAVE = "save"
    DISCARD = "discard"
    KEEP_EDITING = "keep"


UNSAVED_QUESTION = QT_TRANSLATE_NOOP("intake_screen", "Hồ sơ đang nhập chưa được lưu. Lưu hồ sơ này trước khi {action}?")
UNSAVED_SAVE = QT_TRANSLATE_NOOP("intake_screen", "Lưu hồ sơ")
UNSAVED_DISCARD = QT_TRANSLATE_NOOP("intake_screen", "Bỏ, không lưu")
UNSAVED_KEEP = QT_TRANSLATE_NOOP("intake_screen", "Tiếp tục nhập (Esc)")
PLAIN_NAME_YES = QT_TRANSLATE_NOOP("intake_screen", "Đúng, tên không dấu")
PLAIN_NAME_FIX = QT_TRANSLATE_NOOP("intake_screen", "Sửa lại (Esc)")


class IntakeScreen(Screen):
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
            card = parse_chip_id_qr(payload)
        except ValidationError as error:
            self.show_message(self.tr("{message} Thông tin đã nhập được giữ nguyên.").format(message=error.message), error=True)
            return
        who, next_field = self.person.fill_from_card(card, self.focusWidget())
        self.show_message(
            self.tr("Đã điền thông tin {who} từ thẻ căn cước: {full_name}, số {id_number}. Hãy kiểm tra lại (cả xã/phường) và nhập số điện thoại.").format(who=who, full_name=card.full_name, id_number=card.id_number)
        )
        if not next_field.text().strip():
            next_field.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- save ------------------------------------------------------------------------------------

    def build_request(self) -> IntakeRequest:
        """The form as typed; the service validates and normalises it."""
        procedure = self.picker.procedure()
        if procedure is None and self.picker.text().strip():
            found = self.picker.find_by_code(self.picker.text())  # a bare code typed in full counts
            if found is not None:
                self.picker.choose(found)
                procedure = found
        applicant = self.person.applicant_input()
        submitter = self.person.submitter_input()
        return IntakeRequest(
            procedure_code=procedure.code if procedure else "",
            applicant=applicant,
            submitter=submitter,
            summary=self.summary.text(),
            documents=self.documents.lines() if procedure else None,
            sets_count=self.sets_count.value(),
            channel=self.channel.currentData(),
            result_delivery=str(self.delivery.currentData()),
            clerk_username=self.context.clerk_username,
            portal_code=self.dossier.portal_code.text(),
            received_at=self.received_moment(),
            late_entry_reason=self.late_reason.text() if self.late_reason.isVisibleTo(self) else "",
            **self.fees.request_fields(),  # type: ignore[arg-type]
        )

    def save(self) -> None:
        """Ctrl+S: receive the dossier in the background; one save at a time."""
        if self.saving or not self._moment_readable() or not self._plain_names_confirmed():
            return
        request = self.build_request()
        commune_error = self.person.commune.typed_error()
        now = self.context.clock()
        self.saving = True
        self.save_button.setEnabled(False)
        self.save_button.setText(self.tr("Đang lưu…"))
        self.show_message(self.tr("Đang lưu hồ sơ…"))
        db = self.context.db
        self.context.tasks.run(
            lambda: _receive(db, request, commune_error, now), self._on_saved, self._on_save_failed, write=True
        )

    def _moment_readable(self) -> bool:
        """False (and said at the field) when «Thời điểm tiếp nhận» cannot be read: never saved as now."""
        try:
            self.received_at.moment()
        except ValidationError as problem:
            self._show_field_errors({problem.field: problem.message})
            self.show_message(self.tr("Chưa lưu: {message} Thông tin đã nhập được giữ nguyên.").format(message=problem.message), error=True)
            return False
        return True

    def _plain_names_confirmed(self) -> bool:
        """A name typed without any diacritic ("pham van tu") is asked about once before it is saved:
        it goes onto the official slip as typed (in title case). False: the clerk goes back to fix it."""
        names = [self.full_name]
        if self.other_submitter.isChecked():
            names.append(self.submitter_name)
        for edit in names:
            name = nfc(edit.text())
            if not name or has_vietnamese_marks(name) or name.lower() in self._plain_names_ok:
                continue
            box = QMessageBox(self)
            box.setObjectName("plain_name_question")
            box.setIcon(QMessageBox.Icon.Question)
            box.setWindowTitle(self.tr("Tên không dấu"))
            box.setText(self.tr("Họ tên «{name}» không có dấu. Bạn có chắc tên không dấu?").format(name=name))
            box.setInformativeText(
                self.tr("Tên sẽ được in trên giấy tiếp nhận là «{person_name}». Chọn «Sửa lại» để gõ tên có dấu.").format(person_name=person_name(name))
            )
            yes = box.addButton(QCoreApplication.translate("intake_screen", PLAIN_NAME_YES), QMessageBox.ButtonRole.AcceptRole)
            fix = box.addButton(QCoreApplication.translate("intake_screen", PLAIN_NAME_FIX), QMessageBox.ButtonRole.RejectRole)
            box.setDefaultButton(fix)
            box.setEscapeButton(fix)
            self.confirm_box = box
            try:
                box.exec()
            finally:
                self.confirm_box = None
            if box.clickedButton() is not yes:
                edit.setFocus(Qt.FocusReason.OtherFocusReason)
                edit.selectAll()
                return False
            self._plain_names_ok.add(name.lower())
        return True

    def _end_saving(self) -> None:
        self.saving = False
        self.save_button.setEnabled(True)
        self.save_button.setText(self.tr("Lưu và in giấy tiếp nhận (Ctrl+S)"))

    def _on_saved(self, dossier: Dossier) -> None:
        self._end_saving()
        self.last_code = self.last_received = dossier.code
        self.picker.note_use(dossier.procedure_code)
        self.clear_form()
        self.show_message(
            self.tr("Đã tiếp nhận hồ sơ {code} của {full_name}. {due_text}.").format(code=dossier.code, full_name=dossier.applicant.full_name, due_text=due_text(dossier.due_at))
        )
        self.dossier_saved.emit(dossier.code)
        self.show_slip(dossier.code)

    def _on_save_failed(self, error: Exception) -> None:
        self._end_saving()
        self.save_failed.emit()
        if isinstance(error, ValidationErrors):
            self._show_field_errors(merge_by_field(error.errors))
            count = len(error.errors)
            self.show_message(
                self.tr("Chưa lưu: có {count} thông tin cần sửa (đánh dấu đỏ bên dưới). Thông tin đã nhập được giữ nguyên.").format(count=count),
                error=True,
            )
            return
        self.show_message(self.tr("Chưa lưu được hồ sơ: {error_text} Thông tin đã nhập được giữ nguyên.").format(error_text=error_text(error)), error=True)

    def show_slip(self, code: str) -> SlipPreviewDialog:
        dialog = SlipPreviewDialog(self.context, code, self)
        dialog.finished.connect(lambda _result, d=dialog: self._slip_closed(d))
        self.slip_dialog = dialog
        dialog.open()
        return dialog

    def _slip_closed(self, dialog: SlipPreviewDialog) -> None:
        if self.slip_dialog is dialog:
            self.slip_dialog = None
        dialog.deleteLater()
        self.focus_picker()
        self.slip_closed.emit()

    # -- the other outcomes: guidance (Mẫu 02, no code) and refusal (Mẫu 03) -------------------------

    def give_guidance(self) -> None:
        """Ctrl+G: the papers still missing and the reason, then Mẫu 02; no dossier code is spent."""
        if self.saving or self.outcome_dialog is not None:
            return
        request = self.build_request()
        procedure = self.picker.procedure()
        papers = missing_paper_choices(procedure, self.documents.lines() if procedure else [])
        dialog = guidance_dialog(self, papers)

        def confirmed() -> None:
            guidance = GuidanceRequest(
                procedure_code=request.procedure_code, applicant=request.applicant, reason=dialog.reason_text(),
                missing=dialog.missing(), summary=request.summary, clerk_username=request.clerk_username,
            )
            db = self.context.db
            self._start_outcome(lambda: record_guidance(db, guidance), self._on_guided)

        self._open_outcome(dialog, confirmed)

    def refuse(self) -> None:
        """Ctrl+R: the reason, then the dossier is created refused (status 3) and Mẫu 03 is shown."""
        if self.saving or self.outcome_dialog is not None or not self._moment_readable():
            return
        request = self.build_request()
        dialog = refusal_dialog(self)

        def confirmed() -> None:
            db, reason, now = self.context.db, dialog.reason_text(), self.context.clock()
            self._start_outcome(lambda: refuse_at_intake(db, request, reason, now=now), self._on_refused)

        self._open_outcome(dialog, confirmed)

    def _open_outcome(self, dialog: OutcomeDialog, confirmed: Callable[[], None]) -> None:
        self.outcome_dialog = dialog
        dialog.accepted.connect(confirmed)
        dialog.finished.connect(lambda _result: self._outcome_closed(dialog))
        dialog.open()

    def _outcome_closed(self, dialog: OutcomeDialog) -> None:
        if self.outcome_dialog is dialog:
            self.outcome_dialog = None
        dialog.deleteLater()

    def _start_outcome(self, work: Callable[[], object], done: Callable[[object], None]) -> None:
        self.saving = True
        self.save_button.setEnabled(False)
        self.show_message(self.tr("Đang lưu…"))
        self.context.tasks.run(work, done, self._on_save_failed, write=True)

    def _on_guided(self, guidance: object) -> None:
        assert isinstance(guidance, Guidance)
        self._end_saving()
        self.clear_form()
        self.show_message(self.tr("Đã lập phiếu hướng dẫn {reference} cho {full_name} (không cấp mã hồ sơ). Ctrl+P để in Mẫu 02.").format(reference=guidance.reference, full_name=guidance.applicant.full_name))
        self.outcome_saved.emit(guidance.reference)
        self._show_form("form02", guidance.reference)

    def _on_refused(self, dossier: object) -> None:
        assert isinstance(dossier, Dossier)
        self._end_saving()
        self.last_code = dossier.code
        self.clear_form()
        self.show_message(self.tr("Đã từ chối tiếp nhận hồ sơ {code} của {full_name}. Ctrl+P để in Mẫu 03.").format(code=dossier.code, full_name=dossier.applicant.full_name))
        self.outcome_saved.emit(dossier.code)
        self._show_form("form03", dossier.code)

    def _show_form(self, form: str, key: str) -> None:
        dialog = form_preview(self.context, form, key, self)
        dialog.finished.connect(lambda _result, d=dialog: self._slip_closed(d))
        self.slip_dialog = dialog
        dialog.open()

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
            box = QMessageBox(self)
            box.setIcon(QMessageBox.Icon.Question)
            box.setWindowTitle(self.tr("Hồ sơ mới"))
            box.setText(self.tr("Biểu mẫu đang có thông tin chưa lưu. Xóa để nhập hồ sơ mới?"))
            discard = box.addButton(self.tr("Xóa, nhập hồ sơ mới"), QMessageBox.ButtonRole.DestructiveRole)
            keep = box.addButton(self.tr("Tiếp tục nhập (Esc)"), QMessageBox.ButtonRole.RejectRole)
            box.setDefaultButton(keep)
            box.setEscapeButton(keep)
            self.confirm_box = box
            box.exec()
            self.confirm_box = None
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
        box = QMessageBox(self)
        box.setObjectName("unsaved_question")
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(self.tr("Hồ sơ chưa lưu"))
        box.setText(QCoreApplication.translate("intake_screen", UNSAVED_QUESTION).format(action=action))
        box.setInformativeText(self.tr("Chọn «Tiếp tục nhập» để quay lại biểu mẫu, mọi thông tin đã gõ được giữ nguyên."))
        Button = QMessageBox.StandardButton
        box.setStandardButtons(Button.Save | Button.Discard | Button.Cancel)
        box.button(Button.Save).setText(QCoreApplication.translate("intake_screen", UNSAVED_SAVE))
        box.button(Button.Discard).setText(QCoreApplication.translate("intake_screen", UNSAVED_DISCARD))
        box.button(Button.Cancel).setText(QCoreApplication.translate("intake_screen", UNSAVED_KEEP))
        box.setDefaultButton(Button.Cancel)
        box.setEscapeButton(Button.Cancel)
        self.confirm_box = box
        try:
            answer = box.exec()
        finally:
            self.confirm_box = None
        if answer == Button.Save:
            return UnsavedChoice.SAVE
        if answer == Button.Discard:
            return UnsavedChoice.DISCARD
        return UnsavedChoice.KEEP_EDITING

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

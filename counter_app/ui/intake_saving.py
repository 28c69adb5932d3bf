"""How an intake ends: receive the dossier (Ctrl+S, then its slip), or guidance (Ctrl+G, Mẫu 02, no dossier
code spent) or refusal (Ctrl+R, Mẫu 03) instead.

`IntakeSaving` is a part of IntakeScreen kept in its own module so the screen stays readable: it reads the
form the screen built (the attributes listed below) and saves in the background through the task runner's
writer lane, one save at a time (`saving`). A refused or failed save keeps everything typed and marks each
field the service named. Its texts keep the IntakeScreen context of counter_en.ts, where they were marked.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QCoreApplication, Qt, SignalInstance
from PySide6.QtWidgets import QLineEdit, QMessageBox, QPushButton

from counter_app.domain.dossier import Dossier
from counter_app.domain.errors import ValidationError, ValidationErrors
from counter_app.domain.formats import due_wording
from counter_app.domain.guidance import Guidance
from counter_app.domain.text import has_vietnamese_marks, nfc
from counter_app.services.guidance import GuidanceRequest, missing_paper_choices, record_guidance
from counter_app.services.intake import IntakeRequest, check_intake, receive_dossier, refuse_at_intake
from counter_app.storage.database import Database
from counter_app.ui.context import UiContext
from counter_app.ui.dossier_form import DossierForm
from counter_app.ui.fee_panel import FeePanel
from counter_app.ui.form_fields import merge_by_field
from counter_app.ui.form_preview import form_preview
from counter_app.ui.intake_questions import plain_name_question
from counter_app.ui.messages import error_text
from counter_app.ui.moment_field import MomentEdit
from counter_app.ui.outcome_dialogs import OutcomeDialog, guidance_dialog, refusal_dialog
from counter_app.ui.person_form import PersonForm
from counter_app.ui.procedure_picker import ProcedurePicker
from counter_app.ui.slip_preview import SlipPreviewDialog


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


class IntakeSaving:
    """Saving the intake form three ways; mixed into IntakeScreen (intake_screen.py), which builds what it reads."""

    # built by IntakeScreen
    context: UiContext
    picker: ProcedurePicker
    person: PersonForm
    dossier: DossierForm
    fees: FeePanel
    received_at: MomentEdit
    late_reason: QLineEdit
    save_button: QPushButton
    dossier_saved: SignalInstance
    outcome_saved: SignalInstance
    save_failed: SignalInstance
    slip_closed: SignalInstance
    # the state of a save, also read by the GUI tests
    saving: bool
    last_code: str
    last_received: str
    slip_dialog: SlipPreviewDialog | None
    outcome_dialog: OutcomeDialog | None
    _plain_names_ok: set[str]

    # IntakeScreen's own methods it calls
    show_message: Callable[..., None]
    clear_form: Callable[[], None]
    focus_picker: Callable[[], None]
    received_moment: Callable[[], datetime | None]
    _show_field_errors: Callable[..., None]
    _ask: Callable[[QMessageBox], int]

    # -- receive (Ctrl+S) --------------------------------------------------------------------------

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
            summary=self.dossier.summary.text(),
            documents=self.dossier.documents.lines() if procedure else None,
            sets_count=self.dossier.sets_count.value(),
            channel=self.dossier.channel.currentData(),
            result_delivery=str(self.dossier.delivery.currentData()),
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
        self.save_button.setText(QCoreApplication.translate("IntakeScreen", "Đang lưu…"))
        self.show_message(QCoreApplication.translate("IntakeScreen", "Đang lưu hồ sơ…"))
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
            self.show_message(QCoreApplication.translate("IntakeScreen", "Chưa lưu: {message} Thông tin đã nhập được giữ nguyên.").format(message=problem.message), error=True)
            return False
        return True

    def _plain_names_confirmed(self) -> bool:
        """A name typed without any diacritic ("pham van tu") is asked about once before it is saved:
        it goes onto the official slip as typed (in title case). False: the clerk goes back to fix it."""
        names = [self.person.full_name]
        if self.person.other_submitter.isChecked():
            names.append(self.person.submitter_name)
        for edit in names:
            name = nfc(edit.text())
            if not name or has_vietnamese_marks(name) or name.lower() in self._plain_names_ok:
                continue
            box, yes = plain_name_question(self, name)
            self._ask(box)
            if box.clickedButton() is not yes:
                edit.setFocus(Qt.FocusReason.OtherFocusReason)
                edit.selectAll()
                return False
            self._plain_names_ok.add(name.lower())
        return True

    def _end_saving(self) -> None:
        self.saving = False
        self.save_button.setEnabled(True)
        self.save_button.setText(QCoreApplication.translate("IntakeScreen", "Lưu và in giấy tiếp nhận (Ctrl+S)"))

    def _on_saved(self, dossier: Dossier) -> None:
        self._end_saving()
        self.last_code = self.last_received = dossier.code
        self.picker.note_use(dossier.procedure_code)
        self.clear_form()
        self.show_message(
            QCoreApplication.translate("IntakeScreen", "Đã tiếp nhận hồ sơ {code} của {full_name}. {due_text}.").format(code=dossier.code, full_name=dossier.applicant.full_name, due_text=due_text(dossier.due_at))
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
                QCoreApplication.translate("IntakeScreen", "Chưa lưu: có {count} thông tin cần sửa (đánh dấu đỏ bên dưới). Thông tin đã nhập được giữ nguyên.").format(count=count),
                error=True,
            )
            return
        self.show_message(QCoreApplication.translate("IntakeScreen", "Chưa lưu được hồ sơ: {error_text} Thông tin đã nhập được giữ nguyên.").format(error_text=error_text(error)), error=True)

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

    # -- or instead: guidance (Mẫu 02, no code) and refusal (Mẫu 03) -------------------------

    def give_guidance(self) -> None:
        """Ctrl+G: the papers still missing and the reason, then Mẫu 02; no dossier code is spent."""
        if self.saving or self.outcome_dialog is not None:
            return
        request = self.build_request()
        procedure = self.picker.procedure()
        papers = missing_paper_choices(procedure, self.dossier.documents.lines() if procedure else [])
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
        self.show_message(QCoreApplication.translate("IntakeScreen", "Đang lưu…"))
        self.context.tasks.run(work, done, self._on_save_failed, write=True)

    def _on_guided(self, guidance: object) -> None:
        assert isinstance(guidance, Guidance)
        self._end_saving()
        self.clear_form()
        self.show_message(QCoreApplication.translate("IntakeScreen", "Đã lập phiếu hướng dẫn {reference} cho {full_name} (không cấp mã hồ sơ). Ctrl+P để in Mẫu 02.").format(reference=guidance.reference, full_name=guidance.applicant.full_name))
        self.outcome_saved.emit(guidance.reference)
        self._show_form("form02", guidance.reference)

    def _on_refused(self, dossier: object) -> None:
        assert isinstance(dossier, Dossier)
        self._end_saving()
        self.last_code = dossier.code
        self.clear_form()
        self.show_message(QCoreApplication.translate("IntakeScreen", "Đã từ chối tiếp nhận hồ sơ {code} của {full_name}. Ctrl+P để in Mẫu 03.").format(code=dossier.code, full_name=dossier.applicant.full_name))
        self.outcome_saved.emit(dossier.code)
        self._show_form("form03", dossier.code)

    def _show_form(self, form: str, key: str) -> None:
        dialog = form_preview(self.context, form, key, self)
        dialog.finished.connect(lambda _result, d=dialog: self._slip_closed(d))
        self.slip_dialog = dialog
        dialog.open()


"""One dossier, everything the clerk needs to answer a citizen at the desk, and the slip reprint.

Opened from a search result, a scanned slip barcode or a just-saved intake. The dossier is read in the
background (the dialog shows "Đang tải…" meanwhile), so opening never freezes the window. A code the desk
gave again (services/recode.py) opens the dossier under its new code; a dossier the province keeps another
citizen's dossier under the code of says so, and Ctrl+Shift+M gives it a new code, then offers the new slip.
"""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt, Signal
from PySide6.QtGui import QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from counter_app.domain import labels
from counter_app.domain.conflicts import RECODE_KEY
from counter_app.domain.dossier import Dossier, Person, StatusChange
from counter_app.domain.formats import column_datetime
from counter_app.domain.lifecycle import Status
from counter_app.services.clock import utc_now
from counter_app.services.recode import DossierView, recode_dossier, view_dossier
from counter_app.ui.context import UiContext
from counter_app.ui.dossier_table import OVERDUE_TEXT
from counter_app.ui.form_keys import add_form_keys
from counter_app.ui.lifecycle_dialogs import ACTIONS
from counter_app.ui.lifecycle_dialogs import SHORTCUT_HELP as LIFECYCLE_SHORTCUTS
from counter_app.ui.messages import error_text
from counter_app.ui.palette import ERROR_STYLE, WARNING_STYLE
from counter_app.ui.scan_panel import ScanPanel

LOADING = QT_TRANSLATE_NOOP("dossier_view", "Đang tải…")
DOCUMENT_COLUMNS = [QT_TRANSLATE_NOOP("dossier_view", "Tên giấy tờ"), QT_TRANSLATE_NOOP("dossier_view", "Bản chính"), QT_TRANSLATE_NOOP("dossier_view", "Bản sao chứng thực"), QT_TRANSLATE_NOOP("dossier_view", "Bản photo")]
# What F1 lists for the open dossier (other parts append their keys here).
SHORTCUTS = [("Ctrl+P", QT_TRANSLATE_NOOP("Shortcuts", "Hồ sơ đang mở: in lại giấy tiếp nhận (Mẫu 01)")), *LIFECYCLE_SHORTCUTS,
             ("F4", QT_TRANSLATE_NOOP("Shortcuts", "Hồ sơ đang mở: thu phí, lệ phí của hồ sơ (mở màn hình Thu phí)")),
             (RECODE_KEY, QT_TRANSLATE_NOOP("Shortcuts", "Hồ sơ đang mở: cấp mã mới khi máy chủ tỉnh giữ hồ sơ của công dân khác dưới mã này")),
             ("Esc", QT_TRANSLATE_NOOP("Shortcuts", "Đóng hồ sơ đang mở"))]
HISTORY_COLUMNS = [QT_TRANSLATE_NOOP("dossier_view", "Thời gian"), QT_TRANSLATE_NOOP("dossier_view", "Từ"), QT_TRANSLATE_NOOP("dossier_view", "Sang"), QT_TRANSLATE_NOOP("dossier_view", "Người thực hiện"), QT_TRANSLATE_NOOP("dossier_view", "Ghi chú")]


def _selectable(label: QLabel) -> QLabel:
    label.setTextInteractionFlags(
        Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.TextSelectableByKeyboard
    )
    label.setWordWrap(True)
    return label


def _table(columns: list[str], stretch: int) -> QTableWidget:
    table = QTableWidget(0, len(columns))
    table.setHorizontalHeaderLabels(columns)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setTabKeyNavigation(False)
    table.setWordWrap(True)
    table.verticalHeader().setVisible(False)
    header = table.horizontalHeader()
    for column in range(len(columns)):
        mode = QHeaderView.ResizeMode.Stretch if column == stretch else QHeaderView.ResizeMode.ResizeToContents
        header.setSectionResizeMode(column, mode)
    return table


def _fill(table: QTableWidget, rows: list[list[str]]) -> None:
    table.setRowCount(len(rows))
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            table.setItem(r, c, QTableWidgetItem(value))
    table.resizeRowsToContents()
    # Show every row without an inner scroll bar: the whole dialog scrolls instead.
    height = table.horizontalHeader().height() + sum(table.rowHeight(r) for r in range(len(rows))) + 4
    table.setFixedHeight(max(height, table.horizontalHeader().height() + 28))


def _id_text(person: Person) -> str:
    return f"{person.id_type.label} {person.id_number}" if person.id_number else "—"


def _address_text(person: Person) -> str:
    return person.address.text or person.address.street or "—"


def _note_text(change: StatusChange) -> str:
    """The history note, with the due date it moved (NgayHenTraTruoc → NgayHenTraMoi) when it did."""
    if change.due_at is None or change.previous_due_at is None:
        return change.note
    moved = QCoreApplication.translate("dossier_view", "Hẹn trả {column_datetime} → {column_datetime2}").format(column_datetime=column_datetime(change.previous_due_at), column_datetime2=column_datetime(change.due_at))
    return f"{change.note}. {moved}" if change.note else moved


class DossierDialog(QDialog):
    """Shows the dossier `code`; Ctrl+P reprints its receipt slip (Mẫu 01); Esc closes.

    F4 closes it and asks (`collect_fee_requested(code)`) for the fees screen on this dossier."""

    collect_fee_requested = Signal(str)

    def __init__(self, context: UiContext, code: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.code = code.strip()
        self.dossier: Dossier | None = None
        self.setWindowTitle(self.tr("Hồ sơ {code}").format(code=self.code))
        self.resize(900, 640)  # fits 1366×768 with the taskbar

        self.message = QLabel(QCoreApplication.translate("dossier_view", LOADING))
        self.message.setObjectName("dossier_message")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        _selectable(self.message)

        self.code_label = _selectable(QLabel(self.code))
        self.code_label.setObjectName("dossier_code")
        big = QFont(self.code_label.font())
        big.setPointSizeF(big.pointSizeF() * 1.6)
        big.setBold(True)
        self.code_label.setFont(big)
        self.status_label = _selectable(QLabel())
        self.status_label.setObjectName("dossier_status")
        status_font = QFont(self.status_label.font())
        status_font.setBold(True)
        self.status_label.setFont(status_font)

        self.old_codes_label = _selectable(QLabel())
        self.old_codes_label.setObjectName("dossier_old_codes")
        self.old_codes_label.setWordWrap(True)
        self.recode_label = _selectable(QLabel())
        self.recode_label.setObjectName("dossier_recode_needed")
        self.recode_label.setWordWrap(True)
        self.recode_label.setStyleSheet(WARNING_STYLE)
        for label in (self.old_codes_label, self.recode_label):
            label.hide()

        self.fields: dict[str, QLabel] = {}
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for key, title in [
            ("procedure", labels.PROCEDURE),
            ("summary", self.tr("Trích yếu")),
            ("applicant", self.tr("Chủ hồ sơ")),
            ("submitter", self.tr("Người nộp")),
            ("id", self.tr("Giấy tờ tùy thân")),
            ("phone", self.tr("Điện thoại")),
            ("address", labels.ADDRESS),
            ("channel", self.tr("Hình thức nộp")),
            ("delivery", self.tr("Nhận kết quả")),
            ("received", self.tr("Tiếp nhận")),
            ("due", self.tr("Hẹn trả")),
            ("sets", labels.SETS),
        ]:
            label = _selectable(QLabel())
            label.setObjectName(f"dossier_{key}")
            self.fields[key] = label
            form.addRow(f"{title}:", label)

        self.documents = _table([QCoreApplication.translate("dossier_view", text) for text in DOCUMENT_COLUMNS], 0)
        self.documents.setObjectName("dossier_documents")
        self.history = _table([QCoreApplication.translate("dossier_view", text) for text in HISTORY_COLUMNS], 4)
        self.history.setObjectName("dossier_history")

        details = QWidget()
        body = QVBoxLayout(details)
        body.addWidget(self.code_label)
        body.addWidget(self.status_label)
        body.addWidget(self.old_codes_label)
        body.addWidget(self.recode_label)
        body.addLayout(form)
        body.addWidget(QLabel(self.tr("<b>Thành phần hồ sơ</b>")))
        body.addWidget(self.documents)
        body.addWidget(QLabel(self.tr("<b>Số hóa giấy tờ</b>")))
        self.scan_panel = ScanPanel(context, self.code, self)  # issue 9: ui/scan_panel.py
        body.addWidget(self.scan_panel)
        body.addWidget(QLabel(self.tr("<b>Quá trình xử lý</b>")))
        body.addWidget(self.history)
        body.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(details)

        self.pages = QStackedWidget()
        self.pages.addWidget(self.message)
        self.pages.addWidget(scroll)

        self.print_button = QPushButton(self.tr("In lại giấy tiếp nhận (Ctrl+P)"))
        self.print_button.setObjectName("reprint_slip")
        self.print_button.setEnabled(False)
        self.print_button.clicked.connect(self.reprint_slip)
        self.return_button = QPushButton(self.tr("Trả kết quả (Ctrl+R)"))
        self.return_button.setObjectName("return_result")
        self.return_button.setEnabled(False)
        self.return_button.clicked.connect(self.open_return)
        self.recode_button = QPushButton(self.tr("Cấp mã mới ({keys})").format(keys=RECODE_KEY))
        self.recode_button.setObjectName("recode_dossier")
        self.recode_button.setEnabled(False)
        self.recode_button.clicked.connect(self.ask_recode)
        close_button = QPushButton(self.tr("Đóng (Esc)"))
        close_button.clicked.connect(self.reject)
        for button in (self.print_button, self.return_button, self.recode_button, close_button):
            button.setAutoDefault(False)  # Enter must never print or close by accident
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.print_button)
        buttons.addWidget(self.return_button)
        buttons.addWidget(self.recode_button)
        buttons.addWidget(close_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.pages, 1)
        layout.addLayout(self._lifecycle_row())
        layout.addLayout(buttons)

        shortcut = QShortcut(QKeySequence("Ctrl+P"), self)
        shortcut.activated.connect(self.reprint_slip)
        QShortcut(QKeySequence("Ctrl+R"), self).activated.connect(self.open_return)
        QShortcut(QKeySequence("F4"), self).activated.connect(self.collect_fee)
        QShortcut(QKeySequence(RECODE_KEY), self).activated.connect(self.ask_recode)
        add_form_keys(self, context, lambda: self.dossier.code if self.dossier else None)  # Alt+2…5: Mẫu 02–05

        self._load()

    # -- loading ----------------------------------------------------------------------------------

    @property
    def loaded(self) -> bool:
        return self.dossier is not None

    def _load(self) -> None:
        db, code = self.context.db, self.code
        self.context.tasks.run(lambda: view_dossier(db, code), self._loaded, self._failed, owner=self)

    def _loaded(self, view: DossierView) -> None:
        dossier = self.dossier = view.dossier
        self.code = dossier.code  # an old code scanned: the dossier's code now
        self._show(dossier)
        self._show_codes(view)
        self.pages.setCurrentIndex(1)
        self.print_button.setEnabled(True)
        self.return_button.setEnabled(True)
        for button, (_keys, _text, _dialog, allowed) in zip(self.lifecycle_buttons, ACTIONS, strict=True):
            button.setEnabled(allowed(dossier.status))

    def _show_codes(self, view: DossierView) -> None:
        """The codes the dossier had before, and why it needs a new one (the supervisor's decision)."""
        old = [self.tr("{code} (cấp mã mới lúc {at}, {clerk})").format(code=given.old_code, at=column_datetime(given.at),
                                                                        clerk=given.clerk or "—")
               for given in view.old_codes]
        self.old_codes_label.setText(self.tr("Mã cũ: {codes}").format(codes="; ".join(old)))
        self.old_codes_label.setVisible(bool(old))
        needed = view.recode_reason is not None
        self.recode_label.setText(self.tr("Cần cấp mã mới: {reason}").format(reason=view.recode_reason or ""))
        self.recode_label.setVisible(needed)
        self.recode_button.setEnabled(needed)

    def _failed(self, error: Exception) -> None:
        self.message.setText(error_text(error))
        self.pages.setCurrentIndex(0)

    def _show(self, dossier: Dossier) -> None:
        self.setWindowTitle(self.tr("Hồ sơ {code} — {full_name}").format(code=dossier.code, full_name=dossier.applicant.full_name))
        self.code_label.setText(dossier.code)
        status = self.tr("Trạng thái: {label}").format(label=dossier.status.label)
        if dossier.is_overdue(utc_now()):
            status += f" — {QCoreApplication.translate('dossier_table', OVERDUE_TEXT)}"
            self.status_label.setStyleSheet(ERROR_STYLE)
        else:
            self.status_label.setStyleSheet("")
        self.status_label.setText(status)
        applicant, submitter = dossier.applicant, dossier.submitter
        values = {
            "procedure": f"{dossier.procedure_name} ({dossier.procedure_code})",
            "summary": dossier.summary or "—",
            "applicant": f"{applicant.full_name} ({applicant.applicant_type.label})",
            "submitter": submitter.full_name if submitter else self.tr("Chủ hồ sơ tự nộp"),
            "id": _id_text(applicant),
            "phone": applicant.phone or "—",
            "address": _address_text(applicant),
            "channel": dossier.channel.label,
            "delivery": dossier.result_delivery.label,
            "received": f"{column_datetime(dossier.received_at)} — {dossier.received_by or '—'}",
            "due": column_datetime(dossier.due_at) + (self.tr(" (trước đó {column_datetime})").format(column_datetime=column_datetime(dossier.previous_due_at))
                                                      if dossier.previous_due_at else ""),
            "sets": str(dossier.sets_count),
        }
        if submitter:
            extra = [part for part in (_id_text(submitter) if submitter.id_number else "", submitter.phone) if part]
            if extra:
                values["submitter"] += f" ({', '.join(extra)})"
        for key, value in values.items():
            self.fields[key].setText(value)
        _fill(
            self.documents,
            [[line.name, str(line.originals), str(line.certified_copies), str(line.photocopies)]
             for line in dossier.documents],
        )
        _fill(
            self.history,
            [
                [
                    column_datetime(change.at),
                    change.from_status.label if change.from_status else "—",
                    change.to_status.label,
                    change.actor or "—",
                    _note_text(change),
                ]
                for change in dossier.history
            ],
        )

    # -- actions ----------------------------------------------------------------------------------

    def _lifecycle_row(self) -> QHBoxLayout:
        """The steps after intake (ui/lifecycle_dialogs.ACTIONS), each on its key, enabled by status."""
        row = QHBoxLayout()
        self.lifecycle_buttons: list[QPushButton] = []
        for index, (keys, text, _dialog, _allowed) in enumerate(ACTIONS):
            button = QPushButton(f"{text} ({keys})")
            button.setObjectName(f"lifecycle_action_{index}")
            button.setEnabled(False)
            button.setAutoDefault(False)
            button.clicked.connect(lambda _checked=False, i=index: self.open_lifecycle(i))
            QShortcut(QKeySequence(keys), self).activated.connect(lambda i=index: self.open_lifecycle(i))
            self.lifecycle_buttons.append(button)
            row.addWidget(button)
        row.addStretch(1)
        return row

    def open_lifecycle(self, index: int) -> QDialog | None:
        """Open the dialog of action `index` when the dossier's status allows it; reload after a save."""
        _keys, _text, make, allowed = ACTIONS[index]
        if self.dossier is None or not allowed(self.dossier.status):
            return None
        dialog = make(self.context, self.dossier, lambda _result: self._load(), self)
        dialog.open()
        self.lifecycle_dialog = dialog
        return dialog

    def reprint_slip(self) -> None:
        """Ctrl+P: the slip preview of this dossier."""
        if self.dossier is not None:
            self.reprint_slip_of(self.dossier)

    def reprint_slip_of(self, dossier: Dossier) -> None:
        """Open the slip preview for `dossier` (imported here: the preview module is optional at start)."""
        from counter_app.ui.form_preview import form_preview
        from counter_app.ui.slip_preview import SlipPreviewDialog

        if dossier.status is Status.REFUSED:  # refused at intake: its paper is Mẫu 03, never a Mẫu 01
            preview: SlipPreviewDialog = form_preview(self.context, "form03", dossier.code, self)
        else:
            preview = SlipPreviewDialog(self.context, dossier.code, self)
        preview.open()
        self._preview = preview

    def open_return(self) -> None:
        """Ctrl+R: return the result at the desk or by post (ui/return_dialog.py); reload once returned."""
        if self.dossier is None:
            return
        from counter_app.ui.return_dialog import ReturnDialog

        dialog = ReturnDialog(self.context, self.dossier.code, self)
        dialog.returned.connect(lambda _record: self._load())
        dialog.open()
        self.return_dialog = dialog

    def ask_recode(self) -> QMessageBox | None:
        """Ctrl+Shift+M: confirm, then give the dossier its new code (services/recode.py) in the background."""
        if self.dossier is None or not self.recode_button.isEnabled():
            return None
        box = QMessageBox(QMessageBox.Icon.Question, self.tr("Cấp mã mới cho hồ sơ"), self.tr(
            "Cấp mã mới cho hồ sơ {code} của {name}? Máy chủ tỉnh giữ hồ sơ của công dân khác dưới mã này. Hồ sơ "
            "của quầy sẽ mang mã mới cùng ngày tiếp nhận và được gửi lại lên máy chủ tỉnh cùng các bước đã làm. "
            "Sau đó hãy in giấy tiếp nhận mới và thu lại giấy cũ của công dân.").format(
                code=self.dossier.code, name=self.dossier.applicant.full_name),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self)
        box.setDefaultButton(QMessageBox.StandardButton.No)  # Enter never re-codes by accident
        yes = box.button(QMessageBox.StandardButton.Yes)
        yes.setText(self.tr("&Cấp mã mới (Alt+C)"))
        box.button(QMessageBox.StandardButton.No).setText(self.tr("Không (Esc)"))
        box.finished.connect(lambda _result: self._recode() if box.clickedButton() is yes else None)
        box.open()
        self.recode_box = box
        return box

    def _recode(self) -> None:
        db, code, username = self.context.db, self.code, self.context.clerk_username
        actor = self.context.profile.clerk_name
        self.recode_button.setEnabled(False)
        self.context.tasks.run(lambda: recode_dossier(db, code, by=username, actor=actor), self._recoded,
                               self._recode_failed, write=True, owner=self)

    def _recoded(self, dossier: Dossier) -> None:
        """Show the dossier under its new code and open its new slip to print."""
        self.code = dossier.code
        self._load()
        self.reprint_slip_of(dossier)

    def _recode_failed(self, error: Exception) -> None:
        self.recode_label.setText(error_text(error))
        self.recode_label.setStyleSheet(ERROR_STYLE)
        self.recode_label.show()
        self.recode_button.setEnabled(True)

    def collect_fee(self) -> None:
        """F4: close the dossier and collect its fees on the fees screen (the main window opens it)."""
        self.collect_fee_requested.emit(self.code)
        self.accept()

"""Tiếp nhận hồ sơ: the screen a clerk fills while the citizen waits, keyboard first.

Procedure → applicant → papers → save (Ctrl+S, or Enter in the last field). The service does every
business check; its messages come back per field and are shown under that field, so the clerk fixes
them in one pass and nothing typed is lost. An ID-card QR scanned from anywhere fills the applicant.
All database and PDF work runs in background tasks; Save is disabled while a save is in flight.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date, datetime
from itertools import pairwise

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from counter_app.domain.catalog import Procedure
from counter_app.domain.dossier import (
    OFFICE_TZ,
    Channel,
    DocumentLine,
    Dossier,
    Gender,
    IdDocumentType,
    ResultDelivery,
)
from counter_app.domain.errors import ValidationError, ValidationErrors
from counter_app.domain.identity import parse_chip_id_qr, validate_id_number
from counter_app.domain.validation import normalize_email, normalize_phone, parse_birth_date
from counter_app.services.intake import (
    IntakeRequest,
    PersonInput,
    check_intake,
    preview_due_at,
    receive_dossier,
)
from counter_app.storage.database import Database
from counter_app.ui.commune_picker import CommunePicker, street_part
from counter_app.ui.context import UiContext
from counter_app.ui.messages import error_text
from counter_app.ui.procedure_picker import ProcedurePicker, processing_time_text
from counter_app.ui.screen import Screen
from counter_app.ui.slip_preview import SlipPreviewDialog

WEEKDAYS = ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật")
ERROR_STYLE = "color: #b71c1c;"
INVALID_STYLE = "border: 1px solid #c62828; background: #fff5f5;"
INFO_STYLE = "color: #0b5394;"
DUE_NONE = "Hẹn trả: chọn thủ tục để tính ngày hẹn trả"
_EIGHT_DIGITS = re.compile(r"\d{8}")

SHORTCUTS = [
    ("Ctrl+L", "Về ô chọn thủ tục"),
    ("↑ / ↓, Enter", "Chọn thủ tục trong danh sách gợi ý"),
    ("Enter", "Sang ô tiếp theo; ở ô cuối (nội dung yêu cầu): lưu"),
    ("Alt+K", "Bật/tắt «Người nộp khác chủ hồ sơ»"),
    ("Ctrl+S", "Lưu hồ sơ và xem giấy tiếp nhận"),
    ("Ctrl+N / F2", "Hồ sơ mới (xóa biểu mẫu; hỏi lại nếu đang nhập dở)"),
    ("Số (0–9)", "Trong bảng thành phần hồ sơ: gõ số bản"),
    ("↑ / ↓, Enter", "Chọn xã/phường trong danh sách gợi ý (mặc định: xã/phường của quầy)"),
    ("Quét QR căn cước", "Điền họ tên, số CCCD, ngày sinh, giới tính, địa chỉ"),
]


def due_text(due: datetime) -> str:
    """'Hẹn trả: 15:00 thứ Ba, 24/02/2026' in office time."""
    local = due.astimezone(OFFICE_TZ)
    return f"Hẹn trả: {local:%H:%M} {WEEKDAYS[local.weekday()]}, {local:%d/%m/%Y}"


def _combo(items: Iterable[tuple[str, object]]) -> QComboBox:
    combo = QComboBox()
    for text, data in items:
        combo.addItem(text, data)
    return combo


def _select_data(combo: QComboBox, data: object) -> None:
    index = combo.findData(data)
    combo.setCurrentIndex(max(index, 0))


def _id_type_combo() -> QComboBox:
    return _combo((t.label, t.value) for t in IdDocumentType)


def _receive(db: Database, request: IntakeRequest, commune_error: ValidationError | None) -> Dossier:
    """Save; a commune typed but not chosen is reported with every other fault and nothing is saved."""
    if commune_error is None:
        return receive_dossier(db, request)
    errors = [commune_error]
    try:
        check_intake(db, request)
    except ValidationErrors as error:
        errors += error.errors
    raise ValidationErrors(errors)


class CountDelegate(QStyledItemDelegate):
    """Counts of copies edited in a 0–99 spin box whose text is selected, so a typed digit replaces it."""

    def createEditor(
        self, parent: QWidget, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QWidget:
        editor = QSpinBox(parent)
        editor.setRange(0, 99)
        editor.setFrame(False)
        return editor

    def setEditorData(self, editor: QWidget, index: QModelIndex | QPersistentModelIndex) -> None:
        assert isinstance(editor, QSpinBox)
        editor.setValue(int(index.data(Qt.ItemDataRole.EditRole) or 0))
        editor.selectAll()

    def setModelData(self, editor: QWidget, model, index: QModelIndex | QPersistentModelIndex) -> None:
        assert isinstance(editor, QSpinBox)
        editor.interpretText()
        model.setData(index, editor.value(), Qt.ItemDataRole.EditRole)


class DocumentTable(QTableWidget):
    """The papers checklist: name (fixed), originals, certified copies, photocopies (typed digits)."""

    HEADERS = ("Tên giấy tờ", "Bản chính", "Bản sao chứng thực", "Bản photo")

    def __init__(self) -> None:
        super().__init__(0, len(self.HEADERS))
        self.setObjectName("documents")
        self.setAccessibleName("Thành phần hồ sơ")
        self.setHorizontalHeaderLabels(list(self.HEADERS))
        header = self.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.verticalHeader().setDefaultSectionSize(24)
        self.setWordWrap(False)
        self.setTabKeyNavigation(False)  # Tab leaves the table; arrows move inside it
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(
            QAbstractItemView.EditTrigger.AnyKeyPressed
            | QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.SelectedClicked
        )
        self.setItemDelegateForColumn(1, CountDelegate(self))
        self.setItemDelegateForColumn(2, CountDelegate(self))
        self.setItemDelegateForColumn(3, CountDelegate(self))

    def set_lines(self, lines: Iterable[DocumentLine]) -> None:
        self.setRowCount(0)
        for row, line in enumerate(lines):
            self.insertRow(row)
            name = QTableWidgetItem(line.name)
            name.setFlags(name.flags() & ~Qt.ItemFlag.ItemIsEditable)
            name.setToolTip(line.name)
            self.setItem(row, 0, name)
            for column, count in enumerate((line.originals, line.certified_copies, line.photocopies), start=1):
                item = QTableWidgetItem()
                item.setData(Qt.ItemDataRole.EditRole, count)
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.setItem(row, column, item)
        if self.rowCount():
            self.setCurrentCell(0, 1)

    def lines(self) -> list[DocumentLine]:
        result = []
        for row in range(self.rowCount()):
            name_item = self.item(row, 0)
            counts = []
            for column in (1, 2, 3):
                item = self.item(row, column)
                counts.append(int(item.data(Qt.ItemDataRole.EditRole) or 0) if item else 0)
            result.append(DocumentLine(name_item.text() if name_item else "", *counts))
        return result


class IntakeScreen(Screen):
    """The intake form. `save()` receives the dossier; `fill_from_id_card()` takes a scanned QR line."""

    title = "Tiếp nhận"
    dossier_saved = Signal(str)  # the new dossier's code

    def __init__(self, context: UiContext) -> None:
        super().__init__(context)
        self.setObjectName("intake_screen")
        self.saving = False
        self.last_code = ""
        self.slip_dialog: SlipPreviewDialog | None = None
        self.confirm_box: QMessageBox | None = None
        self._due_request = 0
        self._procedure_name = ""
        # field name from ValidationError.field -> (widget to mark and focus, label under it)
        self._field_widgets: dict[str, tuple[QWidget, QLabel]] = {}
        self._build()
        self._bind("Ctrl+S", self.save)
        self._bind("Ctrl+N", self.new_dossier)
        self._bind("Ctrl+L", self.focus_picker)
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
        procedure_box = self._with_error(self.picker, "procedure_code")
        title = QLabel("Thủ tục:")
        title.setBuddy(self.picker)
        top.addRow(title, procedure_box)
        self.due_label = QLabel(DUE_NONE)
        self.due_label.setObjectName("due_label")
        self.due_label.setStyleSheet("font-weight: bold;")
        self.time_label = QLabel("")
        due_row = QHBoxLayout()
        due_row.addWidget(self.due_label)
        due_row.addSpacing(16)
        due_row.addWidget(self.time_label)
        due_row.addStretch(1)
        top.addRow("", due_row)
        outer.addLayout(top)

        columns = QHBoxLayout()
        columns.addWidget(self._applicant_column(), 5)
        columns.addWidget(self._dossier_column(), 6)
        body = QWidget()
        body.setLayout(columns)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        outer.addWidget(scroll, 1)

        buttons = QHBoxLayout()
        self.new_button = QPushButton("Hồ sơ mới (Ctrl+N)")
        self.save_button = QPushButton("Lưu và in giấy tiếp nhận (Ctrl+S)")
        self.save_button.setObjectName("save_button")
        self.save_button.setStyleSheet("font-weight: bold;")
        for button in (self.new_button, self.save_button):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # reached by their keys; Tab stays in the form
        self.new_button.clicked.connect(self.new_dossier)
        self.save_button.clicked.connect(self.save)
        buttons.addStretch(1)
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.save_button)
        outer.addLayout(buttons)

        chain: list[QWidget] = [
            self.picker, self.full_name, self.id_type, self.id_number, self.birth_date, self.gender,
            self.phone, self.email, self.address, self.commune, self.other_submitter, self.submitter_name,
            self.submitter_id_type, self.submitter_id_number, self.submitter_phone, self.documents,
            self.sets_count, self.channel, self.delivery, self.summary,
        ]
        for first, second in pairwise(chain):
            QWidget.setTabOrder(first, second)
        self.last_field = self.summary
        for widget in (self.id_number, self.phone, self.email, self.birth_date,
                       self.submitter_id_number, self.submitter_phone):
            widget.installEventFilter(self)
        for line_edit in self._line_edits():
            line_edit.textEdited.connect(lambda _text, w=line_edit: self._clear_widget_error(w))
        for combo in (self.id_type, self.gender, self.submitter_id_type, self.channel, self.delivery):
            combo.activated.connect(lambda _index, w=combo: self._clear_widget_error(w))
        self.channel.currentIndexChanged.connect(self._update_due)
        self.commune.textEdited.connect(lambda _text: self._clear_widget_error(self.commune))
        self.commune.unit_chosen.connect(lambda _unit: self._clear_widget_error(self.commune))

    def _with_error(self, widget: QWidget, *fields: str) -> QWidget:
        """`widget` with a small red label under it that shows the messages of `fields`."""
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(1)
        layout.addWidget(widget)
        label = QLabel("")
        label.setObjectName(f"error_{fields[0]}")
        label.setStyleSheet(ERROR_STYLE)
        label.setWordWrap(True)
        label.hide()
        layout.addWidget(label)
        for name in fields:
            self._field_widgets[name] = (widget, label)
        return box

    def _pair(self, first: QWidget, second: QWidget, fields: tuple[str, ...], caption: str = "") -> QWidget:
        """Two widgets on one row sharing an error label (type + number, date + gender)."""
        row = QWidget()
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(first)
        if caption:
            layout.addWidget(QLabel(caption))
        layout.addWidget(second, 1)
        box = self._with_error(row, *fields)
        for name, widget in zip(fields, (first, second), strict=False):
            self._field_widgets[name] = (widget, self._field_widgets[name][1])
        return box

    def _applicant_column(self) -> QWidget:
        group = QGroupBox("Chủ hồ sơ")
        form = QFormLayout(group)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.full_name = QLineEdit()
        self.full_name.setObjectName("full_name")
        self.full_name.setMaxLength(120)
        self.full_name.setPlaceholderText("Họ, chữ đệm và tên, có dấu")
        form.addRow("Họ và tên:", self._with_error(self.full_name, "full_name", "applicant_type"))
        self.id_type = _id_type_combo()
        self.id_type.setObjectName("id_type")
        self.id_number = QLineEdit()
        self.id_number.setObjectName("id_number")
        self.id_number.setPlaceholderText("12 chữ số (CCCD), 9 chữ số (CMND)")
        form.addRow("Giấy tờ:", self._pair(self.id_type, self.id_number, ("id_type", "id_number"), "Số:"))
        self.birth_date = QLineEdit()
        self.birth_date.setObjectName("birth_date")
        self.birth_date.setPlaceholderText("ngày/tháng/năm, ví dụ 05/09/1990")
        self.gender = _combo([("— chưa chọn —", ""), ("Nam", Gender.MALE.value), ("Nữ", Gender.FEMALE.value)])
        self.gender.setObjectName("gender")
        form.addRow("Ngày sinh:", self._pair(self.birth_date, self.gender, ("birth_date", "gender"), "Giới tính:"))
        self.phone = QLineEdit()
        self.phone.setObjectName("phone")
        self.phone.setPlaceholderText("ví dụ 0912 345 678")
        form.addRow("Điện thoại:", self._with_error(self.phone, "phone"))
        self.email = QLineEdit()
        self.email.setObjectName("email")
        self.email.setPlaceholderText("không bắt buộc")
        form.addRow("Email:", self._with_error(self.email, "email"))
        self.address = QLineEdit()
        self.address.setObjectName("address")
        self.address.setPlaceholderText("số nhà, tên đường, thôn/tổ dân phố (cả địa chỉ nếu để trống xã/phường)")
        form.addRow("Địa chỉ:", self._with_error(self.address, "address"))
        profile = self.context.profile
        self.commune = CommunePicker(profile.ward_code, profile.province_code)
        form.addRow("Xã/phường:", self._with_error(self.commune, "ward_code", "province_code"))

        self.other_submitter = QCheckBox("Người nộp &khác chủ hồ sơ")
        self.other_submitter.setObjectName("other_submitter")
        form.addRow("", self.other_submitter)
        self.submitter_group = QGroupBox("Người nộp hồ sơ")
        sub = QFormLayout(self.submitter_group)
        self.submitter_name = QLineEdit()
        self.submitter_name.setObjectName("submitter_full_name")
        sub.addRow("Họ và tên:", self._with_error(self.submitter_name, "submitter_full_name"))
        self.submitter_id_type = _id_type_combo()
        self.submitter_id_number = QLineEdit()
        self.submitter_id_number.setObjectName("submitter_id_number")
        sub.addRow(
            "Giấy tờ:",
            self._pair(
                self.submitter_id_type, self.submitter_id_number,
                ("submitter_id_type", "submitter_id_number"), "Số:",
            ),
        )
        self.submitter_phone = QLineEdit()
        self.submitter_phone.setObjectName("submitter_phone")
        sub.addRow("Điện thoại:", self._with_error(self.submitter_phone, "submitter_phone"))
        self.submitter_group.setVisible(False)
        self.other_submitter.toggled.connect(self._toggle_submitter)
        form.addRow(self.submitter_group)
        return group

    def _dossier_column(self) -> QWidget:
        group = QGroupBox("Hồ sơ")
        layout = QVBoxLayout(group)
        caption = QLabel("Thành phần hồ sơ (gõ số bản; ↑ ↓ ← → để di chuyển):")
        layout.addWidget(caption)
        self.documents = DocumentTable()
        self.documents.setMinimumHeight(150)
        caption.setBuddy(self.documents)
        layout.addWidget(self._with_error(self.documents, "documents"), 1)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.sets_count = QSpinBox()
        self.sets_count.setObjectName("sets_count")
        self.sets_count.setRange(1, 99)
        self.sets_count.setValue(1)
        form.addRow("Số bộ hồ sơ:", self._with_error(self.sets_count, "sets_count"))
        self.channel = _combo([(f"{c.value} — {c.label}", c.value) for c in Channel])
        self.channel.setObjectName("channel")
        form.addRow("Kênh tiếp nhận:", self._with_error(self.channel, "channel"))
        self.delivery = _combo([
            ("Tại quầy (Bộ phận Một cửa)", ResultDelivery.DESK.value),
            ("Qua dịch vụ bưu chính công ích (BCCI)", ResultDelivery.POSTAL.value),
        ])
        self.delivery.setObjectName("result_delivery")
        form.addRow("Nơi nhận kết quả:", self._with_error(self.delivery, "result_delivery"))
        self.summary = QLineEdit()
        self.summary.setObjectName("summary")
        self.summary.setPlaceholderText("mặc định là tên thủ tục")
        form.addRow("Nội dung yêu cầu:", self._with_error(self.summary, "summary", "received_at"))
        layout.addLayout(form)
        return group

    def _bind(self, keys: str, slot: Callable[[], object]) -> None:
        shortcut = QShortcut(QKeySequence(keys), self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(slot)

    def _line_edits(self) -> list[QLineEdit]:
        return [
            self.full_name, self.id_number, self.birth_date, self.phone, self.email, self.address,
            self.submitter_name, self.submitter_id_number, self.submitter_phone, self.summary,
        ]

    # -- Screen API ------------------------------------------------------------------------------

    def on_shown(self) -> None:
        if self.picker.procedure() is None:
            self.focus_picker()
            return
        for widget in (self.full_name, self.id_number, self.phone, self.address):
            if not widget.text().strip():
                widget.setFocus(Qt.FocusReason.OtherFocusReason)
                return
        self.summary.setFocus(Qt.FocusReason.OtherFocusReason)

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

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.FocusOut and isinstance(watched, QLineEdit):
            self._check_on_leave(watched)
        return False

    # -- procedure, due date ---------------------------------------------------------------------

    def _on_catalog_loaded(self, count: int) -> None:
        if self.picker.load_error:
            self.show_message(self.picker.load_error, error=True)
        elif count == 0:
            self.show_message(
                "Danh mục thủ tục của quầy đang trống: hãy nhập danh mục (menu Thiết lập) trước khi tiếp nhận.",
                error=True,
            )

    def _on_procedure_chosen(self, procedure: Procedure) -> None:
        self.documents.set_lines(
            DocumentLine(d.name, d.originals, d.certified_copies, d.photocopies) for d in procedure.documents
        )
        if not self.summary.text().strip() or self.summary.text() == self._procedure_name:
            self.summary.setText(procedure.name)
            self.summary.setCursorPosition(0)
        self._procedure_name = procedure.name
        self.time_label.setText(f"Thời hạn giải quyết: {processing_time_text(procedure)}")
        self._clear_field_error("procedure_code")
        self._clear_field_error("documents")
        self._update_due()

    def _update_due(self) -> None:
        """Ask the calendar (in the background) when a dossier received now would be due."""
        procedure = self.picker.procedure()
        self._due_request += 1
        request = self._due_request
        if procedure is None:
            self.due_label.setText(DUE_NONE)
            return
        channel = Channel(self.channel.currentData())
        db, code = self.context.db, procedure.code
        self.due_label.setText("Hẹn trả: đang tính…")

        def done(due: datetime | None) -> None:
            if request != self._due_request:
                return  # a newer choice is already being computed
            self.due_label.setText(due_text(due) if due else "Hẹn trả: chưa tính được (thủ tục không có trong danh mục)")

        def failed(error: Exception) -> None:
            if request == self._due_request:
                self.due_label.setText(f"Hẹn trả: chưa tính được ({error_text(error)})")

        self.context.tasks.run(lambda: preview_due_at(db, code, channel), done, failed)

    # -- ID card ---------------------------------------------------------------------------------

    def fill_from_id_card(self, payload: str) -> None:
        """Fill the applicant (or the submitter, when the focus is in that group) from a chip-ID QR line."""
        self.picker.hide_popup()
        self.commune.hide_popup()
        try:
            card = parse_chip_id_qr(payload)
        except ValidationError as error:
            self.show_message(f"{error.message} Thông tin đã nhập được giữ nguyên.", error=True)
            return
        focus = self.focusWidget()
        if self.other_submitter.isChecked() and focus is not None and self.submitter_group.isAncestorOf(focus):
            self.submitter_name.setText(card.full_name)
            _select_data(self.submitter_id_type, IdDocumentType.CCCD.value)
            self.submitter_id_number.setText(card.id_number)
            for name in ("submitter_full_name", "submitter_id_number", "submitter_id_type"):
                self._clear_field_error(name)
            who, next_field = "người nộp", self.submitter_phone
        else:
            self.full_name.setText(card.full_name)
            _select_data(self.id_type, IdDocumentType.CCCD.value)
            self.id_number.setText(card.id_number)
            self.birth_date.setText(f"{card.birth_date:%d/%m/%Y}")
            _select_data(self.gender, card.gender.value)
            self.address.setText(card.permanent_address)
            for name in ("full_name", "id_type", "id_number", "birth_date", "gender", "address"):
                self._clear_field_error(name)
            who, next_field = "chủ hồ sơ", self.phone
        self.show_message(
            f"Đã điền thông tin {who} từ thẻ căn cước: {card.full_name}, số {card.id_number}. "
            "Hãy kiểm tra lại (cả xã/phường) và nhập số điện thoại."
        )
        if not next_field.text().strip():
            next_field.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- checks when leaving a field (pure functions, cheap) --------------------------------------

    def _check_on_leave(self, widget: QLineEdit) -> None:
        text = widget.text().strip()
        if not text:
            return
        try:
            if widget is self.birth_date:
                if _EIGHT_DIGITS.fullmatch(text):  # "05091990" → "05/09/1990"
                    widget.setText(f"{text[:2]}/{text[2:4]}/{text[4:]}")
                parse_birth_date(widget.text())
            elif widget is self.phone:
                normalize_phone(text)
            elif widget is self.submitter_phone:
                normalize_phone(text, "submitter_phone", "Số điện thoại người nộp")
            elif widget is self.email:
                normalize_email(text)
            elif widget is self.id_number:
                validate_id_number(
                    IdDocumentType(self.id_type.currentData()), text, self._birth_or_none(), self._gender_or_none()
                )
            elif widget is self.submitter_id_number:
                validate_id_number(IdDocumentType(self.submitter_id_type.currentData()), text)
        except ValidationError as error:
            name = self._field_of(widget)
            if name:
                self._show_field_errors({name: error.message}, focus=False)  # never trap the clerk in a field
            return
        self._clear_widget_error(widget)

    def _birth_or_none(self) -> date | None:
        try:
            return parse_birth_date(self.birth_date.text()) if self.birth_date.text().strip() else None
        except ValidationError:
            return None

    def _gender_or_none(self) -> Gender | None:
        value = self.gender.currentData()
        return Gender(value) if value else None

    # -- save ------------------------------------------------------------------------------------

    def build_request(self) -> IntakeRequest:
        """The form as typed; the service validates and normalises it."""
        procedure = self.picker.procedure()
        if procedure is None and self.picker.text().strip():
            found = self.picker.find_by_code(self.picker.text())  # a bare code typed in full counts
            if found is not None:
                self.picker.choose(found)
                procedure = found
        unit = self.commune.resolve_typed()  # None: no commune, the address stays free text
        applicant = PersonInput(
            full_name=self.full_name.text(),
            id_type=str(self.id_type.currentData()),
            id_number=self.id_number.text(),
            phone=self.phone.text(),
            email=self.email.text(),
            birth_date=self.birth_date.text().strip() or None,
            gender=self.gender.currentData() or None,
            street=street_part(self.address.text(), unit) if unit else "",
            ward_code=unit.code if unit else None,
            address_text=self.address.text(),
        )
        submitter = None
        if self.other_submitter.isChecked():
            submitter = PersonInput(
                full_name=self.submitter_name.text(),
                id_type=str(self.submitter_id_type.currentData()),
                id_number=self.submitter_id_number.text(),
                phone=self.submitter_phone.text(),
            )
        return IntakeRequest(
            procedure_code=procedure.code if procedure else "",
            applicant=applicant,
            submitter=submitter,
            summary=self.summary.text(),
            documents=self.documents.lines() if procedure else None,
            sets_count=self.sets_count.value(),
            channel=self.channel.currentData(),
            result_delivery=str(self.delivery.currentData()),
        )

    def save(self) -> None:
        """Ctrl+S: receive the dossier in the background; one save at a time."""
        if self.saving:
            return
        request = self.build_request()
        commune_error = self.commune.typed_error()
        self.saving = True
        self.save_button.setEnabled(False)
        self.save_button.setText("Đang lưu…")
        self.show_message("Đang lưu hồ sơ…")
        db = self.context.db
        self.context.tasks.run(
            lambda: _receive(db, request, commune_error), self._on_saved, self._on_save_failed, write=True
        )

    def _end_saving(self) -> None:
        self.saving = False
        self.save_button.setEnabled(True)
        self.save_button.setText("Lưu và in giấy tiếp nhận (Ctrl+S)")

    def _on_saved(self, dossier: Dossier) -> None:
        self._end_saving()
        self.last_code = dossier.code
        self.clear_form()
        self.show_message(
            f"Đã tiếp nhận hồ sơ {dossier.code} của {dossier.applicant.full_name}. {due_text(dossier.due_at)}."
        )
        self.dossier_saved.emit(dossier.code)
        self.show_slip(dossier.code)

    def _on_save_failed(self, error: Exception) -> None:
        self._end_saving()
        if isinstance(error, ValidationErrors):
            self._show_field_errors(self._merge(error.errors))
            count = len(error.errors)
            self.show_message(
                f"Chưa lưu: có {count} thông tin cần sửa (đánh dấu đỏ bên dưới). Thông tin đã nhập được giữ nguyên.",
                error=True,
            )
            return
        self.show_message(f"Chưa lưu được hồ sơ: {error_text(error)} Thông tin đã nhập được giữ nguyên.", error=True)

    @staticmethod
    def _merge(errors: list[ValidationError]) -> dict[str, str]:
        merged: dict[str, str] = {}
        for error in errors:
            name = "documents" if error.field.startswith("documents[") else error.field
            merged[name] = f"{merged[name]}\n{error.message}" if name in merged else error.message
        return merged

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

    # -- new dossier -----------------------------------------------------------------------------

    def has_typed_data(self) -> bool:
        return (
            bool(self.picker.text().strip())
            or any(edit.text().strip() for edit in self._line_edits())
            or self.other_submitter.isChecked()
            or not self.commune.is_default()
        )

    def new_dossier(self) -> bool:
        """Ctrl+N / F2: clear for the next citizen; asks first when something typed would be lost."""
        if self.saving:
            return False
        if self.has_typed_data():
            box = QMessageBox(self)
            box.setIcon(QMessageBox.Icon.Question)
            box.setWindowTitle("Hồ sơ mới")
            box.setText("Biểu mẫu đang có thông tin chưa lưu. Xóa để nhập hồ sơ mới?")
            discard = box.addButton("Xóa, nhập hồ sơ mới", QMessageBox.ButtonRole.DestructiveRole)
            keep = box.addButton("Tiếp tục nhập (Esc)", QMessageBox.ButtonRole.RejectRole)
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

    def clear_form(self) -> None:
        self.picker.clear_choice()
        self._procedure_name = ""
        for edit in self._line_edits():
            edit.clear()
        for combo in (self.id_type, self.gender, self.submitter_id_type, self.channel, self.delivery):
            combo.setCurrentIndex(0)
        self.other_submitter.setChecked(False)
        self.commune.reset()
        self.sets_count.setValue(1)
        self.documents.setRowCount(0)
        self.time_label.setText("")
        self._due_request += 1
        self.due_label.setText(DUE_NONE)
        self.clear_errors()

    # -- messages --------------------------------------------------------------------------------

    def show_message(self, text: str, *, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(ERROR_STYLE + "font-weight: bold;" if error else INFO_STYLE)
        self.message.show()

    def _field_of(self, widget: QWidget) -> str | None:
        return next((name for name, (w, _) in self._field_widgets.items() if w is widget), None)

    def field_error(self, name: str) -> str:
        """The message shown under the field `name` ("" when none)."""
        widget_label = self._field_widgets.get(name)
        return widget_label[1].text() if widget_label and widget_label[1].isVisible() else ""

    def _show_field_errors(self, errors: dict[str, str], *, focus: bool = True) -> None:
        labels: dict[QLabel, list[str]] = {}
        first: QWidget | None = None
        unplaced = []
        for name, message in errors.items():
            if name not in self._field_widgets:
                unplaced.append(message)
                continue
            widget, label = self._field_widgets[name]
            labels.setdefault(label, []).append(message)
            widget.setStyleSheet(INVALID_STYLE)
            widget.setProperty("error_text", message)
            if first is None:
                first = widget
        for label, messages in labels.items():
            label.setText("\n".join(messages))
            label.show()
        if unplaced:
            self.show_message("\n".join(unplaced), error=True)
        order = [w for w in self._tab_chain() if w.isVisible()]
        marked = [w for w in order if w.property("error_text")]
        target = marked[0] if marked else first
        if focus and target is not None:
            target.setFocus(Qt.FocusReason.OtherFocusReason)

    def _tab_chain(self) -> list[QWidget]:
        return [
            self.picker, self.full_name, self.id_type, self.id_number, self.birth_date, self.gender,
            self.phone, self.email, self.address, self.commune, self.submitter_name, self.submitter_id_type,
            self.submitter_id_number, self.submitter_phone, self.documents, self.sets_count, self.channel,
            self.delivery, self.summary,
        ]

    def _clear_field_error(self, name: str) -> None:
        if name in self._field_widgets:
            self._clear_widget_error(self._field_widgets[name][0])

    def _clear_widget_error(self, widget: QWidget) -> None:
        if not widget.property("error_text"):
            return
        widget.setProperty("error_text", "")
        widget.setStyleSheet("")
        label = next((lbl for w, lbl in self._field_widgets.values() if w is widget), None)
        if label is None:
            return
        still = [w.property("error_text") for w, lbl in self._field_widgets.values() if lbl is label]
        remaining = list(dict.fromkeys(text for text in still if text))
        label.setText("\n".join(remaining))
        label.setVisible(bool(remaining))

    def clear_errors(self) -> None:
        for widget, label in self._field_widgets.values():
            widget.setProperty("error_text", "")
            widget.setStyleSheet("")
            label.clear()
            label.hide()

    def _toggle_submitter(self, on: bool) -> None:
        self.submitter_group.setVisible(on)
        if on:
            self.submitter_name.setFocus(Qt.FocusReason.OtherFocusReason)

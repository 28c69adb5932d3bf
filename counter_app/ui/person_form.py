"""The people on the intake screen: the applicant (chủ hồ sơ) and, if someone else files, the submitter.

Kept apart from the intake screen because these fields have their own behaviour: each is checked as
the clerk leaves it (a date typed as 8 digits is completed, a bad phone or ID number gets its message
at once, without holding the clerk back), and a scanned chip-ID QR fills the applicant, or the
submitter when the focus is in that group. The screen owns saving; this form turns what was typed
into the service's PersonInput.
"""

from __future__ import annotations

import re
from datetime import date

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QGroupBox, QLineEdit, QWidget

from counter_app.domain import labels
from counter_app.domain.dossier import Gender, IdDocumentType
from counter_app.domain.errors import ValidationError
from counter_app.domain.formats import office_date
from counter_app.domain.identity import ChipIdCard, validate_id_number
from counter_app.domain.validation import normalize_email, normalize_phone, parse_birth_date
from counter_app.services.clock import office_today
from counter_app.services.intake import PersonInput
from counter_app.ui.commune_picker import CommunePicker, street_part
from counter_app.ui.context import UiContext
from counter_app.ui.form_fields import FieldErrors, combo, select_data

_EIGHT_DIGITS = re.compile(r"\d{8}")


def _id_type_combo() -> QComboBox:
    return combo((t.label, t.value) for t in IdDocumentType)


class PersonForm(QGroupBox):
    """The "Chủ hồ sơ" group: applicant fields, commune, and the submitter group behind a tick box.

    Field messages go through `errors`, shared with the screen so one save shows every fault.
    """

    def __init__(self, context: UiContext, errors: FieldErrors) -> None:
        super().__init__(self.tr("Chủ hồ sơ"))
        self.errors = errors
        self._context = context  # its clock: dates of birth and ID numbers are checked against the office's today
        self._build(context)
        for widget in (self.id_number, self.phone, self.email, self.birth_date,
                       self.submitter_id_number, self.submitter_phone):
            widget.installEventFilter(self)
        for line_edit in self.line_edits():
            line_edit.textEdited.connect(lambda _text, w=line_edit: self.errors.clear_widget(w))
        for box in self.combos():
            box.activated.connect(lambda _index, w=box: self.errors.clear_widget(w))
        self.commune.textEdited.connect(lambda _text: self.errors.clear_widget(self.commune))
        self.commune.unit_chosen.connect(lambda _unit: self.errors.clear_widget(self.commune))

    def _build(self, context: UiContext) -> None:
        wrap, pair = self.errors.wrap, self.errors.pair
        form = QFormLayout(self)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.full_name = QLineEdit()
        self.full_name.setObjectName("full_name")
        self.full_name.setMaxLength(120)
        self.full_name.setPlaceholderText(self.tr("Họ, chữ đệm và tên, có dấu"))
        form.addRow(labels.caption(labels.FULL_NAME), wrap(self.full_name, "full_name", "applicant_type"))
        self.id_type = _id_type_combo()
        self.id_type.setObjectName("id_type")
        self.id_number = QLineEdit()
        self.id_number.setObjectName("id_number")
        self.id_number.setPlaceholderText(self.tr("12 chữ số (CCCD), 9 chữ số (CMND)"))
        form.addRow(self.tr("Giấy tờ:"), pair(self.id_type, self.id_number, ("id_type", "id_number"), self.tr("Số:")))
        self.birth_date = QLineEdit()
        self.birth_date.setObjectName("birth_date")
        self.birth_date.setPlaceholderText(self.tr("ngày/tháng/năm, ví dụ 05/09/1990"))
        self.gender = combo([(self.tr("— chưa chọn —"), ""), (self.tr("Nam"), Gender.MALE.value), (self.tr("Nữ"), Gender.FEMALE.value)])
        self.gender.setObjectName("gender")
        form.addRow(labels.caption(labels.BIRTH_DATE),
                    pair(self.birth_date, self.gender, ("birth_date", "gender"), labels.caption(labels.GENDER)))
        self.phone = QLineEdit()
        self.phone.setObjectName("phone")
        self.phone.setPlaceholderText(self.tr("ví dụ 0912 345 678"))
        form.addRow(self.tr("Điện thoại:"), wrap(self.phone, "phone"))
        self.email = QLineEdit()
        self.email.setObjectName("email")
        self.email.setPlaceholderText(self.tr("không bắt buộc"))
        form.addRow(labels.caption(labels.EMAIL), wrap(self.email, "email"))
        self.address = QLineEdit()
        self.address.setObjectName("address")
        self.address.setPlaceholderText(self.tr("số nhà, tên đường, thôn/tổ dân phố (cả địa chỉ nếu để trống xã/phường)"))
        form.addRow(labels.caption(labels.ADDRESS), wrap(self.address, "address"))
        profile = context.profile
        self.commune = CommunePicker(profile.ward_code, profile.province_code)
        form.addRow(labels.caption(labels.WARD), wrap(self.commune, "ward_code", "province_code"))

        self.other_submitter = QCheckBox(self.tr("Người nộp &khác chủ hồ sơ"))
        self.other_submitter.setObjectName("other_submitter")
        form.addRow("", self.other_submitter)
        self.submitter_group = QGroupBox(labels.SUBMITTER)
        sub = QFormLayout(self.submitter_group)
        self.submitter_name = QLineEdit()
        self.submitter_name.setObjectName("submitter_full_name")
        sub.addRow(labels.caption(labels.FULL_NAME), wrap(self.submitter_name, "submitter_full_name"))
        self.submitter_id_type = _id_type_combo()
        self.submitter_id_number = QLineEdit()
        self.submitter_id_number.setObjectName("submitter_id_number")
        sub.addRow(
            self.tr("Giấy tờ:"),
            pair(
                self.submitter_id_type, self.submitter_id_number,
                ("submitter_id_type", "submitter_id_number"), self.tr("Số:"),
            ),
        )
        self.submitter_phone = QLineEdit()
        self.submitter_phone.setObjectName("submitter_phone")
        sub.addRow(self.tr("Điện thoại:"), wrap(self.submitter_phone, "submitter_phone"))
        self.submitter_group.setVisible(False)
        self.other_submitter.toggled.connect(self._toggle_submitter)
        form.addRow(self.submitter_group)

    def _toggle_submitter(self, on: bool) -> None:
        self.submitter_group.setVisible(on)
        if on:
            self.submitter_name.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- the fields as lists ---------------------------------------------------------------------

    def tab_chain(self) -> list[QWidget]:
        """The form's widgets in Tab order."""
        return [
            self.full_name, self.id_type, self.id_number, self.birth_date, self.gender, self.phone,
            self.email, self.address, self.commune, self.other_submitter, self.submitter_name,
            self.submitter_id_type, self.submitter_id_number, self.submitter_phone,
        ]

    def line_edits(self) -> list[QLineEdit]:
        return [
            self.full_name, self.id_number, self.birth_date, self.phone, self.email, self.address,
            self.submitter_name, self.submitter_id_number, self.submitter_phone,
        ]

    def combos(self) -> list[QComboBox]:
        return [self.id_type, self.gender, self.submitter_id_type]

    def first_empty_field(self) -> QLineEdit | None:
        """Where the clerk most likely types next: the first empty one of name, ID, phone, address."""
        fields = (self.full_name, self.id_number, self.phone, self.address)
        return next((widget for widget in fields if not widget.text().strip()), None)

    def has_typed_data(self) -> bool:
        return (
            any(edit.text().strip() for edit in self.line_edits())
            or self.other_submitter.isChecked()
            or not self.commune.is_default()
        )

    def clear(self) -> None:
        for edit in self.line_edits():
            edit.clear()
        for box in self.combos():
            box.setCurrentIndex(0)
        self.other_submitter.setChecked(False)
        self.commune.reset()

    # -- what the service gets -------------------------------------------------------------------

    def applicant_input(self) -> PersonInput:
        """The applicant as typed; a commune name typed in full counts as chosen."""
        unit = self.commune.resolve_typed()  # None: no commune, the address stays free text
        return PersonInput(
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

    def submitter_input(self) -> PersonInput | None:
        """The submitter as typed, or None when the applicant files in person."""
        if not self.other_submitter.isChecked():
            return None
        return PersonInput(
            full_name=self.submitter_name.text(),
            id_type=str(self.submitter_id_type.currentData()),
            id_number=self.submitter_id_number.text(),
            phone=self.submitter_phone.text(),
        )

    # -- ID card ---------------------------------------------------------------------------------

    def fill_from_card(self, card: ChipIdCard, focus: QWidget | None) -> tuple[str, QLineEdit]:
        """Fill the applicant (or the submitter, when `focus` is in that group) from a read chip-ID card.

        Returns who was filled ("chủ hồ sơ" / "người nộp") and the field the card cannot fill (the phone).
        """
        if self.other_submitter.isChecked() and focus is not None and self.submitter_group.isAncestorOf(focus):
            self.submitter_name.setText(card.full_name)
            select_data(self.submitter_id_type, IdDocumentType.CCCD.value)
            self.submitter_id_number.setText(card.id_number)
            for name in ("submitter_full_name", "submitter_id_number", "submitter_id_type"):
                self.errors.clear_field(name)
            return self.tr("người nộp"), self.submitter_phone
        self.full_name.setText(card.full_name)
        select_data(self.id_type, IdDocumentType.CCCD.value)
        self.id_number.setText(card.id_number)
        self.birth_date.setText(office_date(card.birth_date))
        select_data(self.gender, card.gender.value)
        self.address.setText(card.permanent_address)
        for name in ("full_name", "id_type", "id_number", "birth_date", "gender", "address"):
            self.errors.clear_field(name)
        return self.tr("chủ hồ sơ"), self.phone

    # -- checks when leaving a field (pure functions, cheap) --------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.FocusOut and isinstance(watched, QLineEdit):
            self._check_on_leave(watched)
        return False

    def _check_on_leave(self, widget: QLineEdit) -> None:
        text = widget.text().strip()
        if not text:
            return
        try:
            if widget is self.birth_date:
                if _EIGHT_DIGITS.fullmatch(text):  # "05091990" → "05/09/1990"
                    widget.setText(f"{text[:2]}/{text[2:4]}/{text[4:]}")
                parse_birth_date(widget.text(), today=self._today())
            elif widget is self.phone:
                normalize_phone(text)
            elif widget is self.submitter_phone:
                normalize_phone(text, "submitter_phone", self.tr("{phone} người nộp").format(phone=labels.PHONE))
            elif widget is self.email:
                normalize_email(text)
            elif widget is self.id_number:
                validate_id_number(
                    IdDocumentType(self.id_type.currentData()), text, self._birth_or_none(), self._gender_or_none(),
                    today=self._today(),
                )
            elif widget is self.submitter_id_number:
                validate_id_number(IdDocumentType(self.submitter_id_type.currentData()), text, today=self._today())
        except ValidationError as error:
            name = self.errors.field_of(widget)
            if name:
                self.errors.show({name: error.message})  # no focus change: never trap the clerk in a field
            return
        self.errors.clear_widget(widget)

    def _today(self) -> date:
        return office_today(self._context.clock())

    def _birth_or_none(self) -> date | None:
        try:
            return parse_birth_date(self.birth_date.text(), today=self._today()) if self.birth_date.text().strip() else None
        except ValidationError:
            return None

    def _gender_or_none(self) -> Gender | None:
        value = self.gender.currentData()
        return Gender(value) if value else None

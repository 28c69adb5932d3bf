"""First-run setup: which unit this counter serves, its QCVN 102 code, the desk slot and its supervisor.

Shown once, before the main window exists. The unit is picked from the post-01/7/2025 map (34
provinces, then that province's communes, found by typing without diacritics); the unit code cannot be
derived from the map, so it is typed. Enter moves to the next field and saves only from the last one,
and only when every field is filled (desk 1–9, the supervisor's account); Esc asks before leaving.
Saving goes through `services.unit_setup.setup_unit` and `services.accounts.create_account`; what they
refuse is shown at the field that caused it and nothing typed is lost.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from counter_app.domain import admin_units
from counter_app.domain.accounts import Role
from counter_app.domain.admin_units import AdminUnit, without_unit_kind
from counter_app.domain.codes import MAX_DESK_SLOTS
from counter_app.domain.errors import DomainError, ValidationError, ValidationErrors
from counter_app.domain.text import fold, nfc, search_tokens
from counter_app.services.unit_setup import CounterProfile
from counter_app.storage.database import Database
from counter_app.ui.accounts_dialog import AccountForm
from counter_app.ui.form_fields import error_label
from counter_app.ui.messages import ask_before_leaving, error_text
from counter_app.ui.palette import HINT_STYLE
from counter_app.ui.tasks import TaskRunner

UNIT_NAME_PREFIX = "Trung tâm Phục vụ hành chính công "
_UNIT_ROLE = Qt.ItemDataRole.UserRole
FIELDS = ("ward_code", "unit_code", "unit_name", "desk", "supervisor")
ACCOUNT_FIELDS = ("username", "full_name", "password", "role")  # shown together under the supervisor's form


def _matches(query_words: list[str], name: str) -> bool:
    """Every typed word starts a word of the name, ignoring diacritics, case and đ/Đ."""
    tokens = search_tokens(name)
    return all(any(token.startswith(word) for token in tokens) for word in query_words)


class ProvinceCombo(QComboBox):
    """The 34 provinces; typing "da nang" or "Đà Nẵng" (or the code "48") jumps to the province.

    Qt's own type-ahead compares the displayed text with diacritics and would need "Thành phố Đ…".
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPlaceholderText(self.tr("— Chọn tỉnh/thành phố (gõ tên không cần dấu) —"))
        units = sorted(admin_units.provinces(), key=lambda unit: fold(without_unit_kind(unit.name)))
        for unit in units:
            self.addItem(f"{unit.name} ({unit.code:02d})", unit.code)
        self._folded = [(fold(without_unit_kind(unit.name)), f"{unit.code:02d}") for unit in units]
        self.setCurrentIndex(-1)
        self._typed = ""
        self._reset = QTimer(self)
        self._reset.setSingleShot(True)
        self._reset.setInterval(1200)
        self._reset.timeout.connect(self._clear_typed)

    def _clear_typed(self) -> None:
        self._typed = ""

    def province_code(self) -> int | None:
        data = self.currentData()
        return int(data) if data is not None else None

    def select_code(self, code: int) -> None:
        index = self.findData(code)
        if index >= 0:
            self.setCurrentIndex(index)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        text = event.text()
        plain = event.modifiers() in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.ShiftModifier)
        if plain and text and text.isprintable() and (text.strip() or self._typed):
            self._typed += text
            self._reset.start()
            wanted = fold(self._typed).strip()
            for row, (name, code) in enumerate(self._folded):
                if name.startswith(wanted) or code == wanted:
                    self.setCurrentIndex(row)
                    break
            event.accept()
            return
        if event.key() == Qt.Key.Key_Backspace and self._typed:
            self._typed = self._typed[:-1]
            self._reset.start()
            event.accept()
            return
        super().keyPressEvent(event)


class SetupDialog(QDialog):
    """Modal first-run setup; after `exec()` returns Accepted, `profile` is the saved CounterProfile."""

    def __init__(self, db: Database, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.profile: CounterProfile | None = None
        self._tasks = TaskRunner(self)
        self._saving = False
        self._auto_name = ""
        self._nationwide = False  # typing before choosing a province searches the whole country
        self.quit_box: QMessageBox | None = None
        self.setWindowTitle(self.tr("Thiết lập quầy lần đầu"))
        self.setMinimumWidth(620)

        intro = QLabel(
            self.tr("Chọn đơn vị mà quầy này tiếp nhận hồ sơ (danh mục hành chính áp dụng từ ngày 01/7/2025), nhập mã định danh của đơn vị, số quầy và tài khoản giám sát viên (người thêm tài khoản cho nhân viên và duyệt hồ sơ nhập muộn). Enter chuyển sang ô tiếp theo.")
        )
        intro.setWordWrap(True)

        self.province = ProvinceCombo()
        self.province.setObjectName("province")
        self.ward_filter = QLineEdit()
        self.ward_filter.setObjectName("ward_filter")
        self.ward_filter.setPlaceholderText(self.tr("Gõ tên phường/xã, không cần dấu (ví dụ: hai chau)"))
        self.ward_filter.setClearButtonEnabled(True)
        self.ward_list = QListWidget()
        self.ward_list.setObjectName("ward_list")
        self.ward_list.setMinimumHeight(130)
        self.ward_list.setMaximumHeight(170)
        self.unit_code = QLineEdit()
        self.unit_code.setObjectName("unit_code")
        self.unit_code.setPlaceholderText(self.tr("ví dụ: 000.31.48.H15"))
        self.unit_code.setMaxLength(20)
        code_hint = QLabel(
            self.tr("Mã định danh theo QCVN 102:2016/BTTTT, dạng 000.00.00.H00. Lấy từ danh mục mã đơn vị của tỉnh; không suy ra được từ tên phường/xã.")
        )
        code_hint.setWordWrap(True)
        code_hint.setStyleSheet(HINT_STYLE)
        self.unit_name = QLineEdit()
        self.unit_name.setObjectName("unit_name")
        self.unit_name.setMaxLength(255)
        self.unit_name.setPlaceholderText(self.tr("ví dụ: Trung tâm Phục vụ hành chính công phường Hải Châu"))
        self.desk = QSpinBox()
        self.desk.setObjectName("desk")
        self.desk.setRange(0, MAX_DESK_SLOTS - 1)
        self.desk.setSpecialValueText(self.tr("— chọn số quầy —"))  # 0 means "not chosen yet": a desk is 1–9 here
        self.desk.setToolTip(self.tr("Số quầy từ 1 đến 9; hai quầy của cùng đơn vị không được trùng số."))
        self.supervisor = AccountForm(with_role=False, prefix="supervisor_")

        self.errors: dict[str, QLabel] = {}
        for field in (*FIELDS, "general"):
            self.errors[field] = error_label(f"{field}_error")

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow(self._buddy(self.tr("&Tỉnh/thành phố:"), self.province), self.province)
        form.addRow(self._buddy(self.tr("&Phường/xã:"), self.ward_filter), self.ward_filter)
        form.addRow("", self.ward_list)
        form.addRow("", self.errors["ward_code"])
        form.addRow(self._buddy(self.tr("&Mã đơn vị:"), self.unit_code), self.unit_code)
        form.addRow("", code_hint)
        form.addRow("", self.errors["unit_code"])
        form.addRow(self._buddy(self.tr("Tên đơn &vị:"), self.unit_name), self.unit_name)
        form.addRow("", self.errors["unit_name"])
        form.addRow(self._buddy(self.tr("Số &quầy (1–9):"), self.desk), self.desk)
        form.addRow("", self.errors["desk"])
        form.addRow(QLabel(self.tr("<b>Tài khoản giám sát viên</b>")))
        form.addRow(self.supervisor)
        form.addRow("", self.errors["supervisor"])

        buttons = QDialogButtonBox()
        self.save_button = QPushButton(self.tr("Lưu và bắt đầu (Enter)"))
        self.save_button.setObjectName("save")
        self.save_button.setDefault(False)
        self.save_button.setAutoDefault(False)
        self.cancel_button = QPushButton(self.tr("Thoát (Esc)"))
        self.cancel_button.setObjectName("cancel")
        self.cancel_button.setAutoDefault(False)
        buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.errors["general"])
        layout.addWidget(buttons)

        self.province.currentIndexChanged.connect(self._province_changed)
        self.ward_filter.textChanged.connect(self._refill_wards)
        self.ward_filter.installEventFilter(self)
        self.ward_list.currentItemChanged.connect(self._ward_changed)
        self.unit_name.textEdited.connect(self._name_edited)
        self.setTabOrder(self.province, self.ward_filter)
        self.setTabOrder(self.ward_filter, self.ward_list)
        self.setTabOrder(self.ward_list, self.unit_code)
        self.setTabOrder(self.unit_code, self.unit_name)
        self.setTabOrder(self.unit_name, self.desk)
        previous: QWidget = self.desk
        for widget in self.supervisor.fields():
            self.setTabOrder(previous, widget)
            previous = widget
        self._enter_chain: list[QWidget] = [self.province, self.ward_filter, self.unit_code, self.unit_name, self.desk,
                                            *self.supervisor.fields()]
        self._refill_wards()
        self.province.setFocus()

    @staticmethod
    def _buddy(text: str, widget: QWidget) -> QLabel:
        label = QLabel(text)
        label.setBuddy(widget)
        return label

    # -- choosing the unit -----------------------------------------------------------------------

    def _province_changed(self, _index: int) -> None:
        self._nationwide = False
        self._refill_wards()

    def _candidates(self) -> list[AdminUnit]:
        """The province's communes that match the filter; without a province, a nationwide search."""
        query = self.ward_filter.text()
        words = search_tokens(query)
        code = self.province.province_code()
        if code is not None and not self._nationwide:
            found = [unit for unit in admin_units.wards_of(code) if _matches(words, unit.name)]
            phrase = " ".join(words)
            # "hai" puts Phường Hải Châu before Phường An Hải: names that start with what was typed first
            return sorted(found, key=lambda unit: not fold(without_unit_kind(unit.name)).startswith(phrase))
        return [unit for unit in admin_units.search_units(query, 60) if not unit.is_province]

    def _refill_wards(self) -> None:
        chosen = self.ward_code()
        typed = bool(self.ward_filter.text().strip())
        if not typed:
            self._nationwide = False
        elif self.province.province_code() is None:
            self._nationwide = True
        nationwide = self._nationwide or self.province.province_code() is None
        self.ward_list.blockSignals(True)
        self.ward_list.clear()
        for unit in self._candidates():
            text = f"{unit.name} — {admin_units.province_name(unit.province_code)}" if nationwide else unit.name
            item = QListWidgetItem(f"{text}  ({unit.code})")
            item.setData(_UNIT_ROLE, unit.code)
            self.ward_list.addItem(item)
        self.ward_list.blockSignals(False)
        row = -1
        if chosen is not None:
            row = next((i for i in range(self.ward_list.count()) if self.ward_list.item(i).data(_UNIT_ROLE) == chosen), -1)
        if row < 0 and typed and self.ward_list.count():
            row = 0  # the best match is chosen as the clerk types; arrows move from there
        self.ward_list.setCurrentRow(row)

    def ward_code(self) -> int | None:
        """The chosen commune's code, or None (a unit above commune level)."""
        item = self.ward_list.currentItem()
        return int(item.data(_UNIT_ROLE)) if item is not None else None

    def _ward_changed(self, current: QListWidgetItem | None, _previous: QListWidgetItem | None) -> None:
        if current is None:
            return
        unit = admin_units.ward(int(current.data(_UNIT_ROLE)))
        if self.province.province_code() != unit.province_code:
            self.province.blockSignals(True)
            self.province.select_code(unit.province_code)
            self.province.blockSignals(False)
        self._clear_error("ward_code")
        name = UNIT_NAME_PREFIX + unit.name[0].lower() + unit.name[1:]
        if not self.unit_name.text().strip() or self.unit_name.text() == self._auto_name:
            self.unit_name.setText(name)
            self._auto_name = name

    def _name_edited(self, _text: str) -> None:
        self._auto_name = ""  # the clerk's own wording is never overwritten by a later pick

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Up/Down/PageUp/PageDown in the filter box move through the list, so hands stay on the keys."""
        if watched is self.ward_filter and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown):
                self.ward_list.keyPressEvent(event)
                return True
        return super().eventFilter(watched, event)

    # -- saving ----------------------------------------------------------------------------------

    def _clear_error(self, field: str) -> None:
        self.errors[field].clear()
        self.errors[field].hide()

    def _show_error(self, field: str, message: str) -> None:
        label = self.errors.get(field, self.errors["general"])
        text = f"{label.text()}\n{message}" if label.text() else message
        label.setText(text)
        label.show()

    def error_at(self, field: str) -> str:
        """The message shown at a field ("" when none): for tests and screen readers."""
        return self.errors[field].text()

    def _field_widget(self, field: str) -> QWidget:
        return {
            "ward_code": self.ward_filter,
            "unit_code": self.unit_code,
            "unit_name": self.unit_name,
            "desk": self.desk,
            "supervisor": self.supervisor.username,
        }.get(field, self.unit_code)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Enter moves to the next field; on the last one it saves. Never the default button at once."""
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()
            focus = QApplication.focusWidget()
            if focus is self.ward_list:
                focus = self.ward_filter
            chain = self._enter_chain
            index = next((i for i, widget in enumerate(chain) if widget is focus or widget.isAncestorOf(focus)), -1)
            if index == len(chain) - 1 or focus is self.save_button:
                self.save()
            else:
                chain[index + 1].setFocus(Qt.FocusReason.TabFocusReason)
            return
        super().keyPressEvent(event)

    def _missing(self) -> list[tuple[str, str]]:
        """What is not filled yet: setup never saves half of it."""
        missing = []
        if not self.unit_code.text().strip():
            missing.append(("unit_code", self.tr("Mã đơn vị: chưa nhập.")))
        if not self.unit_name.text().strip():
            missing.append(("unit_name", self.tr("Tên đơn vị: chưa nhập.")))
        if self.desk.value() < 1:
            missing.append(("desk", self.tr("Số quầy: hãy chọn số quầy từ 1 đến 9.")))
        if not self.supervisor.is_filled():
            missing.append(("supervisor", self.tr("Tài khoản giám sát viên: hãy nhập đủ tên đăng nhập, họ và tên, mật khẩu và nhập lại mật khẩu.")))
        return missing

    def save(self) -> None:
        """Validate and store in the background; the dialog stays open with the clerk's input on error."""
        if self._saving:
            return
        for field in self.errors:
            self._clear_error(field)
        missing = self._missing()
        try:
            account = self.supervisor.values(Role.SUPERVISOR) if not missing else {}
        except DomainError as error:
            missing.append(("supervisor", error.message))
        if missing:
            self._failed(ValidationErrors([ValidationError(field, message) for field, message in missing]))
            return
        values = {
            "unit_code": nfc(self.unit_code.text()),
            "unit_name": nfc(self.unit_name.text()),
            "desk": self.desk.value(),
            "ward_code": self.ward_code(),
        }
        db = self.db

        def work() -> CounterProfile:
            from counter_app.services.accounts import any_account, check_account_fields, create_account
            from counter_app.services.catalog import ensure_sample_catalog
            from counter_app.services.unit_setup import setup_unit

            check_account_fields(**account)  # before the profile is written: a bad account saves nothing
            profile = setup_unit(db, **values)
            if not any_account(db):
                create_account(db, **account, by=None)
            ensure_sample_catalog(db)
            return profile

        self._set_saving(True)
        self._tasks.run(work, self._saved, self._failed, write=True)

    def _set_saving(self, saving: bool) -> None:
        self._saving = saving
        self.save_button.setEnabled(not saving)
        self.cancel_button.setEnabled(not saving)
        self.save_button.setText(self.tr("Đang lưu…") if saving else self.tr("Lưu và bắt đầu (Enter)"))

    def _saved(self, profile: CounterProfile) -> None:
        self._set_saving(False)
        self.profile = profile
        self.accept()

    def _failed(self, error: Exception) -> None:
        self._set_saving(False)
        if isinstance(error, ValidationErrors):
            problems = [(e.field, e.message) for e in error.errors]
        elif isinstance(error, DomainError) and hasattr(error, "field"):
            problems = [(str(error.field), error.message)]
        else:
            problems = [("general", error_text(error))]
        problems = [("supervisor" if field in ACCOUNT_FIELDS else field, message) for field, message in problems]
        for field, message in problems:
            self._show_error(field, message)
        first = next((field for field in FIELDS if any(f == field for f, _ in problems)), None)
        if first is not None:
            self._field_widget(first).setFocus()

    def reject(self) -> None:
        """Esc, «Thoát» or closing: with something typed, asks first (the default answer keeps the dialog
        and what is typed); never in the middle of a save."""
        if self._saving or self.quit_box is not None:
            return
        typed = [self.unit_code, self.unit_name, self.ward_filter, self.supervisor.username, self.supervisor.full_name,
                 self.supervisor.password]
        if not any(widget.text().strip() for widget in typed) and self.desk.value() == 0:
            super().reject()
            return
        self.quit_box, self.quit_button = ask_before_leaving(
            self, self.tr("Thoát thiết lập"), self.tr("Quầy chưa được thiết lập. Thoát ứng dụng? Thông tin đã nhập sẽ không được lưu."),
            self.tr("Thoát"), self.tr("Tiếp tục thiết lập (Esc)"), self._quit_answered)

    def _quit_answered(self, leave: bool) -> None:
        self.quit_box = None
        if leave:
            super().reject()

    def done(self, result: int) -> None:
        self._tasks.wait()
        super().done(result)

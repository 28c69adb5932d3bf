"""Thiết lập (F10, supervisors only). Tab «Đơn vị» (Alt+1): the unit's name, commune and place, the desk, the
lookup address the slip's QR opens, this machine's slip printer and its scan-inbox folder. Tab «Máy này»
(Alt+2, ui/machine_settings_panel.py): receipt paper, server address, sync interval, backups, language.
Ctrl+Tab moves between the tabs; Alt+letters reach the fields of the tab shown.

The unit's part goes through `services.unit_setup.update_unit_settings(..., by=<supervisor>)`, which checks
the supervisor itself (the CLI obeys the same rule); the printer and the scan-inbox folder are this
machine's (`ui/settings.py`): a new folder is checked (created if missing) before anything is saved and
the running watcher follows it at once (`ScanInboxWatcher.set_folder`).
The desk slot is shown read-only, with the reason, once the province assigned it at enrolment or the desk
has issued codes (`desk_locked_reason`). Enter moves field by field and saves from the last one; Esc asks
before throwing changes away. Reading and saving run on the task runner, never on the GUI thread; one
Enter-save stores both tabs, after every check of both passed.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from counter_app.domain import admin_units
from counter_app.domain.errors import DomainError, ValidationErrors
from counter_app.domain.lookup_url import FIELD as LOOKUP_FIELD
from counter_app.services.unit_setup import CounterProfile, UnitSettings, unit_settings
from counter_app.ui.context import UiContext
from counter_app.ui.machine_settings_panel import MACHINE_FIELDS, MachineSettingsPanel, MachineValues
from counter_app.ui.messages import ask_before_leaving, error_text
from counter_app.ui.scan_inbox_watcher import (
    INBOX_FIELD,
    active_watcher,
    checked_inbox_dir,
    default_inbox_dir,
)
from counter_app.ui.unit_settings_page import FIELDS, UnitSettingsPage, bank_account_text


def refusal_text(context: UiContext) -> str:
    """Why the signed-in person may not open the unit settings ("" when they may)."""
    clerk = context.clerk
    if clerk is None:
        return QCoreApplication.translate("unit_settings_dialog", "Chỉ giám sát viên đã đăng nhập mới đổi được thiết lập đơn vị. Hãy đăng nhập (Ctrl+L).")
    if not clerk.is_supervisor:
        return (QCoreApplication.translate("unit_settings_dialog", "Chỉ giám sát viên mới đổi được thiết lập đơn vị (tên, địa chỉ, số quầy, địa chỉ tra cứu, máy in); tài khoản «{username}» là {lower}. Hãy nhờ giám sát viên đăng nhập (Ctrl+L).").format(username=clerk.username, lower=clerk.role.label.lower()))
    return ""


class UnitSettingsDialog(QDialog):
    """Opened for the signed-in supervisor (`refusal_text` is empty); `saved` carries the new profile."""

    saved = Signal(object)  # CounterProfile

    def __init__(self, context: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.loaded = False
        self.saving = False
        self.discard_box: QMessageBox | None = None
        self._initial: tuple[UnitSettings, str] | None = None
        self._desk_reason = ""
        self._enrolled_url = ""
        self.setWindowTitle(self.tr("Thiết lập"))
        self.setMinimumWidth(640)

        self.page = UnitSettingsPage(context.profile)
        page = self.page
        self.unit_name, self.commune, self.place_name, self.desk = page.unit_name, page.commune, page.place_name, page.desk
        self.desk_note, self.lookup_url, self.bank_account = page.desk_note, page.lookup_url, page.bank_account
        self.printer, self.scan_inbox, self.browse_button = page.printer, page.scan_inbox, page.browse_button
        self.browse_button.clicked.connect(self.browse_inbox)
        QShortcut(QKeySequence("Ctrl+O"), self).activated.connect(self.browse_inbox)
        self._initial_inbox = ""
        self.errors = dict(page.errors)
        self.machine = MachineSettingsPanel()
        self.errors.update(self.machine.errors)
        QShortcut(QKeySequence("Ctrl+Shift+O"), self).activated.connect(self._browse_backup_dir)
        self.commune.unit_chosen.connect(self._commune_chosen)

        self.status = QLabel(self.tr("Đang đọc thiết lập…"))
        self.status.setObjectName("unit_settings_status")
        self.status.setWordWrap(True)
        self.save_button = QPushButton(self.tr("Lưu (Enter ở ô cuối)"))
        self.save_button.setObjectName("save")
        self.save_button.setAutoDefault(False)
        self.cancel_button = QPushButton(self.tr("Đóng (Esc)"))
        self.cancel_button.setAutoDefault(False)
        buttons = QDialogButtonBox()
        buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        intro = QLabel(self.tr("Đơn vị {unit}. Enter chuyển sang ô tiếp theo; ở ô cuối, Enter lưu. Ctrl+Tab đổi thẻ. "
                               "Esc để đóng (có thay đổi thì được hỏi trước).").format(unit=context.profile.unit_code))
        intro.setWordWrap(True)
        self.tabs = QTabWidget()
        self.tabs.addTab(page, self.tr("&1 Đơn vị"))
        self.tabs.addTab(self.machine, self.tr("&2 Máy này"))
        self.tabs.tabBar().setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Alt+1/Alt+2, Ctrl+Tab: focus stays in the fields
        self.tabs.currentChanged.connect(self._tab_shown)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.tabs)
        layout.addWidget(self.errors["general"])
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        self._set_enabled(False)
        self._load()

    def _chain(self) -> list[QWidget]:
        """The fields Enter walks through on the tab shown, in order (the desk only when it can be changed)."""
        if self.tabs.currentWidget() is self.machine:
            return self.machine.chain()
        widgets: list[QWidget] = [self.unit_name, self.commune, self.place_name]
        if self.desk.isEnabled():
            widgets.append(self.desk)
        return [*widgets, self.lookup_url, self.printer, self.scan_inbox]

    def _set_enabled(self, enabled: bool) -> None:
        for widget in (self.unit_name, self.commune, self.place_name, self.lookup_url, self.printer, self.scan_inbox,
                       self.browse_button, self.save_button, self.machine):
            widget.setEnabled(enabled)
        self.desk.setEnabled(enabled and not self._desk_reason)

    # -- reading -------------------------------------------------------------------------------------

    def _load(self) -> None:
        from counter_app.services.server_address import enrolled_server_url
        from counter_app.services.unit_setup import desk_locked_reason, load_profile

        db = self.context.db
        self.context.tasks.run(lambda: (load_profile(db), desk_locked_reason(db), enrolled_server_url(db)),
                               self._loaded, self._load_failed, owner=self)

    def _loaded(self, result: tuple[CounterProfile, str, str]) -> None:
        profile, self._desk_reason, self._enrolled_url = result
        self.context.profile = profile
        self.unit_name.setText(profile.unit_name)
        self.commune.default_unit = None
        if profile.ward_code is not None:
            try:
                self.commune.choose(admin_units.ward(profile.ward_code))
            except (KeyError, ValueError):
                self.commune.setText("")
        self.place_name.setText(profile.place_name)
        self.desk.setValue(max(profile.desk_slot, 1))
        if self._desk_reason:
            self.desk_note.setText(self._desk_reason)
            self.desk_note.show()
        self.lookup_url.setText(profile.lookup_url)
        self.bank_account.setText(bank_account_text(profile))
        self.page.set_printer_text(self.context.settings.printer_name())
        self._initial_inbox = str(default_inbox_dir(self.context))
        self.scan_inbox.setText(self._initial_inbox)
        self.machine.show_values(self.context.settings, self._enrolled_url)
        self._initial = self.values()
        self.loaded = True
        self._set_enabled(True)
        self.status.setText("")
        self.unit_name.setFocus()
        self.unit_name.selectAll()

    def _load_failed(self, error: Exception) -> None:
        self.status.setText(self.tr("Không đọc được thiết lập đơn vị: {error_text}").format(error_text=error_text(error)))

    # -- the values ----------------------------------------------------------------------------------

    def printer_name(self) -> str:
        return self.page.printer_name()

    def values(self) -> tuple[UnitSettings, str]:
        """What the fields say now: the unit's part and this machine's printer."""
        unit = self.commune.resolve_typed() if self.commune.text().strip() else None
        ward = unit.code if unit is not None else None
        if unit is None and self.commune.text().strip():
            ward = -1  # typed but not chosen: refused at the field on save
        wanted = UnitSettings(unit_name=self.unit_name.text(), ward_code=ward, place_name=self.place_name.text(),
                              desk=self.desk.value(), lookup_url=self.lookup_url.text())
        return wanted, self.printer_name()

    def browse_inbox(self) -> None:
        """Ctrl+O: pick the folder in the system's dialog (typing the path works as well)."""
        chosen = QFileDialog.getExistingDirectory(self, self.tr("Thư mục nhận bản quét"), self.scan_inbox.text().strip())
        if chosen:
            self.scan_inbox.setText(chosen)
            self.scan_inbox.setFocus()

    def _browse_backup_dir(self) -> None:
        self.tabs.setCurrentWidget(self.machine)
        self.machine.browse_backup_dir()

    def _tab_shown(self, _index: int) -> None:
        self._chain()[0].setFocus(Qt.FocusReason.TabFocusReason)

    def has_changes(self) -> bool:
        if self._initial is None:
            return False
        if self.scan_inbox.text().strip() != self._initial_inbox or self.machine.has_changes():
            return True
        (now, printer), (before, printer_before) = self.values(), self._initial
        strip = str.strip
        return (strip(now.unit_name), now.ward_code, strip(now.place_name), now.desk, strip(now.lookup_url), printer) != (
            strip(before.unit_name), before.ward_code, strip(before.place_name), before.desk, strip(before.lookup_url),
            printer_before)

    def _commune_chosen(self, unit: object) -> None:
        """A new commune proposes its short name as the place written on the slip (unless edited)."""
        if not self.loaded or not isinstance(unit, admin_units.AdminUnit):
            return
        previous = self._initial[0] if self._initial else None
        auto = {"", admin_units.without_unit_kind(unit.name)}
        if previous is not None and previous.ward_code is not None:
            with contextlib.suppress(KeyError, ValueError):
                auto.add(admin_units.without_unit_kind(admin_units.ward(previous.ward_code).name))
        if self.place_name.text().strip() in auto:
            self.place_name.setText(admin_units.without_unit_kind(unit.name))

    # -- keys ----------------------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Enter moves to the next field; on the last one it saves (never the default button at once)."""
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()
            chain = self._chain()
            focus = QApplication.focusWidget()
            index = next((i for i, widget in enumerate(chain) if widget is focus or widget.isAncestorOf(focus)), -1)
            if index == len(chain) - 1 or focus is self.save_button:
                self.save()
            else:
                chain[index + 1].setFocus(Qt.FocusReason.TabFocusReason)
            return
        super().keyPressEvent(event)

    # -- saving --------------------------------------------------------------------------------------

    def save(self) -> None:
        if self.saving or not self.loaded:
            return
        self._clear_errors()
        wanted, printer = self.values()
        if wanted.ward_code == -1:
            error = self.commune.typed_error()
            self._show_errors([("ward_code", error.message if error else self.tr("Xã/phường: hãy chọn trong danh sách."))])
            return
        from counter_app.services.server_address import change_server_url
        from counter_app.services.unit_setup import update_unit_settings
        from counter_app.ui.machine_settings_panel import check_machine_values

        db, by, inbox_text = self.context.db, self.context.clerk_username, self.scan_inbox.text()
        machine, shown_url, enrolled_url = self.machine.values(), self.machine.shown_server_url, self._enrolled_url

        def job() -> tuple[CounterProfile, Path, MachineValues]:
            checked = check_machine_values(machine, shown_url, enrolled_url)  # first: a refused field leaves all unsaved
            inbox = checked_inbox_dir(inbox_text)
            profile = update_unit_settings(db, wanted, by=by)
            if enrolled_url and checked.server_url != enrolled_url.rstrip("/"):
                change_server_url(db, checked.server_url, by=by)
            return profile, inbox, checked

        self.saving = True
        self._set_enabled(False)
        self.status.setText(self.tr("Đang lưu…"))
        self.context.tasks.run(job, lambda result: self._saved(*result, printer), self._failed, write=True, owner=self)

    def _saved(self, profile: CounterProfile, inbox: Path, machine: MachineValues, printer: str) -> None:
        from counter_app.ui.machine_settings_panel import write_machine_values

        self.saving = False
        write_machine_values(self.context.settings, machine, enrolled=bool(self._enrolled_url))
        self.machine.mark_saved()
        self.context.settings.set_printer_name(printer)
        self.context.settings.set_scan_inbox_dir(inbox)
        watcher = active_watcher()
        if watcher is not None:
            watcher.set_folder(inbox)  # the running watcher follows at its next poll, no restart
        self._initial_inbox = str(inbox)
        self.context.profile = profile
        self._initial = (unit_settings(profile), printer)
        self.saved.emit(profile)
        self.accept()

    def _failed(self, error: Exception) -> None:
        self.saving = False
        self._set_enabled(True)
        self.status.setText("")
        if isinstance(error, ValidationErrors):
            problems = [(e.field, e.message) for e in error.errors]
        elif isinstance(error, DomainError) and hasattr(error, "field"):
            problems = [(str(error.field), error.message)]
        else:
            problems = [("general", error_text(error))]
        self._show_errors(problems)

    def _show_errors(self, problems: list[tuple[str, str]]) -> None:
        for field, message in problems:
            label = self.errors.get(field, self.errors["general"])
            label.setText(f"{label.text()}\n{message}" if label.text() else message)
            label.show()
        first = next((field for field in (*FIELDS, *MACHINE_FIELDS) if any(f == field for f, _ in problems)), None)
        if first in MACHINE_FIELDS:
            self.tabs.setCurrentWidget(self.machine)
            self.machine.widget_for(first).setFocus()
            return
        self.tabs.setCurrentIndex(0)
        widgets = {"unit_name": self.unit_name, "ward_code": self.commune, "place_name": self.place_name,
                   "desk": self.desk, LOOKUP_FIELD: self.lookup_url, "printer": self.printer,
                   INBOX_FIELD: self.scan_inbox}
        if first is not None:
            widgets[first].setFocus()

    def _clear_errors(self) -> None:
        for label in self.errors.values():
            label.clear()
            label.hide()

    def error_at(self, field: str) -> str:
        """The message shown at a field ("" when none): for tests and screen readers."""
        return self.errors[field].text()

    # -- leaving -------------------------------------------------------------------------------------

    def reject(self) -> None:
        """Esc, «Đóng» or the window's X: with changes, asks first; the default answer keeps editing."""
        if self.saving or self.discard_box is not None:
            return
        if not self.has_changes():
            super().reject()
            return
        self.discard_box, self.discard_button = ask_before_leaving(
            self, self.tr("Bỏ các thay đổi?"), self.tr("Thiết lập đơn vị có thay đổi chưa lưu. Bỏ các thay đổi này?"),
            self.tr("Bỏ thay đổi"), self.tr("Tiếp tục sửa (Esc)"), self._discard_answered)

    def _discard_answered(self, leave: bool) -> None:
        self.discard_box = None
        if leave:
            super().reject()

"""The «Máy này» tab of the settings screen (F10): this machine's own settings, kept in `ui/settings.py`.

Receipt paper, the province server's address, the sync interval, how long synced operations stay in the
outbox, the backup folder and how many backups to keep, the screens' language. The checks that touch the disk or the database (`check_machine_values`)
run on the task runner with the unit's save; the settings file is written on the GUI thread once every
check passed, so a refused field leaves everything as it was.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from counter_app.domain.errors import ValidationError, ValidationErrors
from counter_app.services.backups import default_backup_dir
from counter_app.storage.outbox_pruning import MAX_RETENTION_DAYS, MIN_RETENTION_DAYS
from counter_app.ui.form_fields import error_label
from counter_app.ui.settings import (
    CONTROL_CHARACTERS,
    LANGUAGES,
    MAX_BACKUPS_TO_KEEP,
    MAX_SYNC_INTERVAL_MINUTES,
    MAX_TEXT,
    MIN_SYNC_INTERVAL_MINUTES,
    RECEIPT_PAPERS,
    CounterSettings,
)

MACHINE_FIELDS = ("receipt_paper", "server_url", "sync_interval", "outbox_retention", "backup_dir", "backups_to_keep",
                  "language")
BACKUP_LABEL = "Thư mục sao lưu"


@dataclass(frozen=True)
class MachineValues:
    receipt_paper: str
    server_url: str
    sync_interval: int
    outbox_retention: int  # days an acknowledged operation stays in the outbox (storage/outbox_pruning.py)
    backup_dir: str  # "" = the default folder
    backups_to_keep: int
    language: str


def checked_backup_dir(text: str) -> Path | None:
    """The backup folder typed (None = the default one), or ValidationError: it must exist and be writable.

    It is not created: a USB stick's path typed while the stick is out must not become a folder on C:.
    """
    typed = text.strip()
    if not typed:
        return None
    if len(typed) > MAX_TEXT:
        raise ValidationError("backup_dir", QCoreApplication.translate("machine_settings_panel", "Đường dẫn thư mục dài quá {max_text} ký tự.").format(max_text=MAX_TEXT), BACKUP_LABEL)
    if not typed.isprintable():
        raise ValidationError("backup_dir", CONTROL_CHARACTERS, BACKUP_LABEL)
    folder = Path(typed).expanduser()
    if not folder.is_absolute():
        raise ValidationError("backup_dir", QCoreApplication.translate("machine_settings_panel", "«{value}» chưa phải đường dẫn đầy đủ (ví dụ E:\\SaoLuu hoặc /media/usb/sao-luu).").format(value=typed[:80]), BACKUP_LABEL)
    try:
        return _writable_folder(folder, typed)
    except OSError:  # a name too long for the file system, a share gone: the OS's words are not Vietnamese
        raise ValidationError("backup_dir", QCoreApplication.translate("machine_settings_panel", "Không đọc được thư mục «{value}» (tên quá dài, hoặc ổ đĩa/thư mục mạng không truy cập được). Hãy chọn thư mục khác.").format(value=typed[:80]), BACKUP_LABEL) from None


def _writable_folder(folder: Path, typed: str) -> Path:
    if folder.exists() and not folder.is_dir():
        raise ValidationError("backup_dir", QCoreApplication.translate("machine_settings_panel", "«{value}» là một tệp, không phải thư mục.").format(value=typed[:80]), BACKUP_LABEL)
    if not folder.is_dir():
        raise ValidationError("backup_dir", QCoreApplication.translate("machine_settings_panel", "Không thấy thư mục «{value}» (chưa cắm USB, hoặc thư mục chưa được tạo). Hãy cắm ổ/tạo thư mục rồi lưu lại, hoặc để trống để dùng thư mục mặc định.").format(value=typed[:80]),
                              BACKUP_LABEL)
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ValidationError("backup_dir", QCoreApplication.translate("machine_settings_panel", "Máy này không ghi được vào thư mục «{value}» (không có quyền, hoặc ổ chỉ đọc). Hãy chọn thư mục khác.").format(value=typed[:80]), BACKUP_LABEL)
    return folder


def check_machine_values(values: MachineValues, shown_url: str, enrolled_url: str) -> MachineValues:
    """Every field checked at once (worker thread); the values to write, or ValidationErrors naming each field.

    The server address is checked only when it was changed: one accepted at enrolment (a trusted LAN's
    http://, say) must not block saving the other fields.
    """
    from counter_app.services.server_address import checked_server_url

    problems: list[ValidationError] = []
    server_url = values.server_url.strip()
    if server_url.rstrip("/") != shown_url.rstrip("/"):
        if enrolled_url and not server_url:
            problems.append(ValidationError("server_url", QCoreApplication.translate("machine_settings_panel", "Quầy đã đăng ký với máy chủ tỉnh: không để trống địa chỉ máy chủ (đang dùng {enrolled_url}).").format(enrolled_url=enrolled_url), QCoreApplication.translate("machine_settings_panel", "Máy chủ tỉnh")))
        elif server_url:
            try:
                server_url = checked_server_url(server_url)
            except ValidationError as refused:
                problems.append(refused)
    if not MIN_SYNC_INTERVAL_MINUTES <= values.sync_interval <= MAX_SYNC_INTERVAL_MINUTES:
        problems.append(ValidationError("sync_interval", QCoreApplication.translate("machine_settings_panel", "Chu kỳ đồng bộ phải từ {min_sync_interval_minutes} đến {max_sync_interval_minutes} phút.").format(min_sync_interval_minutes=MIN_SYNC_INTERVAL_MINUTES, max_sync_interval_minutes=MAX_SYNC_INTERVAL_MINUTES), QCoreApplication.translate("machine_settings_panel", "Chu kỳ đồng bộ")))
    if not MIN_RETENTION_DAYS <= values.outbox_retention <= MAX_RETENTION_DAYS:
        problems.append(ValidationError("outbox_retention", QCoreApplication.translate("machine_settings_panel", "Số ngày giữ thao tác đã đồng bộ phải từ {low} đến {high}.").format(low=MIN_RETENTION_DAYS, high=MAX_RETENTION_DAYS), QCoreApplication.translate("machine_settings_panel", "Giữ thao tác đã đồng bộ")))
    backup_dir = values.backup_dir
    try:
        folder = checked_backup_dir(values.backup_dir)
        backup_dir = "" if folder is None else str(folder)
    except ValidationError as refused:
        problems.append(refused)
    if problems:
        raise ValidationErrors(problems)
    return replace(values, server_url=server_url.rstrip("/"), backup_dir=backup_dir)


def write_machine_values(settings: CounterSettings, values: MachineValues, *, enrolled: bool) -> None:
    """Into `settings.ini` (GUI thread, after the checks); an enrolled counter's address is in the database."""
    settings.set_receipt_paper(values.receipt_paper)
    if not enrolled:
        settings.set_last_server_url(values.server_url)  # the enrolment dialog starts with it
    settings.set_sync_interval_minutes(values.sync_interval)
    settings.set_outbox_retention_days(values.outbox_retention)
    settings.set_backup_dir(Path(values.backup_dir) if values.backup_dir else None)
    settings.set_backups_to_keep(values.backups_to_keep)
    settings.set_language(values.language)


class MachineSettingsPanel(QWidget):
    """The fields of the «Máy này» tab; the dialog owns loading, saving and the Enter chain."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._initial: MachineValues | None = None
        self.shown_server_url = ""
        self.receipt_paper = QComboBox()
        self.receipt_paper.setObjectName("receipt_paper")
        self.receipt_paper.addItem(self.tr("Khổ A5 (máy in thường)"), RECEIPT_PAPERS[0])
        self.receipt_paper.addItem(self.tr("Giấy cuộn 80 mm (máy in nhiệt)"), RECEIPT_PAPERS[1])
        self.server_url = QLineEdit()
        self.server_url.setObjectName("server_url")
        self.server_url.setMaxLength(MAX_TEXT)
        self.server_url.setPlaceholderText("https://dongbo.buudien-tinh.vn")
        self.server_note = QLabel()
        self.server_note.setObjectName("server_note")
        self.server_note.setWordWrap(True)
        self.sync_interval = QSpinBox()
        self.sync_interval.setObjectName("sync_interval")
        self.sync_interval.setRange(MIN_SYNC_INTERVAL_MINUTES, MAX_SYNC_INTERVAL_MINUTES)
        self.sync_interval.setSuffix(self.tr(" phút"))
        self.outbox_retention = QSpinBox()
        self.outbox_retention.setObjectName("outbox_retention")
        self.outbox_retention.setRange(MIN_RETENTION_DAYS, MAX_RETENTION_DAYS)
        self.outbox_retention.setSuffix(self.tr(" ngày"))
        self.backup_dir = QLineEdit()
        self.backup_dir.setObjectName("backup_dir")
        self.backup_dir.setMaxLength(MAX_TEXT)
        self.browse_button = QPushButton(self.tr("Chọn… (Ctrl+Shift+O)"))
        self.browse_button.setAutoDefault(False)
        self.browse_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.browse_button.clicked.connect(self.browse_backup_dir)
        self.backups_to_keep = QSpinBox()
        self.backups_to_keep.setObjectName("backups_to_keep")
        self.backups_to_keep.setRange(1, MAX_BACKUPS_TO_KEEP)
        self.language = QComboBox()
        self.language.setObjectName("language")
        self.language.addItem("Tiếng Việt", LANGUAGES[0])  # each language in its own words
        self.language.addItem("English", LANGUAGES[1])
        self.errors = {field: error_label(f"error_{field}") for field in MACHINE_FIELDS}

        backup_row = QHBoxLayout()
        backup_row.addWidget(self.backup_dir, 1)
        backup_row.addWidget(self.browse_button)
        form = QFormLayout(self)
        rows: list[tuple[str, QWidget, object, str]] = [
            (self.tr("Khổ giấy &biên lai:"), self.receipt_paper, self.receipt_paper, ""),
            (self.tr("Máy &chủ tỉnh:"), self.server_url, self.server_url, "server_note"),
            (self.tr("Đồng bộ mỗi (&phút):"), self.sync_interval, self.sync_interval,
             self.tr("Có hiệu lực từ lần đồng bộ sau (F9 đồng bộ ngay).")),
            (self.tr("Giữ thao tác đã đồng bộ (ngà&y):"), self.outbox_retention, self.outbox_retention,
             self.tr("Sau chừng ấy ngày kể từ khi máy chủ tỉnh xác nhận, thao tác được xoá khỏi hàng đợi gửi; hồ sơ "
                     "và nhật ký thao tác của quầy vẫn giữ nguyên.")),
            (self.tr("Thư mục &sao lưu:"), self.backup_dir, backup_row,
             self.tr("Bản sao lưu hằng ngày khi đóng ứng dụng; để trống: thư mục mặc định trong thư mục dữ liệu.")),
            (self.tr("Số bản sao lưu &giữ lại:"), self.backups_to_keep, self.backups_to_keep, ""),
            (self.tr("&Ngôn ngữ giao diện:"), self.language, self.language,
             self.tr("Đổi ngôn ngữ có hiệu lực khi mở lại ứng dụng.")),
        ]
        for (text, widget, field_row, note), field in zip(rows, MACHINE_FIELDS, strict=True):
            label = QLabel(text)
            label.setBuddy(widget)
            form.addRow(label, field_row)  # type: ignore[arg-type]
            if note == "server_note":
                form.addRow("", self.server_note)
            elif note:
                form.addRow("", QLabel(note))
            form.addRow("", self.errors[field])

    def chain(self) -> list[QWidget]:
        """The fields Enter walks through on this tab; Enter on the last one saves."""
        return [self.receipt_paper, self.server_url, self.sync_interval, self.outbox_retention, self.backup_dir,
                self.backups_to_keep, self.language]

    def widget_for(self, field: str) -> QWidget:
        return getattr(self, field)

    def show_values(self, settings: CounterSettings, enrolled_url: str) -> None:
        """The fields as the settings file (and, enrolled, the database) say."""
        self.receipt_paper.setCurrentIndex(max(0, self.receipt_paper.findData(settings.receipt_paper())))
        self.shown_server_url = enrolled_url or settings.last_server_url()
        self.server_url.setText(self.shown_server_url)
        self.server_note.setText(self.tr(
            "Quầy đã đăng ký: đổi địa chỉ khi tỉnh chuyển máy chủ sang địa chỉ mới; danh tính và mã xác thực của "
            "quầy được giữ.") if enrolled_url else self.tr(
            "Quầy chưa đăng ký: địa chỉ này được điền sẵn khi đăng ký (màn hình Đồng bộ, F7)."))
        self.sync_interval.setValue(round(settings.sync_interval_minutes()))
        self.outbox_retention.setValue(settings.outbox_retention_days())
        chosen = settings.backup_dir(default_backup_dir(settings.path.parent))
        self.backup_dir.setText("" if chosen == default_backup_dir(settings.path.parent) else str(chosen))
        self.backup_dir.setPlaceholderText(str(default_backup_dir(settings.path.parent)))
        self.backups_to_keep.setValue(settings.backups_to_keep())
        self.language.setCurrentIndex(max(0, self.language.findData(settings.language())))
        self._initial = self.values()

    def values(self) -> MachineValues:
        return MachineValues(receipt_paper=str(self.receipt_paper.currentData()), server_url=self.server_url.text().strip(),
                             sync_interval=self.sync_interval.value(), outbox_retention=self.outbox_retention.value(),
                             backup_dir=self.backup_dir.text().strip(),
                             backups_to_keep=self.backups_to_keep.value(), language=str(self.language.currentData()))

    def has_changes(self) -> bool:
        return self._initial is not None and self.values() != self._initial

    def mark_saved(self) -> None:
        self._initial = self.values()

    def browse_backup_dir(self) -> None:
        """Ctrl+Shift+O: pick the folder (a USB stick, say) in the system's dialog."""
        chosen = QFileDialog.getExistingDirectory(self, self.tr("Thư mục sao lưu"), self.backup_dir.text().strip())
        if chosen:
            self.backup_dir.setText(chosen)
            self.backup_dir.setFocus()

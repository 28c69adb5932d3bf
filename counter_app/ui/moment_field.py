"""«Thời điểm»: when a step happened at the desk, typed on the office clock (docs/step-time.md).

The field opens showing now (from `UiContext.clock`) and means "now" until the clerk types another
time: `moment()` is then None and the service stamps the step itself. A paper dossier typed afterwards
gets its real time: "14:30 09/03/2026", "14:30 09/03" (this year) or "14:30" (today), office time.
Whether that time is allowed (never in the future, never before the dossier's last step, a late
entry's approval) is the service's rule; its refusal comes back under the field (`show_error`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QFocusEvent
from PySide6.QtWidgets import QLineEdit, QVBoxLayout, QWidget

from counter_app.domain.dossier import OFFICE_TZ
from counter_app.domain.errors import ValidationError
from counter_app.domain.formats import office_datetime, to_office
from counter_app.ui.form_fields import error_label
from counter_app.ui.palette import INVALID_FIELD_STYLE

AT_LABEL = "Thời điểm"
MAX_TEXT = 40
_MOMENT = re.compile(r"^(\d{1,2})[:hH](\d{2})(?:\s+(\d{1,2})/(\d{1,2})(?:/(\d{4}))?)?$")


def parse_office_moment(text: str, today: date, *, field: str = "at", label: str = AT_LABEL) -> datetime:
    """'14:30 09/03/2026' (or '14:30 09/03', '14:30' for today) as an instant on the office clock."""
    shown = text.strip()[:MAX_TEXT]
    match = _MOMENT.match(" ".join(shown.split()))
    problem = ValidationError(field, QCoreApplication.translate("moment_field", "{label} «{shown}» không đúng dạng giờ:phút ngày/tháng/năm (ví dụ 14:30 09/03/2026).").format(label=label, shown=shown), label)
    if match is None:
        raise problem
    hour, minute, day, month, year = match.groups()
    try:
        return datetime(int(year) if year else today.year, int(month) if month else today.month,
                        int(day) if day else today.day, int(hour), int(minute), tzinfo=OFFICE_TZ)
    except ValueError:
        raise problem from None


class MomentEdit(QLineEdit):
    """The time of a step: opens on now; empty or untouched means now."""

    def __init__(self, clock: Callable[[], datetime], *, field: str = "at", label: str = AT_LABEL,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.clock = clock
        self.field, self.label = field, label
        self.setObjectName(f"moment_{field}")
        self.setMaxLength(MAX_TEXT)
        self.setPlaceholderText(self.tr("bây giờ — hoặc gõ giờ:phút ngày/tháng/năm"))
        self.setToolTip(self.tr("Để nguyên (hoặc xóa trống) là bây giờ; gõ 14:30 09/03/2026, 14:30 09/03 hay 14:30 (hôm nay) cho một việc đã làm trước đó."))
        self._now_text = ""
        self.set_now()

    def set_now(self) -> None:
        """Show the current office time again (the field then means "now")."""
        self._now_text = office_datetime(self.clock())
        self.setText(self._now_text)

    def is_now(self) -> bool:
        return self.text().strip() in ("", self._now_text)

    def moment(self) -> datetime | None:
        """None for now; else the typed time (raises a Vietnamese ValidationError when unreadable)."""
        if self.is_now():
            return None
        return parse_office_moment(self.text(), to_office(self.clock()).date(), field=self.field, label=self.label)

    def typed_day(self) -> date | None:
        """The office day typed (None for now or while unreadable): the intake screen asks for a late
        entry's reason when it lies before today."""
        try:
            moment = self.moment()
        except ValidationError:
            return None
        return moment.date() if moment is not None else None

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        self.selectAll()  # typing replaces the time shown


class MomentField(QWidget):
    """A `MomentEdit` with its red message under it (the lifecycle and return dialogs)."""

    def __init__(self, clock: Callable[[], datetime], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.edit = MomentEdit(clock)
        self.error = error_label("moment_error")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(1)
        layout.addWidget(self.edit)
        layout.addWidget(self.error)
        self.edit.textEdited.connect(lambda _text: self.clear_error())

    def moment(self) -> datetime | None:
        return self.edit.moment()

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()
        self.edit.setStyleSheet(INVALID_FIELD_STYLE)
        self.edit.setFocus()

    def clear_error(self) -> None:
        self.error.clear()
        self.error.hide()
        self.edit.setStyleSheet("")

    def error_text(self) -> str:
        return "" if self.error.isHidden() else self.error.text()

"""How screens tell the clerk that something went wrong, in Vietnamese, without losing what was typed."""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtWidgets import QAbstractButton, QMessageBox, QWidget

from counter_app.domain.errors import DomainError, ValidationErrors

log = logging.getLogger(__name__)


def error_text(error: Exception) -> str:
    if isinstance(error, ValidationErrors):
        return "\n".join(e.message for e in error.errors)
    if isinstance(error, DomainError):
        return error.message
    log.error("Lỗi không mong đợi: %r", error, exc_info=error)  # the details go to the log, not to the clerk
    return (
        "Đã xảy ra lỗi không mong đợi (chi tiết đã ghi vào nhật ký của ứng dụng). Dữ liệu đã lưu không bị ảnh "
        "hưởng; hãy thử lại, nếu vẫn lỗi hãy gọi bộ phận công nghệ thông tin của tỉnh."
    )


def show_error(parent: QWidget | None, error: Exception, title: str = "Không thực hiện được") -> None:
    QMessageBox.warning(parent, title, error_text(error))


def ask_before_leaving(
    parent: QWidget, title: str, text: str, leave: str, stay: str, on_answer: Callable[[bool], None]
) -> tuple[QMessageBox, QAbstractButton]:
    """A non-blocking question before typed work is dropped; Esc and the default answer keep the work.

    `on_answer(True)` when the `leave` button was pressed, `on_answer(False)` otherwise. Returns the box
    (open) and its leave button, so tests can answer it with real clicks and keys."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle(title)
    box.setText(text)
    leave_button = box.addButton(leave, QMessageBox.ButtonRole.DestructiveRole)
    stay_button = box.addButton(stay, QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(stay_button)
    box.setEscapeButton(stay_button)
    box.finished.connect(lambda _result: on_answer(box.clickedButton() is leave_button))
    box.open()
    return box, leave_button

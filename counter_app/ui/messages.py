"""How screens tell the clerk that something went wrong, in Vietnamese, without losing what was typed."""

from __future__ import annotations

import logging

from PySide6.QtWidgets import QMessageBox, QWidget

from counter_app.domain.errors import DomainError, ValidationErrors

log = logging.getLogger(__name__)


def error_text(error: Exception) -> str:
    if isinstance(error, ValidationErrors):
        return "\n".join(e.message for e in error.errors)
    if isinstance(error, DomainError):
        return error.message
    log.error("Lỗi không mong đợi: %r", error)  # the class name and details go to the log, not to the clerk
    return (
        "Đã xảy ra lỗi không mong đợi (chi tiết đã ghi vào nhật ký của ứng dụng). Dữ liệu đã lưu không bị ảnh "
        "hưởng; hãy thử lại, nếu vẫn lỗi hãy gọi bộ phận công nghệ thông tin của tỉnh."
    )


def show_error(parent: QWidget | None, error: Exception, title: str = "Không thực hiện được") -> None:
    QMessageBox.warning(parent, title, error_text(error))

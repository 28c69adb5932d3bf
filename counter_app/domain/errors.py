"""Errors raised by the domain, each carrying a Vietnamese message for the clerk.

A `ValidationError` names the field that caused it so that the GUI can show the message next to that
field and the CLI can print it; the message itself is always complete Vietnamese.
"""

from __future__ import annotations

import errno


class DomainError(Exception):
    """A business rule refused an action. `message` is Vietnamese, ready to show."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def os_error_words(error: BaseException, where: str = "thư mục đã chọn") -> str:
    """Why the operating system refused, in Vietnamese (its own words, `strerror`, are English); `where`
    names the place. The reports screen words its export failures itself (ui/report_exports.os_error_words),
    because the screens are translated and domain words are not: keep the two in step."""
    if isinstance(error, FileNotFoundError | NotADirectoryError):
        return f"{where} không tồn tại"
    if isinstance(error, PermissionError):
        return f"không có quyền ghi vào {where}"
    number = getattr(error, "errno", None)
    if number in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return "ổ đĩa đã đầy"
    if number == errno.ENAMETOOLONG:
        return "tên tệp hoặc thư mục quá dài"
    if number in (errno.ENOTEMPTY, errno.EEXIST):
        return f"{where} đã có tệp hoặc thư mục trùng tên"
    if number == errno.EROFS:
        return f"{where} nằm trên ổ chỉ đọc"
    return f"lỗi tệp của hệ điều hành (mã {number})" if number is not None else f"lỗi tệp ({type(error).__name__})"


class ValidationError(DomainError):
    """One input field is wrong. `field` is the attribute name, `label` its Vietnamese name."""

    def __init__(self, field: str, message: str, label: str | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.label = label or field


class ValidationErrors(DomainError):
    """Several fields are wrong at once: the form shows all of them, not only the first."""

    def __init__(self, errors: list[ValidationError]) -> None:
        super().__init__("\n".join(e.message for e in errors))
        self.errors = errors

    def by_field(self) -> dict[str, str]:
        return {e.field: e.message for e in self.errors}


class InvalidTransition(DomainError):
    """A dossier was asked to move to a status its current status does not allow."""


class CodeSpaceExhausted(DomainError):
    """A desk has used all dossier numbers it may issue on one day."""

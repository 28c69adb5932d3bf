"""Alt+2 … Alt+5 in a window that shows one dossier: preview Mẫu 02–05 of it, to print or save.

A dossier that has no such paper (Mẫu 03 of a dossier not refused, Mẫu 04 before any apology …) gets
the service's Vietnamese reason in the preview instead of a page.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QT_TRANSLATE_NOOP
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QWidget

from counter_app.ui.context import UiContext

FORM_KEYS = {"Alt+2": "form02", "Alt+3": "form03", "Alt+4": "form04", "Alt+5": "form05"}
SHORTCUTS = [
    ("Alt+2", QT_TRANSLATE_NOOP("Shortcuts", "Xem và in phiếu yêu cầu bổ sung, hoàn thiện hồ sơ (Mẫu 02)")),
    ("Alt+3", QT_TRANSLATE_NOOP("Shortcuts", "Xem và in phiếu từ chối tiếp nhận (Mẫu 03)")),
    ("Alt+4", QT_TRANSLATE_NOOP("Shortcuts", "Xem và in phiếu xin lỗi và hẹn lại ngày trả kết quả (Mẫu 04)")),
    ("Alt+5", QT_TRANSLATE_NOOP("Shortcuts", "Xem và in phiếu kiểm soát quá trình giải quyết hồ sơ (Mẫu 05)")),
]


def add_form_keys(window: QWidget, context: UiContext, code_of: Callable[[], str | None]) -> None:
    """Bind Alt+2…Alt+5 on `window`; `code_of()` is the dossier shown (None while it loads)."""
    previews: list[QWidget] = []

    def show(form: str) -> None:
        from counter_app.ui.form_preview import form_preview  # the preview and pdfium load on first use

        code = code_of()
        if not code:
            return
        previews[:] = [form_preview(context, form, code, window)]  # kept alive while it is open
        previews[0].open()

    for key, form in FORM_KEYS.items():
        QShortcut(QKeySequence(key), window).activated.connect(lambda form=form: show(form))

"""The audit trail's check at start: a break is shown and stays shown, and the clerk keeps working.

The check streams the whole trail on the read lane (about a second per 100 000 rows, docs/audit-trail.md),
so the window opens at once. On a break a red line stays in the status bar for the whole session and a
non-modal warning names the rows; Ctrl+Shift+A opens it again. Nothing is repaired or hidden: a break is
for a supervisor to look into, not for the clerk to clear.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox

from counter_app.services.audit import AuditReport, verify_audit
from counter_app.storage.database import Database
from counter_app.ui.palette import ERROR, in_colour
from counter_app.ui.tasks import TaskRunner

SHOW_AGAIN_KEY = "Ctrl+Shift+A"
TITLE = "Nhật ký thao tác bị phá vỡ"
MAX_ROWS_SHOWN = 20


def check_audit_trail(window: QMainWindow, db: Database, tasks: TaskRunner) -> None:
    """Check the trail in the background; on a break, warn on `window` (see the module's docstring)."""
    tasks.run(lambda: verify_audit(db), lambda report: show_audit_break(window, report), owner=window)


def warning_text(report: AuditReport) -> str:
    lines = [report.summary, ""]
    lines += [f"• {found.kind.label}: {found.message}" for found in report.breaks[:MAX_ROWS_SHOWN]]
    hidden = len(report.breaks) - MAX_ROWS_SHOWN + report.unlisted
    if hidden > 0:
        lines.append(QCoreApplication.translate("audit_warning", "• … và {hidden} chỗ khác (xem đủ bằng lệnh «counter-app verify-audit»).").format(hidden=hidden))
    lines += ["", QCoreApplication.translate("audit_warning", "Quầy vẫn làm việc bình thường; cảnh báo này còn hiện ở thanh trạng thái (mở lại: {show_again_key}).").format(show_again_key=SHOW_AGAIN_KEY)]
    return "\n".join(lines)


def show_audit_break(window: QMainWindow, report: AuditReport) -> QMessageBox | None:
    """Nothing when the trail is whole; else the status bar line, the shortcut and the warning (returned)."""
    if report.intact:
        return None
    rows = ", ".join(str(found.first_seq) if found.first_seq == found.last_seq else f"{found.first_seq}–{found.last_seq}"
                     for found in report.breaks[:5])
    label = QLabel(in_colour(escape(QCoreApplication.translate("audit_warning", "{title}: dòng {rows}").format(title=TITLE, rows=rows) + ("…" if len(report.breaks) > 5 else "")
                                    + f" ({SHOW_AGAIN_KEY})"), ERROR))
    label.setObjectName("auditBreakLabel")
    label.setTextFormat(Qt.TextFormat.RichText)
    window.statusBar().addPermanentWidget(label)
    box = QMessageBox(QMessageBox.Icon.Warning, TITLE, warning_text(report), QMessageBox.StandardButton.Ok, window)
    box.setObjectName("auditBreakBox")
    box.setWindowModality(Qt.WindowModality.NonModal)
    shortcut = QShortcut(QKeySequence(SHOW_AGAIN_KEY), window)
    shortcut.activated.connect(box.show)
    box.show()
    return box

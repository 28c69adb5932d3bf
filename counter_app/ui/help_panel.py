"""F1: every shortcut of the app in one panel, so nobody needs the mouse to find an action."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget

MAX_HEIGHT = 680  # fits a 1366×768 screen with the task bar and the title bar; the rest scrolls


def shortcut_text(text: str) -> str:
    """A screen's shortcut list is marked `QT_TRANSLATE_NOOP("Shortcuts", …)` where it is defined; translated here.

    Texts already translated by their screen (the main window's) are not in this context and pass unchanged.
    """
    return QCoreApplication.translate("Shortcuts", text)


class HelpDialog(QDialog):
    def __init__(self, sections: list[tuple[str, list[tuple[str, str]]]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Phím tắt"))
        layout = QVBoxLayout(self)
        rows = []
        for title, shortcuts in sections:
            rows.append(f"<h3>{title}</h3><table cellspacing='4'>")
            rows += [f"<tr><td><b>{shortcut_text(key)}</b></td><td>{shortcut_text(text)}</td></tr>" for key, text in shortcuts]
            rows.append("</table>")
        self.body = QLabel("".join(rows))
        self.body.setObjectName("shortcut_help")
        self.body.setWordWrap(True)
        self.scroll = QScrollArea()
        self.scroll.setObjectName("shortcut_help_scroll")
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setWidget(self.body)
        self.scroll.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # ↑/↓, PageUp/PageDown scroll from the keyboard
        layout.addWidget(self.scroll)
        self.resize(720, min(MAX_HEIGHT, self.body.sizeHint().height() + 80))
        self.setMaximumHeight(MAX_HEIGHT + 40)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText(self.tr("Đóng (Esc)"))
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

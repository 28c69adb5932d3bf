"""F1: every shortcut of the app in one panel, so nobody needs the mouse to find an action."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget


class HelpDialog(QDialog):
    def __init__(self, sections: list[tuple[str, list[tuple[str, str]]]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Phím tắt")
        layout = QVBoxLayout(self)
        rows = []
        for title, shortcuts in sections:
            rows.append(f"<h3>{title}</h3><table cellspacing='4'>")
            rows += [f"<tr><td><b>{key}</b></td><td>{text}</td></tr>" for key, text in shortcuts]
            rows.append("</table>")
        self.body = QLabel("".join(rows))
        self.body.setObjectName("shortcut_help")
        layout.addWidget(self.body)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText("Đóng (Esc)")
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

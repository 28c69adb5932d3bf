"""The two other ways an intake ends (docs/forms.md): guidance (Mẫu 02, no code spent) and refusal (Mẫu 03).

Keyboard only: the list of papers (Space ticks a paper still missing), Tab to the reason, Ctrl+Enter to
confirm, Esc to go back to the form with everything kept.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from counter_app.domain.dossier import DocumentLine
from counter_app.domain.text import nfc
from counter_app.ui.palette import ERROR_STYLE

LINE_ROLE = Qt.ItemDataRole.UserRole + 1


class OutcomeDialog(QDialog):
    """A reason (required) and, for guidance, the papers still missing; `accept()` only with a reason."""

    def __init__(self, parent: QWidget | None, *, title: str, prompt: str, confirm: str,
                 papers: list[tuple[DocumentLine, bool]] | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.resize(560, 420 if papers is not None else 260)
        layout = QVBoxLayout(self)
        self.papers: QListWidget | None = None
        if papers is not None:
            caption = QLabel(self.tr("Giấy tờ cần bổ sung (Space: chọn/bỏ chọn; các giấy tờ chưa nộp đã được chọn sẵn):"))
            caption.setWordWrap(True)
            layout.addWidget(caption)
            self.papers = QListWidget()
            self.papers.setObjectName("missing_papers")
            for line, missing in papers:
                item = QListWidgetItem(line.name)
                item.setData(LINE_ROLE, line)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Checked if missing else Qt.CheckState.Unchecked)
                self.papers.addItem(item)
            if self.papers.count():
                self.papers.setCurrentRow(0)
            caption.setBuddy(self.papers)
            layout.addWidget(self.papers, 1)
        label = QLabel(prompt)
        label.setWordWrap(True)
        layout.addWidget(label)
        self.reason = QPlainTextEdit()
        self.reason.setObjectName("outcome_reason")
        self.reason.setTabChangesFocus(True)
        label.setBuddy(self.reason)
        layout.addWidget(self.reason, 1)
        self.error = QLabel("")
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.hide()
        layout.addWidget(self.error)
        buttons = QHBoxLayout()
        self.confirm_button = QPushButton(f"{confirm} (Ctrl+Enter)")
        cancel = QPushButton(self.tr("Quay lại biểu mẫu (Esc)"))
        for button in (self.confirm_button, cancel):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        buttons.addStretch(1)
        buttons.addWidget(cancel)
        buttons.addWidget(self.confirm_button)
        layout.addLayout(buttons)
        self.confirm_button.clicked.connect(self.accept)
        cancel.clicked.connect(self.reject)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self).activated.connect(self.accept)
        (self.papers if self.papers is not None and self.papers.count() else self.reason).setFocus()

    def reason_text(self) -> str:
        return " ".join(nfc(self.reason.toPlainText()).split())

    def missing(self) -> list[DocumentLine]:
        if self.papers is None:
            return []
        items = (self.papers.item(row) for row in range(self.papers.count()))
        return [item.data(LINE_ROLE) for item in items if item.checkState() == Qt.CheckState.Checked]

    def accept(self) -> None:
        if not self.reason_text():
            self.error.setText(self.tr("Hãy ghi lý do trước khi xác nhận."))
            self.error.show()
            self.reason.setFocus()
            return
        super().accept()


def guidance_dialog(parent: QWidget | None, papers: list[tuple[DocumentLine, bool]]) -> OutcomeDialog:
    return OutcomeDialog(parent, title=QCoreApplication.translate("outcome_dialogs", "Hướng dẫn bổ sung, hoàn thiện hồ sơ (Mẫu 02)"),
                         prompt=QCoreApplication.translate("outcome_dialogs", "Lý do yêu cầu bổ sung, hoàn thiện (in trên Mẫu 02; không cấp mã hồ sơ):"),
                         confirm=QCoreApplication.translate("outcome_dialogs", "Lưu và in Mẫu 02"), papers=papers)


def refusal_dialog(parent: QWidget | None) -> OutcomeDialog:
    return OutcomeDialog(parent, title=QCoreApplication.translate("outcome_dialogs", "Từ chối tiếp nhận hồ sơ (Mẫu 03)"),
                         prompt=QCoreApplication.translate("outcome_dialogs", "Lý do từ chối tiếp nhận (in trên Mẫu 03; hồ sơ được cấp mã ở trạng thái «Không được tiếp nhận»):"),
                         confirm=QCoreApplication.translate("outcome_dialogs", "Từ chối và in Mẫu 03"))

"""The questions the intake screen asks before it saves or empties the form.

Each builds its QMessageBox and returns it unopened: the screen opens it (keeping it as `confirm_box`
while it is up, so the GUI tests can answer it). Every question's safe answer (Esc) is the one that loses
nothing typed. The texts keep the IntakeScreen context of counter_en.ts, where they were first marked.
"""

from __future__ import annotations

from enum import Enum

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication
from PySide6.QtWidgets import QAbstractButton, QMessageBox, QWidget

from counter_app.domain.text import person_name


class UnsavedChoice(Enum):
    """The clerk's answer when work typed but not saved would be lost."""

    SAVE = "save"
    DISCARD = "discard"
    KEEP_EDITING = "keep"


UNSAVED_QUESTION = QT_TRANSLATE_NOOP("intake_screen", "Hồ sơ đang nhập chưa được lưu. Lưu hồ sơ này trước khi {action}?")
UNSAVED_SAVE = QT_TRANSLATE_NOOP("intake_screen", "Lưu hồ sơ")
UNSAVED_DISCARD = QT_TRANSLATE_NOOP("intake_screen", "Bỏ, không lưu")
UNSAVED_KEEP = QT_TRANSLATE_NOOP("intake_screen", "Tiếp tục nhập (Esc)")
PLAIN_NAME_YES = QT_TRANSLATE_NOOP("intake_screen", "Đúng, tên không dấu")
PLAIN_NAME_FIX = QT_TRANSLATE_NOOP("intake_screen", "Sửa lại (Esc)")


def plain_name_question(parent: QWidget, name: str) -> tuple[QMessageBox, QAbstractButton]:
    """"«pham van tu» has no diacritics: sure?" and its yes button (anything else: go back and fix it).

    A name goes onto the official slip as typed (in title case), so one without any mark is asked about once.
    """
    box = QMessageBox(parent)
    box.setObjectName("plain_name_question")
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle(QCoreApplication.translate("IntakeScreen", "Tên không dấu"))
    box.setText(QCoreApplication.translate("IntakeScreen", "Họ tên «{name}» không có dấu. Bạn có chắc tên không dấu?").format(name=name))
    box.setInformativeText(
        QCoreApplication.translate("IntakeScreen", "Tên sẽ được in trên giấy tiếp nhận là «{person_name}». Chọn «Sửa lại» để gõ tên có dấu.").format(person_name=person_name(name))
    )
    yes = box.addButton(QCoreApplication.translate("intake_screen", PLAIN_NAME_YES), QMessageBox.ButtonRole.AcceptRole)
    fix = box.addButton(QCoreApplication.translate("intake_screen", PLAIN_NAME_FIX), QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(fix)
    box.setEscapeButton(fix)
    return box, yes


def discard_question(parent: QWidget) -> tuple[QMessageBox, QAbstractButton]:
    """Ctrl+N / F2 over a typed form: "empty it for a new dossier?" and its discard button."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle(QCoreApplication.translate("IntakeScreen", "Hồ sơ mới"))
    box.setText(QCoreApplication.translate("IntakeScreen", "Biểu mẫu đang có thông tin chưa lưu. Xóa để nhập hồ sơ mới?"))
    discard = box.addButton(QCoreApplication.translate("IntakeScreen", "Xóa, nhập hồ sơ mới"), QMessageBox.ButtonRole.DestructiveRole)
    keep = box.addButton(QCoreApplication.translate("IntakeScreen", "Tiếp tục nhập (Esc)"), QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(keep)
    box.setEscapeButton(keep)
    return box, discard


def unsaved_question(parent: QWidget, action: str) -> QMessageBox:
    """Save / discard / keep editing before `action` ("thoát", "bỏ hồ sơ này"); read its answer with `unsaved_choice`.

    Esc and closing the question keep editing: the safe answer is the one that loses nothing.
    """
    box = QMessageBox(parent)
    box.setObjectName("unsaved_question")
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle(QCoreApplication.translate("IntakeScreen", "Hồ sơ chưa lưu"))
    box.setText(QCoreApplication.translate("intake_screen", UNSAVED_QUESTION).format(action=action))
    box.setInformativeText(QCoreApplication.translate("IntakeScreen", "Chọn «Tiếp tục nhập» để quay lại biểu mẫu, mọi thông tin đã gõ được giữ nguyên."))
    Button = QMessageBox.StandardButton
    box.setStandardButtons(Button.Save | Button.Discard | Button.Cancel)
    box.button(Button.Save).setText(QCoreApplication.translate("intake_screen", UNSAVED_SAVE))
    box.button(Button.Discard).setText(QCoreApplication.translate("intake_screen", UNSAVED_DISCARD))
    box.button(Button.Cancel).setText(QCoreApplication.translate("intake_screen", UNSAVED_KEEP))
    box.setDefaultButton(Button.Cancel)
    box.setEscapeButton(Button.Cancel)
    return box


def unsaved_choice(answer: int) -> UnsavedChoice:
    """What `unsaved_question`'s exec() answer means."""
    if answer == QMessageBox.StandardButton.Save:
        return UnsavedChoice.SAVE
    if answer == QMessageBox.StandardButton.Discard:
        return UnsavedChoice.DISCARD
    return UnsavedChoice.KEEP_EDITING

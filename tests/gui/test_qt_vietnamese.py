"""Qt's own dialogs, buttons and menus speak Vietnamese, through the project's own resources/i18n/qt_vi.ts."""

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialogButtonBox, QFileDialog, QLabel, QLineEdit, QMessageBox, QPlainTextEdit

from counter_app.resources import resources_dir
from counter_app.ui.app import QT_TRANSLATION, install_vietnamese

ENGLISH = {"OK", "Cancel", "Save", "Discard", "Yes", "No", "Open", "Close", "Undo", "Redo", "Cut", "Copy", "Paste",
           "Delete", "Select All", "Look in:", "File name:", "Files of type:"}


def plain(text: str) -> str:
    """A label as read: accelerator marks and the shortcut after the tab left out."""
    return text.split("\t")[0].replace("&", "")


@pytest.fixture
def vietnamese(qapp) -> Iterator[None]:
    assert install_vietnamese(qapp)
    yield
    translator = qapp.property("counter_app_translator")
    qapp.removeTranslator(translator)
    qapp.setProperty("counter_app_translator", None)


def test_the_committed_qm_is_what_lrelease_builds_from_the_ts(tmp_path: Path) -> None:
    lrelease = shutil.which("pyside6-lrelease", path=str(Path(sys.executable).parent)) or shutil.which(
        "pyside6-lrelease"
    )
    assert lrelease, "pyside6-lrelease comes with PySide6"
    built = tmp_path / "qt_vi.qm"
    subprocess.run([lrelease, "-silent", str(resources_dir() / "i18n/qt_vi.ts"), "-qm", str(built)], check=True)
    assert built.read_bytes() == (resources_dir() / QT_TRANSLATION).read_bytes(), (
        "resources/i18n/qt_vi.qm is stale: run pyside6-lrelease resources/i18n/qt_vi.ts -qm resources/i18n/qt_vi.qm"
    )


def test_line_edit_and_text_edit_context_menus_are_vietnamese(qtbot, vietnamese) -> None:
    for widget in (QLineEdit("Nguyễn Văn Đức"), QPlainTextEdit("Ghi chú")):
        qtbot.addWidget(widget)
        menu = widget.createStandardContextMenu()
        texts = [plain(action.text()) for action in menu.actions() if not action.isSeparator()]
        assert {"Hoàn tác", "Làm lại", "Cắt", "Sao chép", "Dán", "Xóa", "Chọn tất cả"} <= set(texts), texts
        assert not ENGLISH & set(texts)


def test_message_box_and_button_box_standard_buttons_are_vietnamese(qtbot, vietnamese) -> None:
    Button = QMessageBox.StandardButton
    box = QMessageBox(QMessageBox.Icon.Question, "Hỏi", "Lưu không?",
                      Button.Ok | Button.Cancel | Button.Save | Button.Discard | Button.Yes | Button.No | Button.Close)
    qtbot.addWidget(box)
    texts = {plain(button.text()) for button in box.buttons()}
    assert texts == {"Đồng ý", "Hủy", "Lưu", "Bỏ", "Có", "Không", "Đóng"}
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Open | QDialogButtonBox.StandardButton.Cancel)
    qtbot.addWidget(buttons)
    assert {plain(button.text()) for button in buttons.buttons()} == {"Mở", "Hủy"}


def test_file_dialog_is_vietnamese(qtbot, vietnamese, tmp_path: Path) -> None:
    dialog = QFileDialog(None, "Lưu giấy tiếp nhận", str(tmp_path), "PDF (*.pdf)")
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    qtbot.addWidget(dialog)
    labels = {label.objectName(): plain(label.text()) for label in dialog.findChildren(QLabel) if label.objectName()}
    assert labels["lookInLabel"] == "Tìm trong:"
    assert labels["fileNameLabel"] == "Tên tệp:"
    assert labels["fileTypeLabel"] == "Loại tệp:"
    box = dialog.findChild(QDialogButtonBox)
    assert {plain(button.text()) for button in box.buttons()} == {"Lưu", "Hủy"}

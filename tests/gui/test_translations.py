"""The app's own texts in English (resources/i18n/counter_en.ts, built by the project) while Vietnamese stays
the default: the committed .ts/.qm are what the build makes from the code, every marked string has a finished
translation, and a counter started in English shows its chrome in English.

Real pyside6-lupdate / pyside6-lrelease runs, real widgets offscreen on a real counter database.
"""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from counter_app.i18n import APP_TS, I18N_DIR, compile_ts, extract
from counter_app.resources import resources_dir
from counter_app.ui.app import application, open_counter
from counter_app.ui.context import UiContext
from counter_app.ui.settings import CounterSettings
from tests.conftest import open_counter as new_counter
from tests.gui.i18n_coverage import coverage
from tests.gui.test_unit_settings import WAIT

TS = resources_dir() / I18N_DIR / APP_TS
PLACEHOLDER = re.compile(r"\{\w+\}")


def messages() -> list[tuple[str, str, ET.Element]]:
    return [(context.findtext("name") or "", message.findtext("source") or "", message.find("translation"))
            for context in ET.parse(TS).getroot().iter("context") for message in context.iter("message")]


def test_the_committed_ts_and_qm_are_what_the_build_makes(tmp_path: Path) -> None:
    extracted = tmp_path / APP_TS
    shutil.copyfile(TS, extracted)
    extract(extracted)  # the translations already there are kept, so only new or dropped strings change it
    assert extracted.read_bytes() == TS.read_bytes(), (
        "resources/i18n/counter_en.ts is stale (marked strings added or removed): run `python -m counter_app.i18n`, "
        "translate the new strings (pyside6-linguist), run it again and commit both files")
    built = tmp_path / "counter_en.qm"
    compile_ts(TS, built)
    assert built.read_bytes() == TS.with_suffix(".qm").read_bytes(), "counter_en.qm is stale: python -m counter_app.i18n"


def test_every_marked_string_has_a_finished_english_translation() -> None:
    found = messages()
    assert len(found) >= 70  # the main window's chrome, the settings screen, the sign-in and lock dialogs
    for context, source, translation in found:
        text = translation.text or ""
        assert text.strip() and translation.get("type") is None, f"{context}: «{source}» has no finished translation"
        # named placeholders: English may put them in another order, but keeps each one
        assert sorted(PLACEHOLDER.findall(text)) == sorted(PLACEHOLDER.findall(source)), f"{context}: «{source}» -> «{text}»"
        assert ("&" in text) == ("&" in source), f"{context}: the Alt letter of «{source}» is lost in «{text}»"


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_settings_screen_alt_letters_stay_distinct(language: str) -> None:
    """Both tabs are one dialog: an Alt letter used twice would only cycle between the two fields."""
    settings_contexts = ("UnitSettingsDialog", "UnitSettingsPage", "MachineSettingsPanel")
    texts = [source if language == "vi" else translation.text or ""
             for context, source, translation in messages() if context in settings_contexts]
    letters = [re.search(r"&(\w)", text).group(1).lower() for text in texts if "&" in text and not re.match(r"&\d", text)]
    assert len(letters) == len(set(letters)) >= 12, letters


def test_every_context_keeps_its_alt_letters_distinct_in_both_languages() -> None:
    """One context is one screen or dialog: an Alt letter used twice there only cycles between two fields."""
    for language in ("vi", "en"):
        by_context: dict[str, list[str]] = {}
        for context, source, translation in messages():
            text = source if language == "vi" else translation.text or ""
            found = re.search(r"&(\w)", text)
            if found and not re.match(r"&\d", text):
                by_context.setdefault(context, []).append(found.group(1).lower())
        for context, letters in by_context.items():
            assert len(letters) == len(set(letters)), f"{context} ({language}): {letters}"


# Every Vietnamese literal of these screens and dialogs is marked (tests/gui/i18n_coverage.py counts them).
FULLY_MARKED = ("intake_screen.py", "intake_saving.py", "intake_questions.py", "person_form.py", "dossier_form.py",
                "search_screen.py", "fees_screen.py", "fee_desk.py", "fees_today.py", "receipt_list.py", "receipt_cancel_dialog.py", "sync_screen.py",
                "dossier_view.py", "return_dialog.py", "day_close_dialog.py", "accounts_dialog.py",
                "outcome_dialogs.py", "scan_panel.py", "unit_settings_dialog.py", "sign_in_dialog.py")


def test_the_screens_stay_marked_for_translation() -> None:
    counts = coverage()
    for name in FULLY_MARKED:
        marked, total = counts[name]
        assert marked == total > 0, f"{name}: {total - marked} Vietnamese texts not marked (python -m tests.gui.i18n_coverage -v)"
    assert sum(marked for marked, _ in counts.values()) >= 741


@pytest.fixture
def english(qapp) -> Iterator[None]:
    yield
    translator = qapp.property("counter_app_language")
    if translator is not None:
        qapp.removeTranslator(translator)
    qapp.setProperty("counter_app_language", None)
    qapp.setApplicationDisplayName("Quầy một cửa")


def started(qtbot, data_dir: Path, language: str):
    """What `run_gui` does with the language setting, up to the main window (no event loop of its own)."""
    from counter_app.ui.main_window import MainWindow

    app = application(CounterSettings.for_data_dir(data_dir).language())
    assert app.applicationDisplayName() == ("One-stop counter" if language == "en" else "Quầy một cửa")
    context = open_counter(data_dir, False, app, interactive=False)
    assert isinstance(context, UiContext)
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=WAIT)
    return window, context


def close(window, context: UiContext) -> None:
    window.close()
    context.tasks.wait()
    context.db.close()


def test_a_counter_set_to_english_starts_with_english_chrome(qtbot, english, tmp_path: Path) -> None:
    data_dir = tmp_path / "counter"
    new_counter(data_dir).close()
    CounterSettings.for_data_dir(data_dir).set_language("en")  # as the settings screen saves it
    window, context = started(qtbot, data_dir, "en")
    nav = [window.nav.item(row).text() for row in range(window.nav.count())]
    assert nav == ["Intake\tF2", "Search\tF3", "Fees\tF4", "Work to do\tF5", "Reports\tF6", "Sync\tF7"]
    assert window.windowTitle().startswith("One-stop counter — ") and "— Desk 1" in window.windowTitle()
    assert window.clerk_label.text().startswith("Clerk: ")
    qtbot.waitUntil(lambda: window.sync_label.text().startswith("Sync: not enrolled"), timeout=WAIT)  # read in the background
    qtbot.keyClick(window, Qt.Key.Key_F1)
    qtbot.waitUntil(lambda: bool(help_text(window)), timeout=WAIT)
    text = help_text(window)
    assert "General" in text and "Open the list of shortcuts" in text and "Sync with the province server now" in text
    assert "Mở bảng phím tắt" not in text
    assert "Back to the procedure field (Ctrl+L: lock the screen)" in text  # a screen's own list, marked where defined
    assert window.intake.save_button.text() == "Save and print the receipt slip (Ctrl+S)"
    assert window.search.box.placeholderText() == "Dossier code, name, ID number or phone number"
    assert window.fees.summary.text() == "Type or scan the dossier code, then press Enter."
    close(window, context)


def help_text(window) -> str:
    from counter_app.ui.help_panel import HelpDialog

    dialogs = window.findChildren(HelpDialog)
    return dialogs[-1].body.text() if dialogs else ""


def test_vietnamese_stays_the_default(qtbot, english, tmp_path: Path) -> None:
    data_dir = tmp_path / "counter"
    new_counter(data_dir).close()
    assert CounterSettings.for_data_dir(data_dir).language() == "vi"
    window, context = started(qtbot, data_dir, "vi")
    assert window.nav.item(0).text() == "Tiếp nhận\tF2"
    assert window.clerk_label.text().startswith("Người tiếp nhận: ")
    qtbot.waitUntil(lambda: window.sync_label.text().startswith("Đồng bộ: chưa đăng ký"), timeout=WAIT)
    close(window, context)

"""The GUI on a damaged or unusable database: a Vietnamese dialog before any window, then a clean exit;
damage found by the background check: the same dialog and a word in the status bar. Nothing touched.

Real widgets offscreen on real damaged files (tests/support/damaged_db.py); one start runs as a real
process, as the clerk's shortcut starts it.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox

from counter_app.storage.database import DB_FILENAME
from counter_app.storage.integrity import newest_backup
from counter_app.ui.main_window import MainWindow
from tests.support.damaged_db import DAMAGES, build_counter, fingerprint
from tests.support.qt_polling import active_message_box, when_shown

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("template") / "counter"
    build_counter(data_dir, 60)
    return data_dir


@pytest.fixture
def counter(template: Path, tmp_path: Path) -> Path:
    data_dir = tmp_path / "counter"
    shutil.copytree(template, data_dir)
    return data_dir


def answer_the_message_box(seen: list[dict]) -> None:
    """When a modal message box shows, note what it says and which main windows are up, then press OK."""

    def note_and_press_ok(box: QMessageBox) -> None:
        seen.append({
            "title": box.windowTitle(),
            "text": box.text(),
            "main_windows": [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()],
        })
        box.button(QMessageBox.StandardButton.Ok).click()

    when_shown(active_message_box, note_and_press_ok)


@pytest.mark.parametrize("case", list(DAMAGES))
def test_a_damaged_database_gets_a_dialog_before_any_window(qapp, counter: Path, case: str) -> None:
    from counter_app.ui.app import run_gui

    expected, make = DAMAGES[case]
    make(counter / DB_FILENAME)
    before = fingerprint(counter)
    backup = newest_backup(counter)
    assert backup is not None
    seen: list[dict] = []
    answer_the_message_box(seen)

    code = run_gui(counter, dialogs=True)

    assert code == 4
    assert len(seen) == 1
    assert seen[0]["title"] == "Dữ liệu của quầy bị hỏng"
    assert seen[0]["text"].startswith(f"Tệp cơ sở dữ liệu của quầy «{counter / DB_FILENAME}» {expected.value}:")
    assert str(backup.path) in seen[0]["text"]
    assert seen[0]["main_windows"] == []
    assert fingerprint(counter) == before


def test_an_unusable_data_folder_gets_a_dialog_not_a_dead_process(qapp, tmp_path: Path) -> None:
    from counter_app.ui.app import run_gui

    not_a_folder = tmp_path / "counter"
    not_a_folder.write_text("a file where the data folder should be", encoding="utf-8")
    seen: list[dict] = []
    answer_the_message_box(seen)

    code = run_gui(not_a_folder, dialogs=True)

    assert code == 1
    assert [s["title"] for s in seen] == ["Không mở được dữ liệu của quầy"]
    assert "Không truy cập được cơ sở dữ liệu của quầy" in seen[0]["text"]


@pytest.mark.slow
def test_a_truncated_database_as_a_real_process_exits_4_without_a_traceback(counter: Path) -> None:
    DAMAGES["truncated-half"][1](counter / DB_FILENAME)
    before = fingerprint(counter)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONIOENCODING": "utf-8"}
    result = subprocess.run(
        [sys.executable, "-m", "counter_app", "--data-dir", str(counter), "--smoke"],
        cwd=REPO, env=env, capture_output=True, text=True, encoding="utf-8", timeout=120,
    )
    assert result.returncode == 4, result.stderr
    assert "Traceback" not in result.stderr
    assert "bị cắt cụt" in result.stderr
    assert "shown_ms=" not in result.stdout
    assert fingerprint(counter) == before


def test_damage_found_by_the_background_check_gets_the_dialog_and_the_status_bar(qtbot, qapp, counter: Path) -> None:
    """An index that no longer matches its table passes the start's quick_check; the day's integrity_check,
    run on the task runner once the window shows, finds it."""
    from counter_app.ui.app import open_counter

    path = counter / DB_FILENAME
    with closing(sqlite3.connect(path, isolation_level=None)) as raw:
        version = raw.execute("PRAGMA schema_version").fetchone()[0]
        raw.execute("PRAGMA writable_schema=ON")
        raw.execute("UPDATE sqlite_master SET sql = 'CREATE INDEX ix_dossier_status ON dossier (channel)' "
                    "WHERE name = 'ix_dossier_status'")
        raw.execute(f"PRAGMA schema_version={version + 1}")
    before = fingerprint(counter)

    context = open_counter(counter, demo=False, app=qapp, interactive=False)
    assert context is not None
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.show()
    try:
        qtbot.waitUntil(lambda: getattr(window, "database_problem", None) is not None
                        and window.database_problem.isVisible(), timeout=30_000)
        box = window.database_problem
        assert box.windowTitle() == "Dữ liệu của quầy bị hỏng"
        assert f"«{path}» bị hỏng" in box.text()
        assert "integrity_check" in box.text()
        assert window.database_label.isVisible()
        assert "Cơ sở dữ liệu bị hỏng" in window.database_label.text()
        assert "công nghệ thông tin" in window.database_label.toolTip()
        box.button(QMessageBox.StandardButton.Ok).click()
    finally:
        window.close()
        context.tasks.wait()
        context.db.close()
    assert fingerprint(counter) == before

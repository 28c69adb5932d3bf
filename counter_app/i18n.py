"""The screens' languages: Vietnamese (the source strings, the default) and English (resources/i18n/counter_en.ts).

Strings shown on screen are marked in the code with `self.tr("…")` in a widget, or
`QT_TRANSLATE_NOOP("Context", "…")` for a table of texts translated where it is shown. The project builds
its own translations: `python -m counter_app.i18n` extracts the marked strings into counter_en.ts
(pyside6-lupdate, keeping the translations already written there), then compiles every .ts in
resources/i18n into its .qm (pyside6-lrelease). Both files are committed; tests/gui/test_translations.py
checks they are fresh and that every marked string has a finished English translation (docs/translations.md).

The language is this machine's setting (`CounterSettings.language`), read once at start.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QTranslator
from PySide6.QtWidgets import QApplication

from counter_app.resources import resources_dir

log = logging.getLogger(__name__)

I18N_DIR = "i18n"
APP_TS = "counter_en.ts"  # the app's own texts, Vietnamese -> English
QT_VI_TS = "qt_vi.ts"  # Qt's own texts (buttons, context menus, file dialogs) in Vietnamese
SOURCE_PACKAGE = Path(__file__).resolve().parent  # counter_app/: every .py under ui/ and app-level ones
SOURCE_GLOBS = ("ui/*.py",)


def _tool(name: str) -> str:
    """pyside6-lupdate / pyside6-lrelease, from the running interpreter's environment first."""
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if not found:
        raise FileNotFoundError(f"Không tìm thấy {name} (đi kèm PySide6): hãy chạy installer/dev-setup.sh.")
    return found


def source_files(package: Path = SOURCE_PACKAGE) -> list[Path]:
    return sorted(path for pattern in SOURCE_GLOBS for path in package.glob(pattern))


def extract(ts_file: Path, sources: list[Path] | None = None) -> None:
    """Marked strings into `ts_file` (translations already there are kept; strings gone are dropped).

    No source locations: a line moved must not change the committed file.
    """
    subprocess.run([_tool("pyside6-lupdate"), "-silent", "-no-obsolete", "-locations", "none",
                    "-source-language", "vi", "-target-language", "en",
                    *(str(path) for path in sources or source_files()), "-ts", str(ts_file)], check=True)


def compile_ts(ts_file: Path, qm_file: Path) -> None:
    subprocess.run([_tool("pyside6-lrelease"), "-silent", str(ts_file), "-qm", str(qm_file)], check=True)


def build(folder: Path | None = None) -> list[Path]:
    """Extract the app's strings, then compile every .ts of `folder`; the .qm files written."""
    folder = folder or resources_dir() / I18N_DIR
    extract(folder / APP_TS)
    built = []
    for ts_file in sorted(folder.glob("*.ts")):
        compile_ts(ts_file, ts_file.with_suffix(".qm"))
        built.append(ts_file.with_suffix(".qm"))
    return built


def install_language(app: QApplication, language: str) -> bool:
    """The screens in `language` ("vi" or "en"); once per application. False when a translation is missing
    (the app then runs in Vietnamese, which every source string already is)."""
    from counter_app.ui.app import install_vietnamese

    if language != "en":
        return install_vietnamese(app)
    if app.property("counter_app_language") is not None:
        return True
    translator = QTranslator(app)
    path = resources_dir() / I18N_DIR / Path(APP_TS).with_suffix(".qm").name
    if not translator.load(str(path)):
        log.warning("Không nạp được bản dịch tiếng Anh: %s", path)
        return install_vietnamese(app)
    app.installTranslator(translator)
    app.setProperty("counter_app_language", translator)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m counter_app.i18n",
                                     description="Trích chuỗi cần dịch vào counter_en.ts rồi biên dịch mọi .ts thành .qm.")
    parser.parse_args(argv)
    for qm_file in build():
        print(qm_file)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

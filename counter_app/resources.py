"""Where the shipped resources (fonts, icons, catalogs) live, from a checkout or a frozen build.

One lookup for everyone, so that no module guesses paths relative to itself and breaks once
PyInstaller moves the files into its bundle directory.
"""

from __future__ import annotations

import sys
from pathlib import Path


def resources_dir() -> Path:
    """The `resources/` directory: inside the PyInstaller bundle when frozen, else the repo root's."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "resources"
    # counter_app/resources.py -> counter_app/ -> repo root
    return Path(__file__).resolve().parent.parent / "resources"

"""Where this counter keeps its data: the platform's user data folder unless told otherwise.

The folder is private to the clerk's account: on POSIX, `Database.open` makes it 0700 and its files
0600 (storage/private_files.py). On Windows nothing more is needed: %LOCALAPPDATA% is already readable
only by its user (and administrators).
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "counter-app"
APP_AUTHOR = "VNPost"


def default_data_dir() -> Path:
    """`COUNTER_APP_DATA_DIR` if set, else e.g. %LOCALAPPDATA%\\VNPost\\counter-app on Windows."""
    override = os.environ.get("COUNTER_APP_DATA_DIR")
    if override:
        return Path(override)
    return Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR))


def demo_data_dir() -> Path:
    """The demo unit lives apart from real data, so trying the demo never touches a real counter."""
    return default_data_dir().parent / f"{APP_NAME}-demo"

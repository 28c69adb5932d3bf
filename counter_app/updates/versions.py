"""Release versions are MAJOR.MINOR.PATCH numbers (sync.protocol.RELEASE_VERSION_PATTERN), compared as numbers."""

from __future__ import annotations

import platform
import re
import sys

from counter_app import __version__
from sync.protocol import RELEASE_VERSION_PATTERN

Version = tuple[int, int, int]


def parse_version(text: str) -> Version | None:
    """The version's numbers, or None when `text` is not MAJOR.MINOR.PATCH (so "1.10.0" > "1.9.0")."""
    found = re.fullmatch(RELEASE_VERSION_PATTERN, text)
    if found is None:
        return None
    major, minor, patch = (int(part) for part in found.groups())
    return major, minor, patch


def is_newer(offered: str, current: str = __version__) -> bool:
    """True when `offered` is a valid version above the running one (a bad version is never newer)."""
    theirs, ours = parse_version(offered), parse_version(current)
    return theirs is not None and (ours is None or theirs > ours)


def this_platform() -> str | None:
    """The release platform of this machine, or None where no bundle is built (e.g. ARM)."""
    machine = platform.machine().lower()
    if machine not in ("x86_64", "amd64"):
        return None
    if sys.platform.startswith("linux"):
        return "linux-x86_64"
    if sys.platform == "win32":
        return "windows-x86_64"
    return None


def release_file_name(version: str, platform_name: str) -> str:
    """The artifact's name, as installer/build-linux.sh and the NSIS script make it."""
    if platform_name == "windows-x86_64":
        return f"counter-app-{version}-windows-x86_64-setup.exe"
    return f"counter-app-{version}-{platform_name}.tar.gz"

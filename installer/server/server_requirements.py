"""Print the pinned packages the provincial server needs, one per line, from pyproject.toml.

The project's runtime dependencies are the counter's (Qt, PDF, scanning, the keyring); the server needs
only part of them plus the `server` extra. The container (installer/server/Containerfile) installs the
project with --no-deps and then exactly these, so the pins stay in one place and the image carries no Qt.
tests/installer/test_server_image.py imports the server with the left-out packages blocked.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

# Import names of what the server never imports (the counter's desktop side); pyproject names below.
DESKTOP_ONLY = {
    "PySide6-Essentials": "PySide6",
    "requests": "requests",
    "reportlab": "reportlab",
    "python-barcode": "barcode",
    "keyring": "keyring",
    "openpyxl": "openpyxl",
    "pypdfium2": "pypdfium2",
    "pillow": "PIL",
    "img2pdf": "img2pdf",
    "pikepdf": "pikepdf",
    "zxing-cpp": "zxingcpp",
}


def server_requirements(pyproject: Path) -> list[str]:
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    runtime = [req for req in project["dependencies"] if re.split(r"[=<>!~\[ ]", req, maxsplit=1)[0] not in DESKTOP_ONLY]
    return runtime + project["optional-dependencies"]["server"]


if __name__ == "__main__":
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2]
    print("\n".join(server_requirements(root / "pyproject.toml")))

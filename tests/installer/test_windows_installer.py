"""The NSIS script compiles with makensis (warnings are errors) over a stand-in bundle folder.

The real Windows bundle is built on Windows (installer/build-windows.ps1); what this checks on Linux is
the script itself: it compiles, the installer carries the version resource Windows shows, and a missing
bundle or version stops the build instead of producing an empty installer.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from counter_app import __version__

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "installer" / "windows" / "counter-app.nsi"
MAKENSIS = shutil.which("makensis")
pytestmark = pytest.mark.skipif(MAKENSIS is None, reason="cần makensis (gói nsis; installer/dev-setup.sh cài nó)")


def makensis(*defines: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([MAKENSIS, "-V2", "-WX", *defines, str(SCRIPT)], capture_output=True, text=True,
                          timeout=120)


def stand_in_bundle(folder: Path) -> Path:
    """What PyInstaller leaves in dist\\counter-app on Windows, with placeholder contents."""
    (folder / "_internal" / "resources").mkdir(parents=True)
    for name in ("counter-app.exe", "counter-app-debug.exe"):
        (folder / name).write_bytes(b"MZ stand-in")
    (folder / "_internal" / "resources" / "qt_vi.qm").write_bytes(b"\x00" * 1000)
    return folder


def test_the_installer_compiles_with_its_vietnamese_version_resource(tmp_path: Path) -> None:
    out = tmp_path / f"counter-app-{__version__}-windows-x86_64-setup.exe"
    done = makensis(f"-DVERSION={__version__}", f"-DBUNDLE_DIR={stand_in_bundle(tmp_path / 'bundle')}",
                    f"-DOUT_FILE={out}")
    assert done.returncode == 0, done.stdout + done.stderr
    data = out.read_bytes()
    assert data[:2] == b"MZ"
    # The version resource is stored uncompressed (UTF-16): Explorer's Details tab and the UAC prompt.
    for text in ("Quầy một cửa", "Tổng công ty Bưu điện Việt Nam (VNPost)", __version__):
        assert text.encode("utf-16-le") in data, text


def test_no_installer_without_a_bundle_or_a_version(tmp_path: Path) -> None:
    out = tmp_path / "counter-app-setup-x.exe"
    no_bundle = makensis(f"-DVERSION={__version__}", f"-DBUNDLE_DIR={tmp_path / 'missing'}", f"-DOUT_FILE={out}")
    assert no_bundle.returncode != 0
    no_version = makensis(f"-DBUNDLE_DIR={stand_in_bundle(tmp_path / 'bundle')}", f"-DOUT_FILE={out}")
    assert no_version.returncode != 0
    assert "Cần -DVERSION=x.y.z" in no_version.stdout + no_version.stderr
    assert not out.exists()

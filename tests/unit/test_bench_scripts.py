"""The benchmarks are not run by the suite (they measure, and take minutes), but each must still start:
a refactor that breaks an import in bench/ is caught here, not months later by whoever measures."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = sorted(p for p in (ROOT / "bench").glob("*.py") if not p.name.startswith("_"))


def test_every_benchmark_is_listed() -> None:
    assert len(SCRIPTS) >= 8
    readme = (ROOT / "bench" / "README.md").read_text(encoding="utf-8")
    assert [p.name for p in SCRIPTS if p.name not in readme] == []


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_benchmark_starts(script: Path) -> None:
    result = subprocess.run([sys.executable, str(script), "--help"], capture_output=True, text=True, cwd=ROOT,
                            timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "usage" in result.stdout.lower()

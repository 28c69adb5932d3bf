"""`counter-app --self-test` from the source tree (the bundle's own run is in test_bundle.py)."""

from __future__ import annotations

import pytest

from counter_app.self_test import CHECKS, PASSED
from tests.support.cli_process import run_counter_app


@pytest.mark.slow  # ~8 s: migrations to head, Qt, a slip rendered and decoded
def test_every_check_passes_with_a_keyring_and_the_real_data_is_never_touched(tmp_path) -> None:
    data_dir = tmp_path / "real-data"
    done = run_counter_app(["--data-dir", str(data_dir), "--self-test"])
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert [line.split(":", 1)[0] for line in lines[:-1]] == [f"[{PASSED}] {name}" for name, _check in CHECKS]
    assert "mã vạch đọc lại đúng mã hồ sơ 000.00.00.H00-" in done.stdout
    assert "tests.support.file_keyring.FileKeyring" in lines[len(CHECKS) - 1]  # the suite's keyring, round trip
    assert lines[-1] == f"Tự kiểm tra: cả {len(CHECKS)} mục đều đạt; ứng dụng quầy sẵn sàng."
    assert not data_dir.exists()

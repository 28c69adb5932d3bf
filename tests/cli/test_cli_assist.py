"""`counter-app assist`, `assisted` and `intake --channel 2 --portal-code`, as real processes."""

import json
from pathlib import Path

import pytest

from counter_app.domain.dossier import OFFICE_TZ
from counter_app.services.clock import utc_now
from tests.cli.test_cli import intake, run
from tests.conftest import UNIT_CODE, UNIT_NAME


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    run(tmp_path, "setup", "--unit-code", UNIT_CODE, "--unit-name", UNIT_NAME, "--desk", "4",
        "--clerk", "Trần Thị Mai", "--ward-code", "20242")
    return tmp_path


@pytest.mark.slow
def test_assist_logs_counts_and_refuses_in_vietnamese(data_dir: Path) -> None:
    today = utc_now().astimezone(OFFICE_TZ).date()
    portal_code = f"{UNIT_CODE}-{today:%y%m%d}-0042"
    done = run(data_dir, "assist", "--applicant", "nguyễn văn đức", "--procedure", "1.001193", "--outcome", "filed",
               "--portal-code", portal_code)
    assert done.stdout.startswith("Đã ghi nhật ký hỗ trợ Nguyễn Văn Đức: Đã nộp hồ sơ trực tuyến")
    run(data_dir, "assist", "--applicant", "Lê Thị Hồng", "--procedure", "1.001193", "--outcome", "account")
    refused = run(data_dir, "assist", "--applicant", "Lê Thị Hồng", "--procedure", "1.001193", "--outcome", "failed",
                  "--json", ok=False)
    assert refused.returncode == 2
    assert "Ghi chú: hãy ghi lý do không nộp được hồ sơ trực tuyến." in refused.stderr

    counts = json.loads(run(data_dir, "assisted", "--json").stdout)
    assert counts == {"day": today.isoformat(), "total": 2,
                      "by_outcome": {"account": 1, "filed": 1, "failed": 0}}

    # The citizen then brings the paper dossier: it keeps the portal's code, no desk code is spent.
    assert intake(data_dir, "--channel", "2", "--portal-code", portal_code).stdout.strip() == portal_code
    again = run(data_dir, "intake", "--procedure", "1.001193", "--applicant", "Nguyễn Văn Đức", "--id-number", "049090001234",
        "--phone", "0905123456", "--address", "12 Lê Lợi", "--channel", "2", "--portal-code", portal_code, ok=False)
    assert again.returncode == 1 and f"Quầy đã có hồ sơ mã {portal_code}" in again.stderr

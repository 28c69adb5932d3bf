"""A real counter enrols with a real server, pushes its dossiers, pulls the province's changes."""

import json
from pathlib import Path

import pytest

from counter_app.services.intake import IntakeRequest, PersonInput, receive_dossier
from counter_app.storage.database import Database
from counter_app.storage.sync_store import queue_summary
from sync.client.enrollment import enroll
from sync.client.runner import SyncRunner
from tests.conftest import UNIT_CODE, open_counter
from tests.sync.harness import ServerProcess

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def server(tmp_path: Path):
    with ServerProcess(f"sqlite:///{tmp_path / 'server.sqlite'}") as process:
        process.admin("create-unit", "--code", UNIT_CODE, "--name", "UBND phường Hải Châu")
        process.admin("import-catalog", str(ROOT / "resources" / "catalog" / "sample-catalog.json"))
        yield process


def intake(db: Database, name: str = "Nguyễn Văn Đức") -> str:
    return receive_dossier(db, IntakeRequest("1.001193", PersonInput(full_name=name, id_number="049090001234",
                                                                     phone="0905123456", street="12 Lê Lợi"))).code


def test_push_pull_and_status_round_trip(server: ServerProcess, tmp_path: Path) -> None:
    data_dir = tmp_path / "counter"
    db = open_counter(data_dir)
    codes = [intake(db) for _ in range(5)]
    enrolment = enroll(db, server.url, server.enrollment_code(UNIT_CODE))
    assert enrolment.unit_code == UNIT_CODE
    runner = SyncRunner(db, data_dir, base_delay=0.01)
    report = runner.run_once()
    assert report.ok, report.errors
    assert report.pushed == 5
    assert report.pulled >= 25  # the catalog
    assert server.stats()[UNIT_CODE]["dossiers"] == 5
    with db.read() as session:
        assert queue_summary(session).pending == 0
    server.admin("set-status", codes[0], "4", "--note", "Chuyển phòng Tư pháp")
    again = runner.run_once()
    assert again.ok and again.pushed == 0 and again.pulled == 1
    from counter_app.services.dossiers import get_dossier

    assert int(get_dossier(db, codes[0]).status) == 4
    db.close()


def test_cli_enroll_and_sync(server: ServerProcess, tmp_path: Path) -> None:
    from tests.sync.harness import counter_cli

    data_dir = tmp_path / "cli-counter"
    db = open_counter(data_dir)
    intake(db)
    db.close()
    counter_cli(data_dir, "enroll", "--server", server.url, "--code", server.enrollment_code(UNIT_CODE))
    result = json.loads(counter_cli(data_dir, "sync", "--once", "--json").stdout)
    assert result["ok"] and result["pushed"] == 1
    reused = counter_cli(data_dir, "enroll", "--server", server.url, "--code", "AAAAAAAAAA", check=False)
    assert reused.returncode != 0 and "Mã đăng ký" in reused.stderr

"""Several counters sync with one server at the same moment: two desks of one unit, one of another unit.

Per-unit totals must be exact, desks of a unit never collide on a dossier code, and each counter pulls
only its own unit's changes (plus the province-wide catalog). SQLite and PostgreSQL server databases.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from counter_app.domain.lifecycle import Status
from counter_app.services.credentials import load_token
from counter_app.services.dossiers import DossierNotFound, change_status, get_dossier
from counter_app.services.intake import IntakeRequest, PersonInput, receive_dossier
from counter_app.storage.database import Database
from counter_app.storage.sync_store import get_state
from sync.client.enrollment import enroll
from sync.client.lock import SingleFlight, SyncAlreadyRunning
from sync.client.runner import SyncReport, SyncRunner
from tests.conftest import open_counter
from tests.sync.harness import ROOT, UNIT_A, UNIT_B, ServerProcess
from tests.sync.invariants import check_all

CATALOG = ROOT / "resources" / "catalog" / "sample-catalog.json"


@pytest.fixture(params=["sqlite", "postgres"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ServerProcess]:
    """A real server with units A and B (made with the admin CLI) and the province's catalog."""
    if request.param == "postgres":
        url = request.getfixturevalue("postgres_url")
    else:
        url = f"sqlite:///{tmp_path / 'server.sqlite'}"
    with ServerProcess(url) as process:
        process.admin("create-unit", "--code", UNIT_A, "--name", "UBND phường Hải Châu")
        process.admin("create-unit", "--code", UNIT_B, "--name", "UBND phường Thạch Thang")
        process.admin("import-catalog", str(CATALOG))
        yield process


def receive(db: Database, count: int, name: str) -> list[str]:
    return [
        receive_dossier(db, IntakeRequest("1.001193", PersonInput(full_name=f"{name} {i}", id_number="049090001234",
                                                                  phone="0905123456", street="12 Lê Lợi"))).code
        for i in range(count)
    ]


def sync_all_at_once(counters: list[tuple[Database, Path]]) -> list[SyncReport]:
    """Each counter's SyncRunner in its own thread, released together."""
    start = threading.Barrier(len(counters))
    reports: list[SyncReport | BaseException | None] = [None] * len(counters)

    def run(index: int, db: Database, data_dir: Path) -> None:
        try:
            runner = SyncRunner(db, data_dir, base_delay=0.01, max_delay=0.1)
            start.wait(timeout=30)
            reports[index] = runner.run_once()
        except BaseException as error:  # reported to the test thread below
            reports[index] = error

    threads = [threading.Thread(target=run, args=(i, db, d)) for i, (db, d) in enumerate(counters)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    done: list[SyncReport] = []
    for item in reports:
        if isinstance(item, BaseException):
            raise item
        assert isinstance(item, SyncReport)
        done.append(item)
    return done


def raw_pull(server: ServerProcess, db: Database, after: int = 0) -> list[dict]:
    """What /sync/pull hands this counter's device, asked with its own token."""
    with db.read() as session:
        state = get_state(session)
        assert state is not None
        device_id = state.device_id
    answer = requests.get(f"{server.url}/api/v1/sync/pull", params={"after": after, "limit": 1000},
                          headers={"Authorization": f"Bearer {load_token(device_id)}"}, timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.json()["changes"]


def test_three_counters_sync_at_once(server: ServerProcess, tmp_path: Path) -> None:
    desk1 = open_counter(tmp_path / "a1", desk=1, unit_code=UNIT_A)
    desk2 = open_counter(tmp_path / "a2", desk=2, unit_code=UNIT_A)
    other = open_counter(tmp_path / "b1", desk=1, unit_code=UNIT_B)
    counters = [(desk1, tmp_path / "a1"), (desk2, tmp_path / "a2"), (other, tmp_path / "b1")]
    # Received offline, before any of them ever talked to the server.
    codes_a1 = receive(desk1, 25, "Nguyễn Văn An")
    codes_a2 = receive(desk2, 20, "Lê Thị Bình")
    codes_b = receive(other, 15, "Phạm Minh Châu")
    change_status(desk1, codes_a1[0], Status.PROCESSING, actor="Trần Thị Mai")
    change_status(other, codes_b[0], Status.PROCESSING, actor="Hồ Văn Nam")
    slots = [enroll(db, server.url, server.enrollment_code(unit)).desk_slot
             for db, unit in ((desk1, UNIT_A), (desk2, UNIT_A), (other, UNIT_B))]
    assert slots == [1, 2, 1]  # the server kept each desk's slot: distinct within unit A

    reports = sync_all_at_once(counters)

    for report in reports:
        assert report.ok, report.errors
        assert report.rejected == report.conflicts == report.duplicates == 0
    assert [r.pushed for r in reports] == [26, 20, 16]
    stats = server.stats()
    assert stats[UNIT_A]["dossiers"] == 45 and stats[UNIT_B]["dossiers"] == 15
    assert stats[UNIT_A]["devices"] == 2 and stats[UNIT_B]["devices"] == 1
    all_codes = codes_a1 + codes_a2 + codes_b
    assert len(set(all_codes)) == len(all_codes)
    check_all(server.database_url, [desk1, desk2, other])

    # The province moves a unit-A dossier on: unit A's desks get it, unit B's counter never does.
    b_before = raw_pull(server, other)
    server.admin("set-status", codes_a1[1], "4", "--note", "Chuyển phòng Tư pháp")
    b_sees = raw_pull(server, other)
    assert b_sees == b_before  # the province's change added nothing to unit B's feed
    assert {c["kind"] for c in b_sees} == {"procedure"}
    a_status = [c for c in raw_pull(server, desk2) if c["kind"] == "dossier_status"]
    assert [c["entity_id"] for c in a_status] == [codes_a1[1]]

    again = sync_all_at_once(counters)
    assert [r.pulled for r in again] == [1, 1, 0]
    assert [r.pushed for r in again] == [0, 0, 0]
    assert int(get_dossier(desk1, codes_a1[1]).status) == 4
    with pytest.raises(DossierNotFound):
        get_dossier(other, codes_a1[1])
    check_all(server.database_url, [desk1, desk2, other])

    # Single flight is per data folder: a sync of desk 1 in progress blocks desk 1 only.
    with SingleFlight(tmp_path / "a1"):
        with pytest.raises(SyncAlreadyRunning):
            SyncRunner(desk1, tmp_path / "a1").run_once()
        assert SyncRunner(other, tmp_path / "b1", base_delay=0.01, max_delay=0.1).run_once().ok
    for db, _ in counters:
        db.close()

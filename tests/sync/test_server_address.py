"""The province moves its server: a supervisor gives the enrolled counter the new address (settings, F10) and
the counter syncs there with the same identity and token; nothing queued is lost; bad addresses are refused.

A real server process on SQLite; its "old address" is the project's fault proxy in front of it, stopped
to take the old address away. Real keyring file, real counter database.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from counter_app.domain.errors import ValidationError
from counter_app.services.accounts import NotAllowed, create_account
from counter_app.services.credentials import load_token
from counter_app.services.intake import IntakeRequest, PersonInput, receive_dossier
from counter_app.services.server_address import change_server_url, enrolled_server_url
from counter_app.storage.sync_store import get_state
from sync.client.enrollment import enroll
from sync.client.runner import SyncRunner
from sync.server.admin import create_unit, import_catalog
from sync.server.auth import new_enrollment_code
from tests.conftest import open_counter
from tests.sync.harness import ROOT, UNIT_A, ServerProcess
from tests.sync.invariants import open_server_db

CATALOG = ROOT / "resources" / "catalog" / "sample-catalog.json"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    url = f"sqlite:///{tmp_path_factory.mktemp('server') / 'server.sqlite'}"
    with ServerProcess(url) as process:
        db = open_server_db(url)
        with db.session() as s:
            create_unit(s, UNIT_A, "UBND phường Hải Châu", datetime.now(UTC))
            import_catalog(s, CATALOG, datetime.now(UTC))
        db.dispose()
        yield process


def enrolment_code(server: ServerProcess) -> str:
    db = open_server_db(server.database_url)
    try:
        with db.session() as s:
            return new_enrollment_code(s, UNIT_A, datetime.now(UTC))[0]
    finally:
        db.dispose()


def intake(db, name: str) -> str:
    return receive_dossier(db, IntakeRequest("1.001193", PersonInput(
        full_name=name, id_number="049090001234", phone="0905123456", street="3 Trần Phú"), clerk_username="mai")).code


def server_dossier_codes(server: ServerProcess) -> set[str]:
    from sqlalchemy import select

    from sync.server.models import Dossier

    db = open_server_db(server.database_url)
    try:
        with db.session() as s:
            return set(s.scalars(select(Dossier.code)))
    finally:
        db.dispose()


def test_a_moved_server_keeps_the_counters_identity_and_queue(server: ServerProcess, fault_proxy, tmp_path: Path) -> None:
    old_address = fault_proxy(server.port)
    data_dir = tmp_path / "counter"
    db = open_counter(data_dir, unit_code=UNIT_A)
    create_account(db, username="giamsat", full_name="Lê Văn Giám", role="supervisor", password="matkhau-gs1", by=None)
    create_account(db, username="mai", full_name="Trần Thị Mai", role="clerk", password="matkhau-mai1", by="giamsat")
    device_id = enroll(db, old_address.url, enrolment_code(server)).device_id
    runner = SyncRunner(db, data_dir, base_delay=0.01, max_delay=0.05)
    first = intake(db, "Võ Thị Hoa")
    assert runner.run_once().ok and first in server_dossier_codes(server)
    with db.read() as session:
        before = get_state(session)
        epoch, cursor = before.device_epoch, before.pull_cursor
    token = load_token(device_id)

    old_address.stop()  # the province switched the old name off
    second = intake(db, "Nguyễn Văn Đức")
    assert not runner.run_once().ok  # queued, not lost

    # Only a supervisor moves it; a clerk is refused and nothing changes.
    with pytest.raises(NotAllowed, match="Chỉ giám sát viên"):
        change_server_url(db, server.url, by="mai")
    # A plain http:// address over a network is refused with the reason; the old one is kept.
    with pytest.raises(ValidationError, match="http:// không mã hoá") as refused:
        change_server_url(db, "http://192.0.2.10:8443", by="giamsat")
    assert refused.value.field == "server_url" and "Địa chỉ cũ vẫn được giữ" in refused.value.message
    with pytest.raises(ValidationError, match="https://tên-máy-chủ"):
        change_server_url(db, "dongbo.example.vn", by="giamsat")
    assert enrolled_server_url(db) == old_address.url

    assert change_server_url(db, server.url + "/", by="giamsat") == server.url
    with db.read() as session:
        after = get_state(session)
        assert (after.server_url, after.device_id, after.device_epoch, after.pull_cursor) == (
            server.url, device_id, epoch, cursor)
    assert load_token(device_id) == token  # the same identity: no new enrolment code needed
    assert runner.run_once().ok
    assert {first, second} <= server_dossier_codes(server)
    db.close()


def test_a_counter_not_enrolled_gets_its_address_at_enrolment(tmp_path: Path) -> None:
    db = open_counter(tmp_path / "counter", unit_code=UNIT_A)
    with pytest.raises(ValidationError, match="chưa đăng ký với máy chủ tỉnh") as refused:
        change_server_url(db, "https://dongbo.example.vn", by=None)
    assert "Chưa có gì thay đổi" in refused.value.message and enrolled_server_url(db) == ""
    db.close()

"""Clerk accounts travel through a real provincial server to the other desks of the unit, hashes only.

A clerk added at desk 1 signs in at desk 2 after both sync; a desk of another unit never sees the
account; a disabled account stays disabled everywhere; a forged or oversized account operation is refused
alone by the server while the operations beside it go through.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from counter_app.domain.accounts import hash_password
from counter_app.domain.operations import OpType
from counter_app.services.accounts import (
    SignInRefused,
    create_account,
    disable_account,
    list_accounts,
    sign_in,
)
from counter_app.services.credentials import load_token
from counter_app.storage.database import Database
from counter_app.storage.sync_store import get_state
from sync.client.enrollment import enroll
from sync.client.runner import SyncRunner
from sync.protocol import API_PREFIX
from sync.server.db import ServerDatabase
from sync.server.models import ClerkAccount
from tests.conftest import open_counter
from tests.sync.harness import UNIT_A, UNIT_B, ServerProcess
from tests.sync.payloads import wire


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.slow)])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ServerProcess]:
    url = request.getfixturevalue("postgres_url") if request.param == "postgres" else f"sqlite:///{tmp_path / 's.sqlite'}"
    with ServerProcess(url) as process:
        process.admin("create-unit", "--code", UNIT_A, "--name", "UBND phường Hải Châu")
        process.admin("create-unit", "--code", UNIT_B, "--name", "UBND phường Thạch Thang")
        yield process


def desk(server: ServerProcess, data_dir: Path, number: int, unit: str = UNIT_A) -> tuple[Database, SyncRunner]:
    db = open_counter(data_dir, desk=number, unit_code=unit)
    enroll(db, server.url, server.enrollment_code(unit))
    return db, SyncRunner(db, data_dir, base_delay=0.01, max_delay=0.1)


def test_a_clerk_added_at_desk_1_signs_in_at_desk_2_and_a_disabling_reaches_every_desk(
        server: ServerProcess, tmp_path: Path) -> None:
    desk1, sync1 = desk(server, tmp_path / "d1", 1)
    desk2, sync2 = desk(server, tmp_path / "d2", 2)
    other, sync_other = desk(server, tmp_path / "b1", 1, UNIT_B)
    try:
        create_account(desk1, username="giamsat", full_name="Lê Văn Giám", role="supervisor", password="matkhau-gs1",
                       by=None)
        create_account(desk1, username="mai", full_name="Trần Thị Mai", role="clerk", password="matkhau-mai1",
                       by="giamsat")
        with pytest.raises(SignInRefused):
            sign_in(desk2, "mai", "matkhau-mai1")  # not there before the sync
        assert sync1.run_once().ok
        report = sync2.run_once()
        assert report.ok and not report.problems, report
        assert sign_in(desk2, "mai", "matkhau-mai1").full_name == "Trần Thị Mai"
        assert sync_other.run_once().ok
        assert list_accounts(other) == []  # another unit's desk never receives them

        disable_account(desk2, "mai", by="giamsat")
        assert sync2.run_once().ok and sync1.run_once().ok
        with pytest.raises(SignInRefused, match="vô hiệu hóa"):
            sign_in(desk1, "mai", "matkhau-mai1")
        # The server keeps only the hash.
        db = ServerDatabase(server.database_url)
        try:
            with db.session() as s:
                rows = {r.username: r for r in s.scalars(select(ClerkAccount).where(ClerkAccount.unit_code == UNIT_A))}
        finally:
            db.dispose()
        assert set(rows) == {"giamsat", "mai"} and rows["mai"].disabled
        assert rows["mai"].password_hash.startswith("scrypt$") and "matkhau" not in rows["mai"].password_hash
    finally:
        for db in (desk1, desk2, other):
            db.close()


def account_payload(**overrides: object) -> dict[str, object]:
    payload: dict[str, object] = {"username": "hoa", "full_name": "Nguyễn Thị Hoa", "role": "clerk",
                                  "password_hash": hash_password("matkhau-hoa1"), "disabled": False, "version": 1,
                                  "changed_at": datetime.now(UTC).isoformat()}
    payload.update(overrides)
    return payload


def test_forged_and_oversized_account_operations_are_refused_alone(server: ServerProcess, tmp_path: Path) -> None:
    desk1, sync1 = desk(server, tmp_path / "d1", 1)
    desk2, sync2 = desk(server, tmp_path / "d2", 2)
    try:
        with desk1.read() as session:
            device_id = get_state(session).device_id  # type: ignore[union-attr]
        forged_n = "scrypt$20$8$1$" + "A" * 22 + "$" + "B" * 43  # n = 2**20: a gigabyte per sign-in
        bad = [
            account_payload(password_hash=forged_n),
            account_payload(password_hash="matkhau-hoa1"),  # a password, not a hash
            account_payload(full_name="Hoa" * 5000),
            account_payload(username="x" * 10_000),
            account_payload(role="root"),
            account_payload(disabled="no"),
            account_payload(changed_at=(datetime.now(UTC) + timedelta(days=30)).isoformat()),
            {**account_payload(), "password": "matkhau-hoa1"},
        ]
        good = account_payload(username="lan", full_name="Ngô Thị Lan")
        ops = [wire(seq, OpType.ACCOUNT_UPSERT, payload) for seq, payload in enumerate([*bad, good], start=1)]
        response = requests.post(
            f"{server.url}{API_PREFIX}/sync/push", timeout=60,
            headers={"Authorization": f"Bearer {load_token(device_id)}"},
            json={"batch_id": str(uuid.uuid4()), "device_epoch": "forged-account-epoch", "ops": ops})
        assert response.status_code == 200, response.text
        results = response.json()["results"]
        assert [r["status"] for r in results] == ["rejected"] * len(bad) + ["accepted"]
        assert all(r["message"] for r in results[:-1])
        assert "mã băm scrypt" in results[0]["message"]
        # The good one reaches desk 2; none of the bad ones does.
        report = sync2.run_once()
        assert report.ok and not report.problems, report
        assert [a.username for a in list_accounts(desk2)] == ["lan"]
        assert sign_in(desk2, "lan", "matkhau-hoa1").full_name == "Ngô Thị Lan"
        assert sync1.run_once().ok  # desk 1's own sync is not blocked either
    finally:
        desk1.close()
        desk2.close()

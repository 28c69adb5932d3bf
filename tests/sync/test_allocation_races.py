"""Allocations are atomic in the database (issue 7, item 5), proven by real races on SQLite and PostgreSQL.

- Enrolments: threads released together by a barrier each trade a code for a device at a real server
  process (its thread pool runs them at once): never two active devices on one desk slot, and every
  loser gets the next free slot or, past 10 desks, the Vietnamese refusal with its code left unspent.
- Number ranges and desk slots: `provincial-server` commands run in separate processes, each with its
  database already open, released together by a multiprocessing barrier: never an overlapping range,
  never a shared slot, every loser a clean refusal.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import multiprocessing
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import select

from counter_app.domain.codes import MAX_DESK_SLOTS
from sync.protocol import ChangeKind
from sync.server.admin import create_unit, revoke_device
from sync.server.auth import new_enrollment_code
from sync.server.db import ServerDatabase
from sync.server.models import ChangeFeed, Device, NumberRange
from tests.sync.harness import ServerProcess

ROUNDS = 10
API = "/api/v1"
_units = itertools.count(40)

pytestmark = pytest.mark.slow


@pytest.fixture(params=["sqlite", "postgres"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ServerProcess]:
    url = (request.getfixturevalue("postgres_url") if request.param == "postgres"
           else f"sqlite:///{tmp_path / 'server.sqlite'}")
    ServerDatabase.open(url).dispose()
    with ServerProcess(url) as process:
        yield process


def new_unit_with_codes(url: str, codes: int) -> tuple[str, list[str]]:
    unit = f"000.{next(_units):02d}.48.H15"
    db = ServerDatabase(url)
    try:
        with db.session() as s:
            create_unit(s, unit, f"UBND đơn vị thử {unit}", datetime.now(UTC))
        with db.session() as s:
            return unit, [new_enrollment_code(s, unit, datetime.now(UTC))[0] for _ in range(codes)]
    finally:
        db.dispose()


def enrol_all_at_once(server: ServerProcess, codes: list[str], preferred: int | None) -> list[requests.Response]:
    """One thread per code, released together, each POSTing /enroll on its own connection."""
    start = threading.Barrier(len(codes))
    answers: list[requests.Response | BaseException | None] = [None] * len(codes)

    def enrol(index: int, code: str) -> None:
        with requests.Session() as http:
            body = {"code": code, "device_name": f"Quầy {index}", "desk_slot": preferred}
            try:
                start.wait(timeout=30)
                answers[index] = http.post(f"{server.url}{API}/enroll", json=body, timeout=60)
            except BaseException as error:  # reported to the test thread below
                answers[index] = error

    threads = [threading.Thread(target=enrol, args=(i, code)) for i, code in enumerate(codes)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    done = []
    for answer in answers:
        if not isinstance(answer, requests.Response):
            raise AssertionError(f"an enrolment did not finish: {answer!r}")
        done.append(answer)
    return done


def active_slots(url: str, unit: str) -> list[int]:
    db = ServerDatabase(url)
    try:
        with db.session() as s:
            return sorted(s.scalars(select(Device.desk_slot).where(Device.unit_code == unit, Device.revoked.is_(False))))
    finally:
        db.dispose()


def test_simultaneous_enrolments_never_share_a_desk_slot(server: ServerProcess) -> None:
    for round_number in range(ROUNDS):
        unit, codes = new_unit_with_codes(server.database_url, 6)
        # Half the rounds all ask for the same slot (a re-enrolling desk keeps its own), half for none.
        preferred = 3 if round_number % 2 else None

        answers = enrol_all_at_once(server, codes, preferred)

        assert [a.status_code for a in answers] == [200] * 6, [a.text for a in answers]
        slots = [a.json()["desk_slot"] for a in answers]
        assert len(set(slots)) == 6, f"round {round_number}: shared slots {sorted(slots)}"
        assert set(slots) == set(range(6)) and (preferred is None or preferred in slots)
        assert active_slots(server.database_url, unit) == sorted(slots)


def test_the_eleventh_simultaneous_desk_is_refused_and_keeps_its_code(server: ServerProcess) -> None:
    unit, codes = new_unit_with_codes(server.database_url, MAX_DESK_SLOTS + 2)

    answers = enrol_all_at_once(server, codes, None)

    winners = [a for a in answers if a.status_code == 200]
    losers = [(code, a) for code, a in zip(codes, answers, strict=True) if a.status_code != 200]
    assert sorted(a.json()["desk_slot"] for a in winners) == list(range(MAX_DESK_SLOTS))
    assert len(losers) == 2
    for _, answer in losers:
        assert answer.status_code == 409
        assert answer.json()["error"] == {
            "code": "no_free_desk_slot",
            "message": "Đơn vị đã có đủ 10 quầy đang hoạt động; hãy thu hồi một quầy cũ trước khi đăng ký quầy mới.",
        }
    assert active_slots(server.database_url, unit) == list(range(MAX_DESK_SLOTS))
    # The refusal spent nothing: once a desk is revoked, a loser's code enrols into the freed slot.
    freed = winners[0].json()
    db = ServerDatabase(server.database_url)
    try:
        with db.session() as s:
            revoke_device(s, freed["device_id"])
    finally:
        db.dispose()
    again = requests.post(f"{server.url}{API}/enroll", json={"code": losers[0][0]}, timeout=60)
    assert again.status_code == 200 and again.json()["desk_slot"] == freed["desk_slot"]


# -- admin commands in parallel processes --------------------------------------------------------------


def _admin_worker(url: str, barrier: Any, jobs: Any, results: Any) -> None:
    """A provincial-server admin process: database open, then for each job wait for the others and run it."""
    from sync.server import cli

    db = ServerDatabase.open(url)
    parser = cli.build_parser()
    try:
        while (argv := jobs.get()) is not None:
            args = parser.parse_args(argv)
            out, err = io.StringIO(), io.StringIO()
            barrier.wait(timeout=60)
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = cli.run_command(db, args)
            results.put((argv, code, out.getvalue(), err.getvalue()))
    finally:
        db.dispose()


@dataclass
class AdminPool:
    """N admin processes that run one command each per round, all released together."""

    workers: list[Any]
    jobs: list[Any]
    results: Any

    def round(self, commands: list[list[str]]) -> list[tuple[list[str], int, str, str]]:
        assert len(commands) == len(self.workers)
        for queue, argv in zip(self.jobs, commands, strict=True):
            queue.put(argv)
        return [self.results.get(timeout=120) for _ in commands]


@contextlib.contextmanager
def admin_pool(url: str, size: int) -> Iterator[AdminPool]:
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(size)
    jobs = [context.Queue() for _ in range(size)]
    results = context.Queue()
    workers = [context.Process(target=_admin_worker, args=(url, barrier, queue, results)) for queue in jobs]
    for worker in workers:
        worker.start()
    try:
        yield AdminPool(workers, jobs, results)
    finally:
        for queue in jobs:
            queue.put(None)
        for worker in workers:
            worker.join(timeout=30)
            if worker.is_alive():
                worker.kill()
                worker.join()


def enrolled_devices(server: ServerProcess, count: int) -> list[str]:
    _, codes = new_unit_with_codes(server.database_url, count)
    ids = []
    for code in codes:
        answer = requests.post(f"{server.url}{API}/enroll", json={"code": code}, timeout=60)
        assert answer.status_code == 200, answer.text
        ids.append(answer.json()["device_id"])
    return ids


def test_simultaneous_range_requests_never_overlap(server: ServerProcess) -> None:
    devices = enrolled_devices(server, 4)
    with admin_pool(server.database_url, 4) as pool:
        for round_number in range(ROUNDS):
            series = f"01BLP0-001:AA/{round_number:02d}P"
            # Three desks ask for the next 100 numbers, a fourth for 1-100 explicitly, all at once.
            commands = [["number-range", device, "--series", series, "--count", "100"] for device in devices[:3]]
            commands.append(["number-range", devices[3], "--series", series, "--first", "1", "--last", "100"])

            outcomes = pool.round(commands)

            for argv, code, out, err in outcomes:
                if code == 0:
                    assert out.startswith("Đã cấp dải số ") and not err
                else:  # only the explicit request can lose: a --count request takes the next free block
                    assert argv[-1] == "100" and "--first" in argv, (argv, err)
                    assert code == 1 and err.startswith("Lỗi: Dải 1–100 của sổ") and "trùng với dải 1–100 đã cấp" in err
            granted = ranges_of(server.database_url, series)
            assert len(granted) == sum(1 for _, code, _, _ in outcomes if code == 0)
            for (_, a_last), (b_first, _) in itertools.pairwise(granted):
                assert a_last < b_first, f"round {round_number}: {granted} overlap"
            assert granted[0][0] == 1 and granted[-1][1] == 100 * len(granted)  # no gap either
            assert published_ranges(server.database_url, series) == granted


def ranges_of(url: str, series: str) -> list[tuple[int, int]]:
    db = ServerDatabase(url)
    try:
        with db.session() as s:
            rows = s.execute(select(NumberRange.first, NumberRange.last).where(NumberRange.series == series)
                             .order_by(NumberRange.first))
            return [(first, last) for first, last in rows]
    finally:
        db.dispose()


def published_ranges(url: str, series: str) -> list[tuple[int, int]]:
    """The ranges counters are told about through the change feed (what they will number with)."""
    db = ServerDatabase(url)
    try:
        with db.session() as s:
            payloads = s.scalars(select(ChangeFeed.payload).where(ChangeFeed.kind == ChangeKind.NUMBER_RANGE.value))
            return sorted((p["first"], p["last"]) for p in payloads if p["series"] == series)
    finally:
        db.dispose()


def test_simultaneous_desk_slot_changes_never_share_a_slot(server: ServerProcess) -> None:
    devices = enrolled_devices(server, 3)  # slots 0, 1, 2
    with admin_pool(server.database_url, 2) as pool:
        slots = device_slots(server.database_url, devices)
        for round_number in range(ROUNDS):
            target = min(set(range(MAX_DESK_SLOTS)) - set(slots))  # free before the round
            movers = devices[round_number % 3], devices[(round_number + 1) % 3]

            outcomes = pool.round([["desk-slot", device, str(target)] for device in movers])

            assert sorted(code for _, code, _, _ in outcomes) == [0, 1], outcomes
            loser = next(err for _, code, _, err in outcomes if code == 1)
            assert loser == f"Lỗi: Số quầy {target} đang thuộc một quầy khác của đơn vị.\n"
            slots = device_slots(server.database_url, devices)
            assert len(set(slots)) == 3 and target in slots


def device_slots(url: str, devices: list[str]) -> list[int]:
    db = ServerDatabase(url)
    try:
        with db.session() as s:
            return list(s.scalars(select(Device.desk_slot).where(Device.id.in_(devices))))
    finally:
        db.dispose()

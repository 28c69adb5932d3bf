"""Hostile input on the province's report API, against a real provincial-server process (issue 11, R).

Every refusal is a Vietnamese JSON error, never a 500 nor a hang: absurd or repeated parameters, hostile
unit codes, dates whose instants overflow, tokens in the wrong case, with padding or in the wrong place,
reports beyond `reports_at_once`. A report reads in a snapshot: the counters' pushes (the write lock on
SQLite) go on while it runs. The largest register allowed, as XLSX, stays within a memory bound.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from sqlalchemy import insert, text

from sync.client.transport import Transport
from sync.protocol import API_PREFIX, EnrollResponse, PushBatch, PushResponse
from sync.server.guard_admission import ENV_GUARD_SETTINGS
from sync.server.models import Dossier
from sync.server.reports import MAX_REGISTER_ROWS
from tests.sync.harness import UNIT_A, UNIT_B, ServerProcess
from tests.sync.hostile import memory_kb
from tests.sync.invariants import open_server_db
from tests.sync.test_report_api import get, new_token, refused

NOVEMBER = {"from": "2026-11-01", "to": "2026-11-30"}
SMALL_UNIT_ROWS = 20_000  # unit B: its register's JSON (~9 MB) fills any socket buffer
GUARD = {"reports_at_once": 1, "busy_patience_seconds": 1, "auth_failures_burst": 30,
         "auth_failures_per_second": 0.01}


def add_dossiers(url: str, unit: str, count: int) -> None:
    """`count` dossiers received in November 2026, written straight into the server's tables (data, not a fault).

    The first goes in through SQLAlchemy, the rest are copies of it made by one INSERT … SELECT (ten times
    faster than 100,000 rows through the ORM): a random uuid4, the next code, desk and channel in turn, and
    received 20 s after the one before, in the text form SQLAlchemy stores for SQLite.
    """
    first = datetime(2026, 11, 1, 1, tzinfo=UTC)
    row = {"id": str(uuid.uuid4()), "code": f"{unit}.{0:08d}", "unit_code": unit, "desk_slot": 1, "status": 1,
           "version": 1, "data": {}, "channel": 1, "received_at": first, "updated_at": first,
           "due_at": first + timedelta(days=3), "procedure_code": "1.001",
           "procedure_name": "Chứng thực bản sao từ bản chính", "applicant_name": "Nguyễn Văn An",
           "applicant_address": "12 Lê Duẩn, Hải Châu"}
    copied = [column for column in row if column not in ("id", "code", "desk_slot", "channel", "received_at")]
    db = open_server_db(url)
    try:
        with db.session() as s:
            s.execute(insert(Dossier), [row])
            s.execute(text(
                f"INSERT INTO dossier (id, code, desk_slot, channel, received_at, {', '.join(copied)}) "
                "WITH RECURSIVE k(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM k WHERE n < :count - 1) "
                "SELECT lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2)"
                " || '-a' || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6))), "
                "t.unit_code || '.' || printf('%08d', k.n), 1 + k.n % 3, 1 + k.n % 3, "
                "strftime('%Y-%m-%d %H:%M:%S', t.received_at, '+' || (20 * k.n) || ' seconds') || '.000000', "
                f"{', '.join(f't.{column}' for column in copied)} FROM k CROSS JOIN dossier AS t WHERE t.code = :code"),
                {"count": count, "code": row["code"]})
    finally:
        db.dispose()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    url = f"sqlite:///{tmp_path_factory.mktemp('report-hostile') / 's.sqlite'}"
    with pytest.MonkeyPatch.context() as env:
        env.setenv(ENV_GUARD_SETTINGS, json.dumps(GUARD))
        process = ServerProcess(url).start()
    try:
        process.admin("create-unit", "--code", UNIT_A, "--name", "UBND phường Hải Châu")
        process.admin("create-unit", "--code", UNIT_B, "--name", "UBND xã Hòa Vang")
        add_dossiers(url, UNIT_A, MAX_REGISTER_ROWS)
        add_dossiers(url, UNIT_B, SMALL_UNIT_ROWS)
        yield process
    finally:
        process.stop()


@pytest.fixture(scope="module")
def token(server: ServerProcess) -> str:
    return new_token(server, "Văn phòng UBND tỉnh")


BAD_QUERIES = [
    ("daily", {"from": "x" * 100_000, "to": "2026-11-30"}, 400, "bad_period"),
    ("daily", {"from": "0001-01-01", "to": "0001-01-31"}, 400, "bad_period"),  # was a 500 (instants overflow)
    ("kpi", {"from": "9999-12-01", "to": "9999-12-31"}, 400, "bad_period"),
    ("register", {"from": "9999-12-31", "to": "9999-12-31"}, 400, "bad_period"),
    ("daily", {"from": "2026-11-30", "to": "2026-11-01"}, 400, "bad_period"),
    ("daily", {"from": "٢٠٢٦-١١-٠١", "to": "2026-11-30"}, 400, "bad_period"),
    ("daily", [("from", "2026-11-01"), ("from", "2026-10-01"), ("to", "2026-11-30")], 400, "repeated_parameter"),
    ("daily", [("from", "2026-11-01")] * 2000 + [("to", "2026-11-30")], 400, "repeated_parameter"),
    ("daily", {**NOVEMBER, "unit": "A'\"; DROP TABLE unit;--"}, 404, "unknown_unit"),
    ("daily", {**NOVEMBER, "unit": "é" * 4000}, 404, "unknown_unit"),
    ("daily", {**NOVEMBER, "format": "../../etc/passwd"}, 400, "bad_format"),
    ("daily", {**NOVEMBER, "format": "XLSX"}, 400, "bad_format"),
    ("a" * 5000, NOVEMBER, 404, "unknown_report"),
]


@pytest.mark.parametrize(("kind", "params", "status", "code"), BAD_QUERIES,
                         ids=[f"{k[:10]}-{c}-{n}" for n, (k, _, _, c) in enumerate(BAD_QUERIES)])
def test_hostile_parameters_are_refused_in_vietnamese(server: ServerProcess, token: str, kind: str, params: object,
                                                       status: int, code: str) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    answer = requests.get(f"{server.url}{API_PREFIX}/reports/{kind}", params=params, headers=headers, timeout=60)
    message = refused(answer, status, code)
    assert len(message) < 400  # whatever was sent, only a bounded piece of it is echoed


def test_an_echoed_unit_carries_no_control_or_direction_characters(server: ServerProcess, token: str) -> None:
    message = refused(get(server, "daily", token, **NOVEMBER, unit="Đà Nẵng\u0000\u202e\u0007"), 404, "unknown_unit")
    assert "«Đà Nẵng???»" in message


@pytest.mark.parametrize("authorization", ["bearer {t}", "Bearer  {t} ", "Bearer {T}", "Bearer " + "a" * 7000,
                                           "Bearer {t}, Bearer {t}"])
def test_a_token_in_the_wrong_case_padded_or_doubled_is_refused(server: ServerProcess, token: str,
                                                                 authorization: str) -> None:
    sent = authorization.format(t=token, T=token.swapcase())
    answer = requests.get(f"{server.url}{API_PREFIX}/reports/daily", params=NOVEMBER,
                          headers={"Authorization": sent}, timeout=60)
    assert answer.status_code == 401, answer.text
    assert answer.json()["error"]["code"] in ("missing_token", "bad_token")


def test_a_report_token_cannot_sync(server: ServerProcess, token: str) -> None:
    answer = requests.post(f"{server.url}{API_PREFIX}/sync/hello", json={}, timeout=30,
                           headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 401 and answer.json()["error"]["code"] == "bad_token", answer.text


@pytest.mark.slow
def test_reports_beyond_reports_at_once_get_a_clear_busy_answer_not_a_hang(server: ServerProcess, token: str) -> None:
    """Two registers of 100,000 dossiers asked at once, with one report turn (GUARD): whichever comes first
    holds the turn for seconds, the other is told the server is busy once its patience (1 s) is spent."""
    answers: list[requests.Response] = []

    def ask() -> None:
        answers.append(get(server, "register", token, **NOVEMBER, unit=UNIT_A))

    askers = [threading.Thread(target=ask) for _ in range(2)]
    for asker in askers:
        asker.start()
    for asker in askers:
        asker.join(120)
    assert sorted(a.status_code for a in answers) == [200, 503]
    busy = next(a for a in answers if a.status_code == 503)
    assert "báo cáo khác" in refused(busy, 503, "server_busy") and busy.headers["Retry-After"] == "30"
    assert get(server, "daily", token, **NOVEMBER).status_code == 200  # the turn came back


def _enrolled_transport(server: ServerProcess) -> Transport:
    code = server.enrollment_code(UNIT_B)
    answer = Transport(server.url).call("POST", "/enroll", EnrollResponse, json_body={"code": code})
    return Transport(server.url, answer.token)


@pytest.mark.slow
def test_a_report_never_holds_the_write_lock_pushes_go_on(server: ServerProcess, token: str) -> None:
    """While the register of a unit's 100,000 dossiers is built (seconds), a writer that does not wait (busy
    timeout 0) finds the SQLite write lock free but for moments (the token's last use is written), and a
    counter's pushes are answered. A report that held the lock for its whole build was found locked on
    hundreds of tries in a row."""
    device = _enrolled_transport(server)
    done = threading.Event()
    answers: list[int] = []

    def report() -> None:
        try:
            answers.append(get(server, "register", token, **NOVEMBER, unit=UNIT_A).status_code)
        finally:
            done.set()

    writer = sqlite3.connect(server.database_url.removeprefix("sqlite:///"), timeout=0, isolation_level=None)
    tries, streak, longest, pushes = 0, 0, 0, 0
    try:
        thread = threading.Thread(target=report)
        thread.start()
        while not done.wait(0.005):  # a try every 5 ms: the server's own writers are never starved
            try:
                writer.execute("BEGIN IMMEDIATE")
                writer.execute("ROLLBACK")
                streak = 0
            except sqlite3.OperationalError:  # "database is locked"
                streak += 1
                longest = max(longest, streak)
            tries += 1
            if tries % 50 == 0:
                batch = PushBatch(batch_id=str(uuid.uuid4()), device_epoch="report-tests", ops=[])
                device.call("POST", "/sync/push", PushResponse, json_body=batch.model_dump(mode="json"))
                pushes += 1
        thread.join()
    finally:
        writer.close()
    assert answers == [200]
    assert tries >= 100 and pushes >= 1, (tries, pushes)  # the report ran long enough to be watched
    assert longest < 10, (tries, longest, pushes)


@pytest.mark.slow
def test_a_large_register_as_xlsx_is_written_as_it_goes(server: ServerProcess, token: str) -> None:
    """The register of unit B's 20,000 dossiers as XLSX raises the server's peak memory by less than 100 MB: the
    workbook is streamed (openpyxl write-only). Built whole in memory it took ~8 MB per 1,000 rows (~900 MB
    at MAX_REGISTER_ROWS, ~160 MB here); streamed, MAX_REGISTER_ROWS grew the peak by 33 MB (measured once,
    ~25 s: too slow for every run)."""
    Path(f"/proc/{server.process.pid}/clear_refs").write_text("5")  # the peak (VmHWM) starts again from now
    before = memory_kb(server.process.pid)
    answer = requests.get(f"{server.url}{API_PREFIX}/reports/register", params={**NOVEMBER, "unit": UNIT_B,
                          "format": "xlsx"}, headers={"Authorization": f"Bearer {token}"}, timeout=300)
    assert answer.status_code == 200, answer.text[:300]
    assert answer.content[:2] == b"PK"
    grown_mb = (memory_kb(server.process.pid)["VmHWM"] - before["VmRSS"]) / 1024
    print(json.dumps({"register_rows": SMALL_UNIT_ROWS, "xlsx_bytes": len(answer.content),
                      "peak_growth_mb": round(grown_mb)}))
    assert grown_mb < 100, grown_mb

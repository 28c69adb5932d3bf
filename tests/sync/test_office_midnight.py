"""A desk at work across office midnight on New Year's Eve, on a real counter and a real provincial server whose
clocks read 31/12/2026 23:59 (Vietnam time) and tick into 2027.

What belongs to a day is decided by the moment of the event, never by the moment something is read back or
synced: the dossier code's day and number, the register book of the year (Mẫu 06 starts again at 1 on
1 January), the due date, the day's report at the desk and at the province. The citizen's ID card is checked
against the office's today, not the machine's own calendar: a personal ID number of someone born in 2027 is
refused on 31/12/2026 and taken on 1/1/2027.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from counter_app.domain.dossier import OFFICE_TZ
from sync.server.models import OpLedger
from tests.conftest import UNIT_CODE, open_counter
from tests.sync.harness import ROOT, ServerProcess, counter_cli
from tests.sync.invariants import open_server_db

EVE = datetime(2026, 12, 31, 23, 59, 59, tzinfo=OFFICE_TZ)
NEW_YEAR = datetime(2027, 1, 1, 0, 0, 0, tzinfo=OFFICE_TZ)
BORN_IN_2027 = "048227001234"  # Đà Nẵng (048), a boy born 2000–2099 (2), in 2027 (27)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    started = EVE - timedelta(seconds=20)
    with ServerProcess(f"sqlite:///{tmp_path / 'server.sqlite'}", clock_from=started) as process:
        process.admin("create-unit", "--code", UNIT_CODE, "--name", "UBND phường Hải Châu", at=started)
        process.admin("import-catalog", str(ROOT / "resources" / "catalog" / "sample-catalog.json"), at=started)
        yield process


def intake(data_dir: Path, at: datetime, id_number: str, *, check: bool = True):
    return counter_cli(data_dir, "intake", "--procedure", "1.001193", "--applicant", "Nguyễn Văn An",
                       "--id-number", id_number, "--phone", "0905123456", "--address", "12 Lê Lợi", "--json",
                       at=at, check=check)


def received(report: dict) -> list[tuple[str, int]]:
    return [(row["day"], row["direct"]) for row in report["received_per_day"]]


@pytest.mark.slow
def test_a_desk_working_across_new_years_midnight(server: ServerProcess, tmp_path: Path) -> None:
    data_dir = tmp_path / "counter"
    open_counter(data_dir).close()
    code = server.enrollment_code(UNIT_CODE, at=EVE - timedelta(seconds=15))
    counter_cli(data_dir, "enroll", "--server", server.url, "--code", code, at=EVE - timedelta(seconds=10))

    refused = intake(data_dir, EVE, BORN_IN_2027, check=False)
    assert refused.returncode != 0
    assert "cho năm sinh 2027, là năm trong tương lai" in refused.stderr
    eve = json.loads(intake(data_dir, EVE, "049090001234").stdout)
    first = json.loads(intake(data_dir, NEW_YEAR, BORN_IN_2027).stdout)

    assert eve["code"] == f"{UNIT_CODE}-261231-1001"
    assert (eve["register_book"], eve["register_number"]) == ("01/2026", 1)
    assert eve["received_at"] == "2026-12-31T23:59:59+07:00"
    # Birth registration is settled within the day; received after hours on the 31st, it is due at the end of
    # the next working day: 1/1 is a public holiday, 2-3/1 a weekend.
    assert eve["due_at"] == "2027-01-04T17:00:00+07:00"
    assert first["code"] == f"{UNIT_CODE}-270101-1001"  # a new day: the day's numbers start again
    assert (first["register_book"], first["register_number"]) == ("01/2027", 1)  # a new year: a new book
    assert first["due_at"] == "2027-01-04T17:00:00+07:00"

    after = NEW_YEAR + timedelta(seconds=5)
    for day, expected in (("2026-12-31", [("2026-12-31", 1)]), ("2027-01-01", [("2027-01-01", 1)])):
        desk = json.loads(counter_cli(data_dir, "report", "daily", "--date", day, "--json", at=after).stdout)
        assert received(desk) == expected, day

    synced = json.loads(counter_cli(data_dir, "sync", "--once", "--json", at=NEW_YEAR + timedelta(seconds=10)).stdout)
    assert synced["ok"] and synced["pushed"] >= 2, synced
    # The province stamped what it took with its own clock: seconds around midnight (the test's real duration),
    # not the machine's date a month earlier.
    province_db = open_server_db(server.database_url)
    try:
        with province_db.session() as session:
            taken = session.scalars(select(OpLedger.received_at)).all()
    finally:
        province_db.dispose()
    assert taken and all(EVE - timedelta(seconds=20) <= at <= NEW_YEAR + timedelta(minutes=5) for at in taken), taken
    for day, expected in (("2026-12-31", [("2026-12-31", 1)]), ("2027-01-01", [("2027-01-01", 1)])):
        province = json.loads(server.admin("report", "daily", "--from", day, "--to", day, "--unit", UNIT_CODE,
                                           at=after))
        assert received(province) == expected, day
    books = {day: json.loads(server.admin("report", "register", "--from", day, "--to", day, "--unit", UNIT_CODE,
                                          at=after))["rows"]
             for day in ("2026-12-31", "2027-01-01")}
    assert [(r["code"], r["register_book"], r["register_number"], r["received_at"]) for r in books["2026-12-31"]] == [
        (eve["code"], "01/2026", 1, "2026-12-31T23:59:59+07:00")]
    assert [(r["code"], r["register_book"], r["register_number"], r["received_at"]) for r in books["2027-01-01"]] == [
        (first["code"], "01/2027", 1, "2027-01-01T00:00:00+07:00")]

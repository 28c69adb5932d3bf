"""What the province publishes reaches the counters: catalog, calendar, statuses, number ranges, desk slots."""

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select, text

from counter_app.domain.dossier import OFFICE_TZ
from counter_app.services.catalog import procedures
from counter_app.services.intake import preview_due_at
from counter_app.services.unit_setup import load_profile
from counter_app.storage.database import Database
from counter_app.storage.models import CalendarOverride, NumberRange, SyncJournal
from counter_app.storage.sync_store import get_state
from sync.client.enrollment import enroll
from sync.client.runner import SyncRunner
from sync.protocol import API_PREFIX
from tests.conftest import open_counter
from tests.sync.faultproxy import FaultProxy
from tests.sync.harness import ROOT, UNIT_A, UNIT_B, ServerProcess

CATALOG = ROOT / "resources" / "catalog" / "sample-catalog.json"
MONDAY_0900 = datetime(2026, 3, 9, 9, 0, tzinfo=OFFICE_TZ)
ONE_WORKING_DAY = "2.000908"  # cấp bản sao từ sổ gốc: 1 working day in the sample catalog


@pytest.fixture(params=["sqlite", "postgres"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ServerProcess]:
    url = request.getfixturevalue("postgres_url") if request.param == "postgres" else f"sqlite:///{tmp_path / 's.sqlite'}"
    with ServerProcess(url) as process:
        process.admin("create-unit", "--code", UNIT_A, "--name", "UBND phường Hải Châu")
        process.admin("create-unit", "--code", UNIT_B, "--name", "UBND phường Thạch Thang")
        process.admin("import-catalog", str(CATALOG))
        yield process


def _enrolled_counter(data_dir: Path, url: str, code: str) -> tuple[Database, SyncRunner]:
    """A counter of unit A enrolled at `url`, with its runner (quick retries)."""
    db = open_counter(data_dir, unit_code=UNIT_A)
    enroll(db, url, code)
    return db, SyncRunner(db, data_dir, base_delay=0.01, max_delay=0.1)


def test_the_province_publishes_and_counters_apply(server: ServerProcess, tmp_path: Path) -> None:
    db, runner = _enrolled_counter(tmp_path / "a", server.url, server.enrollment_code(UNIT_A))
    assert runner.run_once().ok
    with db.read() as session:
        device_id = get_state(session).device_id  # type: ignore[union-attr]
    # 1 working day received Monday 09:00 is due Tuesday 09:00 ...
    assert preview_due_at(db, ONE_WORKING_DAY, received_at=MONDAY_0900) == datetime(2026, 3, 10, 9, 0, tzinfo=OFFICE_TZ)

    # ... until the province announces Tuesday 10/3 off for every unit, and unit B's make-up Saturday.
    server.admin("calendar-day", "2026-03-10", "--kind", "off", "--note", "Nghỉ theo thông báo của UBND tỉnh")
    server.admin("calendar-day", "2026-03-14", "--kind", "work", "--unit", UNIT_B)
    server.admin("number-range", device_id, "--series", "01BLP0-001:AA/26P", "--first", "1", "--last", "500")
    overlap = subprocess.run(
        [sys.executable, "-m", "sync.server", "--database-url", server.database_url, "number-range", device_id,
         "--series", "01BLP0-001:AA/26P", "--first", "400", "--last", "600"],
        capture_output=True, text=True, encoding="utf-8", cwd=ROOT, timeout=120,
    )
    assert overlap.returncode == 1 and "trùng với dải 1–500" in overlap.stderr
    server.admin("desk-slot", device_id, "7")
    changed = json.loads(CATALOG.read_text("utf-8"))
    changed["procedures"][0]["name"] = changed["procedures"][0]["name"] + " (cập nhật)"
    updated = tmp_path / "catalog-v2.json"
    updated.write_text(json.dumps(changed, ensure_ascii=False), "utf-8")
    server.admin("import-catalog", str(updated))

    report = runner.run_once()
    assert report.ok, report.errors
    assert report.pulled == 4  # Tuesday off, one range, the desk slot, one catalog entry; not unit B's day
    assert preview_due_at(db, ONE_WORKING_DAY, received_at=MONDAY_0900) == datetime(2026, 3, 11, 9, 0, tzinfo=OFFICE_TZ)
    with db.read() as session:
        assert [(o.day.isoformat(), o.kind) for o in session.scalars(select(CalendarOverride))] == [("2026-03-10", "off")]
        assert [(r.series, r.first, r.last) for r in session.scalars(select(NumberRange))] == [("01BLP0-001:AA/26P", 1, 500)]
    assert load_profile(db).desk_slot == 7
    renamed = [p for p in procedures(db) if p.code == changed["procedures"][0]["code"]]
    assert renamed[0].name.endswith("(cập nhật)")
    # Pulling again changes nothing: the cursor moved with the applied page.
    assert runner.run_once().pulled == 0
    db.close()


def test_a_sync_asks_for_no_page_when_hello_says_nothing_is_new(server: ServerProcess, tmp_path: Path,
                                                                  fault_proxy: Callable[..., FaultProxy]) -> None:
    """The pull is skipped only when hello's feed head is the counter's cursor: a change published later is
    pulled by the next run, and a quiet run costs the province one request fewer (one round trip less on 2G)."""
    proxy = fault_proxy(server.port)
    db, runner = _enrolled_counter(tmp_path / "quiet", proxy.url, server.enrollment_code(UNIT_A))

    def pulls() -> int:
        return sum(record.path.startswith(f"{API_PREFIX}/sync/pull") for record in proxy.stats().requests)

    first = runner.run_once()
    assert first.ok and first.pulled > 0 and pulls() == 1  # the catalog, in one page
    quiet = runner.run_once()
    assert quiet.ok and quiet.pulled == 0 and pulls() == 1  # nothing new: no page asked for

    server.admin("calendar-day", "2026-03-10", "--kind", "off", "--note", "Nghỉ theo thông báo của UBND tỉnh")
    server.admin("calendar-day", "2026-03-14", "--kind", "work", "--unit", UNIT_B)  # another unit's: not a change here
    after = runner.run_once()
    assert after.ok and after.pulled == 1 and pulls() == 2
    with db.read() as session:
        assert [(o.day.isoformat(), o.kind) for o in session.scalars(select(CalendarOverride))] == [("2026-03-10", "off")]
        assert get_state(session).pull_cursor > 0  # type: ignore[union-attr]
    assert runner.run_once().pulled == 0 and pulls() == 2
    db.close()


def test_a_change_the_counter_cannot_store_is_skipped_and_the_rest_applied(tmp_path: Path) -> None:
    """One pulled change the counter's database refuses (here a trigger a technician added; the same for any
    constraint) is reported and passed over: the changes behind it are applied, the cursor moves past it and the
    next sync is not stuck on it."""
    with ServerProcess(f"sqlite:///{tmp_path / 's.sqlite'}") as server:
        server.admin("create-unit", "--code", UNIT_A, "--name", "UBND phường Hải Châu")
        db, runner = _enrolled_counter(tmp_path / "a", server.url, server.enrollment_code(UNIT_A))
        assert runner.run_once().ok
        with db.write() as session:
            session.execute(text("CREATE TRIGGER refuse_override BEFORE INSERT ON calendar_override "
                                 "WHEN NEW.note = 'Phá hoại' BEGIN SELECT RAISE(ABORT, 'refused'); END"))
        for day, note in (("2026-03-10", "Nghỉ bù"), ("2026-03-11", "Phá hoại"), ("2026-03-12", "Nghỉ lễ")):
            server.admin("calendar-day", day, "--kind", "off", "--note", note)

        report = runner.run_once()

        assert [(p["kind"], p["code"]) for p in report.problems] == [("calendar", "bad_change")]
        seq = report.problems[0]["change_seq"]
        with db.read() as session:  # said in the sync journal (F7): the next run does not meet it again
            journal = session.scalars(select(SyncJournal).order_by(SyncJournal.id.desc())).first()
        assert journal is not None and journal.outcome == "ok"
        assert journal.message == (f"Quầy không áp dụng được thay đổi số {seq} từ máy chủ tỉnh (lịch làm việc "
                                   "2026-03-11); đã bỏ qua, các thay đổi khác đã nhận.")
        with db.read() as session:
            kept = {row.day.isoformat(): row.note for row in session.scalars(select(CalendarOverride))}
            cursor = get_state(session).pull_cursor  # type: ignore[union-attr]
        assert kept == {"2026-03-10": "Nghỉ bù", "2026-03-12": "Nghỉ lễ"}
        again = runner.run_once()
        assert again.ok and again.problems == [] and again.pulled == 0
        with db.read() as session:
            assert get_state(session).pull_cursor == cursor  # type: ignore[union-attr]
        db.close()
